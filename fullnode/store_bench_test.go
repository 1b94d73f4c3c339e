package fullnode

import (
	"context"
	"io"
	"log/slog"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	ds "github.com/ipfs/go-datastore"
	"github.com/libp2p/go-libp2p/core/peer"

	"github.com/quadrant-da/quadrant/da"
	"github.com/quadrant-da/quadrant/da/headertest"
	"github.com/quadrant-da/quadrant/erasure"
	"github.com/quadrant-da/quadrant/p2p"
)

// randomBlocks returns n signed blocks of width k whose shares have sorted
// namespaces and random (incompressible) data, like real blob data.
func randomBlocks(b testing.TB, k, n int) []testBlock {
	c := headertest.NewChain("store-bench", 4, "bench")
	rng := rand.New(rand.NewPCG(1, 2))
	var out []testBlock
	for i := 0; i < n; i++ {
		orig := make([]byte, k*k*da.ShareSize)
		for j := 0; j < k*k; j++ {
			s := orig[j*da.ShareSize : (j+1)*da.ShareSize]
			ns, _ := da.NewNamespaceV0([]byte{byte(j >> 10), byte(j >> 2)})
			copy(s, ns[:])
			s[da.NamespaceSize] = 1
			for x := da.NamespaceSize + 1; x < da.ShareSize; x += 8 {
				v := rng.Uint64()
				for y := 0; y < 8 && x+y < da.ShareSize; y++ {
					s[x+y] = byte(v >> (8 * y))
				}
			}
		}
		eds, err := erasure.Extend(orig, k)
		if err != nil {
			b.Fatal(err)
		}
		dah, err := da.ComputeDAHeader(eds)
		if err != nil {
			b.Fatal(err)
		}
		h, err := c.Next(dah)
		if err != nil {
			b.Fatal(err)
		}
		out = append(out, testBlock{hdr: h, eds: eds})
	}
	return out
}

func dirSize(b testing.TB, dir string) int64 {
	var n int64
	err := filepath.Walk(dir, func(_ string, fi os.FileInfo, err error) error {
		if err == nil && !fi.IsDir() {
			n += fi.Size()
		}
		return err
	})
	if err != nil {
		b.Fatal(err)
	}
	return n
}

// BenchmarkStorePut measures storing one height (tree building + batch
// commit) and reports the on-disk bytes per block relative to the original
// square (after closing, so the WAL is flushed to tables).
func BenchmarkStorePut(b *testing.B) {
	for _, k := range []int{32, 128} {
		b.Run("k="+itoa(k), func(b *testing.B) {
			blocks := randomBlocks(b, k, 4)
			dir := b.TempDir()
			s := openTestStore(b, dir, DefaultStoreConfig())
			orig := int64(k * k * da.ShareSize)
			b.SetBytes(orig)
			b.ReportAllocs()
			b.ResetTimer()
			var stored int
			for i := 0; i < b.N; i++ {
				blk := blocks[i%len(blocks)]
				if i >= len(blocks) { // fresh heights: re-sign the same squares
					b.StopTimer()
					blocks = append(blocks, nextBlock(b, blocks, blk))
					blk = blocks[len(blocks)-1]
					b.StartTimer()
				}
				if err := s.Put(context.Background(), blk.hdr, blk.eds); err != nil {
					b.Fatal(err)
				}
				stored++
			}
			b.StopTimer()
			// Logical bytes of the last height: every value it wrote.
			h := uint64(stored)
			var logical int
			for _, key := range append([]string{keyHeader(h).String(), keyDone(h).String()}, sqKeys(h, 2*k)...) {
				n, err := s.ds.GetSize(context.Background(), dsKey(key))
				if err != nil {
					b.Fatal(err)
				}
				logical += n
			}
			b.ReportMetric(float64(logical)/float64(orig), "logical/original")
			s.Close()
			size := dirSize(b, dir)
			b.ReportMetric(float64(size)/float64(stored), "disk-bytes/block")
			b.ReportMetric(float64(size)/float64(stored)/float64(orig), "disk/original")
		})
	}
}

// nextBlock is never needed when b.N ≤ len(blocks); otherwise it signs the
// square of blk under a new height of its own chain.
func nextBlock(b testing.TB, blocks []testBlock, blk testBlock) testBlock {
	b.Fatalf("benchmark needs more than %d blocks; run with -benchtime=%dx", len(blocks), len(blocks))
	return testBlock{}
}

func sqKeys(h uint64, w int) []string {
	var out []string
	for r := 0; r < w; r++ {
		out = append(out, keyTree(h, erasure.Row, r).String(), keyTree(h, erasure.Col, r).String())
		nc, _ := rowChunks(w)
		for j := 0; j < nc; j++ {
			out = append(out, keyChunk(h, r, j).String())
		}
	}
	return out
}

func dsKey(s string) ds.Key { return ds.RawKey(s) }

func itoa(k int) string {
	if k == 0 {
		return "0"
	}
	var d []byte
	for ; k > 0; k /= 10 {
		d = append([]byte{byte('0' + k%10)}, d...)
	}
	return string(d)
}

// BenchmarkSamplesLoopback measures samples served per second over libp2p
// on 127.0.0.1 from a Pebble store, in batches of 16 random coordinates
// (as a light node requests them), with 16 concurrent requesters.
func BenchmarkSamplesLoopback(b *testing.B) {
	k := 128
	blocks := randomBlocks(b, k, 1)
	s := openTestStore(b, b.TempDir(), DefaultStoreConfig())
	defer s.Close()
	if err := s.Put(context.Background(), blocks[0].hdr, blocks[0].eds); err != nil {
		b.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	cfg := p2p.DefaultConfig()
	cfg.ListenAddrs = []string{"/ip4/127.0.0.1/tcp/0"}
	sh, err := p2p.NewHost(cfg, b.TempDir(), log, time.Now)
	if err != nil {
		b.Fatal(err)
	}
	defer sh.Close()
	srv, err := p2p.NewServer(p2p.DefaultServerConfig(), p2p.ServerOptions{Host: sh, ChainID: "store-bench", Headers: s, Squares: s, Scores: sh.Scores, Logger: log})
	if err != nil {
		b.Fatal(err)
	}
	if err := srv.Start(context.Background()); err != nil {
		b.Fatal(err)
	}
	defer srv.Close()
	ch, err := p2p.NewHost(cfg, b.TempDir(), log, time.Now)
	if err != nil {
		b.Fatal(err)
	}
	defer ch.Close()
	if err := ch.Connect(context.Background(), peer.AddrInfo{ID: sh.ID(), Addrs: sh.Addrs()}); err != nil {
		b.Fatal(err)
	}
	cl, err := p2p.NewClient(p2p.DefaultClientConfig(), p2p.ClientOptions{Host: ch, ChainID: "store-bench", Scores: ch.Scores})
	if err != nil {
		b.Fatal(err)
	}
	hdr := blocks[0].hdr.Light()
	var next atomic.Int64
	b.ResetTimer()
	start := time.Now()
	var wg sync.WaitGroup
	for g := 0; g < 16; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(uint64(g), 7))
			for next.Add(1) <= int64(b.N) {
				coords := make([]p2p.Coord, 16)
				for i := range coords {
					coords[i] = p2p.Coord{Row: rng.IntN(2 * k), Col: rng.IntN(2 * k)}
				}
				got, err := cl.Samples(context.Background(), sh.ID(), hdr, coords)
				if err != nil || got[15] == nil {
					b.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	b.ReportMetric(float64(b.N*16)/time.Since(start).Seconds(), "samples/s")
	b.StopTimer()
	// What a light node downloads per header at s=16: the light header and
	// 16 encoded samples (payload bytes, before framing and transport).
	smp, err := s.Samples(context.Background(), 1, []p2p.Coord{{Row: 200, Col: 7}})
	if err != nil {
		b.Fatal(err)
	}
	sb, _ := smp[0].Marshal()
	lb, _ := hdr.Marshal()
	b.ReportMetric(float64(len(sb)), "bytes/sample")
	b.ReportMetric(float64(len(lb)+16*(len(sb)+5)), "bytes/header@s=16")
}

// BenchmarkIngest measures the full node's work from a committed block's
// original square to a stored, servable height: extend, compute the DA
// header, build the trees and commit the batch (header verification and the
// square build from txs are not included).
func BenchmarkIngest(b *testing.B) {
	for _, k := range []int{32, 128} {
		b.Run("k="+itoa(k), func(b *testing.B) {
			blocks := randomBlocks(b, k, b.N)
			origs := make([][]byte, len(blocks))
			for i, blk := range blocks {
				origs[i] = blk.eds.Original()
			}
			s := openTestStore(b, b.TempDir(), DefaultStoreConfig())
			defer s.Close()
			b.SetBytes(int64(k * k * da.ShareSize))
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				eds, err := erasure.Extend(origs[i], k)
				if err != nil {
					b.Fatal(err)
				}
				dah, err := da.ComputeDAHeader(eds)
				if err != nil || !dah.Equal(blocks[i].hdr.DAH) {
					b.Fatalf("DA header: %v", err)
				}
				if err := s.Put(context.Background(), blocks[i].hdr, eds); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
