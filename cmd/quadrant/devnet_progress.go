package main

import (
	"context"
	"fmt"
	"io"
	"time"

	rpchttp "github.com/cometbft/cometbft/rpc/client/http"

	"github.com/quadrant-da/quadrant/blobs"
	"github.com/quadrant-da/quadrant/coreapi"
)

// progressEvery is how often a running devnet prints its progress line.
const progressEvery = 5 * time.Second

// devnetProgress prints, every progressEvery until ctx ends, one line of
// what the devnet is doing: validator 0's height and block interval, the
// blobs and MiB in its latest block, and the light node's sampled head.
// Nodes that do not answer are named in the line instead.
func devnetProgress(ctx context.Context, out io.Writer, m *devnetManifest) {
	v := m.Validators[0]
	rc, err := rpchttp.New(v.RPC, "/websocket")
	if err != nil {
		return
	}
	var core *coreapi.Client
	if v.GRPC != "" {
		if core, err = coreapi.Dial(v.GRPC); err == nil {
			defer core.Close()
		}
	}
	tick := time.NewTicker(progressEvery)
	defer tick.Stop()
	var lastHeight int64
	var lastTime time.Time
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		fmt.Fprintln(out, progressLine(ctx, m, rc, core, &lastHeight, &lastTime))
	}
}

func progressLine(ctx context.Context, m *devnetManifest, rc *rpchttp.HTTP, core *coreapi.Client, lastHeight *int64, lastTime *time.Time) string {
	sctx, cancel := context.WithTimeout(ctx, statusTimeout)
	defer cancel()
	st, err := rc.Status(sctx)
	if err != nil {
		return fmt.Sprintf("progress: %s does not answer (%v)", m.Validators[0].Name, err)
	}
	h, t := st.SyncInfo.LatestBlockHeight, st.SyncInfo.LatestBlockTime
	line := fmt.Sprintf("height %d", h)
	if *lastHeight > 0 && h > *lastHeight {
		line += fmt.Sprintf("  block time %.2fs", t.Sub(*lastTime).Seconds()/float64(h-*lastHeight))
	}
	*lastHeight, *lastTime = h, t
	if core != nil && h > 0 {
		if _, b, err := core.Block(sctx, h); err == nil {
			n, size := 0, 0
			for _, tx := range b.Txs {
				if btx, ok, err := blobs.UnmarshalBlobTx(tx); ok && err == nil {
					for _, bl := range btx.Blobs {
						n++
						size += len(bl.Data)
					}
				}
			}
			line += fmt.Sprintf("  last block: %d blobs, %.2f MiB", n, float64(size)/(1<<20))
		}
	}
	if l, ok := devnetLightNode(m); ok {
		ls := lightStatus(ctx, l.name, l.home, "http://"+l.rpcAddr)
		if ls.Error != "" {
			line += "  light: " + ls.State
		} else {
			line += fmt.Sprintf("  light sampled %d", ls.Height)
		}
	}
	return line
}
