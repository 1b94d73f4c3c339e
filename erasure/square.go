package erasure

import (
	"errors"
	"fmt"
)

// ShareSize is the size of every share the codec works on.
const ShareSize = 512

// MaxK is the largest original square width the codec supports. The
// encoder works up to k = 32768; the limit keeps the square (here 512 MiB)
// within what a node can hold in memory.
const MaxK = 512

// Axis names the rows or the columns of a square.
type Axis uint8

// The two axes of a square.
const (
	Row Axis = iota
	Col
)

// String returns "row" or "col".
func (a Axis) String() string {
	switch a {
	case Row:
		return "row"
	case Col:
		return "col"
	default:
		return fmt.Sprintf("axis(%d)", uint8(a))
	}
}

// Valid reports whether a is Row or Col.
func (a Axis) Valid() bool { return a == Row || a == Col }

// Perpendicular returns the other axis.
func (a Axis) Perpendicular() Axis {
	if a == Row {
		return Col
	}
	return Row
}

// ErrSquareSize is wrapped by errors about a square's width or buffer size.
var ErrSquareSize = errors.New("erasure: invalid square size")

// ExtendedSquare is a 2k×2k extended square held in one contiguous
// row-major buffer of (2k)²·ShareSize bytes: share (r, c) starts at byte
// (r·2k + c)·ShareSize. Q0 (rows and columns < k) is the original square,
// Q1 (rows < k, columns ≥ k) and Q2 (rows ≥ k, columns < k) its row and
// column parity, and Q3 the parity of the parity.
//
// Accessors return views that alias the buffer: writing through them changes
// the square. An ExtendedSquare may be read concurrently; writes must not
// race with other use.
type ExtendedSquare struct {
	k     int
	width int
	data  []byte
}

// ValidateK returns an error unless k is a power of two in [1, MaxK].
func ValidateK(k int) error {
	if k < 1 || k > MaxK || k&(k-1) != 0 {
		return fmt.Errorf("%w: original width %d, want a power of two in [1, %d]", ErrSquareSize, k, MaxK)
	}
	return nil
}

// NewExtendedSquare returns a zeroed extended square of original width k,
// to be filled through Share or Import-style copies and then repaired.
func NewExtendedSquare(k int) (*ExtendedSquare, error) {
	if err := ValidateK(k); err != nil {
		return nil, err
	}
	w := 2 * k
	return &ExtendedSquare{k: k, width: w, data: make([]byte, w*w*ShareSize)}, nil
}

// Import wraps data, a complete extended square of original width k in
// row-major order ((2k)²·ShareSize bytes), without copying it: the square
// takes ownership of data. Import does not check the encoding; use Repair
// (with every share present) to check a square received from elsewhere.
func Import(data []byte, k int) (*ExtendedSquare, error) {
	if err := ValidateK(k); err != nil {
		return nil, err
	}
	w := 2 * k
	if len(data) != w*w*ShareSize {
		return nil, fmt.Errorf("%w: %d bytes for a %dx%d extended square, want %d",
			ErrSquareSize, len(data), w, w, w*w*ShareSize)
	}
	return &ExtendedSquare{k: k, width: w, data: data}, nil
}

// FromShares builds a partially known extended square from shares, the
// (2k)² shares of the square in row-major order with nil for a missing
// share. It returns the square (missing shares zeroed) and the presence map
// Repair expects. The shares are copied.
func FromShares(shares [][]byte) (*ExtendedSquare, []bool, error) {
	n := len(shares)
	w := 2
	for w*w < n {
		w *= 2
	}
	if w*w != n {
		return nil, nil, fmt.Errorf("%w: %d shares, want (2k)² for a power of two k", ErrSquareSize, n)
	}
	eds, err := NewExtendedSquare(w / 2)
	if err != nil {
		return nil, nil, err
	}
	present := make([]bool, n)
	for i, s := range shares {
		if s == nil {
			continue
		}
		if len(s) != ShareSize {
			return nil, nil, fmt.Errorf("%w: share %d (row %d, col %d) is %d bytes, want %d",
				ErrSquareSize, i, i/w, i%w, len(s), ShareSize)
		}
		copy(eds.data[i*ShareSize:], s)
		present[i] = true
	}
	return eds, present, nil
}

// K returns the width k of the original square.
func (e *ExtendedSquare) K() int { return e.k }

// Width returns the width 2k of the extended square.
func (e *ExtendedSquare) Width() int { return e.width }

// Bytes returns the whole square, row-major. It aliases the square.
func (e *ExtendedSquare) Bytes() []byte { return e.data }

// Share returns share (row, col); it aliases the square (capacity limited to
// the share). It panics if row or col is outside [0, Width()), like a slice
// index.
func (e *ExtendedSquare) Share(row, col int) []byte {
	if uint(row) >= uint(e.width) || uint(col) >= uint(e.width) {
		panic(fmt.Sprintf("erasure: share (%d, %d) outside a %dx%d square", row, col, e.width, e.width))
	}
	off := (row*e.width + col) * ShareSize
	return e.data[off : off+ShareSize : off+ShareSize]
}

// RowBytes returns row i as one contiguous slice of Width()·ShareSize
// bytes aliasing the square.
func (e *ExtendedSquare) RowBytes(i int) []byte {
	n := e.width * ShareSize
	return e.data[i*n : (i+1)*n : (i+1)*n]
}

// Row returns the shares of row i; each aliases the square.
func (e *ExtendedSquare) Row(i int) [][]byte {
	out := make([][]byte, e.width)
	for c := range out {
		out[c] = e.Share(i, c)
	}
	return out
}

// Col returns the shares of column i; each aliases the square.
func (e *ExtendedSquare) Col(i int) [][]byte {
	out := make([][]byte, e.width)
	for r := range out {
		out[r] = e.Share(r, i)
	}
	return out
}

// Axis returns Row(i) or Col(i).
func (e *ExtendedSquare) Axis(a Axis, i int) [][]byte {
	if a == Row {
		return e.Row(i)
	}
	return e.Col(i)
}

// AxisShare returns share j of axis (a, i): (i, j) for a row, (j, i) for a
// column. It aliases the square.
func (e *ExtendedSquare) AxisShare(a Axis, i, j int) []byte {
	if a == Row {
		return e.Share(i, j)
	}
	return e.Share(j, i)
}

// Original returns a copy of the original square Q0: k·k·ShareSize bytes,
// row-major, the input Extend takes.
func (e *ExtendedSquare) Original() []byte {
	out := make([]byte, e.k*e.k*ShareSize)
	rowLen := e.k * ShareSize
	for r := 0; r < e.k; r++ {
		copy(out[r*rowLen:(r+1)*rowLen], e.RowBytes(r))
	}
	return out
}

// Flattened returns the shares of the square in row-major order, each
// aliasing the square.
func (e *ExtendedSquare) Flattened() [][]byte {
	out := make([][]byte, e.width*e.width)
	for i := range out {
		out[i] = e.data[i*ShareSize : (i+1)*ShareSize : (i+1)*ShareSize]
	}
	return out
}

// Clone returns a deep copy of the square.
func (e *ExtendedSquare) Clone() *ExtendedSquare {
	return &ExtendedSquare{k: e.k, width: e.width, data: append([]byte(nil), e.data...)}
}

// Equal reports whether e and o hold the same shares.
func (e *ExtendedSquare) Equal(o *ExtendedSquare) bool {
	if e == nil || o == nil {
		return e == o
	}
	return e.k == o.k && string(e.data) == string(o.data)
}
