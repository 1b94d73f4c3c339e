package consensus

import (
	"bytes"
	"testing"
	"time"

	abci "github.com/cometbft/cometbft/abci/types"
	cmtproto "github.com/cometbft/cometbft/proto/tendermint/types"

	"github.com/quadrant-da/quadrant/chain"
)

// stakingFixture builds a staking state with genesis validators of the
// given self-bonds (operators alice, bob, carol, dave in order) and params
// edited by tweak, and a ledger over it with every test key funded.
func stakingFixture(t *testing.T, tweak func(*chain.StakingParams), bonds ...uint64) (*ledger, []testKey) {
	t.Helper()
	g := GenesisStaking{Params: chain.DefaultStakingParams()}
	if tweak != nil {
		tweak(&g.Params)
	}
	ops := []testKey{alice, bob, carol, dave}[:len(bonds)]
	for i, b := range bonds {
		g.Validators = append(g.Validators, genesisVal(ops[i], consKey(ops[i].addr.String()), b))
	}
	base := testBase{Accounts: Accounts{}, st: genesisStaking(g)}
	for _, k := range []testKey{alice, bob, carol, dave} {
		base.Accounts[k.addr] = Account{Balance: richBalance}
	}
	return newLedger(base), ops
}

func mustApply(t *testing.T, l *ledger, signer testKey, msg chain.StakeMsg) {
	t.Helper()
	if terr := applyStakeMsg(l, signer.addr, msg); terr != nil {
		t.Fatalf("%s: %v", msg.Name(), terr)
	}
}

func consOf(l *ledger, op testKey) chain.Address {
	return l.StakingState().Validators[op.addr].ConsAddress()
}

// TestActiveSet: power is bonded ÷ power reduction; the set holds at most
// max_validators by power, ties broken by consensus address; jailed
// validators leave it, and the updates name exactly what changed.
func TestActiveSet(t *testing.T) {
	l, ops := stakingFixture(t, func(p *chain.StakingParams) { p.MaxValidators = 2 }, 3*pr+pr/2, 3*pr, 3*pr, 1*pr)
	st := l.StakingState()
	if got := st.Power(st.Validators[alice.addr]); got != 3 {
		t.Fatalf("power of 3.5 units = %d, want 3", got)
	}
	// alice, bob, carol tie at 3: the two lowest consensus addresses win.
	tied := []chain.Address{consOf(l, ops[0]), consOf(l, ops[1]), consOf(l, ops[2])}
	lowest := map[chain.Address]bool{}
	for _, a := range sortedAddrs(map[chain.Address]bool{tied[0]: true, tied[1]: true, tied[2]: true})[:2] {
		lowest[a] = true
	}
	if len(st.Active) != 2 || !lowest[sortedAddrs(st.Active)[0]] || !lowest[sortedAddrs(st.Active)[1]] {
		t.Fatalf("active = %v, want the two lowest of %v", st.Active, tied)
	}
	// dave delegates to himself and tops the set; one tied validator drops.
	mustApply(t, l, dave, chain.StakeMsg{Delegate: &chain.Delegation{Validator: dave.addr, Amount: 9 * pr}})
	ups := l.stakingForWrite().updateActiveSet()
	w := l.StakingState()
	if w.Active[consOf(l, dave)] != 10 || len(w.Active) != 2 || len(ups) != 2 {
		t.Fatalf("after delegation: active %v, updates %v", w.Active, ups)
	}
	// Jailing dave brings the tie back.
	w.Validators[dave.addr].Jailed = true
	ups = w.updateActiveSet()
	if _, in := w.Active[consOf(l, dave)]; in || len(w.Active) != 2 || len(ups) != 2 {
		t.Fatalf("after jail: active %v, updates %v", w.Active, ups)
	}
	for _, u := range ups {
		if bytes.Equal(u.PubKey.GetEd25519(), w.Validators[dave.addr].PubKey) && u.Power != 0 {
			t.Fatalf("jailed validator's update has power %d, want 0", u.Power)
		}
	}
}

// TestUnbondingMaturity: undelegated tokens come back exactly when the
// unbonding period has passed, not a block before.
func TestUnbondingMaturity(t *testing.T) {
	l, _ := stakingFixture(t, func(p *chain.StakingParams) { p.UnbondingSeconds = 60 }, 10*pr, 10*pr)
	t0 := time.Unix(1_000_000, 0)
	l.now, l.height = t0.UnixNano(), 5
	mustApply(t, l, carol, chain.StakeMsg{Delegate: &chain.Delegation{Validator: alice.addr, Amount: 4 * pr}})
	mustApply(t, l, carol, chain.StakeMsg{Undelegate: &chain.Delegation{Validator: alice.addr, Amount: 3 * pr}})
	before := l.Account(carol.addr).Balance
	if info := stakeOf(l.StakingState(), carol.addr); info.Bonded != pr || info.Unbonding != 3*pr {
		t.Fatalf("stake after undelegate: %+v", info)
	}
	l.now = t0.Add(59 * time.Second).UnixNano()
	endBlock(l, stakingBlock{})
	if got := l.Account(carol.addr).Balance; got != before {
		t.Fatalf("paid out early: balance %d, was %d", got, before)
	}
	l.now = t0.Add(60 * time.Second).UnixNano()
	_, events := endBlock(l, stakingBlock{})
	if got := l.Account(carol.addr).Balance; got != before+3*pr || len(l.StakingState().Unbonding) != 0 {
		t.Fatalf("at maturity: balance %d, want %d; entries %d", got, before+3*pr, len(l.StakingState().Unbonding))
	}
	if len(events) != 1 || events[0].Type != chain.EventTypeUnbonded {
		t.Fatalf("events %v, want one %s", events, chain.EventTypeUnbonded)
	}
}

// TestEquivocationSlash: duplicate-vote evidence burns 5 % of the bond and
// of the unbonding entries created at or after the infraction height (not
// older ones), jails and tombstones for good; later evidence is ignored.
func TestEquivocationSlash(t *testing.T) {
	l, _ := stakingFixture(t, nil, 100*pr, 100*pr)
	l.now = time.Unix(1000, 0).UnixNano()
	l.height = 3
	mustApply(t, l, alice, chain.StakeMsg{Undelegate: &chain.Delegation{Validator: alice.addr, Amount: 20 * pr}}) // before
	l.height = 8
	mustApply(t, l, alice, chain.StakeMsg{Undelegate: &chain.Delegation{Validator: alice.addr, Amount: 20 * pr}}) // after
	cons := consOf(l, alice)
	mis := []abci.Misbehavior{{Type: abci.MisbehaviorType_DUPLICATE_VOTE, Validator: abci.Validator{Address: cons[:], Power: 60}, Height: 5}}
	l.height = 10
	ups, events := endBlock(l, stakingBlock{misbehavior: mis})
	st := l.StakingState()
	v := st.Validators[alice.addr]
	if v.Tokens != 60*pr-3*pr || !v.Jailed || !v.Tombstoned {
		t.Fatalf("validator after slash: tokens %d, jailed %v, tombstoned %v", v.Tokens, v.Jailed, v.Tombstoned)
	}
	if old, recent := st.Unbonding[0].Balance, st.Unbonding[1].Balance; old != 20*pr || recent != 19*pr {
		t.Fatalf("unbonding balances %d (before the infraction) and %d (after), want %d and %d", old, recent, 20*pr, 19*pr)
	}
	if len(ups) != 1 || ups[0].Power != 0 || len(events) != 2 {
		t.Fatalf("updates %v events %v", ups, events)
	}
	if terr := applyStakeMsg(l, alice.addr, chain.StakeMsg{Unjail: true}); terr == nil || terr.Code != chain.CodeValidatorTombstoned {
		t.Fatalf("unjail of a tombstoned validator: %v", terr)
	}
	endBlock(l, stakingBlock{misbehavior: mis})
	if got := l.StakingState().Validators[alice.addr].Tokens; got != 57*pr {
		t.Fatalf("second evidence slashed again: tokens %d", got)
	}
}

// TestDowntimeJail: a validator that misses half of a 10-block window is
// jailed and slashed 0.01 %; unjail is refused until the jail period
// passed and brings it back into the set.
func TestDowntimeJail(t *testing.T) {
	l, _ := stakingFixture(t, func(p *chain.StakingParams) {
		p.SignedBlocksWindow, p.MaxMissedBps, p.DowntimeJailSeconds = 10, 5000, 30
	}, 100*pr, 100*pr)
	ca, cb := consOf(l, alice), consOf(l, bob)
	t0 := time.Unix(5000, 0)
	var jailedAt int
	for i := range 10 {
		l.height, l.now = int64(i+2), t0.Add(time.Duration(i)*time.Second).UnixNano()
		flag := cmtproto.BlockIDFlagCommit
		if i%2 == 0 {
			flag = cmtproto.BlockIDFlagAbsent // bob misses every other block
		}
		ups, _ := endBlock(l, stakingBlock{votes: []abci.VoteInfo{
			{Validator: abci.Validator{Address: ca[:]}, BlockIdFlag: cmtproto.BlockIDFlagCommit},
			{Validator: abci.Validator{Address: cb[:]}, BlockIdFlag: flag},
		}})
		if len(ups) > 0 {
			jailedAt = i
		}
	}
	v := l.StakingState().Validators[bob.addr]
	if jailedAt != 9 || !v.Jailed || v.Tombstoned || v.Tokens != 100*pr-100*pr/10000 {
		t.Fatalf("jailed at block %d (want 9), jailed %v tombstoned %v tokens %d", jailedAt, v.Jailed, v.Tombstoned, v.Tokens)
	}
	if l.StakingState().Validators[alice.addr].Jailed {
		t.Fatal("the validator that signed everything was jailed")
	}
	l.now = t0.Add(9*time.Second + 29*time.Second).UnixNano()
	if terr := applyStakeMsg(l, bob.addr, chain.StakeMsg{Unjail: true}); terr == nil || terr.Code != chain.CodeValidatorJailed {
		t.Fatalf("early unjail: %v", terr)
	}
	l.now = t0.Add(9*time.Second + 30*time.Second).UnixNano()
	mustApply(t, l, bob, chain.StakeMsg{Unjail: true})
	if ups := l.stakingForWrite().updateActiveSet(); len(ups) != 1 || ups[0].Power != 99 {
		t.Fatalf("after unjail: updates %v, want bob back at power 99", ups)
	}
}
