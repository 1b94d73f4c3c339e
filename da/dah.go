package da

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
)

// DA header limits.
const (
	// MinSquareWidth is the smallest extended square width (k = 1).
	MinSquareWidth = 2
	// MaxSquareWidth is the largest extended square width a DA header may
	// describe (k = 256).
	MaxSquareWidth = 512
	// MaxDAHeaderSize is the largest encoded DA header.
	MaxDAHeaderSize = daHeaderPrefix + 2*MaxSquareWidth*NodeSize
)

// daHeaderPrefix is the size of the width field of an encoded DA header.
const daHeaderPrefix = 2

// ErrDAHeader is wrapped by every DA header validation or decoding failure.
var ErrDAHeader = errors.New("da: invalid DA header")

// DAHeader is the data availability header of a block: the NMT roots of the
// 2k rows and 2k columns of the extended square, as 90-byte nodes. Its Hash
// is the block's data root.
//
// A DAHeader built by NewDAHeader or UnmarshalDAHeader is valid; callers
// must not mutate its roots.
type DAHeader struct {
	RowRoots    [][]byte `json:"row_roots"`
	ColumnRoots [][]byte `json:"column_roots"`
}

// NewDAHeader returns the DA header with the given roots after checking them
// (see Validate). The slices are retained, not copied.
func NewDAHeader(rowRoots, colRoots [][]byte) (*DAHeader, error) {
	h := &DAHeader{RowRoots: rowRoots, ColumnRoots: colRoots}
	if err := h.Validate(); err != nil {
		return nil, err
	}
	return h, nil
}

// Validate checks that h has as many row roots as column roots, that their
// number is a power of two in [MinSquareWidth, MaxSquareWidth], and that
// every root is a NodeSize-byte NMT node whose min namespace is ≤ its max.
func (h *DAHeader) Validate() error {
	if h == nil {
		return fmt.Errorf("%w: nil", ErrDAHeader)
	}
	w := len(h.RowRoots)
	if w != len(h.ColumnRoots) {
		return fmt.Errorf("%w: %d row roots but %d column roots, want equal counts", ErrDAHeader, w, len(h.ColumnRoots))
	}
	if w < MinSquareWidth || w > MaxSquareWidth || w&(w-1) != 0 {
		return fmt.Errorf("%w: square width %d, want a power of two in [%d, %d]", ErrDAHeader, w, MinSquareWidth, MaxSquareWidth)
	}
	if err := validateRoots("row", h.RowRoots); err != nil {
		return err
	}
	return validateRoots("column", h.ColumnRoots)
}

func validateRoots(kind string, roots [][]byte) error {
	for i, r := range roots {
		if len(r) != NodeSize {
			return fmt.Errorf("%w: %s root %d is %d bytes, want %d", ErrDAHeader, kind, i, len(r), NodeSize)
		}
		if bytes.Compare(r[:NamespaceSize], r[NamespaceSize:2*NamespaceSize]) > 0 {
			return fmt.Errorf("%w: %s root %d has min namespace %x > max namespace %x",
				ErrDAHeader, kind, i, r[:NamespaceSize], r[NamespaceSize:2*NamespaceSize])
		}
	}
	return nil
}

// SquareWidth returns the width 2k of the extended square.
func (h *DAHeader) SquareWidth() int { return len(h.RowRoots) }

// axisRoots returns the row roots followed by the column roots: the leaves
// of the data root.
func (h *DAHeader) axisRoots() [][]byte {
	all := make([][]byte, 0, len(h.RowRoots)+len(h.ColumnRoots))
	all = append(all, h.RowRoots...)
	return append(all, h.ColumnRoots...)
}

// Hash returns the data root: the RFC-6962 Merkle root over the row roots
// followed by the column roots (as Celestia's DataAvailabilityHeader.Hash).
func (h *DAHeader) Hash() []byte {
	return MerkleRoot(h.axisRoots())
}

// Equal reports whether h and o carry the same roots.
func (h *DAHeader) Equal(o *DAHeader) bool {
	if h == nil || o == nil {
		return h == o
	}
	return rootsEqual(h.RowRoots, o.RowRoots) && rootsEqual(h.ColumnRoots, o.ColumnRoots)
}

func rootsEqual(a, b [][]byte) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if !bytes.Equal(a[i], b[i]) {
			return false
		}
	}
	return true
}

// Marshal returns the canonical encoding of a valid header: the width 2k as
// a big-endian uint16, then the 2k row roots, then the 2k column roots, each
// NodeSize bytes. It returns an error if h is not valid.
func (h *DAHeader) Marshal() ([]byte, error) {
	if err := h.Validate(); err != nil {
		return nil, err
	}
	w := h.SquareWidth()
	out := make([]byte, daHeaderPrefix, daHeaderPrefix+2*w*NodeSize)
	binary.BigEndian.PutUint16(out, uint16(w))
	for _, r := range h.RowRoots {
		out = append(out, r...)
	}
	for _, r := range h.ColumnRoots {
		out = append(out, r...)
	}
	return out, nil
}

// UnmarshalDAHeader decodes and validates a header encoded by Marshal. Any
// other input, including trailing bytes, is rejected. The roots are copied
// out of b into one buffer.
func UnmarshalDAHeader(b []byte) (*DAHeader, error) {
	if len(b) < daHeaderPrefix {
		return nil, fmt.Errorf("%w: %d bytes, want at least %d", ErrDAHeader, len(b), daHeaderPrefix)
	}
	if len(b) > MaxDAHeaderSize {
		return nil, fmt.Errorf("%w: %d bytes, over the limit of %d", ErrDAHeader, len(b), MaxDAHeaderSize)
	}
	w := int(binary.BigEndian.Uint16(b))
	if w < MinSquareWidth || w > MaxSquareWidth || w&(w-1) != 0 {
		return nil, fmt.Errorf("%w: square width %d, want a power of two in [%d, %d]", ErrDAHeader, w, MinSquareWidth, MaxSquareWidth)
	}
	if want := daHeaderPrefix + 2*w*NodeSize; len(b) != want {
		return nil, fmt.Errorf("%w: %d bytes for width %d, want %d", ErrDAHeader, len(b), w, want)
	}
	buf := append([]byte(nil), b[daHeaderPrefix:]...)
	h := &DAHeader{RowRoots: make([][]byte, w), ColumnRoots: make([][]byte, w)}
	for i := 0; i < w; i++ {
		h.RowRoots[i] = buf[i*NodeSize : (i+1)*NodeSize : (i+1)*NodeSize]
		j := w + i
		h.ColumnRoots[i] = buf[j*NodeSize : (j+1)*NodeSize : (j+1)*NodeSize]
	}
	if err := h.Validate(); err != nil {
		return nil, err
	}
	return h, nil
}
