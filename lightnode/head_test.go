package lightnode_test

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/quadrant-da/quadrant/da"
	"github.com/quadrant-da/quadrant/da/headertest"
	"github.com/quadrant-da/quadrant/internal/wait"
	"github.com/quadrant-da/quadrant/p2p"
)

// headLiar serves an honest store's headers but announces another head;
// it counts head requests.
type headLiar struct {
	p2p.HeaderSource
	head  *da.ExtendedHeader
	polls atomic.Int32
}

func (l *headLiar) Head(context.Context) (*da.ExtendedHeader, error) {
	l.polls.Add(1)
	return l.head, nil
}

// TestStrangerHeadIgnoredWithoutSkipping: with skip_verification = false,
// a peer announcing a far-ahead head signed by a validator set of its own
// (valid on its own, carrying that set) neither raises the sync target nor
// becomes the network head; the honest chain's far-ahead head, signed by
// the set the trusted header names as next, still does.
func TestStrangerHeadIgnoredWithoutSkipping(t *testing.T) {
	const id, heights = "stranger-head-test", 3
	_, blocks := chain(t, id, heights, 4)
	honest, src := serve(t, id, blocks)
	sc := headertest.NewChain(id, 4, "stranger")
	var far *da.ExtendedHeader
	for range 100 {
		var err error
		if far, err = sc.Next(blocks[0].hdr.DAH); err != nil {
			t.Fatal(err)
		}
	}
	if err := far.Validate(id); err != nil {
		t.Fatalf("the stranger's head must be valid on its own: %v", err)
	}
	liar := &headLiar{HeaderSource: src.Store, head: far}
	liarHost := startServer(t, id, liar, src)

	cfg := lightConfig(t.TempDir(), id, blocks[0].hdr, honest, liarHost)
	cfg.SkipVerification = false
	n := startLight(t, cfg)
	// Head polls are sequential: a second request to the liar means its
	// first answer was handled (unless that answer raised the target, after
	// which sync keeps asking for heights no one has and polls no more).
	wait.For(t, 40*time.Second, "the honest chain synced and the liar's head handled", func() bool {
		return n.LocalHead().Height() == heights && (liar.polls.Load() >= 2 || n.SyncState().ToHeight > heights)
	})
	if st := n.SyncState(); st.ToHeight != heights {
		t.Fatalf("sync target %d after the stranger's head %d, want the honest head %d", st.ToHeight, far.Height(), heights)
	}
	if h := n.NetworkHead().Height(); h != heights {
		t.Fatalf("network head %d, want %d", h, heights)
	}
}
