package main

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	cmtcrypto "github.com/cometbft/cometbft/crypto"
	rpchttp "github.com/cometbft/cometbft/rpc/client/http"

	"github.com/quadrant-da/quadrant/chain"
	"github.com/quadrant-da/quadrant/internal/wait"
	"github.com/quadrant-da/quadrant/validator"
	"github.com/quadrant-da/quadrant/wallet"
)

// TestDoubleSignProcesses: on a 4-validator `quadrant devnet --init-only`
// network of `quadrant validator` processes, two conflicting precommits
// signed with validator 3's consensus key (read from its home) go to
// validator 1's CometBFT broadcast_evidence. The evidence is committed in
// a block whose FinalizeBlock slashes and tombstones the validator; it
// leaves CometBFT's set two heights after that block; `quadrant validators
// --json` shows it tombstoned and jailed with no power and 5 % fewer
// tokens, and its operator's bonded stake shrank the same; a
// create-validator with its key from another account is refused as
// tombstoned. Blocks keep coming, and every validator process (the double
// signer still runs, out of the set) has the same block and app hash at
// every height.
func TestDoubleSignProcesses(t *testing.T) {
	if testing.Short() {
		t.Skip("runs four validator processes")
	}
	began := time.Now()
	n := newTestNet(t, 4)
	n.startAll()
	c0, c1 := n.client(0), n.client(1)
	const victim, infraction = 3, 3
	waitHeight(t, c0, infraction+1, startDeadline)
	home, node := n.m.Validators[victim].Home, n.m.Validators[0].RPC
	key, err := loadConsensusKey(home)
	if err != nil {
		t.Fatal(err)
	}
	addr := key.PubKey().Address()
	params := genesisStaking(t, home)
	before := validatorOf(t, node, addr)
	stake := bonded(t, home)
	if before.Power != validatorPower || stake != before.Tokens {
		t.Fatalf("validator %d before the double sign: %+v, operator bonds %d; want power %d, all self-bonded", victim, before, stake, validatorPower)
	}

	ev := duplicatePrecommits(t, c1, n.m.ChainID, key, infraction)
	if _, err := c1.BroadcastEvidence(context.Background(), ev); err != nil {
		t.Fatalf("broadcast_evidence: %v", err)
	}
	op := before.Operator.String()
	evH := stakingEventBlock(t, c0, infraction+1, chain.EventTypeTombstone, op)
	if h := stakingEventBlock(t, c0, evH, chain.EventTypeSlash, op); h != evH {
		t.Fatalf("tombstoned at height %d, slashed at %d: want one block", evH, h)
	}
	b, err := c0.Block(context.Background(), &evH)
	if err != nil {
		t.Fatal(err)
	}
	if evs := b.Block.Evidence.Evidence; len(evs) != 1 || string(evs[0].Hash()) != string(ev.Hash()) {
		t.Fatalf("block %d, which tombstoned the double signer, carries evidence %v, want exactly the broadcast one %X", evH, evs, ev.Hash())
	}
	checkSetChange(t, c0, evH, addr.String(), false)
	waitHeight(t, n.client(victim), evH, startDeadline) // its home's commands ask it

	cut := before.Tokens * params.SlashDoubleSignBps / chain.BasisPoints
	after := validatorOf(t, node, addr)
	if !after.Tombstoned || !after.Jailed || after.Power != 0 || after.Active || after.Tokens != before.Tokens-cut {
		t.Fatalf("double signer after the evidence: %+v, want tombstoned, jailed, inactive, power 0, tokens %d", after, before.Tokens-cut)
	}
	if got := bonded(t, home); got != stake-cut {
		t.Fatalf("the double signer's operator bonds %d after the slash, want %d", got, stake-cut)
	}
	checkTombstonedKeyRefused(t, n, home, params)

	end := height(c0) + 3
	clients := n.clients()
	for _, c := range clients {
		waitHeight(t, c, end+1, startDeadline) // the app hash of end is in end+1
	}
	checkChain(t, clients, end+1, 1)
	t.Logf("double sign at height %d: evidence committed at %d, out of CometBFT's set at %d; %d heights agree on 4 processes; %s",
		infraction, evH, evH+2, end+1, time.Since(began).Round(time.Millisecond))
}

// checkTombstonedKeyRefused funds a new account in the double signer's
// home and has it `quadrant tx create-validator` with the home's
// (tombstoned) consensus key: the command must fail, saying why.
func checkTombstonedKeyRefused(t *testing.T, n *testNet, home string, params chain.StakingParams) {
	t.Helper()
	var spare wallet.KeyInfo
	if err := json.Unmarshal(runCLI(t, "keys", "add", "spare", "--home", home, "-o", "json"), &spare); err != nil {
		t.Fatal(err)
	}
	selfBond := validatorPower * params.PowerReduction
	runCLI(t, "tx", "send", "--home", n.home, "--to", spare.Address, "--amount", strconv.FormatUint(2*selfBond, 10))
	out, err := runCLIErr("tx", "create-validator", "--home", home, "--key", "spare", "--moniker", "again",
		"--self-bond", strconv.FormatUint(selfBond, 10), "-o", "json")
	if err == nil || !strings.Contains(err.Error(), "tombstoned") {
		t.Fatalf("create-validator with the tombstoned key from account %s: %q, %v; want a refusal naming the tombstone", spare.Address, out, err)
	}
}

// TestDowntimeProcesses: on a 4-validator devnet whose genesis jails a
// validator that missed half of a 10-block window for 5 s, validator 3's
// process is stopped. A block jails it (a "jail" event, 0.01 % of its
// tokens burnt) and it leaves CometBFT's set two heights later, as
// `quadrant validators --json` shows. Its process restarts and catches
// up; once the block time passes the jail period its operator's `quadrant
// tx unjail` puts it back in the set two heights after the tx's block, and
// a later commit carries its signature. Every validator process has the
// same block and app hash at every height.
func TestDowntimeProcesses(t *testing.T) {
	if testing.Short() {
		t.Skip("runs four validator processes")
	}
	began := time.Now()
	n := newTestNet(t, 4)
	setStakingParams(t, n, func(p *chain.StakingParams) {
		p.SignedBlocksWindow, p.MaxMissedBps, p.DowntimeJailSeconds = 10, 5000, 5
	})
	n.startAll()
	c0 := n.client(0)
	waitHeight(t, c0, 3, startDeadline)
	const victim = 3
	home, node := n.m.Validators[victim].Home, n.m.Validators[0].RPC
	addr := validatorKeyAddress(t, home)
	params := genesisStaking(t, home)
	before := validatorOf(t, node, addr)
	op := before.Operator.String()

	if err := n.procs[victim].stop(t, syscall.SIGINT, 30*time.Second); err != nil {
		t.Fatalf("validator %d stopped: %v", victim, err)
	}
	stopped := height(c0)
	jailH := stakingEventBlock(t, c0, stopped, chain.EventTypeJail, op)
	checkSetChange(t, c0, jailH, addr.String(), false)
	jailed := validatorOf(t, node, addr)
	cut := before.Tokens * params.SlashDowntimeBps / chain.BasisPoints
	if !jailed.Jailed || jailed.Tombstoned || jailed.Power != 0 || jailed.Tokens != before.Tokens-cut || jailed.JailedUntil == 0 {
		t.Fatalf("stopped validator after its jail block %d: %+v, want jailed (until a time), not tombstoned, power 0, tokens %d", jailH, jailed, before.Tokens-cut)
	}
	stoppedFor, jailedAfter := jailH-stopped, time.Since(began)

	n.start(victim)
	cv := n.client(victim)
	waitHeight(t, cv, height(c0), startDeadline) // caught up
	until := time.Unix(jailed.JailedUntil+1, 0)  // JailedUntil is in whole seconds
	wait.For(t, startDeadline, fmt.Sprintf("a block after the jail period (%s)", until), func() bool {
		h := height(cv) // the unjail's CheckTx runs there, against its last block's time
		return h > 0 && blockTime(t, cv, h).After(until)
	})
	unjailH := stakeCLI(t, "unjail", "--home", home, "--key", "validator")
	unjailedAfter := time.Since(began)
	checkSetChange(t, c0, unjailH, addr.String(), true)
	signed := firstSignedBy(t, c0, unjailH+2, addr)
	if v := validatorOf(t, node, addr); v.Jailed || !v.Active || v.Power != int64(jailed.Tokens/params.PowerReduction) {
		t.Fatalf("validator after unjail: %+v, want active, not jailed, power %d", v, jailed.Tokens/params.PowerReduction)
	}

	end := signed + 1
	clients := n.clients()
	for _, c := range clients {
		waitHeight(t, c, end+1, startDeadline)
	}
	checkChain(t, clients, end+1, 1)
	t.Logf("downtime: stopped at height %d, jailed at %d (%d blocks later, %s into the test), unjailed at %d (%s), signs again at %d; %d heights agree on 4 processes; %s",
		stopped, jailH, stoppedFor, jailedAfter.Round(time.Millisecond), unjailH, unjailedAfter.Round(time.Millisecond), signed, end+1, time.Since(began).Round(time.Millisecond))
}

// firstSignedBy waits for a commit, from height from on, that carries a
// signature of the validator at addr and returns its height.
func firstSignedBy(t *testing.T, c *rpchttp.HTTP, from int64, addr []byte) int64 {
	t.Helper()
	h := from
	wait.For(t, startDeadline, fmt.Sprintf("a commit from height %d on signed by %X", from, addr), func() bool {
		if signedBy(c, h, addr) {
			return true
		}
		if height(c) > h {
			h++
		}
		return false
	})
	return h
}

// validatorKeyAddress is the CometBFT address of the consensus key in
// home.
func validatorKeyAddress(t *testing.T, home string) cmtcrypto.Address {
	t.Helper()
	key, err := loadConsensusKey(home)
	if err != nil {
		t.Fatal(err)
	}
	return key.PubKey().Address()
}

// genesisStaking returns the staking parameters of the genesis in home.
func genesisStaking(t *testing.T, home string) chain.StakingParams {
	t.Helper()
	_, app, err := validator.ReadGenesisFile(validator.GenesisPath(home))
	if err != nil {
		t.Fatal(err)
	}
	return app.Staking.Params
}
