package lightnode_test

import (
	"context"
	"fmt"
	"iter"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/quadrant-da/quadrant/da"
	"github.com/quadrant-da/quadrant/erasure"
	"github.com/quadrant-da/quadrant/fullnode"
	"github.com/quadrant-da/quadrant/internal/wait"
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
	wait.For(b, 4*time.Minute, "synced", func() bool { return n.LocalHead().Height() == 2 })
	hdr := n.LocalHead()
	ctx := context.Background()

	// Bytes per header: the light header and the 16 samples as encoded.
	hb, _ := hdr.Marshal()
	client, err := p2p.NewClient(p2p.DefaultClientConfig(), p2p.ClientOptions{Host: n.Host(), ChainID: id, Scores: n.Host().Scores})
	if err != nil {
		b.Fatal(err)
	}
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

// BenchmarkCatchUp: a light node catches up 500 signed headers (verifying
// each, sampling 16 shares of each) from one full node over loopback with 16
// workers; reports headers per second.
//
//   - stored/k=16/heights=500: the full node's store holds all 500 squares
//     (the same content under each header), as a full node would.
//   - reused/k=16, k=64 and k=128 (heights=500): the store holds
//     the square once and serves every height from it (reusedSquare), which
//     keeps the disk at one square instead of 500 × 11 MiB at k=64. The light
//     node's work is the same: each height is a distinct signed header it
//     verifies, and every sample is proven to that header's data root.
//     The server, which shares the benchmark's CPU, does less work than
//     with 500 stored squares (one height's proofs and Pebble blocks stay
//     cached): compare stored/k=16 with reused/k=16.
func BenchmarkCatchUp(b *testing.B) {
	const heights = 500
	run := func(b *testing.B, id string, k int, f *p2p.Host, first *da.ExtendedHeader) {
		for b.Loop() {
			cfg := lightConfig(b.TempDir(), id, first, f)
			cfg.RPC.ListenAddr = ""
			cfg.Sampling.Workers = 16
			cfg.Sampling.CatchUpRange = 100
			t0 := time.Now()
			n := startLight(b, cfg)
			wait.For(b, 20*time.Minute, "catch-up", func() bool { return n.SamplingStats().SampledChainHead == heights })
			el := time.Since(t0)
			if u := n.Unavailable(); len(u) != 0 {
				b.Fatalf("heights found unavailable: %v", u)
			}
			n.Close()
			b.ReportMetric(float64(heights)/el.Seconds(), "headers/s")
			b.Logf("k=%d: %d headers in %s: %.0f headers/s (s=16, confidence %.4f), peak RSS %s",
				k, heights, el, float64(heights)/el.Seconds(), sampling.Confidence(k, 16), peakRSS())
		}
	}
	b.Run(fmt.Sprintf("stored/k=16/heights=%d", heights), func(b *testing.B) {
		const id = "bench-catchup"
		_, blocks := chain(b, id, heights, 16)
		f, _ := serve(b, id, blocks)
		run(b, id, 16, f, blocks[0].hdr)
	})
	for _, k := range []int{16, 64, 128} {
		b.Run(fmt.Sprintf("reused/k=%d/heights=%d", k, heights), func(b *testing.B) {
			id := fmt.Sprintf("bench-catchup-%d", k)
			_, blocks := chain(b, id, heights, k)
			f := serveReused(b, id, blocks)
			run(b, id, k, f, blocks[0].hdr)
		})
	}
}

// reusedSquare serves the heights of a chain whose headers all commit to the
// same square: the full node's store holds that square once, at height 1,
// and answers every height's square requests from it.
type reusedSquare struct {
	*fullnode.Store
	hdrs []*da.ExtendedHeader // hdrs[i] has height i+1
}

func (r *reusedSquare) at(height uint64) (uint64, error) {
	if height < 1 || height > uint64(len(r.hdrs)) {
		return 0, fmt.Errorf("height %d: %w", height, p2p.ErrNotFound)
	}
	return 1, nil
}

func (r *reusedSquare) Head(context.Context) (*da.ExtendedHeader, error) {
	return r.hdrs[len(r.hdrs)-1], nil
}

func (r *reusedSquare) HeaderByHeight(_ context.Context, height uint64) (*da.ExtendedHeader, error) {
	if _, err := r.at(height); err != nil {
		return nil, err
	}
	return r.hdrs[height-1], nil
}

func (r *reusedSquare) Samples(ctx context.Context, height uint64, coords []p2p.Coord) ([]*da.Sample, error) {
	h, err := r.at(height)
	if err != nil {
		return nil, err
	}
	return r.Store.Samples(ctx, h, coords)
}

func (r *reusedSquare) HalfAxis(ctx context.Context, height uint64, axis erasure.Axis, index, half int) ([][]byte, error) {
	h, err := r.at(height)
	if err != nil {
		return nil, err
	}
	return r.Store.HalfAxis(ctx, h, axis, index, half)
}

func (r *reusedSquare) NamespaceRows(ctx context.Context, height uint64, ns da.Namespace) ([]p2p.NamespaceRowHead, iter.Seq2[[]byte, error], error) {
	h, err := r.at(height)
	if err != nil {
		return nil, nil, err
	}
	return r.Store.NamespaceRows(ctx, h, ns)
}

func (r *reusedSquare) OriginalRows(ctx context.Context, height uint64) (int, iter.Seq2[[]byte, error], error) {
	h, err := r.at(height)
	if err != nil {
		return 0, nil, err
	}
	return r.Store.OriginalRows(ctx, h)
}

// serveReused stands up a p2p server for blocks (all of the same square,
// as chain builds them) storing the square once.
func serveReused(t testing.TB, chainID string, blocks []block) *p2p.Host {
	t.Helper()
	ctx := context.Background()
	st, err := fullnode.OpenStore(t.TempDir(), fullnode.DefaultStoreConfig(), discard)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if err := st.Put(ctx, blocks[0].hdr, blocks[0].eds); err != nil {
		t.Fatal(err)
	}
	src := &reusedSquare{Store: st}
	for i, b := range blocks {
		if b.eds != blocks[0].eds || uint64(b.hdr.Height()) != uint64(i+1) {
			t.Fatalf("serveReused: block %d is not height %d of the shared square", i, i+1)
		}
		src.hdrs = append(src.hdrs, b.hdr)
	}
	return startServer(t, chainID, src, src)
}
