package conformance

import (
	"context"
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	libshare "github.com/celestiaorg/go-square/v3/share"
	blobrpc "github.com/evstack/ev-node/pkg/da/jsonrpc"
)

// submitClients is how many rollup clients submit at once in
// BenchmarkAdapterSubmit, each with its own JSON-RPC connection and its own
// namespace. They all sign with the adapter's default key, so the node orders
// their transactions through one account queue, as it would for rollups
// sharing one DA node.
const submitClients = 8

// submitCallTimeout bounds one Submit call; the adapter itself gives up
// waiting for inclusion after 2 minutes (rollupadapter.Config.SubmitTimeout).
const submitCallTimeout = 3 * time.Minute

// BenchmarkAdapterSubmit measures the rollup adapter's submit path end to end:
// submitClients ev-node JSON-RPC clients (HTTP) call blob.Submit with one blob
// each time against the devnet TestMain starts, and every call returns only
// once its transaction is in a committed block.
//
// One iteration is one blob submitted (and included) by one of the clients:
// the clients take iterations from a shared counter until b.N blobs are in, so
// ns/op is wall time per blob at that concurrency and -benchtime Nx means N
// blobs in all. With b.N below submitClients only b.N clients run, so use
// -benchtime of at least a few dozen blobs (e.g. 64x) for meaningful
// percentiles. Every blob has fresh bytes (a per-client random buffer with a
// counter stamped in front), so no two submissions share a commitment.
//
// Reported: blobs/s and MiB/s of blob data included, p50/p99 submit→inclusion
// latency (the Submit call alone; the client's commitment computation in
// NewBlobV0 runs inside the timed window but outside the latency), and, to
// tell what limits throughput, blobs/block (blobs per block that carried any)
// and ms/block (the chain's block interval between the first and last height
// a blob landed on, from the headers' times; absent when all landed in one).
// Any submit error fails the benchmark.
func BenchmarkAdapterSubmit(b *testing.B) {
	d, token := benchDevnet(b)
	for _, size := range []int{64 << 10, 256 << 10, 1 << 20, 2 << 20} {
		b.Run(sizeName(size), func(b *testing.B) {
			benchSubmit(b, d, token, size)
		})
	}
}

func benchSubmit(b *testing.B, d *devnet, token string, size int) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()

	workers := min(submitClients, b.N)
	type client struct {
		cl   *blobrpc.Client
		ns   libshare.Namespace
		data []byte
		lat  []time.Duration
		h    []uint64
	}
	clients := make([]*client, workers)
	for i := range clients {
		cl, err := blobrpc.NewClient(ctx, "http://"+d.rpcAddr, token, "")
		if err != nil {
			b.Fatal(err)
		}
		defer cl.Close()
		data := make([]byte, size)
		rng := rand.NewChaCha8([32]byte{byte(i), byte(size >> 16)})
		rng.Read(data)
		clients[i] = &client{
			cl:   cl,
			ns:   libshare.MustNewV0Namespace([]byte(fmt.Sprintf("bench-%02d", i))), // ≤ 10 bytes
			data: data,
		}
	}

	var (
		next     atomic.Int64
		errOnce  sync.Once
		firstErr error
		wg       sync.WaitGroup
	)
	fail := func(err error) {
		errOnce.Do(func() { firstErr = err; cancel() })
	}
	b.ResetTimer()
	start := time.Now()
	for _, c := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ctx.Err() == nil {
				n := next.Add(1)
				if n > int64(b.N) {
					return
				}
				// Fresh bytes: the iteration number in front of the client's buffer.
				binary.BigEndian.PutUint64(c.data, uint64(n))
				bl, err := blobrpc.NewBlobV0(c.ns, c.data)
				if err != nil {
					fail(fmt.Errorf("blob %d: %w", n, err))
					return
				}
				cctx, ccancel := context.WithTimeout(ctx, submitCallTimeout)
				t0 := time.Now()
				h, err := c.cl.Blob.Submit(cctx, []*blobrpc.Blob{bl}, &blobrpc.SubmitOptions{})
				lat := time.Since(t0)
				ccancel()
				if err != nil {
					if ctx.Err() == nil {
						fail(fmt.Errorf("submit of blob %d (%d bytes, namespace %s) after %v: %w", n, size, c.ns.ID(), lat, err))
					}
					return
				}
				if h == 0 {
					fail(fmt.Errorf("submit of blob %d returned height 0", n))
					return
				}
				c.lat = append(c.lat, lat)
				c.h = append(c.h, h)
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	b.StopTimer()
	if firstErr != nil {
		b.Fatal(firstErr)
	}

	var lats []time.Duration
	var heights []uint64
	for _, c := range clients {
		lats = append(lats, c.lat...)
		heights = append(heights, c.h...)
	}
	if len(lats) != b.N {
		b.Fatalf("%d blobs included, want %d", len(lats), b.N)
	}
	slices.Sort(lats)
	sec := elapsed.Seconds()
	b.ReportMetric(float64(len(lats))/sec, "blobs/s")
	b.ReportMetric(float64(len(lats))*float64(size)/(1<<20)/sec, "MiB/s")
	b.ReportMetric(ms(percentile(lats, 50)), "p50-ms")
	b.ReportMetric(ms(percentile(lats, 99)), "p99-ms")
	b.ReportMetric(float64(workers), "clients")

	// Where the blobs landed: blobs per block that carried any, and the
	// chain's block interval over those heights (from the headers' times).
	slices.Sort(heights)
	lo, hi := heights[0], heights[len(heights)-1]
	b.ReportMetric(float64(len(heights))/float64(len(slices.Compact(heights))), "blobs/block")
	if hi > lo {
		hctx, hcancel := context.WithTimeout(context.Background(), time.Minute)
		defer hcancel()
		first, err := clients[0].cl.Header.GetByHeight(hctx, lo)
		if err != nil {
			b.Fatalf("header.GetByHeight(%d): %v", lo, err)
		}
		last, err := clients[0].cl.Header.GetByHeight(hctx, hi)
		if err != nil {
			b.Fatalf("header.GetByHeight(%d): %v", hi, err)
		}
		b.ReportMetric(ms(last.Time().Sub(first.Time()))/float64(hi-lo), "ms/block")
	}
}

// percentile returns the nearest-rank p-th percentile of sorted, which must
// not be empty.
func percentile(sorted []time.Duration, p int) time.Duration {
	i := (len(sorted)*p + 99) / 100 // ceil(n·p/100), 1-based
	return sorted[max(i, 1)-1]
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

func sizeName(n int) string {
	if n >= 1<<20 && n%(1<<20) == 0 {
		return fmt.Sprintf("size=%dMiB", n>>20)
	}
	return fmt.Sprintf("size=%dKiB", n>>10)
}

// benchDevnet is need plus the write token for a benchmark (need and
// devnet.token take a *testing.T).
func benchDevnet(b *testing.B) (*devnet, string) {
	b.Helper()
	if dn.err != nil {
		b.Fatal(dn.err)
	}
	if dn.skip != "" {
		b.Skip(dn.skip)
	}
	tok, err := os.ReadFile(filepath.Join(dn.home, "tokens", "write"))
	if err != nil {
		b.Fatal(err)
	}
	return &dn, strings.TrimSpace(string(tok))
}
