package lightnode_test

import (
	"context"
	"encoding/hex"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/quadrant-da/quadrant/da"
	"github.com/quadrant-da/quadrant/da/headertest"
	"github.com/quadrant-da/quadrant/erasure"
	"github.com/quadrant-da/quadrant/fullnode"
	"github.com/quadrant-da/quadrant/lightnode"
	"github.com/quadrant-da/quadrant/p2p"
)

var discard = slog.New(slog.DiscardHandler)

type block struct {
	hdr *da.ExtendedHeader
	eds *erasure.ExtendedSquare
}

// chain builds n really signed heights of k×k squares (the same square
// content under every header keeps it fast).
func chain(t testing.TB, chainID string, n, k int) (*headertest.Chain, []block) {
	t.Helper()
	c := headertest.NewChain(chainID, 4, "light")
	eds := headertest.ExtendedSquare(k, 1)
	dah, err := da.ComputeDAHeader(eds)
	if err != nil {
		t.Fatal(err)
	}
	var out []block
	for i := 0; i < n; i++ {
		h, err := c.Next(dah)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, block{h, eds})
	}
	return c, out
}

// source wraps a full node's store: it counts sample requests per height
// and withholds a (k+1)×(k+1) sub-square at chosen heights.
type source struct {
	*fullnode.Store
	mu       sync.Mutex
	requests map[uint64]int
	withhold map[uint64]bool
	delay    time.Duration
}

func (s *source) Samples(ctx context.Context, height uint64, coords []p2p.Coord) ([]*da.Sample, error) {
	s.mu.Lock()
	s.requests[height]++
	withhold, delay := s.withhold[height], s.delay
	s.mu.Unlock()
	if delay > 0 {
		time.Sleep(delay) // a slow full node: its latency is what the test is about
	}
	out, err := s.Store.Samples(ctx, height, coords)
	if err != nil || !withhold {
		return out, err
	}
	hdr, err := s.Store.HeaderByHeight(ctx, height)
	if err != nil {
		return nil, err
	}
	k := hdr.DAH.SquareWidth() / 2
	for i, c := range coords {
		if c.Row <= k && c.Col <= k {
			out[i] = nil
		}
	}
	return out, nil
}

func (s *source) counts() map[uint64]int {
	s.mu.Lock()
	defer s.mu.Unlock()
	m := map[uint64]int{}
	for h, c := range s.requests {
		m[h] = c
	}
	return m
}

// serve stands up a full node's store with blocks behind a p2p server.
func serve(t testing.TB, chainID string, blocks []block) (*p2p.Host, *source) {
	t.Helper()
	ctx := context.Background()
	st, err := fullnode.OpenStore(t.TempDir(), fullnode.DefaultStoreConfig(), discard)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	for _, b := range blocks {
		if err := st.Put(ctx, b.hdr, b.eds); err != nil {
			t.Fatal(err)
		}
	}
	src := &source{Store: st, requests: map[uint64]int{}, withhold: map[uint64]bool{}}
	return startServer(t, chainID, st, src), src
}

// startServer runs a p2p server for headers and squares on a new loopback
// host; both stop with the test.
func startServer(t testing.TB, chainID string, headers p2p.HeaderSource, squares p2p.SquareSource) *p2p.Host {
	t.Helper()
	h, err := p2p.NewHost(loopback(), t.TempDir(), discard, time.Now)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { h.Close() })
	srv, err := p2p.NewServer(p2p.DefaultServerConfig(), p2p.ServerOptions{Host: h, ChainID: chainID, Headers: headers, Squares: squares, Scores: h.Scores, Logger: discard})
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Close() })
	return h
}

func loopback(bootstrap ...string) p2p.Config {
	cfg := p2p.DefaultConfig()
	cfg.ListenAddrs = []string{"/ip4/127.0.0.1/tcp/0"}
	cfg.Bootstrap = bootstrap
	cfg.ReconnectEvery = 200 * time.Millisecond
	return cfg
}

// testClock is a clock one hour after the chain's genesis (headers are
// one second apart), so every test header is inside the window and the
// trusting period.
// It advances with real time (peer scores recover with time).
func testClock() time.Time { return headertest.Genesis().Add(time.Hour + time.Since(testStart)) }

var testStart = time.Now()

func lightConfig(home, chainID string, trusted *da.ExtendedHeader, peers ...*p2p.Host) lightnode.Config {
	cfg := lightnode.DefaultConfig()
	cfg.Home = home
	cfg.ChainID = chainID
	cfg.TrustedHeight = uint64(trusted.Height())
	cfg.TrustedHash = hex.EncodeToString(trusted.Hash())
	var boot []string
	for _, p := range peers {
		boot = append(boot, p.FullAddrs()[0])
	}
	cfg.P2P = loopback(boot...)
	cfg.Discovery.Enabled = false // only the given peers; discovery_test turns it on
	cfg.RPC.ListenAddr = "127.0.0.1:0"
	cfg.HeadPollInterval = 100 * time.Millisecond
	cfg.HeaderDeadline = 2 * time.Second
	cfg.RequestTimeout = time.Second
	cfg.Sampling.Workers = 4
	cfg.Sampling.CatchUpRange = 10
	cfg.Sampling.RetryBase = 500 * time.Millisecond
	cfg.Sampling.RetryMax = 2 * time.Second
	return cfg
}

func startLight(t testing.TB, cfg lightnode.Config) *lightnode.Node {
	t.Helper()
	n, err := lightnode.New(cfg, lightnode.Options{Logger: discard, Now: testClock})
	if err != nil {
		t.Fatal(err)
	}
	return startNode(t, n)
}

func startNode(t testing.TB, n *lightnode.Node) *lightnode.Node {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := n.Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = n.Close() })
	return n
}
