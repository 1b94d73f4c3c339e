package main

import (
	"errors"
	"fmt"
	"time"

	"github.com/spf13/pflag"

	"github.com/quadrant-da/quadrant/consensus"
	"github.com/quadrant-da/quadrant/validator"
)

// errTrustMissing is init's answer to --state-sync without a trusted block.
var errTrustMissing = errors.New("state sync needs a block you trust: pass --trust-height H and --trust-hash HEX, " +
	"the height and hash of a recent block from a node you trust " +
	"(curl -s <rpc host:port>/block?height=H | jq -r .result.block_id.hash)")

// storageFlags are init's flags for what a node keeps and serves: pruned
// blocks, and the state-sync snapshots it takes for joining nodes.
type storageFlags struct {
	retain, snapshotInterval uint64
	snapshotKeep             uint32
}

func (s *storageFlags) register(f *pflag.FlagSet) {
	d := validator.DefaultNodeConfig().Storage
	f.Uint64Var(&s.retain, "retain-blocks", d.RetainBlocks, "keep only this many recent blocks (0 = all); joining nodes then need state sync")
	f.Uint64Var(&s.snapshotInterval, "snapshot-interval", d.SnapshotInterval, "take a state-sync snapshot every this many heights (0 = none)")
	f.Uint32Var(&s.snapshotKeep, "snapshot-keep-recent", d.SnapshotKeepRecent, "how many state-sync snapshots to keep")
}

func (s *storageFlags) apply(cfg *validator.NodeConfig) {
	cfg.Storage.RetainBlocks = s.retain
	cfg.Storage.SnapshotInterval = s.snapshotInterval
	cfg.Storage.SnapshotKeepRecent = s.snapshotKeep
}

// stateSyncFlags are init's flags for joining by state sync.
type stateSyncFlags struct {
	enable      bool
	rpc         string
	trustHeight int64
	trustHash   string
}

func (s *stateSyncFlags) register(f *pflag.FlagSet) {
	f.BoolVar(&s.enable, "state-sync", false, "join by state sync (restore a peer's snapshot instead of replaying from genesis; needs --genesis, --state-sync-rpc, --trust-height, --trust-hash)")
	f.StringVar(&s.rpc, "state-sync-rpc", "", "two or more CometBFT RPC servers host:port,host:port to verify the snapshot against (the same one twice is allowed on a devnet); implies --state-sync")
	f.Int64Var(&s.trustHeight, "trust-height", 0, "height of a block you trust (state sync)")
	f.StringVar(&s.trustHash, "trust-hash", "", "hex hash of the block at --trust-height (state sync)")
}

// wanted reports whether any state-sync flag was given.
func (s *stateSyncFlags) wanted() bool {
	return s.enable || s.rpc != "" || s.trustHeight != 0 || s.trustHash != ""
}

// apply turns the flags into cfg's [statesync] section for a node joining
// the chain of genesis g (nil when init creates a new chain). The trust
// period is two thirds of the chain's unbonding period: a header older than
// that may be signed by validators who already took their stake back.
func (s *stateSyncFlags) apply(cfg *validator.NodeConfig, g *consensus.GenesisState) error {
	if !s.wanted() {
		return nil
	}
	if g == nil {
		return errors.New("--state-sync joins an existing network: pass its --genesis FILE too")
	}
	if s.trustHeight <= 0 || s.trustHash == "" {
		return errTrustMissing
	}
	if s.rpc == "" {
		return errors.New("state sync needs --state-sync-rpc host:port,host:port: two CometBFT RPC servers of the network (the same one twice is allowed on a devnet)")
	}
	unbonding := time.Duration(g.Staking.Params.UnbondingSeconds) * time.Second
	if unbonding <= 0 {
		return errors.New("the genesis unbonding period is 0, so no trusted header stays safe: state sync cannot be used on this chain; join without --state-sync")
	}
	cfg.StateSync.Enable = true
	cfg.StateSync.RPCServers = s.rpc
	cfg.StateSync.TrustHeight = s.trustHeight
	cfg.StateSync.TrustHash = s.trustHash
	cfg.StateSync.TrustPeriod = unbonding * 2 / 3
	if err := cfg.StateSync.Validate(); err != nil {
		return fmt.Errorf("state sync: %w", err)
	}
	return nil
}
