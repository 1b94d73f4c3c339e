package lightnode_test

import (
	"bytes"
	"context"
	"slices"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/quadrant-da/quadrant/da"
	"github.com/quadrant-da/quadrant/fullnode"
	"github.com/quadrant-da/quadrant/internal/wait"
	"github.com/quadrant-da/quadrant/lightnode"
	"github.com/quadrant-da/quadrant/p2p"
)

// rogueKind is how a rogue full node misbehaves.
type rogueKind int

const (
	withholds rogueKind = iota // answers every sample request with none
	corrupts                   // serves every sample with a changed share
	stalls                     // never answers a sample request
)

// rogue is a full node that serves headers but misbehaves on samples as
// kind says.
type rogue struct {
	*fullnode.Store
	kind rogueKind
}

func (r *rogue) Samples(ctx context.Context, height uint64, coords []p2p.Coord) ([]*da.Sample, error) {
	if r.kind == stalls {
		<-ctx.Done()
		return nil, ctx.Err()
	}
	out, err := r.Store.Samples(ctx, height, coords)
	if err != nil {
		return nil, err
	}
	for i, s := range out {
		if r.kind == withholds || s == nil {
			out[i] = nil
			continue
		}
		c := *s
		c.Share = bytes.Clone(s.Share)
		c.Share[len(c.Share)-1] ^= 0xFF
		out[i] = &c
	}
	return out, nil
}

// serveRogue stands up a full node holding blocks that misbehaves as r.
func serveRogue(t testing.TB, chainID string, blocks []block, kind rogueKind) *p2p.Host {
	t.Helper()
	st, err := fullnode.OpenStore(t.TempDir(), fullnode.DefaultStoreConfig(), discard)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	for _, b := range blocks {
		if err := st.Put(context.Background(), b.hdr, b.eds); err != nil {
			t.Fatal(err)
		}
	}
	return startServer(t, chainID, st, &rogue{Store: st, kind: kind})
}

// peerShares counts, per sampled height in the log, how many of its
// samples each peer served.
func peerShares(log []lightnode.SquareRecord) map[uint64]map[string]int {
	out := map[uint64]map[string]int{}
	for _, r := range log {
		m := map[string]int{}
		for _, s := range r.Samples {
			if s.Status == lightnode.SampleVerified {
				m[s.Peer]++
			}
		}
		out[r.Height] = m
	}
	return out
}

// TestSamplesSpreadOverFullNodes: with three honest full nodes, every
// header's samples come from at least two of them and none serves more
// than half (s = 16).
func TestSamplesSpreadOverFullNodes(t *testing.T) {
	const id, heights, k = "spread-test", 6, 4
	_, blocks := chain(t, id, heights, k)
	f1, _ := serve(t, id, blocks)
	f2, _ := serve(t, id, blocks)
	f3, _ := serve(t, id, blocks)
	n := startLight(t, lightConfig(t.TempDir(), id, blocks[0].hdr, f1, f2, f3))
	wait.For(t, 40*time.Second, "connected to the three full nodes", func() bool {
		return len(n.Host().Network().Peers()) >= 3
	})
	wait.For(t, 2*time.Minute, "every height sampled", func() bool {
		return n.SamplingStats().SampledChainHead == heights
	})
	servers := map[string]bool{f1.ID().String(): true, f2.ID().String(): true, f3.ID().String(): true}
	shares := peerShares(n.SampleLog())
	sampled := 0
	for h, m := range shares {
		total := 0
		for p, c := range m {
			if !servers[p] {
				t.Fatalf("height %d: sample served by unknown peer %s", h, p)
			}
			total += c
		}
		if total != 16 {
			continue // sampled before the three were connected
		}
		sampled++
		for p, c := range m {
			if 2*c > total {
				t.Fatalf("height %d: %s served %d of %d samples: %v", h, p, c, total, m)
			}
		}
	}
	if sampled == 0 {
		t.Fatalf("no height sampled from the three full nodes: %v", shares)
	}
}

// TestWithholdingFullNodesAmongHonest: a full node that serves no samples
// and one that serves bad proofs, beside one honest full node: every
// header is still judged available.
func TestWithholdingFullNodesAmongHonest(t *testing.T) {
	const id, heights, k = "withholders-test", 6, 4
	_, blocks := chain(t, id, heights, k)
	silent := serveRogue(t, id, blocks, withholds)
	liar := serveRogue(t, id, blocks, corrupts)
	honest, _ := serve(t, id, blocks)
	cfg := lightConfig(t.TempDir(), id, blocks[0].hdr, silent, liar, honest)
	cfg.HeaderDeadline = 5 * time.Second
	n := startLight(t, cfg)
	wait.For(t, 2*time.Minute, "every height sampled and available", func() bool {
		st := n.SamplingStats()
		return st.SampledChainHead == heights && len(n.Unavailable()) == 0
	})
	for _, r := range n.SampleLog() {
		for _, s := range r.Samples {
			if s.Status == lightnode.SampleVerified && s.Peer != honest.ID().String() {
				t.Fatalf("height %d: sample verified from %s, not the honest node", r.Height, s.Peer)
			}
		}
	}
}

// TestStalledFullNodeDoesNotHoldHeaders: a full node that takes sample
// requests and never answers, beside an honest one: its share of each
// header's samples is asked of the honest node once the request has been
// out a quarter of the request timeout, so every header is sampled before
// any request to the stalled node times out (20 s here).
func TestStalledFullNodeDoesNotHoldHeaders(t *testing.T) {
	const id, heights, k = "stall-test", 4, 4
	_, blocks := chain(t, id, heights, k)
	stalled := serveRogue(t, id, blocks, stalls)
	honest, _ := serve(t, id, blocks)
	cfg := lightConfig(t.TempDir(), id, blocks[0].hdr, stalled, honest)
	cfg.RequestTimeout = 20 * time.Second
	cfg.HeaderDeadline = time.Minute
	reg := prometheus.NewRegistry()
	ln, err := lightnode.New(cfg, lightnode.Options{Logger: discard, Now: testClock, Registry: reg})
	if err != nil {
		t.Fatal(err)
	}
	n := startNode(t, ln)
	wait.For(t, 40*time.Second, "connected to both full nodes", func() bool {
		return len(n.Host().Network().Peers()) >= 2
	})
	// The bound is below the request timeout: passing it means no header
	// waited for the stalled node's answer (4 headers on 4 workers, each
	// hedged after 5 s, with room for a loaded machine).
	wait.For(t, 15*time.Second, "every height sampled and available before a request timed out", func() bool {
		st := n.SamplingStats()
		return st.SampledChainHead == heights && len(n.Unavailable()) == 0
	})
	asked := false
	for _, r := range n.SampleLog() {
		for _, s := range r.Samples {
			if s.Status == lightnode.SampleVerified && s.Peer != honest.ID().String() {
				t.Fatalf("height %d: sample verified from %s, not the honest node", r.Height, s.Peer)
			}
		}
		asked = asked || len(r.Samples) > 0
	}
	if !asked {
		t.Fatal("no sample log")
	}
	if slow := counterValue(t, reg, "quadrant_light_slow_sample_requests_total"); slow < 1 {
		t.Fatalf("quadrant_light_slow_sample_requests_total = %v, want the stalled node's requests counted", slow)
	}
}

// counterValue reads the counter name from reg (0 when absent).
func counterValue(t *testing.T, reg *prometheus.Registry, name string) float64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() == name {
			return mf.Metric[0].GetCounter().GetValue()
		}
	}
	return 0
}

// TestAllFullNodesWithholding: when every full node withholds (one serves
// nothing, one bad proofs), every header is judged unavailable within the
// header deadline.
func TestAllFullNodesWithholding(t *testing.T) {
	const id, heights, k = "all-withhold-test", 3, 4
	_, blocks := chain(t, id, heights, k)
	silent := serveRogue(t, id, blocks, withholds)
	liar := serveRogue(t, id, blocks, corrupts)
	cfg := lightConfig(t.TempDir(), id, blocks[0].hdr, silent, liar)
	cfg.Sampling.RetryBase, cfg.Sampling.RetryMax = time.Hour, time.Hour
	n := startLight(t, cfg)
	want := []uint64{1, 2, 3}
	wait.For(t, time.Minute, "every height unavailable", func() bool {
		return slices.Equal(n.Unavailable(), want)
	})
	for _, v := range n.Verdicts() {
		if v.Status == "available" {
			t.Fatalf("height %d judged available with no honest full node", v.Height)
		}
	}
}
