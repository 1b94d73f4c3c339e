package p2p

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/libp2p/go-libp2p"
	"github.com/libp2p/go-libp2p/core/crypto"
	"github.com/libp2p/go-libp2p/core/host"
	"github.com/libp2p/go-libp2p/core/metrics"
	"github.com/libp2p/go-libp2p/core/peer"
	"github.com/libp2p/go-libp2p/p2p/net/connmgr"
	quic "github.com/libp2p/go-libp2p/p2p/transport/quic"
	"github.com/libp2p/go-libp2p/p2p/transport/tcp"
	ma "github.com/multiformats/go-multiaddr"
	"github.com/prometheus/client_golang/prometheus"
)

// IdentityFile is the name of the node's libp2p key file in its home.
const IdentityFile = "p2p_key"

// Config is the operator configuration of the libp2p host.
type Config struct {
	// ListenAddrs are multiaddrs to listen on (TCP and QUIC).
	ListenAddrs []string `toml:"listen_addrs"`
	// Bootstrap are full multiaddrs (with /p2p/<id>) of peers to keep
	// connected to.
	Bootstrap []string `toml:"bootstrap"`
	// ConnLow and ConnHigh are the connection manager's watermarks.
	ConnLow  int `toml:"conn_low"`
	ConnHigh int `toml:"conn_high"`
	// ConnGrace protects new connections from trimming.
	ConnGrace time.Duration `toml:"conn_grace"`
	// ReconnectEvery is how often lost bootstrap peers are redialled.
	ReconnectEvery time.Duration `toml:"reconnect_every"`
	// Score tunes peer scoring.
	Score ScoreConfig `toml:"score"`

	// AnnounceAddrs, when set, are the multiaddrs (without /p2p/<id>) the
	// node advertises to peers (identify, DHT records) instead of its
	// listen addresses: the public address of a node behind port
	// forwarding. Relay (/p2p-circuit) addresses are still added while the
	// node holds relay reservations. Empty by default: the node announces
	// what it listens on.
	AnnounceAddrs []string `toml:"announce_addrs"`
	// NoAnnouncePrivate drops private, loopback and link-local addresses
	// from what the node advertises, so peers on the internet are not
	// handed addresses they cannot reach. Off by default because devnets
	// and tests run on 127.0.0.1 and 10.x addresses.
	NoAnnouncePrivate bool `toml:"no_announce_private"`
	// NATService answers other nodes' AutoNAT probes (v1 and v2) by
	// dialling them back, and runs the AutoNAT v2 client, which drops
	// public addresses that probes find unreachable from what the node
	// advertises. On by default (full nodes are the peers home nodes ask);
	// the light node's default turns it off. libp2p rate-limits the
	// dial-backs and never dials private addresses for them.
	NATService bool `toml:"nat_service"`
	// RelayService serves circuit-v2 relay reservations with go-libp2p's
	// default resource limits (128 reservations of an hour, 16 circuits,
	// each relayed connection limited to 2 minutes and 128 KiB), started
	// only while AutoNAT finds the node publicly reachable. On by default:
	// a public full node then lets home full nodes behind NAT be reached,
	// and the limits keep the cost to a hole-punch handshake.
	RelayService bool `toml:"relay_service"`
	// AutoRelay reserves slots on relays (bootstrap peers first, then
	// connected peers that serve the relay protocol) while AutoNAT finds
	// the node private or has not decided yet, and advertises the
	// /p2p-circuit addresses through them. On by default for full nodes
	// (does nothing on a reachable node); off for light nodes, which only
	// dial out.
	AutoRelay bool `toml:"auto_relay"`
	// HolePunching turns a relayed connection into a direct one with
	// DCUtR (both sides dial each other at once through their NATs). On by
	// default for both node types: it is what makes a relayed home full
	// node usable, and a light node takes part in it when it dials one.
	HolePunching bool `toml:"hole_punching"`
	// PortMap asks the home router for a port mapping by UPnP or NAT-PMP.
	// Off by default: it multicasts discovery on the local network, which
	// some networks forbid; turn it on at home when the router supports it.
	PortMap bool `toml:"port_map"`
	// Reachability overrides AutoNAT: "auto" (or empty; default) lets
	// AutoNAT decide, "public" declares the node reachable (it serves as a
	// relay at once), "private" declares it behind NAT (it reserves relay
	// slots at once).
	Reachability string `toml:"reachability"`
}

// DefaultConfig listens on all interfaces, TCP and QUIC on port 2121, with
// the NAT traversal a full node wants (AutoNAT service, relay service when
// public, relay reservations when private, hole punching; no UPnP).
func DefaultConfig() Config {
	return Config{
		ListenAddrs:    []string{"/ip4/0.0.0.0/tcp/2121", "/ip4/0.0.0.0/udp/2121/quic-v1"},
		ConnLow:        50,
		ConnHigh:       200,
		ConnGrace:      time.Minute,
		ReconnectEvery: 30 * time.Second,
		Score:          defaultScoreConfig(),
		NATService:     true,
		RelayService:   true,
		AutoRelay:      true,
		HolePunching:   true,
		Reachability:   reachabilityAuto,
	}
}

// Validate checks the configuration.
func (c Config) Validate() error {
	if len(c.ListenAddrs) == 0 {
		return errors.New("p2p: config: no listen_addrs")
	}
	for _, a := range c.ListenAddrs {
		if _, err := ma.NewMultiaddr(a); err != nil {
			return fmt.Errorf("p2p: config: listen address %q: %w", a, err)
		}
	}
	if _, err := ParseBootstrap(c.Bootstrap); err != nil {
		return err
	}
	if c.ConnLow <= 0 || c.ConnHigh < c.ConnLow {
		return fmt.Errorf("p2p: config: conn_low %d conn_high %d, want 0 < low ≤ high", c.ConnLow, c.ConnHigh)
	}
	if c.ReconnectEvery <= 0 || c.Score.BlockFor <= 0 || c.Score.BlockThreshold >= 0 {
		return errors.New("p2p: config: reconnect_every and score.block_for must be positive, score.block_threshold negative")
	}
	return c.validateNAT()
}

// ParseBootstrap parses full peer multiaddrs (with /p2p/<id>).
func ParseBootstrap(addrs []string) ([]peer.AddrInfo, error) {
	var out []peer.AddrInfo
	for _, a := range addrs {
		m, err := ma.NewMultiaddr(a)
		if err != nil {
			return nil, fmt.Errorf("p2p: bootstrap address %q: %w", a, err)
		}
		ai, err := peer.AddrInfoFromP2pAddr(m)
		if err != nil {
			return nil, fmt.Errorf("p2p: bootstrap address %q needs /p2p/<peer id>: %w", a, err)
		}
		out = append(out, *ai)
	}
	return out, nil
}

// LoadOrCreateIdentity reads the ed25519 libp2p key at path, or creates it
// (mode 0600, parent directory 0700) if the file does not exist. An
// existing file readable by others is refused.
func LoadOrCreateIdentity(path string) (crypto.PrivKey, error) {
	b, err := os.ReadFile(path)
	if err == nil {
		st, err := os.Stat(path)
		if err != nil {
			return nil, fmt.Errorf("p2p: identity %s: %w", path, err)
		}
		if st.Mode().Perm()&0o077 != 0 {
			return nil, fmt.Errorf("p2p: identity %s has mode %v, want 0600 (chmod 600 it)", path, st.Mode().Perm())
		}
		k, err := crypto.UnmarshalPrivateKey(b)
		if err != nil {
			return nil, fmt.Errorf("p2p: identity %s: %w", path, err)
		}
		return k, nil
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("p2p: identity %s: %w", path, err)
	}
	k, _, err := crypto.GenerateEd25519Key(rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("p2p: generate identity: %w", err)
	}
	b, err = crypto.MarshalPrivateKey(k)
	if err != nil {
		return nil, fmt.Errorf("p2p: encode identity: %w", err)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("p2p: identity dir: %w", err)
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, b, 0o600); err != nil {
		return nil, fmt.Errorf("p2p: write identity: %w", err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return nil, fmt.Errorf("p2p: write identity: %w", err)
	}
	return k, nil
}

// Host is Quadrant's libp2p host: TCP and QUIC transports, a persistent
// identity, a connection manager, peer scoring wired in as the connection
// gater, and a loop that keeps the bootstrap peers connected.
type Host struct {
	host.Host
	// Scores is the host's peer scorer, shared by its servers and clients.
	Scores *Scorer

	cfg       Config
	bootstrap []peer.AddrInfo
	log       *slog.Logger
	bw        *bandwidthCollector

	mu     sync.Mutex
	cancel context.CancelFunc
	done   chan struct{}
}

// HostOptions are the injected parts of a Host.
type HostOptions struct {
	// Home is the node's home directory, holding IdentityFile (created on
	// first use).
	Home string
	// Log receives the host's messages; nil discards.
	Log *slog.Logger
	// Now is the scorer's clock; nil is time.Now.
	Now func() time.Time
	// Registry, when set, receives quadrant_<MetricsSubsystem>_p2p_bytes_total
	// (stream bytes by protocol and direction).
	Registry prometheus.Registerer
	// MetricsSubsystem names the node type in the metric ("light", "full").
	MetricsSubsystem string
	// ChainID makes the chain's own protocol IDs (requests, DHT) known
	// labels of the bandwidth counter; without it they count as "other".
	ChainID string
}

// NewHost starts listening with the identity stored in homeDir/IdentityFile
// (created on first use). now is the scorer's clock; a nil log discards. It
// registers no metrics; NewHostWith does.
func NewHost(cfg Config, homeDir string, log *slog.Logger, now func() time.Time) (*Host, error) {
	return NewHostWith(cfg, HostOptions{Home: homeDir, Log: log, Now: now})
}

// NewHostWith starts listening as NewHost, and counts the bytes of every
// stream by protocol with go-libp2p's bandwidth reporter, exported through
// opts.Registry when set.
func NewHostWith(cfg Config, opts HostOptions) (*Host, error) {
	log, now := opts.Log, opts.Now
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if now == nil {
		now = time.Now
	}
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	key, err := LoadOrCreateIdentity(filepath.Join(opts.Home, IdentityFile))
	if err != nil {
		return nil, err
	}
	bs, _ := ParseBootstrap(cfg.Bootstrap)
	cm, err := connmgr.NewConnManager(cfg.ConnLow, cfg.ConnHigh, connmgr.WithGracePeriod(cfg.ConnGrace))
	if err != nil {
		return nil, fmt.Errorf("p2p: connection manager: %w", err)
	}
	scores := newScorer(cfg.Score, now)
	bwc := metrics.NewBandwidthCounter()
	bw := newBandwidthCollector(bwc, opts.ChainID, opts.MetricsSubsystem)
	if opts.Registry != nil {
		if err := opts.Registry.Register(bw); err != nil {
			return nil, fmt.Errorf("p2p: register bandwidth metric: %w", err)
		}
	}
	natOpts, relays := natOptions(cfg, bs)
	h, err := libp2p.New(append([]libp2p.Option{
		libp2p.Identity(key),
		libp2p.ListenAddrStrings(cfg.ListenAddrs...),
		libp2p.Transport(tcp.NewTCPTransport),
		libp2p.Transport(quic.NewTransport),
		libp2p.ConnectionManager(cm),
		libp2p.ConnectionGater(scores),
		libp2p.BandwidthReporter(bwc),
	}, natOpts...)...)
	if err != nil {
		return nil, fmt.Errorf("p2p: start host: %w", err)
	}
	relays.setHost(h)
	scores.onBlock(func(p peer.ID) {
		log.Warn("p2p: peer blocked for misbehaving", "peer", p, "for", cfg.Score.BlockFor)
		_ = h.Network().ClosePeer(p)
	})
	for _, b := range bs {
		cm.Protect(b.ID, "bootstrap")
	}
	return &Host{Host: h, Scores: scores, cfg: cfg, bootstrap: bs, log: log, bw: bw}, nil
}

// FullAddrs returns the host's full multiaddrs (with /p2p/<id>), for printing
// and for other nodes' bootstrap lists.
func (h *Host) FullAddrs() []string {
	var out []string
	for _, a := range h.Addrs() {
		out = append(out, a.String()+"/p2p/"+h.ID().String())
	}
	return out
}

// Start connects to the bootstrap peers and keeps reconnecting to lost
// ones every ReconnectEvery until Stop. It returns at once.
func (h *Host) Start(ctx context.Context) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.cancel != nil {
		return
	}
	ctx, h.cancel = context.WithCancel(ctx)
	h.done = make(chan struct{})
	go func() {
		defer close(h.done)
		t := time.NewTicker(h.cfg.ReconnectEvery)
		defer t.Stop()
		for {
			h.connectBootstrap(ctx)
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
		}
	}()
}

func (h *Host) connectBootstrap(ctx context.Context) {
	for _, b := range h.bootstrap {
		if b.ID == h.ID() || len(h.Network().ConnsToPeer(b.ID)) > 0 {
			continue
		}
		cctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		if err := h.Connect(cctx, b); err != nil && ctx.Err() == nil {
			h.log.Debug("p2p: bootstrap peer unreachable", "peer", b.ID, "err", err)
		}
		cancel()
	}
}

// Close stops the reconnect loop and closes the host.
func (h *Host) Close() error {
	h.mu.Lock()
	cancel, done := h.cancel, h.done
	h.mu.Unlock()
	if cancel != nil {
		cancel()
		<-done
	}
	return h.Host.Close()
}
