package da

import (
	"bytes"
	"errors"
	"fmt"
	"math/bits"
	"sort"
)

// NMT errors.
var (
	// ErrLeafSize is returned when a leaf is shorter than a namespace.
	ErrLeafSize = errors.New("da: nmt leaf must start with a 29-byte namespace")
	// ErrPushOrder is returned when a leaf's namespace is smaller than the
	// previous leaf's.
	ErrPushOrder = errors.New("da: nmt leaves must be pushed in non-decreasing namespace order")
	// ErrInvalidRange is returned for a proof range outside the tree.
	ErrInvalidRange = errors.New("da: invalid nmt proof range")
)

// Tree is a namespaced Merkle tree with Celestia's parameters: SHA-256,
// 29-byte namespaces and the max (parity) namespace ignored in inner nodes'
// ranges. Its roots and proofs are byte-identical to those of
// Celestia's nmt module (v0.24.2) built with the same leaves.
//
// The tree keeps only the namespaces and leaf nodes of the leaves pushed to
// it, in flat buffers; inner nodes are computed once, on the first Root or
// Prove call after a Push, and reused by every proof. A Tree is not safe for
// concurrent use.
type Tree struct {
	n      int
	nss    []byte // n namespaces, NamespaceSize bytes each
	leaves []byte // n leaf nodes, NodeSize bytes each
	inner  []byte // inner levels 1..h, NodeSize bytes per node
	levels []int  // levels[l] = offset (in nodes) of level l+1 in inner
	built  bool
}

// NewTree returns an empty tree.
func NewTree() *Tree { return &Tree{} }

// Reset empties the tree and keeps its buffers for reuse.
func (t *Tree) Reset() {
	t.n = 0
	t.nss = t.nss[:0]
	t.leaves = t.leaves[:0]
	t.inner = t.inner[:0]
	t.levels = t.levels[:0]
	t.built = false
}

// Size returns the number of leaves pushed.
func (t *Tree) Size() int { return t.n }

// Push appends a leaf: its namespace (29 bytes) followed by its data. The
// namespace must be ≥ the previous leaf's. The tree does not retain leaf.
func (t *Tree) Push(leaf []byte) error {
	if len(leaf) < NamespaceSize {
		return fmt.Errorf("%w, got %d bytes", ErrLeafSize, len(leaf))
	}
	if t.n > 0 {
		last := t.nss[(t.n-1)*NamespaceSize:]
		if bytes.Compare(leaf[:NamespaceSize], last) < 0 {
			return fmt.Errorf("%w: leaf %d has namespace %x after %x", ErrPushOrder, t.n, leaf[:NamespaceSize], last)
		}
	}
	t.nss = append(t.nss, leaf[:NamespaceSize]...)
	t.leaves = hashLeafBytes(t.leaves, leaf)
	t.n++
	t.built = false
	return nil
}

// Root returns the tree's root, a NodeSize-byte node (min ns ‖ max ns ‖
// hash); the empty tree's root is EmptyNMTRoot. The result is a new slice.
func (t *Tree) Root() []byte {
	return append([]byte(nil), t.rootNode()...)
}

// rootNode returns the root, aliasing the tree's buffers.
func (t *Tree) rootNode() []byte {
	switch t.n {
	case 0:
		return emptyRoot
	case 1:
		return t.leaves[:NodeSize]
	}
	t.build()
	return t.node(len(t.levels), 0)
}

// build computes every inner level: node j of level l is the parent of
// nodes 2j and 2j+1 of level l-1, or a copy of node 2j when it has no right
// sibling. This is the same tree as splitting at the largest power of two
// below the leaf count.
func (t *Tree) build() {
	if t.built {
		return
	}
	t.inner = t.inner[:0]
	t.levels = t.levels[:0]
	total := 0
	for w := t.n; w > 1; w = (w + 1) / 2 {
		total += (w + 1) / 2
	}
	if need := total * NodeSize; cap(t.inner) < need {
		t.inner = make([]byte, 0, need)
	}
	level := 0
	for w := t.n; w > 1; w = (w + 1) / 2 {
		t.levels = append(t.levels, len(t.inner)/NodeSize)
		level++
		for j := 0; j < w/2; j++ {
			l := t.node(level-1, 2*j)
			r := t.node(level-1, 2*j+1)
			t.inner = hashNodeUnchecked(t.inner, l, r)
		}
		if w%2 == 1 {
			t.inner = append(t.inner, t.node(level-1, w-1)...)
		}
	}
	t.built = true
}

// node returns node j of level l (level 0 = leaves), aliasing the buffers.
func (t *Tree) node(l, j int) []byte {
	if l == 0 {
		return t.leaves[j*NodeSize : (j+1)*NodeSize : (j+1)*NodeSize]
	}
	off := (t.levels[l-1] + j) * NodeSize
	return t.inner[off : off+NodeSize : off+NodeSize]
}

// height returns the number of inner levels.
func (t *Tree) height() int {
	if t.n <= 1 {
		return 0
	}
	return bits.Len(uint(t.n - 1))
}

// ProveRange returns the inclusion proof of leaves [start, end). It returns
// an error wrapping ErrInvalidRange (and an empty proof) unless
// 0 ≤ start < end ≤ Size(). The proof's nodes are fresh slices.
func (t *Tree) ProveRange(start, end int) (Proof, error) {
	if start < 0 || start >= end || end > t.n {
		return Proof{IsMaxNamespaceIgnored: true}, fmt.Errorf("%w: [%d, %d) of a tree of %d leaves", ErrInvalidRange, start, end, t.n)
	}
	return Proof{Start: start, End: end, Nodes: t.rangeNodes(start, end), IsMaxNamespaceIgnored: true}, nil
}

// rangeNodes returns, left to right, the roots of the maximal subtrees that
// do not overlap [start, end) — the nodes of a range proof.
func (t *Tree) rangeNodes(start, end int) [][]byte {
	t.build()
	var picked [][]byte
	var visit func(l, j int)
	visit = func(l, j int) {
		lo := j << l
		if lo >= t.n {
			return
		}
		hi := min((j+1)<<l, t.n)
		if hi <= start || lo >= end {
			picked = append(picked, t.node(l, j))
			return
		}
		if l == 0 {
			return
		}
		visit(l-1, 2*j)
		visit(l-1, 2*j+1)
	}
	visit(t.height(), 0)
	buf := make([]byte, 0, len(picked)*NodeSize)
	nodes := make([][]byte, len(picked))
	for i, p := range picked {
		buf = append(buf, p...)
		nodes[i] = buf[i*NodeSize : (i+1)*NodeSize : (i+1)*NodeSize]
	}
	return nodes
}

// ProveNamespace returns a namespace proof for ns, as Celestia's NMT does:
//   - if the tree is empty or ns lies outside the root's namespace range, an
//     empty proof (Start = End = 0, no nodes);
//   - if leaves of ns exist, the inclusion proof of all of them;
//   - otherwise an absence proof: the range proof of the first leaf whose
//     namespace is greater than ns, with that leaf's node in LeafHash.
func (t *Tree) ProveNamespace(ns Namespace) (Proof, error) {
	if t.n == 0 {
		return Proof{IsMaxNamespaceIgnored: true}, nil
	}
	root := t.rootNode()
	if bytes.Compare(ns[:], root[:NamespaceSize]) < 0 || bytes.Compare(root[NamespaceSize:2*NamespaceSize], ns[:]) < 0 {
		return Proof{IsMaxNamespaceIgnored: true}, nil
	}
	start, end := t.namespaceRange(ns)
	if start < end {
		return t.ProveRange(start, end)
	}
	// Absent: start is the first leaf with a namespace greater than ns.
	// Since root.min < ns ≤ root.max, 1 ≤ start < n.
	if start == 0 || start >= t.n {
		return Proof{}, fmt.Errorf("da: nmt: absence index %d out of range for %d leaves (internal error)", start, t.n)
	}
	p, err := t.ProveRange(start, start+1)
	if err != nil {
		return Proof{}, err
	}
	p.LeafHash = append([]byte(nil), t.node(0, start)...)
	return p, nil
}

// namespaceRange returns [start, end), the leaves of namespace ns; when
// there are none, start = end = the index of the first leaf greater than ns.
func (t *Tree) namespaceRange(ns Namespace) (start, end int) {
	at := func(i int) []byte { return t.nss[i*NamespaceSize : (i+1)*NamespaceSize] }
	start = sort.Search(t.n, func(i int) bool { return bytes.Compare(at(i), ns[:]) >= 0 })
	end = start + sort.Search(t.n-start, func(i int) bool { return bytes.Compare(at(start+i), ns[:]) > 0 })
	return start, end
}

// NamespaceRange returns [start, end), the indices of the leaves of
// namespace ns (start = end when there are none).
func (t *Tree) NamespaceRange(ns Namespace) (start, end int) { return t.namespaceRange(ns) }

// LeafNode returns a copy of the NMT node of leaf i, or nil if i is out of
// range.
func (t *Tree) LeafNode(i int) []byte {
	if i < 0 || i >= t.n {
		return nil
	}
	return append([]byte(nil), t.node(0, i)...)
}

// rootChunk is how many leaf nodes RootFromLeafNodes hashes up to one
// subtree root level by level (two hashes at a time) before stacking it.
const rootChunk = 64

// RootFromLeafNodes returns the NMT root over precomputed leaf nodes (see
// HashLeaf), as if their leaves had been pushed into a Tree. Each node must
// be a valid NodeSize-byte node and the nodes must be in namespace order
// (each node's max ≤ the next node's min). It allocates only the result.
func RootFromLeafNodes(leafNodes [][]byte) ([]byte, error) {
	if len(leafNodes) == 0 {
		return EmptyNMTRoot(), nil
	}
	if err := validateLeafNodes(leafNodes); err != nil {
		return nil, err
	}
	// The leaves go in aligned power-of-two chunks of at most rootChunk,
	// largest first, each hashed to its subtree root; a stack of complete
	// subtrees with strictly decreasing heights joins the chunks' roots
	// into the RFC 6962 shape.
	h := pairHasher{innerA: newInnerMsg(), innerB: newInnerMsg()}
	var chunk [rootChunk * NodeSize]byte
	var stack [65][NodeSize]byte
	var height [65]int
	top := 0
	var tmp [NodeSize]byte
	for i := 0; i < len(leafNodes); {
		size, ht := rootChunk, bits.Len(rootChunk)-1
		for size > len(leafNodes)-i {
			size, ht = size/2, ht-1
		}
		for j, n := range leafNodes[i : i+size] {
			copy(node(chunk[:], j), n)
		}
		copy(stack[top][:], h.subtreeRoot(chunk[:size*NodeSize], size))
		height[top] = ht
		top++
		i += size
		for top >= 2 && height[top-1] == height[top-2] {
			hashNodeUnchecked(tmp[:0], stack[top-2][:], stack[top-1][:])
			stack[top-2] = tmp
			height[top-2]++
			top--
		}
	}
	for top >= 2 {
		hashNodeUnchecked(tmp[:0], stack[top-2][:], stack[top-1][:])
		stack[top-2] = tmp
		top--
	}
	return append([]byte(nil), stack[0][:]...), nil
}

// TreeFromLeafNodes returns a tree whose leaves have the given precomputed
// leaf nodes (see HashLeaf), so that roots and proofs can be served without
// rehashing the leaves. The nodes must be valid and in namespace order, as
// for RootFromLeafNodes; each leaf's namespace is taken from its node's min.
func TreeFromLeafNodes(leafNodes [][]byte) (*Tree, error) {
	t := &Tree{
		nss:    make([]byte, 0, len(leafNodes)*NamespaceSize),
		leaves: make([]byte, 0, len(leafNodes)*NodeSize),
	}
	if err := validateLeafNodes(leafNodes); err != nil {
		return nil, err
	}
	for _, n := range leafNodes {
		t.nss = append(t.nss, n[:NamespaceSize]...)
		t.leaves = append(t.leaves, n...)
		t.n++
	}
	return t, nil
}

// validateLeafNodes checks that every node is valid and that the nodes are
// in namespace order (each max ≤ the next min).
func validateLeafNodes(leafNodes [][]byte) error {
	for i, n := range leafNodes {
		if err := ValidateNode(n); err != nil {
			return fmt.Errorf("leaf node %d: %w", i, err)
		}
		if i > 0 {
			prev := leafNodes[i-1]
			if bytes.Compare(prev[NamespaceSize:2*NamespaceSize], n[:NamespaceSize]) > 0 {
				return fmt.Errorf("%w: leaf node %d has min %x below the previous max %x",
					ErrNodeOrder, i, n[:NamespaceSize], prev[NamespaceSize:2*NamespaceSize])
			}
		}
	}
	return nil
}
