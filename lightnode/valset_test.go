package lightnode_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/quadrant-da/quadrant/da"
	"github.com/quadrant-da/quadrant/da/headertest"
	"github.com/quadrant-da/quadrant/erasure"
	"github.com/quadrant-da/quadrant/internal/wait"
	"github.com/quadrant-da/quadrant/p2p"
)

// rotatingBlocks builds n really signed heights of k×k squares whose 4
// validators are replaced one every `every` heights, so the set that
// signs the last header shares no validator with the one that signed the
// first.
func rotatingBlocks(t testing.TB, chainID string, n, every, k int) []block {
	t.Helper()
	c := headertest.NewChain(chainID, 4, "light")
	eds := headertest.ExtendedSquare(k, 1)
	dah, err := da.ComputeDAHeader(eds)
	if err != nil {
		t.Fatal(err)
	}
	var out []block
	for h := 1; h <= n; h++ {
		if h%every == 0 {
			r := h / every
			c.Replace((r-1)%4, headertest.Key(fmt.Sprintf("light-rot%d", 1+(r-1)/4), (r-1)%4))
		}
		hdr, err := c.Next(dah)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, block{hdr, eds})
	}
	if first, last := out[0].hdr.SignedHeader.ValidatorsHash, out[n-1].hdr.SignedHeader.ValidatorsHash; first.String() == last.String() {
		t.Fatal("the validator set did not change")
	}
	return out
}

// TestFollowsValidatorSetRotation: a light node trusting height 1 of a
// chain whose validator set is entirely replaced on the way reaches the
// head served over p2p, with and without skip verification: the far head
// (signed by validators it never trusted directly) is verified by
// bisection before it raises the sync target, and every header up to it
// by NextValidatorsHash continuity.
func TestFollowsValidatorSetRotation(t *testing.T) {
	const heights = 60
	for _, skip := range []bool{true, false} {
		t.Run(fmt.Sprintf("skip_verification=%v", skip), func(t *testing.T) {
			id := fmt.Sprintf("rotation-test-%v", skip)
			blocks := rotatingBlocks(t, id, heights, 5, 2)
			full, _ := serve(t, id, blocks)
			cfg := lightConfig(t.TempDir(), id, blocks[0].hdr, full)
			cfg.SkipVerification = skip
			n := startLight(t, cfg)
			wait.For(t, 60*time.Second, "the light node synced the rotated chain", func() bool {
				return n.LocalHead().Height() == heights
			})
			if got, want := n.LocalHead().Hash(), blocks[heights-1].hdr.Hash(); string(got) != string(want) {
				t.Fatalf("local head %X, want %X", got, want)
			}
			if h := n.NetworkHead().Height(); h != heights {
				t.Fatalf("network head %d, want %d", h, heights)
			}
		})
	}
}

// rotatingSquares builds n heights of 4×4 squares (seeded by seed and the
// height) signed by validators of keySeed, replaced one every 2 heights so
// the set is entirely new from height 9; the square of height bad has one
// share corrupted after extension (badly encoded). It returns the blocks
// and the fraud proof of height bad.
func rotatingSquares(t *testing.T, chainID, keySeed string, seed byte, n, bad int) ([]block, []byte) {
	t.Helper()
	const k = 4
	c := headertest.NewChain(chainID, 4, keySeed)
	var out []block
	for h := 1; h <= n; h++ {
		if h%2 == 0 {
			r := h / 2
			c.Replace((r-1)%4, headertest.Key(fmt.Sprintf("%s-rot%d", keySeed, 1+(r-1)/4), (r-1)%4))
		}
		eds := headertest.ExtendedSquare(k, seed+byte(h))
		if h == bad {
			eds.Share(1, k+2)[300] ^= 0x5A
		}
		hdr, err := c.NextSquare(eds)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, block{hdr, eds})
	}
	b := out[bad-1]
	present := make([]bool, 4*k*k)
	for i := range present {
		present[i] = i%(2*k) < k || i/(2*k) >= k // drop Q1: rows must be decoded
	}
	rep := b.eds.Clone()
	var byz *erasure.ErrByzantineData
	if err := da.RepairSquare(rep, present, b.hdr.DAH); !errors.As(err, &byz) {
		t.Fatalf("repair: %v, want ErrByzantineData", err)
	}
	proof, err := da.NewBadEncodingProof(uint64(bad), b.hdr.DAH, rep, present, byz)
	if err != nil {
		t.Fatal(err)
	}
	enc, err := proof.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	return out, enc
}

// TestFraudProofAfterSetChange: a light node checks a bad-encoding fraud
// proof against the data root of the header it verified at the proof's
// height — a header signed by that height's validator set, none of whom
// the node trusted at its anchor, reached through bisection and set
// continuity. A proof built for the same height of a chain signed by
// another set (a valid proof of that chain's block) is rejected and its
// server scored down; the proof of the followed chain halts the node.
func TestFraudProofAfterSetChange(t *testing.T) {
	const id, heights, bad = "befp-valset", 14, 12
	blocks, enc := rotatingSquares(t, id, "honest", 1, heights, bad)
	_, strangerEnc := rotatingSquares(t, id, "stranger", 101, heights, bad)
	if bytes.Equal(enc, strangerEnc) {
		t.Fatal("the two chains' proofs are the same")
	}
	if blocks[0].hdr.SignedHeader.ValidatorsHash.String() == blocks[bad-1].hdr.SignedHeader.ValidatorsHash.String() {
		t.Fatal("no set change before the bad height")
	}
	f, _ := serve(t, id, blocks)
	proofServer := func(proofs ...[]byte) *p2p.Host {
		h, err := p2p.NewHost(loopback(), t.TempDir(), discard, time.Now)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { h.Close() })
		srv, err := p2p.NewServer(p2p.DefaultServerConfig(), p2p.ServerOptions{Host: h, ChainID: id, BEFPs: forgedProofs(proofs), Scores: h.Scores, Logger: discard})
		if err != nil {
			t.Fatal(err)
		}
		if err := srv.Start(context.Background()); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = srv.Close() })
		return h
	}
	stranger := proofServer(strangerEnc)
	n := startLight(t, lightConfig(t.TempDir(), id, blocks[0].hdr, f, stranger))
	wait.For(t, 80*time.Second, "the stranger's proof judged against the verified header and its server scored down", func() bool {
		return n.LocalHead().Height() == heights && n.Host().Scores.Score(stranger.ID()) <= -p2p.PenaltyInvalid
	})
	if fs := n.Fraud(); fs.Fraudulent {
		t.Fatalf("another chain's proof halted the node: %+v", fs)
	}
	honest := proofServer(enc)
	if err := n.Host().Connect(context.Background(), honest.Peerstore().PeerInfo(honest.ID())); err != nil {
		t.Fatal(err)
	}
	wait.For(t, 80*time.Second, "the followed chain's proof halts the node", func() bool { return n.Fraud().Fraudulent })
	if fs := n.Fraud(); fs.Height != bad || !bytes.Equal(fs.Proof, enc) {
		t.Fatalf("fraud status %+v, want the proof of height %d", fs, bad)
	}
}
