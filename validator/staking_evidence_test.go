package validator_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"testing"
	"time"

	cmtproto "github.com/cometbft/cometbft/proto/tendermint/types"
	cmttypes "github.com/cometbft/cometbft/types"

	"github.com/quadrant-da/quadrant/chain"
	"github.com/quadrant-da/quadrant/consensus"
	"github.com/quadrant-da/quadrant/internal/wait"
	"github.com/quadrant-da/quadrant/validator"
	"github.com/quadrant-da/quadrant/validator/validatortest"
	"github.com/quadrant-da/quadrant/wallet"
)

// conflictingVotes signs two precommits for different blocks at height h
// with member i's consensus key: the double sign CometBFT's evidence
// catches.
func conflictingVotes(t *testing.T, nw *validatortest.Network, n *validator.Node, i int, h int64) *cmttypes.DuplicateVoteEvidence {
	t.Helper()
	ctx := context.Background()
	res, err := n.Client().Validators(ctx, &h, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	set := cmttypes.NewValidatorSet(res.Validators)
	blk, err := n.Client().Block(ctx, &h)
	if err != nil {
		t.Fatal(err)
	}
	addr := nw.ConsAddress(i)
	idx, _ := set.GetByAddress(addr)
	vote := func(seed string) *cmttypes.Vote {
		hash := sha256.Sum256([]byte(seed))
		part := sha256.Sum256([]byte(seed + "/parts"))
		v := &cmttypes.Vote{Type: cmtproto.PrecommitType, Height: h, Round: 0,
			BlockID:   cmttypes.BlockID{Hash: hash[:], PartSetHeader: cmttypes.PartSetHeader{Total: 1, Hash: part[:]}},
			Timestamp: blk.Block.Time, ValidatorAddress: addr, ValidatorIndex: idx}
		sig, err := nw.Members[i].ValKey.Sign(cmttypes.VoteSignBytes(nw.ChainID, v.ToProto()))
		if err != nil {
			t.Fatal(err)
		}
		v.Signature = sig
		return v
	}
	ev, err := cmttypes.NewDuplicateVoteEvidence(vote("a"), vote("b"), blk.Block.Time, set)
	if err != nil {
		t.Fatal(err)
	}
	return ev
}

// TestDoubleSignSlashes: evidence of a duplicate vote, submitted through
// CometBFT's broadcast_evidence, is committed; the app burns 5 % of the
// validator's bond, jails and tombstones it, CometBFT's set drops it two
// heights after the evidence's block, blocks keep coming, and its unjail
// is refused for good.
func TestDoubleSignSlashes(t *testing.T) {
	if testing.Short() {
		t.Skip("runs four CometBFT nodes")
	}
	pr := uint64(chain.DefaultPowerReduction)
	nw := validatortest.NewNetwork(t, 4, 0, 200*time.Millisecond, 100*pr, nil)
	nodes := make([]*validator.Node, 4)
	for i := range nodes {
		nodes[i] = nw.Start(t, i)
	}
	c := nodes[0].Client()
	validatortest.WaitHeight(t, c, 4, 60*time.Second)
	ev := conflictingVotes(t, nw, nodes[0], 3, 3)
	if _, err := c.BroadcastEvidence(context.Background(), ev); err != nil {
		t.Fatalf("broadcast_evidence: %v", err)
	}

	// Wait for the block that carries it.
	var evHeight int64
	h := int64(4)
	wait.For(t, 60*time.Second, "the block that carries the evidence", func() bool {
		b, err := c.Block(context.Background(), &h)
		if err != nil {
			return false // not there yet
		}
		if len(b.Block.Evidence.Evidence) > 0 {
			evHeight = h
			return true
		}
		h++
		return false
	})
	validatortest.WaitHeight(t, c, evHeight+3, 60*time.Second)
	addr3 := nw.ConsAddress(3).String()
	if set := cometSet(t, nodes[0], evHeight+1); set[addr3] != 100 {
		t.Fatalf("set at %d: %v, want the double signer still there", evHeight+1, set)
	}
	if set := cometSet(t, nodes[0], evHeight+2); len(set) != 3 || set[addr3] != 0 {
		t.Fatalf("set at %d: %v, want 3 validators without the double signer", evHeight+2, set)
	}
	var vals []chain.ValidatorInfo
	queryJSON(t, nodes[1], "/validators", &vals)
	op3 := nw.Members[3].Operator.Address()
	for _, v := range vals {
		if bytes.Equal(v.Operator, op3[:]) {
			if !v.Tombstoned || !v.Jailed || v.Power != 0 || v.Tokens != 95*pr {
				t.Fatalf("double signer after slashing: %+v, want tombstoned, jailed, tokens %d", v, 95*pr)
			}
		}
	}

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	s := startSubmitter(t, ctx, nodes[0], nw.Members[3].Operator)
	var rej *wallet.RejectedError
	if _, err := s.Stake(ctx, chain.StakeMsg{Unjail: true}); !errors.As(err, &rej) || rej.Code != chain.CodeValidatorTombstoned {
		t.Fatalf("unjail of a tombstoned validator: %v", err)
	}
	validatortest.WaitHeight(t, nodes[3].Client(), evHeight+6, 60*time.Second)
}

// TestDowntimeJail: a validator that stops is jailed once it missed half
// of a 10-block window and leaves CometBFT's set while the others go on;
// its operator's unjail after the jail period puts it back in the set two
// heights later. (The node stays stopped: restarting an in-process node
// among running peers is refused by them, see the report of issue 11.)
func TestDowntimeJail(t *testing.T) {
	if testing.Short() {
		t.Skip("runs four CometBFT nodes")
	}
	pr := uint64(chain.DefaultPowerReduction)
	nw := validatortest.NewNetwork(t, 4, 0, 200*time.Millisecond, 10*pr, func(g *consensus.GenesisState) {
		g.Staking.Params.SignedBlocksWindow = 10
		g.Staking.Params.MaxMissedBps = 5000
		g.Staking.Params.DowntimeJailSeconds = 2
	})
	nodes := make([]*validator.Node, 4)
	for i := range nodes {
		nodes[i] = nw.Start(t, i)
	}
	c := nodes[0].Client()
	validatortest.WaitHeight(t, c, 3, 60*time.Second)
	if err := nodes[3].Stop(); err != nil {
		t.Fatal(err)
	}
	op3 := nw.Members[3].Operator.Address()
	jailed := func() (bool, chain.ValidatorInfo) {
		var vals []chain.ValidatorInfo
		queryJSON(t, nodes[0], "/validators", &vals)
		for _, v := range vals {
			if bytes.Equal(v.Operator, op3[:]) {
				return v.Jailed, v
			}
		}
		t.Fatalf("validator %s missing from %+v", op3, vals)
		return false, chain.ValidatorInfo{}
	}
	var v chain.ValidatorInfo
	wait.For(t, 90*time.Second, "the stopped validator jailed", func() bool {
		var j bool
		j, v = jailed()
		return j
	})
	if v.Tombstoned || v.Tokens != 10*pr-10*pr/10000 {
		t.Fatalf("jailed for downtime: %+v, want tokens %d and not tombstoned", v, 10*pr-10*pr/10000)
	}
	st, err := c.Status(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	now := st.SyncInfo.LatestBlockHeight
	validatortest.WaitHeight(t, c, now+3, 60*time.Second)
	addr3 := nw.ConsAddress(3).String()
	if set := cometSet(t, nodes[0], now+2); len(set) != 3 || set[addr3] != 0 {
		t.Fatalf("set at %d: %v, want the jailed validator out", now+2, set)
	}

	// After the jail period (2 s of block time) unjail brings it back into
	// CometBFT's set (still stopped, it will miss blocks again).
	validatortest.WaitHeight(t, c, now+15, 60*time.Second)
	h := stakeWithin(t, nodes[0], nw.Members[3].Operator, chain.StakeMsg{Unjail: true}, 60*time.Second)
	validatortest.WaitHeight(t, c, h+3, 60*time.Second)
	if set := cometSet(t, nodes[0], h+2); len(set) != 4 || set[addr3] != 9 {
		t.Fatalf("set at %d after unjail: %v, want it back at power 9", h+2, set)
	}
}
