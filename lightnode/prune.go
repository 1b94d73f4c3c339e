package lightnode

import (
	"context"
	"time"
)

// headerRetentionMargin is how long past the sampling window a header is
// kept before pruning, so that a header the scheduler still sees inside
// the window is never gone (as a full node keeps the window plus an hour).
const headerRetentionMargin = time.Hour

// pruneBatch bounds the headers deleted in one batch.
const pruneBatch = 1024

// runPrune deletes, at start and every PruneEvery, the headers that left
// the sampling window (pruneHeaders). Without a window every header is to
// be sampled, and none is pruned.
func (n *Node) runPrune(ctx context.Context) error {
	if n.cfg.Sampling.Window <= 0 {
		return nil
	}
	t := time.NewTicker(n.cfg.PruneEvery)
	defer t.Stop()
	for {
		n.pruneHeaders(ctx)
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}

// pruneHeaders deletes the headers older than the sampling window plus
// headerRetentionMargin, lowest first, that no part of the node needs any
// more: below the local head (the next header is verified against it) and
// at or below the sampled chain head (every such height has its verdict,
// so the scheduler never asks for the header again). Fraud proofs for
// pruned heights are then judged as below the anchor (dataRoot).
func (n *Node) pruneHeaders(ctx context.Context) {
	n.mu.Lock()
	below := min(uint64(n.local.Height()), n.sched.Stats().SampledChainHead+1)
	n.mu.Unlock()
	cutoff := n.now().Add(-n.cfg.Sampling.Window - headerRetentionMargin)
	total := 0
	for ctx.Err() == nil {
		mark, removed, err := n.store.pruneHeaders(ctx, below, cutoff, pruneBatch)
		if err != nil {
			if ctx.Err() == nil {
				n.log.Warn("lightnode: pruning headers failed", "err", err)
			}
			return
		}
		if removed == 0 {
			break
		}
		total += removed
		n.mu.Lock()
		n.pruned = max(n.pruned, mark)
		n.mu.Unlock()
		if removed < pruneBatch {
			break
		}
	}
	if total > 0 {
		n.log.Info("lightnode: pruned headers outside the sampling window", "removed", total, "kept_from", n.prunedBelow())
	}
}

// prunedBelow returns the height below which every header was pruned (0:
// none was).
func (n *Node) prunedBelow() uint64 {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.pruned
}
