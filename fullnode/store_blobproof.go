package fullnode

import (
	"context"
	"fmt"

	"github.com/quadrant-da/quadrant/blobs"
	"github.com/quadrant-da/quadrant/da"
	"github.com/quadrant-da/quadrant/erasure"
	"github.com/quadrant-da/quadrant/p2p"
)

// The Store is a blobs.RowReader: blob inclusion proofs are built from the
// stored row trees (blobs.ProveStoredBlob) instead of the whole square.
var _ blobs.RowReader = (*Store)(nil)

// AppendRowShares implements blobs.RowReader: shares [from, to) of row r
// of a complete height, one read per chunk.
func (s *Store) AppendRowShares(ctx context.Context, dst []byte, height uint64, r, from, to int) ([]byte, error) {
	c, err := s.height(ctx, height)
	if err != nil {
		return nil, err
	}
	w := c.hdr.DAH.SquareWidth()
	if r < 0 || r >= w || from < 0 || from > to || to > w {
		return nil, fmt.Errorf("%w: row %d shares [%d, %d) of a %d-wide square", p2p.ErrInvalidRequest, r, from, to, w)
	}
	return s.appendShares(ctx, dst, height, w, r, from, to)
}

// AppendRowNodes implements blobs.RowReader: the nodes of row r's stored
// tree record at positions idx (da.InnerNodeIndex), in one read.
func (s *Store) AppendRowNodes(ctx context.Context, dst []byte, height uint64, r int, idx []int) ([]byte, error) {
	c, err := s.height(ctx, height)
	if err != nil {
		return nil, err
	}
	w := c.hdr.DAH.SquareWidth()
	if r < 0 || r >= w {
		return nil, fmt.Errorf("%w: row %d of a %d-wide square", p2p.ErrInvalidRequest, r, w)
	}
	err = s.view(keyTree(height, erasure.Row, r), func(b []byte) error {
		if len(b) != (w-1)*da.NodeSize {
			return fmt.Errorf("tree record of %d bytes, want %d", len(b), (w-1)*da.NodeSize)
		}
		for _, i := range idx {
			if i < 0 || i >= w-1 {
				return fmt.Errorf("%w: node %d of a %d-node record", p2p.ErrInvalidRequest, i, w-1)
			}
			dst = append(dst, b[i*da.NodeSize:(i+1)*da.NodeSize]...)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("fullnode: read row tree %d of height %d: %w", r, height, err)
	}
	return dst, nil
}
