package blobs

import (
	"bytes"
	"errors"
	"fmt"

	"github.com/quadrant-da/quadrant/da"
)

// ErrInvalidProof is wrapped by every blob or namespace proof verification
// failure; the message says which check failed.
var ErrInvalidProof = errors.New("blobs: invalid proof")

// ErrBlobNotFound is returned when no blob matches a namespace and
// commitment.
var ErrBlobNotFound = errors.New("blobs: blob not found")

// RowProof proves a range of shares of one row of the extended square: the
// NMT range proof of the shares against the row root, and the row root's
// RFC-6962 proof against the data root (leaf Row of 4k roots: 2k row roots
// then 2k column roots).
type RowProof struct {
	Row       int            `json:"row"`
	RowRoot   []byte         `json:"row_root"`
	RootProof da.MerkleProof `json:"root_proof"`
	Proof     da.Proof       `json:"proof"`
}

// BlobProof proves that a blob's shares sit at [Start, Start+n) (row-major
// share indexes of the original k×k square) of the square committed to by
// a data root: one RowProof per row the blob spans, in order.
type BlobProof struct {
	SquareSize int        `json:"square_size"`
	Start      int        `json:"start"`
	Rows       []RowProof `json:"rows"`
	// SubtreeRoots are the NMT roots of the blob's subtrees, whose Merkle
	// root is its share commitment; VerifyCommitment uses them to check
	// the proof without the blob's data. Verify ignores them.
	SubtreeRoots [][]byte `json:"subtree_roots,omitempty"`
}

// proofErr returns an error wrapping ErrInvalidProof.
func proofErr(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrInvalidProof}, args...)...)
}

// rangeProofNodes returns the number of nodes an NMT range proof of
// [start, end) has in a tree of n leaves (n a power of two).
func rangeProofNodes(start, end, lo, hi int) int {
	switch {
	case hi <= start || lo >= end:
		return 1
	case start <= lo && hi <= end:
		return 0
	}
	mid := (lo + hi) / 2
	return rangeProofNodes(start, end, lo, mid) + rangeProofNodes(start, end, mid, hi)
}

// proveRows returns row proofs of the original-square shares [start, end)
// (row-major indexes), one per row spanned.
func (x *ExtendedSquare) proveRows(start, end int) ([]RowProof, error) {
	k := x.EDS.K()
	if start < 0 || start >= end || end > k*k {
		return nil, fmt.Errorf("%w: share range [%d, %d) outside the %d-share square", ErrInvalidSquare, start, end, k*k)
	}
	var rows []RowProof
	for r := start / k; r <= (end-1)/k; r++ {
		s, e := max(start, r*k)-r*k, min(end, (r+1)*k)-r*k
		tree, err := x.rowTree(r)
		if err != nil {
			return nil, fmt.Errorf("blobs: row %d tree: %w", r, err)
		}
		p, err := tree.ProveRange(s, e)
		if err != nil {
			return nil, fmt.Errorf("blobs: row %d range proof: %w", r, err)
		}
		rp, err := x.rowRootProof(r)
		if err != nil {
			return nil, err
		}
		rows = append(rows, RowProof{Row: r, RowRoot: append([]byte(nil), x.DAH.RowRoots[r]...), RootProof: rp, Proof: p})
	}
	return rows, nil
}

// ProveShares returns one RowProof per row spanned by the original-square
// shares [start, end) (row-major share indexes), in row order: the NMT range
// proof of the row's part of the range and the row root's proof to the data
// root. Unlike ProveBlobAt, the range need not hold a blob (Blobstream's
// SharesProof proves any share range).
func (x *ExtendedSquare) ProveShares(start, end int) ([]RowProof, error) {
	return x.proveRows(start, end)
}

// ProveBlobAt returns the proof of the blob whose first share is at share
// index start and which occupies n shares.
func (x *ExtendedSquare) ProveBlobAt(start, n int) (*BlobProof, error) {
	if start < 0 || start >= len(x.Square) {
		return nil, fmt.Errorf("%w: share index %d outside the %d-share square", ErrInvalidSquare, start, len(x.Square))
	}
	blob, got, err := parseBlobAt(x.Square[start:])
	if err != nil {
		return nil, fmt.Errorf("blobs: no blob at share %d: %w", start, err)
	}
	if got != n {
		return nil, fmt.Errorf("%w: the blob at share %d occupies %d shares, not %d", ErrInvalidSquare, start, got, n)
	}
	subtrees, err := SubtreeRoots(blob)
	if err != nil {
		return nil, err
	}
	rows, err := x.proveRows(start, start+n)
	if err != nil {
		return nil, err
	}
	return &BlobProof{SquareSize: x.EDS.K(), Start: start, Rows: rows, SubtreeRoots: subtrees}, nil
}

// FindBlob returns the first blob of namespace ns whose share commitment is
// commitment, with its placement, or an error wrapping ErrBlobNotFound.
func (x *ExtendedSquare) FindBlob(ns da.Namespace, commitment []byte) (PlacedBlob, error) {
	ps, err := ParseSquare(x.Square)
	if err != nil {
		return PlacedBlob{}, err
	}
	for _, pb := range ps.BlobsIn(ns) {
		c, err := CreateCommitment(pb.Blob)
		if err != nil {
			return PlacedBlob{}, err
		}
		if bytes.Equal(c, commitment) {
			return pb, nil
		}
	}
	return PlacedBlob{}, fmt.Errorf("%w: no blob in namespace %s with commitment %X", ErrBlobNotFound, ns, commitment)
}

// ProveBlob finds the blob of namespace ns with the given share commitment
// and returns it with its inclusion proof.
func (x *ExtendedSquare) ProveBlob(ns da.Namespace, commitment []byte) (*Blob, *BlobProof, error) {
	pb, err := x.FindBlob(ns, commitment)
	if err != nil {
		return nil, nil, err
	}
	p, err := x.ProveBlobAt(pb.Index, pb.Shares())
	if err != nil {
		return nil, nil, err
	}
	return pb.Blob, p, nil
}

// checkRootProof verifies that rowRoot is row `row` of a width-2k square
// whose data root is dataRoot.
func checkRootProof(dataRoot []byte, k int, rp *RowProof, row int) error {
	if rp.Row != row {
		return proofErr("row proof for row %d, expected row %d", rp.Row, row)
	}
	if err := da.ValidateNode(rp.RowRoot); err != nil {
		return proofErr("row %d root: %v", row, err)
	}
	if rp.RootProof.Index != row || rp.RootProof.Total != 4*k {
		return proofErr("row %d root proof is for leaf %d of %d, want leaf %d of %d", row, rp.RootProof.Index, rp.RootProof.Total, row, 4*k)
	}
	if err := rp.RootProof.Verify(dataRoot, rp.RowRoot); err != nil {
		return proofErr("row %d root does not lead to the data root: %v", row, err)
	}
	return nil
}

// validSquareSize reports whether k is a power of two in [1, 256].
func validSquareSize(k int) bool { return k >= 1 && k <= MaxSquareSizeUpperBound && isPowerOfTwo(k) }

// Verify checks, from the data root alone, that blob is included in the
// square at p.Start: its shares are recomputed from the blob and each
// row's share range is checked against the row root, each row root against
// the data root at the right position. If commitment is not nil, the
// blob's share commitment must equal it. It returns nil or an error
// wrapping ErrInvalidProof that says what does not match; it never panics.
func (p *BlobProof) Verify(dataRoot []byte, blob *Blob, commitment []byte) error {
	if p == nil {
		return proofErr("nil proof")
	}
	if err := blob.Validate(); err != nil {
		return proofErr("blob: %v", err)
	}
	if commitment != nil {
		c, err := CreateCommitment(blob)
		if err != nil {
			return proofErr("blob commitment: %v", err)
		}
		if !bytes.Equal(c, commitment) {
			return proofErr("the blob's share commitment is %X, want %X", c, commitment)
		}
	}
	k := p.SquareSize
	if !validSquareSize(k) {
		return proofErr("square size %d is not a power of two in [1, %d]", k, MaxSquareSizeUpperBound)
	}
	n := blob.SharesNeeded()
	if p.Start < 0 || p.Start+n > k*k {
		return proofErr("blob of %d shares at %d does not fit a %d-share square", n, p.Start, k*k)
	}
	first, last := p.Start/k, (p.Start+n-1)/k
	if len(p.Rows) != last-first+1 {
		return proofErr("%d row proofs for a blob spanning rows %d..%d", len(p.Rows), first, last)
	}
	shares, err := SplitBlob(blob)
	if err != nil {
		return proofErr("blob shares: %v", err)
	}
	next := 0 // next blob share to prove
	for i := range p.Rows {
		rp := &p.Rows[i]
		row := first + i
		if err := checkRootProof(dataRoot, k, rp, row); err != nil {
			return err
		}
		s, e := max(p.Start, row*k)-row*k, min(p.Start+n, (row+1)*k)-row*k
		if rp.Proof.Start != s || rp.Proof.End != e {
			return proofErr("row %d proves shares [%d, %d), the blob occupies [%d, %d)", row, rp.Proof.Start, rp.Proof.End, s, e)
		}
		if want := rangeProofNodes(s, e, 0, 2*k); len(rp.Proof.Nodes) != want {
			return proofErr("row %d proof has %d nodes, a range proof of [%d, %d) in a row of %d has %d", row, len(rp.Proof.Nodes), s, e, 2*k, want)
		}
		leaves := make([][]byte, e-s)
		for j := range leaves {
			sh := &shares[next+j]
			leaves[j] = append(append(make([]byte, 0, da.NamespaceSize+da.ShareSize), blob.Namespace[:]...), sh[:]...)
		}
		next += e - s
		if err := rp.Proof.VerifyLeaves(rp.RowRoot, leaves); err != nil {
			return proofErr("row %d: the blob's shares do not match the row root: %v", row, err)
		}
	}
	return nil
}

// NamespaceRowProof proves, for one row, every share of a namespace (an
// NMT namespace proof: inclusion of all of them, or absence).
type NamespaceRowProof struct {
	RowProof
	// Shares are the row's shares of the namespace (512 bytes each), in
	// order (none for an absence proof).
	Shares [][]byte `json:"shares"`
}

// NamespaceProof proves all the shares of one namespace in a square:
// namespace proofs for every row whose root's namespace range contains the
// namespace, and the roots of the rows just before and after them (Before,
// After: nil at the square's edge) whose ranges show that no other row holds
// the namespace. Rows of the original square are sorted by namespace, so
// the rows holding a namespace are consecutive.
type NamespaceProof struct {
	SquareSize int                 `json:"square_size"`
	Rows       []NamespaceRowProof `json:"rows"`
	Before     *RowProof           `json:"before,omitempty"`
	After      *RowProof           `json:"after,omitempty"`
}

// ProveNamespace returns the shares of namespace ns in the square with
// their completeness proof (possibly an absence proof, or only boundary
// rows when ns falls between rows or outside the square's range).
func (x *ExtendedSquare) ProveNamespace(ns da.Namespace) (*NamespaceProof, error) {
	k := x.EDS.K()
	p := &NamespaceProof{SquareSize: k}
	first, last := -1, -1
	for r := 0; r < k; r++ {
		root := x.DAH.RowRoots[r]
		if da.NodeMin(root).Compare(ns) <= 0 && ns.Compare(da.NodeMax(root)) <= 0 {
			if first < 0 {
				first = r
			}
			last = r
		}
	}
	boundary := func(r int) (*RowProof, error) {
		if r < 0 || r >= k {
			return nil, nil
		}
		rp, err := x.rowRootProof(r)
		if err != nil {
			return nil, err
		}
		return &RowProof{Row: r, RowRoot: append([]byte(nil), x.DAH.RowRoots[r]...), RootProof: rp}, nil
	}
	if first < 0 {
		// no row covers ns: the first row whose range lies above ns
		// and the row before it.
		above := k
		for r := 0; r < k; r++ {
			if ns.Compare(da.NodeMin(x.DAH.RowRoots[r])) < 0 {
				above = r
				break
			}
		}
		first, last = above, above-1
	}
	var err error
	if p.Before, err = boundary(first - 1); err != nil {
		return nil, err
	}
	if p.After, err = boundary(last + 1); err != nil {
		return nil, err
	}
	for r := first; r <= last; r++ {
		tree, err := x.rowTree(r)
		if err != nil {
			return nil, fmt.Errorf("blobs: row %d tree: %w", r, err)
		}
		np, err := tree.ProveNamespace(ns)
		if err != nil {
			return nil, fmt.Errorf("blobs: row %d namespace proof: %w", r, err)
		}
		rp, err := x.rowRootProof(r)
		if err != nil {
			return nil, err
		}
		nrp := NamespaceRowProof{RowProof: RowProof{Row: r, RowRoot: append([]byte(nil), x.DAH.RowRoots[r]...), RootProof: rp, Proof: np}}
		if !np.IsOfAbsence() && np.End > np.Start {
			for _, sh := range x.Square[r*k+np.Start : r*k+np.End] {
				nrp.Shares = append(nrp.Shares, append([]byte(nil), sh[:]...))
			}
		}
		p.Rows = append(p.Rows, nrp)
	}
	return p, nil
}

// Verify checks, from the data root alone, that p holds every share of
// namespace ns in the committed square, and returns those shares in square
// order (none if the namespace is absent). Use ParseSparseShares to turn
// them into blobs. It returns an error wrapping ErrInvalidProof otherwise;
// it never panics.
func (p *NamespaceProof) Verify(dataRoot []byte, ns da.Namespace) ([]da.Share, error) {
	if p == nil {
		return nil, proofErr("nil proof")
	}
	k := p.SquareSize
	if !validSquareSize(k) {
		return nil, proofErr("square size %d is not a power of two in [1, %d]", k, MaxSquareSizeUpperBound)
	}
	if len(p.Rows) > k {
		return nil, proofErr("%d row proofs for a square of %d rows", len(p.Rows), k)
	}
	// The proven rows are consecutive, bounded by Before and After.
	first := k
	switch {
	case len(p.Rows) > 0:
		first = p.Rows[0].Row
	case p.Before != nil:
		first = p.Before.Row + 1
	case p.After != nil:
		first = p.After.Row
	}
	if first < 0 || first > k {
		return nil, proofErr("first row %d outside the square", first)
	}
	if len(p.Rows) == 0 && p.Before == nil && p.After == nil {
		return nil, proofErr("no rows and no boundary rows")
	}
	if first > 0 {
		if p.Before == nil {
			return nil, proofErr("missing the boundary row %d before the namespace", first-1)
		}
		if err := checkRootProof(dataRoot, k, p.Before, first-1); err != nil {
			return nil, err
		}
		if da.NodeMax(p.Before.RowRoot).Compare(ns) >= 0 {
			return nil, proofErr("row %d before the proven rows may hold the namespace (its max %s ≥ %s)", first-1, da.NodeMax(p.Before.RowRoot), ns)
		}
	} else if p.Before != nil {
		return nil, proofErr("boundary row before row 0")
	}
	end := first + len(p.Rows)
	if end > k {
		return nil, proofErr("rows %d..%d run past the %d rows of the original square", first, end-1, k)
	}
	if end < k {
		if p.After == nil {
			return nil, proofErr("missing the boundary row %d after the namespace", end)
		}
		if err := checkRootProof(dataRoot, k, p.After, end); err != nil {
			return nil, err
		}
		if da.NodeMin(p.After.RowRoot).Compare(ns) <= 0 {
			return nil, proofErr("row %d after the proven rows may hold the namespace (its min %s ≤ %s)", end, da.NodeMin(p.After.RowRoot), ns)
		}
	} else if p.After != nil {
		return nil, proofErr("boundary row after the last row")
	}
	var out []da.Share
	for i := range p.Rows {
		rp := &p.Rows[i]
		if err := checkRootProof(dataRoot, k, &rp.RowProof, first+i); err != nil {
			return nil, err
		}
		if rp.Proof.End > 2*k || len(rp.Proof.Nodes) > 2*k {
			return nil, proofErr("row %d proof range [%d, %d) or %d nodes too large for a row of %d", rp.Row, rp.Proof.Start, rp.Proof.End, len(rp.Proof.Nodes), 2*k)
		}
		if !rp.Proof.IsOfAbsence() && !rp.Proof.IsEmpty() {
			if want := rangeProofNodes(rp.Proof.Start, rp.Proof.End, 0, 2*k); len(rp.Proof.Nodes) != want {
				return nil, proofErr("row %d proof has %d nodes, want %d", rp.Row, len(rp.Proof.Nodes), want)
			}
		}
		if len(rp.Shares) > 2*k {
			return nil, proofErr("row %d: %d shares for a row of %d", rp.Row, len(rp.Shares), 2*k)
		}
		leaves := make([][]byte, len(rp.Shares))
		shares := make([]da.Share, len(rp.Shares))
		for j, raw := range rp.Shares {
			sh, err := da.ShareFromBytes(raw)
			if err != nil {
				return nil, proofErr("row %d share %d: %v", rp.Row, j, err)
			}
			if sh.Namespace() != ns {
				return nil, proofErr("row %d share %d has namespace %s, want %s", rp.Row, j, sh.Namespace(), ns)
			}
			shares[j] = sh
			leaves[j] = append(append(make([]byte, 0, da.NamespaceSize+da.ShareSize), ns[:]...), raw...)
		}
		if err := rp.Proof.VerifyNamespace(rp.RowRoot, ns, leaves); err != nil {
			return nil, proofErr("row %d: %v", rp.Row, err)
		}
		out = append(out, shares...)
	}
	return out, nil
}
