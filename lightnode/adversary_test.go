package lightnode_test

import (
	"testing"
	"time"

	"github.com/quadrant-da/quadrant/da"
	"github.com/quadrant-da/quadrant/da/headertest"
	"github.com/quadrant-da/quadrant/internal/wait"
	"github.com/quadrant-da/quadrant/lightnode"
	"github.com/quadrant-da/quadrant/sampling"
)

// TestMissRateWithFewSamples: a full node withholds a (k+1)×(k+1)
// sub-square at every height; a light node sampling s=2 shares per header
// misses the withholding (finds the header available) at a rate within 5
// standard deviations of the exact MissProbability(k, 2). The seed is fixed,
// so the outcome is deterministic.
func TestMissRateWithFewSamples(t *testing.T) {
	const id, heights, k, s = "missrate-test", 120, 4, 2
	_, blocks := chain(t, id, heights, k)
	f, src := serve(t, id, blocks)
	for h := uint64(1); h <= heights; h++ {
		src.withhold[h] = true
	}
	cfg := lightConfig(t.TempDir(), id, blocks[0].hdr, f)
	cfg.Samples = s
	// The deadline only decides how long a withheld header takes to be
	// marked unavailable; it must be long enough that a header whose samples
	// are all served is never marked unavailable on a busy machine, or the
	// observed miss rate would depend on timing.
	cfg.HeaderDeadline = 3 * time.Second
	cfg.Sampling.Workers = 16
	cfg.Sampling.RetryBase = time.Hour // one verdict per height
	cfg.Sampling.RetryMax = time.Hour
	seed := byte(7)
	n, err := lightnode.New(cfg, lightnode.Options{Logger: discard, Now: testClock, Random: func(p []byte) (int, error) {
		for i := range p {
			p[i] = seed + byte(i)
		}
		return len(p), nil
	}})
	if err != nil {
		t.Fatal(err)
	}
	startNode(t, n)
	first := map[uint64]sampling.Status{}
	wait.For(t, 4*time.Minute, "a verdict for every height", func() bool {
		for _, v := range n.Verdicts() {
			if _, ok := first[v.Height]; !ok {
				first[v.Height] = v.Status
			}
		}
		return len(first) == heights
	})
	missed := 0
	for _, st := range first {
		if st == sampling.StatusAvailable {
			missed++
		}
	}
	p := sampling.MissProbability(k, s)
	mean, sd := p*heights, sqrt(heights*p*(1-p))
	t.Logf("s=%d k=%d: missed %d of %d withheld headers, expected %.1f ± %.1f (exact miss probability %.4f)", s, k, missed, heights, mean, sd, p)
	if float64(missed) < mean-5*sd || float64(missed) > mean+5*sd {
		t.Fatalf("missed %d of %d, outside %.1f ± 5×%.1f", missed, heights, mean, sd)
	}
}

func sqrt(x float64) float64 {
	z := x
	for i := 0; i < 50; i++ {
		z = (z + x/z) / 2
	}
	return z
}

// TestLyingPeerScoredDown: a full node serving a chain signed by other
// keys under the same chain ID cannot move the light node: its headers
// fail verification, it is scored down, and the light node syncs and
// samples the honest chain from the other peer.
func TestLyingPeerScoredDown(t *testing.T) {
	const id, heights, k = "liar-test", 6, 4
	_, blocks := chain(t, id, heights, k)
	honest, _ := serve(t, id, blocks)
	lc := headertest.NewChain(id, 4, "liar")
	eds := headertest.ExtendedSquare(k, 9)
	dah, _ := da.ComputeDAHeader(eds)
	var lies []block
	for i := 0; i < heights+4; i++ {
		h, err := lc.Next(dah)
		if err != nil {
			t.Fatal(err)
		}
		lies = append(lies, block{h, eds})
	}
	liar, _ := serve(t, id, lies)
	cfg := lightConfig(t.TempDir(), id, blocks[0].hdr, liar, honest)
	n := startLight(t, cfg)
	wait.For(t, 40*time.Second, "the honest chain sampled and the liar scored down", func() bool {
		sc := n.Host().Scores
		return n.SamplingStats().SampledChainHead == heights && (sc.Score(liar.ID()) < 0 || sc.Blocked(liar.ID()))
	})
	for h := uint64(1); h <= heights; h++ {
		got, err := n.HeaderByHeight(t.Context(), h)
		if err != nil || string(got.Hash()) != string(blocks[h-1].hdr.Hash()) {
			t.Fatalf("height %d: %v", h, err)
		}
	}
	if n.NetworkHead().Height() != heights {
		t.Fatalf("network head %d: the liar's longer chain was accepted", n.NetworkHead().Height())
	}
}
