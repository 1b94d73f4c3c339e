package p2p_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"iter"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/libp2p/go-libp2p/core/peer"

	"github.com/quadrant-da/quadrant/da"
	"github.com/quadrant-da/quadrant/da/headertest"
	"github.com/quadrant-da/quadrant/erasure"
	"github.com/quadrant-da/quadrant/p2p"
)

const chainID = "p2p-test"

var discard = slog.New(slog.NewTextHandler(io.Discard, nil))

// block is one height of a test chain with its square.
type block struct {
	hdr *da.ExtendedHeader
	eds *erasure.ExtendedSquare
}

// memSource serves a test chain from memory; it implements p2p.HeaderSource
// and p2p.SquareSource. Coordinates in withheld are answered as not held.
type memSource struct {
	mu       sync.Mutex
	blocks   []block
	withheld map[[2]int]bool
}

func newChain(t testing.TB, ks ...int) (*headertest.Chain, *memSource) {
	t.Helper()
	c := headertest.NewChain(chainID, 4, "p2p")
	src := &memSource{withheld: map[[2]int]bool{}}
	for i, k := range ks {
		eds := headertest.ExtendedSquare(k, byte(i+1))
		h, err := c.NextSquare(eds)
		if err != nil {
			t.Fatal(err)
		}
		src.blocks = append(src.blocks, block{hdr: h, eds: eds})
	}
	return c, src
}

func (m *memSource) block(height uint64) (block, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if height < 1 || height > uint64(len(m.blocks)) {
		return block{}, fmt.Errorf("height %d: %w", height, p2p.ErrNotFound)
	}
	return m.blocks[height-1], nil
}

func (m *memSource) Head(context.Context) (*da.ExtendedHeader, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if len(m.blocks) == 0 {
		return nil, p2p.ErrNotFound
	}
	return m.blocks[len(m.blocks)-1].hdr, nil
}

func (m *memSource) HeaderByHeight(_ context.Context, height uint64) (*da.ExtendedHeader, error) {
	b, err := m.block(height)
	return b.hdr, err
}

func (m *memSource) Samples(_ context.Context, height uint64, coords []p2p.Coord) ([]*da.Sample, error) {
	b, err := m.block(height)
	if err != nil {
		return nil, err
	}
	w := b.eds.Width()
	out := make([]*da.Sample, len(coords))
	for i, c := range coords {
		if c.Row >= w || c.Col >= w {
			return nil, fmt.Errorf("%w: (%d, %d) outside width %d", p2p.ErrInvalidRequest, c.Row, c.Col, w)
		}
		m.mu.Lock()
		held := !m.withheld[[2]int{c.Row, c.Col}]
		m.mu.Unlock()
		if !held {
			continue
		}
		idx := c.Row
		if c.Axis == erasure.Col {
			idx = c.Col
		}
		if out[i], err = da.NewSample(b.hdr.DAH, c.Axis, c.Row, c.Col, b.eds.Axis(c.Axis, idx)); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func (m *memSource) HalfAxis(_ context.Context, height uint64, axis erasure.Axis, index, half int) ([][]byte, error) {
	b, err := m.block(height)
	if err != nil {
		return nil, err
	}
	k := b.eds.K()
	if index >= 2*k {
		return nil, fmt.Errorf("%w: index %d", p2p.ErrInvalidRequest, index)
	}
	return b.eds.Axis(axis, index)[half*k : (half+1)*k], nil
}

func (m *memSource) NamespaceData(_ context.Context, height uint64, ns da.Namespace) (*p2p.NamespaceData, error) {
	b, err := m.block(height)
	if err != nil {
		return nil, err
	}
	d := &p2p.NamespaceData{}
	for _, r := range p2p.NamespaceRows(b.hdr.DAH, ns) {
		row, err := p2p.BuildNamespaceRow(r, b.eds.Row(r), nil, ns)
		if err != nil {
			return nil, err
		}
		d.Rows = append(d.Rows, row)
	}
	return d, nil
}

func (m *memSource) NamespaceRows(ctx context.Context, height uint64, ns da.Namespace) ([]p2p.NamespaceRowHead, iter.Seq2[[]byte, error], error) {
	d, err := m.NamespaceData(ctx, height, ns)
	if err != nil {
		return nil, nil, err
	}
	b, _ := m.block(height)
	heads := make([]p2p.NamespaceRowHead, len(d.Rows))
	for i, r := range d.Rows {
		if heads[i], err = p2p.BuildNamespaceRowHead(r.Row, b.eds.Row(r.Row), nil, ns); err != nil {
			return nil, nil, err
		}
	}
	return heads, func(yield func([]byte, error) bool) {
		for _, r := range d.Rows {
			if !yield(bytes.Join(r.Shares, nil), nil) {
				return
			}
		}
	}, nil
}

func (m *memSource) OriginalRows(_ context.Context, height uint64) (int, iter.Seq2[[]byte, error], error) {
	b, err := m.block(height)
	if err != nil {
		return 0, nil, err
	}
	k := b.eds.K()
	return k, func(yield func([]byte, error) bool) {
		for r := range k {
			if !yield(bytes.Join(b.eds.Row(r)[:k], nil), nil) {
				return
			}
		}
	}, nil
}

func testConfig() p2p.Config {
	cfg := p2p.DefaultConfig()
	cfg.ListenAddrs = []string{"/ip4/127.0.0.1/tcp/0", "/ip4/127.0.0.1/udp/0/quic-v1"}
	cfg.ConnLow, cfg.ConnHigh = 10, 20
	return cfg
}

func newHost(t testing.TB, cfg p2p.Config) *p2p.Host {
	t.Helper()
	h, err := p2p.NewHost(cfg, t.TempDir(), discard, time.Now)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = h.Close() })
	return h
}

// serve starts a host serving src and returns it.
func serve(t testing.TB, src *memSource, cfg p2p.ServerConfig) *p2p.Host {
	t.Helper()
	return serveWith(t, src, testConfig(), cfg)
}

// serveWith is serve with a host configuration.
func serveWith(t testing.TB, src *memSource, hcfg p2p.Config, cfg p2p.ServerConfig) *p2p.Host {
	t.Helper()
	h := newHost(t, hcfg)
	var hs p2p.HeaderSource
	var ss p2p.SquareSource
	if src != nil {
		hs, ss = src, src
	}
	s, err := p2p.NewServer(cfg, p2p.ServerOptions{Host: h, ChainID: chainID, Headers: hs, Squares: ss, Scores: h.Scores, Logger: discard})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return h
}

// connect connects a to b.
func connect(t testing.TB, a, b *p2p.Host) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := a.Connect(ctx, peer.AddrInfo{ID: b.ID(), Addrs: b.Addrs()}); err != nil {
		t.Fatal(err)
	}
}
