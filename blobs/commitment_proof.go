package blobs

import (
	"bytes"
	"fmt"

	"github.com/quadrant-da/quadrant/da"
)

// CommitmentProof proves, without the blob's data, that a blob with a given
// share commitment sits in the square committed to by a data root. It holds
// what celestia-node's blob.CommitmentProof holds:
//
//   - SubtreeRoots, the blob's subtree roots (SubtreeRoots), whose RFC-6962
//     root is the share commitment;
//   - SubtreeRootProofs, one NMT proof per row the blob spans: Start and End
//     are the blob's shares in that row (column indexes of the 2k-leaf row
//     tree) and Nodes the row tree's nodes around them, with the row's
//     subtree roots standing in for its shares (da.Proof.VerifySubtreeRoots);
//   - Namespace, the blob's namespace;
//   - the rows' roots with their RFC-6962 proofs to the data root (leaf
//     StartRow+i of the 4k row and column roots), rows StartRow..EndRow.
//
// The proof's byte slices may alias the square or BlobProof it came from.
type CommitmentProof struct {
	SubtreeRoots      [][]byte
	SubtreeRootProofs []da.Proof
	Namespace         da.Namespace
	StartRow, EndRow  int
	RowRoots          [][]byte
	RowRootProofs     []da.MerkleProof
}

// CommitmentProof returns p as a CommitmentProof for a blob of namespace ns:
// a row's range proof of the blob's shares is also the proof of the blob's
// subtree roots in that row. p must carry SubtreeRoots (ProveBlob and
// ProveBlobAt fill them). The result aliases p's slices.
func (p *BlobProof) CommitmentProof(ns da.Namespace) (*CommitmentProof, error) {
	if p == nil || len(p.Rows) == 0 || len(p.SubtreeRoots) == 0 {
		return nil, proofErr("blob proof without rows or subtree roots")
	}
	cp := &CommitmentProof{
		SubtreeRoots: p.SubtreeRoots,
		Namespace:    ns,
		StartRow:     p.Rows[0].Row,
		EndRow:       p.Rows[len(p.Rows)-1].Row,
	}
	for i := range p.Rows {
		r := &p.Rows[i]
		cp.SubtreeRootProofs = append(cp.SubtreeRootProofs, r.Proof)
		cp.RowRoots = append(cp.RowRoots, r.RowRoot)
		cp.RowRootProofs = append(cp.RowRootProofs, r.RootProof)
	}
	return cp, nil
}

// ProveCommitment finds the blob of namespace ns with the given share
// commitment and returns the proof of its commitment, built from the rows'
// trees (da.Tree.ProveSubtreeRoots). It returns an error wrapping
// ErrBlobNotFound if there is no such blob.
func (x *ExtendedSquare) ProveCommitment(ns da.Namespace, commitment []byte) (*CommitmentProof, error) {
	pb, err := x.FindBlob(ns, commitment)
	if err != nil {
		return nil, err
	}
	k := x.EDS.K()
	start, n := pb.Index, pb.Shares()
	w := SubTreeWidth(n, SubtreeRootThreshold)
	cp := &CommitmentProof{Namespace: ns, StartRow: start / k, EndRow: (start + n - 1) / k}
	for r := cp.StartRow; r <= cp.EndRow; r++ {
		s, e := max(start, r*k)-r*k, min(start+n, (r+1)*k)-r*k
		tree, err := x.rowTree(r)
		if err != nil {
			return nil, fmt.Errorf("blobs: row %d tree: %w", r, err)
		}
		p, roots, err := tree.ProveSubtreeRoots(s, e, w)
		if err != nil {
			return nil, fmt.Errorf("blobs: row %d subtree roots: %w", r, err)
		}
		rp, err := x.rowRootProof(r)
		if err != nil {
			return nil, err
		}
		cp.SubtreeRoots = append(cp.SubtreeRoots, roots...)
		cp.SubtreeRootProofs = append(cp.SubtreeRootProofs, p)
		cp.RowRoots = append(cp.RowRoots, append([]byte(nil), x.DAH.RowRoots[r]...))
		cp.RowRootProofs = append(cp.RowRootProofs, rp)
	}
	if got := da.MerkleRoot(cp.SubtreeRoots); !bytes.Equal(got, commitment) {
		return nil, fmt.Errorf("blobs: the square's subtree roots of the blob at share %d give commitment %X, not %X (internal error)", start, got, commitment)
	}
	return cp, nil
}

// Verify checks, from the data root alone, that p proves a blob of
// p.Namespace with share commitment commitment in the committed square, as
// celestia-node's CommitmentProof.Verify does with subtree root threshold
// subtreeRootThreshold (Celestia's is SubtreeRootThreshold), and more
// strictly:
//   - the rows are consecutive original rows, each root proven at its place
//     among the 4k row and column roots of one square;
//   - the proven share ranges tile one run of shares, row after row, whose
//     first share is a multiple of the blob's subtree width, and each proof
//     has exactly the nodes of a range proof in a row of 2k leaves;
//   - the subtree roots are nodes of the namespace, as many as the blob's
//     share count gives, their Merkle root is commitment, and each row's
//     proof leads from its subtree roots to its row root.
//
// It returns nil or an error wrapping ErrInvalidProof; it never panics.
func (p *CommitmentProof) Verify(dataRoot, commitment []byte, subtreeRootThreshold int) error {
	if p == nil {
		return proofErr("nil commitment proof")
	}
	if subtreeRootThreshold <= 0 {
		return proofErr("subtree root threshold %d, want > 0", subtreeRootThreshold)
	}
	if len(dataRoot) == 0 || len(commitment) == 0 {
		return proofErr("empty data root or commitment")
	}
	if err := p.Namespace.ValidateForBlob(); err != nil {
		return proofErr("namespace: %v", err)
	}
	rows := len(p.SubtreeRootProofs)
	if rows == 0 || len(p.RowRoots) != rows || len(p.RowRootProofs) != rows {
		return proofErr("%d subtree root proofs, %d row roots and %d row root proofs; want the same positive number",
			rows, len(p.RowRoots), len(p.RowRootProofs))
	}
	if p.StartRow < 0 || p.EndRow-p.StartRow+1 != rows {
		return proofErr("rows %d..%d for %d row proofs", p.StartRow, p.EndRow, rows)
	}
	total := p.RowRootProofs[0].Total
	k := total / 4
	if total%4 != 0 || !validSquareSize(k) {
		return proofErr("row root proofs are over %d roots, not the 4k roots of a square", total)
	}
	if p.EndRow >= k {
		return proofErr("rows %d..%d run past the %d rows of the original square", p.StartRow, p.EndRow, k)
	}
	// The share ranges must tile [start, start+n) row by row.
	n := 0
	for i := range p.SubtreeRootProofs {
		sp := &p.SubtreeRootProofs[i]
		s, e := sp.Start, sp.End
		if s < 0 || e > k || s >= e {
			return proofErr("row %d proof covers [%d, %d), outside the original half of a row of %d", p.StartRow+i, s, e, 2*k)
		}
		if (i > 0 && s != 0) || (i < rows-1 && e != k) {
			return proofErr("row %d proof covers [%d, %d); a blob's shares are contiguous", p.StartRow+i, s, e)
		}
		if want := rangeProofNodes(s, e, 0, 2*k); len(sp.Nodes) != want {
			return proofErr("row %d proof has %d nodes, a range proof of [%d, %d) in a row of %d has %d", p.StartRow+i, len(sp.Nodes), s, e, 2*k, want)
		}
		n += e - s
	}
	start := p.StartRow*k + p.SubtreeRootProofs[0].Start
	w := SubTreeWidth(n, subtreeRootThreshold)
	if start%w != 0 {
		return proofErr("blob of %d shares starts at share %d, not a multiple of its subtree width %d", n, start, w)
	}
	sizes := mountainRangeSizes(n, w)
	if len(p.SubtreeRoots) != len(sizes) {
		return proofErr("%d subtree roots, a blob of %d shares has %d", len(p.SubtreeRoots), n, len(sizes))
	}
	for i, r := range p.SubtreeRoots {
		if len(r) != da.NodeSize || da.NodeMin(r) != p.Namespace || da.NodeMax(r) != p.Namespace {
			return proofErr("subtree root %d is not a node of namespace %s", i, p.Namespace)
		}
	}
	if got := da.MerkleRoot(p.SubtreeRoots); !bytes.Equal(got, commitment) {
		return proofErr("subtree roots give commitment %X, want %X", got, commitment)
	}
	cursor := 0
	for i := range p.SubtreeRootProofs {
		row := p.StartRow + i
		rrp := &p.RowRootProofs[i]
		if rrp.Index != row || rrp.Total != total {
			return proofErr("row %d root proof is for leaf %d of %d, want leaf %d of %d", row, rrp.Index, rrp.Total, row, total)
		}
		if err := da.ValidateNode(p.RowRoots[i]); err != nil {
			return proofErr("row %d root: %v", row, err)
		}
		if err := rrp.Verify(dataRoot, p.RowRoots[i]); err != nil {
			return proofErr("row %d root does not lead to the data root: %v", row, err)
		}
		sp := &p.SubtreeRootProofs[i]
		ranges, err := da.SubtreeRanges(sp.Start, sp.End, w)
		if err != nil {
			return proofErr("row %d: %v", row, err)
		}
		if cursor+len(ranges) > len(sizes) {
			return proofErr("row %d needs subtree roots past the %d of the blob", row, len(sizes))
		}
		for j, r := range ranges {
			if r.End-r.Start != sizes[cursor+j] {
				return proofErr("row %d subtree %d covers %d shares, the blob's subtree %d covers %d", row, j, r.End-r.Start, cursor+j, sizes[cursor+j])
			}
		}
		if err := sp.VerifySubtreeRoots(p.RowRoots[i], p.SubtreeRoots[cursor:cursor+len(ranges)], w); err != nil {
			return proofErr("row %d: %v", row, err)
		}
		cursor += len(ranges)
	}
	if cursor != len(p.SubtreeRoots) {
		return proofErr("%d subtree roots outside the proven rows", len(p.SubtreeRoots)-cursor)
	}
	return nil
}
