package fullnode_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/libp2p/go-libp2p/core/peer"

	"github.com/quadrant-da/quadrant/erasure"
	"github.com/quadrant-da/quadrant/internal/wait"
	"github.com/quadrant-da/quadrant/p2p"
)

// TestBridgeAndP2PNodes runs a real single-validator chain, a bridge full
// node reading it over CometBFT's HTTP RPC, and a second full node in p2p
// mode that knows only the bridge's address and the hash of height 1.
// Blobs are submitted through the consensus submission queue. The p2p node
// must end up with byte-identical extended squares and headers for every
// height, and answer samples (in every quadrant, on both axes) whose proofs
// verify against the data root.
func TestBridgeAndP2PNodes(t *testing.T) {
	if testing.Short() {
		t.Skip("runs a chain and two full nodes")
	}
	c := newChain(t, 150*time.Millisecond)
	c.start(t)
	// Start-up, submissions and their inclusion (a 5 MB blob, under the
	// race detector on a possibly busy 2-core machine) share one bound.
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()

	bridgeHome := t.TempDir()
	bridge := startNode(t, bridgeHome, bridgeConfig(c.rpcURL()), "bridge")
	wait.For(t, 80*time.Second, "the bridge to store height 1", func() bool { return bridge.Store().HeadHeight() >= 1 })
	h1, err := bridge.Store().HeaderByHeight(ctx, 1)
	if err != nil {
		t.Fatal(err)
	}
	chainID := bridge.ChainID()
	if chainID != "fullnode-test" {
		t.Fatalf("bridge chain ID %q", chainID)
	}
	full := startNode(t, t.TempDir(), p2pConfig(chainID, 1, h1.Hash(), bridge.Host().FullAddrs()[0]), "p2p")

	// Blobs of several sizes, from one account, concurrently.
	heights := submitSizes(t, ctx, c, []int{100, 5000, 60_000, 200_000, 700_000, 5_000_000})
	top := uint64(0)
	for _, h := range heights {
		top = max(top, uint64(h)+2)
	}
	wait.For(t, 3*time.Minute, "the p2p node to catch up", func() bool {
		return full.Store().HeadHeight() >= top && bridge.Store().HeadHeight() >= top
	})
	// The submissions' bound is spent: what follows (store reads, one
	// connection, a few sample requests) gets its own.
	ctx, cancel = context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	maxK := sameStores(t, ctx, bridge, full, top)
	t.Logf("compared heights 1..%d (blobs at %v), largest k=%d", top, heights, maxK)
	if maxK < 16 {
		t.Fatalf("largest square k=%d: the blobs did not make a large square", maxK)
	}

	// Samples from the p2p node, verified against the data root only.
	obs, err := p2p.NewHost(loopbackP2P(), t.TempDir(), discard, time.Now)
	if err != nil {
		t.Fatal(err)
	}
	defer obs.Close()
	if err := obs.Connect(ctx, peer.AddrInfo{ID: full.Host().ID(), Addrs: full.Host().Addrs()}); err != nil {
		t.Fatal(err)
	}
	client, err := p2p.NewClient(p2p.DefaultClientConfig(), p2p.ClientOptions{Host: obs, ChainID: chainID, Scores: obs.Scores})
	if err != nil {
		t.Fatal(err)
	}
	for _, h := range heights {
		hdr, err := full.Store().HeaderByHeight(ctx, uint64(h))
		if err != nil {
			t.Fatal(err)
		}
		eds, _ := full.Store().Square(ctx, uint64(h))
		w := hdr.SquareWidth()
		var coords []p2p.Coord
		for _, rc := range [][2]int{{0, 0}, {0, w - 1}, {w - 1, 0}, {w - 1, w - 1}, {w / 2, w/2 - 1}, {w/2 - 1, w / 2}, {w / 3, 2 * w / 3}, {1, w / 2}} {
			coords = append(coords, p2p.Coord{Row: rc[0], Col: rc[1], Axis: erasure.Row}, p2p.Coord{Row: rc[0], Col: rc[1], Axis: erasure.Col})
		}
		samples, err := client.Samples(ctx, full.Host().ID(), hdr.Light(), coords)
		if err != nil {
			t.Fatalf("height %d: samples: %v", h, err)
		}
		for i, sm := range samples {
			if sm == nil {
				t.Fatalf("height %d: no sample for %+v", h, coords[i])
			}
			if err := sm.Verify(hdr.DataRoot(), w); err != nil {
				t.Fatalf("height %d: sample %+v: %v", h, coords[i], err)
			}
			if !bytes.Equal(sm.Share, eds.Share(coords[i].Row, coords[i].Col)) {
				t.Fatalf("height %d: sample %+v carries another share", h, coords[i])
			}
		}
	}
	if st := bridge.Status(); st.Halted || st.Head < top {
		t.Fatalf("bridge status %+v", st)
	}
	if st := full.Status(); st.Halted || st.Head < top || st.Peers < 1 {
		t.Fatalf("p2p node status %+v", st)
	}

	if mfs, err := bridge.Registry().Gather(); err == nil {
		for _, mf := range mfs {
			if h := mf.Metric[0].Histogram; h != nil && strings.HasPrefix(mf.GetName(), "quadrant_full_") {
				t.Logf("bridge %s: %d observations, mean %.1f ms", mf.GetName(), h.GetSampleCount(), 1000*h.GetSampleSum()/float64(max(h.GetSampleCount(), 1)))
			}
		}
	}

	if b, err := os.ReadFile(filepath.Join(bridgeHome, "bridge.log")); err == nil {
		for _, line := range strings.Split(string(b), "\n") {
			if strings.Contains(line, "stored height") && strings.Contains(line, "width=256") {
				t.Logf("bridge, k=128 block: %s", line[strings.Index(line, "height="):])
			}
		}
	}

	// The bridge's metrics endpoint reports what it did.
	resp, err := http.Get("http://" + bridge.MetricsAddr() + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	for _, want := range []string{"quadrant_full_heights_ingested_total", "quadrant_full_ingest_seconds_bucket", `quadrant_full_served_total{kind="square"}`} {
		if !strings.Contains(string(body), want) {
			t.Fatalf("metrics lack %s", want)
		}
	}
	if strings.Contains(string(body), `quadrant_full_served_total{kind="square"} 0`) {
		t.Fatal("the bridge served no square to the p2p node, by its metrics")
	}
}
