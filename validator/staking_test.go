package validator_test

import (
	"bytes"
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/cometbft/cometbft/crypto/ed25519"

	"github.com/quadrant-da/quadrant/chain"
	"github.com/quadrant-da/quadrant/consensus"
	"github.com/quadrant-da/quadrant/internal/wait"
	"github.com/quadrant-da/quadrant/validator"
	"github.com/quadrant-da/quadrant/validator/validatortest"
	"github.com/quadrant-da/quadrant/wallet"
)

// stakeWithin submits msg from key through node n and waits until it is
// included, failing the test unless it applied.
func stakeWithin(t *testing.T, n *validator.Node, key *wallet.Key, msg chain.StakeMsg, within time.Duration) int64 {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), within)
	defer cancel()
	s := startSubmitter(t, ctx, n, key)
	sub, err := s.Stake(ctx, msg)
	if err != nil {
		t.Fatalf("%s: %v", msg.Name(), err)
	}
	st, err := sub.Wait(ctx)
	if err != nil {
		t.Fatalf("%s: %v", msg.Name(), err)
	}
	if st.Code != chain.CodeOK {
		t.Fatalf("%s failed in block %d: code %d: %s", msg.Name(), st.Height, st.Code, st.Reason)
	}
	return st.Height
}

// cometSet returns CometBFT's validator set at height as address → power.
func cometSet(t *testing.T, n *validator.Node, height int64) map[string]int64 {
	t.Helper()
	res, err := n.Client().Validators(context.Background(), &height, nil, nil)
	if err != nil {
		t.Fatalf("validators at %d: %v", height, err)
	}
	out := map[string]int64{}
	for _, v := range res.Validators {
		out[v.Address.String()] = v.VotingPower
	}
	return out
}

func queryJSON(t *testing.T, n *validator.Node, path string, v any) {
	t.Helper()
	res, err := n.Client().ABCIQuery(context.Background(), path, nil)
	if err != nil || res.Response.Code != chain.CodeOK {
		t.Fatalf("query %s: %v %+v", path, err, res)
	}
	if err := json.Unmarshal(res.Response.Value, v); err != nil {
		t.Fatal(err)
	}
}

// TestOpenValidatorSet runs four genesis validators and a fifth node: the
// fifth becomes a validator by create-validator, then a genesis validator
// undelegates its whole self-bond and leaves. CometBFT's set follows at
// exactly two heights after each transaction's block, blocks keep
// committing, every node has the same app hash at every height, and the
// undelegated stake comes back after the unbonding period.
func TestOpenValidatorSet(t *testing.T) {
	if testing.Short() {
		t.Skip("runs five CometBFT nodes")
	}
	pr := uint64(chain.DefaultPowerReduction)
	nw := validatortest.NewNetwork(t, 4, 1, 200*time.Millisecond, 10*pr, func(g *consensus.GenesisState) {
		g.Staking.Params.UnbondingSeconds = 2
	})
	nodes := make([]*validator.Node, len(nw.Members))
	for i := range nodes {
		nodes[i] = nw.Start(t, i)
	}
	validatortest.WaitHeight(t, nodes[0].Client(), 3, 60*time.Second)

	// A fifth validator joins by transaction.
	newcomer := nw.Members[4]
	h := stakeWithin(t, nodes[0], newcomer.Operator, chain.StakeMsg{CreateValidator: &chain.CreateValidator{
		ConsKeyType: ed25519.KeyType, ConsPubKey: newcomer.ValKey.PubKey().Bytes(), ProofOfPossession: nw.ProofOfPossession(t, 4),
		Moniker: "newcomer", CommissionBps: 500, SelfBond: 5 * pr,
	}}, 60*time.Second)
	validatortest.WaitHeight(t, nodes[0].Client(), h+3, 60*time.Second)
	addr4 := nw.ConsAddress(4).String()
	if _, in := cometSet(t, nodes[0], h+1)[addr4]; in {
		t.Fatalf("new validator already in CometBFT's set at %d (its tx is in block %d; updates apply at +2)", h+1, h)
	}
	if p := cometSet(t, nodes[0], h+2)[addr4]; p != 5 {
		t.Fatalf("new validator power at %d = %d, want 5 (set %v)", h+2, p, cometSet(t, nodes[0], h+2))
	}

	// A genesis validator undelegates everything and leaves the set.
	leaver := nw.Members[3]
	op3 := leaver.Operator.Address()
	var before chain.AccountInfo
	queryJSON(t, nodes[0], "/account/"+op3.String(), &before)
	h2 := stakeWithin(t, nodes[0], leaver.Operator, chain.StakeMsg{Undelegate: &chain.Delegation{Validator: op3, Amount: 10 * pr}}, 60*time.Second)
	validatortest.WaitHeight(t, nodes[0].Client(), h2+3, 60*time.Second)
	addr3 := nw.ConsAddress(3).String()
	if p := cometSet(t, nodes[0], h2+1)[addr3]; p != 10 {
		t.Fatalf("leaving validator power at %d = %d, want still 10", h2+1, p)
	}
	if set := cometSet(t, nodes[0], h2+2); set[addr3] != 0 || len(set) != 4 {
		t.Fatalf("set at %d = %v, want 4 validators without %s", h2+2, set, addr3)
	}

	// The stake comes back after the unbonding period (2 s of block time).
	wait.For(t, 60*time.Second, "the unbonded stake returned", func() bool {
		var stake chain.StakeInfo
		queryJSON(t, nodes[0], "/stake/"+op3.String(), &stake)
		var acc chain.AccountInfo
		queryJSON(t, nodes[0], "/account/"+op3.String(), &acc)
		return stake.Unbonding == 0 && stake.Bonded == 0 && acc.Balance >= before.Balance+10*pr-chain.DefaultFixedTxGas
	})

	// Blocks keep committing on every node, with one app hash per height.
	top, err := nodes[0].Client().Status(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	last := top.SyncInfo.LatestBlockHeight + 2
	for _, n := range nodes {
		validatortest.WaitHeight(t, n.Client(), last, 60*time.Second)
	}
	for height := int64(1); height <= last; height++ {
		var want []byte
		for i, n := range nodes {
			b, err := n.Client().Block(context.Background(), &height)
			if err != nil {
				t.Fatalf("node %d block %d: %v", i, height, err)
			}
			if i == 0 {
				want = b.Block.AppHash
			} else if !bytes.Equal(b.Block.AppHash, want) {
				t.Fatalf("height %d: node %d app hash %X, node 0 %X", height, i, b.Block.AppHash, want)
			}
		}
	}
	var vals []chain.ValidatorInfo
	queryJSON(t, nodes[4], "/validators", &vals)
	if len(vals) != 5 || vals[len(vals)-1].Power != 0 || !bytes.Equal(vals[len(vals)-1].Operator, op3[:]) {
		t.Fatalf("/validators = %+v, want 5 with %s last at power 0", vals, op3)
	}
}
