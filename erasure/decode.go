package erasure

import (
	"bytes"
	"errors"
	"fmt"
)

// errNotCodeword stops isCodeword at the first axis that does not encode.
var errNotCodeword = errors.New("erasure: square is not a codeword")

// decodeAll is the fast, unchecked half of Repair: it decodes rows and
// columns with at least k known shares, writing into the square and marking
// present, until the square is complete or no axis can be decoded. Adjacent
// columns with the same known rows are decoded together in one wide call.
// It reports whether the square is complete. Decoded shares are not checked
// here; Repair checks the complete square afterwards. The codewords record
// the axes decoded from exactly k shares: those are codewords by
// construction, which spares isCodeword re-encoding them.
func (e *ExtendedSquare) decodeAll(present []bool, cw *codewords) (bool, error) {
	for {
		moved, err := e.decodeColumns(present, cw)
		if err != nil {
			return false, err
		}
		rowsMoved, err := e.decodeRows(present, cw)
		if err != nil {
			return false, err
		}
		complete := true
		for _, p := range present {
			if !p {
				complete = false
				break
			}
		}
		if complete {
			return true, nil
		}
		if !moved && !rowsMoved {
			return false, nil
		}
	}
}

// codewords records which rows and columns are known to be codewords.
type codewords struct{ rows, cols []bool }

func newCodewords(w int) *codewords {
	return &codewords{rows: make([]bool, w), cols: make([]bool, w)}
}

// colRun is a run of adjacent columns [c0, c1) that share one pattern of
// known rows (that of column c0).
type colRun struct{ c0, c1 int }

// decodeColumns decodes every incomplete column with at least k known shares.
func (e *ExtendedSquare) decodeColumns(present []bool, cw *codewords) (bool, error) {
	w, k := e.width, e.k
	known := make([]int, w)
	for r := 0; r < w; r++ {
		for c, p := range present[r*w : (r+1)*w] {
			if p {
				known[c]++
			}
		}
	}
	samePattern := func(a, b int) bool {
		for r := 0; r < w; r++ {
			if present[r*w+a] != present[r*w+b] {
				return false
			}
		}
		return true
	}
	// Runs of decodable columns with the same pattern, cut so that there
	// are enough pieces for every worker.
	var runs []colRun
	for c := 0; c < w; c++ {
		if known[c] == w || known[c] < k {
			continue
		}
		if n := len(runs); n > 0 && runs[n-1].c1 == c && samePattern(runs[n-1].c0, c) {
			runs[n-1].c1++
			continue
		}
		runs = append(runs, colRun{c, c + 1})
	}
	if len(runs) == 0 {
		return false, nil
	}
	total := 0
	for _, r := range runs {
		total += r.c1 - r.c0
	}
	piece := columnRun
	var work []colRun
	for _, r := range runs {
		for c := r.c0; c < r.c1; c += piece {
			work = append(work, colRun{c, min(c+piece, r.c1)})
		}
	}
	enc, err := encoderFor(k)
	if err != nil {
		return false, err
	}
	scratch := make([][][]byte, workers())
	err = parallel(len(work), 1, func(wk, lo, hi int) error {
		shards := scratch[wk]
		if shards == nil {
			shards = make([][]byte, w)
			scratch[wk] = shards
		}
		for _, run := range work[lo:hi] {
			a, b := run.c0*ShareSize, run.c1*ShareSize
			for r := range shards {
				row := e.RowBytes(r)
				if present[r*w+run.c0] {
					shards[r] = row[a:b:b]
				} else {
					shards[r] = row[a:a:b]
				}
			}
			if err := enc.Reconstruct(shards); err != nil {
				return fmt.Errorf("erasure: decoding columns [%d, %d): %w", run.c0, run.c1, err)
			}
		}
		return nil
	})
	if err != nil {
		return false, err
	}
	for _, run := range runs {
		for c := run.c0; c < run.c1; c++ {
			cw.cols[c] = known[c] == k
		}
		for r := 0; r < w; r++ {
			for c := run.c0; c < run.c1; c++ {
				present[r*w+c] = true
			}
		}
	}
	return true, nil
}

// decodeRows decodes every incomplete row with at least k known shares.
func (e *ExtendedSquare) decodeRows(present []bool, cw *codewords) (bool, error) {
	w, k := e.width, e.k
	var rows []int
	for r := 0; r < w; r++ {
		n := 0
		for _, p := range present[r*w : (r+1)*w] {
			if p {
				n++
			}
		}
		if n < w && n >= k {
			rows = append(rows, r)
			cw.rows[r] = n == k
		}
	}
	if len(rows) == 0 {
		return false, nil
	}
	enc, err := encoderFor(k)
	if err != nil {
		return false, err
	}
	scratch := make([][][]byte, workers())
	err = parallel(len(rows), batchFor(len(rows)), func(wk, lo, hi int) error {
		shards := scratch[wk]
		if shards == nil {
			shards = make([][]byte, w)
			scratch[wk] = shards
		}
		for _, r := range rows[lo:hi] {
			row := e.RowBytes(r)
			for c := range shards {
				a, b := c*ShareSize, (c+1)*ShareSize
				if present[r*w+c] {
					shards[c] = row[a:b:b]
				} else {
					shards[c] = row[a:a:b]
				}
			}
			if err := enc.Reconstruct(shards); err != nil {
				return fmt.Errorf("erasure: decoding row %d: %w", r, err)
			}
			for c := 0; c < w; c++ {
				present[r*w+c] = true
			}
		}
		return nil
	})
	return err == nil, err
}

// isCodeword reports whether the complete square is a valid extended
// square: Q1 is the row parity of Q0 (every top row is a codeword), and the
// bottom half is the column parity of the top half (every column is a
// codeword), which makes every row and column a codeword. Axes that known
// marks as codewords are not re-encoded; known may be nil.
func (e *ExtendedSquare) isCodeword(known *codewords) (bool, error) {
	if known == nil {
		known = newCodewords(e.width)
	}
	enc, err := encoderFor(e.k)
	if err != nil {
		return false, err
	}
	w, k := e.width, e.k
	type scratch struct {
		shards [][]byte
		parity []byte
	}
	const runCols = columnRun
	scr := make([]scratch, workers())
	get := func(wk int) *scratch {
		s := &scr[wk]
		if s.shards == nil {
			s.shards = make([][]byte, w)
			s.parity = make([]byte, k*min(runCols, w)*ShareSize)
		}
		return s
	}
	mismatch := errNotCodeword
	// Rows of the top half.
	var rows []int
	for r := 0; r < k; r++ {
		if !known.rows[r] {
			rows = append(rows, r)
		}
	}
	err = parallel(len(rows), batchFor(len(rows)), func(wk, lo, hi int) error {
		s := get(wk)
		for _, r := range rows[lo:hi] {
			row := e.RowBytes(r)
			for c := 0; c < k; c++ {
				s.shards[c] = row[c*ShareSize : (c+1)*ShareSize : (c+1)*ShareSize]
				s.shards[k+c] = s.parity[c*ShareSize : (c+1)*ShareSize : (c+1)*ShareSize]
			}
			if err := enc.Encode(s.shards); err != nil {
				return fmt.Errorf("erasure: encoding row %d: %w", r, err)
			}
			if !bytes.Equal(s.parity[:k*ShareSize], row[k*ShareSize:]) {
				return mismatch
			}
		}
		return nil
	})
	if errors.Is(err, mismatch) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	// Columns not known to be codewords, in runs of at most runCols.
	var runs []colRun
	for c := 0; c < w; c++ {
		if known.cols[c] {
			continue
		}
		if n := len(runs); n > 0 && runs[n-1].c1 == c && c-runs[n-1].c0 < runCols {
			runs[n-1].c1++
			continue
		}
		runs = append(runs, colRun{c, c + 1})
	}
	err = parallel(len(runs), batchFor(len(runs)), func(wk, lo, hi int) error {
		s := get(wk)
		for _, run := range runs[lo:hi] {
			c0, c1 := run.c0, run.c1
			a, b := c0*ShareSize, c1*ShareSize
			n := b - a
			for r := 0; r < k; r++ {
				s.shards[r] = e.RowBytes(r)[a:b:b]
				s.shards[k+r] = s.parity[r*n : (r+1)*n : (r+1)*n]
			}
			if err := enc.Encode(s.shards); err != nil {
				return fmt.Errorf("erasure: encoding columns [%d, %d): %w", c0, c1, err)
			}
			for r := 0; r < k; r++ {
				if !bytes.Equal(s.shards[k+r], e.RowBytes(k + r)[a:b]) {
					return mismatch
				}
			}
		}
		return nil
	})
	if errors.Is(err, mismatch) {
		return false, nil
	}
	return err == nil, err
}
