package lightnode_test

import (
	"errors"
	"testing"
	"time"

	"github.com/quadrant-da/quadrant/da/headertest"
	"github.com/quadrant-da/quadrant/internal/wait"
	"github.com/quadrant-da/quadrant/lightnode"
)

// TestHeadersPrunedOutsideWindow: headers older than the sampling window
// (plus the retention margin) are deleted once judged, except the local
// head; a restart resumes from the pruned store.
func TestHeadersPrunedOutsideWindow(t *testing.T) {
	const id, heights = "prune-test", 6
	_, blocks := chain(t, id, heights, 4)
	f, _ := serve(t, id, blocks)
	start := time.Now()
	// Three hours after genesis: every header is older than a one-hour
	// window plus the one-hour margin.
	clock := func() time.Time { return headertest.Genesis().Add(3*time.Hour + time.Since(start)) }
	home := t.TempDir()
	cfg := lightConfig(home, id, blocks[0].hdr, f)
	cfg.Sampling.Window = time.Hour
	cfg.PruneEvery = 50 * time.Millisecond
	n, err := lightnode.New(cfg, lightnode.Options{Logger: discard, Now: clock})
	if err != nil {
		t.Fatal(err)
	}
	startNode(t, n)
	pruned := func(n *lightnode.Node) bool {
		for h := uint64(1); h < heights; h++ {
			if _, err := n.HeaderByHeight(t.Context(), h); !errors.Is(err, lightnode.ErrNotFound) {
				return false
			}
		}
		return true
	}
	wait.For(t, 40*time.Second, "headers 1..5 pruned", func() bool {
		return n.LocalHead().Height() == heights && pruned(n)
	})
	if h, err := n.HeaderByHeight(t.Context(), heights); err != nil || h.Height() != heights {
		t.Fatalf("the local head was pruned: %v", err)
	}
	if err := n.Close(); err != nil {
		t.Fatal(err)
	}
	n2, err := lightnode.New(cfg, lightnode.Options{Logger: discard, Now: clock})
	if err != nil {
		t.Fatal(err)
	}
	startNode(t, n2)
	if n2.LocalHead().Height() != heights || !pruned(n2) {
		t.Fatalf("restarted: local head %d", n2.LocalHead().Height())
	}
}
