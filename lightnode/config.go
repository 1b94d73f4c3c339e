package lightnode

import (
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/BurntSushi/toml"

	"github.com/quadrant-da/quadrant/discovery"
	"github.com/quadrant-da/quadrant/p2p"
	"github.com/quadrant-da/quadrant/rpc"
	"github.com/quadrant-da/quadrant/sampling"
)

// errConfig is wrapped by every configuration error.
var errConfig = errors.New("lightnode: invalid config")

// ConfigFileName is the light node's configuration file inside its home.
const ConfigFileName = "light.toml"

// DefaultRPCAddress is where a light node serves JSON-RPC by default: not
// the rollup adapter's 26658 (celestia-node's port) nor the devnet light
// node's 26668, so a standalone light node starts beside a devnet.
const DefaultRPCAddress = "127.0.0.1:26670"

// Config is the operator configuration of a light node: a plain struct,
// loaded from <home>/light.toml and overridden by flags.
type Config struct {
	// ChainID is the chain followed (part of every protocol ID). Required.
	ChainID string `toml:"chain_id"`
	// Home is the node's data directory: p2p key, sampling seed, JWT
	// secret and the Pebble store live there.
	Home string `toml:"-"`
	// LogLevel and LogFormat configure the command's logger.
	LogLevel  string `toml:"log_level"`
	LogFormat string `toml:"log_format"`

	// TrustedHeight and TrustedHash (64 hex digits) name the header the node
	// starts from. The hash is required: a light node never trusts the
	// first header a peer gives it. A trusted height above the stored head
	// re-anchors trust there (how an operator recovers after being offline
	// longer than the trusting period).
	TrustedHeight uint64 `toml:"trusted_height"`
	TrustedHash   string `toml:"trusted_hash"`
	// UnbondingPeriod is the chain's unbonding period (its staking genesis
	// and network manifest state it): how long validators that leave stay
	// slashable. A light node cannot learn it from untrusted peers, so it
	// is configuration. Default 21 days.
	UnbondingPeriod time.Duration `toml:"unbonding_period"`
	// TrustingPeriod: when the newest verified header is older than this,
	// the node refuses to continue and asks for a new trusted hash. It must
	// be shorter than UnbondingPeriod (the validators trusted must still be
	// slashable); 0 means DefaultTrustingPeriod(UnbondingPeriod), two
	// thirds of it. Use Trusting for the effective value.
	TrustingPeriod time.Duration `toml:"trusting_period"`
	// SkipVerification lets a gossiped head far ahead of the local head be
	// verified by CometBFT's skipping rule (≥ 1/3 of the trusted voting power
	// signed it) so it is sampled first; the range up to it is still synced
	// and verified header by header.
	SkipVerification bool `toml:"skip_verification"`

	// Samples is s, the number of distinct shares sampled per header. When
	// Confidence is set (0 < c < 1) it takes precedence: s is the smallest
	// count whose exact confidence at the header's square size reaches it.
	Samples    int     `toml:"samples"`
	Confidence float64 `toml:"confidence"`
	// HeaderDeadline bounds sampling one header (retries with other peers
	// included); coordinates still missing then make it unavailable.
	HeaderDeadline time.Duration `toml:"header_deadline"`
	// RequestTimeout bounds one request to one peer.
	RequestTimeout time.Duration `toml:"request_timeout"`
	// PeersPerHeader is how many full nodes one header's samples are spread
	// over.
	PeersPerHeader int `toml:"peers_per_header"`
	// Sampling tunes the DAS scheduler (workers, catch-up ranges, window
	// — default 30 days — and retry backoff).
	Sampling sampling.Config `toml:"sampling"`

	// HeadPollInterval is how often peers are asked for their head when
	// header gossip has brought no new head for that long.
	HeadPollInterval time.Duration `toml:"head_poll_interval"`
	// PruneEvery is how often headers that left the sampling window (by
	// more than headerRetentionMargin, and already sampled or judged out of
	// window) are deleted. With no window (Sampling.Window = 0) nothing is
	// pruned.
	PruneEvery time.Duration `toml:"prune_every"`

	P2P p2p.Config `toml:"p2p"`
	// Discovery finds full nodes beyond the bootstrap peers through the
	// chain's DHT (client mode); Discovery.Enabled = false turns it off.
	// Its chain id, mode and bootstrap peers come from this config.
	Discovery discovery.Config `toml:"discovery"`
	// RPC is the JSON-RPC server (its MetricsAddr serves Prometheus).
	// An empty RPC.ListenAddr disables it.
	RPC rpc.Config `toml:"rpc"`
}

// defaultUnbondingPeriod is the unbonding period assumed when none is
// configured: 21 days, chain.DefaultUnbondingSeconds.
const defaultUnbondingPeriod = 21 * 24 * time.Hour

// DefaultTrustingPeriod returns the trusting period derived from an
// unbonding period: two thirds of it, as CometBFT's light client advises
// and manifest.Join computes.
func DefaultTrustingPeriod(unbonding time.Duration) time.Duration { return unbonding / 3 * 2 }

// Trusting returns the effective trusting period: TrustingPeriod, or when
// it is 0, DefaultTrustingPeriod(UnbondingPeriod).
func (c Config) Trusting() time.Duration {
	if c.TrustingPeriod > 0 {
		return c.TrustingPeriod
	}
	return DefaultTrustingPeriod(c.UnbondingPeriod)
}

// DefaultConfig returns a light node sampling 16 shares per header within
// a 30-day window with celestia-node's worker shape, a 21-day unbonding
// period and so a 14-day trusting period, libp2p on an ephemeral port
// (dialling out only: no relay or AutoNAT service, no relay reservations)
// and JSON-RPC on DefaultRPCAddress.
func DefaultConfig() Config {
	pc := p2p.DefaultConfig()
	pc.ListenAddrs = []string{"/ip4/0.0.0.0/tcp/0", "/ip4/0.0.0.0/udp/0/quic-v1"}
	// A light node only dials out: nobody needs to reach it, so it neither
	// reserves relay slots nor serves relays or AutoNAT probes; it keeps
	// hole punching to reach full nodes at home behind a relay.
	pc.NATService, pc.RelayService, pc.AutoRelay = false, false, false
	rc := rpc.DefaultConfig()
	rc.ListenAddr = DefaultRPCAddress
	return Config{
		LogLevel:         "info",
		LogFormat:        "text",
		UnbondingPeriod:  defaultUnbondingPeriod,
		SkipVerification: true,
		Samples:          16,
		HeaderDeadline:   30 * time.Second,
		RequestTimeout:   10 * time.Second,
		PeersPerHeader:   3,
		Sampling:         sampling.DefaultConfig(),
		HeadPollInterval: 2 * time.Second,
		PruneEvery:       10 * time.Minute,
		P2P:              pc,
		Discovery:        discovery.DefaultConfig(""),
		RPC:              rc,
	}
}

// Validate checks the configuration; errors wrap errConfig and name the
// offending key.
func (c Config) Validate() error {
	bad := func(format string, args ...any) error {
		return fmt.Errorf("%w: "+format, append([]any{errConfig}, args...)...)
	}
	if c.ChainID == "" || strings.ContainsAny(c.ChainID, "/ \t\n") {
		return bad("chain_id %q: required, without '/' or spaces", c.ChainID)
	}
	if c.Home == "" {
		return bad("home directory is required")
	}
	if c.TrustedHeight < 1 {
		return bad("trusted_height must be ≥ 1")
	}
	if _, err := c.TrustedHashBytes(); err != nil {
		return err
	}
	if c.UnbondingPeriod <= 0 {
		return bad("unbonding_period %s: must be positive (the chain's unbonding period, from its genesis or network manifest)", c.UnbondingPeriod)
	}
	if c.TrustingPeriod < 0 {
		return bad("trusting_period %s: must be positive (or 0 for two thirds of unbonding_period)", c.TrustingPeriod)
	}
	if tp := c.Trusting(); tp <= 0 || tp >= c.UnbondingPeriod {
		return bad("trusting_period %s is not shorter than the unbonding period %s: validators trusted that long ago may have unbonded "+
			"and could sign a fork without being slashed; use a trusting period below the unbonding period (default two thirds of it, %s)",
			tp, c.UnbondingPeriod, DefaultTrustingPeriod(c.UnbondingPeriod))
	}
	if c.Confidence != 0 && (c.Confidence <= 0 || c.Confidence >= 1) {
		return bad("confidence %v: want 0 < c < 1 (or 0 to use samples)", c.Confidence)
	}
	if c.Confidence == 0 && c.Samples < 1 {
		return bad("samples %d: want ≥ 1", c.Samples)
	}
	if c.HeaderDeadline <= 0 || c.RequestTimeout <= 0 || c.HeadPollInterval <= 0 || c.PruneEvery <= 0 {
		return bad("header_deadline, request_timeout, head_poll_interval and prune_every must be positive")
	}
	if c.PeersPerHeader < 1 || c.PeersPerHeader > 64 {
		return bad("peers_per_header %d: want 1..64", c.PeersPerHeader)
	}
	if err := c.Sampling.Validate(); err != nil {
		return fmt.Errorf("%w: sampling: %w", errConfig, err)
	}
	if err := c.P2P.Validate(); err != nil {
		return fmt.Errorf("%w: %w", errConfig, err)
	}
	if c.Discovery.Enabled {
		if _, err := c.discoveryConfig(); err != nil {
			return fmt.Errorf("%w: %w", errConfig, err)
		}
	}
	if c.RPC.ListenAddr != "" {
		if _, _, err := net.SplitHostPort(c.RPC.ListenAddr); err != nil {
			return bad("rpc.listen_addr %q: want host:port", c.RPC.ListenAddr)
		}
		if err := c.RPC.Validate(); err != nil {
			return fmt.Errorf("%w: %w", errConfig, err)
		}
	}
	return nil
}

// TrustedHashBytes decodes TrustedHash.
func (c Config) TrustedHashBytes() ([]byte, error) {
	b, err := hex.DecodeString(c.TrustedHash)
	if err != nil || len(b) != 32 {
		return nil, fmt.Errorf("%w: trusted_hash %q: want 64 hex digits (the block hash of the trusted height)", errConfig, c.TrustedHash)
	}
	return b, nil
}

// SamplesFor returns s for a square of original width k.
func (c Config) SamplesFor(k int) (int, error) {
	if c.Confidence > 0 {
		return sampling.SamplesForConfidence(k, c.Confidence)
	}
	return c.Samples, nil
}

// LoadConfig reads <home>/light.toml over DefaultConfig; a missing file
// gives the defaults. Unknown keys are an error.
func LoadConfig(home string) (Config, error) {
	cfg := DefaultConfig()
	cfg.Home = home
	path := filepath.Join(home, ConfigFileName)
	md, err := toml.DecodeFile(path, &cfg)
	if errors.Is(err, os.ErrNotExist) {
		return cfg, nil
	}
	if err != nil {
		return cfg, fmt.Errorf("%w: %s: %w", errConfig, path, err)
	}
	if und := md.Undecoded(); len(und) > 0 {
		return cfg, fmt.Errorf("%w: %s: unknown keys %v", errConfig, path, und)
	}
	cfg.Home = home
	return cfg, nil
}

// WriteConfig writes cfg to <cfg.Home>/light.toml (0600).
func WriteConfig(cfg Config) error {
	if err := os.MkdirAll(cfg.Home, 0o700); err != nil {
		return fmt.Errorf("lightnode: create home: %w", err)
	}
	var b strings.Builder
	if err := toml.NewEncoder(&b).Encode(cfg); err != nil {
		return fmt.Errorf("lightnode: encode config: %w", err)
	}
	return os.WriteFile(filepath.Join(cfg.Home, ConfigFileName), []byte(b.String()), 0o600)
}
