package bench

import (
	"bytes"
	"crypto/sha256"
	"math/rand"
	"sort"
	"testing"

	"github.com/celestiaorg/nmt"

	"github.com/quadrant-da/quadrant/da"
	"github.com/quadrant-da/quadrant/erasure"
)

// TestSampleProofsMatchNMT builds samples of an extended square and checks
// that their axis roots and NMT proofs are those of celestiaorg/nmt over the
// same axis (shares outside the original quadrant under the parity
// namespace, as celestia-app's wrapper pushes them), and that nmt's
// verifier accepts them.
func TestSampleProofsMatchNMT(t *testing.T) {
	r := rand.New(rand.NewSource(77))
	for _, k := range []int{1, 2, 8} {
		nss := make([]da.Namespace, k*k)
		for i := range nss {
			nss[i][da.NamespaceSize-2] = 1
			nss[i][da.NamespaceSize-1] = byte(r.Intn(6))
		}
		sort.Slice(nss, func(i, j int) bool { return nss[i].Compare(nss[j]) < 0 })
		orig := make([]byte, k*k*da.ShareSize)
		r.Read(orig)
		for i, ns := range nss {
			copy(orig[i*da.ShareSize:], ns[:])
		}
		eds, err := erasure.Extend(orig, k)
		if err != nil {
			t.Fatal(err)
		}
		w := eds.Width()
		refRoots := map[erasure.Axis][]*nmt.NamespacedMerkleTree{}
		var rows, cols [][]byte
		for _, a := range []erasure.Axis{erasure.Row, erasure.Col} {
			for i := 0; i < w; i++ {
				tree := nmt.New(sha256.New(), nmt.NamespaceIDSize(da.NamespaceSize), nmt.IgnoreMaxNamespace(true))
				for j, s := range eds.Axis(a, i) {
					parity := da.ParityNamespace()
					ns := parity[:]
					if i < k && j < k {
						ns = s[:da.NamespaceSize]
					}
					if err := tree.Push(append(append([]byte{}, ns...), s...)); err != nil {
						t.Fatal(err)
					}
				}
				root, _ := tree.Root()
				refRoots[a] = append(refRoots[a], tree)
				if a == erasure.Row {
					rows = append(rows, root)
				} else {
					cols = append(cols, root)
				}
			}
		}
		dah, err := da.NewDAHeader(rows, cols)
		if err != nil {
			t.Fatal(err)
		}
		dataRoot := dah.Hash()
		for row := 0; row < w; row++ {
			for col := 0; col < w; col++ {
				for _, a := range []erasure.Axis{erasure.Row, erasure.Col} {
					idx, pos := row, col
					if a == erasure.Col {
						idx, pos = col, row
					}
					s, err := da.NewSample(dah, a, row, col, eds.Axis(a, idx))
					if err != nil {
						t.Fatalf("k=%d (%d,%d) %s: %v", k, row, col, a, err)
					}
					if err := s.Verify(dataRoot, w); err != nil {
						t.Fatal(err)
					}
					ref, err := refRoots[a][idx].ProveRange(pos, pos+1)
					if err != nil {
						t.Fatal(err)
					}
					nmtSameProof(t, "sample", s.Proof, ref)
					parity := da.ParityNamespace()
					ns := parity[:]
					if row < k && col < k {
						ns = s.Share[:da.NamespaceSize]
					}
					if !nmtToRef(s.Proof).VerifyInclusion(sha256.New(), ns, [][]byte{s.Share}, s.AxisRoot) {
						t.Fatalf("k=%d (%d,%d) %s: nmt rejects the sample's proof", k, row, col, a)
					}
					if !bytes.Equal(s.AxisRoot, dah.AxisRoot(a, idx)) {
						t.Fatal("axis root differs")
					}
				}
			}
		}
	}
}
