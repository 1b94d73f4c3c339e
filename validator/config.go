package validator

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/BurntSushi/toml"
	cmtcfg "github.com/cometbft/cometbft/config"
	"github.com/quadrant-da/quadrant/chain"
	"github.com/quadrant-da/quadrant/consensus"
)

// Home directory layout. A node home holds:
//
//	<home>/config.toml                     Quadrant's node configuration (NodeConfig)
//	<home>/cometbft/config/genesis.json     the chain's genesis (app_state = GenesisState)
//	<home>/cometbft/config/node_key.json    p2p identity (0600)
//	<home>/cometbft/config/priv_validator_key.json  consensus key (0600)
//	<home>/cometbft/config/config.toml      CometBFT's config, regenerated from
//	                                        config.toml at every start (for reading only)
//	<home>/cometbft/data/                   CometBFT's block store, state and WAL
//	<home>/app/                             the application's datastore (AppConfig.Dir)
//	<home>/snapshots/                       state-sync snapshots the node took (SnapshotConfig.Dir)
//	<home>/keys/<name>.json                 account keys (Keyring, 0600, dir 0700)
const (
	configFileName = "config.toml"
	cometDirName   = "cometbft"
	appDirName     = "app"
)

// ConfigPath returns the path of Quadrant's config file in home.
func ConfigPath(home string) string { return filepath.Join(home, configFileName) }

// cometHome returns CometBFT's root directory inside a node home.
func cometHome(home string) string { return filepath.Join(home, cometDirName) }

// appDir returns the application's data directory inside a node home.
func appDir(home string) string { return filepath.Join(home, appDirName) }

// snapshotDir returns the directory of the node's state-sync snapshots.
func snapshotDir(home string) string { return filepath.Join(home, "snapshots") }

// GenesisPath returns the path of genesis.json inside a node home.
func GenesisPath(home string) string {
	return filepath.Join(cometHome(home), "config", "genesis.json")
}

// Defaults that multi-MiB blocks need; CometBFT's own defaults (1 MiB txs,
// 1 MiB RPC bodies, 5 MB/s p2p) would cap a k=256 square far below its size.
const (
	defaultMempoolMaxTxBytes  = chain.DefaultMaxTxBytes
	defaultMempoolMaxTxsBytes = 1 << 30
	defaultMempoolSize        = 10000
	defaultRPCMaxBodyBytes    = 96 << 20 // base64/JSON of a 64 MiB tx
	defaultP2PRate            = 100 << 20
	// loopbackP2PRate is the per-connection rate of loopback devnets, which
	// have no link to protect: at defaultP2PRate a k=256 block (≈ 30 MiB)
	// takes at least 0.3 s to reach each peer.
	loopbackP2PRate  = 1 << 30
	DefaultBlockTime = time.Second
)

// errInvalidConfig is returned by NodeConfig.Validate and LoadNodeConfig.
var errInvalidConfig = errors.New("validator: invalid node config")

// NodeConfig is Quadrant's node configuration, stored as TOML in
// <home>/config.toml. It is the single source of truth for a node: the
// CometBFT configuration is derived from it at every start (CometConfig).
type NodeConfig struct {
	// Moniker is the node's human-readable name.
	Moniker string `toml:"moniker"`
	// LogLevel is debug, info, warn or error.
	LogLevel string `toml:"log_level"`
	// LogFormat is text or json.
	LogFormat string `toml:"log_format"`

	Consensus ConsensusSection `toml:"consensus"`
	P2P       P2PSection       `toml:"p2p"`
	RPC       RPCSection       `toml:"rpc"`
	Mempool   MempoolSection   `toml:"mempool"`
	Storage   StorageSection   `toml:"storage"`
	Metrics   MetricsSection   `toml:"metrics"`
	StateSync StateSyncSection `toml:"statesync"`
}

// ConsensusSection holds the block time and the round timeouts.
type ConsensusSection struct {
	// BlockTime is CometBFT's timeout_commit: how long a node waits after a
	// commit before starting the next height. Must be equal on every node.
	BlockTime time.Duration `toml:"block_time"`
	// TimeoutPropose is how long a validator waits for a proposal before
	// prevoting nil.
	TimeoutPropose time.Duration `toml:"timeout_propose"`
	// TimeoutVote is the prevote and precommit timeout.
	TimeoutVote time.Duration `toml:"timeout_vote"`
	// GossipSleep is CometBFT's peer_gossip_sleep_duration.
	GossipSleep time.Duration `toml:"gossip_sleep"`
}

// P2PSection configures CometBFT's peer-to-peer layer.
type P2PSection struct {
	ListenAddress   string `toml:"listen_address"`
	ExternalAddress string `toml:"external_address"`
	// PersistentPeers is a comma-separated list of id@host:port.
	PersistentPeers string `toml:"persistent_peers"`
	// SendRate and RecvRate are per-connection limits in bytes per second.
	SendRate int64 `toml:"send_rate"`
	RecvRate int64 `toml:"recv_rate"`
	// AddrBookStrict rejects non-routable addresses; false for loopback devnets.
	AddrBookStrict bool `toml:"addr_book_strict"`
	// AllowDuplicateIP lets several peers share one IP (loopback devnets).
	AllowDuplicateIP bool `toml:"allow_duplicate_ip"`
	PEX              bool `toml:"pex"`
}

// RPCSection configures CometBFT's RPC server.
type RPCSection struct {
	ListenAddress string `toml:"listen_address"`
	MaxBodyBytes  int64  `toml:"max_body_bytes"`
	// PprofListenAddress, when set (say 127.0.0.1:6060), serves Go's
	// net/http/pprof profiles of the node there. Off by default.
	PprofListenAddress string `toml:"pprof_listen_address,omitempty"`
	// GRPCListenAddress, when set (tcp://host:port), serves Quadrant's
	// core API there (package coreapi): committed blocks as CometBFT
	// protobuf read straight from the block store, and binary transaction
	// submission into the mempool. A bridge full node fetches blocks from
	// it (fullnode bridge.core_grpc) and wallets submit through it,
	// instead of base64 inside JSON. Empty (the default) turns it off.
	GRPCListenAddress string `toml:"grpc_listen_address,omitempty"`
}

// MempoolSection configures CometBFT's mempool.
type MempoolSection struct {
	// Type is whose mempool holds pending transactions: "app" (the
	// default, also when empty: the application's own, CometBFT v0.40's
	// app-side mempool — CometBFT then only gossips what the application
	// hands it, and the proposer builds blocks from the application's
	// pool) or "flood" (CometBFT's). MaxTxsBytes and Size bound either. The
	// app mempool was adopted because it costs less CPU per finalized MiB
	// (BENCHMARKS.md: 0.245 vs 0.294 validator CPU-s per MiB at k=256): no
	// CometBFT-side reap and hash of the whole mempool before each
	// proposal, and no hex formatting of every duplicate a peer relays.
	Type        string `toml:"type,omitempty"`
	MaxTxBytes  int    `toml:"max_tx_bytes"`
	MaxTxsBytes int64  `toml:"max_txs_bytes"`
	Size        int    `toml:"size"`
}

// mempoolType is Type with the default applied.
func (m MempoolSection) mempoolType() consensus.MempoolType {
	if m.Type == "" {
		return consensus.MempoolApp
	}
	return consensus.MempoolType(m.Type)
}

// StorageSection configures what the node keeps.
type StorageSection struct {
	// RetainBlocks is the number of most recent blocks a node keeps; older
	// blocks are pruned. 0 keeps everything.
	RetainBlocks uint64 `toml:"retain_blocks"`
	// SnapshotInterval is how many heights apart the node takes state-sync
	// snapshots for joining nodes (0: none).
	SnapshotInterval uint64 `toml:"snapshot_interval"`
	// SnapshotKeepRecent is how many snapshots the node keeps. A pruning
	// node keeps the blocks after its oldest one too, and those after its
	// newest for at least minSnapshotJoinWindow (Validate refuses less).
	SnapshotKeepRecent uint32 `toml:"snapshot_keep_recent"`
	// SnapshotChunkBytes is the snapshot chunk size (0: 4 MiB, the most).
	SnapshotChunkBytes int `toml:"snapshot_chunk_bytes,omitempty"`
}

// MetricsSection configures CometBFT's Prometheus endpoint.
type MetricsSection struct {
	Prometheus    bool   `toml:"prometheus"`
	ListenAddress string `toml:"listen_address"`
}

// DefaultNodeConfig returns the configuration `quadrant init` writes: P2P on
// 0.0.0.0:26656, RPC on 127.0.0.1:26657, 1 s blocks, multi-MiB limits,
// every block kept.
func DefaultNodeConfig() NodeConfig {
	return NodeConfig{
		Moniker:   "quadrant",
		LogLevel:  "info",
		LogFormat: "text",
		Consensus: ConsensusSection{
			BlockTime:      DefaultBlockTime,
			TimeoutPropose: 3 * time.Second,
			TimeoutVote:    time.Second,
			GossipSleep:    100 * time.Millisecond,
		},
		P2P: P2PSection{
			ListenAddress:  "tcp://0.0.0.0:26656",
			SendRate:       defaultP2PRate,
			RecvRate:       defaultP2PRate,
			AddrBookStrict: true,
			PEX:            true,
		},
		RPC: RPCSection{
			ListenAddress:     "tcp://127.0.0.1:26657",
			MaxBodyBytes:      defaultRPCMaxBodyBytes,
			GRPCListenAddress: "tcp://127.0.0.1:26659",
		},
		Mempool: MempoolSection{
			MaxTxBytes:  defaultMempoolMaxTxBytes,
			MaxTxsBytes: defaultMempoolMaxTxsBytes,
			Size:        defaultMempoolSize,
		},
		Metrics:   MetricsSection{ListenAddress: "127.0.0.1:26660"},
		Storage:   StorageSection{SnapshotInterval: consensus.DefaultSnapshotInterval, SnapshotKeepRecent: consensus.DefaultSnapshotKeepRecent},
		StateSync: StateSyncSection{DiscoveryTime: defaultStateSyncDiscoveryTime, ChunkRequestTimeout: defaultStateSyncChunkTimeout},
	}
}

// LoopbackGRPCPort is the port a devnet validator whose RPC listens on
// rpcPort serves its core API on (rpcPort+2: base+10i+3; 26659 beside the
// default RPC port 26657).
func LoopbackGRPCPort(rpcPort int) int { return rpcPort + 2 }

// LoopbackConfig returns DefaultNodeConfig adjusted for a devnet node on
// 127.0.0.1: the given ports (the core API stays off: callers that want it, like the
// devnet, set RPC.GRPCListenAddress), relaxed address checks, no bandwidth cap
// worth the name (loopbackP2PRate), the given block time and timeouts
// scaled to it (a missing proposer costs about 1 s, not 3 s), and a short
// gossip sleep (at most 20 ms: each vote step waits up to one sleep for a
// peer's gossip routine to wake, 100 ms by default).
func LoopbackConfig(moniker string, p2pPort, rpcPort, metricsPort int, blockTime time.Duration) NodeConfig {
	c := DefaultNodeConfig()
	c.Moniker = moniker
	c.P2P.ListenAddress = fmt.Sprintf("tcp://127.0.0.1:%d", p2pPort)
	c.P2P.AddrBookStrict = false
	c.P2P.AllowDuplicateIP = true
	c.P2P.PEX = false
	c.P2P.SendRate, c.P2P.RecvRate = loopbackP2PRate, loopbackP2PRate
	c.RPC.ListenAddress = fmt.Sprintf("tcp://127.0.0.1:%d", rpcPort)
	c.RPC.GRPCListenAddress = ""
	c.Metrics.ListenAddress = fmt.Sprintf("127.0.0.1:%d", metricsPort)
	c.Consensus.BlockTime = blockTime
	c.Consensus.TimeoutPropose = max(time.Second, 3*blockTime)
	c.Consensus.TimeoutVote = max(500*time.Millisecond, blockTime)
	c.Consensus.GossipSleep = min(20*time.Millisecond, max(5*time.Millisecond, blockTime/50))
	return c
}

// Validate checks that every field is usable.
func (c NodeConfig) Validate() error {
	switch c.LogLevel {
	case "debug", "info", "warn", "error":
	default:
		return fmt.Errorf("%w: log_level %q, want debug, info, warn or error", errInvalidConfig, c.LogLevel)
	}
	switch c.LogFormat {
	case "text", "json":
	default:
		return fmt.Errorf("%w: log_format %q, want text or json", errInvalidConfig, c.LogFormat)
	}
	if c.Consensus.BlockTime < 0 || c.Consensus.TimeoutPropose <= 0 || c.Consensus.TimeoutVote <= 0 || c.Consensus.GossipSleep <= 0 {
		return fmt.Errorf("%w: consensus durations must be positive (block_time may be 0)", errInvalidConfig)
	}
	if c.P2P.ListenAddress == "" || c.RPC.ListenAddress == "" {
		return fmt.Errorf("%w: p2p.listen_address and rpc.listen_address are required", errInvalidConfig)
	}
	if a := c.RPC.GRPCListenAddress; a != "" {
		host, port, ok := strings.Cut(strings.TrimPrefix(a, "tcp://"), ":")
		if !strings.HasPrefix(a, "tcp://") || !ok || host == "" || port == "" {
			return fmt.Errorf("%w: rpc.grpc_listen_address %q, want tcp://<host>:<port> or empty", errInvalidConfig, a)
		}
		if p, err := strconv.Atoi(port); err != nil || p < 0 || p > 65535 {
			return fmt.Errorf("%w: rpc.grpc_listen_address %q: bad port", errInvalidConfig, a)
		}
		if a == c.RPC.ListenAddress {
			return fmt.Errorf("%w: rpc.grpc_listen_address %q is also rpc.listen_address", errInvalidConfig, a)
		}
	}
	if t := c.Mempool.mempoolType(); t != consensus.MempoolFlood && t != consensus.MempoolApp {
		return fmt.Errorf("%w: mempool.type %q, want %q or %q", errInvalidConfig, c.Mempool.Type, consensus.MempoolFlood, consensus.MempoolApp)
	}
	if c.P2P.SendRate <= 0 || c.P2P.RecvRate <= 0 {
		return fmt.Errorf("%w: p2p send_rate and recv_rate must be positive", errInvalidConfig)
	}
	if c.RPC.MaxBodyBytes <= 0 || c.Mempool.MaxTxBytes <= 0 || c.Mempool.MaxTxsBytes <= 0 || c.Mempool.Size <= 0 {
		return fmt.Errorf("%w: rpc.max_body_bytes and the mempool limits must be positive", errInvalidConfig)
	}
	if int64(c.Mempool.MaxTxBytes) > c.Mempool.MaxTxsBytes {
		return fmt.Errorf("%w: mempool.max_tx_bytes %d above max_txs_bytes %d", errInvalidConfig, c.Mempool.MaxTxBytes, c.Mempool.MaxTxsBytes)
	}
	for _, p := range splitPeers(c.P2P.PersistentPeers) {
		if !strings.Contains(p, "@") {
			return fmt.Errorf("%w: persistent peer %q, want <node id>@<host>:<port>", errInvalidConfig, p)
		}
	}
	if err := c.Storage.validateSnapshots(c.Consensus.BlockTime); err != nil {
		return err
	}
	return c.StateSync.Validate()
}

func splitPeers(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// LoadNodeConfig reads <home>/config.toml (see parseNodeConfig).
func LoadNodeConfig(home string) (NodeConfig, error) {
	b, err := os.ReadFile(ConfigPath(home))
	if err != nil {
		return NodeConfig{}, fmt.Errorf("%w: reading %s: %w", errInvalidConfig, ConfigPath(home), err)
	}
	c, err := parseNodeConfig(b)
	if err != nil {
		return NodeConfig{}, fmt.Errorf("%s: %w", ConfigPath(home), err)
	}
	return c, nil
}

// parseNodeConfig decodes a config.toml. Fields missing from it keep their
// DefaultNodeConfig values; unknown keys are an error so that a typo does
// not silently fall back to a default. The result is validated.
func parseNodeConfig(b []byte) (NodeConfig, error) {
	c := DefaultNodeConfig()
	md, err := toml.Decode(string(b), &c)
	if err != nil {
		return NodeConfig{}, fmt.Errorf("%w: %w", errInvalidConfig, err)
	}
	if undec := md.Undecoded(); len(undec) > 0 {
		return NodeConfig{}, fmt.Errorf("%w: unknown keys %v", errInvalidConfig, undec)
	}
	if err := c.Validate(); err != nil {
		return NodeConfig{}, err
	}
	return c, nil
}

// SaveNodeConfig writes c to <home>/config.toml (0644), creating home.
func SaveNodeConfig(home string, c NodeConfig) error {
	if err := c.Validate(); err != nil {
		return err
	}
	if err := os.MkdirAll(home, 0o700); err != nil {
		return fmt.Errorf("validator: creating home %s: %w", home, err)
	}
	f, err := os.OpenFile(ConfigPath(home), os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return fmt.Errorf("validator: writing config: %w", err)
	}
	if _, err := f.WriteString("# Quadrant node configuration. The CometBFT config under cometbft/config is\n# regenerated from this file at every start.\n\n"); err != nil {
		f.Close()
		return fmt.Errorf("validator: writing config: %w", err)
	}
	if err := toml.NewEncoder(f).Encode(c); err != nil {
		f.Close()
		return fmt.Errorf("validator: encoding config: %w", err)
	}
	return f.Close()
}

// CometConfig derives CometBFT's configuration for the node in home from c:
// local ABCI app, tx indexer off (Quadrant indexes blobs itself), raised size
// and rate limits, block time as timeout_commit, pebble databases.
func (c NodeConfig) CometConfig(home string) *cmtcfg.Config {
	cc := cmtcfg.DefaultConfig()
	cc.SetRoot(cometHome(home))
	cc.Moniker = c.Moniker
	cc.LogLevel = c.LogLevel
	cc.DBBackend = "pebbledb"

	cc.Consensus.TimeoutCommit = c.Consensus.BlockTime
	cc.Consensus.TimeoutPropose = c.Consensus.TimeoutPropose
	cc.Consensus.TimeoutProposeDelta = c.Consensus.TimeoutPropose / 6
	cc.Consensus.TimeoutPrevote = c.Consensus.TimeoutVote
	cc.Consensus.TimeoutPrevoteDelta = c.Consensus.TimeoutVote / 2
	cc.Consensus.TimeoutPrecommit = c.Consensus.TimeoutVote
	cc.Consensus.TimeoutPrecommitDelta = c.Consensus.TimeoutVote / 2
	cc.Consensus.PeerGossipSleepDuration = c.Consensus.GossipSleep
	cc.Consensus.CreateEmptyBlocks = true

	cc.P2P.ListenAddress = c.P2P.ListenAddress
	cc.P2P.ExternalAddress = c.P2P.ExternalAddress
	cc.P2P.PersistentPeers = c.P2P.PersistentPeers
	cc.P2P.SendRate = c.P2P.SendRate
	cc.P2P.RecvRate = c.P2P.RecvRate
	cc.P2P.AddrBookStrict = c.P2P.AddrBookStrict
	cc.P2P.AllowDuplicateIP = c.P2P.AllowDuplicateIP
	cc.P2P.PexReactor = c.P2P.PEX
	// Bigger packets move block parts with less framing overhead.
	cc.P2P.MaxPacketMsgPayloadSize = 64 << 10

	cc.RPC.ListenAddress = c.RPC.ListenAddress
	cc.RPC.MaxBodyBytes = c.RPC.MaxBodyBytes
	cc.RPC.PprofListenAddress = c.RPC.PprofListenAddress
	cc.RPC.TimeoutBroadcastTxCommit = 30 * time.Second

	// CometBFT's legacy gRPC BroadcastAPI stays off: Quadrant's own gRPC
	// service (blocks and binary submission) listens on
	// rpc.grpc_listen_address instead (see Node).
	cc.RPC.GRPCListenAddress = ""

	cc.Mempool.Type = string(c.Mempool.mempoolType())
	// With the app mempool Quadrant's relay (txrelay.go) spreads
	// transactions by announcement; CometBFT's reactor would push each to
	// every peer.
	cc.Mempool.Broadcast = c.Mempool.mempoolType() != consensus.MempoolApp
	cc.Mempool.MaxTxBytes = c.Mempool.MaxTxBytes
	cc.Mempool.MaxTxsBytes = c.Mempool.MaxTxsBytes
	cc.Mempool.Size = c.Mempool.Size

	cc.TxIndex.Indexer = "null"

	c.StateSync.apply(cc.StateSync)

	cc.Instrumentation.Prometheus = c.Metrics.Prometheus
	cc.Instrumentation.PrometheusListenAddr = c.Metrics.ListenAddress
	cc.Instrumentation.Namespace = "quadrant"
	return cc
}

// EnsureCometDirs creates CometBFT's config and data directories in home
// (0700) and writes the derived CometBFT config.toml there for operators to
// read.
func EnsureCometDirs(cc *cmtcfg.Config) (err error) {
	for _, d := range []string{filepath.Join(cc.RootDir, "config"), cc.DBDir()} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			return fmt.Errorf("validator: creating %s: %w", d, err)
		}
	}
	// WriteConfigFile panics when it cannot write; turn that into an error.
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("validator: writing CometBFT config.toml: %v", r)
		}
	}()
	cmtcfg.WriteConfigFile(filepath.Join(cc.RootDir, "config", "config.toml"), cc)
	return nil
}
