package da_test

import (
	"bytes"
	"testing"

	"github.com/quadrant-da/quadrant/da"
)

// TestStoredRecordGivesTreeProofs checks that the nodes RangeProofPositions
// names, read from the InnerNodes record (InnerNodeIndex) or the leaves,
// are exactly the nodes Tree.ProveRange returns, for every range of trees
// of 2 to 32 leaves, and that the record's last node is the root.
func TestStoredRecordGivesTreeProofs(t *testing.T) {
	for w := 2; w <= 32; w *= 2 {
		leaves := make([][]byte, w)
		for i := range leaves {
			ns, err := da.NewNamespaceV0([]byte{byte(i / 3), 1})
			if err != nil {
				t.Fatal(err)
			}
			if i >= w/2 {
				ns = da.ParityNamespace()
			}
			share := bytes.Repeat([]byte{byte(i)}, da.ShareSize)
			copy(share, ns[:])
			leaves[i] = da.HashLeaf(nil, ns, share)
		}
		tree, err := da.TreeFromLeafNodes(leaves)
		if err != nil {
			t.Fatal(err)
		}
		rec, err := da.InnerNodes(leaves)
		if err != nil {
			t.Fatal(err)
		}
		if len(rec) != (w-1)*da.NodeSize || !bytes.Equal(rec[len(rec)-da.NodeSize:], tree.Root()) {
			t.Fatalf("w=%d: record of %d bytes whose last node is not the root", w, len(rec))
		}
		for s := 0; s < w; s++ {
			for e := s + 1; e <= w; e++ {
				want, err := tree.ProveRange(s, e)
				if err != nil {
					t.Fatal(err)
				}
				pos := da.RangeProofPositions(w, s, e)
				if len(pos) != len(want.Nodes) {
					t.Fatalf("w=%d [%d, %d): %d positions, %d proof nodes", w, s, e, len(pos), len(want.Nodes))
				}
				for i, p := range pos {
					var got []byte
					if p.Level == 0 {
						got = leaves[p.Index]
					} else {
						o := da.InnerNodeIndex(w, p.Level, p.Index) * da.NodeSize
						got = rec[o : o+da.NodeSize]
					}
					if !bytes.Equal(got, want.Nodes[i]) {
						t.Fatalf("w=%d [%d, %d): node %d (level %d, index %d) differs", w, s, e, i, p.Level, p.Index)
					}
				}
			}
		}
	}
	if _, err := da.InnerNodes(make([][]byte, 3)); err == nil {
		t.Fatal("InnerNodes accepted 3 leaves")
	}
}
