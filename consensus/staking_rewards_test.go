package consensus

import (
	"context"
	"encoding/json"
	"math/rand"
	"testing"
	"time"

	abci "github.com/cometbft/cometbft/abci/types"

	"github.com/quadrant-da/quadrant/chain"
)

// TestRewardsLazySums: fees are split by power and on to delegators minus
// commission through the per-share accumulator, never by visiting every
// delegator. Over random blocks of fees and delegation changes, what the
// accounts received (commissions, rewards paid when delegations changed,
// rewards still pending) adds up to the fees, short only of dust: at most
// one base unit per payout and per share change.
func TestRewardsLazySums(t *testing.T) {
	l, _ := stakingFixture(t, nil, 30*pr, 10*pr)
	total := func() uint64 { // every account balance plus bonded, unbonding and pending
		var sum uint64
		for _, k := range []testKey{alice, bob, carol, dave} {
			info := stakeOf(l.StakingState(), k.addr)
			sum += l.Account(k.addr).Balance + info.Bonded + info.Unbonding + info.Rewards
		}
		return sum
	}
	start := total()
	rng := rand.New(rand.NewSource(7))
	var fees, ops uint64
	for h := int64(1); h <= 200; h++ {
		l.height, l.now = h, time.Unix(h, 0).UnixNano()
		switch rng.Intn(4) {
		case 0:
			mustApply(t, l, carol, chain.StakeMsg{Delegate: &chain.Delegation{Validator: alice.addr, Amount: uint64(rng.Intn(5*pr) + 1)}})
			ops += 2
		case 1:
			mustApply(t, l, dave, chain.StakeMsg{Delegate: &chain.Delegation{Validator: bob.addr, Amount: uint64(rng.Intn(5*pr) + 1)}})
			ops += 2
		}
		f := uint64(rng.Intn(1_000_000))
		l.fees, fees = f, fees+f
		endBlock(l, stakingBlock{})
	}
	st := l.StakingState()
	got := total() + st.FeeRemainder
	if got > start+fees || start+fees-got > ops+8 {
		t.Fatalf("balances+stake+pending+carry = %d, want %d (fees %d) minus at most %d of dust", got, start+fees, fees, ops+8)
	}
	// Power 3 : 1 at the start; a delegator's share follows its stake.
	a, b := stakeOf(st, alice.addr).Rewards, stakeOf(st, bob.addr).Rewards
	if a == 0 || b == 0 {
		t.Fatalf("self-bond rewards alice %d bob %d, want both > 0", a, b)
	}
}

// TestFinalizeBlockStaking drives the App: a create-validator tx leaves
// FinalizeBlock as a validator update, the block's fees go to the
// validators, the staking state is in the app hash and survives a
// restart (the stored state is checked against it).
func TestFinalizeBlockStaking(t *testing.T) {
	dir := t.TempDir()
	g := genesisFor(chain.DefaultParams(), alice, bob)
	g.Staking.Params = chain.DefaultStakingParams()
	g.Staking.Validators = []GenesisValidator{genesisVal(alice, consKey("alice"), 10*pr)}
	app := newTestApp(t, dir, g)
	res, err := app.InitChain(context.Background(), &abci.RequestInitChain{ChainId: testChainID, InitialHeight: 1, AppStateBytes: mustJSON(t, g)})
	if err != nil || len(res.Validators) != 1 || res.Validators[0].Power != 10 {
		t.Fatalf("InitChain validators %v, err %v", res, err)
	}
	hash0 := res.AppHash
	now := time.Unix(100, 0)
	fin := finalize(t, app, 1, now, [][]byte{stakeTx(t, bob, 0, createMsg(t, bob, consKey("bob"), 4*pr))}, nil, nil)
	if fin.TxResults[0].Code != chain.CodeOK {
		t.Fatalf("create-validator failed: %s", fin.TxResults[0].Log)
	}
	if len(fin.ValidatorUpdates) != 1 || fin.ValidatorUpdates[0].Power != 4 {
		t.Fatalf("validator updates %v, want bob's at power 4", fin.ValidatorUpdates)
	}
	fee := chain.DefaultFixedTxGas * uint64(1)
	if got := queryAccount(t, app, bob.addr).Balance; got != richBalance-fee-4*pr {
		t.Fatalf("bob's balance %d, want %d", got, richBalance-fee-4*pr)
	}
	// The fee went to alice (the only active validator): 10 % commission
	// to her balance at once, the rest as pending self-bond rewards.
	stake := stakeOf(app.committed.Staking, alice.addr)
	if got := queryAccount(t, app, alice.addr).Balance - richBalance; got != fee/10 || stake.Rewards != fee-fee/10 {
		t.Fatalf("alice got commission %d and rewards %d, want %d and %d", got, stake.Rewards, fee/10, fee-fee/10)
	}
	if string(fin.AppHash) == string(hash0) {
		t.Fatal("app hash did not change with the staking state")
	}
	if err := app.Close(); err != nil {
		t.Fatal(err)
	}
	again := reopen(t, dir)
	var vals []chain.ValidatorInfo
	r, _ := again.Query(context.Background(), &abci.RequestQuery{Path: "/validators"})
	if err := json.Unmarshal(r.Value, &vals); err != nil || len(vals) != 2 || vals[0].Power != 10 || vals[1].Power != 4 || !vals[1].Active {
		t.Fatalf("/validators after restart: %+v (%v)", vals, err)
	}
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestFeesSplitByPower: one block's fees are split 3:1 between validators
// of power 30 and 10; each operator gets its 10 % commission at once, and
// a delegator holding half of a validator's shares earns half of the rest.
func TestFeesSplitByPower(t *testing.T) {
	l, _ := stakingFixture(t, nil, 15*pr, 10*pr)
	mustApply(t, l, carol, chain.StakeMsg{Delegate: &chain.Delegation{Validator: alice.addr, Amount: 15 * pr}})
	l.stakingForWrite().updateActiveSet() // alice 30, bob 10
	balance := func(k testKey) uint64 { return l.Account(k.addr).Balance }
	aliceBefore, bobBefore := balance(alice), balance(bob)
	l.fees = 40_000
	endBlock(l, stakingBlock{})
	st := l.StakingState()
	if got := balance(alice) - aliceBefore; got != 3_000 {
		t.Fatalf("alice's commission %d, want 3000 (10 %% of 30000)", got)
	}
	if got := balance(bob) - bobBefore; got != 1_000 {
		t.Fatalf("bob's commission %d, want 1000 (10 %% of 10000)", got)
	}
	a, c, b := stakeOf(st, alice.addr).Rewards, stakeOf(st, carol.addr).Rewards, stakeOf(st, bob.addr).Rewards
	if a != 13_500 || c != 13_500 || b != 9_000 || st.FeeRemainder != 0 {
		t.Fatalf("pending rewards alice %d carol %d bob %d (carry %d), want 13500, 13500, 9000", a, c, b, st.FeeRemainder)
	}
	// Bob withdraws his; carol collects when her delegation changes.
	bobNow := balance(bob)
	mustApply(t, l, bob, chain.StakeMsg{WithdrawRewards: &bob.addr})
	if balance(bob) != bobNow+9_000 || stakeOf(l.StakingState(), bob.addr).Rewards != 0 {
		t.Fatalf("bob's balance %d after withdraw, want %d", balance(bob), bobNow+9_000)
	}
	carolBefore := balance(carol)
	mustApply(t, l, carol, chain.StakeMsg{Delegate: &chain.Delegation{Validator: alice.addr, Amount: 1}})
	if got := carolBefore - 1 + 13_500; balance(carol) != got || stakeOf(l.StakingState(), carol.addr).Rewards != 0 {
		t.Fatalf("carol's balance %d after collecting, want %d", balance(carol), got)
	}
}
