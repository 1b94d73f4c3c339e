package main

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	rpchttp "github.com/cometbft/cometbft/rpc/client/http"
	cmttypes "github.com/cometbft/cometbft/types"

	"github.com/quadrant-da/quadrant/internal/wait"
	"github.com/quadrant-da/quadrant/validator"
	"github.com/quadrant-da/quadrant/wallet"
)

// The state-sync join network's shape. Why the numbers (see
// validator/statesync_test.go for the mechanism): a validator keeps the
// last max(retain, interval × keep) blocks, and a node restoring the newest
// snapshot S must fetch block S+1 by blocksync after snapshot discovery,
// the chunk fetch, blocksync's 3 s peer wait and CometBFT's 10 s status
// interval, so validator.StorageSection refuses a config whose
// (max(retain, interval × keep) − interval) × block time is under 30 s.
// That window is a time, so the heights before anything is pruned cost at
// least 30 s plus one interval whatever the block time, and shorter blocks
// buy nothing: with 500 ms blocks (snapshots every 5 kept 13, joining after
// height 70) the test took the same 62 s on a loaded 2-core machine as with
// 1 s blocks, its joiner having more blocks to sync. So it uses 1 s blocks,
// as validator.TestStateSyncJoin does: a snapshot every 5 heights kept 7
// keeps 35 blocks, and the newest snapshot's blocks live ≥ 30 heights =
// 30 s; retain 20 (< 35, so the snapshots decide); blocks 1..~5 are gone
// once the network passes height 40 (about 45 s after the start). The
// joiner's snapshot discovery is CometBFT's minimum, 5 s, the time the 30 s
// rule assumes (init writes 15 s, the production default).
const (
	ssBlockTime = time.Second
	ssRetain    = 20
	ssInterval  = 5
	ssKeep      = 7
	ssJoinAfter = 40
	// ssSlots: validators in slots 0 and 1, the devnet's (unused) bridge in
	// slot 2, the joiner in slot 3.
	ssValidators = 2
	ssSlots      = 4
)

// TestStateSyncJoinProcesses: two `quadrant validator` processes that
// prune blocks and take snapshots run until block 1 is gone; a node made
// by `quadrant init --state-sync` (trusting a validator's latest block)
// restores a snapshot, catches up, becomes a validator with `quadrant tx
// create-validator`, enters CometBFT's set two heights later and signs a
// commit; every process has the same block and app hash at every height
// the joiner has.
func TestStateSyncJoinProcesses(t *testing.T) {
	if testing.Short() {
		t.Skip("runs three validator processes")
	}
	begin := time.Now()
	n, base, gen := newStateSyncNet(t)
	n.startAll()
	vals := []*rpchttp.HTTP{n.client(0), n.client(1)}
	waitHeight(t, vals[0], ssJoinAfter, startDeadline)
	wait.For(t, startDeadline, "every validator to have pruned block 1", func() bool {
		for _, c := range vals {
			if _, earliest := syncInfo(c); earliest <= 1 {
				return false
			}
		}
		return true
	})
	prunedAt := time.Since(begin)

	j := startStateSyncJoiner(t, n, base, gen)
	head := height(vals[0])
	wait.For(t, startDeadline, fmt.Sprintf("the joiner to restore a snapshot and catch up past %d", head), func() bool {
		mine, _ := syncInfo(j.rpc)
		return mine > head && mine >= height(vals[0])-1
	})
	caughtUpAt := time.Since(begin)
	top, joinedAt := syncInfo(j.rpc)
	if joinedAt <= 1 || (joinedAt-1)%ssInterval != 0 {
		t.Fatalf("joiner's earliest block is %d: it did not start from a snapshot (taken every %d heights)", joinedAt, ssInterval)
	}
	if log := readLog(t, filepath.Join(j.home, "node.log")); !strings.Contains(log, "consensus: restoring snapshot") {
		t.Fatalf("joiner's log does not mention restoring a snapshot")
	}
	// Compare now, before the validators prune the joiner's first blocks.
	all := append(vals, j.rpc)
	checkHeights(t, all, joinedAt, top)

	_, eth, err := validator.LoadOrGenEthKey(j.home) // written by init
	if err != nil {
		t.Fatal(err)
	}
	// Half a genesis validator's power: the joiner holds a fifth of the
	// set, so the chain stays live if it lags behind.
	h := stakeCLI(t, "create-validator", "--home", j.home, "--key", "validator", "--moniker", "ss-joiner",
		"--self-bond", strconv.FormatUint(validatorPower/2*gen.powerReduction, 10),
		"--eth-address", "0x"+hex.EncodeToString(eth[:]))
	checkSetChange(t, vals[0], h, j.consAddr, true)
	signed := waitSignedCommit(t, vals[0], j.consAddr, h+2)
	last := height(j.rpc)
	for _, c := range vals {
		waitHeight(t, c, last, startDeadline)
	}
	checkHeights(t, all, top+1, last)
	t.Logf("pruned on both validators after %v; joiner restored the snapshot at %d, caught up to %d after %v; "+
		"create-validator in block %d, in the set at %d, signed the commit of %d; hashes equal over %d..%d; total %v",
		prunedAt.Round(time.Second), joinedAt-1, top, caughtUpAt.Round(time.Second), h, h+2, signed, joinedAt, last,
		time.Since(begin).Round(time.Second))
}

// ssGenesis is what the joiner takes from the network's genesis.
type ssGenesis struct {
	path           string
	powerReduction uint64
}

// newStateSyncNet makes a devnet of ssValidators validators with ssBlockTime
// blocks whose configs prune and snapshot as the ss constants say.
func newStateSyncNet(t *testing.T) (*testNet, int, ssGenesis) {
	t.Helper()
	home := t.TempDir()
	base := pickBasePort(t, ssSlots)
	runCLI(t, "devnet", "--init-only", "--home", home, "--validators", strconv.Itoa(ssValidators),
		"--block-time", ssBlockTime.String(), "--base-port", strconv.Itoa(base))
	m, err := loadManifest(home)
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range m.Validators {
		cfg, err := validator.LoadNodeConfig(v.Home)
		if err != nil {
			t.Fatal(err)
		}
		cfg.Storage.RetainBlocks, cfg.Storage.SnapshotInterval, cfg.Storage.SnapshotKeepRecent = ssRetain, ssInterval, ssKeep
		cfg.Storage.SnapshotChunkBytes = 1024 // several chunks even for this small state
		if err := validator.SaveNodeConfig(v.Home, cfg); err != nil {
			t.Fatal(err)
		}
	}
	gen := filepath.Join(m.Validators[0].Home, "cometbft", "config", "genesis.json")
	_, app, err := validator.ReadGenesisFile(gen)
	if err != nil {
		t.Fatal(err)
	}
	n := &testNet{t: t, home: home, m: m, procs: make([]*proc, ssValidators)}
	return n, base, ssGenesis{path: gen, powerReduction: app.Staking.Params.PowerReduction}
}

// startStateSyncJoiner makes the joiner's home with `quadrant init
// --state-sync`, trusting validator 0's latest block and verifying against
// both validators' RPC, funds its account from the devnet faucet and starts
// it as a `quadrant validator` process.
func startStateSyncJoiner(t *testing.T, n *testNet, base int, gen ssGenesis) *rotationJoiner {
	t.Helper()
	c0 := n.client(0)
	trustHeight := height(c0)
	trustHash, _ := blockID(t, c0, trustHeight)
	var peers, rpcs []string
	for _, v := range n.m.Validators {
		peers = append(peers, v.NodeID+"@"+v.P2P)
		rpcs = append(rpcs, strings.TrimPrefix(strings.TrimPrefix(v.RPC, "http://"), "tcp://"))
	}
	slot := ssSlots - 1
	p2p, rpc := base+10*slot, base+10*slot+1
	home := filepath.Join(t.TempDir(), "ss-joiner")
	runCLI(t, "init", "--home", home, "--moniker", "ss-joiner", "--genesis", gen.path, "--peers", joinComma(peers),
		"--p2p-laddr", fmt.Sprintf("tcp://127.0.0.1:%d", p2p), "--rpc-laddr", fmt.Sprintf("tcp://127.0.0.1:%d", rpc),
		"--grpc-laddr", fmt.Sprintf("tcp://127.0.0.1:%d", validator.LoopbackGRPCPort(rpc)), "--block-time", ssBlockTime.String(),
		"--state-sync", "--state-sync-rpc", joinComma(rpcs), "--trust-height", strconv.FormatInt(trustHeight, 10), "--trust-hash", trustHash,
		"--retain-blocks", "0", "--snapshot-interval", "0") // keeps its first block: it shows where it joined
	cfg, err := validator.LoadNodeConfig(home)
	if err != nil {
		t.Fatal(err)
	}
	if !cfg.StateSync.Enable || cfg.StateSync.TrustHeight != trustHeight {
		t.Fatalf("init --state-sync wrote %+v", cfg.StateSync)
	}
	cfg.StateSync.DiscoveryTime = 5 * time.Second // CometBFT's minimum (see the ss constants)
	if err := validator.SaveNodeConfig(home, cfg); err != nil {
		t.Fatal(err)
	}
	var key wallet.KeyInfo
	if err := json.Unmarshal(runCLI(t, "keys", "show", "validator", "--home", home, "-o", "json"), &key); err != nil {
		t.Fatal(err)
	}
	runCLI(t, "tx", "send", "--home", n.home, "--to", key.Address, "--amount", strconv.FormatUint(100*gen.powerReduction, 10))
	log := filepath.Join(home, "node.log")
	startProc(t, log, "validator", "--home", home)
	t.Cleanup(func() {
		if t.Failed() {
			logLines(t, log, "napshot", "statesync", "blocksync", "ERROR")
		}
	})
	c, err := rpchttp.New(fmt.Sprintf("http://127.0.0.1:%d", rpc), "/websocket")
	if err != nil {
		t.Fatal(err)
	}
	return &rotationJoiner{home: home, account: key.Address, consAddr: consAddr(t, home), rpc: c}
}

// syncInfo returns a node's latest and earliest block heights (-1, -1 when
// it does not answer).
func syncInfo(c *rpchttp.HTTP) (latest, earliest int64) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	st, err := c.Status(ctx)
	if err != nil {
		return -1, -1
	}
	return st.SyncInfo.LatestBlockHeight, st.SyncInfo.EarliestBlockHeight
}

// checkHeights checks that every client has the same block hash and app
// hash at each height in [from, to].
func checkHeights(t *testing.T, clients []*rpchttp.HTTP, from, to int64) {
	t.Helper()
	for h := from; h <= to; h++ {
		want, wantApp := blockID(t, clients[0], h)
		for _, c := range clients[1:] {
			if got, gotApp := blockID(t, c, h); got != want || gotApp != wantApp {
				t.Fatalf("height %d: %s has block %s app %s, %s has %s app %s", h, clients[0].Remote(), want, wantApp, c.Remote(), got, gotApp)
			}
		}
	}
}

// waitSignedCommit waits for the first commit, of a block ≥ from, that has
// addr's precommit and returns that block's height.
func waitSignedCommit(t *testing.T, c *rpchttp.HTTP, addr string, from int64) int64 {
	t.Helper()
	next, signed := from+1, int64(-1)
	wait.For(t, startDeadline, fmt.Sprintf("a commit signed by %s from height %d", addr, from), func() bool {
		for latest := height(c); next <= latest && signed < 0; next++ {
			b, err := c.Block(context.Background(), &next)
			if err != nil {
				return false
			}
			for _, sig := range b.Block.LastCommit.Signatures {
				if sig.BlockIDFlag == cmttypes.BlockIDFlagCommit && sig.ValidatorAddress.String() == addr {
					signed = next - 1
				}
			}
		}
		return signed >= 0
	})
	return signed
}

// logLines logs the lines of the file at path that contain any of keys.
func logLines(t *testing.T, path string, keys ...string) {
	for _, l := range strings.Split(readLog(t, path), "\n") {
		for _, k := range keys {
			if strings.Contains(l, k) {
				t.Log(l)
				break
			}
		}
	}
}
