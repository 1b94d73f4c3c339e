package validator

import (
	"encoding/hex"
	"fmt"
	"math"
	"time"

	cmtcfg "github.com/cometbft/cometbft/config"

	"github.com/quadrant-da/quadrant/consensus"
)

// State-sync defaults (CometBFT's minimum discovery time and chunk timeout
// are 5 s).
const (
	defaultStateSyncDiscoveryTime = 15 * time.Second
	defaultStateSyncChunkTimeout  = 10 * time.Second
)

// StateSyncSection makes a new node join by CometBFT's state sync: it
// restores the application state from a peer's snapshot instead of
// replaying blocks from genesis, trusting the light-client header at
// TrustHeight whose hash is TrustHash. It is only used while the node has
// no state; a node that already has blocks ignores it.
type StateSyncSection struct {
	Enable bool `toml:"enable"`
	// RPCServers are two or more comma-separated CometBFT RPC endpoints
	// (host:port) the light client verifies the snapshot's header against;
	// the same one twice is allowed (a devnet with one reachable node).
	RPCServers string `toml:"rpc_servers"`
	// TrustHeight and TrustHash (hex) name a block header the operator
	// trusts, taken from a source they trust (a block explorer, another
	// operator, their own node's /block?height=H).
	TrustHeight int64  `toml:"trust_height"`
	TrustHash   string `toml:"trust_hash"`
	// TrustPeriod is how long the trusted header may be used; `quadrant
	// init` sets two thirds of the chain's unbonding period.
	TrustPeriod time.Duration `toml:"trust_period"`
	// DiscoveryTime is how long to gather snapshots before choosing one
	// (at least 5 s).
	DiscoveryTime time.Duration `toml:"discovery_time"`
	// ChunkRequestTimeout is how long to wait for a chunk before asking
	// another peer (at least 5 s).
	ChunkRequestTimeout time.Duration `toml:"chunk_request_timeout"`
}

// Validate checks s; with Enable off nothing else is required.
func (s StateSyncSection) Validate() error {
	if !s.Enable {
		return nil
	}
	servers := len(splitPeers(s.RPCServers))
	h, err := hex.DecodeString(s.TrustHash)
	switch {
	case servers < 2:
		return fmt.Errorf("%w: statesync.rpc_servers has %d entries, want 2 or more host:port (the same one twice is allowed)", errInvalidConfig, servers)
	case s.TrustHeight <= 0 || s.TrustHash == "":
		return fmt.Errorf("%w: statesync needs trust_height and trust_hash: the height and hex hash of a block you trust (e.g. from a synced node's /block?height=H)", errInvalidConfig)
	case err != nil || len(h) != 32:
		return fmt.Errorf("%w: statesync.trust_hash %q, want 64 hex digits (a block hash)", errInvalidConfig, s.TrustHash)
	case s.TrustPeriod <= 0:
		return fmt.Errorf("%w: statesync.trust_period must be positive (two thirds of the unbonding period)", errInvalidConfig)
	case s.DiscoveryTime < 5*time.Second || s.ChunkRequestTimeout < 5*time.Second:
		return fmt.Errorf("%w: statesync discovery_time and chunk_request_timeout must be at least 5s", errInvalidConfig)
	}
	return nil
}

// apply writes s into CometBFT's state-sync config.
func (s StateSyncSection) apply(cc *cmtcfg.StateSyncConfig) {
	cc.Enable = s.Enable
	cc.RPCServers = splitPeers(s.RPCServers)
	cc.TrustHeight = s.TrustHeight
	cc.TrustHash = s.TrustHash
	if s.TrustPeriod > 0 {
		cc.TrustPeriod = s.TrustPeriod
	}
	if s.DiscoveryTime > 0 {
		cc.DiscoveryTime = s.DiscoveryTime
	}
	if s.ChunkRequestTimeout > 0 {
		cc.ChunkRequestTimeout = s.ChunkRequestTimeout
	}
}

// minSnapshotJoinWindow is the least time a pruning node must keep the
// blocks after its newest snapshot. A node that restores that snapshot S
// (state sync chooses the newest) must then fetch block S+1 by blocksync —
// with vote extensions enabled CometBFT does not switch to consensus before
// it has synced one block, whose extended commit state sync cannot give
// it — and blocksync learns its peers' heights when they connect and then
// only every 10 s. So S+1 must still be on its peers after the joiner's
// snapshot discovery (at least 5 s), the chunk fetch, blocksync's 3 s wait
// for peers and those 10 s; if every peer has pruned it, blocksync waits
// for it forever.
const minSnapshotJoinWindow = 30 * time.Second

// validateSnapshots checks the snapshot settings; blockTime (CometBFT's
// timeout_commit, a lower bound on the time between blocks) bounds how
// long a number of heights lasts.
func (s StorageSection) validateSnapshots(blockTime time.Duration) error {
	switch {
	case s.SnapshotInterval > math.MaxInt64:
		return fmt.Errorf("%w: storage.snapshot_interval %d is too large", errInvalidConfig, s.SnapshotInterval)
	case s.SnapshotInterval > 0 && s.SnapshotKeepRecent == 0:
		return fmt.Errorf("%w: storage.snapshot_keep_recent is 0, want ≥ 1 (or snapshot_interval 0 to take none)", errInvalidConfig)
	case s.SnapshotChunkBytes < 0 || s.SnapshotChunkBytes > consensus.MaxSnapshotChunkBytes:
		return fmt.Errorf("%w: storage.snapshot_chunk_bytes %d, want 0 (4 MiB) or 1..%d", errInvalidConfig, s.SnapshotChunkBytes, consensus.MaxSnapshotChunkBytes)
	}
	return s.validateJoinWindow(blockTime)
}

// snapshotConfig is the App's snapshot configuration for a node in home.
func (s StorageSection) snapshotConfig(home string) consensus.SnapshotConfig {
	return consensus.SnapshotConfig{Dir: snapshotDir(home), Interval: int64(s.SnapshotInterval),
		KeepRecent: int(s.SnapshotKeepRecent), ChunkBytes: s.SnapshotChunkBytes}
}

// validateJoinWindow checks that a pruning node that takes snapshots keeps
// the blocks after its newest one for minSnapshotJoinWindow. It keeps the
// last max(retain_blocks, snapshot_interval × snapshot_keep_recent) blocks
// (consensus keeps those after its oldest snapshot), and the newest
// snapshot is up to one interval old.
func (s StorageSection) validateJoinWindow(blockTime time.Duration) error {
	if s.RetainBlocks == 0 || s.SnapshotInterval == 0 || s.RetainBlocks > math.MaxInt64 ||
		s.SnapshotInterval > math.MaxInt64/uint64(s.SnapshotKeepRecent) {
		return nil // nothing pruned, no snapshots, or more heights than int64 holds
	}
	kept := max(s.RetainBlocks, s.SnapshotInterval*uint64(s.SnapshotKeepRecent))
	heights := int64(kept) - int64(s.SnapshotInterval)
	if heights > 0 && (blockTime <= 0 || heights >= int64(minSnapshotJoinWindow/blockTime)) {
		return nil // block_time 0 bounds nothing: only a window of no heights is refused
	}
	return fmt.Errorf("%w: storage keeps the blocks after the newest snapshot for only %d heights (%v at block_time %v); "+
		"a node restoring it must fetch the next block within %v (state-sync discovery, chunk fetch and CometBFT's 10 s blocksync status interval), "+
		"or it stalls: raise snapshot_keep_recent or retain_blocks so that "+
		"max(retain_blocks, snapshot_interval × snapshot_keep_recent) − snapshot_interval heights last that long",
		errInvalidConfig, max(heights, 0), time.Duration(max(heights, 0))*blockTime, blockTime, minSnapshotJoinWindow)
}
