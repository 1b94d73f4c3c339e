package discovery

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/libp2p/go-libp2p/core/peer"
	"github.com/libp2p/go-libp2p/core/protocol"
)

// Mode is the DHT role of a node.
type Mode int

const (
	// ModeServer answers DHT queries and stores provider records: full
	// nodes, which are publicly reachable.
	ModeServer Mode = iota + 1
	// ModeClient only queries: light nodes, often behind NAT at home.
	ModeClient
)

// String names the mode as it appears in configuration.
func (m Mode) String() string {
	switch m {
	case ModeServer:
		return "server"
	case ModeClient:
		return "client"
	}
	return fmt.Sprintf("Mode(%d)", int(m))
}

// Config is the configuration of a Discovery. The node sets ChainID, Mode,
// Advertise and Bootstrap (from its own configuration or the network
// manifest); the rest are operator tunables with TOML keys, meant to sit
// in a [discovery] table of the node's TOML file.
type Config struct {
	// Enabled runs discovery in the node; off, the node keeps only its
	// bootstrap peers (and whoever dials it).
	Enabled bool `toml:"enabled"`
	// ChainID scopes the DHT protocol and the rendezvous.
	ChainID string `toml:"-"`
	// Mode is the DHT role: ModeServer for full nodes, ModeClient for
	// light nodes.
	Mode Mode `toml:"-"`
	// Advertise makes the node announce itself under the full-node
	// rendezvous; set for full nodes that serve samples.
	Advertise bool `toml:"-"`
	// Bootstrap are the DHT entry points (from the network manifest).
	Bootstrap []peer.AddrInfo `toml:"-"`
	// TargetPeers is how many full-node peers to keep (default 8).
	TargetPeers int `toml:"target_peers"`
	// FindEvery is the longest pause between lookups while the set is
	// below target (pauses start at RetryEvery and double); a disconnect
	// or Penalise triggers a lookup at once.
	FindEvery time.Duration `toml:"find_every"`
	// AdvertiseEvery is how often the provider record is renewed (the
	// DHT keeps records 48 h; renew well before).
	AdvertiseEvery time.Duration `toml:"advertise_every"`
	// RetryEvery is the pause after a failed advertisement or lookup
	// (typically: the routing table is still empty at start).
	RetryEvery time.Duration `toml:"retry_every"`
	// PenaltyFor is how long a penalised peer is not re-admitted.
	PenaltyFor time.Duration `toml:"penalty_for"`
	// DialTimeout bounds each dial to a candidate peer.
	DialTimeout time.Duration `toml:"dial_timeout"`
	// RefreshEvery is the DHT routing-table refresh period.
	RefreshEvery time.Duration `toml:"refresh_every"`
}

// DefaultConfig is a light-node configuration for chainID: client mode,
// eight full-node peers. Full nodes set Mode = ModeServer and Advertise.
func DefaultConfig(chainID string) Config {
	return Config{
		Enabled:        true,
		ChainID:        chainID,
		Mode:           ModeClient,
		TargetPeers:    8,
		FindEvery:      time.Minute,
		AdvertiseEvery: time.Hour,
		RetryEvery:     5 * time.Second,
		PenaltyFor:     10 * time.Minute,
		DialTimeout:    10 * time.Second,
		RefreshEvery:   10 * time.Minute,
	}
}

// Validate reports the first invalid field.
func (c Config) Validate() error {
	if c.ChainID == "" || strings.ContainsAny(c.ChainID, "/ \t\n") {
		return fmt.Errorf("discovery: chain id %q: want a non-empty id without '/' or spaces", c.ChainID)
	}
	if c.Mode != ModeServer && c.Mode != ModeClient {
		return fmt.Errorf("discovery: mode %v: want server or client", c.Mode)
	}
	if c.Advertise && c.Mode != ModeServer {
		return errors.New("discovery: only a DHT server (full node) may advertise")
	}
	if c.TargetPeers < 1 {
		return fmt.Errorf("discovery: target peers %d: want ≥ 1", c.TargetPeers)
	}
	for name, d := range map[string]time.Duration{
		"find interval": c.FindEvery, "advertise interval": c.AdvertiseEvery,
		"retry interval": c.RetryEvery, "penalty": c.PenaltyFor,
		"dial timeout": c.DialTimeout, "refresh interval": c.RefreshEvery,
	} {
		if d <= 0 {
			return fmt.Errorf("discovery: %s %v: want > 0", name, d)
		}
	}
	for _, b := range c.Bootstrap {
		if b.ID == "" || len(b.Addrs) == 0 {
			return fmt.Errorf("discovery: bootstrap peer %v: want an id and at least one address", b)
		}
	}
	return nil
}

// protocolPrefix is the chain's private DHT protocol prefix.
func protocolPrefix(chainID string) protocol.ID {
	return protocol.ID("/quadrant/" + chainID)
}

// rendezvous is the name full nodes advertise under.
func rendezvous(chainID string) string {
	return "/quadrant/" + chainID + "/full"
}
