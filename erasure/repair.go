package erasure

import (
	"bytes"
	"errors"
	"fmt"
)

// ErrUnrecoverable is returned (wrapped with counts) when too few shares
// are known to repair a square: no row or column left incomplete has k
// known shares.
var ErrUnrecoverable = errors.New("erasure: square cannot be repaired: too few shares known")

// ErrByzantineData reports a row or column that is not what its committed
// root promises: its known shares do not decode to a codeword whose root is
// the committed one, or they are not a codeword at all. It carries the
// evidence a bad-encoding fraud proof needs.
type ErrByzantineData struct {
	// Axis and Index name the faulty row or column.
	Axis  Axis
	Index int
	// Shares holds the 2k shares of the axis that were known before it was
	// decoded (copies), nil for a share that was not known. Every non-nil
	// share was either given to Repair or recovered through a perpendicular
	// axis that matched its root.
	Shares [][]byte
}

// Error describes the faulty axis.
func (e *ErrByzantineData) Error() string {
	known := 0
	for _, s := range e.Shares {
		if s != nil {
			known++
		}
	}
	return fmt.Sprintf("erasure: byzantine %s %d: its %d known of %d shares are not a codeword matching the committed root",
		e.Axis, e.Index, known, len(e.Shares))
}

// Repair completes eds in place from the shares it already holds and checks
// the result against the committed roots. present[r·2k+c] reports whether
// share (r, c) of eds is known; shares not known may hold anything. rowRoots
// and colRoots are the 2k committed row and column roots, compared with
// bytes.Equal to what r computes.
//
// Repair decodes every row and column with at least k known shares until no
// more progress is possible, then checks that every row and column is a
// codeword (re-encoding the square) and matches its committed root; a
// complete square is checked the same way. On success eds is complete and
// every entry of present is true.
//
// If an axis does not check, Repair returns *ErrByzantineData for the first
// faulty axis found by an rsmt2d-style pass (complete axes first, then
// decoded axes in order); eds and present then hold the square as repaired
// up to that point, which is what a fraud proof is built from. If the square
// cannot be completed it returns an error wrapping ErrUnrecoverable, with
// eds and present holding the partial repair.
func Repair(eds *ExtendedSquare, present []bool, rowRoots, colRoots [][]byte, r Rooter) error {
	w := eds.width
	if len(present) != w*w {
		return fmt.Errorf("%w: presence map of %d entries for a %dx%d square, want %d", ErrSquareSize, len(present), w, w, w*w)
	}
	if len(rowRoots) != w || len(colRoots) != w {
		return fmt.Errorf("erasure: %d row roots and %d column roots for a %dx%d square, want %d of each",
			len(rowRoots), len(colRoots), w, w, w)
	}
	given := append([]bool(nil), present...)
	known := newCodewords(w)
	complete, err := eds.decodeAll(present, known)
	if err != nil {
		return err
	}
	if complete {
		ok, err := eds.isCodeword(known)
		if err != nil {
			return err
		}
		if ok {
			rows, cols, err := Roots(eds, r)
			if err == nil && rootsEqual(rows, rowRoots) && rootsEqual(cols, colRoots) {
				return nil
			}
		}
	}
	// Something does not check (or the square cannot be completed): redo
	// the repair one axis at a time from what was given, checking each axis
	// as it completes, to find the faulty axis and its evidence.
	copy(present, given)
	c := checker{eds: eds, present: present, rowRoots: rowRoots, colRoots: colRoots, r: r}
	return c.run()
}

func rootsEqual(a, b [][]byte) bool {
	for i := range a {
		if !bytes.Equal(a[i], b[i]) {
			return false
		}
	}
	return true
}

// checker is the careful repair: it verifies every axis against its root
// and its encoding as soon as it is complete, in a fixed order, so the first
// faulty axis and the shares known before it are reported.
type checker struct {
	eds                *ExtendedSquare
	present            []bool
	rowRoots, colRoots [][]byte
	r                  Rooter
}

func (c *checker) known(a Axis, i, j int) bool {
	if a == Row {
		return c.present[i*c.eds.width+j]
	}
	return c.present[j*c.eds.width+i]
}

func (c *checker) setKnown(a Axis, i, j int) {
	if a == Row {
		c.present[i*c.eds.width+j] = true
	} else {
		c.present[j*c.eds.width+i] = true
	}
}

// snapshot returns copies of the known shares of axis (a, i), nil for
// unknown ones, and how many are known.
func (c *checker) snapshot(a Axis, i int) ([][]byte, int) {
	out := make([][]byte, c.eds.width)
	n := 0
	for j := range out {
		if c.known(a, i, j) {
			out[j] = append([]byte(nil), c.eds.AxisShare(a, i, j)...)
			n++
		}
	}
	return out, n
}

func (c *checker) root(a Axis, i int) []byte {
	if a == Row {
		return c.rowRoots[i]
	}
	return c.colRoots[i]
}

// check reports whether the complete axis shares is a codeword whose root is
// the committed root of (a, i).
func (c *checker) check(a Axis, i int, shares [][]byte) bool {
	cw, err := DecodeAxis(shares)
	if err != nil || !consistent(shares, cw) {
		return false
	}
	root, err := AxisRoot(c.r, a, i, shares)
	return err == nil && bytes.Equal(root, c.root(a, i))
}

func (c *checker) run() error {
	w := c.eds.width
	axes := [2]Axis{Row, Col}
	// Axes complete from the start must check.
	for _, a := range axes {
		for i := 0; i < w; i++ {
			shares, n := c.snapshot(a, i)
			if n == w && !c.check(a, i, shares) {
				return &ErrByzantineData{Axis: a, Index: i, Shares: shares}
			}
		}
	}
	for {
		solved, progress := true, false
		for i := 0; i < w; i++ {
			for _, a := range axes {
				done, moved, err := c.solve(a, i)
				if err != nil {
					return err
				}
				solved = solved && done
				progress = progress || moved
			}
		}
		if solved {
			return nil
		}
		if !progress {
			n := 0
			for _, p := range c.present {
				if p {
					n++
				}
			}
			return fmt.Errorf("%w: %d of %d shares known after repair, and no incomplete row or column has %d",
				ErrUnrecoverable, n, w*w, c.eds.k)
		}
	}
}

// solve decodes axis (a, i) if it is incomplete with at least k known
// shares, checks it, writes it into the square, and checks every
// perpendicular axis it completes. It reports whether the axis is complete
// and whether it made progress.
func (c *checker) solve(a Axis, i int) (done, moved bool, err error) {
	w := c.eds.width
	before, n := c.snapshot(a, i)
	if n == w {
		return true, false, nil
	}
	if n < c.eds.k {
		return false, false, nil
	}
	cw, err := DecodeAxis(before)
	if err != nil || !consistent(before, cw) {
		return false, false, &ErrByzantineData{Axis: a, Index: i, Shares: before}
	}
	root, err := AxisRoot(c.r, a, i, cw)
	if err != nil || !bytes.Equal(root, c.root(a, i)) {
		return false, false, &ErrByzantineData{Axis: a, Index: i, Shares: before}
	}
	for j := range cw {
		if before[j] == nil {
			copy(c.eds.AxisShare(a, i, j), cw[j])
			c.setKnown(a, i, j)
		}
	}
	p := a.Perpendicular()
	for j := range cw {
		if before[j] != nil {
			continue
		}
		shares, m := c.snapshot(p, j)
		if m == w && !c.check(p, j, shares) {
			return false, false, &ErrByzantineData{Axis: p, Index: j, Shares: shares}
		}
	}
	return true, true, nil
}
