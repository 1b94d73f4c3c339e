package main

import (
	"context"
	"encoding/hex"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/cometbft/cometbft/crypto/ed25519"

	"github.com/quadrant-da/quadrant/chain"
	"github.com/quadrant-da/quadrant/consensus"
	"github.com/quadrant-da/quadrant/fullnode"
	"github.com/quadrant-da/quadrant/internal/wait"
	"github.com/quadrant-da/quadrant/lightnode"
	"github.com/quadrant-da/quadrant/p2p"
	"github.com/quadrant-da/quadrant/validator"
	"github.com/quadrant-da/quadrant/validator/validatortest"
	"github.com/quadrant-da/quadrant/wallet"
)

// stakeTx submits msg from key through n and returns the height of the
// block that applied it.
func stakeTx(t *testing.T, n *validator.Node, key *wallet.Key, msg chain.StakeMsg) int64 {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	s, err := wallet.NewSubmitter(wallet.SubmitterConfig{Client: n.Client(), Mempool: n.Mempool(), Key: key, PollInterval: 50 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	s.Start(ctx)
	defer s.Stop()
	sub, err := s.Stake(ctx, msg)
	if err != nil {
		t.Fatalf("%s: %v", msg.Name(), err)
	}
	st, err := sub.Wait(ctx)
	if err != nil || st.Code != chain.CodeOK {
		t.Fatalf("%s: %v %+v", msg.Name(), err, st)
	}
	return st.Height
}

// TestLightNodeFollowsReplacedValidatorSet runs a real chain whose only
// genesis validator is replaced: a second node joins by create-validator,
// then the genesis validator undelegates its whole self-bond and leaves, so
// the set that signs the head shares no validator with the one that signed
// height 1. A bridge full node follows the first node's RPC, and a light
// node trusting height 1 follows it over p2p: it reaches a head signed by
// the new set (bisection across the change, then every header by set
// continuity).
func TestLightNodeFollowsReplacedValidatorSet(t *testing.T) {
	if testing.Short() {
		t.Skip("runs two CometBFT nodes, a full node and a light node")
	}
	pr := uint64(chain.DefaultPowerReduction)
	nw := validatortest.NewNetwork(t, 1, 1, 200*time.Millisecond, 10*pr, func(g *consensus.GenesisState) {
		g.Staking.Params.UnbondingSeconds = 2
	})
	v0 := nw.Start(t, 0)
	nw.Start(t, 1)
	validatortest.WaitHeight(t, v0.Client(), 3, 60*time.Second)

	joiner := nw.Members[1]
	stakeTx(t, v0, joiner.Operator, chain.StakeMsg{CreateValidator: &chain.CreateValidator{
		ConsKeyType: ed25519.KeyType, ConsPubKey: joiner.ValKey.PubKey().Bytes(), ProofOfPossession: nw.ProofOfPossession(t, 1),
		Moniker: "joiner", CommissionBps: 500, SelfBond: 5 * pr,
	}})
	op0 := nw.Members[0].Operator
	left := stakeTx(t, v0, op0, chain.StakeMsg{Undelegate: &chain.Delegation{Validator: op0.Address(), Amount: 10 * pr}})
	end := left + 4 // the set without the genesis validator signs from left+2
	validatortest.WaitHeight(t, v0.Client(), end, 60*time.Second)

	ctx := context.Background()
	one := int64(1)
	b1, err := v0.Client().Block(ctx, &one)
	if err != nil {
		t.Fatal(err)
	}
	last, err := v0.Client().Block(ctx, &end)
	if err != nil {
		t.Fatal(err)
	}
	if b1.Block.ValidatorsHash.String() == last.Block.ValidatorsHash.String() {
		t.Fatal("the validator set did not change")
	}

	home := t.TempDir()
	log := slog.New(slog.DiscardHandler)
	fcfg := fullnode.DefaultConfig()
	fcfg.Mode = fullnode.ModeBridge
	fcfg.Bridge.CoreRPC = "http://" + strings.TrimPrefix(nw.Members[0].Config.RPC.ListenAddress, "tcp://")
	fcfg.Bridge.PollInterval = 20 * time.Millisecond
	fcfg.P2P = p2p.DefaultConfig()
	fcfg.P2P.ListenAddrs = []string{"/ip4/127.0.0.1/tcp/0"}
	fcfg.Metrics.ListenAddress = ""
	fn, err := fullnode.New(fcfg, fullnode.Options{Home: home, Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	if err := fn.Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = fn.Close() })

	lcfg := lightnode.DefaultConfig()
	lcfg.Home, lcfg.ChainID = t.TempDir(), nw.ChainID
	lcfg.TrustedHeight, lcfg.TrustedHash = 1, hex.EncodeToString(b1.Block.Hash())
	lcfg.P2P.ListenAddrs = []string{"/ip4/127.0.0.1/tcp/0"}
	lcfg.P2P.Bootstrap = []string{fn.Host().FullAddrs()[0]}
	lcfg.P2P.ReconnectEvery = 200 * time.Millisecond
	lcfg.RPC.ListenAddr = ""
	lcfg.HeadPollInterval = 100 * time.Millisecond
	lcfg.RequestTimeout = 5 * time.Second
	ln, err := lightnode.New(lcfg, lightnode.Options{Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	sctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	if err := ln.Start(sctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = ln.Close() })
	wait.For(t, 90*time.Second, fmt.Sprintf("the light node past height %d", end), func() bool {
		return ln.LocalHead().Height() >= end
	})
	h := ln.LocalHead()
	if h.SignedHeader.ValidatorsHash.String() == b1.Block.ValidatorsHash.String() {
		t.Fatalf("light head %d still signed by the genesis set", h.Height())
	}
	for _, v := range h.ValidatorSet.Validators {
		if v.Address.String() == nw.ConsAddress(0).String() {
			t.Fatalf("light head %d signed by a set that still holds the genesis validator", h.Height())
		}
	}
}
