package da

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"math/rand"
	"sort"
	"testing"
)

// naiveRoot is the textbook recursive NMT root, the oracle for Tree.
func naiveRoot(t testing.TB, leaves [][]byte) []byte {
	switch len(leaves) {
	case 0:
		return EmptyNMTRoot()
	case 1:
		h := sha256.Sum256(append([]byte{LeafPrefix}, leaves[0]...))
		return append(append(append([]byte{}, leaves[0][:NamespaceSize]...), leaves[0][:NamespaceSize]...), h[:]...)
	}
	k := merkleSplit(len(leaves))
	l, r := naiveRoot(t, leaves[:k]), naiveRoot(t, leaves[k:])
	h := sha256.Sum256(append(append([]byte{NodePrefix}, l...), r...))
	max := r[NamespaceSize : 2*NamespaceSize]
	if bytes.Equal(r[:NamespaceSize], ParityNamespace().Bytes()) {
		max = l[NamespaceSize : 2*NamespaceSize]
	}
	return append(append(append([]byte{}, l[:NamespaceSize]...), max...), h[:]...)
}

// testLeaves returns n leaves with sorted random namespaces; the last
// nParity use the parity namespace.
func testLeaves(r *rand.Rand, n, nParity int) [][]byte {
	nss := make([]Namespace, n)
	for i := range nss {
		if i >= n-nParity {
			nss[i] = ParityNamespace()
			continue
		}
		nss[i][NamespaceSize-1] = byte(r.Intn(16))
	}
	sort.Slice(nss, func(i, j int) bool { return nss[i].Compare(nss[j]) < 0 })
	leaves := make([][]byte, n)
	for i, ns := range nss {
		leaves[i] = make([]byte, NamespaceSize+ShareSize)
		copy(leaves[i], ns[:])
		r.Read(leaves[i][NamespaceSize:])
	}
	return leaves
}

func buildTree(t testing.TB, leaves [][]byte) *Tree {
	tr := NewTree()
	for _, l := range leaves {
		if err := tr.Push(l); err != nil {
			t.Fatal(err)
		}
	}
	return tr
}

func TestTreeRootMatchesNaive(t *testing.T) {
	r := rand.New(rand.NewSource(7))
	if got := NewTree().Root(); !bytes.Equal(got, EmptyNMTRoot()) {
		t.Fatalf("empty root %x", got)
	}
	tr := NewTree()
	// Past two of RootFromLeafNodes' chunks (rootChunk) and a remainder.
	for n := 1; n <= 2*rootChunk+7; n++ {
		leaves := testLeaves(r, n, r.Intn(n+1))
		want := naiveRoot(t, leaves)
		// Reuse one tree through Reset, and check the root is recomputed
		// after a Push that follows a Root.
		tr.Reset()
		for i, l := range leaves {
			if err := tr.Push(l); err != nil {
				t.Fatal(err)
			}
			if i == n/2 {
				_ = tr.Root()
			}
		}
		if got := tr.Root(); !bytes.Equal(got, want) {
			t.Fatalf("n=%d: root %x, want %x", n, got, want)
		}
		nodes := make([][]byte, n)
		for i := range nodes {
			nodes[i] = tr.LeafNode(i)
		}
		if got, err := RootFromLeafNodes(nodes); err != nil || !bytes.Equal(got, want) {
			t.Fatalf("n=%d: RootFromLeafNodes %x, %v", n, got, err)
		}
	}
}

func TestTreePushErrors(t *testing.T) {
	tr := NewTree()
	if err := tr.Push(make([]byte, NamespaceSize-1)); !errors.Is(err, ErrLeafSize) {
		t.Fatalf("short leaf: %v", err)
	}
	hi := append(ParityNamespace().Bytes(), 1)
	lo := append(TxNamespace().Bytes(), 1)
	if err := tr.Push(hi); err != nil {
		t.Fatal(err)
	}
	if err := tr.Push(lo); !errors.Is(err, ErrPushOrder) {
		t.Fatalf("out of order: %v", err)
	}
	if tr.Size() != 1 {
		t.Fatalf("size %d after a rejected push", tr.Size())
	}
	for _, rg := range [][2]int{{-1, 1}, {0, 0}, {1, 1}, {0, 2}, {1, 0}} {
		if _, err := tr.ProveRange(rg[0], rg[1]); !errors.Is(err, ErrInvalidRange) {
			t.Fatalf("range %v: %v", rg, err)
		}
	}
}

func TestRootFromLeafNodesErrors(t *testing.T) {
	a := HashLeaf(nil, TxNamespace(), []byte("a"))
	b := HashLeaf(nil, PayForBlobNamespace(), []byte("b"))
	if _, err := RootFromLeafNodes([][]byte{b, a}); !errors.Is(err, ErrNodeOrder) {
		t.Fatalf("order: %v", err)
	}
	if _, err := RootFromLeafNodes([][]byte{a, b[:10]}); !errors.Is(err, ErrNodeSize) {
		t.Fatalf("size: %v", err)
	}
	bad := append([]byte(nil), a...)
	bad[0] = 0xFF
	if _, err := RootFromLeafNodes([][]byte{bad}); !errors.Is(err, ErrNodeRange) {
		t.Fatalf("range: %v", err)
	}
}

func TestProofsVerify(t *testing.T) {
	r := rand.New(rand.NewSource(8))
	for n := 1; n <= 40; n++ {
		leaves := testLeaves(r, n, r.Intn(n+1))
		tr := buildTree(t, leaves)
		root := tr.Root()
		for s := 0; s < n; s++ {
			for e := s + 1; e <= n; e++ {
				p, err := tr.ProveRange(s, e)
				if err != nil {
					t.Fatal(err)
				}
				if err := p.VerifyLeaves(root, leaves[s:e]); err != nil {
					t.Fatalf("n=%d [%d,%d): %v", n, s, e, err)
				}
				if e < n {
					if err := p.VerifyLeaves(root, leaves[s+1:e+1]); err == nil {
						// Only acceptable if the leaves are byte-identical.
						for i := s; i < e; i++ {
							if !bytes.Equal(leaves[i], leaves[i+1]) {
								t.Fatalf("n=%d [%d,%d): shifted leaves accepted", n, s, e)
							}
						}
					}
				}
			}
		}
		for v := 0; v < 17; v++ {
			var ns Namespace
			ns[NamespaceSize-1] = byte(v)
			for _, ns := range []Namespace{ns, ParityNamespace(), TailPaddingNamespace()} {
				p, err := tr.ProveNamespace(ns)
				if err != nil {
					t.Fatal(err)
				}
				s, e := tr.NamespaceRange(ns)
				var got [][]byte
				if !p.IsEmpty() {
					got = leaves[s:e]
				}
				if err := p.VerifyNamespace(root, ns, got); err != nil {
					t.Fatalf("n=%d ns %x: %v", n, ns[NamespaceSize-1], err)
				}
				if s < e && !p.IsEmpty() {
					if e-s > 1 {
						if err := p.VerifyNamespace(root, ns, got[1:]); err == nil {
							t.Fatalf("n=%d: partial namespace accepted", n)
						}
					}
					// An absence claim for a present namespace must fail:
					// no proof of another range proves it complete.
					var other Namespace
					other[NamespaceSize-1] = byte(v) + 100
					if err := p.VerifyNamespace(root, other, got); err == nil {
						t.Fatalf("n=%d: leaves accepted for the wrong namespace", n)
					}
				}
			}
		}
	}
}

func TestProofErrorsSayWhy(t *testing.T) {
	r := rand.New(rand.NewSource(9))
	leaves := testLeaves(r, 8, 2)
	tr := buildTree(t, leaves)
	root := tr.Root()
	p, _ := tr.ProveRange(2, 4)
	cases := map[string]struct {
		p      Proof
		leaves [][]byte
		root   []byte
		want   error
	}{
		"wrong root":   {p, leaves[2:4], naiveRoot(t, leaves[:7]), ErrNMTProofRoot},
		"short root":   {p, leaves[2:4], root[:80], ErrNodeSize},
		"few leaves":   {p, leaves[2:3], root, ErrNMTProof},
		"short leaf":   {p, [][]byte{leaves[2], leaves[3][:3]}, root, ErrLeafSize},
		"no ignore":    {Proof{Start: 2, End: 4, Nodes: p.Nodes}, leaves[2:4], root, ErrNMTProof},
		"bad range":    {Proof{Start: 4, End: 2, Nodes: p.Nodes, IsMaxNamespaceIgnored: true}, leaves[2:4], root, ErrNMTProof},
		"huge end":     {Proof{Start: MaxProofEnd, End: MaxProofEnd + 2, IsMaxNamespaceIgnored: true}, leaves[2:4], root, ErrNMTProof},
		"node size":    {Proof{Start: 2, End: 4, Nodes: [][]byte{p.Nodes[0][:89]}, IsMaxNamespaceIgnored: true}, leaves[2:4], root, ErrNodeSize},
		"too short":    {Proof{Start: 2, End: 4, IsMaxNamespaceIgnored: true}, leaves[2:4], root, ErrNMTProof},
		"leaves order": {p, [][]byte{leaves[3], leaves[2]}, root, ErrNMTProof},
	}
	for name, c := range cases {
		err := c.p.VerifyLeaves(c.root, c.leaves)
		if err == nil || !errors.Is(err, c.want) || !errors.Is(err, ErrNMTProof) {
			t.Errorf("%s: got %v, want %v", name, err, c.want)
		}
	}
}

func FuzzUnmarshalProof(f *testing.F) {
	r := rand.New(rand.NewSource(15))
	tr := buildTree(f, testLeaves(r, 9, 2))
	p, _ := tr.ProveRange(2, 5)
	b, _ := p.MarshalBinary()
	f.Add(b)
	var ns Namespace
	ns[NamespaceSize-1] = 7
	p, _ = tr.ProveNamespace(ns)
	b, _ = p.MarshalBinary()
	f.Add(b)
	f.Add([]byte{0, 0, 0, 0, 0, 0, 0, 0, 1, 0})
	f.Fuzz(func(t *testing.T, b []byte) {
		p, err := UnmarshalProof(b)
		if err != nil {
			return
		}
		out, err := p.MarshalBinary()
		if err != nil || !bytes.Equal(out, b) {
			t.Fatalf("decoded proof does not re-encode identically: %v", err)
		}
	})
}

// TestAppendLeafNodes: the paired leaf hashing gives what HashLeaf gives
// share by share, for even and odd counts and with a short share between.
func TestAppendLeafNodes(t *testing.T) {
	r := rand.New(rand.NewSource(9))
	ns := TxNamespace()
	for _, n := range []int{0, 1, 2, 3, 8, 33} {
		shares := make([][]byte, n)
		for i := range shares {
			shares[i] = make([]byte, ShareSize)
			if i == 5 {
				shares[i] = shares[i][:100]
			}
			r.Read(shares[i])
		}
		var want []byte
		for _, s := range shares {
			want = HashLeaf(want, ns, s)
		}
		if got := AppendLeafNodes([]byte("prefix"), ns, shares); !bytes.Equal(got, append([]byte("prefix"), want...)) {
			t.Fatalf("n=%d: paired leaf nodes differ from HashLeaf's", n)
		}
	}
}

// TestRootFromLeafNodesAllocations: RootFromLeafNodes allocates only its
// result.
func TestRootFromLeafNodesAllocations(t *testing.T) {
	r := rand.New(rand.NewSource(3))
	tr := buildTree(t, testLeaves(r, 150, 20))
	nodes := make([][]byte, tr.Size())
	for i := range nodes {
		nodes[i] = tr.LeafNode(i)
	}
	if a := testing.AllocsPerRun(10, func() {
		if _, err := RootFromLeafNodes(nodes); err != nil {
			t.Fatal(err)
		}
	}); a > 1 {
		t.Fatalf("%v allocations per root, want 1", a)
	}
}
