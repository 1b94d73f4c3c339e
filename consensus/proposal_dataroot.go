package consensus

import (
	"fmt"

	"github.com/quadrant-da/quadrant/blobs"
	"github.com/quadrant-da/quadrant/da"
	"github.com/quadrant-da/quadrant/erasure"
)

// squareDataRoot extends the square and returns its data root. A square
// without shares is treated as the empty block's square, whose data root is
// that of da.EmptyDAHeader.
func squareDataRoot(sq blobs.Square) ([]byte, error) {
	if len(sq) == 0 {
		return da.EmptyDAHeader().Hash(), nil
	}
	k := sq.Size()
	buf := make([]byte, 0, len(sq)*da.ShareSize)
	for i := range sq {
		buf = append(buf, sq[i][:]...)
	}
	eds, err := erasure.Extend(buf, k)
	if err != nil {
		return nil, fmt.Errorf("consensus: extending the %d×%d square: %w", k, k, err)
	}
	dah, err := da.ComputeDAHeader(eds)
	if err != nil {
		return nil, fmt.Errorf("consensus: computing the DA header of the %d×%d square: %w", k, k, err)
	}
	return dah.Hash(), nil
}
