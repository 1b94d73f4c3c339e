package bench

import (
	"bytes"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"math/rand"
	"sort"
	"testing"

	"github.com/celestiaorg/nmt"
	"github.com/celestiaorg/nmt/namespace"

	"github.com/quadrant-da/quadrant/da"
)

// nmtCase is one random tree: leaves (ns ‖ data) with sorted namespaces,
// parity leaves at the end as in an extended row, built by both
// implementations.
type nmtCase struct {
	leaves [][]byte
	ref    *nmt.NamespacedMerkleTree
	tree   *da.Tree
	nss    []da.Namespace // distinct namespaces present, sorted
}

func nmtRandNamespace(r *rand.Rand) da.Namespace {
	var ns da.Namespace
	// Version 0 with a few free bytes, so that duplicates and neighbours occur.
	ns[da.NamespaceSize-2] = byte(r.Intn(4))
	ns[da.NamespaceSize-1] = byte(r.Intn(256))
	if r.Intn(8) == 0 {
		ns = da.TailPaddingNamespace()
	}
	return ns
}

func nmtNewCase(t testing.TB, r *rand.Rand, n int) *nmtCase {
	nParity := 0
	switch r.Intn(3) {
	case 1:
		nParity = n / 2
	case 2:
		nParity = r.Intn(n + 1)
	}
	nss := make([]da.Namespace, n)
	for i := range nss {
		if i >= n-nParity {
			nss[i] = da.ParityNamespace()
		} else {
			nss[i] = nmtRandNamespace(r)
		}
	}
	sort.Slice(nss, func(i, j int) bool { return nss[i].Compare(nss[j]) < 0 })
	c := &nmtCase{
		ref:  nmt.New(sha256.New(), nmt.NamespaceIDSize(da.NamespaceSize), nmt.IgnoreMaxNamespace(true)),
		tree: da.NewTree(),
	}
	for i, ns := range nss {
		leaf := make([]byte, da.NamespaceSize+da.ShareSize)
		copy(leaf, ns[:])
		r.Read(leaf[da.NamespaceSize:])
		if ns != da.ParityNamespace() {
			copy(leaf[da.NamespaceSize:], ns[:]) // the share begins with its namespace
		}
		c.leaves = append(c.leaves, leaf)
		if err := c.ref.Push(leaf); err != nil {
			t.Fatal(err)
		}
		if err := c.tree.Push(leaf); err != nil {
			t.Fatal(err)
		}
		if i == 0 || nss[i-1] != ns {
			c.nss = append(c.nss, ns)
		}
	}
	return c
}

// nmtProbeNamespaces returns namespaces to prove: every present one, their
// neighbours (often absent but in range), the extremes and the reserved ones.
func (c *nmtCase) probeNamespaces() []da.Namespace {
	out := []da.Namespace{{}, da.TailPaddingNamespace(), da.ParityNamespace(), da.TxNamespace()}
	for _, ns := range c.nss {
		out = append(out, ns)
		up, down := ns, ns
		up[da.NamespaceSize-1]++
		down[da.NamespaceSize-1]--
		out = append(out, up, down)
	}
	return out
}

func nmtSameProof(t *testing.T, what string, got da.Proof, want nmt.Proof) {
	t.Helper()
	if got.Start != want.Start() || got.End != want.End() || got.IsMaxNamespaceIgnored != want.IsMaxNamespaceIDIgnored() {
		t.Fatalf("%s: proof [%d,%d) ignore=%v, want [%d,%d) ignore=%v", what, got.Start, got.End,
			got.IsMaxNamespaceIgnored, want.Start(), want.End(), want.IsMaxNamespaceIDIgnored())
	}
	if !bytes.Equal(got.LeafHash, want.LeafHash()) {
		t.Fatalf("%s: leaf hash %x, want %x", what, got.LeafHash, want.LeafHash())
	}
	if len(got.Nodes) != len(want.Nodes()) {
		t.Fatalf("%s: %d nodes, want %d", what, len(got.Nodes), len(want.Nodes()))
	}
	for i := range got.Nodes {
		if !bytes.Equal(got.Nodes[i], want.Nodes()[i]) {
			t.Fatalf("%s: node %d differs", what, i)
		}
	}
	gj, err1 := json.Marshal(got)
	wj, err2 := json.Marshal(want)
	if err1 != nil || err2 != nil || !bytes.Equal(gj, wj) {
		t.Fatalf("%s: JSON %s, want %s (%v, %v)", what, gj, wj, err1, err2)
	}
}

func nmtToRef(p da.Proof) nmt.Proof {
	switch {
	case p.Start == 0 && p.End == 0:
		return nmt.NewEmptyRangeProof(p.IsMaxNamespaceIgnored)
	case len(p.LeafHash) > 0:
		return nmt.NewAbsenceProof(p.Start, p.End, p.Nodes, p.LeafHash, p.IsMaxNamespaceIgnored)
	default:
		return nmt.NewInclusionProof(p.Start, p.End, p.Nodes, p.IsMaxNamespaceIgnored)
	}
}

func nmtFromRef(p nmt.Proof) da.Proof {
	return da.Proof{Start: p.Start(), End: p.End(), Nodes: p.Nodes(), LeafHash: p.LeafHash(), IsMaxNamespaceIgnored: p.IsMaxNamespaceIDIgnored()}
}

func nmtRefHasher() *nmt.NmtHasher {
	return nmt.NewNmtHasher(sha256.New(), da.NamespaceSize, true)
}

// nmtRefVerifyRange verifies a range proof with nmt's own code: the root it
// computes from the leaves must equal root.
func nmtRefVerifyRange(p nmt.Proof, root []byte, leaves [][]byte) bool {
	h := nmtRefHasher()
	hashes := make([][]byte, len(leaves))
	for i, l := range leaves {
		hashes[i] = h.MustHashLeaf(l)
	}
	var nid namespace.ID = make([]byte, da.NamespaceSize)
	got, err := p.ComputeRootWithBasicValidation(h, nid, hashes, false)
	return err == nil && bytes.Equal(got, root)
}

func nmtCopyProof(p da.Proof) da.Proof {
	q := p
	q.Nodes = make([][]byte, len(p.Nodes))
	for i := range p.Nodes {
		q.Nodes[i] = append([]byte(nil), p.Nodes[i]...)
	}
	q.LeafHash = append([]byte(nil), p.LeafHash...)
	if len(p.LeafHash) == 0 {
		q.LeafHash = nil
	}
	return q
}

// TestNMTDifferential checks roots and proofs against celestiaorg/nmt for
// trees of 1..256 leaves, and that each side's proofs verify on the other.
func TestNMTDifferential(t *testing.T) {
	r := rand.New(rand.NewSource(42))
	sizes := make([]int, 0, 256)
	for n := 1; n <= 256; n++ {
		sizes = append(sizes, n)
	}
	var kinds [3]int // inclusion, absence, empty namespace proofs seen
	for _, n := range sizes {
		c := nmtNewCase(t, r, n)
		want, err := c.ref.Root()
		if err != nil {
			t.Fatal(err)
		}
		root := c.tree.Root()
		if !bytes.Equal(root, want) {
			t.Fatalf("n=%d: root %x, want %x", n, root, want)
		}
		var leafNodes [][]byte
		for i := 0; i < n; i++ {
			leafNodes = append(leafNodes, c.tree.LeafNode(i))
		}
		if fast, err := da.RootFromLeafNodes(leafNodes); err != nil || !bytes.Equal(fast, want) {
			t.Fatalf("n=%d: RootFromLeafNodes %x, %v", n, fast, err)
		}

		// Range proofs.
		for k := 0; k < 12; k++ {
			s := r.Intn(n)
			e := s + 1 + r.Intn(n-s)
			if k == 0 {
				s, e = 0, n
			}
			what := fmt.Sprintf("n=%d range [%d,%d)", n, s, e)
			got, err := c.tree.ProveRange(s, e)
			if err != nil {
				t.Fatal(err)
			}
			ref, err := c.ref.ProveRange(s, e)
			if err != nil {
				t.Fatal(err)
			}
			nmtSameProof(t, what, got, ref)
			leaves := c.leaves[s:e]
			if err := nmtFromRef(ref).VerifyLeaves(root, leaves); err != nil {
				t.Fatalf("%s: quadrant rejects nmt's proof: %v", what, err)
			}
			if !nmtRefVerifyRange(nmtToRef(got), root, leaves) {
				t.Fatalf("%s: nmt rejects quadrant's proof", what)
			}
			nmtCheckTampered(t, what, r, got, root, leaves)
		}
		if _, err := c.tree.ProveRange(0, n+1); err == nil {
			t.Fatalf("n=%d: out-of-range proof accepted", n)
		}

		// Namespace proofs: present, absent in range, out of range (a
		// random subset of at most 40 probes for the larger trees).
		probes := c.probeNamespaces()
		r.Shuffle(len(probes)-4, func(i, j int) { probes[4+i], probes[4+j] = probes[4+j], probes[4+i] })
		probes = probes[:min(len(probes), 40)]
		for _, ns := range probes {
			what := fmt.Sprintf("n=%d ns %x", n, ns[da.NamespaceSize-2:])
			got, err := c.tree.ProveNamespace(ns)
			if err != nil {
				t.Fatal(err)
			}
			ref, err := c.ref.ProveNamespace(ns[:])
			if err != nil {
				t.Fatal(err)
			}
			nmtSameProof(t, what, got, ref)
			switch {
			case got.IsEmpty():
				kinds[2]++
			case got.IsOfAbsence():
				kinds[1]++
			default:
				kinds[0]++
			}
			leaves := c.ref.Get(ns[:])
			if ref.IsEmptyProof() {
				// Parity leaves lie outside the root's range (the max
				// namespace is ignored): the empty proof stands for them.
				leaves = nil
			}
			if err := nmtFromRef(ref).VerifyNamespace(root, ns, leaves); err != nil {
				t.Fatalf("%s: quadrant rejects nmt's proof: %v", what, err)
			}
			if !nmtToRef(got).VerifyNamespace(sha256.New(), ns[:], leaves, root) {
				t.Fatalf("%s: nmt rejects quadrant's proof", what)
			}
			nmtCheckTamperedNamespace(t, what, r, got, root, ns, leaves)
		}
	}
	t.Logf("namespace proofs: %d inclusion, %d absence, %d empty", kinds[0], kinds[1], kinds[2])
	for i, k := range kinds {
		if k < 50 {
			t.Fatalf("only %d namespace proofs of kind %d: the generator is too narrow", k, i)
		}
	}
}

// nmtCheckTampered mutates a valid range proof and checks that both
// implementations reject every mutant.
func nmtCheckTampered(t *testing.T, what string, r *rand.Rand, p da.Proof, root []byte, leaves [][]byte) {
	t.Helper()
	var mutants []da.Proof
	if len(p.Nodes) > 0 {
		q := nmtCopyProof(p)
		q.Nodes[r.Intn(len(q.Nodes))][da.NodeSize-1-r.Intn(da.HashSize)] ^= 1
		mutants = append(mutants, q)
		q = nmtCopyProof(p)
		q.Nodes = q.Nodes[:len(q.Nodes)-1]
		mutants = append(mutants, q)
	}
	q := nmtCopyProof(p)
	q.Nodes = append(q.Nodes, root)
	mutants = append(mutants, q)
	for i, m := range mutants {
		if err := m.VerifyLeaves(root, leaves); err == nil {
			t.Fatalf("%s: quadrant accepts mutant %d", what, i)
		}
		if nmtRefVerifyRange(nmtToRef(m), root, leaves) {
			t.Fatalf("%s: nmt accepts mutant %d", what, i)
		}
	}
	// Shifting the range: NMT proofs do not commit to the tree size, so a
	// shifted proof can still verify (e.g. a last leaf moved into the
	// padding); the two implementations must agree either way.
	q = nmtCopyProof(p)
	q.Start++
	q.End++
	if ours, theirs := q.VerifyLeaves(root, leaves) == nil, nmtRefVerifyRange(nmtToRef(q), root, leaves); ours != theirs {
		t.Fatalf("%s: shifted proof: quadrant accepts=%v, nmt accepts=%v", what, ours, theirs)
	}
	// A changed leaf fails on both sides.
	bad := append([][]byte(nil), leaves...)
	j := r.Intn(len(bad))
	bad[j] = append([]byte(nil), bad[j]...)
	bad[j][len(bad[j])-1] ^= 0x80
	if p.VerifyLeaves(root, bad) == nil || nmtRefVerifyRange(nmtToRef(p), root, bad) {
		t.Fatalf("%s: tampered leaf accepted", what)
	}
}

func nmtCheckTamperedNamespace(t *testing.T, what string, r *rand.Rand, p da.Proof, root []byte, ns da.Namespace, leaves [][]byte) {
	t.Helper()
	var mutants []da.Proof
	var mLeaves [][][]byte
	if len(p.Nodes) > 0 {
		q := nmtCopyProof(p)
		q.Nodes[r.Intn(len(q.Nodes))][da.NodeSize-1] ^= 1
		mutants, mLeaves = append(mutants, q), append(mLeaves, leaves)
	}
	if len(leaves) > 1 {
		// Drop the last leaf: incomplete.
		q := nmtCopyProof(p)
		q.End--
		mutants, mLeaves = append(mutants, q), append(mLeaves, leaves[:len(leaves)-1])
	}
	if p.IsOfAbsence() {
		q := nmtCopyProof(p)
		q.LeafHash[da.NodeSize-1] ^= 1
		mutants, mLeaves = append(mutants, q), append(mLeaves, leaves)
	}
	if p.IsEmpty() && root[0] == 0 {
		// Claim absence for a namespace inside the range.
		mutants, mLeaves = append(mutants, p), append(mLeaves, leaves)
		inRange := da.NodeMin(root)
		for i, m := range mutants {
			if m.VerifyNamespace(root, inRange, mLeaves[i]) == nil || nmtToRef(m).VerifyNamespace(sha256.New(), inRange[:], mLeaves[i], root) {
				t.Fatalf("%s: empty proof accepted for an in-range namespace", what)
			}
		}
		return
	}
	for i, m := range mutants {
		if err := m.VerifyNamespace(root, ns, mLeaves[i]); err == nil {
			t.Fatalf("%s: quadrant accepts mutant %d", what, i)
		}
		if nmtToRef(m).VerifyNamespace(sha256.New(), ns[:], mLeaves[i], root) {
			t.Fatalf("%s: nmt accepts mutant %d", what, i)
		}
	}
}

// FuzzNMTVerifyDifferential mutates honest proofs and checks that Quadrant's
// verifier accepts exactly what celestiaorg/nmt's accepts, apart from the
// documented places where Quadrant is stricter (an empty proof must be
// [0, 0); proofs must ignore the max namespace; at most MaxProofNodes).
func FuzzNMTVerifyDifferential(f *testing.F) {
	r := rand.New(rand.NewSource(5))
	c := nmtNewCase(f, r, 13)
	for len(c.nss) < 3 {
		c = nmtNewCase(f, r, 13)
	}
	root, _ := c.ref.Root()
	probes := c.probeNamespaces()
	f.Add(uint8(0), uint8(3), []byte{})
	f.Add(uint8(1), uint8(5), []byte{0, 1, 2})
	f.Add(uint8(2), uint8(7), []byte{3, 0, 9, 4, 1})
	f.Fuzz(func(t *testing.T, pick, arg uint8, muts []byte) {
		var p da.Proof
		var ns da.Namespace
		var leaves [][]byte
		nsMode := pick%2 == 0
		if nsMode {
			ns = probes[int(arg)%len(probes)]
			p, _ = c.tree.ProveNamespace(ns)
			if !p.IsEmpty() {
				s, e := c.tree.NamespaceRange(ns)
				leaves = c.leaves[s:e]
			}
		} else {
			s := int(arg) % 13
			e := s + 1 + int(pick/2)%(13-s)
			p, _ = c.tree.ProveRange(s, e)
			leaves = c.leaves[s:e]
		}
		p = nmtCopyProof(p)
		// Apply mutations: each pair of bytes is (operation, operand).
		for i := 0; i+1 < len(muts) && i < 16; i += 2 {
			op, x := muts[i]%9, int(muts[i+1])
			switch op {
			case 0:
				if len(p.Nodes) > 0 {
					p.Nodes[x%len(p.Nodes)][x%da.NodeSize] ^= 1 << (x % 8)
				}
			case 1:
				if len(p.Nodes) > 0 {
					j := x % len(p.Nodes)
					p.Nodes = append(p.Nodes[:j:j], p.Nodes[j+1:]...)
				}
			case 2:
				if len(p.Nodes) > 0 {
					p.Nodes = append(p.Nodes, p.Nodes[x%len(p.Nodes)])
				}
			case 3:
				p.Start += x%5 - 2
			case 4:
				p.End += x%5 - 2
			case 5:
				if len(leaves) > 0 {
					leaves = leaves[:len(leaves)-1]
				}
			case 6:
				p.LeafHash = c.tree.LeafNode(x % 13)
			case 7:
				p.LeafHash = nil
			case 8:
				if len(p.Nodes) > 1 {
					j := x % (len(p.Nodes) - 1)
					p.Nodes[j], p.Nodes[j+1] = p.Nodes[j+1], p.Nodes[j]
				}
			}
		}
		// Field-for-field copy (NewAbsenceProof sets every field).
		ref := nmt.NewAbsenceProof(p.Start, p.End, p.Nodes, p.LeafHash, p.IsMaxNamespaceIgnored)
		if nsMode {
			ours := p.VerifyNamespace(root, ns, leaves)
			theirs := ref.VerifyNamespace(sha256.New(), ns[:], leaves, root)
			if ours == nil && !theirs {
				t.Fatalf("quadrant accepts a namespace proof nmt rejects: %+v", p)
			}
			stricter := (p.Start == p.End && p.Start != 0) || (p.IsOfAbsence() && len(leaves) > 0)
			if ours != nil && theirs && !stricter {
				t.Fatalf("nmt accepts a namespace proof quadrant rejects (%v): %+v", ours, p)
			}
			return
		}
		if p.Start < 0 || p.End < 0 || p.End > 64 {
			return // nmt's verifier does not bound the range
		}
		ours := p.VerifyLeaves(root, leaves)
		theirs := !p.IsOfAbsence() && nmtRefVerifyRange(ref, root, leaves)
		if (ours == nil) != theirs && !(p.Start == p.End) {
			t.Fatalf("range proof: quadrant err=%v, nmt accepts=%v: %+v", ours, theirs, p)
		}
	})
}
