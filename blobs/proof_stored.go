package blobs

import (
	"bytes"
	"context"
	"fmt"

	"github.com/quadrant-da/quadrant/da"
	"github.com/quadrant-da/quadrant/erasure"
)

// RowReader is read access to the extended squares a full node stores
// together with the NMT inner nodes of their rows (see da.InnerNodeIndex
// for the record layout); *fullnode.Store implements it. ProveStoredBlob
// builds blob proofs through it without reading a whole square or
// rehashing a row. Implementations must be safe for concurrent use and
// serve only heights whose data was checked against their DA header.
type RowReader interface {
	// AppendRowShares appends shares [from, to) of row r of the extended
	// square of height (512 bytes each, extended-square column indexes) to
	// dst and returns the extended slice.
	AppendRowShares(ctx context.Context, dst []byte, height uint64, r, from, to int) ([]byte, error)
	// AppendRowNodes appends to dst, in the order given, the stored inner
	// nodes of row r's NMT at the record positions idx (da.InnerNodeIndex),
	// da.NodeSize bytes each, and returns the extended slice.
	AppendRowNodes(ctx context.Context, dst []byte, height uint64, r int, idx []int) ([]byte, error)
}

// ProveStoredBlob is ExtendedSquare.ProveBlob for a square kept by a
// RowReader: it finds the blob of namespace ns with the given share
// commitment and returns it with the proof ProveBlob would return, byte for
// byte. It reads only the original halves of the rows whose root range in
// dah contains ns, and per row the blob spans the few stored inner nodes
// its range proof needs; it hashes at most two leaves per row. dah must be
// the DA header of the stored square. A missing blob is an error wrapping
// ErrBlobNotFound.
func ProveStoredBlob(ctx context.Context, rr RowReader, height uint64, dah *da.DAHeader, ns da.Namespace, commitment []byte) (*Blob, *BlobProof, error) {
	if err := dah.Validate(); err != nil {
		return nil, nil, err
	}
	w := dah.SquareWidth()
	k := w / 2
	first, last := -1, -1
	for r := 0; r < k; r++ {
		root := dah.RowRoots[r]
		if da.NodeMin(root).Compare(ns) <= 0 && ns.Compare(da.NodeMax(root)) <= 0 {
			if first < 0 {
				first = r
			}
			last = r
		}
	}
	if first < 0 {
		return nil, nil, fmt.Errorf("%w: no blob in namespace %s with commitment %X", ErrBlobNotFound, ns, commitment)
	}
	// The shares of ns are consecutive in row-major order, inside rows
	// first..last of the original square.
	buf := make([]byte, 0, (last-first+1)*k*da.ShareSize)
	for r := first; r <= last; r++ {
		var err error
		if buf, err = rr.AppendRowShares(ctx, buf, height, r, 0, k); err != nil {
			return nil, nil, fmt.Errorf("blobs: row %d of height %d: %w", r, height, err)
		}
	}
	if len(buf) != (last-first+1)*k*da.ShareSize {
		return nil, nil, fmt.Errorf("%w: rows %d..%d of height %d hold %d bytes, want %d", ErrInvalidSquare, first, last, height, len(buf), (last-first+1)*k*da.ShareSize)
	}
	shares := make([]da.Share, (last-first+1)*k)
	for i := range shares {
		copy(shares[i][:], buf[i*da.ShareSize:])
	}
	base := first * k // square index of shares[0]
	lo := 0
	for lo < len(shares) && shares[lo].Namespace() != ns {
		lo++
	}
	hi := lo
	for hi < len(shares) && shares[hi].Namespace() == ns {
		hi++
	}
	pb, err := findInRun(shares[lo:hi], base+lo, ns, commitment)
	if err != nil {
		return nil, nil, err
	}
	subtrees, err := SubtreeRoots(pb.Blob)
	if err != nil {
		return nil, nil, err
	}
	start, end := pb.Index, pb.Index+pb.Shares()
	var rows []RowProof
	for r := start / k; r <= (end-1)/k; r++ {
		s, e := max(start, r*k)-r*k, min(end, (r+1)*k)-r*k
		p, err := storedRangeProof(ctx, rr, height, w, r, s, e, func(c int) []byte {
			if c < k && r >= first && r <= last {
				o := (r-first)*k + c
				return shares[o][:]
			}
			return nil
		})
		if err != nil {
			return nil, nil, err
		}
		rp, err := dah.AxisRootProof(erasure.Row, r)
		if err != nil {
			return nil, nil, err
		}
		rows = append(rows, RowProof{Row: r, RowRoot: append([]byte(nil), dah.RowRoots[r]...), RootProof: rp, Proof: p})
	}
	return pb.Blob, &BlobProof{SquareSize: k, Start: start, Rows: rows, SubtreeRoots: subtrees}, nil
}

// findInRun returns the first blob of the run of namespace-ns shares
// (square index base of run[0]) whose share commitment is commitment.
func findInRun(run []da.Share, base int, ns da.Namespace, commitment []byte) (PlacedBlob, error) {
	for i := 0; i < len(run); {
		s := &run[i]
		if !s.IsSequenceStart() {
			return PlacedBlob{}, fmt.Errorf("%w: share %d: continuation share without a blob start", ErrInvalidShares, base+i)
		}
		if isPaddingShare(s) {
			i++
			continue
		}
		b, n, err := parseBlobAt(run[i:])
		if err != nil {
			return PlacedBlob{}, fmt.Errorf("blob at share %d: %w", base+i, err)
		}
		c, err := CreateCommitment(b)
		if err != nil {
			return PlacedBlob{}, err
		}
		if bytes.Equal(c, commitment) {
			return PlacedBlob{Blob: b, Index: base + i, PFB: -1, BlobIndex: -1}, nil
		}
		i += n
	}
	return PlacedBlob{}, fmt.Errorf("%w: no blob in namespace %s with commitment %X", ErrBlobNotFound, ns, commitment)
}

// storedRangeProof returns the NMT range proof of shares [s, e) of row r
// of a stored square of width w, equal to the one da.Tree.ProveRange
// builds over the row: inner nodes come from the store, the (at most two)
// leaf nodes are hashed from their shares, which share(c) returns when the
// caller already holds them (nil: read from the store).
func storedRangeProof(ctx context.Context, rr RowReader, height uint64, w, r, s, e int, share func(c int) []byte) (da.Proof, error) {
	pos := da.RangeProofPositions(w, s, e)
	var idx []int
	for _, p := range pos {
		if p.Level > 0 {
			idx = append(idx, da.InnerNodeIndex(w, p.Level, p.Index))
		}
	}
	inner, err := rr.AppendRowNodes(ctx, make([]byte, 0, len(idx)*da.NodeSize), height, r, idx)
	if err != nil {
		return da.Proof{}, fmt.Errorf("blobs: row %d nodes of height %d: %w", r, height, err)
	}
	if len(inner) != len(idx)*da.NodeSize {
		return da.Proof{}, fmt.Errorf("%w: row %d of height %d: %d bytes of nodes, want %d", ErrInvalidSquare, r, height, len(inner), len(idx)*da.NodeSize)
	}
	k := w / 2
	out := make([]byte, 0, len(pos)*da.NodeSize)
	next := 0
	for _, p := range pos {
		if p.Level > 0 {
			out = append(out, inner[next*da.NodeSize:(next+1)*da.NodeSize]...)
			next++
			continue
		}
		sh := share(p.Index)
		if sh == nil {
			if sh, err = rr.AppendRowShares(ctx, nil, height, r, p.Index, p.Index+1); err != nil {
				return da.Proof{}, fmt.Errorf("blobs: share (%d, %d) of height %d: %w", r, p.Index, height, err)
			}
			if len(sh) != da.ShareSize {
				return da.Proof{}, fmt.Errorf("%w: share (%d, %d) of height %d has %d bytes", ErrInvalidSquare, r, p.Index, height, len(sh))
			}
		}
		ns := da.ParityNamespace
		if r < k && p.Index < k {
			copy(ns[:], sh[:da.NamespaceSize])
		}
		out = da.HashLeaf(out, ns, sh)
	}
	nodes := make([][]byte, len(pos))
	for i := range nodes {
		nodes[i] = out[i*da.NodeSize : (i+1)*da.NodeSize : (i+1)*da.NodeSize]
	}
	return da.Proof{Start: s, End: e, Nodes: nodes, IsMaxNamespaceIgnored: true}, nil
}
