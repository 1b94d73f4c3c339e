package erasure

import (
	"fmt"
)

// Extend returns the extended square of original, a k×k square of shares in
// row-major order (k·k·ShareSize bytes), k a power of two in [1, MaxK]. The
// result is byte-identical to rsmt2d's ComputeExtendedDataSquare with the
// Leopard codec. original is copied, not retained.
//
// Extend allocates the (2k)²·ShareSize-byte square once and encodes in
// place on all cores: the rows of Q0 into Q1, one call per row, then the
// columns of the top half into the bottom half, many adjacent columns per
// call.
func Extend(original []byte, k int) (*ExtendedSquare, error) {
	if err := ValidateK(k); err != nil {
		return nil, err
	}
	if len(original) != k*k*ShareSize {
		return nil, fmt.Errorf("%w: original square of %d bytes, want %d for k=%d",
			ErrSquareSize, len(original), k*k*ShareSize, k)
	}
	rowLen := k * ShareSize
	return ExtendInto(make([]byte, 4*k*k*ShareSize), k, func(r int, dst []byte) {
		copy(dst, original[r*rowLen:(r+1)*rowLen])
	})
}

// ExtendInto is Extend writing into data, the (2k)²·ShareSize bytes the
// returned square takes ownership of. Their previous contents do not
// matter, so a caller that extends one square after another can reuse one
// buffer instead of allocating and zeroing 128 MiB per square at k=256.
// fill(r, dst) writes original row r — its k shares, k·ShareSize bytes —
// into dst; it is called once per row, concurrently for different rows.
func ExtendInto(data []byte, k int, fill func(r int, dst []byte)) (*ExtendedSquare, error) {
	eds, err := Import(data, k)
	if err != nil {
		return nil, err
	}
	rowLen := k * ShareSize
	err = eds.encodeRows(0, k, func(r int) {
		fill(r, eds.RowBytes(r)[:rowLen:rowLen])
	})
	if err != nil {
		return nil, err
	}
	if err := eds.encodeColumns(0, eds.width); err != nil {
		return nil, err
	}
	return eds, nil
}

// encodeRows computes the parity half of rows [from, to) from their data
// half, in parallel. prepare, if not nil, runs on each row first (on the
// goroutine that encodes it).
func (e *ExtendedSquare) encodeRows(from, to int, prepare func(r int)) error {
	enc, err := encoderFor(e.k)
	if err != nil {
		return err
	}
	w := e.width
	scratch := make([][][]byte, workers())
	return parallel(to-from, batchFor(to-from), func(wk, lo, hi int) error {
		shards := scratch[wk]
		if shards == nil {
			shards = make([][]byte, w)
			scratch[wk] = shards
		}
		for r := from + lo; r < from+hi; r++ {
			if prepare != nil {
				prepare(r)
			}
			row := e.RowBytes(r)
			for c := range shards {
				shards[c] = row[c*ShareSize : (c+1)*ShareSize : (c+1)*ShareSize]
			}
			if err := enc.Encode(shards); err != nil {
				return fmt.Errorf("erasure: encoding row %d: %w", r, err)
			}
		}
		return nil
	})
}

// columnRun is how many adjacent columns are encoded or decoded per call.
const columnRun = 16

// encodeColumns computes the bottom half of columns [from, to) from their
// top half. Adjacent columns are contiguous within a row, so a run of them
// is encoded in one call with wide shards: the Leopard codes work on each
// 64-byte block independently, so this equals encoding each column alone.
func (e *ExtendedSquare) encodeColumns(from, to int) error {
	enc, err := encoderFor(e.k)
	if err != nil {
		return err
	}
	w := e.width
	n := to - from
	// Runs of columnRun columns keep each call's working set in cache
	// (wider runs are slower per byte, narrower ones pay per-call costs).
	batch := columnRun
	scratch := make([][][]byte, workers())
	return parallel(n, batch, func(wk, lo, hi int) error {
		shards := scratch[wk]
		if shards == nil {
			shards = make([][]byte, w)
			scratch[wk] = shards
		}
		c0, c1 := from+lo, from+hi
		for r := range shards {
			row := e.RowBytes(r)
			shards[r] = row[c0*ShareSize : c1*ShareSize : c1*ShareSize]
		}
		if err := enc.Encode(shards); err != nil {
			return fmt.Errorf("erasure: encoding columns [%d, %d): %w", c0, c1, err)
		}
		return nil
	})
}
