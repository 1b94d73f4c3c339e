package lightnode_test

import (
	"context"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/quadrant-da/quadrant/p2p"
	"github.com/quadrant-da/quadrant/sampling"
)

// peakRSS returns VmHWM of this process (light node, full node server and
// benchmark together: an upper bound for the light node alone).
func peakRSS() string {
	b, _ := os.ReadFile("/proc/self/status")
	for _, l := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(l, "VmHWM:") {
			return strings.TrimSpace(strings.TrimPrefix(l, "VmHWM:"))
		}
	}
	return "?"
}

// BenchmarkSampleHeader/k=128: one header's 16 samples requested from a
// full node over loopback libp2p and verified down to the data root.
// Reports p50/p99 and the bytes a light node downloads per header (light
// header + 16 encoded samples).
func BenchmarkSampleHeader(b *testing.B) {
	const id, k = "bench-sample", 128
	_, blocks := chain(b, id, 2, k)
	f, _ := serve(b, id, blocks)
	cfg := lightConfig(b.TempDir(), id, blocks[0].hdr, f)
	cfg.RPC.ListenAddr = ""
	n := startLight(b, cfg)
	waitFor(b, 60*time.Second, "synced", func() bool { return n.LocalHead().Height() == 2 })
	hdr := n.LocalHead()
	ctx := context.Background()

	// Bytes per header: the light header and the 16 samples as encoded.
	hb, _ := hdr.Marshal()
	client := p2p.NewClient(n.Host(), id, n.Host().Scores)
	coords := []p2p.Coord{}
	for i := 0; i < 16; i++ {
		coords = append(coords, p2p.Coord{Row: i * 13 % 256, Col: i * 29 % 256})
	}
	samples, err := client.Samples(ctx, f.ID(), hdr, coords)
	if err != nil {
		b.Fatal(err)
	}
	bytes := len(hb)
	for _, s := range samples {
		sb, _ := s.Marshal()
		bytes += len(sb) + 5 // status byte + frame length
	}

	var d []time.Duration
	b.ResetTimer()
	for b.Loop() {
		t0 := time.Now()
		r, err := n.SampleHeader(ctx, hdr)
		if err != nil || len(r.Failed) != 0 {
			b.Fatalf("%v %+v", err, r)
		}
		d = append(d, time.Since(t0))
	}
	b.StopTimer()
	slices.Sort(d)
	b.ReportMetric(float64(d[len(d)/2].Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(d[len(d)*99/100].Microseconds())/1000, "p99-ms")
	b.ReportMetric(float64(bytes), "bytes/header")
	b.Logf("k=%d s=16: p50 %s p99 %s, %d bytes per header, peak RSS %s", k, d[len(d)/2], d[len(d)*99/100], bytes, peakRSS())
}

// BenchmarkCatchUp/k=16/heights=500: a light node catches up 500 signed
// headers (verifying each, sampling 16 shares of each) from one full node
// over loopback; reports headers per second.
func BenchmarkCatchUp(b *testing.B) {
	const id, k, heights = "bench-catchup", 16, 500
	_, blocks := chain(b, id, heights, k)
	f, _ := serve(b, id, blocks)
	b.Run(fmt.Sprintf("k=%d/heights=%d", k, heights), func(b *testing.B) {
		for b.Loop() {
			cfg := lightConfig(b.TempDir(), id, blocks[0].hdr, f)
			cfg.RPC.ListenAddr = ""
			cfg.Sampling.Workers = 16
			cfg.Sampling.CatchUpRange = 100
			t0 := time.Now()
			n := startLight(b, cfg)
			waitFor(b, 120*time.Second, "catch-up", func() bool { return n.SamplingStats().SampledChainHead == heights })
			el := time.Since(t0)
			n.Stop()
			b.ReportMetric(float64(heights)/el.Seconds(), "headers/s")
			b.Logf("%d headers in %s: %.0f headers/s (s=16, confidence %.4f at k=%d), peak RSS %s",
				heights, el, float64(heights)/el.Seconds(), sampling.Confidence(k, 16), k, peakRSS())
		}
	})
}
