package lightnode

import (
	"context"
	"errors"
	"fmt"

	"github.com/quadrant-da/quadrant/da"
	"github.com/quadrant-da/quadrant/p2p"
)

// bisectHead verifies a polled head h that does not follow from the local
// head by itself (handleHead returned errUnlinked: the validator set
// changed too much in between) by bisection (da.Bisect): headers in
// between are fetched from full-node peers, at most
// da.DefaultMaxBisectFetches per head, within the trusting period. A head
// so verified raises the sync target (and, with SkipVerification, becomes
// the network head, sampled first); the range up to it is still synced
// header by header. Only the sync loop calls it (never gossip validation),
// for a head above the current target, so a peer cannot make the node
// bisect more than once per poll. Expired trust stops sync (syncErr), as
// syncRange does. Other failures are logged and wrap p2p.ErrIgnore: a
// pivot served by one peer may be what failed, so the head's sender is not
// blamed.
func (n *Node) bisectHead(ctx context.Context, h *da.LightHeader) error {
	n.mu.Lock()
	local, target := n.local, n.targetHeight
	n.mu.Unlock()
	height := uint64(h.Height())
	if height <= target {
		return p2p.ErrIgnore // verified up to there already
	}
	trace, err := da.Bisect(ctx, local, h, peerHeaders{n}, da.Bisection{TrustingPeriod: n.cfg.Trusting()}, n.now())
	if errors.Is(err, da.ErrTrustExpired) {
		n.mu.Lock()
		if n.syncErr == nil {
			n.syncErr = fmt.Errorf("%w: %w", errTrustExpired, err)
		}
		n.mu.Unlock()
		n.log.Error(err.Error())
		return fmt.Errorf("%w: %w", p2p.ErrIgnore, err)
	}
	if err != nil {
		n.log.Warn("lightnode: head could not be verified by bisection", "height", height, "local_head", local.Height(), "err", err)
		return fmt.Errorf("%w: %w", p2p.ErrIgnore, err)
	}
	n.log.Info("lightnode: head verified by bisection across a validator-set change",
		"height", height, "local_head", local.Height(), "headers_verified", len(trace))
	if !n.cfg.SkipVerification {
		n.raiseTarget(height)
		return nil
	}
	return n.acceptSkipped(ctx, h)
}

// peerHeaders is the da.HeaderSource of bisection: it asks full-node peers
// in turn for the light header at a height, and returns the first that is
// of this chain and height and valid on its own (its own set signed it; a
// peer serving an invalid one is scored down). Whether it follows from the
// trusted header is da.Bisect's to check.
type peerHeaders struct{ n *Node }

func (s peerHeaders) LightHeader(ctx context.Context, height uint64) (*da.LightHeader, error) {
	n := s.n
	var lastErr error = errors.New("no full-node peers")
	for _, p := range n.fullPeers() {
		rctx, cancel := context.WithTimeout(ctx, n.cfg.RequestTimeout)
		h, err := n.fetchHeader(rctx, p, height)
		cancel()
		if err != nil {
			lastErr = err
			continue
		}
		if h.Height() != int64(height) {
			err = fmt.Errorf("lightnode: asked for height %d, got %d", height, h.Height())
		} else {
			err = h.Validate(n.cfg.ChainID)
		}
		if err != nil {
			n.host.Scores.Penalize(p, p2p.PenaltyInvalid)
			n.metrics.invalidHeaders.Inc()
			lastErr = err
			continue
		}
		return h, nil
	}
	return nil, fmt.Errorf("lightnode: header %d for bisection: %w", height, lastErr)
}
