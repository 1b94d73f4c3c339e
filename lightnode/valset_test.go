package lightnode_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/quadrant-da/quadrant/da"
	"github.com/quadrant-da/quadrant/da/headertest"
	"github.com/quadrant-da/quadrant/internal/wait"
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
