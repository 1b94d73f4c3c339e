package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"testing"

	"github.com/cometbft/cometbft/crypto/ed25519"
	cmtproto "github.com/cometbft/cometbft/proto/tendermint/types"
	rpchttp "github.com/cometbft/cometbft/rpc/client/http"
	cmttypes "github.com/cometbft/cometbft/types"

	"github.com/quadrant-da/quadrant/chain"
	"github.com/quadrant-da/quadrant/internal/wait"
	"github.com/quadrant-da/quadrant/validator"
)

// duplicatePrecommits signs, with key, two precommits for different
// (made-up) blocks at height h of the chain c serves, and returns them as
// the DuplicateVoteEvidence CometBFT's broadcast_evidence takes: the
// double sign a second copy of a validator's key would commit. The
// evidence carries h's block time and validator set, as CometBFT's
// evidence pool checks.
func duplicatePrecommits(t *testing.T, c *rpchttp.HTTP, chainID string, key ed25519.PrivKey, h int64) *cmttypes.DuplicateVoteEvidence {
	t.Helper()
	ctx := context.Background()
	perPage := 100
	res, err := c.Validators(ctx, &h, nil, &perPage)
	if err != nil {
		t.Fatalf("validators at %d: %v", h, err)
	}
	set := cmttypes.NewValidatorSet(res.Validators)
	blk, err := c.Block(ctx, &h)
	if err != nil {
		t.Fatalf("block %d: %v", h, err)
	}
	addr := key.PubKey().Address()
	idx, val := set.GetByAddress(addr)
	if val == nil {
		t.Fatalf("key %s is not in CometBFT's set at height %d", addr, h)
	}
	vote := func(seed string) *cmttypes.Vote {
		hash := sha256.Sum256([]byte(seed))
		part := sha256.Sum256([]byte(seed + "/parts"))
		v := &cmttypes.Vote{Type: cmtproto.PrecommitType, Height: h, Round: 0,
			BlockID:   cmttypes.BlockID{Hash: hash[:], PartSetHeader: cmttypes.PartSetHeader{Total: 1, Hash: part[:]}},
			Timestamp: blk.Block.Time, ValidatorAddress: addr, ValidatorIndex: idx}
		sig, err := key.Sign(cmttypes.VoteSignBytes(chainID, v.ToProto()))
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

// stakingEventBlock waits for the first block from height from on whose
// FinalizeBlock events include one of type typ about the validator of
// operator, and returns its height.
func stakingEventBlock(t *testing.T, c *rpchttp.HTTP, from int64, typ, operator string) int64 {
	t.Helper()
	h := from
	wait.For(t, startDeadline, fmt.Sprintf("a block with a %q event for validator %s", typ, operator), func() bool {
		if height(c) < h {
			return false
		}
		res, err := c.BlockResults(context.Background(), &h)
		if err != nil {
			return false // not yet indexed: ask again
		}
		for _, ev := range res.FinalizeBlockEvents {
			if ev.Type != typ {
				continue
			}
			for _, a := range ev.Attributes {
				if a.Key == chain.AttrValidator && a.Value == operator {
					return true
				}
			}
		}
		h++
		return false
	})
	return h
}

// validatorOf returns the validator whose consensus address is addr as
// `quadrant validators --json` against node prints it.
func validatorOf(t *testing.T, node string, addr []byte) chain.ValidatorInfo {
	t.Helper()
	out := runCLI(t, "validators", "--json", "--node", node)
	var vals []chain.ValidatorInfo
	if err := json.Unmarshal(out, &vals); err != nil {
		t.Fatalf("quadrant validators --json: %q: %v", out, err)
	}
	for _, v := range vals {
		if bytes.Equal(v.Address, addr) {
			return v
		}
	}
	t.Fatalf("validator %X missing from `quadrant validators --json`: %s", addr, out)
	return chain.ValidatorInfo{}
}

// setStakingParams rewrites the genesis of every validator home of n (all
// share one) with its staking parameters changed by edit, before any node
// starts.
func setStakingParams(t *testing.T, n *testNet, edit func(*chain.StakingParams)) {
	t.Helper()
	for _, v := range n.m.Validators {
		doc, app, err := validator.ReadGenesisFile(validator.GenesisPath(v.Home))
		if err != nil {
			t.Fatal(err)
		}
		edit(&app.Staking.Params)
		if err := app.Validate(); err != nil {
			t.Fatalf("edited genesis: %v", err)
		}
		if doc.AppState, err = json.Marshal(app); err != nil {
			t.Fatal(err)
		}
		if err := validator.WriteGenesis(v.Home, doc); err != nil {
			t.Fatal(err)
		}
	}
}

// signedBy reports whether the commit of height h, as c reports it,
// carries a signature of the validator at addr for the block.
func signedBy(c *rpchttp.HTTP, h int64, addr []byte) bool {
	res, err := c.Commit(context.Background(), &h)
	if err != nil {
		return false
	}
	for _, s := range res.Commit.Signatures {
		if s.BlockIDFlag == cmttypes.BlockIDFlagCommit && bytes.Equal(s.ValidatorAddress, addr) {
			return true
		}
	}
	return false
}

// clients returns the RPC clients of every validator of n.
func (n *testNet) clients() []*rpchttp.HTTP {
	cs := make([]*rpchttp.HTTP, len(n.m.Validators))
	for i := range cs {
		cs[i] = n.client(i)
	}
	return cs
}
