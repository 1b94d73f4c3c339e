package main

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/cometbft/cometbft/types"

	"github.com/quadrant-da/quadrant/blobs"
	"github.com/quadrant-da/quadrant/coreapi"
)

// windowBlobBytes returns the blob bytes committed in heights h0+1..h1 and
// records the largest square in r.
func windowBlobBytes(ctx context.Context, core *coreapi.Client, h0, h1 int64, r *benchResult) (int64, error) {
	var bytes int64
	for h := h0 + 1; h <= h1; h++ {
		blk, err := benchFetchBlock(ctx, core, h)
		if err != nil {
			return 0, err
		}
		txs := blk.Txs
		for _, tx := range txs {
			if btx, ok, err := blobs.UnmarshalBlobTx(tx); ok && err == nil {
				for _, b := range btx.Blobs {
					bytes += int64(len(b.Data))
				}
			}
		}
		if n := len(txs); n > 0 {
			if drt, err := blobs.DecodeDataRootTx(txs[n-1]); err == nil {
				r.MaxSquare = max(r.MaxSquare, int(drt.SquareSize))
			}
		}
	}
	return bytes, nil
}

// benchFetchBlock fetches block h, each attempt bounded by a minute and
// tried three times: one 28 MiB fetch after a k=256 run once never
// answered (a hang of the core API seen once, not yet explained), and
// without a bound the whole run waited on it until killed.
func benchFetchBlock(ctx context.Context, core *coreapi.Client, h int64) (*types.Block, error) {
	var err error
	for range 3 {
		actx, cancel := context.WithTimeout(ctx, time.Minute)
		var blk *types.Block
		_, blk, err = core.Block(actx, h)
		cancel()
		if err == nil || ctx.Err() != nil {
			return blk, err
		}
		fmt.Fprintf(os.Stderr, "bench: fetching block %d: %v (trying again)\n", h, err)
	}
	return nil, err
}
