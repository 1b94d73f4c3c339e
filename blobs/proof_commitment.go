package blobs

import (
	"github.com/quadrant-da/quadrant/da"
)

// Verifying a blob proof without the blob's data.
//
// A blob's share commitment is the Merkle root of the NMT roots of its
// subtrees (SubtreeRoots). Because a blob starts at a multiple of its
// subtree width w, w divides k, and each later mountain of the range is no
// wider than the ones before it, every subtree is an aligned, complete
// subtree of one row's NMT. So a row's range proof can be checked with the
// blob's subtree roots standing in for its leaves: whoever holds only the
// commitment (a rollup contract, a light client) can check that the blob is
// in the square without downloading it.

// VerifyCommitment checks, from the data root alone and without the blob's
// data, that the blob of namespace ns with share commitment commitment sits
// at p.Start in the committed square. It needs p.SubtreeRoots (filled by
// ProveBlob and ProveBlobAt). It checks what only a BlobProof states (its
// square size, row numbers and start) and then verifies p as the
// CommitmentProof it carries, so that a commitment is checked by one
// verifier, CommitmentProof.Verify, whichever form its proof arrives in. It
// returns nil or an error wrapping ErrInvalidProof; it never panics.
func (p *BlobProof) VerifyCommitment(dataRoot []byte, ns da.Namespace, commitment []byte) error {
	if p == nil {
		return proofErr("nil proof")
	}
	k := p.SquareSize
	if !validSquareSize(k) {
		return proofErr("square size %d is not a power of two in [1, %d]", k, MaxSquareSizeUpperBound)
	}
	if len(p.Rows) == 0 || len(p.Rows) > k {
		return proofErr("%d row proofs for a square of %d rows", len(p.Rows), k)
	}
	first := &p.Rows[0]
	for i := range p.Rows {
		rp := &p.Rows[i]
		if rp.Row != first.Row+i {
			return proofErr("row proof %d is for row %d, want row %d", i, rp.Row, first.Row+i)
		}
		if rp.RootProof.Total != 4*k {
			return proofErr("row %d root proof is over %d roots, a square of %d has %d", rp.Row, rp.RootProof.Total, k, 4*k)
		}
		if rp.Proof.IsOfAbsence() {
			return proofErr("row %d proof is an absence proof", rp.Row)
		}
	}
	if want := first.Row*k + first.Proof.Start; p.Start != want {
		return proofErr("blob starts at share %d, its first row proof at share %d", p.Start, want)
	}
	cp, err := p.CommitmentProof(ns)
	if err != nil {
		return err
	}
	return cp.Verify(dataRoot, commitment, SubtreeRootThreshold)
}
