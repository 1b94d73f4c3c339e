package fullnode

import (
	"context"
	"fmt"

	"github.com/quadrant-da/quadrant/discovery"
	"github.com/quadrant-da/quadrant/p2p"
)

// startDiscovery runs peer discovery on the node's host (unless
// disabled): the node advertises itself under the chain's full-node
// rendezvous so light nodes and other full nodes find it, and the full
// nodes it finds are connected, so a p2p-mode node syncs from them beside
// its bootstrap peers. A peer penalised for invalid data, or blocked, is
// reported to discovery, which replaces it; Close stops it.
func (n *Node) startDiscovery(ctx context.Context, u *undo) error {
	if !n.cfg.Discovery.Enabled {
		return nil
	}
	cfg, err := n.cfg.discoveryConfig(n.chainID)
	if err != nil {
		return fmt.Errorf("%w: %w", ErrConfig, err)
	}
	d, err := discovery.New(n.host, cfg, n.log.With("component", "discovery"))
	if err != nil {
		return fmt.Errorf("fullnode: %w", err)
	}
	if err := d.Start(ctx); err != nil {
		_ = d.Close()
		return fmt.Errorf("fullnode: %w", err)
	}
	stop := n.host.Scores.Watch(func(e p2p.PenaltyEvent) {
		if e.Blocked || e.Points >= p2p.PenaltyInvalid {
			d.Penalise(e.Peer)
		}
	})
	n.disc = d
	u.push(func() { stop(); _ = d.Close() })
	n.stopDisc = func() error { stop(); return d.Close() }
	return nil
}

// runDiscoveryGauge keeps the discovered-peers gauge current.
func (n *Node) runDiscoveryGauge(ctx context.Context) error {
	for {
		ch := n.disc.Changed()
		n.metrics.discoveredPeers.Set(float64(len(n.disc.Peers())))
		select {
		case <-ctx.Done():
			return nil
		case <-ch:
		}
	}
}

// DiscoveredPeers returns the full-node peers found by discovery (nil
// when it is disabled or before Start).
func (n *Node) DiscoveredPeers() []string {
	if n.disc == nil {
		return nil
	}
	var out []string
	for _, p := range n.disc.Peers() {
		out = append(out, p.String())
	}
	return out
}
