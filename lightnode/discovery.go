package lightnode

import (
	"context"
	"fmt"

	"github.com/quadrant-da/quadrant/discovery"
	"github.com/quadrant-da/quadrant/p2p"
)

// discoveryConfig is cfg.Discovery completed for a light node: the
// chain's DHT in client mode, entered through the bootstrap peers.
func (c Config) discoveryConfig() (discovery.Config, error) {
	d := c.Discovery
	d.ChainID, d.Mode, d.Advertise = c.ChainID, discovery.ModeClient, false
	bs, err := p2p.ParseBootstrap(c.P2P.Bootstrap)
	if err != nil {
		return d, err
	}
	d.Bootstrap = bs
	return d, d.Validate()
}

// startDiscovery runs peer discovery on the node's host (unless disabled):
// discovered full nodes are connected, so fullPeers samples from them
// beside the bootstrap peers, and a peer penalised for invalid data or
// blocked is reported to discovery, which replaces it.
func (n *Node) startDiscovery(ctx context.Context) error {
	if !n.cfg.Discovery.Enabled {
		return nil
	}
	dcfg, err := n.cfg.discoveryConfig()
	if err != nil {
		return fmt.Errorf("%w: discovery: %w", errConfig, err)
	}
	d, err := discovery.New(n.host, dcfg, n.log.With("component", "discovery"))
	if err != nil {
		return fmt.Errorf("lightnode: %w", err)
	}
	if err := d.Start(ctx); err != nil {
		_ = d.Close()
		return fmt.Errorf("lightnode: %w", err)
	}
	n.mu.Lock()
	n.disc = d
	n.mu.Unlock()
	n.stopWatch = n.host.Scores.Watch(func(e p2p.PenaltyEvent) {
		if e.Blocked || e.Points >= p2p.PenaltyInvalid {
			d.Penalise(e.Peer)
		}
	})
	return nil
}

// runDiscoveryGauge keeps the discovered-peers gauge current.
func (n *Node) runDiscoveryGauge(ctx context.Context) error {
	n.mu.Lock()
	d := n.disc
	n.mu.Unlock()
	if d == nil {
		return nil
	}
	for {
		ch := d.Changed()
		n.metrics.discoveredPeers.Set(float64(len(d.Peers())))
		select {
		case <-ctx.Done():
			return nil
		case <-ch:
		}
	}
}

// closeDiscovery stops discovery before the host closes.
func (n *Node) closeDiscovery() error {
	if n.stopWatch != nil {
		n.stopWatch()
		n.stopWatch = nil
	}
	n.mu.Lock()
	d := n.disc
	n.disc = nil
	n.mu.Unlock()
	if d == nil {
		return nil
	}
	return d.Close()
}

// DiscoveredPeers returns the full-node peers found by discovery (nil
// when it is disabled or before Start).
func (n *Node) DiscoveredPeers() []string {
	n.mu.Lock()
	d := n.disc
	n.mu.Unlock()
	if d == nil {
		return nil
	}
	var out []string
	for _, p := range d.Peers() {
		out = append(out, p.String())
	}
	return out
}
