package lightnode_test

import (
	"context"
	"encoding/hex"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/libp2p/go-libp2p/core/peer"

	"github.com/quadrant-da/quadrant/fullnode"
	"github.com/quadrant-da/quadrant/internal/wait"
	"github.com/quadrant-da/quadrant/lightnode"
	"github.com/quadrant-da/quadrant/p2p"
	"github.com/quadrant-da/quadrant/sampling"
)

// These tests run real full nodes (fullnode.Node in p2p mode, on-disk
// stores, libp2p on loopback) with the fault injection of
// Config.Fault.Withhold, and a real light node connected to them only.
// Each full node syncs from a seed of its own that first holds heights
// 1..3; the rest is added once the light node is connected to every full
// node, to one seed after the other, each full node syncing it before the
// next gets it. So the light node first hears of a height from the first
// full node, which then holds it: the withholding node (the first) is
// asked for the withheld height while it holds it, not merely before it
// synced it.

const withholdFirst = 3 // heights the seed holds before the light node starts

// withholdNet is a seed, full nodes with the given withhold specs synced
// from it, and the chain still to be added.
type withholdNet struct {
	blocks []block
	seeds  []*source // seeds[i] feeds full[i]
	full   []*fullnode.Node
}

func newWithholdNet(t *testing.T, id string, heights int, specs ...string) *withholdNet {
	t.Helper()
	_, blocks := chain(t, id, heights, 4)
	w := &withholdNet{blocks: blocks}
	for _, spec := range specs {
		seedHost, seed := serve(t, id, blocks[:withholdFirst])
		w.seeds = append(w.seeds, seed)
		cfg := fullnode.DefaultConfig()
		cfg.Mode, cfg.ChainID = fullnode.ModeP2P, id
		cfg.Sync.TrustedHeight, cfg.Sync.TrustedHash = 1, hex.EncodeToString(blocks[0].hdr.Hash())
		cfg.Sync.HeadPollInterval, cfg.Sync.RetryAfter, cfg.Sync.RequestTimeout = 100*time.Millisecond, 100*time.Millisecond, 5*time.Second
		cfg.P2P = loopback(seedHost.FullAddrs()[0])
		cfg.Metrics.ListenAddress = ""
		cfg.Discovery.Enabled = false
		cfg.Fault.Withhold = spec
		// testClock: the chain's block times are in the retention window.
		n, err := fullnode.New(cfg, fullnode.Options{Home: t.TempDir(), Logger: discard, Now: testClock})
		if err != nil {
			t.Fatal(err)
		}
		if err := n.Start(context.Background()); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = n.Close() })
		w.full = append(w.full, n)
	}
	for _, n := range w.full {
		waitSynced(t, n, withholdFirst)
	}
	return w
}

// waitSynced waits until n stored heights up to h.
func waitSynced(t *testing.T, n *fullnode.Node, h uint64) {
	t.Helper()
	wait.For(t, time.Minute, fmt.Sprintf("a full node to store height %d", h), func() bool { return n.Status().Head >= h })
}

// startLight starts a light node connected to the full nodes only, waits
// until it is connected to every one of them, then lets the chain grow to
// its full length. It returns the node and the penalties its scorer saw
// from then on.
func (w *withholdNet) startLight(t *testing.T, id string, tune func(*lightnode.Config)) (*lightnode.Node, *penalties) {
	t.Helper()
	var hosts []*p2p.Host
	for _, n := range w.full {
		hosts = append(hosts, n.Host())
	}
	cfg := lightConfig(t.TempDir(), id, w.blocks[0].hdr, hosts...)
	if tune != nil {
		tune(&cfg)
	}
	n := startLight(t, cfg)
	pens := &penalties{}
	t.Cleanup(n.Host().Scores.Watch(pens.add))
	wait.For(t, 40*time.Second, "the light node connected to every full node", func() bool {
		for _, h := range hosts {
			if len(n.Host().Network().ConnsToPeer(h.ID())) == 0 {
				return false
			}
		}
		return true
	})
	for i, seed := range w.seeds {
		for _, b := range w.blocks[withholdFirst:] {
			if err := seed.Put(context.Background(), b.hdr, b.eds); err != nil {
				t.Fatal(err)
			}
		}
		waitSynced(t, w.full[i], uint64(len(w.blocks)))
	}
	return n, pens
}

// penalties records the Penalize calls a scorer sees.
type penalties struct {
	mu     sync.Mutex
	events []p2p.PenaltyEvent
}

func (p *penalties) add(e p2p.PenaltyEvent) {
	p.mu.Lock()
	p.events = append(p.events, e)
	p.mu.Unlock()
}

// of returns the penalties given to peer q.
func (p *penalties) of(q peer.ID) []p2p.PenaltyEvent {
	p.mu.Lock()
	defer p.mu.Unlock()
	var out []p2p.PenaltyEvent
	for _, e := range p.events {
		if e.Peer == q {
			out = append(out, e)
		}
	}
	return out
}

// withheldRequests reads quadrant_full_withheld_requests_total of n.
func withheldRequests(t *testing.T, n *fullnode.Node) float64 {
	t.Helper()
	mfs, err := n.Registry().Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() == "quadrant_full_withheld_requests_total" {
			return mf.Metric[0].GetCounter().GetValue()
		}
	}
	t.Fatal("no quadrant_full_withheld_requests_total metric")
	return 0
}

// verdictOf returns the light node's verdict on height h.
func verdictOf(n *lightnode.Node, h uint64) (sampling.Verdict, bool) {
	for _, v := range n.Verdicts() {
		if v.Height == h {
			return v, true
		}
	}
	return sampling.Verdict{}, false
}

// verifiedBy counts, per height, the samples peer q served that verified.
func verifiedBy(n *lightnode.Node, q peer.ID) map[uint64]int {
	out := map[uint64]int{}
	for _, r := range n.SampleLog() {
		for _, s := range r.Samples {
			if s.Status == lightnode.SampleVerified && s.Peer == q.String() {
				out[r.Height]++
			}
		}
	}
	return out
}

// checkNoPenalty fails if the light node penalised the full node q for
// anything but slowness, or blocked or dropped it: withholding answers
// NOT_FOUND, indistinguishable from not holding a height, which costs a
// peer nothing but its place in that height's sample plan. (A request
// that times out costs p2p.PenaltySlow whatever the answer would have
// been; on a loaded machine a 1 s request timeout is sometimes reached.)
func checkNoPenalty(t *testing.T, n *lightnode.Node, pens *penalties, q peer.ID) {
	t.Helper()
	slow := 0
	for _, e := range pens.of(q) {
		if e.Points != p2p.PenaltySlow || e.Blocked {
			t.Fatalf("the light node penalised withholding full node %s beyond slowness: %+v", q, e)
		}
		slow += e.Points
	}
	if slow > 0 {
		t.Logf("withholding full node %s: %d points of slowness penalties (request timeouts), nothing else", q, slow)
	}
	if s := n.Host().Scores.Score(q); s > 0 || s < -slow || n.Host().Scores.Blocked(q) {
		t.Fatalf("withholding full node %s: score %d, blocked %v; want 0 less its %d slowness points at most, not blocked", q, s, n.Host().Scores.Blocked(q), slow)
	}
	if len(n.Host().Network().ConnsToPeer(q)) == 0 {
		t.Fatalf("the light node disconnected withholding full node %s", q)
	}
}

// allJudged reports whether every height 1..heights has a verdict, height
// unavailable being the only unavailable one (0: none).
func allJudged(n *lightnode.Node, heights int, unavailable uint64) bool {
	for h := uint64(1); h <= uint64(heights); h++ {
		v, ok := verdictOf(n, h)
		want := sampling.StatusAvailable
		if h == unavailable {
			want = sampling.StatusUnavailable
		}
		if !ok || v.Status != want {
			return false
		}
	}
	return true
}

// TestOneFullNodeWithholds (issue 12): of two real full nodes, one runs
// with fault.withhold = "5". The light node, connected to both, judges
// every height available — height 5 through the honest node alone — and
// the withholding node, asked for height 5 and refused, is not penalised
// and keeps serving the other heights.
func TestOneFullNodeWithholds(t *testing.T) {
	const id, heights, withheld = "withhold-one-test", 6, 5
	w := newWithholdNet(t, id, heights, "5", "")
	bad, good := w.full[0], w.full[1]
	if st := bad.Status(); st.FaultWithhold != "5" || good.Status().FaultWithhold != "" {
		t.Fatalf("status fault_withhold: withholding %q, honest %q", st.FaultWithhold, good.Status().FaultWithhold)
	}
	n, pens := w.startLight(t, id, func(c *lightnode.Config) { c.HeaderDeadline = 5 * time.Second })
	wait.For(t, 2*time.Minute, "every height judged available", func() bool { return allJudged(n, heights, 0) })

	if got := withheldRequests(t, bad); got == 0 {
		t.Fatal("the withholding full node was never asked for height 5: the test proves nothing")
	}
	if got := withheldRequests(t, good); got != 0 {
		t.Fatalf("the honest full node withheld %v requests", got)
	}
	fromBad, fromGood := verifiedBy(n, bad.Host().ID()), verifiedBy(n, good.Host().ID())
	v, _ := verdictOf(n, withheld)
	if fromBad[withheld] != 0 || fromGood[withheld] != v.Samples || v.Verified != v.Samples {
		t.Fatalf("height %d: %d samples verified from the withholding node, %d from the honest one, verdict %+v", withheld, fromBad[withheld], fromGood[withheld], v)
	}
	// It serves the heights it does not withhold. (Not necessarily 4 and 6:
	// the light node may ask before this node has synced them, and a
	// height not yet held drops it from that height's plan like any peer.)
	served := 0
	for h, c := range fromBad {
		if h != withheld {
			served += c
		}
	}
	if served == 0 {
		t.Fatalf("the withholding full node served no sample of any height, but it withholds only height %d", withheld)
	}
	checkNoPenalty(t, n, pens, bad.Host().ID())
	for _, fn := range w.full {
		if st := fn.Status(); st.Head != heights || st.Halted {
			t.Fatalf("full node status %+v: want every height followed, not halted", st)
		}
	}
	t.Logf("height %d: %d samples, all from the honest node; the withholding node refused %v requests and served %v", withheld, v.Samples, withheldRequests(t, bad), fromBad)
}

// TestEveryFullNodeWithholds (issue 12): both real full nodes withhold
// height 5 (fault.withhold "5" and "2-3,5"). The light node marks height 5
// unavailable on its first attempt, when its sampling deadline ends, and
// every other height available (2 and 3 through the node that serves
// them); neither full node is penalised.
func TestEveryFullNodeWithholds(t *testing.T) {
	const id, heights, withheld = "withhold-all-test", 6, 5
	const deadline = 3 * time.Second
	w := newWithholdNet(t, id, heights, "5", "2-3,5")
	n, pens := w.startLight(t, id, func(c *lightnode.Config) {
		c.HeaderDeadline = deadline
		c.Sampling.RetryBase, c.Sampling.RetryMax = time.Hour, time.Hour // one attempt per height
	})
	var toVerdict time.Duration
	wait.For(t, 2*time.Minute, "height 5 unavailable, every other height available", func() bool {
		if !allJudged(n, heights, withheld) {
			return false
		}
		for _, r := range n.SampleLog() {
			if r.Height == withheld {
				toVerdict = testClock().Sub(r.Started) // an upper bound: the verdict came before this poll
			}
		}
		return true
	})
	if got := n.Unavailable(); !slices.Equal(got, []uint64{withheld}) {
		t.Fatalf("unavailable heights %v, want [%d]", got, withheld)
	}
	v, _ := verdictOf(n, withheld)
	if v.Attempt != 1 || v.Verified != 0 || len(v.Failed) != v.Samples {
		t.Fatalf("height %d verdict %+v: want unavailable on attempt 1 with every sample failed", withheld, v)
	}
	for _, fn := range w.full {
		if got := withheldRequests(t, fn); got == 0 {
			t.Fatalf("full node %s was never asked for height %d", fn.Host().ID(), withheld)
		}
		checkNoPenalty(t, n, pens, fn.Host().ID())
	}
	t.Logf("height %d judged unavailable %v after its sampling began (deadline %v), on attempt %d", withheld, toVerdict.Round(time.Millisecond), deadline, v.Attempt)
}
