package fullnode

import (
	"context"
	"fmt"
	"iter"

	"github.com/quadrant-da/quadrant/da"
	"github.com/quadrant-da/quadrant/erasure"
	"github.com/quadrant-da/quadrant/p2p"
)

// serving is what the node's p2p server reads through: the store, minus
// every height a valid fraud proof condemned (answered NOT_FOUND, so no
// peer ever receives data the node knows to be badly encoded), minus the
// square data of the heights Config.Fault.Withhold names (fault injection:
// answered NOT_FOUND with the error the store gives for a height it does
// not hold, headers still served), counting what it serves. It is the one
// place that decides what the server may serve.
type serving struct {
	store    *Store
	fraud    *fraudGuard
	withhold Withhold
	metrics  *metrics
}

var (
	_ p2p.HeaderSource = serving{}
	_ p2p.SquareSource = serving{}
)

func (s serving) refuse(height uint64) error {
	if s.fraud.isFraudulent(height) {
		return fmt.Errorf("%w: height %d is condemned by a bad-encoding fraud proof", p2p.ErrNotFound, height)
	}
	return nil
}

// refuseData is refuse for square data: also NOT_FOUND for a withheld
// height, worded as Store.height words a height it does not hold.
func (s serving) refuseData(height uint64) error {
	if err := s.refuse(height); err != nil {
		return err
	}
	if s.withhold.Has(height) {
		s.metrics.withheld.Inc()
		return fmt.Errorf("fullnode: height %d: %w", height, p2p.ErrNotFound)
	}
	return nil
}

func (s serving) Head(ctx context.Context) (*da.ExtendedHeader, error) {
	h, err := s.store.Head(ctx)
	if err != nil {
		return nil, err
	}
	if err := s.refuse(uint64(h.Height())); err != nil {
		return nil, err
	}
	return h, nil
}

func (s serving) HeaderByHeight(ctx context.Context, height uint64) (*da.ExtendedHeader, error) {
	if err := s.refuse(height); err != nil {
		return nil, err
	}
	return s.store.HeaderByHeight(ctx, height)
}

func (s serving) Samples(ctx context.Context, height uint64, coords []p2p.Coord) ([]*da.Sample, error) {
	if err := s.refuseData(height); err != nil {
		return nil, err
	}
	out, err := s.store.Samples(ctx, height, coords)
	if err == nil {
		s.metrics.servedSample.Add(float64(len(coords)))
	}
	return out, err
}

func (s serving) HalfAxis(ctx context.Context, height uint64, axis erasure.Axis, index, half int) ([][]byte, error) {
	if err := s.refuseData(height); err != nil {
		return nil, err
	}
	out, err := s.store.HalfAxis(ctx, height, axis, index, half)
	if err == nil {
		s.metrics.servedAxis.Inc()
	}
	return out, err
}

func (s serving) NamespaceRows(ctx context.Context, height uint64, ns da.Namespace) ([]p2p.NamespaceRowHead, iter.Seq2[[]byte, error], error) {
	if err := s.refuseData(height); err != nil {
		return nil, nil, err
	}
	heads, shares, err := s.store.NamespaceRows(ctx, height, ns)
	if err == nil {
		s.metrics.servedNS.Inc()
	}
	return heads, shares, err
}

func (s serving) OriginalRows(ctx context.Context, height uint64) (int, iter.Seq2[[]byte, error], error) {
	if err := s.refuseData(height); err != nil {
		return 0, nil, err
	}
	k, rows, err := s.store.OriginalRows(ctx, height)
	if err == nil {
		s.metrics.servedSquare.Inc()
	}
	return k, rows, err
}
