package lightnode_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/libp2p/go-libp2p/core/peer"

	"github.com/quadrant-da/quadrant/da"
	"github.com/quadrant-da/quadrant/da/headertest"
	"github.com/quadrant-da/quadrant/erasure"
	"github.com/quadrant-da/quadrant/internal/wait"
	"github.com/quadrant-da/quadrant/p2p"
)

// TestWithheldSubSquareIsUnavailable: a full node withholds a (k+1)×(k+1)
// sub-square at heights 3 and 6 and serves everything else; a light node
// with s=16 connected only to it marks exactly those heights unavailable
// and the others available.
func TestWithheldSubSquareIsUnavailable(t *testing.T) {
	const id, heights, k = "withhold-test", 8, 4
	_, blocks := chain(t, id, heights, k)
	f, src := serve(t, id, blocks)
	src.withhold[3], src.withhold[6] = true, true
	cfg := lightConfig(t.TempDir(), id, blocks[0].hdr, f)
	// Long enough that a served header is never marked unavailable on a busy
	// machine: only the withheld heights may time out.
	cfg.HeaderDeadline = 3 * time.Second
	// One verdict per height: a retry in flight would take a withheld
	// height off the unavailable list while it is sampled again.
	cfg.Sampling.RetryBase, cfg.Sampling.RetryMax = time.Hour, time.Hour
	n := startLight(t, cfg)
	wait.For(t, 2*time.Minute, "heights 3 and 6 unavailable, the rest sampled", func() bool {
		st := n.SamplingStats()
		return slices.Equal(n.Unavailable(), []uint64{3, 6}) && st.SampledChainHead == 2 && st.CatchUpDone && len(st.Failed) == 2
	})
	avail := map[uint64]bool{}
	for _, v := range n.Verdicts() {
		if v.Status == "available" {
			avail[v.Height] = true
		}
		if v.Status == "unavailable" && (len(v.Failed) == 0 || v.Verified+len(v.Failed) != 16) {
			t.Fatalf("unavailable verdict %+v does not list its failed coordinates", v)
		}
	}
	for h := uint64(1); h <= heights; h++ {
		if avail[h] == (h == 3 || h == 6) {
			t.Fatalf("height %d: available=%v", h, avail[h])
		}
	}
}

// badBlocks returns 3 heights signed by the test keys; height 2's square
// has a wrongly extended row (a parity share changed after extension, DA
// header computed over the changed square), and the honest fraud proof
// for it.
func badBlocks(t *testing.T, id string) ([]block, []byte, []byte) {
	c := headertest.NewChain(id, 4, "befp")
	var out []block
	for i := 0; i < 3; i++ {
		const k = 4
		eds := headertest.ExtendedSquare(k, byte(i+1))
		if i == 1 {
			eds.Share(1, k+2)[300] ^= 0x5A
		}
		h, err := c.NextSquare(eds)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, block{h, eds})
	}
	bad := out[1]
	present := make([]bool, 64)
	for i := range present {
		present[i] = i%8 < 4 || i/8 >= 4 // drop Q1: rows must be decoded
	}
	rep := bad.eds.Clone()
	err := da.RepairSquare(rep, present, bad.hdr.DAH)
	var byz *erasure.ErrByzantineData
	if !errors.As(err, &byz) {
		t.Fatalf("repair: %v, want ErrByzantineData", err)
	}
	proof, err := da.NewBadEncodingProof(2, bad.hdr.DAH, rep, present, byz)
	if err != nil {
		t.Fatal(err)
	}
	if err := proof.Verify(bad.hdr.DataRoot()); err != nil {
		t.Fatal(err)
	}
	enc, _ := proof.Marshal()
	forged := *proof
	forged.Height = 1
	fenc, _ := forged.Marshal()
	return out, enc, fenc
}

// TestFraudProofHaltsLightNode: a forged fraud proof does not halt the
// light node and scores its sender down; the real one for the badly
// encoded height 2 halts sampling, marks the chain fraudulent and survives
// a restart.
func TestFraudProofHaltsLightNode(t *testing.T) {
	const id = "befp-light"
	blocks, enc, fenc := badBlocks(t, id)
	f, _ := serve(t, id, blocks)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	pub, err := p2p.NewHost(loopback(f.FullAddrs()[0]), t.TempDir(), discard, time.Now)
	if err != nil {
		t.Fatal(err)
	}
	defer pub.Close()
	ignore := func(context.Context, peer.ID, *da.LightHeader) error { return p2p.ErrIgnore }
	accept := func(context.Context, peer.ID, []byte) error { return nil }
	g, err := p2p.NewGossip(ctx, pub, id, pub.Scores, ignore, accept)
	if err != nil {
		t.Fatal(err)
	}
	defer g.Close()

	home := t.TempDir()
	n := startLight(t, lightConfig(home, id, blocks[0].hdr, f, pub))
	wait.For(t, 2*time.Minute, "3 heights synced and sampled", func() bool {
		return n.SamplingStats().SampledChainHead == 3
	})
	wait.For(t, 40*time.Second, "gossip mesh", func() bool {
		return len(n.Host().Network().ConnsToPeer(pub.ID())) > 0
	})
	gsub, err := g.SubscribeBEFP() // to have a mesh to wait for
	if err != nil {
		t.Fatal(err)
	}
	defer gsub.Cancel()
	wait.For(t, 10*time.Second, "the light node in the forger's fraud-topic mesh", func() bool {
		_, peers := g.MeshPeers()
		return slices.Contains(peers, n.Host().ID())
	})

	if err := g.PublishBEFP(ctx, fenc); err != nil {
		t.Fatal(err)
	}
	wait.For(t, 40*time.Second, "the forger scored down", func() bool { return n.Host().Scores.Score(pub.ID()) < 0 })
	if n.Fraud().Fraudulent || !n.SamplingStats().IsRunning {
		t.Fatalf("forged proof halted the node: %+v", n.Fraud())
	}

	// The honest proof, from a fresh peer (the forger may be blocked).
	pub2, err := p2p.NewHost(loopback(), t.TempDir(), discard, time.Now)
	if err != nil {
		t.Fatal(err)
	}
	defer pub2.Close()
	if err := pub2.Connect(ctx, peer.AddrInfo{ID: n.Host().ID(), Addrs: n.Host().Addrs()}); err != nil {
		t.Fatal(err)
	}
	g2, err := p2p.NewGossip(ctx, pub2, id, pub2.Scores, ignore, accept)
	if err != nil {
		t.Fatal(err)
	}
	defer g2.Close()
	wait.For(t, 40*time.Second, "connected", func() bool { return len(n.Host().Network().ConnsToPeer(pub2.ID())) > 0 })
	g2sub, err := g2.SubscribeBEFP()
	if err != nil {
		t.Fatal(err)
	}
	defer g2sub.Cancel()
	wait.For(t, 10*time.Second, "the light node in the honest peer's fraud-topic mesh", func() bool {
		_, peers := g2.MeshPeers()
		return slices.Contains(peers, n.Host().ID())
	})
	if err := g2.PublishBEFP(ctx, enc); err != nil {
		t.Fatal(err)
	}
	wait.For(t, 80*time.Second, "the node halted by the real proof", func() bool { return n.Fraud().Fraudulent })
	fs := n.Fraud()
	if fs.Height != 2 || !strings.Contains(fs.Message, "FRAUDULENT from height 2") || n.SamplingStats().IsRunning {
		t.Fatalf("fraud status %+v, stats %+v", fs, n.SamplingStats())
	}
	if err := n.Close(); err != nil {
		t.Fatal(err)
	}
	n2 := startLight(t, lightConfig(home, id, blocks[0].hdr, f))
	if fs := n2.Fraud(); !fs.Fraudulent || fs.Height != 2 || n2.SamplingStats().IsRunning {
		t.Fatalf("restarted node forgot the fraud: %+v", fs)
	}
}

// TestRestartResumesFromCheckpoint: a light node stopped mid catch-up and
// restarted samples no height it had already decided (counted at the
// server), and finishes the rest.
func TestRestartResumesFromCheckpoint(t *testing.T) {
	const id, heights, k = "restart-test", 60, 4
	_, blocks := chain(t, id, heights, k)
	f, src := serve(t, id, blocks)
	src.delay = 15 * time.Millisecond
	home := t.TempDir()
	cfg := lightConfig(home, id, blocks[0].hdr, f)
	cfg.Sampling.Workers = 1
	n := startLight(t, cfg)
	wait.For(t, 2*time.Minute, "some heights sampled", func() bool { return n.SamplingStats().SampledChainHead >= 15 })
	if err := n.Close(); err != nil {
		t.Fatal(err)
	}
	before := src.counts()
	done := func(h uint64) bool { return before[h] > 0 }
	var decided []uint64
	for h := uint64(1); h <= heights; h++ {
		if done(h) {
			decided = append(decided, h)
		}
	}
	if len(decided) >= heights {
		t.Fatalf("the first run sampled everything (%d heights); the test needs a stop mid catch-up", len(decided))
	}
	src.mu.Lock()
	src.delay = 0
	src.mu.Unlock()
	n2 := startLight(t, cfg)
	wait.For(t, 2*time.Minute, "every height sampled after restart", func() bool { return n2.SamplingStats().SampledChainHead == heights })
	after := src.counts()
	resampled := 0
	for _, h := range decided {
		if after[h] != before[h] {
			resampled++
		}
	}
	// Heights in flight at Stop (at most Workers + RecentWorkers) are
	// sampled again; nothing decided is.
	if resampled > cfg.Sampling.Workers+cfg.Sampling.RecentWorkers {
		t.Fatalf("%d heights sampled before the restart were sampled again", resampled)
	}
	for h := uint64(1); h <= 15; h++ {
		if after[h] != before[h] {
			t.Fatalf("height %d (decided before the stop) was requested again: %d → %d", h, before[h], after[h])
		}
	}
	for h := uint64(1); h <= heights; h++ {
		if after[h] == 0 {
			t.Fatalf("height %d never sampled", h)
		}
	}
}
