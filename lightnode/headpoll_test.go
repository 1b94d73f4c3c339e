package lightnode_test

import (
	"context"
	"fmt"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/libp2p/go-libp2p/core/peer"

	"github.com/quadrant-da/quadrant/da"
	"github.com/quadrant-da/quadrant/internal/wait"
	"github.com/quadrant-da/quadrant/lightnode"
	"github.com/quadrant-da/quadrant/p2p"
)

// revealing serves a store's headers up to a head the test moves forward,
// and counts head requests (the light node's polls).
type revealing struct {
	p2p.HeaderSource
	blocks []block
	shown  atomic.Int32 // index in blocks of the newest header served
	polls  atomic.Int32
}

func (r *revealing) Head(context.Context) (*da.ExtendedHeader, error) {
	r.polls.Add(1)
	return r.blocks[r.shown.Load()].hdr, nil
}

func (r *revealing) HeaderByHeight(ctx context.Context, h uint64) (*da.ExtendedHeader, error) {
	if h > uint64(r.blocks[r.shown.Load()].hdr.Height()) {
		return nil, fmt.Errorf("height %d: %w", h, p2p.ErrNotFound)
	}
	return r.HeaderSource.HeaderByHeight(ctx, h)
}

// gossipFixture is a full node whose served head is revealed step by step
// (rev), a gossip router on it, and a light node polling it every
// pollEvery, already in the router's header mesh.
type gossipFixture struct {
	t      *testing.T
	ctx    context.Context
	blocks []block
	rev    *revealing
	g      *p2p.Gossip
	n      *lightnode.Node
}

func newGossipFixture(t *testing.T, id string, heights int, pollEvery time.Duration) *gossipFixture {
	t.Helper()
	_, blocks := chain(t, id, heights, 4)
	_, src := serve(t, id, blocks)
	rev := &revealing{HeaderSource: src.Store, blocks: blocks}
	h := startServer(t, id, rev, src)
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	ignore := func(context.Context, peer.ID, *da.LightHeader) error { return p2p.ErrIgnore }
	accept := func(context.Context, peer.ID, []byte) error { return nil }
	g, err := p2p.NewGossip(ctx, h, id, h.Scores, ignore, accept)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { g.Close() })
	sub, err := g.SubscribeHeaders() // to have a header mesh to wait for
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(sub.Cancel)
	cfg := lightConfig(t.TempDir(), id, blocks[0].hdr, h)
	cfg.HeadPollInterval = pollEvery
	n := startLight(t, cfg)
	wait.For(t, 40*time.Second, "the light node in the header mesh", func() bool {
		peers, _ := g.MeshPeers()
		return slices.Contains(peers, n.Host().ID())
	})
	return &gossipFixture{t: t, ctx: ctx, blocks: blocks, rev: rev, g: g, n: n}
}

// publish reveals block i as the served head, gossips its header and waits
// until the light node has accepted it.
func (f *gossipFixture) publish(i int) {
	f.t.Helper()
	f.rev.shown.Store(int32(i))
	if err := f.g.PublishHeader(f.ctx, &f.blocks[i].hdr.LightHeader); err != nil {
		f.t.Fatal(err)
	}
	want := f.blocks[i].hdr.Height()
	wait.For(f.t, 10*time.Second, fmt.Sprintf("gossiped head %d accepted", want), func() bool {
		return f.n.NetworkHead().Height() >= want
	})
}

// TestHeadPollPausesWhileGossipFlows: while gossip brings every new head,
// the light node does not also poll its peers for theirs; once gossip goes
// quiet, polling finds the head again.
func TestHeadPollPausesWhileGossipFlows(t *testing.T) {
	const id, heights, gossiped = "head-poll-test", 40, 30
	const pollEvery, blockEvery = 400 * time.Millisecond, 100 * time.Millisecond
	f := newGossipFixture(t, id, heights, pollEvery)

	// Gossip a new head every blockEvery (the pace is what is under test:
	// gossip must arrive more often than the poll interval).
	before := f.rev.polls.Load()
	for i := 1; i <= gossiped; i++ {
		f.publish(i)
		time.Sleep(blockEvery) // time is under test: the gossip pace, faster than the poll interval
	}
	// 30 heads over ≥ 3 s span ≥ 7 poll intervals; a poll may fire once
	// before the first gossiped head lands.
	if polls := f.rev.polls.Load() - before; polls > 1 {
		t.Fatalf("%d head polls while gossip brought every head (%d heads, poll interval %v)", polls, gossiped, pollEvery)
	}

	// Gossip goes quiet: polling finds the newest head by itself.
	f.rev.shown.Store(heights - 1)
	want := f.blocks[heights-1].hdr.Height()
	wait.For(t, 20*time.Second, fmt.Sprintf("head %d found by polling", want), func() bool {
		return f.n.NetworkHead().Height() == want
	})
}

// TestHeadPollWaitsForSlowBlocks: when gossip brings heads more slowly
// than the poll interval (slow blocks), the light node waits about 1.5
// gaps between gossiped heads before polling, instead of polling its
// peers every interval between them.
func TestHeadPollWaitsForSlowBlocks(t *testing.T) {
	const id, heights, gossiped = "head-poll-slow", 20, 12
	const pollEvery, blockEvery = 200 * time.Millisecond, 500 * time.Millisecond
	f := newGossipFixture(t, id, heights, pollEvery)

	// Two heads a block time apart teach the light node the gap; the pace
	// is what is under test, so the test sleeps between heads.
	f.publish(1)
	time.Sleep(blockEvery) // time is under test: the gap between blocks
	f.publish(2)
	before := f.rev.polls.Load()
	for i := 3; i <= gossiped; i++ {
		time.Sleep(blockEvery) // time is under test: the gap between blocks
		f.publish(i)
	}
	// 10 gaps of 500 ms span 25 poll intervals; polling whenever the last
	// head was older than one interval would poll ≈ 15 times. A head that
	// arrives late under load may let one poll through.
	if polls := f.rev.polls.Load() - before; polls > 3 {
		t.Fatalf("%d head polls while gossip brought a head every %v (poll interval %v)", polls, blockEvery, pollEvery)
	}
}
