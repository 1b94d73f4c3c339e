package bench

import (
	"bytes"
	"errors"
	"fmt"
	"testing"

	gosquare "github.com/celestiaorg/go-square/v2"

	"github.com/quadrant-da/quadrant/blobs"
)

// TestSquareDataRootAndProofs: for random blocks, the data root Quadrant
// computes for its square equals the reference's (rsmt2d + nmt over
// go-square's square), and every blob of the square has a proof that
// verifies against that data root and fails when a share, a proof node,
// the namespace or a root is altered.
func TestSquareDataRootAndProofs(t *testing.T) {
	for _, c := range []struct{ maxK, txs, maxBlob int }{{4, 8, 1500}, {16, 20, 20000}, {64, 30, 150000}} {
		t.Run(fmt.Sprintf("k=%d", c.maxK), func(t *testing.T) {
			g := newSquareGen(uint64(1000+c.maxK), 5)
			txs := g.mix(t, c.txs, c.maxBlob)
			sq, kept, err := blobs.Build(txs, c.maxK)
			if err != nil {
				t.Fatal(err)
			}
			x, err := sq.Extend()
			if err != nil {
				t.Fatal(err)
			}
			root := x.DAH.Hash()

			gsq, err := gosquare.Construct(kept, c.maxK, blobs.SubtreeRootThreshold)
			if err != nil {
				t.Fatal(err)
			}
			var orig []byte
			for _, s := range gsq {
				orig = append(orig, s.ToBytes()...)
			}
			rows, cols := refRoots(t, refExtend(t, orig, gsq.Size()))
			if want := refDataRoot(rows, cols); !bytes.Equal(root, want) {
				t.Fatalf("data root %x, reference %x", root, want)
			}

			ps, err := blobs.ParseSquare(sq)
			if err != nil {
				t.Fatal(err)
			}
			if len(ps.Blobs) == 0 {
				t.Fatal("no blobs in the square")
			}
			for i, pb := range ps.Blobs {
				commitment, err := blobs.CreateCommitment(pb.Blob)
				if err != nil {
					t.Fatal(err)
				}
				got, proof, err := x.ProveBlob(pb.Blob.Namespace, commitment)
				if err != nil {
					t.Fatalf("blob %d: %v", i, err)
				}
				if err := proof.Verify(root, got, commitment); err != nil {
					t.Fatalf("blob %d at %d: %v", i, pb.Index, err)
				}
				if err := proof.VerifyCommitment(root, got.Namespace, commitment); err != nil {
					t.Fatalf("blob %d at %d (%d shares): without data: %v", i, pb.Index, pb.Shares(), err)
				}
				for j := range proof.SubtreeRoots {
					proof.SubtreeRoots[j][60] ^= 1
					if err := proof.VerifyCommitment(root, got.Namespace, commitment); !errors.Is(err, blobs.ErrInvalidProof) {
						t.Fatalf("blob %d: altered subtree root %d accepted: %v", i, j, err)
					}
					proof.SubtreeRoots[j][60] ^= 1
				}
				// altered share
				bad := *got
				bad.Data = append([]byte(nil), got.Data...)
				bad.Data[len(bad.Data)-1] ^= 0x80
				if err := proof.Verify(root, &bad, nil); !errors.Is(err, blobs.ErrInvalidProof) {
					t.Fatalf("blob %d: altered share accepted: %v", i, err)
				}
				// altered namespace
				bad = *got
				bad.Namespace[len(bad.Namespace)-1] ^= 1
				if err := proof.Verify(root, &bad, nil); !errors.Is(err, blobs.ErrInvalidProof) {
					t.Fatalf("blob %d: altered namespace accepted: %v", i, err)
				}
				// altered proof node (every node of the first row, in turn)
				for j := range proof.Rows[0].Proof.Nodes {
					proof.Rows[0].Proof.Nodes[j][90-1] ^= 1
					if err := proof.Verify(root, got, nil); !errors.Is(err, blobs.ErrInvalidProof) {
						t.Fatalf("blob %d: altered nmt node %d accepted: %v", i, j, err)
					}
					if err := proof.VerifyCommitment(root, got.Namespace, commitment); !errors.Is(err, blobs.ErrInvalidProof) {
						t.Fatalf("blob %d: altered nmt node %d accepted without data: %v", i, j, err)
					}
					proof.Rows[0].Proof.Nodes[j][90-1] ^= 1
				}
				// altered row root and data root
				proof.Rows[0].RowRoot[0] ^= 1
				if err := proof.Verify(root, got, nil); !errors.Is(err, blobs.ErrInvalidProof) {
					t.Fatalf("blob %d: altered row root accepted: %v", i, err)
				}
				proof.Rows[0].RowRoot[0] ^= 1
				badRoot := append([]byte(nil), root...)
				badRoot[31] ^= 1
				if err := proof.Verify(badRoot, got, nil); !errors.Is(err, blobs.ErrInvalidProof) {
					t.Fatalf("blob %d: altered data root accepted: %v", i, err)
				}
				if err := proof.Verify(root, got, nil); err != nil {
					t.Fatalf("blob %d: restored proof rejected: %v", i, err)
				}
			}
			// every namespace's data comes back complete
			seen := map[string]bool{}
			for _, pb := range ps.Blobs {
				ns := pb.Blob.Namespace
				if seen[string(ns[:])] {
					continue
				}
				seen[string(ns[:])] = true
				np, err := x.ProveNamespace(ns)
				if err != nil {
					t.Fatal(err)
				}
				shares, err := np.Verify(root, ns)
				if err != nil {
					t.Fatalf("namespace %s: %v", ns, err)
				}
				got, err := blobs.ParseSparseShares(shares)
				if err != nil || len(got) != len(ps.BlobsIn(ns)) {
					t.Fatalf("namespace %s: %d blobs (%v), want %d", ns, len(got), err, len(ps.BlobsIn(ns)))
				}
			}
		})
	}
}
