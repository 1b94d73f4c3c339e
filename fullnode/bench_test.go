package fullnode_test

import (
	"context"
	"io/fs"
	"math/rand/v2"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cometbft/cometbft/crypto/ed25519"
	"github.com/libp2p/go-libp2p/core/peer"

	"github.com/quadrant-da/quadrant/blobs"
	"github.com/quadrant-da/quadrant/da"
	"github.com/quadrant-da/quadrant/da/headertest"
	"github.com/quadrant-da/quadrant/erasure"
	"github.com/quadrant-da/quadrant/fullnode"
	"github.com/quadrant-da/quadrant/p2p"
)

// fullBlockTxs returns blob txs (random, incompressible data) that fill a
// square of width k = 128: 12 blobs of 512 KiB in 12 signed pay-for-blob
// transactions.
func fullBlockTxs(b testing.TB) [][]byte {
	b.Helper()
	priv := ed25519.GenPrivKeyFromSecret([]byte("fullnode-bench"))
	rng := rand.New(rand.NewPCG(1, 2))
	var txs [][]byte
	for i := range 12 {
		data := make([]byte, 512<<10)
		for j := range data {
			data[j] = byte(rng.Uint32())
		}
		bl := testBlob(b, byte(i+1), 1)
		bl.Data = data
		pfb, err := blobs.NewPayForBlobs(bl)
		if err != nil {
			b.Fatal(err)
		}
		tx := &blobs.Tx{ChainID: "bench", Sequence: uint64(i), GasLimit: 1 << 30, GasPrice: 1, PayForBlobs: pfb}
		if err := tx.Sign(priv); err != nil {
			b.Fatal(err)
		}
		inner, err := tx.Marshal()
		if err != nil {
			b.Fatal(err)
		}
		raw, err := blobs.MarshalBlobTx(inner, bl)
		if err != nil {
			b.Fatal(err)
		}
		txs = append(txs, raw)
	}
	return txs
}

func dirSize(b testing.TB, dir string) int64 {
	var n int64
	_ = filepath.WalkDir(dir, func(_ string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			if info, err := d.Info(); err == nil {
				n += info.Size()
			}
		}
		return nil
	})
	return n
}

// BenchmarkBlockToStored measures what a bridge node does between a block's
// commit and its square being stored and servable, at k = 128: rebuild the
// square from the block's txs, extend it, compute and check the DA header,
// build the extended header (BuildBlock), verify it against the previous
// one, and store it with its NMT inner nodes (Store.Put). It also reports
// the store's bytes per block relative to the original square's size.
func BenchmarkBlockToStored(b *testing.B) {
	b.Run("k=128", func(b *testing.B) {
		ctx := context.Background()
		txs := fullBlockTxs(b)
		sq, err := blobs.Construct(txs, 128)
		if err != nil || sq.Size() != 128 {
			b.Fatalf("square k=%d: %v", sq.Size(), err)
		}
		var buf []byte
		for i := range sq {
			buf = append(buf, sq[i][:]...)
		}
		eds, err := erasure.Extend(buf, 128)
		if err != nil {
			b.Fatal(err)
		}
		dah, err := da.ComputeDAHeader(eds)
		if err != nil {
			b.Fatal(err)
		}
		chain := headertest.NewChain("bench", 4, "bench")
		dir := b.TempDir()
		st, err := fullnode.OpenStore(dir, fullnode.DefaultStoreConfig(), discard)
		if err != nil {
			b.Fatal(err)
		}
		defer st.Close()
		allTxs := append(append([][]byte{}, txs...), headertest.DataRootTx(dah))
		orig := int64(len(buf))
		b.SetBytes(orig)
		b.ReportAllocs()
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			b.StopTimer()
			prev := chain.Head()
			hdr, err := chain.Next(dah, txs...)
			if err != nil {
				b.Fatal(err)
			}
			b.StartTimer()
			eh, eds, err := fullnode.BuildBlock(hdr.SignedHeader, chain.Vals, allTxs, 128)
			if err != nil {
				b.Fatal(err)
			}
			if prev != nil {
				if err := eh.Verify(prev.Light()); err != nil {
					b.Fatal(err)
				}
			}
			if err := st.Put(ctx, eh, eds); err != nil {
				b.Fatal(err)
			}
		}
		b.StopTimer()
		b.ReportMetric(float64(dirSize(b, dir))/float64(orig)/float64(b.N), "store-bytes/orig-byte")
	})
}

// BenchmarkServeSamples measures samples served per second by a running
// full node (its p2p server reading its store through the node's serving
// layer) to a client over loopback TCP, in batches of 16 random
// coordinates of a k = 128 square, every sample verified by the client.
func BenchmarkServeSamples(b *testing.B) {
	ctx := context.Background()
	const k = 128
	chain := headertest.NewChain("bench-serve", 4, "serve")
	eds, err := erasure.Extend(sortedSquare(b, k, 9), k)
	if err != nil {
		b.Fatal(err)
	}
	dah, err := da.ComputeDAHeader(eds)
	if err != nil {
		b.Fatal(err)
	}
	hdr, err := chain.Next(dah)
	if err != nil {
		b.Fatal(err)
	}
	home := b.TempDir()
	st, err := fullnode.OpenStore(filepath.Join(home, fullnode.StoreDir), fullnode.DefaultStoreConfig(), discard)
	if err != nil {
		b.Fatal(err)
	}
	if err := st.Put(ctx, hdr, eds); err != nil {
		b.Fatal(err)
	}
	st.Close()
	cfg := p2pConfig(chain.ChainID, 1, hdr.Hash())
	cfg.P2P.ListenAddrs = []string{"/ip4/127.0.0.1/tcp/0"}
	n := startNode(b, home, cfg, "serve")

	cli, err := p2p.NewHost(loopbackP2P(), b.TempDir(), discard, time.Now)
	if err != nil {
		b.Fatal(err)
	}
	defer cli.Close()
	if err := cli.Connect(ctx, peer.AddrInfo{ID: n.Host().ID(), Addrs: n.Host().Addrs()}); err != nil {
		b.Fatal(err)
	}
	client, err := p2p.NewClient(p2p.DefaultClientConfig(), p2p.ClientOptions{Host: cli, ChainID: chain.ChainID, Scores: cli.Scores})
	if err != nil {
		b.Fatal(err)
	}
	light := hdr.Light()
	var seed atomic.Uint64
	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()
	b.RunParallel(func(pb *testing.PB) {
		rng := rand.New(rand.NewPCG(seed.Add(1), 7))
		coords := make([]p2p.Coord, 16)
		for pb.Next() {
			for i := range coords {
				coords[i] = p2p.Coord{Row: rng.IntN(2 * k), Col: rng.IntN(2 * k), Axis: erasure.Axis(rng.IntN(2))}
			}
			if _, err := client.Samples(ctx, n.Host().ID(), light, coords); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.StopTimer()
	b.ReportMetric(float64(b.N*16)/time.Since(start).Seconds(), "samples/s")
}
