package da

import (
	"bytes"
	"errors"
	"math/rand"
	"reflect"
	"testing"
)

func TestSubtreeRanges(t *testing.T) {
	for _, c := range []struct {
		start, end, width int
		want              []LeafRange // nil: error
	}{
		{0, 8, 4, []LeafRange{{0, 4}, {4, 8}}},
		{0, 1, 64, []LeafRange{{0, 1}}},
		{4, 11, 8, []LeafRange{{4, 8}, {8, 10}, {10, 11}}},
		{8, 15, 2, []LeafRange{{8, 10}, {10, 12}, {12, 14}, {14, 15}}},
		{0, 7, 8, []LeafRange{{0, 4}, {4, 6}, {6, 7}}},
		{3, 5, 1, []LeafRange{{3, 4}, {4, 5}}},
		{2, 8, 4, nil}, // [2, 6) is no complete subtree
		{1, 3, 2, nil},
		{0, 8, 3, nil}, // width not a power of two
		{0, 8, 0, nil},
		{5, 5, 1, nil},
		{-1, 2, 1, nil},
		{0, MaxSubtreeRanges + 1, 1, nil},
	} {
		got, err := SubtreeRanges(c.start, c.end, c.width)
		if c.want == nil {
			if err == nil || !errors.Is(err, ErrInvalidRange) {
				t.Errorf("SubtreeRanges(%d, %d, %d) = %v, %v; want an ErrInvalidRange error", c.start, c.end, c.width, got, err)
			}
			continue
		}
		if err != nil || !reflect.DeepEqual(got, c.want) {
			t.Errorf("SubtreeRanges(%d, %d, %d) = %v, %v; want %v", c.start, c.end, c.width, got, err, c.want)
		}
	}
}

// alignedRange picks a random range of a tree of n leaves whose start is a
// multiple of width (as a blob's first share is), and a width.
func alignedRange(r *rand.Rand, n int) (start, end, width int) {
	for {
		width = 1 << r.Intn(6)
		start = r.Intn(n) / width * width
		end = start + 1 + r.Intn(n-start)
		// a range whose full-width subtrees come first, then smaller ones:
		// fine whenever start is aligned to width.
		if _, err := SubtreeRanges(start, end, width); err == nil {
			return start, end, width
		}
	}
}

func TestProveSubtreeRootsVerifies(t *testing.T) {
	r := rand.New(rand.NewSource(7))
	for _, n := range []int{1, 2, 3, 8, 13, 64, 100, 128, 512} {
		leaves := testLeaves(r, n, r.Intn(n/2+1))
		tr := buildTree(t, leaves)
		root := tr.Root()
		for range 40 {
			start, end, width := alignedRange(r, n)
			p, roots, err := tr.ProveSubtreeRoots(start, end, width)
			if err != nil {
				t.Fatalf("n=%d [%d, %d) w=%d: %v", n, start, end, width, err)
			}
			// the proof is the range proof of the same leaves
			rp, _ := tr.ProveRange(start, end)
			if !reflect.DeepEqual(p, rp) {
				t.Fatalf("n=%d [%d, %d): subtree-root proof differs from the range proof", n, start, end)
			}
			// each root is the NMT root of its leaves (the naive oracle)
			ranges, _ := SubtreeRanges(start, end, width)
			if len(ranges) != len(roots) {
				t.Fatalf("%d roots for %d ranges", len(roots), len(ranges))
			}
			for i, rg := range ranges {
				if want := naiveRoot(t, leaves[rg.Start:rg.End]); !bytes.Equal(roots[i], want) {
					t.Fatalf("n=%d subtree %v: root %x, want %x", n, rg, roots[i], want)
				}
			}
			if err := p.VerifySubtreeRoots(root, roots, width); err != nil {
				t.Fatalf("n=%d [%d, %d) w=%d: valid proof rejected: %v", n, start, end, width, err)
			}
			// width 1: the subtree roots are the leaf nodes, and the
			// check agrees with VerifyLeaves
			if width == 1 {
				if err := p.VerifyLeaves(root, leaves[start:end]); err != nil {
					t.Fatalf("VerifyLeaves rejects what VerifySubtreeRoots accepts: %v", err)
				}
			}
			checkSubtreeTampering(t, tr, p, root, roots, width)
		}
	}
}

// checkSubtreeTampering asserts that every alteration of a valid
// subtree-root proof is rejected, by VerifySubtreeRoots or by the caller's check of the range and
// node count against the tree's size (a proof does not commit to the size:
// [0, 1) can pass for [0, 2) with its first node taken as a right sibling;
// see blobs.CommitmentProof.Verify).
func checkSubtreeTampering(t *testing.T, tr *Tree, p Proof, root []byte, roots [][]byte, width int) {
	t.Helper()
	clone := func() (Proof, [][]byte) {
		q := p
		q.Nodes = make([][]byte, len(p.Nodes))
		for i, n := range p.Nodes {
			q.Nodes[i] = append([]byte(nil), n...)
		}
		rs := make([][]byte, len(roots))
		for i, n := range roots {
			rs[i] = append([]byte(nil), n...)
		}
		return q, rs
	}
	cases := map[string]func() (Proof, [][]byte, []byte, int){
		"subtree root hash": func() (Proof, [][]byte, []byte, int) {
			q, rs := clone()
			rs[len(rs)-1][NodeSize-1] ^= 1
			return q, rs, root, width
		},
		"root": func() (Proof, [][]byte, []byte, int) {
			q, rs := clone()
			bad := append([]byte(nil), root...)
			bad[NodeSize-1] ^= 1
			return q, rs, bad, width
		},
		"missing subtree root": func() (Proof, [][]byte, []byte, int) {
			q, rs := clone()
			return q, rs[:len(rs)-1], root, width
		},
		"extra subtree root": func() (Proof, [][]byte, []byte, int) {
			q, rs := clone()
			return q, append(rs, rs[0]), root, width
		},
		"end moved": func() (Proof, [][]byte, []byte, int) {
			q, rs := clone()
			q.End++
			return q, rs, root, width
		},
		"range shifted": func() (Proof, [][]byte, []byte, int) {
			q, rs := clone()
			q.Start++
			q.End++
			return q, rs, root, width
		},
		"max namespace not ignored": func() (Proof, [][]byte, []byte, int) {
			q, rs := clone()
			q.IsMaxNamespaceIgnored = false
			return q, rs, root, width
		},
		"absence proof": func() (Proof, [][]byte, []byte, int) {
			q, rs := clone()
			q.LeafHash = rs[0]
			return q, rs, root, width
		},
		"extra node": func() (Proof, [][]byte, []byte, int) {
			q, rs := clone()
			q.Nodes = append(q.Nodes, root)
			return q, rs, root, width
		},
	}
	// Another width changes the proof only if it splits the range
	// differently (a width above every subtree's size is no change).
	ranges, _ := SubtreeRanges(p.Start, p.End, width)
	for _, w := range []int{width / 2, 2 * width} {
		if other, err := SubtreeRanges(p.Start, p.End, w); w > 0 && (err != nil || !reflect.DeepEqual(other, ranges)) {
			cases["width changed"] = func() (Proof, [][]byte, []byte, int) {
				q, rs := clone()
				return q, rs, root, w
			}
		}
	}
	if len(roots) > 1 {
		cases["subtree roots swapped"] = func() (Proof, [][]byte, []byte, int) {
			q, rs := clone()
			rs[0], rs[1] = rs[1], rs[0]
			return q, rs, root, width
		}
	}
	if len(p.Nodes) > 0 {
		cases["node hash"] = func() (Proof, [][]byte, []byte, int) {
			q, rs := clone()
			q.Nodes[0][NodeSize-1] ^= 1
			return q, rs, root, width
		}
		cases["node dropped"] = func() (Proof, [][]byte, []byte, int) {
			q, rs := clone()
			q.Nodes = q.Nodes[1:]
			return q, rs, root, width
		}
	}
	for name, mutate := range cases {
		q, rs, rt, w := mutate()
		err := q.VerifySubtreeRoots(rt, rs, w)
		if err == nil {
			// A caller that knows the tree's size also checks the range
			// and the node count.
			if q.End > tr.Size() {
				continue
			}
			if want, _ := tr.ProveRange(q.Start, q.End); len(want.Nodes) != len(q.Nodes) {
				continue
			}
		}
		if err == nil {
			t.Fatalf("%s: tampered proof [%d, %d) w=%d accepted", name, p.Start, p.End, width)
		}
		if err != nil && !errors.Is(err, ErrNMTProof) {
			t.Fatalf("%s: error %v does not wrap ErrNMTProof", name, err)
		}
	}
}

func TestVerifySubtreeRootsMalformed(t *testing.T) {
	r := rand.New(rand.NewSource(3))
	tr := buildTree(t, testLeaves(r, 16, 8))
	root := tr.Root()
	p, roots, err := tr.ProveSubtreeRoots(4, 8, 4)
	if err != nil {
		t.Fatal(err)
	}
	if len(roots) != 1 {
		t.Fatalf("%d roots, want 1", len(roots))
	}
	for name, c := range map[string]struct {
		p     Proof
		roots [][]byte
		root  []byte
	}{
		"short root":         {p, roots, root[:10]},
		"short subtree root": {p, [][]byte{roots[0][:5]}, root},
		"no subtree roots":   {p, nil, root},
		"short node":         {Proof{Start: 4, End: 8, Nodes: [][]byte{{1}}, IsMaxNamespaceIgnored: true}, roots, root},
		"empty range":        {Proof{Start: 4, End: 4, IsMaxNamespaceIgnored: true}, roots, root},
		"negative start":     {Proof{Start: -4, End: 8, IsMaxNamespaceIgnored: true}, roots, root},
		"too many nodes":     {Proof{Start: 4, End: 8, Nodes: make([][]byte, MaxProofNodes+1), IsMaxNamespaceIgnored: true}, roots, root},
		"huge range":         {Proof{Start: 0, End: MaxProofEnd, IsMaxNamespaceIgnored: true}, roots, root},
		"no nodes":           {Proof{Start: 4, End: 8, IsMaxNamespaceIgnored: true}, roots, root},
	} {
		if err := c.p.VerifySubtreeRoots(c.root, c.roots, 4); err == nil || !errors.Is(err, ErrNMTProof) {
			t.Errorf("%s: got %v, want an ErrNMTProof error", name, err)
		}
	}
	if _, _, err := tr.ProveSubtreeRoots(12, 17, 4); !errors.Is(err, ErrInvalidRange) {
		t.Errorf("range past the tree: got %v, want ErrInvalidRange", err)
	}
	if _, _, err := tr.ProveSubtreeRoots(2, 8, 4); !errors.Is(err, ErrInvalidRange) {
		t.Errorf("misaligned range: got %v, want ErrInvalidRange", err)
	}
}
