package bench

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"fmt"
	"math/rand"
	"testing"

	"github.com/celestiaorg/go-square/v2/inclusion"
	gshare "github.com/celestiaorg/go-square/v2/share"
	"github.com/celestiaorg/nmt"
	"github.com/cometbft/cometbft/crypto/merkle"

	"github.com/quadrant-da/quadrant/blobs"
	"github.com/quadrant-da/quadrant/da"
)

// TestSubtreeRangesMatchNMT: da.SubtreeRanges splits a range as nmt's
// ToLeafRanges does, and fails where it fails, for power-of-two widths.
func TestSubtreeRangesMatchNMT(t *testing.T) {
	r := rand.New(rand.NewSource(11))
	for range 5000 {
		width := 1 << r.Intn(8)
		start := r.Intn(600)
		if r.Intn(2) == 0 {
			start = start / width * width
		}
		end := start + 1 + r.Intn(600)
		got, err := da.SubtreeRanges(start, end, width)
		want, refErr := nmt.ToLeafRanges(start, end, width)
		if (err != nil) != (refErr != nil) {
			t.Fatalf("[%d, %d) w=%d: error %v, nmt's %v", start, end, width, err, refErr)
		}
		if len(got) != len(want) {
			t.Fatalf("[%d, %d) w=%d: %d ranges, nmt has %d", start, end, width, len(got), len(want))
		}
		for i := range got {
			if got[i].Start != want[i].Start || got[i].End != want[i].End {
				t.Fatalf("[%d, %d) w=%d: range %d is %v, nmt's %v", start, end, width, i, got[i], want[i])
			}
		}
	}
}

// TestSubtreeRootProofsMatchNMT: for random trees, the subtree roots
// da.Tree.ProveSubtreeRoots returns are nmt's ComputeSubtreeRoot, its proofs
// verify with nmt's VerifySubtreeRootInclusion, and for altered proofs
// Quadrant accepts only what nmt accepts (and rejects whatever nmt
// rejects).
func TestSubtreeRootProofsMatchNMT(t *testing.T) {
	r := rand.New(rand.NewSource(12))
	h := nmtRefHasher()
	altered, rejected := 0, 0
	for _, n := range []int{1, 2, 5, 16, 33, 64, 128, 256, 512} {
		c := nmtNewCase(t, r, n)
		root := c.tree.Root()
		refRoot, err := c.ref.Root()
		if err != nil || !bytes.Equal(root, refRoot) {
			t.Fatalf("n=%d: roots differ (%v)", n, err)
		}
		for range 30 {
			width := 1 << r.Intn(7)
			start := r.Intn(n) / width * width
			end := start + 1 + r.Intn(n-start)
			p, roots, err := c.tree.ProveSubtreeRoots(start, end, width)
			if err != nil {
				// the only refusal: a later subtree is not aligned
				if _, refErr := nmt.ToLeafRanges(start, end, width); refErr == nil {
					t.Fatalf("n=%d [%d, %d) w=%d: %v, but nmt splits the range", n, start, end, width, err)
				}
				continue
			}
			ranges, _ := da.SubtreeRanges(start, end, width)
			for i, rg := range ranges {
				want, err := c.ref.ComputeSubtreeRoot(rg.Start, rg.End)
				if err != nil || !bytes.Equal(roots[i], want) {
					t.Fatalf("n=%d subtree %v: root %x, nmt's %x (%v)", n, rg, roots[i], want, err)
				}
			}
			ok, err := nmtToRef(p).VerifySubtreeRootInclusion(h, roots, width, root)
			if err != nil || !ok {
				t.Fatalf("n=%d [%d, %d) w=%d: nmt rejects Quadrant's proof: %v, %v", n, start, end, width, ok, err)
			}
			if err := p.VerifySubtreeRoots(root, roots, width); err != nil {
				t.Fatalf("n=%d [%d, %d) w=%d: valid proof rejected: %v", n, start, end, width, err)
			}
			for m := range 8 {
				q, rs, w := alterSubtreeProof(r, m, p, roots, width)
				ours := q.VerifySubtreeRoots(root, rs, w) == nil
				refOK, refErr := nmtToRef(q).VerifySubtreeRootInclusion(h, rs, w, root)
				theirs := refErr == nil && refOK
				if ours != theirs {
					t.Fatalf("n=%d [%d, %d) w=%d alteration %d: Quadrant accepts=%v, nmt accepts=%v (%v)", n, start, end, width, m, ours, theirs, refErr)
				}
				if !ours {
					rejected++
				}
				altered++
			}
		}
	}
	// the alterations are not vacuous: both sides reject most of them
	if rejected < altered/2 {
		t.Fatalf("only %d of %d alterations rejected", rejected, altered)
	}
	t.Logf("%d of %d alterations rejected by both", rejected, altered)
}

// alterSubtreeProof returns a copy of a subtree-root proof changed in one
// of eight ways (which may or may not leave it valid).
func alterSubtreeProof(r *rand.Rand, m int, p da.Proof, roots [][]byte, width int) (da.Proof, [][]byte, int) {
	q := nmtCopyProof(p)
	rs := make([][]byte, len(roots))
	for i := range roots {
		rs[i] = append([]byte(nil), roots[i]...)
	}
	switch m {
	case 0:
		rs[r.Intn(len(rs))][da.NodeSize-1-r.Intn(32)] ^= 1
	case 1:
		if len(q.Nodes) > 0 {
			q.Nodes[r.Intn(len(q.Nodes))][da.NodeSize-1] ^= 1
		}
	case 2:
		q.Start++
	case 3:
		q.End++
	case 4:
		width *= 2
	case 5:
		if width > 1 {
			width /= 2
		}
	case 6:
		if len(rs) > 1 {
			rs = rs[1:]
		}
	case 7:
		if len(q.Nodes) > 0 {
			q.Nodes = q.Nodes[:len(q.Nodes)-1]
		}
	}
	return q, rs, width
}

// refVerifyCommitmentProof is celestia-node v0.28.4's CommitmentProof.Verify
// with the commitment check of its later versions, written against the
// reference libraries (nmt, go-square, CometBFT's merkle): the subtree roots'
// RFC-6962 root is the commitment, each row root's Merkle proof leads to the
// data root, and each row's subtree-root proof leads from its subtree roots
// to its row root.
func refVerifyCommitmentProof(p *blobs.CommitmentProof, dataRoot, commitment []byte, threshold int) error {
	if !bytes.Equal(merkle.HashFromByteSlices(p.SubtreeRoots), commitment) {
		return errors.New("subtree roots do not make the commitment")
	}
	if len(p.SubtreeRootProofs) != len(p.RowRoots) || len(p.RowRootProofs) != len(p.RowRoots) {
		return errors.New("proof counts differ")
	}
	for i, rp := range p.RowRootProofs {
		mp := &merkle.Proof{Total: int64(rp.Total), Index: int64(rp.Index), LeafHash: refLeafHash(p.RowRoots[i]), Aunts: rp.Aunts}
		if err := mp.Verify(dataRoot, p.RowRoots[i]); err != nil {
			return fmt.Errorf("row root %d: %w", i, err)
		}
	}
	n := 0
	for _, sp := range p.SubtreeRootProofs {
		n += sp.End - sp.Start
	}
	width := inclusion.SubTreeWidth(n, threshold)
	h := nmtRefHasher()
	cursor := 0
	for i, sp := range p.SubtreeRootProofs {
		ranges, err := nmt.ToLeafRanges(sp.Start, sp.End, width)
		if err != nil {
			return err
		}
		if cursor+len(ranges) > len(p.SubtreeRoots) {
			return errors.New("too few subtree roots")
		}
		ok, err := nmtToRef(sp).VerifySubtreeRootInclusion(h, p.SubtreeRoots[cursor:cursor+len(ranges)], width, p.RowRoots[i])
		if err != nil || !ok {
			return fmt.Errorf("row %d subtree roots: %v, %w", i, ok, err)
		}
		cursor += len(ranges)
	}
	return nil
}

func refLeafHash(leaf []byte) []byte {
	s := sha256.Sum256(append([]byte{0}, leaf...))
	return s[:]
}

// TestCommitmentProofsMatchReference: for random squares, every blob's
// commitment proof has go-square's subtree roots and CometBFT's row-root
// proofs, passes the reference verification and Quadrant's, and every
// alteration Quadrant accepts the reference accepts too (Quadrant is
// stricter: it also checks row positions, contiguity and node counts).
func TestCommitmentProofsMatchReference(t *testing.T) {
	for _, c := range []struct{ maxK, txs, maxBlob int }{{8, 10, 4000}, {32, 12, 60000}, {64, 10, 200000}} {
		t.Run(fmt.Sprintf("k=%d", c.maxK), func(t *testing.T) {
			g := newSquareGen(uint64(2000+c.maxK), 4)
			sq, _, err := blobs.Build(g.mix(t, c.txs, c.maxBlob), c.maxK)
			if err != nil {
				t.Fatal(err)
			}
			x, err := sq.Extend()
			if err != nil {
				t.Fatal(err)
			}
			root := x.DAH.Hash()
			_, refRowProofs := merkle.ProofsFromByteSlices(append(append([][]byte{}, x.DAH.RowRoots...), x.DAH.ColumnRoots...))
			ps, err := blobs.ParseSquare(sq)
			if err != nil {
				t.Fatal(err)
			}
			r := rand.New(rand.NewSource(int64(c.maxK)))
			wide, altered, rejected := 0, 0, 0
			for i, pb := range ps.Blobs {
				commitment, err := blobs.CreateCommitment(pb.Blob)
				if err != nil {
					t.Fatal(err)
				}
				cp, err := x.ProveCommitment(pb.Blob.Namespace, commitment)
				if err != nil {
					t.Fatalf("blob %d: %v", i, err)
				}
				ns, err := gshare.NewNamespaceFromBytes(pb.Blob.Namespace.Bytes())
				if err != nil {
					t.Fatal(err)
				}
				ref, err := gshare.NewBlob(ns, pb.Blob.Data, pb.Blob.ShareVersion, pb.Blob.Signer)
				if err != nil {
					t.Fatal(err)
				}
				refRoots, err := inclusion.GenerateSubtreeRoots(ref, blobs.SubtreeRootThreshold)
				if err != nil {
					t.Fatal(err)
				}
				if len(refRoots) != len(cp.SubtreeRoots) {
					t.Fatalf("blob %d: %d subtree roots, go-square has %d", i, len(cp.SubtreeRoots), len(refRoots))
				}
				for j := range refRoots {
					if !bytes.Equal(refRoots[j], cp.SubtreeRoots[j]) {
						t.Fatalf("blob %d: subtree root %d differs from go-square's", i, j)
					}
				}
				for j, rp := range cp.RowRootProofs {
					want := refRowProofs[cp.StartRow+j]
					if int64(rp.Total) != want.Total || int64(rp.Index) != want.Index || len(rp.Aunts) != len(want.Aunts) {
						t.Fatalf("blob %d row %d: root proof differs from CometBFT's", i, cp.StartRow+j)
					}
					for a := range want.Aunts {
						if !bytes.Equal(rp.Aunts[a], want.Aunts[a]) {
							t.Fatalf("blob %d row %d: aunt %d differs from CometBFT's", i, cp.StartRow+j, a)
						}
					}
				}
				if err := refVerifyCommitmentProof(cp, root, commitment, blobs.SubtreeRootThreshold); err != nil {
					t.Fatalf("blob %d (%d shares, rows %d..%d): reference rejects: %v", i, pb.Shares(), cp.StartRow, cp.EndRow, err)
				}
				if err := cp.Verify(root, commitment, blobs.SubtreeRootThreshold); err != nil {
					t.Fatalf("blob %d: Quadrant rejects: %v", i, err)
				}
				if cp.EndRow > cp.StartRow && blobs.SubTreeWidth(pb.Shares(), blobs.SubtreeRootThreshold) > 1 {
					wide++
				}
				for m := range 6 {
					q := alterCommitmentProof(r, m, cp)
					altered++
					if q.Verify(root, commitment, blobs.SubtreeRootThreshold) != nil {
						rejected++
					} else {
						if err := refVerifyCommitmentProof(q, root, commitment, blobs.SubtreeRootThreshold); err != nil {
							t.Fatalf("blob %d alteration %d: Quadrant accepts what the reference rejects: %v", i, m, err)
						}
					}
				}
			}
			if c.maxK >= 32 && wide == 0 {
				t.Fatal("no blob spans several rows with a subtree width above 1")
			}
			if rejected < altered/2 {
				t.Fatalf("only %d of %d alterations rejected", rejected, altered)
			}
			t.Logf("%d blobs, %d over several rows with subtree width > 1; %d of %d alterations rejected", len(ps.Blobs), wide, rejected, altered)
		})
	}
}

// alterCommitmentProof returns a copy of p changed in one of six ways.
func alterCommitmentProof(r *rand.Rand, m int, p *blobs.CommitmentProof) *blobs.CommitmentProof {
	q := *p
	q.SubtreeRoots = make([][]byte, len(p.SubtreeRoots))
	for i, s := range p.SubtreeRoots {
		q.SubtreeRoots[i] = append([]byte(nil), s...)
	}
	q.SubtreeRootProofs = make([]da.Proof, len(p.SubtreeRootProofs))
	for i, sp := range p.SubtreeRootProofs {
		q.SubtreeRootProofs[i] = nmtCopyProof(sp)
	}
	q.RowRoots = append([][]byte(nil), p.RowRoots...)
	i := r.Intn(len(q.SubtreeRootProofs))
	switch m {
	case 0:
		q.SubtreeRoots[r.Intn(len(q.SubtreeRoots))][da.NodeSize-1] ^= 1
	case 1:
		if len(q.SubtreeRootProofs[i].Nodes) > 0 {
			q.SubtreeRootProofs[i].Nodes[0][da.NodeSize-1] ^= 1
		}
	case 2:
		q.SubtreeRootProofs[i].Start++
	case 3:
		q.SubtreeRootProofs[i].End--
	case 4:
		q.StartRow++
		q.EndRow++
	case 5:
		if len(q.SubtreeRoots) > 1 {
			q.SubtreeRoots[0], q.SubtreeRoots[1] = q.SubtreeRoots[1], q.SubtreeRoots[0]
		}
	}
	return &q
}
