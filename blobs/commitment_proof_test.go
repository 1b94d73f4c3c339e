package blobs

import (
	"bytes"
	"errors"
	"reflect"
	"testing"

	"github.com/quadrant-da/quadrant/da"
)

// commitmentBlock builds a square holding blobs of one share, a few shares,
// and enough shares to span many rows with subtree widths 2 and 8.
func commitmentBlock(t testing.TB) (*ExtendedSquare, []*Blob) {
	t.Helper()
	priv := testKeys()[0]
	bs := []*Blob{
		testBlob(t, 5, 40000),  // ~84 shares: width 2
		testBlob(t, 2, 100),    // one share
		testBlob(t, 7, 150000), // ~313 shares: width 8
		testBlob(t, 2, 3000),   // a few shares
		testBlob(t, 9, 1),
	}
	var txs [][]byte
	for i := range bs {
		inner, err := signedPFB(t, priv, bs[i]).Marshal()
		if err != nil {
			t.Fatal(err)
		}
		raw, err := MarshalBlobTx(inner, bs[i])
		if err != nil {
			t.Fatal(err)
		}
		txs = append(txs, raw)
	}
	return extendTxs(t, txs, 64), bs
}

func TestCommitmentProofs(t *testing.T) {
	x, bs := commitmentBlock(t)
	root := x.DAH.Hash()
	k := x.EDS.K()
	var multiRowWide, inOneRow bool
	for i, b := range bs {
		c, err := CreateCommitment(b)
		if err != nil {
			t.Fatal(err)
		}
		cp, err := x.ProveCommitment(b.Namespace, c)
		if err != nil {
			t.Fatalf("blob %d: %v", i, err)
		}
		if err := cp.Verify(root, c, SubtreeRootThreshold); err != nil {
			t.Fatalf("blob %d: valid commitment proof rejected: %v", i, err)
		}
		// the proof built from the trees is the blob proof reshaped
		_, bp, err := x.ProveBlob(b.Namespace, c)
		if err != nil {
			t.Fatal(err)
		}
		fromBlobProof, err := bp.CommitmentProof(b.Namespace)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(cp, fromBlobProof) {
			t.Fatalf("blob %d: ProveCommitment and BlobProof.CommitmentProof differ", i)
		}
		n := b.SharesNeeded()
		w := SubTreeWidth(n, SubtreeRootThreshold)
		if cp.EndRow > cp.StartRow && w > 1 {
			multiRowWide = true
		}
		if cp.EndRow == cp.StartRow && n < k {
			inOneRow = true
		}
		t.Logf("blob %d: %d shares, width %d, rows %d..%d of %d, %d subtree roots", i, n, w, cp.StartRow, cp.EndRow, k, len(cp.SubtreeRoots))
		checkCommitmentProofTampering(t, cp, root, c)
	}
	if !multiRowWide || !inOneRow {
		t.Fatalf("the block lacks a multi-row blob with subtree width > 1 (%v) or a blob within one row (%v)", multiRowWide, inOneRow)
	}
	missing := make([]byte, 32)
	if _, err := x.ProveCommitment(bs[0].Namespace, missing); !errors.Is(err, ErrBlobNotFound) {
		t.Fatalf("unknown commitment: got %v, want ErrBlobNotFound", err)
	}
}

func cloneCommitmentProof(p *CommitmentProof) *CommitmentProof {
	q := *p
	q.SubtreeRoots = cloneAll(p.SubtreeRoots)
	q.RowRoots = cloneAll(p.RowRoots)
	q.SubtreeRootProofs = make([]da.Proof, len(p.SubtreeRootProofs))
	for i, sp := range p.SubtreeRootProofs {
		sp.Nodes = cloneAll(sp.Nodes)
		q.SubtreeRootProofs[i] = sp
	}
	q.RowRootProofs = make([]da.MerkleProof, len(p.RowRootProofs))
	for i, rp := range p.RowRootProofs {
		rp.Aunts = cloneAll(rp.Aunts)
		q.RowRootProofs[i] = rp
	}
	return &q
}

// checkCommitmentProofTampering asserts that every alteration of a valid
// commitment proof, or of what it is checked against, is rejected.
func checkCommitmentProofTampering(t *testing.T, p *CommitmentProof, root, c []byte) {
	t.Helper()
	type mutation func(q *CommitmentProof) (dataRoot, commitment []byte, threshold int)
	same := func(q *CommitmentProof) ([]byte, []byte, int) { return root, c, SubtreeRootThreshold }
	cases := map[string]mutation{
		"commitment": func(q *CommitmentProof) ([]byte, []byte, int) {
			bad := append([]byte(nil), c...)
			bad[0] ^= 1
			return root, bad, SubtreeRootThreshold
		},
		"data root": func(q *CommitmentProof) ([]byte, []byte, int) {
			bad := append([]byte(nil), root...)
			bad[0] ^= 1
			return bad, c, SubtreeRootThreshold
		},
		"zero threshold": func(q *CommitmentProof) ([]byte, []byte, int) {
			return root, c, 0
		},
		"namespace": func(q *CommitmentProof) ([]byte, []byte, int) {
			q.Namespace[da.NamespaceSize-1] ^= 1
			return same(q)
		},
		"last subtree root": func(q *CommitmentProof) ([]byte, []byte, int) {
			q.SubtreeRoots[len(q.SubtreeRoots)-1][da.NodeSize-1] ^= 1
			return same(q)
		},
		"subtree root dropped": func(q *CommitmentProof) ([]byte, []byte, int) {
			q.SubtreeRoots = q.SubtreeRoots[:len(q.SubtreeRoots)-1]
			return same(q)
		},
		"subtree root added": func(q *CommitmentProof) ([]byte, []byte, int) {
			q.SubtreeRoots = append(q.SubtreeRoots, q.SubtreeRoots[0])
			return same(q)
		},
		"start row shifted": func(q *CommitmentProof) ([]byte, []byte, int) {
			q.StartRow++
			q.EndRow++
			return same(q)
		},
		"first row proof start moved": func(q *CommitmentProof) ([]byte, []byte, int) {
			q.SubtreeRootProofs[0].Start++
			return same(q)
		},
		"last row proof end moved": func(q *CommitmentProof) ([]byte, []byte, int) {
			q.SubtreeRootProofs[len(q.SubtreeRootProofs)-1].End++
			return same(q)
		},
		"last row proof end moved back": func(q *CommitmentProof) ([]byte, []byte, int) {
			q.SubtreeRootProofs[len(q.SubtreeRootProofs)-1].End--
			return same(q)
		},
		"row root": func(q *CommitmentProof) ([]byte, []byte, int) {
			q.RowRoots[0][da.NodeSize-1] ^= 1
			return same(q)
		},
		"row root proof index": func(q *CommitmentProof) ([]byte, []byte, int) {
			q.RowRootProofs[0].Index++
			return same(q)
		},
		"row root proof total": func(q *CommitmentProof) ([]byte, []byte, int) {
			for i := range q.RowRootProofs {
				q.RowRootProofs[i].Total *= 2
			}
			return same(q)
		},
		"max namespace not ignored": func(q *CommitmentProof) ([]byte, []byte, int) {
			q.SubtreeRootProofs[0].IsMaxNamespaceIgnored = false
			return same(q)
		},
		"no rows": func(q *CommitmentProof) ([]byte, []byte, int) {
			q.SubtreeRootProofs, q.RowRoots, q.RowRootProofs = nil, nil, nil
			q.EndRow = q.StartRow - 1
			return same(q)
		},
		"row proof node added": func(q *CommitmentProof) ([]byte, []byte, int) {
			sp := &q.SubtreeRootProofs[0]
			sp.Nodes = append(sp.Nodes, q.RowRoots[0])
			return same(q)
		},
	}
	if len(p.SubtreeRoots) > 1 {
		cases["subtree roots swapped"] = func(q *CommitmentProof) ([]byte, []byte, int) {
			q.SubtreeRoots[0], q.SubtreeRoots[1] = q.SubtreeRoots[1], q.SubtreeRoots[0]
			return same(q)
		}
	}
	if len(p.RowRoots) > 1 {
		cases["last row dropped"] = func(q *CommitmentProof) ([]byte, []byte, int) {
			last := len(q.RowRoots) - 1
			q.SubtreeRootProofs, q.RowRoots, q.RowRootProofs = q.SubtreeRootProofs[:last], q.RowRoots[:last], q.RowRootProofs[:last]
			q.EndRow--
			return same(q)
		}
		cases["rows swapped"] = func(q *CommitmentProof) ([]byte, []byte, int) {
			q.RowRoots[0], q.RowRoots[1] = q.RowRoots[1], q.RowRoots[0]
			q.RowRootProofs[0], q.RowRootProofs[1] = q.RowRootProofs[1], q.RowRootProofs[0]
			return same(q)
		}
	}
	for i := range p.SubtreeRootProofs {
		if len(p.SubtreeRootProofs[i].Nodes) > 0 {
			cases["row proof node"] = func(q *CommitmentProof) ([]byte, []byte, int) {
				q.SubtreeRootProofs[i].Nodes[0][da.NodeSize-1] ^= 1
				return same(q)
			}
			cases["row proof node dropped"] = func(q *CommitmentProof) ([]byte, []byte, int) {
				q.SubtreeRootProofs[i].Nodes = q.SubtreeRootProofs[i].Nodes[1:]
				return same(q)
			}
			break
		}
	}
	// Another threshold is a different proof only if it changes the width.
	n := 0
	for _, sp := range p.SubtreeRootProofs {
		n += sp.End - sp.Start
	}
	if SubTreeWidth(n, 1) != SubTreeWidth(n, SubtreeRootThreshold) {
		cases["threshold 1"] = func(q *CommitmentProof) ([]byte, []byte, int) { return root, c, 1 }
	}
	for name, mutate := range cases {
		q := cloneCommitmentProof(p)
		r, cm, th := mutate(q)
		if err := q.Verify(r, cm, th); !errors.Is(err, ErrInvalidProof) {
			t.Errorf("%s altered: Verify = %v, want an ErrInvalidProof error", name, err)
		}
	}
	// the original still verifies (the mutations worked on copies)
	if err := p.Verify(root, c, SubtreeRootThreshold); err != nil {
		t.Fatalf("original proof rejected after the tamper tests: %v", err)
	}
	var nilProof *CommitmentProof
	if err := nilProof.Verify(root, c, SubtreeRootThreshold); !errors.Is(err, ErrInvalidProof) {
		t.Errorf("nil proof: Verify = %v", err)
	}
}

// TestCommitmentProofRejectsOtherBlob checks that a proof of one blob does
// not pass for another blob's commitment, even in the same namespace.
func TestCommitmentProofRejectsOtherBlob(t *testing.T) {
	x, bs := commitmentBlock(t)
	root := x.DAH.Hash()
	c1, _ := CreateCommitment(bs[1])
	c3, _ := CreateCommitment(bs[3])
	cp, err := x.ProveCommitment(bs[1].Namespace, c1)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Equal(c1, c3) || bs[1].Namespace != bs[3].Namespace {
		t.Fatal("test blobs 1 and 3 should share a namespace and differ")
	}
	if err := cp.Verify(root, c3, SubtreeRootThreshold); !errors.Is(err, ErrInvalidProof) {
		t.Fatalf("proof of blob 1 checked against blob 3's commitment: %v", err)
	}
}
