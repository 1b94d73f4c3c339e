package main

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	rpchttp "github.com/cometbft/cometbft/rpc/client/http"

	"github.com/quadrant-da/quadrant/chain"
	"github.com/quadrant-da/quadrant/internal/wait"
	"github.com/quadrant-da/quadrant/lightnode"
	"github.com/quadrant-da/quadrant/validator"
	"github.com/quadrant-da/quadrant/wallet"
)

// The rotation network's port slots (pickBasePort's base+10·slot): the
// genesis validators take slots 0..3, the devnet's bridge slot 4, and the
// validators that join by create-validator slots 5..7. The free +2 of
// slots 0, 5 and 7 serve light nodes' JSON-RPC, that of slot 6 the p2p
// full node's metrics.
const (
	rotationGenesis = 4
	rotationJoiners = 3
)

// rotationNet is a devnet of rotationGenesis validators made by `quadrant
// devnet --init-only`, its bridge full node, and the homes of
// rotationJoiners validators that join by transaction; every node is a
// process of the quadrant binary.
type rotationNet struct {
	*testNet
	base    int
	genesis string // genesis.json shared by every validator
	params  chain.StakingParams
	joiners []*rotationJoiner
}

// rotationJoiner is a validator home made by `quadrant init --genesis`.
type rotationJoiner struct {
	home     string
	account  string // operator address
	consAddr string // CometBFT validator address (hex)
	eth      string // registered Ethereum address (hex, no 0x)
	rpc      *rpchttp.HTTP
}

func newRotationNet(t *testing.T) *rotationNet {
	t.Helper()
	home := t.TempDir()
	base := pickBasePort(t, rotationGenesis+1+rotationJoiners)
	runCLI(t, "devnet", "--init-only", "--home", home, "--validators", strconv.Itoa(rotationGenesis),
		"--block-time", testBlockTime.String(), "--base-port", strconv.Itoa(base))
	m, err := loadManifest(home)
	if err != nil {
		t.Fatal(err)
	}
	if len(m.FullNodes) != 1 {
		t.Fatalf("devnet manifest: %d full nodes, want the bridge", len(m.FullNodes))
	}
	gen := filepath.Join(m.Validators[0].Home, "cometbft", "config", "genesis.json")
	_, app, err := validator.ReadGenesisFile(gen)
	if err != nil {
		t.Fatal(err)
	}
	return &rotationNet{
		testNet: &testNet{t: t, home: home, m: m, procs: make([]*proc, rotationGenesis)},
		base:    base, genesis: gen, params: app.Staking.Params,
	}
}

// unbonding is the chain's unbonding period (its staking genesis), the one
// light nodes are configured with.
func (r *rotationNet) unbonding() time.Duration {
	return time.Duration(r.params.UnbondingSeconds) * time.Second
}

// trusting is the light nodes' trusting period: the default, two thirds
// of the unbonding period.
func (r *rotationNet) trusting() time.Duration { return lightnode.DefaultTrustingPeriod(r.unbonding()) }

// startBridge runs the devnet's bridge full node (following validator 0)
// without the rollup adapter.
func (r *rotationNet) startBridge() {
	b := r.m.FullNodes[0]
	startProc(r.t, b.Log, "full", "--home", b.Home, "--adapter-rpc", "", "--altda", "")
}

// consAddr returns the CometBFT address of the validator key in home.
func consAddr(t *testing.T, home string) string {
	t.Helper()
	k, err := loadConsensusKey(home)
	if err != nil {
		t.Fatal(err)
	}
	return k.PubKey().Address().String()
}

// startJoiner initialises joiner i's home against the genesis validators,
// funds its account from the devnet faucet and starts it as a (not yet
// bonded) `quadrant validator` process.
func (r *rotationNet) startJoiner(i int) *rotationJoiner {
	t := r.t
	t.Helper()
	slot := rotationGenesis + 1 + i
	p2p, rpc := r.base+10*slot, r.base+10*slot+1
	var peers []string
	for _, v := range r.m.Validators {
		peers = append(peers, v.NodeID+"@"+v.P2P)
	}
	home := filepath.Join(t.TempDir(), fmt.Sprintf("joiner-%d", i))
	runCLI(t, "init", "--home", home, "--moniker", fmt.Sprintf("joiner-%d", i), "--genesis", r.genesis,
		"--peers", joinComma(peers),
		"--p2p-laddr", fmt.Sprintf("tcp://127.0.0.1:%d", p2p), "--rpc-laddr", fmt.Sprintf("tcp://127.0.0.1:%d", rpc),
		"--grpc-laddr", fmt.Sprintf("tcp://127.0.0.1:%d", validator.LoopbackGRPCPort(rpc)), "--block-time", testBlockTime.String())
	var key wallet.KeyInfo
	if err := json.Unmarshal(runCLI(t, "keys", "show", "validator", "--home", home, "-o", "json"), &key); err != nil {
		t.Fatal(err)
	}
	fund := 100 * r.params.PowerReduction
	runCLI(t, "tx", "send", "--home", r.home, "--to", key.Address, "--amount", strconv.FormatUint(fund, 10))
	startProc(t, filepath.Join(home, "node.log"), "validator", "--home", home)
	c, err := rpchttp.New(fmt.Sprintf("http://127.0.0.1:%d", rpc), "/websocket")
	if err != nil {
		t.Fatal(err)
	}
	j := &rotationJoiner{home: home, account: key.Address, consAddr: consAddr(t, home), rpc: c}
	r.joiners = append(r.joiners, j)
	return j
}

// joinAll starts the joiners and makes each a validator with `quadrant tx
// create-validator` (self-bond: a genesis validator's), once it has caught
// up, checking it enters CometBFT's set two heights after its block.
func (r *rotationNet) joinAll() {
	t := r.t
	t.Helper()
	for i := range rotationJoiners {
		r.startJoiner(i)
	}
	c0 := r.client(0)
	for i, j := range r.joiners {
		waitHeight(t, j.rpc, height(c0), startDeadline)  // caught up before it signs
		_, eth, err := validator.LoadOrGenEthKey(j.home) // written by init
		if err != nil {
			t.Fatal(err)
		}
		j.eth = hex.EncodeToString(eth[:])
		h := stakeCLI(t, "create-validator", "--home", j.home, "--key", "validator",
			"--moniker", fmt.Sprintf("joiner-%d", i), "--self-bond", strconv.FormatUint(validatorPower*r.params.PowerReduction, 10),
			"--eth-address", "0x"+j.eth)
		checkSetChange(t, c0, h, j.consAddr, true)
	}
}

// leaveAll makes each genesis validator, in turn, `quadrant tx undelegate`
// its whole self-bond, checking it leaves CometBFT's set two heights after
// its block before the next one goes.
func (r *rotationNet) leaveAll() {
	t := r.t
	t.Helper()
	c0 := r.client(0)
	for i, v := range r.m.Validators {
		amount := bonded(t, v.Home)
		if amount != validatorPower*r.params.PowerReduction {
			t.Fatalf("genesis validator %d bonds %d, want its self-bond %d", i, amount, validatorPower*r.params.PowerReduction)
		}
		h := stakeCLI(t, "undelegate", "--home", v.Home, "--key", "validator",
			"--validator", v.Account, "--amount", strconv.FormatUint(amount, 10))
		checkSetChange(t, c0, h, consAddr(t, v.Home), false)
	}
}

// validatorClients returns the RPC clients of every validator process:
// the genesis validators, then the joiners.
func (r *rotationNet) validatorClients() []*rpchttp.HTTP {
	var cs []*rpchttp.HTTP
	for i := range r.m.Validators {
		cs = append(cs, r.client(i))
	}
	for _, j := range r.joiners {
		cs = append(cs, j.rpc)
	}
	return cs
}

// rotationLight is a `quadrant light` process of the test.
type rotationLight struct {
	home, log string
	p         *proc
}

// startLight starts a light node trusting height 1, with JSON-RPC on
// rpcAddr, and waits until it samples the current height.
func (r *rotationNet) startLight(name, rpcAddr string) *rotationLight {
	t := r.t
	t.Helper()
	c0 := r.client(0)
	l := &rotationLight{home: filepath.Join(r.home, name), log: filepath.Join(r.home, name+".log")}
	l.p = startProc(t, l.log, r.lightArgs(l.home, 1, blockHash(t, c0, 1), rpcAddr)...)
	now := height(c0)
	wait.For(t, startDeadline, fmt.Sprintf("light node %s to sample height %d", name, now), func() bool {
		h, ok := lightStatusOf(l.home)
		return ok && h >= now
	})
	return l
}

// stakeCLI runs a `quadrant tx` staking command with -o json and returns
// the height of the block that applied it.
func stakeCLI(t *testing.T, args ...string) int64 {
	t.Helper()
	var res struct {
		Height int64 `json:"height"`
	}
	out := runCLI(t, append(append([]string{"tx"}, args...), "-o", "json")...)
	if err := json.Unmarshal(out, &res); err != nil || res.Height < 1 {
		t.Fatalf("quadrant tx %v: %q %v", args, out, err)
	}
	return res.Height
}

// bonded returns the stake the --key validator account of home has bonded.
func bonded(t *testing.T, home string) uint64 {
	t.Helper()
	var bal struct{ Bonded uint64 }
	out := runCLI(t, "account", "balance", "--home", home, "--key", "validator", "-o", "json")
	if err := json.Unmarshal(out, &bal); err != nil {
		t.Fatalf("account balance: %q %v", out, err)
	}
	return bal.Bonded
}

// cometSet returns the addresses in CometBFT's validator set at height h.
func cometSet(t *testing.T, c *rpchttp.HTTP, h int64) map[string]bool {
	t.Helper()
	perPage := 100
	res, err := c.Validators(context.Background(), &h, nil, &perPage)
	if err != nil {
		t.Fatalf("validators at %d from %s: %v", h, c.Remote(), err)
	}
	set := make(map[string]bool, len(res.Validators))
	for _, v := range res.Validators {
		set[v.Address.String()] = true
	}
	return set
}

// checkSetChange checks CometBFT's two-heights-later rule for a change
// decided in block h: the set at h+1 still is the old one (addr in it iff
// !joined), the set at h+2 the new one.
func checkSetChange(t *testing.T, c *rpchttp.HTTP, h int64, addr string, joined bool) {
	t.Helper()
	waitHeight(t, c, h+2, startDeadline)
	if before, after := cometSet(t, c, h+1)[addr], cometSet(t, c, h+2)[addr]; before != !joined || after != joined {
		t.Fatalf("validator %s (joined=%v by block %d): in CometBFT's set at %d: %v, at %d: %v", addr, joined, h, h+1, before, h+2, after)
	}
}

// chainCheck is what checkChain found.
type chainCheck struct {
	maxGap   time.Duration // longest time between consecutive blocks
	gapAfter int64         // the height that gap follows
}

// checkChain checks that every client reports the same block hash and app
// hash at each height in [1, upTo] (from block metas, 20 a request) and
// measures the longest gap between consecutive block times from height
// gapFrom on.
func checkChain(t *testing.T, clients []*rpchttp.HTTP, upTo, gapFrom int64) chainCheck {
	t.Helper()
	var out chainCheck
	var prev time.Time
	for lo := int64(1); lo <= upTo; lo += 20 {
		hi := min(lo+19, upTo)
		var want map[int64][2]string
		for i, c := range clients {
			res, err := c.BlockchainInfo(context.Background(), lo, hi)
			if err != nil {
				t.Fatalf("blockchain %d..%d from %s: %v", lo, hi, c.Remote(), err)
			}
			got := make(map[int64][2]string, len(res.BlockMetas))
			for _, m := range res.BlockMetas {
				got[m.Header.Height] = [2]string{m.BlockID.Hash.String(), m.Header.AppHash.String()}
			}
			if int64(len(got)) != hi-lo+1 {
				t.Fatalf("%s: %d block metas for %d..%d", c.Remote(), len(got), lo, hi)
			}
			if i == 0 {
				want = got
				for k := len(res.BlockMetas) - 1; k >= 0; k-- { // newest first
					m := res.BlockMetas[k]
					if gap := m.Header.Time.Sub(prev); m.Header.Height > gapFrom && gap > out.maxGap {
						out.maxGap, out.gapAfter = gap, m.Header.Height-1
					}
					prev = m.Header.Time
				}
				continue
			}
			for h := lo; h <= hi; h++ {
				if got[h] != want[h] {
					t.Fatalf("height %d: %s has block %s app hash %s; %s has block %s app hash %s",
						h, clients[0].Remote(), want[h][0], want[h][1], c.Remote(), got[h][0], got[h][1])
				}
			}
		}
	}
	return out
}

// lightStatusOf returns `quadrant status` of the light node in home: its
// sampled head and whether it is OK (-1, false when it does not answer).
func lightStatusOf(home string) (int64, bool) {
	nodes, err := statusOf(context.Background(), home)
	if err != nil || len(nodes) != 1 {
		return -1, false
	}
	return nodes[0].Height, nodes[0].OK
}

// lightArgs are the arguments of a `quadrant light` process following the
// rotation network's bridge from a trusted height and hash, configured with
// the chain's unbonding period.
func (r *rotationNet) lightArgs(home string, trustedHeight int64, trustedHash, rpcAddr string) []string {
	return []string{"light", "--home", home, "--chain-id", r.m.ChainID,
		"--bootstrap", r.m.FullNodes[0].PeerAddress, "--p2p-listen", "/ip4/127.0.0.1/tcp/0",
		"--trusted-height", strconv.FormatInt(trustedHeight, 10), "--trusted-hash", trustedHash,
		"--unbonding-period", r.unbonding().String(),
		"--rpc-addr", rpcAddr, "--metrics-addr", "", "--log-level", "info"}
}

func readLog(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// attestations returns every attestation the node at c holds, by nonce.
func attestations(t *testing.T, c *rpchttp.HTTP) []chain.Attestation {
	t.Helper()
	var latest chain.Attestation
	if _, err := queryApp(context.Background(), c, "/attestation/latest", "attestation", &latest); err != nil {
		t.Fatal(err)
	}
	out := make([]chain.Attestation, latest.Nonce+1)
	for n := range out {
		if _, err := queryApp(context.Background(), c, fmt.Sprintf("/attestation/%d", n), "attestation", &out[n]); err != nil {
			t.Fatal(err)
		}
	}
	return out
}

// checkAttestations waits for a data commitment signed by an Ethereum set
// of exactly the joiners, and checks that every attestation up to it is
// complete: Blobstream's chain of checkpoints survived the rotation.
func (r *rotationNet) checkAttestations() {
	t := r.t
	t.Helper()
	want := map[string]bool{}
	for _, j := range r.joiners {
		want[j.eth] = true
	}
	joinersSet := func(a chain.Attestation) bool {
		if a.Kind != chain.AttestationValset || len(a.Valset) != len(want) {
			return false
		}
		for _, v := range a.Valset {
			if !want[hex.EncodeToString(v.Address)] {
				return false
			}
		}
		return true
	}
	var items []chain.Attestation
	last := -1
	wait.For(t, startDeadline, "a data commitment signed by the joiners' Ethereum set", func() bool {
		items = attestations(t, r.client(0))
		for _, a := range items {
			if a.Kind == chain.AttestationDataCommitment && joinersSet(items[a.SignerNonce]) && a.Complete() {
				last = int(a.Nonce)
				return true
			}
		}
		return false
	})
	for _, a := range items[:last+1] {
		if !a.Complete() {
			t.Fatalf("attestation %d (%s at height %d) incomplete: %d of %d power signed; later ones are: %+v",
				a.Nonce, a.Kind, a.Height, a.SignedPower, a.SignerThreshold, items[a.Nonce+1:last+1])
		}
	}
	t.Logf("attestations: %d up to the first data commitment signed by the joiners' set, all complete", last+1)
}
