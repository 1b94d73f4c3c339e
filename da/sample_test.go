package da

import (
	"bytes"
	"errors"
	"math/rand"
	"sort"
	"testing"

	"github.com/quadrant-da/quadrant/erasure"
)

// testSquare extends a random k×k square with sorted namespaces and computes
// its DA header with this package's own tree (independently of eds.go).
func testSquare(t testing.TB, r *rand.Rand, k int) (*erasure.ExtendedSquare, *DAHeader) {
	nss := make([]Namespace, k*k)
	for i := range nss {
		nss[i][NamespaceSize-2] = 1
		nss[i][NamespaceSize-1] = byte(r.Intn(8))
	}
	sort.Slice(nss, func(i, j int) bool { return nss[i].Compare(nss[j]) < 0 })
	orig := make([]byte, k*k*ShareSize)
	r.Read(orig)
	for i, ns := range nss {
		copy(orig[i*ShareSize:], ns[:])
	}
	eds, err := erasure.Extend(orig, k)
	if err != nil {
		t.Fatal(err)
	}
	w := eds.Width()
	rows, cols := make([][]byte, w), make([][]byte, w)
	for i := 0; i < w; i++ {
		for _, a := range []erasure.Axis{erasure.Row, erasure.Col} {
			nodes, err := AxisLeafNodes(a, i, eds.Axis(a, i))
			if err != nil {
				t.Fatal(err)
			}
			root, err := RootFromLeafNodes(nodes)
			if err != nil {
				t.Fatal(err)
			}
			// Cross-check with a tree fed leaf by leaf.
			tr := NewTree()
			for j, s := range eds.Axis(a, i) {
				row, col := i, j
				if a == erasure.Col {
					row, col = j, i
				}
				ns := treeLeafNamespace(s, row, col, w)
				if err := tr.Push(append(ns.Bytes(), s...)); err != nil {
					t.Fatal(err)
				}
			}
			if !bytes.Equal(tr.Root(), root) {
				t.Fatalf("axis %d %d: Tree and RootFromLeafNodes differ", a, i)
			}
			if a == erasure.Row {
				rows[i] = root
			} else {
				cols[i] = root
			}
		}
	}
	dah, err := NewDAHeader(rows, cols)
	if err != nil {
		t.Fatal(err)
	}
	return eds, dah
}

func TestAxisRootProofs(t *testing.T) {
	r := rand.New(rand.NewSource(10))
	dah := randDAHeader(t, r, 8)
	root := dah.Hash()
	for _, a := range []erasure.Axis{erasure.Row, erasure.Col} {
		for i := 0; i < 8; i++ {
			p, err := dah.AxisRootProof(a, i)
			if err != nil {
				t.Fatal(err)
			}
			if err := VerifyAxisRoot(root, 8, a, i, dah.AxisRoot(a, i), p); err != nil {
				t.Fatalf("axis %d %d: %v", a, i, err)
			}
			// The same proof does not vouch for another position or root.
			if VerifyAxisRoot(root, 8, a, (i+1)%8, dah.AxisRoot(a, i), p) == nil ||
				VerifyAxisRoot(root, 8, a.Perpendicular(), i, dah.AxisRoot(a, i), p) == nil ||
				VerifyAxisRoot(root, 8, a, i, dah.AxisRoot(a, (i+1)%8), p) == nil ||
				VerifyAxisRoot(root, 16, a, i, dah.AxisRoot(a, i), p) == nil {
				t.Fatalf("axis %d %d: proof replayed", a, i)
			}
		}
	}
	if _, err := dah.AxisRootProof(erasure.Row, 8); err == nil {
		t.Fatal("index out of range accepted")
	}
	if _, err := dah.AxisRootProof(erasure.Axis(2), 0); err == nil {
		t.Fatal("unknown axis accepted")
	}
}

func TestSamples(t *testing.T) {
	r := rand.New(rand.NewSource(11))
	for _, k := range []int{1, 2, 4} {
		eds, dah := testSquare(t, r, k)
		w, dataRoot := eds.Width(), dah.Hash()
		for row := 0; row < w; row++ {
			for col := 0; col < w; col++ {
				for _, a := range []erasure.Axis{erasure.Row, erasure.Col} {
					idx := row
					if a == erasure.Col {
						idx = col
					}
					s, err := NewSample(dah, a, row, col, eds.Axis(a, idx))
					if err != nil {
						t.Fatalf("k=%d (%d,%d) axis %d: %v", k, row, col, a, err)
					}
					if !bytes.Equal(s.Share, eds.Share(row, col)) {
						t.Fatal("sample holds the wrong share")
					}
					if err := s.Verify(dataRoot, w); err != nil {
						t.Fatalf("k=%d (%d,%d) axis %d: %v", k, row, col, a, err)
					}
					b, err := s.Marshal()
					if err != nil {
						t.Fatal(err)
					}
					g, err := UnmarshalSample(b)
					if err != nil {
						t.Fatal(err)
					}
					if err := g.Verify(dataRoot, w); err != nil {
						t.Fatalf("decoded sample: %v", err)
					}
					if b2, _ := g.Marshal(); !bytes.Equal(b, b2) {
						t.Fatal("sample encoding not canonical")
					}
					checkSampleTampering(t, s, dataRoot, w)
				}
			}
		}
		// Wrong shares for the axis are refused (for k = 1 every row is
		// the same share twice: the code is a repetition).
		if _, err := NewSample(dah, erasure.Row, 0, 0, eds.Row(1)); k > 1 && !errors.Is(err, ErrSample) {
			t.Fatalf("wrong axis shares: %v", err)
		}
		if _, err := NewSample(dah, erasure.Row, 0, w, eds.Row(0)); !errors.Is(err, ErrSample) {
			t.Fatalf("column out of range: %v", err)
		}
	}
}

func checkSampleTampering(t *testing.T, s *Sample, dataRoot []byte, w int) {
	t.Helper()
	mut := func(f func(c *Sample)) *Sample {
		c := *s
		c.Share = append([]byte(nil), s.Share...)
		c.AxisRoot = append([]byte(nil), s.AxisRoot...)
		c.Proof.Nodes = append([][]byte(nil), s.Proof.Nodes...)
		c.RootProof.Aunts = append([][]byte(nil), s.RootProof.Aunts...)
		f(&c)
		return &c
	}
	bad := map[string]*Sample{
		"share":      mut(func(c *Sample) { c.Share[100] ^= 1 }),
		"namespace":  mut(func(c *Sample) { c.Share[NamespaceSize-1] ^= 1 }),
		"col":        mut(func(c *Sample) { c.Col = (c.Col + 1) % w }),
		"row":        mut(func(c *Sample) { c.Row = (c.Row + 1) % w }),
		"axis":       mut(func(c *Sample) { c.Axis = c.Axis.Perpendicular() }),
		"bad axis":   mut(func(c *Sample) { c.Axis = 7 }),
		"axis root":  mut(func(c *Sample) { c.AxisRoot[NodeSize-1] ^= 1 }),
		"root proof": mut(func(c *Sample) { c.RootProof.Index ^= 1 }),
		"no nodes":   mut(func(c *Sample) { c.Proof.Nodes = nil }),
		"range":      mut(func(c *Sample) { c.Proof.End++ }),
		"short":      mut(func(c *Sample) { c.Share = c.Share[:100] }),
		"outside":    mut(func(c *Sample) { c.Row = w }),
	}
	for name, c := range bad {
		if name == "namespace" && !(s.Row < w/2 && s.Col < w/2) {
			continue // parity shares are hashed under the parity namespace
		}
		if err := c.Verify(dataRoot, w); !errors.Is(err, ErrSample) {
			t.Fatalf("(%d,%d) %s: got %v", s.Row, s.Col, name, err)
		}
	}
	if s.Verify(dataRoot, 2*w) == nil || s.Verify(dataRoot, 3) == nil || s.Verify(s.AxisRoot[:32], w) == nil {
		t.Fatal("sample verified against the wrong square")
	}
}

func TestProofEncoding(t *testing.T) {
	r := rand.New(rand.NewSource(12))
	leaves := testLeaves(r, 21, 5)
	tr := buildTree(t, leaves)
	for _, ns := range []Namespace{NodeMin(tr.LeafNode(3)), {}, ParityNamespace()} {
		var mid Namespace
		mid[NamespaceSize-1] = 7
		for _, ns := range []Namespace{ns, mid} {
			p, err := tr.ProveNamespace(ns)
			if err != nil {
				t.Fatal(err)
			}
			b, err := p.MarshalBinary()
			if err != nil {
				t.Fatal(err)
			}
			g, err := UnmarshalProof(b)
			if err != nil {
				t.Fatal(err)
			}
			if b2, _ := g.MarshalBinary(); !bytes.Equal(b, b2) || g.Start != p.Start || g.End != p.End || g.IsOfAbsence() != p.IsOfAbsence() {
				t.Fatal("proof round trip differs")
			}
			if _, err := UnmarshalProof(append(b, 0)); err == nil {
				t.Fatal("trailing byte accepted")
			}
			if _, err := UnmarshalProof(b[:len(b)-1]); err == nil {
				t.Fatal("truncated proof accepted")
			}
		}
	}
	_, mps := MerkleProofs([][]byte{{1}, {2}, {3}})
	b, err := mps[2].MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	g, err := UnmarshalMerkleProof(b)
	if err != nil || g.Index != 2 || g.Total != 3 || len(g.Aunts) != len(mps[2].Aunts) {
		t.Fatalf("merkle proof round trip: %+v %v", g, err)
	}
}

func FuzzUnmarshalSample(f *testing.F) {
	r := rand.New(rand.NewSource(13))
	eds, dah := testSquare(f, r, 2)
	for _, rc := range [][2]int{{0, 0}, {3, 1}} {
		s, err := NewSample(dah, erasure.Row, rc[0], rc[1], eds.Row(rc[0]))
		if err != nil {
			f.Fatal(err)
		}
		b, _ := s.Marshal()
		f.Add(b)
	}
	dataRoot := dah.Hash()
	f.Fuzz(func(t *testing.T, b []byte) {
		s, err := UnmarshalSample(b)
		if err != nil {
			return
		}
		out, err := s.Marshal()
		if err != nil || !bytes.Equal(out, b) {
			t.Fatalf("decoded sample does not re-encode identically: %v", err)
		}
		if s.Verify(dataRoot, 4) == nil {
			// Only a genuine sample may verify: it must match the square.
			if !bytes.Equal(s.Share, eds.Share(s.Row, s.Col)) {
				t.Fatalf("forged sample at (%d, %d) verified", s.Row, s.Col)
			}
		}
	})
}

func FuzzProofVerify(f *testing.F) {
	r := rand.New(rand.NewSource(14))
	leaves := testLeaves(r, 13, 3)
	tr := buildTree(f, leaves)
	root := tr.Root()
	for _, rg := range [][2]int{{0, 1}, {3, 7}, {12, 13}, {0, 13}} {
		p, _ := tr.ProveRange(rg[0], rg[1])
		b, _ := p.MarshalBinary()
		f.Add(b, uint8(rg[0]), uint8(rg[1]), byte(0))
	}
	for _, v := range []byte{0, 5, 15, 0xFF} {
		var ns Namespace
		ns[NamespaceSize-1] = v
		p, _ := tr.ProveNamespace(ns)
		b, _ := p.MarshalBinary()
		f.Add(b, uint8(p.Start), uint8(p.End), v)
	}
	f.Fuzz(func(t *testing.T, enc []byte, s, e uint8, nsByte byte) {
		p, err := UnmarshalProof(enc)
		if err != nil {
			return
		}
		lo, hi := int(s)%14, int(e)%14
		if lo > hi {
			lo, hi = hi, lo
		}
		if p.VerifyLeaves(root, leaves[lo:hi]) == nil {
			// An accepted range proof must be the honest one for its range.
			if p.Start != lo || p.End != hi {
				// Shifted proofs can verify only on byte-identical leaves.
				want, err := tr.ProveRange(p.Start, p.End)
				if err != nil || p.VerifyLeaves(root, leaves[p.Start:p.End]) != nil || len(want.Nodes) == 0 && len(p.Nodes) != 0 {
					t.Fatalf("forged range proof [%d,%d) accepted for leaves [%d,%d)", p.Start, p.End, lo, hi)
				}
			}
		}
		var ns Namespace
		ns[NamespaceSize-1] = nsByte
		st, en := tr.NamespaceRange(ns)
		for _, cand := range [][][]byte{nil, leaves[st:en]} {
			if p.VerifyNamespace(root, ns, cand) == nil && st < en && len(cand) != en-st {
				t.Fatalf("incomplete namespace proof accepted for %x", nsByte)
			}
		}
	})
}

func TestMaxSampleSize(t *testing.T) {
	if MaxSampleSize != 1756 {
		t.Fatalf("MaxSampleSize = %d", MaxSampleSize)
	}
	// The widest square's sample encodes at exactly the limit.
	s := &Sample{Row: MaxSquareWidth - 1, Col: 0, Share: make([]byte, ShareSize), AxisRoot: make([]byte, NodeSize)}
	s.Proof = Proof{Start: 0, End: 1, Nodes: make([][]byte, 9), IsMaxNamespaceIgnored: true}
	for i := range s.Proof.Nodes {
		s.Proof.Nodes[i] = make([]byte, NodeSize)
	}
	s.RootProof = MerkleProof{Index: MaxSquareWidth - 1, Total: 2 * MaxSquareWidth, Aunts: make([][]byte, 10)}
	for i := range s.RootProof.Aunts {
		s.RootProof.Aunts[i] = make([]byte, HashSize)
	}
	b, err := s.Marshal()
	if err != nil || len(b) != MaxSampleSize {
		t.Fatalf("widest sample: %d bytes, %v", len(b), err)
	}
	if _, err := UnmarshalSample(b); err != nil {
		t.Fatal(err)
	}
	s.Proof.Nodes = append(s.Proof.Nodes, s.Proof.Nodes[0])
	if _, err := s.Marshal(); !errors.Is(err, ErrSample) {
		t.Fatalf("oversized proof: %v", err)
	}
}
