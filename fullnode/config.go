package fullnode

import (
	"bytes"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/BurntSushi/toml"

	"github.com/quadrant-da/quadrant/discovery"
	"github.com/quadrant-da/quadrant/p2p"
)

// ErrConfig is wrapped by every configuration error.
var ErrConfig = errors.New("fullnode: invalid config")

// ConfigFileName is the full node's configuration file inside its home. It
// is not config.toml so that a full node can share a home with a validator
// (whose config.toml belongs to the consensus node).
const ConfigFileName = "fullnode.toml"

// Mode selects how a full node ingests blocks.
type Mode string

// Ingestion modes.
const (
	// ModeBridge ingests every committed block from a consensus node's RPC.
	ModeBridge Mode = "bridge"
	// ModeP2P syncs headers and squares from other full nodes over libp2p.
	ModeP2P Mode = "p2p"
)

// Config is the operator configuration of a full node: a plain struct,
// loaded from <home>/fullnode.toml and overridden by flags.
type Config struct {
	// Mode is "bridge" or "p2p".
	Mode Mode `toml:"mode"`
	// ChainID is the chain served. Required in p2p mode; in bridge mode it
	// is read from the consensus node when empty (and checked when set).
	ChainID string `toml:"chain_id"`
	// LogLevel and LogFormat configure the command's logger.
	LogLevel  string `toml:"log_level"`
	LogFormat string `toml:"log_format"`

	// TrustFirstPeer, in p2p mode without Sync.TrustedHash, lets an empty
	// store start from the first valid header peers give for
	// Sync.TrustedHeight (trust on first use: a peer can feed the node a
	// chain of its own). Off by default; without it p2p mode requires the
	// trusted hash. Ignored when Sync.TrustedHash is set.
	TrustFirstPeer bool `toml:"trust_first_peer"`

	Bridge  BridgeConfig  `toml:"bridge"`
	Sync    SyncConfig    `toml:"sync"`
	P2P     p2p.Config    `toml:"p2p"`
	Store   StoreConfig   `toml:"store"`
	Metrics MetricsConfig `toml:"metrics"`
	// Discovery runs the chain's DHT in server mode and advertises this
	// node as a full node, and (in p2p mode) finds full nodes to sync
	// from beyond the bootstrap peers; Discovery.Enabled = false turns it
	// off. Its chain id, mode and bootstrap peers come from this config.
	Discovery discovery.Config `toml:"discovery"`

	// PruneEvery is how often heights older than Store.Retention are
	// removed.
	PruneEvery time.Duration `toml:"prune_every"`

	// Fault injects faults for tests and soaks: a node with any set is
	// dishonest on purpose. Empty (the default) in every real deployment.
	Fault FaultConfig `toml:"fault,omitempty"`
}

// FaultConfig is fault injection: what a deliberately dishonest full node
// does wrong.
type FaultConfig struct {
	// Withhold is a withhold spec (ParseWithhold): comma-separated heights
	// "H", ranges "A-B" and "%N" (every height divisible by N). For those
	// heights the node still stores, follows and gossips headers and
	// serves them, but answers every square-data request of its p2p server
	// (samples, half axes, namespace data, whole squares) exactly as a
	// node without the data: NOT_FOUND.
	Withhold string `toml:"withhold,omitempty"`
}

// BridgeConfig configures bridge mode.
type BridgeConfig struct {
	// CoreRPC is the consensus node's CometBFT RPC address
	// (http://host:port).
	CoreRPC string `toml:"core_rpc"`
	// CoreGRPC, when set (host:port), is the consensus node's CometBFT gRPC
	// address (its rpc.grpc_listen_address): blocks are then fetched from
	// its BlockService as protobuf, everything else still over CoreRPC.
	// Empty fetches everything over JSON RPC. When set, ingestion waits
	// (retrying, with a warning) until the block service answers, and halts
	// with a config alert if the server there has no block service.
	CoreGRPC string `toml:"core_grpc"`
	// PollInterval is how often the consensus node is asked for its latest
	// height. A bridge that dials CoreRPC itself also follows its
	// new-block events over the websocket and looks at once on each, so
	// the poll is only the fallback. Ingestion always catches up by height
	// from the store's head, so nothing is missed whatever the interval.
	PollInterval time.Duration `toml:"poll_interval"`
	// StartHeight is the first height ingested into an empty store; 0 means
	// the earliest block the consensus node still holds.
	StartHeight uint64 `toml:"start_height"`
	// RequestTimeout bounds one RPC call.
	RequestTimeout time.Duration `toml:"request_timeout"`
}

// SyncConfig configures p2p mode.
type SyncConfig struct {
	// TrustedHeight and TrustedHash (hex block hash) name the header an empty
	// store starts from; the hash is required unless Config.TrustFirstPeer
	// is set. With a stored chain, the hash is checked against the stored
	// header at TrustedHeight (a mismatch refuses to start), or when sync
	// reaches it (a mismatch halts); below the stored chain it cannot be
	// checked and a warning says so.
	TrustedHeight uint64 `toml:"trusted_height"`
	TrustedHash   string `toml:"trusted_hash"`
	// HeadPollInterval is how often peers are asked for their head, on top
	// of header gossip (so a missed gossip message only delays sync).
	HeadPollInterval time.Duration `toml:"head_poll_interval"`
	// Concurrency is how many squares are fetched at once.
	Concurrency int `toml:"concurrency"`
	// RequestTimeout bounds one request to a peer.
	RequestTimeout time.Duration `toml:"request_timeout"`
	// RetryAfter is the pause after a height could not be fetched.
	RetryAfter time.Duration `toml:"retry_after"`
}

// MetricsConfig configures the Prometheus endpoint.
type MetricsConfig struct {
	// ListenAddress is host:port of the /metrics endpoint; empty disables it.
	ListenAddress string `toml:"listen_address"`
}

// Default ports of a full node: libp2p
// TCP and QUIC on 2121 (p2p.DefaultConfig), metrics on 127.0.0.1:2122.
const DefaultMetricsAddress = "127.0.0.1:2122"

// DefaultConfig returns a bridge node attached to a local consensus node
// (http://127.0.0.1:26657), libp2p on 2121, metrics on 127.0.0.1:2122, the
// default store and its 30-day + 1 hour retention, pruning every 10 minutes.
func DefaultConfig() Config {
	return Config{
		Mode:      ModeBridge,
		LogLevel:  "info",
		LogFormat: "text",
		Bridge: BridgeConfig{
			CoreRPC:        "http://127.0.0.1:26657",
			PollInterval:   100 * time.Millisecond,
			RequestTimeout: 30 * time.Second,
		},
		Sync: SyncConfig{
			TrustedHeight:    1,
			HeadPollInterval: 2 * time.Second,
			Concurrency:      4,
			RequestTimeout:   30 * time.Second,
			RetryAfter:       500 * time.Millisecond,
		},
		P2P:        p2p.DefaultConfig(),
		Store:      DefaultStoreConfig(),
		Metrics:    MetricsConfig{ListenAddress: DefaultMetricsAddress},
		Discovery:  discovery.DefaultConfig(""),
		PruneEvery: 10 * time.Minute,
	}
}

// Validate checks the configuration; errors wrap ErrConfig and name the
// offending key.
func (c Config) Validate() error {
	bad := func(format string, args ...any) error {
		return fmt.Errorf("%w: "+format, append([]any{ErrConfig}, args...)...)
	}
	switch c.Mode {
	case ModeBridge:
		u, err := url.Parse(c.Bridge.CoreRPC)
		if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https" && u.Scheme != "tcp") {
			return bad("bridge.core_rpc %q: want http://host:port", c.Bridge.CoreRPC)
		}
		if g := c.Bridge.CoreGRPC; g != "" {
			host, port, err := net.SplitHostPort(g)
			if p, perr := strconv.Atoi(port); err != nil || host == "" || perr != nil || p <= 0 || p > 65535 {
				return bad("bridge.core_grpc %q: want host:port (the consensus node's rpc.grpc_listen_address without tcp://) or empty", g)
			}
		}
		if c.Bridge.PollInterval <= 0 || c.Bridge.RequestTimeout <= 0 {
			return bad("bridge.poll_interval and bridge.request_timeout must be positive")
		}
	case ModeP2P:
		if c.ChainID == "" {
			return bad("chain_id is required in p2p mode")
		}
		if c.Sync.TrustedHeight < 1 {
			return bad("sync.trusted_height must be ≥ 1")
		}
		if c.Sync.TrustedHash != "" {
			if _, err := c.TrustedHashBytes(); err != nil {
				return err
			}
		} else if !c.TrustFirstPeer {
			return bad("sync.trusted_hash is required in p2p mode: set it to the block hash (64 hex digits) at sync.trusted_height %d, "+
				"taken from a source you trust; or set trust_first_peer = true to trust the first header peers give (any peer can then feed the node a chain of its own)",
				c.Sync.TrustedHeight)
		}
		if c.Sync.HeadPollInterval <= 0 || c.Sync.RequestTimeout <= 0 || c.Sync.RetryAfter <= 0 {
			return bad("sync.head_poll_interval, sync.request_timeout and sync.retry_after must be positive")
		}
		if c.Sync.Concurrency < 1 || c.Sync.Concurrency > 64 {
			return bad("sync.concurrency %d: want 1..64", c.Sync.Concurrency)
		}
	default:
		return bad("mode %q: want %q or %q", c.Mode, ModeBridge, ModeP2P)
	}
	if strings.ContainsAny(c.ChainID, "/ \t\n") {
		return bad("chain_id %q must not contain '/' or spaces (it is part of protocol IDs)", c.ChainID)
	}
	if err := c.P2P.Validate(); err != nil {
		return fmt.Errorf("%w: %w", ErrConfig, err)
	}
	if err := c.Store.Validate(); err != nil {
		return fmt.Errorf("%w: %w", ErrConfig, err)
	}
	if a := c.Metrics.ListenAddress; a != "" {
		if _, _, err := net.SplitHostPort(a); err != nil {
			return bad("metrics.listen_address %q: want host:port", a)
		}
	}
	if c.PruneEvery <= 0 {
		return bad("prune_every must be positive")
	}
	if _, err := ParseWithhold(c.Fault.Withhold); err != nil {
		return bad("fault.withhold: %v", err)
	}
	if c.Discovery.Enabled {
		id := c.ChainID
		if id == "" {
			id = "unknown" // bridge mode: read from the consensus node at start
		}
		if _, err := c.discoveryConfig(id); err != nil {
			return fmt.Errorf("%w: %w", ErrConfig, err)
		}
	}
	return nil
}

// discoveryConfig is c.Discovery completed for a full node of chainID: the
// chain's DHT in server mode, advertised, entered through the bootstrap
// peers.
func (c Config) discoveryConfig(chainID string) (discovery.Config, error) {
	d := c.Discovery
	d.ChainID, d.Mode, d.Advertise = chainID, discovery.ModeServer, true
	bs, err := p2p.ParseBootstrap(c.P2P.Bootstrap)
	if err != nil {
		return d, err
	}
	d.Bootstrap = bs
	return d, d.Validate()
}

// TrustedHashBytes decodes Sync.TrustedHash (nil when empty).
func (c Config) TrustedHashBytes() ([]byte, error) {
	if c.Sync.TrustedHash == "" {
		return nil, nil
	}
	b, err := hex.DecodeString(c.Sync.TrustedHash)
	if err != nil || len(b) != 32 {
		return nil, fmt.Errorf("%w: sync.trusted_hash %q: want 64 hex digits (a block hash)", ErrConfig, c.Sync.TrustedHash)
	}
	return b, nil
}

// ConfigPath returns the configuration file of the full node home.
func ConfigPath(home string) string { return filepath.Join(home, ConfigFileName) }

// parseConfig decodes a TOML configuration over DefaultConfig (keys absent
// from b keep their defaults). Unknown keys are an error. The result is not
// validated.
func parseConfig(b []byte) (Config, error) {
	c := DefaultConfig()
	md, err := toml.Decode(string(b), &c)
	if err != nil {
		return Config{}, fmt.Errorf("%w: %w", ErrConfig, err)
	}
	if u := md.Undecoded(); len(u) > 0 {
		keys := make([]string, len(u))
		for i, k := range u {
			keys[i] = k.String()
		}
		return Config{}, fmt.Errorf("%w: unknown keys %s", ErrConfig, strings.Join(keys, ", "))
	}
	return c, nil
}

// LoadConfig reads <home>/fullnode.toml; it returns an error wrapping
// os.ErrNotExist when the file does not exist.
func LoadConfig(home string) (Config, error) {
	b, err := os.ReadFile(ConfigPath(home))
	if err != nil {
		return Config{}, err
	}
	c, err := parseConfig(b)
	if err != nil {
		return Config{}, fmt.Errorf("%s: %w", ConfigPath(home), err)
	}
	return c, nil
}

// SaveConfig writes c to <home>/fullnode.toml (creating home, mode 0700).
func SaveConfig(home string, c Config) error {
	var buf bytes.Buffer
	buf.WriteString("# Quadrant full node configuration (see `quadrant full --help`).\n")
	if err := toml.NewEncoder(&buf).Encode(c); err != nil {
		return fmt.Errorf("fullnode: encode config: %w", err)
	}
	if err := os.MkdirAll(home, 0o700); err != nil {
		return fmt.Errorf("fullnode: create home: %w", err)
	}
	tmp := ConfigPath(home) + ".tmp"
	if err := os.WriteFile(tmp, buf.Bytes(), 0o600); err != nil {
		return fmt.Errorf("fullnode: write config: %w", err)
	}
	if err := os.Rename(tmp, ConfigPath(home)); err != nil {
		return fmt.Errorf("fullnode: write config: %w", err)
	}
	return nil
}
