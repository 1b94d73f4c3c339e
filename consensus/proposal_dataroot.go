package consensus

import (
	"fmt"

	"github.com/quadrant-da/quadrant/blobs"
	"github.com/quadrant-da/quadrant/da"
	"github.com/quadrant-da/quadrant/erasure"
)

// TEMPORARY (helper D1): da.ComputeDAHeader and da.EmptyDAHeader (helper A)
// are not in the tree yet; until they are, the data root is computed here
// the straightforward way — extend, then one NMT per row and per column. It
// is the same value, only slower (every share is hashed twice).

// squareDataRoot extends the square and returns its data root. An empty
// square (no shares) has the data root of the 1×1 square of one tail-padding
// share.
func squareDataRoot(sq blobs.Square) ([]byte, error) {
	if len(sq) == 0 {
		sq = blobs.EmptySquare()
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
	w := 2 * k
	rows, cols := make([][]byte, w), make([][]byte, w)
	for i := range w {
		for _, ax := range []erasure.Axis{erasure.Row, erasure.Col} {
			leaves, err := da.AxisLeafNodes(ax, i, eds.Axis(ax, i))
			if err != nil {
				return nil, fmt.Errorf("consensus: leaf nodes of axis %d/%d: %w", ax, i, err)
			}
			root, err := da.RootFromLeafNodes(leaves)
			if err != nil {
				return nil, fmt.Errorf("consensus: root of axis %d/%d: %w", ax, i, err)
			}
			if ax == erasure.Row {
				rows[i] = root
			} else {
				cols[i] = root
			}
		}
	}
	dah, err := da.NewDAHeader(rows, cols)
	if err != nil {
		return nil, fmt.Errorf("consensus: DA header: %w", err)
	}
	return dah.Hash(), nil
}
