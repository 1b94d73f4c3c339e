package headertest

import (
	"fmt"

	"github.com/quadrant-da/quadrant/da"
	"github.com/quadrant-da/quadrant/erasure"
)

// Square returns an original k×k square (k² shares, row after row) whose
// namespaces increase every 3 shares, so that namespaces span rows; every
// share has share version 0 with the sequence-start bit set, and its data
// is derived from the share's index and seed. The same k and seed give the
// same square.
func Square(k int, seed byte) []byte {
	out := make([]byte, 0, k*k*da.ShareSize)
	for i := 0; i < k*k; i++ {
		ns, err := da.NewNamespaceV0([]byte{seed, byte(i / 3 >> 8), byte(i / 3)})
		if err != nil {
			panic(fmt.Sprintf("headertest: Square: %v", err)) // a 3-byte id always fits
		}
		var s da.Share
		copy(s[:], ns[:])
		s[da.NamespaceSize] = 1 // share version 0, sequence start
		for j := da.NamespaceSize + 1; j < da.ShareSize; j++ {
			s[j] = byte(i*7 + j + int(seed))
		}
		out = append(out, s[:]...)
	}
	return out
}

// ExtendedSquare returns the extension of Square(k, seed); k must be a
// power of two (anything else is a programmer error and panics). The
// caller owns the result and may change it, e.g. to build a badly
// extended square before calling NextSquare.
func ExtendedSquare(k int, seed byte) *erasure.ExtendedSquare {
	eds, err := erasure.Extend(Square(k, seed), k)
	if err != nil {
		panic(fmt.Sprintf("headertest: ExtendedSquare(%d): %v", k, err))
	}
	return eds
}

// NextSquare appends and returns the header of the next height committing
// to eds as it is now: its DA header is computed here, over whatever shares
// eds holds.
func (c *Chain) NextSquare(eds *erasure.ExtendedSquare) (*da.ExtendedHeader, error) {
	dah, err := da.ComputeDAHeader(eds)
	if err != nil {
		return nil, fmt.Errorf("headertest: height %d: %w", len(c.headers)+1, err)
	}
	return c.Next(dah)
}
