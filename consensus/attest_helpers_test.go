package consensus

import (
	"context"
	"crypto/sha256"
	"testing"
	"time"

	abci "github.com/cometbft/cometbft/abci/types"
	"github.com/cometbft/cometbft/crypto/ed25519"
	cmtproto "github.com/cometbft/cometbft/proto/tendermint/types"
	ethcrypto "github.com/ethereum/go-ethereum/crypto"

	"github.com/quadrant-da/quadrant/chain"
)

// ethKey is a deterministic Ethereum key.
func ethKey(t testing.TB, name string) AttestationKey {
	t.Helper()
	seed := sha256.Sum256([]byte("eth/" + name))
	k, err := ethcrypto.ToECDSA(seed[:])
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func ethAddr(k AttestationKey) chain.HexBytes {
	a := ethcrypto.PubkeyToAddress(k.PublicKey)
	return a[:]
}

// attestNet is n Apps run in lock step as one chain: app 0 proposes, every
// app processes, finalizes and commits; the apps whose validator is in
// CometBFT's set at the height (the genesis set, changed by each block's
// validator updates two heights later, as CometBFT does) extend votes, and
// every app verifies them.
type attestNet struct {
	t      testing.TB
	apps   []*App
	ops    []testKey
	cons   []chain.Address
	eth    []AttestationKey
	height int64
	// last holds the extended votes of the last height.
	last []abci.ExtendedVoteInfo
	// roots are the data roots by height.
	roots map[int64][]byte
	// out marks the apps whose validator left CometBFT's set; due holds
	// the validator updates that take effect at a height.
	out map[int]bool
	due map[int64][]abci.ValidatorUpdate
}

func newAttestNet(t testing.TB, window uint64, bonds ...uint64) *attestNet {
	t.Helper()
	n := &attestNet{t: t, roots: map[int64][]byte{}, out: map[int]bool{}, due: map[int64][]abci.ValidatorUpdate{}}
	g := genesisFor(chain.DefaultParams(), alice)
	g.Attestation = AttestParams{DataCommitmentWindow: window}
	for i, b := range bonds {
		op := newKey("op" + string(rune('a'+i)))
		ck := consKey(op.addr.String())
		ek := ethKey(t, op.addr.String())
		gv := genesisVal(op, ck, b*pr)
		gv.EthAddress = ethAddr(ek)
		g.Staking.Validators = append(g.Staking.Validators, gv)
		g.Accounts = append(g.Accounts, GenesisAccount{Address: op.addr.String(), Balance: richBalance}) // fees of its stake txs
		n.ops, n.eth = append(n.ops, op), append(n.eth, ek)
		var ca chain.Address
		copy(ca[:], ck.PubKey().Address())
		n.cons = append(n.cons, ca)
	}
	for i := range bonds {
		k := n.eth[i]
		n.apps = append(n.apps, newTestApp(t, "", g, func(c *AppConfig) { c.AttestationKey = k }))
	}
	return n
}

// step runs one height with mempool and returns the block's txs.
func (n *attestNet) step(mempool [][]byte) [][]byte {
	t := n.t
	t.Helper()
	ctx := context.Background()
	n.height++
	h, at := n.height, time.Unix(1_700_000_000+n.height, 0)
	n.applyUpdates(h)
	prep, err := n.apps[0].PrepareProposal(ctx, &abci.RequestPrepareProposal{Txs: mempool, Height: h, Time: at, MaxTxBytes: 1 << 30,
		LocalLastCommit: abci.ExtendedCommitInfo{Votes: n.last}})
	if err != nil {
		t.Fatal(err)
	}
	var commit []abci.VoteInfo
	for _, v := range n.last {
		commit = append(commit, abci.VoteInfo{Validator: v.Validator, BlockIdFlag: v.BlockIdFlag})
	}
	hash := sha256.Sum256([]byte{byte(h)})
	for i, app := range n.apps[1:] {
		res, err := app.ProcessProposal(ctx, &abci.RequestProcessProposal{Txs: prep.Txs, Height: h, Time: at, Hash: hash[:],
			ProposedLastCommit: abci.CommitInfo{Votes: commit}})
		if err != nil || res.Status != abci.ResponseProcessProposal_ACCEPT {
			t.Fatalf("height %d: app %d rejects the proposal (%v)", h, i+1, err)
		}
	}
	n.last = nil
	for i, app := range n.apps {
		if n.out[i] {
			continue // not a validator at h: CometBFT does not ask it to vote
		}
		ext, err := app.ExtendVote(ctx, &abci.RequestExtendVote{Height: h, Hash: hash[:], Txs: prep.Txs})
		if err != nil {
			t.Fatal(err)
		}
		for j, other := range n.apps {
			res, err := other.VerifyVoteExtension(ctx, &abci.RequestVerifyVoteExtension{Height: h, ValidatorAddress: n.cons[i][:], VoteExtension: ext.VoteExtension})
			if err != nil || res.Status != abci.ResponseVerifyVoteExtension_ACCEPT {
				t.Fatalf("height %d: app %d rejects app %d's vote extension (%v)", h, j, i, err)
			}
		}
		n.last = append(n.last, abci.ExtendedVoteInfo{Validator: abci.Validator{Address: n.cons[i][:], Power: 1},
			VoteExtension: ext.VoteExtension, BlockIdFlag: cmtproto.BlockIDFlagCommit})
	}
	var appHash []byte
	for i, app := range n.apps {
		fin, err := app.FinalizeBlock(ctx, &abci.RequestFinalizeBlock{Txs: prep.Txs, Height: h, Time: at, Hash: hash[:],
			DecidedLastCommit: abci.CommitInfo{Votes: commit}})
		if err != nil {
			t.Fatal(err)
		}
		if len(fin.TxResults) != len(prep.Txs) {
			t.Fatalf("height %d: %d results for %d txs", h, len(fin.TxResults), len(prep.Txs))
		}
		if i > 0 && string(fin.AppHash) != string(appHash) {
			t.Fatalf("height %d: app %d's app hash %X differs from app 0's %X", h, i, fin.AppHash, appHash)
		}
		appHash = fin.AppHash
		if i == 0 {
			n.due[h+2] = fin.ValidatorUpdates
		}
		if _, err := app.Commit(ctx, &abci.RequestCommit{}); err != nil {
			t.Fatal(err)
		}
	}
	return prep.Txs
}

// applyUpdates applies the validator updates due at height h to the
// apps' membership in CometBFT's set.
func (n *attestNet) applyUpdates(h int64) {
	for _, u := range n.due[h] {
		addr := ed25519.PubKey(u.PubKey.GetEd25519()).Address()
		for i, c := range n.cons {
			if string(c[:]) == string(addr) {
				n.out[i] = u.Power == 0
			}
		}
	}
	delete(n.due, h)
}
