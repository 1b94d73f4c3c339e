package p2p

import (
	"context"
	"fmt"
	"slices"
	"sync"

	"github.com/libp2p/go-libp2p"
	"github.com/libp2p/go-libp2p/core/host"
	"github.com/libp2p/go-libp2p/core/peer"
	"github.com/libp2p/go-libp2p/p2p/host/autorelay"
	"github.com/libp2p/go-libp2p/p2p/protocol/circuitv2/proto"
	ma "github.com/multiformats/go-multiaddr"
	manet "github.com/multiformats/go-multiaddr/net"
)

// Values of Config.Reachability.
const (
	// reachabilityAuto lets AutoNAT find out whether the node is reachable.
	reachabilityAuto = "auto"
	// reachabilityPublic declares the node publicly reachable.
	reachabilityPublic = "public"
	// reachabilityPrivate declares the node behind NAT or a firewall.
	reachabilityPrivate = "private"
)

// validateNAT checks the NAT traversal keys of the [p2p] section.
func (c Config) validateNAT() error {
	if _, err := parseAnnounce(c.AnnounceAddrs); err != nil {
		return err
	}
	switch c.Reachability {
	case "", reachabilityAuto, reachabilityPublic, reachabilityPrivate:
	default:
		return fmt.Errorf("p2p: config: reachability %q: want %q, %q or %q",
			c.Reachability, reachabilityAuto, reachabilityPublic, reachabilityPrivate)
	}
	if c.RelayService && c.Reachability == reachabilityPrivate {
		return fmt.Errorf("p2p: config: relay_service with reachability %q: libp2p serves as a relay only while the node is public; turn one of them off", c.Reachability)
	}
	if c.AutoRelay && c.Reachability == reachabilityPublic {
		return fmt.Errorf("p2p: config: auto_relay with reachability %q: a public node never reserves relay slots; turn one of them off", c.Reachability)
	}
	return nil
}

// parseAnnounce parses announce_addrs: multiaddrs others can dial, so no
// unspecified IP (0.0.0.0, ::) and no /p2p/<id> (the host adds its own).
func parseAnnounce(addrs []string) ([]ma.Multiaddr, error) {
	out := make([]ma.Multiaddr, 0, len(addrs))
	for _, a := range addrs {
		m, err := ma.NewMultiaddr(a)
		if err != nil {
			return nil, fmt.Errorf("p2p: config: announce_addrs %q: %w", a, err)
		}
		if manet.IsIPUnspecified(m) {
			return nil, fmt.Errorf("p2p: config: announce_addrs %q is an unspecified address: announce the address others dial, e.g. /ip4/203.0.113.7/tcp/2121", a)
		}
		if _, err := m.ValueForProtocol(ma.P_P2P); err == nil {
			return nil, fmt.Errorf("p2p: config: announce_addrs %q carries /p2p/: give the address without a peer id, the node adds its own", a)
		}
		out = append(out, m)
	}
	return out, nil
}

// natOptions returns the libp2p options for cfg's NAT traversal keys, and
// the relay candidate source AutoRelay reads (nil when auto_relay is off),
// which needs the host once it exists (relaySource.setHost).
func natOptions(cfg Config, bootstrap []peer.AddrInfo) ([]libp2p.Option, *relaySource) {
	var opts []libp2p.Option
	announce, _ := parseAnnounce(cfg.AnnounceAddrs) // checked by Validate
	if len(announce) > 0 || cfg.NoAnnouncePrivate {
		opts = append(opts, libp2p.AddrsFactory(announceFilter(announce, cfg.NoAnnouncePrivate)))
	}
	if cfg.NATService {
		opts = append(opts, libp2p.EnableNATService(), libp2p.EnableAutoNATv2())
	}
	if cfg.RelayService {
		opts = append(opts, libp2p.EnableRelayService())
	}
	var src *relaySource
	if cfg.AutoRelay {
		src = &relaySource{bootstrap: bootstrap}
		// One candidate is enough: a home node knows few full nodes, and
		// libp2p's default of four would hold it unreachable for the
		// three-minute boot delay.
		opts = append(opts, libp2p.EnableAutoRelayWithPeerSource(src.candidates, autorelay.WithMinCandidates(1)))
	}
	if cfg.HolePunching {
		opts = append(opts, libp2p.EnableHolePunching())
	}
	if cfg.PortMap {
		opts = append(opts, libp2p.NATPortMap())
	}
	switch cfg.Reachability {
	case reachabilityPublic:
		opts = append(opts, libp2p.ForceReachabilityPublic())
	case reachabilityPrivate:
		opts = append(opts, libp2p.ForceReachabilityPrivate())
	}
	return opts, src
}

// announceFilter is the host's address factory: announce (when set)
// replaces the listen addresses, relay addresses are kept, and noPrivate
// drops every address that is not publicly routable.
func announceFilter(announce []ma.Multiaddr, noPrivate bool) func([]ma.Multiaddr) []ma.Multiaddr {
	return func(addrs []ma.Multiaddr) []ma.Multiaddr {
		var out []ma.Multiaddr
		if len(announce) > 0 {
			out = append(out, announce...)
			for _, a := range addrs {
				if isCircuit(a) {
					out = append(out, a)
				}
			}
		} else {
			out = append(out, addrs...)
		}
		if noPrivate {
			out = slices.DeleteFunc(out, func(a ma.Multiaddr) bool { return !manet.IsPublicAddr(a) })
		}
		return out
	}
}

// isCircuit reports whether a is a relay address (has /p2p-circuit).
func isCircuit(a ma.Multiaddr) bool {
	_, err := a.ValueForProtocol(ma.P_CIRCUIT)
	return err == nil
}

// relaySource hands AutoRelay its relay candidates: the bootstrap peers,
// then connected peers whose identify says they serve the circuit-v2 hop
// protocol (full nodes found through the DHT). AutoRelay itself checks
// each candidate and reserves a slot on those that accept.
type relaySource struct {
	bootstrap []peer.AddrInfo

	mu sync.Mutex
	h  host.Host
}

// setHost gives the source the host whose connected peers it offers; nil
// receiver (auto_relay off) does nothing.
func (s *relaySource) setHost(h host.Host) {
	if s == nil {
		return
	}
	s.mu.Lock()
	s.h = h
	s.mu.Unlock()
}

// candidates implements autorelay.PeerSource: at most num peers, sent at
// once on a closed channel.
func (s *relaySource) candidates(_ context.Context, num int) <-chan peer.AddrInfo {
	s.mu.Lock()
	h := s.h
	s.mu.Unlock()
	out := make(chan peer.AddrInfo, max(num, 0))
	defer close(out)
	seen := make(map[peer.ID]bool)
	add := func(ai peer.AddrInfo) {
		if len(out) == cap(out) || seen[ai.ID] || (h != nil && ai.ID == h.ID()) {
			return
		}
		seen[ai.ID] = true
		out <- ai
	}
	for _, b := range s.bootstrap {
		add(b)
	}
	if h == nil {
		return out
	}
	for _, p := range h.Network().Peers() {
		if ok, _ := h.Peerstore().SupportsProtocols(p, proto.ProtoIDv2Hop); len(ok) > 0 {
			add(peer.AddrInfo{ID: p, Addrs: h.Peerstore().Addrs(p)})
		}
	}
	return out
}
