package fullnode_test

import (
	"bytes"
	"fmt"
	"testing"
	"time"

	"github.com/quadrant-da/quadrant/da/headertest"
	"github.com/quadrant-da/quadrant/internal/wait"
)

// TestP2PFollowsValidatorSetRotation: a p2p full node trusting height 1
// syncs, header by header (NextValidatorsHash continuity), a chain whose
// 4 validators are all replaced on the way, up to the head served over
// p2p and signed by a set it never trusted directly.
func TestP2PFollowsValidatorSetRotation(t *testing.T) {
	const id, heights = "fullnode-rotation", 20
	c := headertest.NewChain(id, 4, "full")
	blocks := make([]signedBlock, heights)
	for h := 1; h <= heights; h++ {
		if h%3 == 0 {
			r := h / 3
			c.Replace((r-1)%4, headertest.Key(fmt.Sprintf("full-rot%d", 1+(r-1)/4), (r-1)%4))
		}
		eds := headertest.ExtendedSquare(4, byte(h))
		hdr, err := c.NextSquare(eds)
		if err != nil {
			t.Fatal(err)
		}
		blocks[h-1] = signedBlock{hdr: hdr, eds: eds}
	}
	first, last := blocks[0].hdr.SignedHeader.ValidatorsHash, blocks[heights-1].hdr.SignedHeader.ValidatorsHash
	if bytes.Equal(first, last) {
		t.Fatal("the validator set did not change")
	}
	server := servingHost(t, id, blocks, nil)
	n := startNode(t, t.TempDir(), p2pConfig(id, 1, blocks[0].hdr.Hash(), server.FullAddrs()[0]), "rotation")
	wait.For(t, 60*time.Second, "the rotated chain stored", func() bool { return n.Status().Head == heights })
	if st := n.Status(); st.Halted {
		t.Fatalf("halted: %+v", st)
	}
}
