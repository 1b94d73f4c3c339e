package consensus

import (
	"context"
	"testing"
	"time"

	abci "github.com/cometbft/cometbft/abci/types"
	"github.com/cometbft/cometbft/crypto/ed25519"

	"github.com/quadrant-da/quadrant/chain"
)

const pr = chain.DefaultPowerReduction

// consKey is a deterministic consensus key.
func consKey(name string) ed25519.PrivKey {
	return ed25519.GenPrivKeyFromSecret([]byte("cons/" + name))
}

// stakeTx is a signed staking tx paying the fixed gas at price 1.
func stakeTx(t testing.TB, from testKey, seq uint64, msg chain.StakeMsg, opts ...func(*chain.StakeTx)) []byte {
	t.Helper()
	tx := &chain.StakeTx{ChainID: testChainID, Sequence: seq, GasLimit: chain.DefaultFixedTxGas, GasPrice: 1, Msg: msg}
	for _, o := range opts {
		o(tx)
	}
	if err := tx.Sign(from.priv); err != nil {
		t.Fatal(err)
	}
	raw, err := tx.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

// createMsg is a valid create-validator for operator op with consensus
// key ck.
func createMsg(t testing.TB, op testKey, ck ed25519.PrivKey, selfBond uint64) chain.StakeMsg {
	t.Helper()
	pop, err := ck.Sign(chain.PossessionBytes(testChainID, op.addr))
	if err != nil {
		t.Fatal(err)
	}
	return chain.StakeMsg{CreateValidator: &chain.CreateValidator{ConsKeyType: ed25519.KeyType, ConsPubKey: ck.PubKey().Bytes(),
		ProofOfPossession: pop, Moniker: "v-" + op.addr.String()[:6], CommissionBps: 1000, SelfBond: selfBond}}
}

// genesisVal is a genesis validator run by op with consensus key ck.
func genesisVal(op testKey, ck ed25519.PrivKey, selfBond uint64) GenesisValidator {
	return GenesisValidator{Operator: op.addr, PubKey: ck.PubKey().Bytes(), Moniker: "g", CommissionBps: 1000, SelfBond: selfBond}
}

// finalize runs one height through PrepareProposal, ProcessProposal,
// FinalizeBlock (with block time at and the given votes and evidence) and
// Commit.
func finalize(t testing.TB, app *App, height int64, at time.Time, mempool [][]byte, votes []abci.VoteInfo, mis []abci.Misbehavior) *abci.ResponseFinalizeBlock {
	t.Helper()
	ctx := context.Background()
	prep, err := app.PrepareProposal(ctx, &abci.RequestPrepareProposal{Txs: mempool, Height: height, MaxTxBytes: 1 << 30})
	if err != nil {
		t.Fatal(err)
	}
	fin, err := app.FinalizeBlock(ctx, &abci.RequestFinalizeBlock{Txs: prep.Txs, Height: height, Time: at,
		DecidedLastCommit: abci.CommitInfo{Votes: votes}, Misbehavior: mis})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := app.Commit(ctx, &abci.RequestCommit{}); err != nil {
		t.Fatal(err)
	}
	return fin
}

// testBase is an account map with a staking state, as a Ledger base.
type testBase struct {
	Accounts
	st *Staking
}

func (b testBase) StakingState() *Staking { return b.st }
