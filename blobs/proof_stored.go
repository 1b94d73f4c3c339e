package blobs

import (
	"bytes"
	"context"
	"fmt"
	"math/bits"

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
// byte. dah must be the DA header of the stored square. A missing blob is
// an error wrapping ErrBlobNotFound.
//
// It reads little: to find the namespace's first share, the stored nodes
// over each run of 8 shares of the first row whose root range contains ns
// and the 8 shares of the run that holds it; then, per blob of ns
// in square order, its first share and the stored row-tree nodes that are
// its subtree roots — a blob's subtrees are aligned subtrees of the row
// trees, so its commitment is computed without reading its data; and, for
// the blob whose commitment matches, its shares and the nodes of its range
// proofs. It hashes only one-share subtrees and the proofs' boundary
// leaves.
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
	notFound := fmt.Errorf("%w: no blob in namespace %s with commitment %X", ErrBlobNotFound, ns, commitment)
	if first < 0 {
		return nil, nil, notFound
	}
	sr := &storedRows{ctx: ctx, rr: rr, height: height, k: k}
	i, err := sr.firstOf(ns, first)
	if err != nil {
		return nil, nil, err
	}
	// The shares of ns are consecutive in row-major order, from i to at
	// most the end of row `last`.
	end := (last + 1) * k
	for i >= 0 && i < end {
		one, err := sr.read(i, i+1)
		if err != nil {
			return nil, nil, err
		}
		sh := one[0]
		if sh.Namespace() != ns {
			break
		}
		if !sh.IsSequenceStart() {
			return nil, nil, fmt.Errorf("%w: share %d: continuation share without a blob start", ErrInvalidShares, i)
		}
		if isPaddingShare(&sh) {
			i++
			continue
		}
		if v := sh.Version(); v != da.ShareVersionZero && v != da.ShareVersionOne {
			return nil, nil, fmt.Errorf("%w: share %d: blob share version %d (want 0 or 1)", ErrInvalidShares, i, v)
		}
		n := SparseSharesNeeded(sh.SequenceLen(), sh.Version())
		if i+n > end {
			return nil, nil, fmt.Errorf("%w: blob at share %d of %d shares runs past the rows of its namespace", ErrInvalidShares, i, n)
		}
		roots, err := sr.subtreeRoots(ns, i, n, sh)
		if err != nil {
			return nil, nil, err
		}
		if !bytes.Equal(da.MerkleRoot(roots), commitment) {
			i += n
			continue
		}
		// The stored roots give the commitment: this is the blob.
		shares, err := sr.read(i, i+n)
		if err != nil {
			return nil, nil, err
		}
		b, got, err := parseBlobAt(shares)
		if err != nil {
			return nil, nil, fmt.Errorf("blob at share %d: %w", i, err)
		}
		if got != n {
			return nil, nil, fmt.Errorf("%w: blob at share %d occupies %d shares, its first share says %d", ErrInvalidShares, i, got, n)
		}
		var rows []RowProof
		for r := i / k; r <= (i+n-1)/k; r++ {
			s, e := max(i, r*k)-r*k, min(i+n, (r+1)*k)-r*k
			p, err := storedRangeProof(ctx, rr, height, w, r, s, e, func(c int) []byte {
				if c >= k {
					return nil
				}
				if idx := r*k + c - i; idx >= 0 && idx < n {
					return shares[idx][:]
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
		return b, &BlobProof{SquareSize: k, Start: i, Rows: rows, SubtreeRoots: roots}, nil
	}
	return nil, nil, notFound
}

// storedRows reads original-square shares of one stored height.
type storedRows struct {
	ctx    context.Context
	rr     RowReader
	height uint64
	k      int
}

// firstOf returns the index of the first share of namespace ns in the
// original half of row r, or -1 if there is none there. Leaves are sorted
// by namespace, so it is in the first run of 8 shares whose stored node's
// maximum namespace is ≥ ns; only that run is read.
func (s *storedRows) firstOf(ns da.Namespace, r int) (int, error) {
	const run = 8 // shares under one level-3 node
	from, to := r*s.k, (r+1)*s.k
	if s.k > run {
		idx := make([]int, s.k/run)
		for j := range idx {
			idx[j] = da.InnerNodeIndex(2*s.k, 3, j)
		}
		nodes, err := s.rr.AppendRowNodes(s.ctx, make([]byte, 0, len(idx)*da.NodeSize), s.height, r, idx)
		if err != nil {
			return 0, fmt.Errorf("blobs: row %d nodes of height %d: %w", r, s.height, err)
		}
		if len(nodes) != len(idx)*da.NodeSize {
			return 0, fmt.Errorf("%w: row %d of height %d: %d bytes of nodes, want %d", ErrInvalidSquare, r, s.height, len(nodes), len(idx)*da.NodeSize)
		}
		j := 0
		for j < len(idx) && da.NodeMax(nodes[j*da.NodeSize:(j+1)*da.NodeSize]).Compare(ns) < 0 {
			j++
		}
		if j == len(idx) {
			return -1, nil
		}
		from, to = r*s.k+j*run, r*s.k+(j+1)*run
	}
	shares, err := s.read(from, to)
	if err != nil {
		return 0, err
	}
	for j := range shares {
		if c := shares[j].Namespace().Compare(ns); c >= 0 {
			if c > 0 {
				return -1, nil
			}
			return from + j, nil
		}
	}
	return -1, nil
}

// read returns the original-square shares [start, end) (row-major
// indexes), one read per row spanned.
func (s *storedRows) read(start, end int) ([]da.Share, error) {
	buf := make([]byte, 0, (end-start)*da.ShareSize)
	for r := start / s.k; r <= (end-1)/s.k; r++ {
		from, to := max(start, r*s.k)-r*s.k, min(end, (r+1)*s.k)-r*s.k
		var err error
		if buf, err = s.rr.AppendRowShares(s.ctx, buf, s.height, r, from, to); err != nil {
			return nil, fmt.Errorf("blobs: row %d shares [%d, %d) of height %d: %w", r, from, to, s.height, err)
		}
	}
	if len(buf) != (end-start)*da.ShareSize {
		return nil, fmt.Errorf("%w: shares [%d, %d) of height %d: %d bytes, want %d", ErrInvalidSquare, start, end, s.height, len(buf), (end-start)*da.ShareSize)
	}
	out := make([]da.Share, end-start)
	for j := range out {
		copy(out[j][:], buf[j*da.ShareSize:])
	}
	return out, nil
}

// subtreeRoots returns the subtree roots (SubtreeRoots) of the blob of n
// shares of namespace ns that starts at share start with share first, from
// the stored row trees: a blob starts at a multiple of its subtree width,
// which divides k, and every later subtree is no wider than the one before
// it, so each subtree of two or more shares is a node of one row's tree; a
// one-share subtree is its leaf, hashed here.
func (s *storedRows) subtreeRoots(ns da.Namespace, start, n int, first da.Share) ([][]byte, error) {
	w := 2 * s.k
	sizes := mountainRangeSizes(n, SubTreeWidth(n, SubtreeRootThreshold))
	roots := make([][]byte, len(sizes))
	type want struct{ root, pos int }
	var order []int           // rows, in the order first needed
	wants := map[int][]want{} // row -> roots read from its record
	off := start
	for j, size := range sizes {
		r, c := off/s.k, off%s.k
		switch {
		case size == 1:
			sh := first
			if off != start {
				one, err := s.read(off, off+1)
				if err != nil {
					return nil, err
				}
				sh = one[0]
			}
			roots[j] = da.HashLeaf(nil, ns, sh[:])
		case c%size != 0 || c+size > s.k:
			return nil, fmt.Errorf("%w: subtree of %d shares at share %d is not aligned in its row", ErrInvalidShares, size, off)
		default:
			if _, ok := wants[r]; !ok {
				order = append(order, r)
			}
			level := bits.TrailingZeros(uint(size))
			wants[r] = append(wants[r], want{root: j, pos: da.InnerNodeIndex(w, level, c/size)})
		}
		off += size
	}
	for _, r := range order {
		idx := make([]int, len(wants[r]))
		for m, q := range wants[r] {
			idx[m] = q.pos
		}
		nodes, err := s.rr.AppendRowNodes(s.ctx, make([]byte, 0, len(idx)*da.NodeSize), s.height, r, idx)
		if err != nil {
			return nil, fmt.Errorf("blobs: row %d nodes of height %d: %w", r, s.height, err)
		}
		if len(nodes) != len(idx)*da.NodeSize {
			return nil, fmt.Errorf("%w: row %d of height %d: %d bytes of nodes, want %d", ErrInvalidSquare, r, s.height, len(nodes), len(idx)*da.NodeSize)
		}
		for m, q := range wants[r] {
			roots[q.root] = nodes[m*da.NodeSize : (m+1)*da.NodeSize : (m+1)*da.NodeSize]
		}
	}
	return roots, nil
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
		ns := da.ParityNamespace()
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
