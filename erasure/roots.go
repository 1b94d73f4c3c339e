package erasure

import (
	"fmt"
)

// Rooter computes the commitment (root) of one row or column of an extended
// square. erasure declares it and package da implements it with the
// namespaced Merkle tree; erasure itself knows nothing about trees.
//
// The tree of an axis is built over leaf digests, and a share's leaf digest
// must be the same in its row tree and in its column tree (it may depend on
// the share's position, such as whether it lies in the original quadrant).
// This lets Roots hash every share once for both trees.
//
// Implementations must be safe for concurrent use.
type Rooter interface {
	// LeafSize returns the size in bytes of one leaf digest.
	LeafSize() int
	// HashLeaves writes into dst[j][:LeafSize()] the leaf digest of
	// shares[j], share j of axis (axis, index) of an extended square of
	// original width k. It hashes a whole axis at a time so that an
	// implementation can reuse one hasher for all of it.
	HashLeaves(axis Axis, index, k int, shares, dst [][]byte)
	// Root returns the root of axis (axis, index) of an extended square of
	// original width k, from its 2k shares and their leaf digests, in order.
	// An error means the shares cannot form a valid tree (for an NMT: leaves
	// out of namespace order); erasure treats it as a root mismatch.
	Root(axis Axis, index, k int, shares, leaves [][]byte) ([]byte, error)
}

// SquareRooter is an optional interface a Rooter may implement to compute
// every root of a complete square at once, faster than tree by tree. Its
// results (roots and whether it fails) must equal those of the Rooter's
// own methods. Roots uses it when it is there.
type SquareRooter interface {
	SquareRoots(eds *ExtendedSquare) (rowRoots, colRoots [][]byte, err error)
}

// AxisRoot returns the root of axis (axis, index) of an extended square of
// original width k = len(shares)/2, given all its shares in order.
func AxisRoot(r Rooter, axis Axis, index int, shares [][]byte) ([]byte, error) {
	w := len(shares)
	k := w / 2
	if err := ValidateK(k); err != nil || w != 2*k {
		return nil, fmt.Errorf("%w: axis of %d shares, want 2k", ErrSquareSize, w)
	}
	if index < 0 || index >= w {
		return nil, fmt.Errorf("erasure: %s index %d outside [0, %d)", axis, index, w)
	}
	ls := r.LeafSize()
	buf := make([]byte, w*ls)
	leaves := make([][]byte, w)
	for j, s := range shares {
		if len(s) != ShareSize {
			return nil, fmt.Errorf("%w: share %d of %s %d is %d bytes, want %d", ErrSquareSize, j, axis, index, len(s), ShareSize)
		}
		leaves[j] = buf[j*ls : (j+1)*ls : (j+1)*ls]
	}
	r.HashLeaves(axis, index, k, shares, leaves)
	return r.Root(axis, index, k, shares, leaves)
}

// Roots returns the row roots and the column roots of the complete square
// eds. If r implements SquareRooter, Roots returns its result. Otherwise
// every share is hashed once, into one buffer of (2k)²·LeafSize bytes, and
// the trees are built from those digests; the work is spread over all
// cores.
func Roots(eds *ExtendedSquare, r Rooter) (rowRoots, colRoots [][]byte, err error) {
	if sr, ok := r.(SquareRooter); ok {
		return sr.SquareRoots(eds)
	}
	w := eds.width
	rowRoots = make([][]byte, w)
	colRoots = make([][]byte, w)
	ls := r.LeafSize()
	leafBuf := make([]byte, w*w*ls)
	type scratch struct{ shares, leaves [][]byte }
	scr := make([]scratch, workers())
	get := func(wk int) *scratch {
		s := &scr[wk]
		if s.shares == nil {
			s.shares = make([][]byte, w)
			s.leaves = make([][]byte, w)
		}
		return s
	}
	// Rows: hash each row's leaves, then build its tree while they are hot.
	err = parallel(w, batchFor(w), func(wk, lo, hi int) error {
		s := get(wk)
		for i := lo; i < hi; i++ {
			for j := 0; j < w; j++ {
				off := (i*w + j) * ls
				s.leaves[j] = leafBuf[off : off+ls : off+ls]
				s.shares[j] = eds.Share(i, j)
			}
			r.HashLeaves(Row, i, eds.k, s.shares, s.leaves)
			root, err := r.Root(Row, i, eds.k, s.shares, s.leaves)
			if err != nil {
				return fmt.Errorf("erasure: root of row %d: %w", i, err)
			}
			rowRoots[i] = root
		}
		return nil
	})
	if err != nil {
		return nil, nil, err
	}
	err = parallel(w, batchFor(w), func(wk, lo, hi int) error {
		s := get(wk)
		for i := lo; i < hi; i++ {
			for j := 0; j < w; j++ {
				off := (j*w + i) * ls
				s.leaves[j] = leafBuf[off : off+ls : off+ls]
				s.shares[j] = eds.Share(j, i)
			}
			root, err := r.Root(Col, i, eds.k, s.shares, s.leaves)
			if err != nil {
				return fmt.Errorf("erasure: root of col %d: %w", i, err)
			}
			colRoots[i] = root
		}
		return nil
	})
	if err != nil {
		return nil, nil, err
	}
	return rowRoots, colRoots, nil
}
