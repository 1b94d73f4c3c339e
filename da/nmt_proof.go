package da

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"math/bits"
)

// Proof limits. A valid proof over a tree of at most MaxProofEnd leaves has
// fewer than 2·32 nodes; anything longer is rejected before hashing.
const (
	// MaxProofEnd bounds Proof.End.
	MaxProofEnd = 1 << 31
	// MaxProofNodes bounds len(Proof.Nodes).
	MaxProofNodes = 128
)

// NMT proof errors. Every verification failure wraps ErrNMTProof; a proof
// that is well formed but leads to another root wraps ErrNMTProofRoot, and a
// namespace proof that leaves leaves of the namespace out wraps
// ErrNMTProofIncomplete.
var (
	ErrNMTProof           = errors.New("da: invalid nmt proof")
	ErrNMTProofRoot       = fmt.Errorf("%w: computed root differs from the expected root", ErrNMTProof)
	ErrNMTProofIncomplete = fmt.Errorf("%w: namespace has leaves outside the proven range", ErrNMTProof)
)

// Proof is an NMT range proof, with the fields and JSON encoding of
// Celestia's nmt.Proof. Nodes are the roots of the maximal subtrees left and
// right of [Start, End), in in-order (left to right). LeafHash is set only
// in an absence proof: the node of the leaf that stands where the namespace
// would be. An empty proof (Start = End = 0, no nodes) says a namespace lies
// outside the tree's range. IsMaxNamespaceIgnored is always true for
// Quadrant trees; proofs without it are rejected.
//
// Verification recomputes the root exactly as nmt's verifier does, so the
// two accept the same proofs, except that Quadrant is stricter in a few
// places (checked by a differential fuzz test in bench/): an empty proof
// must be [0, 0) with nothing else; an absence proof comes with no leaves;
// End ≤ MaxProofEnd and at most MaxProofNodes nodes; IsMaxNamespaceIgnored
// must be set; VerifyLeaves refuses empty ranges and absence proofs. Like
// nmt's, a proof does not commit to the tree's size: a caller that knows it
// (a sample knows its square width) checks the range and node count itself.
type Proof struct {
	Start                 int      `json:"start,omitempty"`
	End                   int      `json:"end,omitempty"`
	Nodes                 [][]byte `json:"nodes,omitempty"`
	LeafHash              []byte   `json:"leaf_hash,omitempty"`
	IsMaxNamespaceIgnored bool     `json:"is_max_namespace_ignored,omitempty"`
}

// IsOfAbsence reports whether p is an absence proof (LeafHash set).
func (p Proof) IsOfAbsence() bool { return len(p.LeafHash) > 0 }

// IsEmpty reports whether p is an empty proof: an empty range, no nodes and
// no leaf hash.
func (p Proof) IsEmpty() bool {
	return p.Start == p.End && len(p.Nodes) == 0 && len(p.LeafHash) == 0
}

func proofErrorf(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrNMTProof}, args...)...)
}

// VerifyLeaves checks that leaves, each a namespace followed by data, are
// the leaves [Start, End) of the tree with the given root. Namespaces may
// differ between leaves (they must be in order). It does not check
// completeness; use VerifyNamespace for that.
func (p Proof) VerifyLeaves(root []byte, leaves [][]byte) error {
	hashes, err := leafNodes(leaves)
	if err != nil {
		return err
	}
	return p.VerifyLeafHashes(root, hashes)
}

// VerifyLeafHashes is VerifyLeaves from precomputed leaf nodes (see
// HashLeaf).
func (p Proof) VerifyLeafHashes(root []byte, leafHashes [][]byte) error {
	if p.IsOfAbsence() {
		return proofErrorf("an absence proof proves no leaves")
	}
	if err := ValidateNode(root); err != nil {
		return proofErrorf("root: %w", err)
	}
	if err := p.validateStructure(leafHashes); err != nil {
		return err
	}
	got, err := p.computeRoot(leafHashes)
	if err != nil {
		return err
	}
	if !bytes.Equal(got, root) {
		return fmt.Errorf("%w: computed %x, want %x", ErrNMTProofRoot, got, root)
	}
	return nil
}

// leafNodes hashes leaves (namespace ‖ data) into leaf nodes.
func leafNodes(leaves [][]byte) ([][]byte, error) {
	buf := make([]byte, 0, len(leaves)*NodeSize)
	out := make([][]byte, len(leaves))
	for i, l := range leaves {
		if len(l) < NamespaceSize {
			return nil, proofErrorf("leaf %d: %w, got %d bytes", i, ErrLeafSize, len(l))
		}
		buf = hashLeafBytes(buf, l)
		out[i] = buf[i*NodeSize : (i+1)*NodeSize : (i+1)*NodeSize]
	}
	return out, nil
}

// VerifyNamespace checks that leaves (each ns ‖ data) are all the leaves of
// namespace ns in the tree with the given root, as Celestia's
// nmt.Proof.VerifyNamespace does:
//   - an empty proof with no leaves is valid when ns is outside the root's
//     namespace range (or the root is the empty tree's);
//   - an absence proof, with no leaves, is valid when LeafHash is the node
//     of a leaf greater than ns whose position shows ns is absent;
//   - otherwise leaves must be exactly those of [Start, End), all of
//     namespace ns, and the nodes left (right) of the range must hold only
//     smaller (greater) namespaces.
func (p Proof) VerifyNamespace(root []byte, ns Namespace, leaves [][]byte) error {
	if err := ValidateNode(root); err != nil {
		return proofErrorf("root: %w", err)
	}
	if !p.IsMaxNamespaceIgnored {
		return proofErrorf("proof does not ignore the max namespace, as every Quadrant tree does")
	}
	if p.Start == p.End {
		if !p.IsEmpty() || p.Start != 0 {
			return proofErrorf("empty range [%d, %d) with %d nodes and leaf hash %x; an empty proof is [0, 0) with nothing else",
				p.Start, p.End, len(p.Nodes), p.LeafHash)
		}
		if len(leaves) != 0 {
			return proofErrorf("empty proof with %d leaves", len(leaves))
		}
		inRange := bytes.Compare(ns[:], root[:NamespaceSize]) >= 0 && bytes.Compare(ns[:], root[NamespaceSize:2*NamespaceSize]) <= 0
		if inRange && !bytes.Equal(root, emptyRoot) {
			return fmt.Errorf("%w: empty proof but namespace %s is within the root's range [%x, %x]",
				ErrNMTProofIncomplete, ns, root[:NamespaceSize], root[NamespaceSize:2*NamespaceSize])
		}
		return nil
	}
	var hashes [][]byte
	if p.IsOfAbsence() {
		if len(leaves) != 0 {
			return proofErrorf("absence proof with %d leaves, want none", len(leaves))
		}
		if err := ValidateNode(p.LeafHash); err != nil {
			return proofErrorf("leaf hash: %w", err)
		}
		if bytes.Compare(ns[:], p.LeafHash[:NamespaceSize]) >= 0 {
			return proofErrorf("absence proof leaf has namespace %x, want one greater than %s", p.LeafHash[:NamespaceSize], ns)
		}
		hashes = [][]byte{p.LeafHash}
	} else {
		for i, l := range leaves {
			if len(l) < NamespaceSize || !bytes.Equal(l[:NamespaceSize], ns[:]) {
				return proofErrorf("leaf %d does not belong to namespace %s", i, ns)
			}
		}
		var err error
		if hashes, err = leafNodes(leaves); err != nil {
			return err
		}
	}
	if err := p.validateStructure(hashes); err != nil {
		return err
	}
	if err := p.checkCompleteness(ns); err != nil {
		return err
	}
	got, err := p.computeRoot(hashes)
	if err != nil {
		return err
	}
	if !bytes.Equal(got, root) {
		return fmt.Errorf("%w: computed %x, want %x", ErrNMTProofRoot, got, root)
	}
	return nil
}

// checkCompleteness checks that the nodes left of Start hold only
// namespaces below ns and the nodes right of the range only namespaces
// above it. The left nodes are the first popcount(Start) nodes: one per
// aligned power-of-two block of [0, Start).
func (p Proof) checkCompleteness(ns Namespace) error {
	nLeft := min(bits.OnesCount(uint(p.Start)), len(p.Nodes))
	for i, n := range p.Nodes {
		if i < nLeft {
			if bytes.Compare(ns[:], n[NamespaceSize:2*NamespaceSize]) <= 0 {
				return fmt.Errorf("%w: left node %d has max namespace %x ≥ %s", ErrNMTProofIncomplete, i, n[NamespaceSize:2*NamespaceSize], ns)
			}
		} else if bytes.Compare(n[:NamespaceSize], ns[:]) <= 0 {
			return fmt.Errorf("%w: right node %d has min namespace %x ≤ %s", ErrNMTProofIncomplete, i, n[:NamespaceSize], ns)
		}
	}
	return nil
}

// validateStructure checks the range, the leaf count and the format of
// every node.
func (p Proof) validateStructure(leafHashes [][]byte) error {
	if !p.IsMaxNamespaceIgnored {
		return proofErrorf("proof does not ignore the max namespace, as every Quadrant tree does")
	}
	if p.Start < 0 || p.Start >= p.End || p.End > MaxProofEnd {
		return proofErrorf("range [%d, %d), want 0 ≤ start < end ≤ %d", p.Start, p.End, MaxProofEnd)
	}
	if len(leafHashes) != p.End-p.Start {
		return proofErrorf("%d leaves for range [%d, %d), want %d", len(leafHashes), p.Start, p.End, p.End-p.Start)
	}
	if len(p.Nodes) > MaxProofNodes {
		return proofErrorf("%d nodes, at most %d allowed", len(p.Nodes), MaxProofNodes)
	}
	for i, n := range p.Nodes {
		if err := ValidateNode(n); err != nil {
			return proofErrorf("node %d: %w", i, err)
		}
	}
	for i, n := range leafHashes {
		if err := ValidateNode(n); err != nil {
			return proofErrorf("leaf node %d: %w", i, err)
		}
	}
	return nil
}

// ComputeRoot returns the root that leafHashes (the leaf nodes of [Start,
// End)) and p's nodes lead to, computed exactly as Celestia's NMT verifier
// does, or an error if the proof is malformed.
func (p Proof) ComputeRoot(leafHashes [][]byte) ([]byte, error) {
	if err := p.validateStructure(leafHashes); err != nil {
		return nil, err
	}
	root, err := p.computeRoot(leafHashes)
	if err != nil {
		return nil, err
	}
	return append([]byte(nil), root...), nil
}

// rootWalker recomputes a root from a validated proof. Inner results are
// appended to one arena.
type rootWalker struct {
	start, end int
	nodes      [][]byte
	leaves     [][]byte
	arena      []byte
}

func (w *rootWalker) popNode() []byte {
	if len(w.nodes) == 0 {
		return nil
	}
	n := w.nodes[0]
	w.nodes = w.nodes[1:]
	return n
}

func (w *rootWalker) hash(l, r []byte) ([]byte, error) {
	if l == nil {
		return nil, proofErrorf("missing left sibling: proof too short")
	}
	if bytes.Compare(l[NamespaceSize:2*NamespaceSize], r[:NamespaceSize]) > 0 {
		return nil, proofErrorf("%w: left max %x > right min %x", ErrNodeOrder, l[NamespaceSize:2*NamespaceSize], r[:NamespaceSize])
	}
	off := len(w.arena)
	w.arena = hashNodeUnchecked(w.arena, l, r)
	return w.arena[off : off+NodeSize : off+NodeSize], nil
}

// walk returns the root of the subtree [lo, lo+size) of the padded tree
// (size a power of two), or nil if the subtree holds no leaf.
func (w *rootWalker) walk(lo, size int) ([]byte, error) {
	hi := lo + size
	if size == 1 {
		if lo >= w.start && lo < w.end {
			l := w.leaves[0]
			w.leaves = w.leaves[1:]
			return l, nil
		}
		return w.popNode(), nil
	}
	if hi <= w.start || lo >= w.end {
		return w.popNode(), nil
	}
	half := size / 2
	left, err := w.walk(lo, half)
	if err != nil {
		return nil, err
	}
	right, err := w.walk(lo+half, half)
	if err != nil {
		return nil, err
	}
	if right == nil {
		return left, nil
	}
	return w.hash(left, right)
}

// computeRoot runs Celestia's NMT proof algorithm on a validated proof (the
// result may alias its inputs): the
// range lies in the smallest power-of-two subtree [0, 2^m) holding End; its
// root is rebuilt from the leaves and the first nodes, and every remaining
// node is a right sibling on the way up.
func (p Proof) computeRoot(leafHashes [][]byte) ([]byte, error) {
	w := rootWalker{
		start:  p.Start,
		end:    p.End,
		nodes:  p.Nodes,
		leaves: leafHashes,
		arena:  make([]byte, 0, (len(leafHashes)+len(p.Nodes)+1)*NodeSize),
	}
	size := 1
	if p.End > 1 {
		size = 1 << bits.Len(uint(p.End-1))
	}
	root, err := w.walk(0, size)
	if err != nil {
		return nil, err
	}
	for _, n := range w.nodes {
		if root, err = w.hash(root, n); err != nil {
			return nil, err
		}
	}
	return root, nil // may alias a leaf hash or a node of p
}

// MaxProofSize bounds an encoded Proof.
const MaxProofSize = 4 + 4 + 1 + 1 + MaxProofNodes*NodeSize + NodeSize

// Proof encoding flags.
const (
	proofFlagIgnoreMax = 1 << iota
	proofFlagLeafHash
	proofFlagsAll = proofFlagIgnoreMax | proofFlagLeafHash
)

// MarshalBinary returns the canonical encoding of p: Start and End as
// big-endian uint32, a flags byte (bit 0: IsMaxNamespaceIgnored, bit 1:
// LeafHash present), the node count (1 byte), the nodes, then the leaf hash
// if present. Every node and the leaf hash must be NodeSize bytes.
func (p Proof) MarshalBinary() ([]byte, error) {
	return p.appendBinary(make([]byte, 0, 10+(len(p.Nodes)+1)*NodeSize))
}

func (p Proof) appendBinary(out []byte) ([]byte, error) {
	if p.Start < 0 || p.End < 0 || p.Start > MaxProofEnd || p.End > MaxProofEnd {
		return nil, proofErrorf("range [%d, %d) cannot be encoded", p.Start, p.End)
	}
	if len(p.Nodes) > MaxProofNodes {
		return nil, proofErrorf("%d nodes, at most %d allowed", len(p.Nodes), MaxProofNodes)
	}
	var flags byte
	if p.IsMaxNamespaceIgnored {
		flags |= proofFlagIgnoreMax
	}
	if len(p.LeafHash) > 0 {
		flags |= proofFlagLeafHash
		if len(p.LeafHash) != NodeSize {
			return nil, proofErrorf("leaf hash is %d bytes, want %d", len(p.LeafHash), NodeSize)
		}
	}
	out = binary.BigEndian.AppendUint32(out, uint32(p.Start))
	out = binary.BigEndian.AppendUint32(out, uint32(p.End))
	out = append(out, flags, byte(len(p.Nodes)))
	for i, n := range p.Nodes {
		if len(n) != NodeSize {
			return nil, proofErrorf("node %d is %d bytes, want %d", i, len(n), NodeSize)
		}
		out = append(out, n...)
	}
	return append(out, p.LeafHash...), nil
}

// UnmarshalProof decodes a proof encoded by MarshalBinary, rejecting
// oversized, non-canonical or trailing input. It does not verify the proof.
// The result does not alias b.
func UnmarshalProof(b []byte) (Proof, error) {
	if len(b) > MaxProofSize {
		return Proof{}, proofErrorf("encoding is %d bytes, over the limit of %d", len(b), MaxProofSize)
	}
	r := &wireReader{b: append([]byte(nil), b...)}
	p := r.proof()
	if err := r.finish(); err != nil {
		return Proof{}, proofErrorf("decoding: %w", err)
	}
	return p, nil
}

// proof reads one encoded Proof.
func (r *wireReader) proof() Proof {
	var p Proof
	start, end := r.u32(), r.u32()
	if start > MaxProofEnd || end > MaxProofEnd {
		r.failf("proof range [%d, %d) over %d", start, end, MaxProofEnd)
	}
	p.Start, p.End = int(start), int(end)
	flags := r.u8()
	if flags&^proofFlagsAll != 0 {
		r.failf("unknown proof flags %#x", flags)
	}
	p.IsMaxNamespaceIgnored = flags&proofFlagIgnoreMax != 0
	n := int(r.u8())
	if n > MaxProofNodes {
		r.failf("%d proof nodes, at most %d allowed", n, MaxProofNodes)
	}
	if r.err != nil {
		return Proof{}
	}
	if n > 0 {
		p.Nodes = make([][]byte, n)
		for i := range p.Nodes {
			p.Nodes[i] = r.take(NodeSize)
		}
	}
	if flags&proofFlagLeafHash != 0 {
		p.LeafHash = r.take(NodeSize)
	}
	return p
}
