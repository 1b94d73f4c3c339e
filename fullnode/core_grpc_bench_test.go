//go:build unix

package fullnode_test

import (
	"context"
	"syscall"
	"testing"
	"time"

	cmthttp "github.com/cometbft/cometbft/rpc/client/http"

	"github.com/quadrant-da/quadrant/coreapi"
	"github.com/quadrant-da/quadrant/validator"
)

// BenchmarkCoreBlockFetch fetches one committed block of a k=128 and a
// k=256 square from an in-process consensus node over JSON RPC and over
// Quadrant's core API (gRPC, package coreapi), as a bridge does. Both ends run in the benchmark's process, so
// ns/op, cpu-ms/block (the process's user+system CPU) and allocs count the
// server's encoding and the client's decoding.
//
//	go test -run '^$' -bench CoreBlockFetch -benchmem -benchtime 10x ./fullnode
func BenchmarkCoreBlockFetch(b *testing.B) {
	for _, tc := range []struct {
		name     string
		maxK     int
		blobSize int
	}{{"k=128", 128, 7_000_000}, {"k=256", 256, 28_000_000}} {
		b.Run(tc.name, func(b *testing.B) { benchCoreBlockFetch(b, tc.maxK, tc.blobSize) })
	}
}

func benchCoreBlockFetch(b *testing.B, maxK, blobSize int) {
	c := newChain(b, 200*time.Millisecond)
	setMaxSquareSize(b, c.home, maxK)
	grpcAddr := c.withGRPC(b)
	c.start(b)
	ctx := context.Background()
	sub, err := c.submitter(b).SubmitBlobs(ctx, testBlob(b, 1, blobSize))
	if err != nil {
		b.Fatal(err)
	}
	st, err := sub.Wait(ctx)
	if err != nil || st.Code != 0 {
		b.Fatalf("blob: %v (code %d %s)", err, st.Code, st.Reason)
	}
	height := st.Height

	httpc, err := cmthttp.New(c.rpcURL(), "/websocket")
	if err != nil {
		b.Fatal(err)
	}
	gc, err := coreapi.Dial(grpcAddr)
	if err != nil {
		b.Fatal(err)
	}
	defer gc.Close()

	fetch := map[string]func() (int, error){
		"json": func() (int, error) {
			r, err := httpc.Block(ctx, &height)
			if err != nil {
				return 0, err
			}
			return r.Block.Size(), nil
		},
		"grpc": func() (int, error) {
			_, blk, err := gc.Block(ctx, height)
			if err != nil {
				return 0, err
			}
			return blk.Size(), nil
		},
	}
	for _, name := range []string{"json", "grpc"} {
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			var size int
			cpu0 := processCPU(b)
			for b.Loop() {
				if size, err = fetch[name](); err != nil {
					b.Fatal(err)
				}
			}
			cpu := processCPU(b) - cpu0
			b.ReportMetric(float64(cpu.Microseconds())/1e3/float64(b.N), "cpu-ms/block")
			b.ReportMetric(float64(size)/(1<<20), "MiB/block")
		})
	}
}

// setMaxSquareSize rewrites the genesis in home with max_square_size k.
func setMaxSquareSize(b *testing.B, home string, k int) {
	b.Helper()
	doc, app, err := validator.ReadGenesisFile(validator.GenesisPath(home))
	if err != nil {
		b.Fatal(err)
	}
	app.Params.MaxSquareSize = k
	nd, err := validator.NewGenesisDoc(doc.ChainID, doc.GenesisTime, doc.Validators, app)
	if err != nil {
		b.Fatal(err)
	}
	if err := validator.WriteGenesis(home, nd); err != nil {
		b.Fatal(err)
	}
}

// processCPU is the process's user plus system CPU time so far.
func processCPU(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
