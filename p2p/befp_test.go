package p2p_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/libp2p/go-libp2p/core/peer"

	"github.com/quadrant-da/quadrant/da"
	"github.com/quadrant-da/quadrant/da/headertest"
	"github.com/quadrant-da/quadrant/erasure"
	"github.com/quadrant-da/quadrant/internal/wait"
	"github.com/quadrant-da/quadrant/p2p"
)

// TestBEFPGossip builds a real fraud proof for a signed header over a badly
// extended square and gossips it: the receiver verifies it against the data
// root of that height and delivers it; a forged proof (moved to a height
// whose square is correct) and a proof for an unknown height are not.
func TestBEFPGossip(t *testing.T) {
	c := headertest.NewChain(chainID, 4, "befp")
	k := 4
	goodDAH, _ := da.ComputeDAHeader(headertest.ExtendedSquare(k, 1))
	bad := headertest.ExtendedSquare(k, 2)
	bad.Share(1, 6)[100] ^= 0xff // a parity share of row 1, committed as is
	badDAH, err := da.ComputeDAHeader(bad)
	if err != nil {
		t.Fatal(err)
	}
	h1, _ := c.Next(goodDAH)
	h2, err := c.Next(badDAH)
	if err != nil {
		t.Fatal(err)
	}
	roots := map[uint64][]byte{1: h1.DataRoot(), 2: h2.DataRoot()}
	dataRoot := func(_ context.Context, h uint64) ([]byte, error) {
		if r, ok := roots[h]; ok {
			return r, nil
		}
		return nil, fmt.Errorf("height %d: %w", h, p2p.ErrNotFound)
	}

	// An honest node repairing the square finds the bad row.
	present := make([]bool, 4*k*k)
	for i := range present {
		present[i] = i%(2*k) < k || i/(2*k) >= k // drop Q1 to force decoding rows
	}
	rep := bad.Clone()
	err = da.RepairSquare(rep, present, badDAH)
	var byz *erasure.ErrByzantineData
	if !errors.As(err, &byz) {
		t.Fatalf("repair: %v, want ErrByzantineData", err)
	}
	proof, err := da.NewBadEncodingProof(2, badDAH, rep, present, byz)
	if err != nil {
		t.Fatal(err)
	}
	if err := proof.Verify(h2.DataRoot()); err != nil {
		t.Fatalf("honest proof: %v", err)
	}
	enc, _ := proof.Marshal()
	forged := *proof
	forged.Height = 1
	forgedEnc, _ := forged.Marshal()
	unknown := *proof
	unknown.Height = 9
	unknownEnc, _ := unknown.Marshal()

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	a, b := newHost(t, testConfig()), newHost(t, testConfig())
	connect(t, a, b)
	ignore := func(context.Context, peer.ID, *da.LightHeader) error { return p2p.ErrIgnore }
	ga, err := p2p.NewGossip(ctx, a, chainID, a.Scores, ignore, p2p.VerifyBEFP(dataRoot))
	if err != nil {
		t.Fatal(err)
	}
	gb, err := p2p.NewGossip(ctx, b, chainID, b.Scores, ignore, p2p.VerifyBEFP(dataRoot))
	if err != nil {
		t.Fatal(err)
	}
	sub, _ := gb.SubscribeBEFP()
	defer sub.Cancel()
	_, _ = ga.SubscribeBEFP()
	wait.For(t, 5*time.Second, "b in a's fraud-topic mesh", func() bool {
		_, peers := ga.MeshPeers()
		return slices.Contains(peers, b.ID())
	})
	for _, m := range [][]byte{forgedEnc, unknownEnc, enc} {
		if err := ga.PublishBEFP(ctx, m); err != nil {
			t.Fatal(err)
		}
	}
	rctx, rcancel := context.WithTimeout(ctx, 5*time.Second)
	defer rcancel()
	got, from, err := sub.Next(rctx)
	if err != nil || from != a.ID() || string(got) != string(enc) {
		t.Fatalf("received %d bytes from %s (%v), want the honest proof", len(got), from, err)
	}
	wait.For(t, 5*time.Second, "the forger to be scored down", func() bool {
		return b.Scores.Score(a.ID()) <= -p2p.PenaltyInvalid // the forged one, not the unknown-height one
	})
	if s := b.Scores.Score(a.ID()); s != -p2p.PenaltyInvalid {
		t.Fatalf("sender scored %d, want exactly one rejection", s)
	}
}
