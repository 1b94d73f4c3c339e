package p2p_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/libp2p/go-libp2p/core/peer"

	"github.com/quadrant-da/quadrant/da"
	"github.com/quadrant-da/quadrant/erasure"
	"github.com/quadrant-da/quadrant/internal/wait"
	"github.com/quadrant-da/quadrant/p2p"
)

func TestIdentityPersists(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "home", p2p.IdentityFile)
	k1, err := p2p.LoadOrCreateIdentity(path)
	if err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(path)
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("key file mode %v (err %v), want 0600", st.Mode().Perm(), err)
	}
	k2, err := p2p.LoadOrCreateIdentity(path)
	if err != nil || !k1.Equals(k2) {
		t.Fatalf("reloaded key differs (err %v)", err)
	}
	if err := os.Chmod(path, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := p2p.LoadOrCreateIdentity(path); err == nil {
		t.Fatal("world-readable key accepted")
	}
	// A host started twice from the same home keeps its peer ID.
	home := t.TempDir()
	h1, err := p2p.NewHost(testConfig(), home, discard, time.Now)
	if err != nil {
		t.Fatal(err)
	}
	id := h1.ID()
	h1.Close()
	h2, err := p2p.NewHost(testConfig(), home, discard, time.Now)
	if err != nil {
		t.Fatal(err)
	}
	defer h2.Close()
	if h2.ID() != id {
		t.Fatalf("peer ID changed across restarts: %s then %s", id, h2.ID())
	}
	if len(h2.FullAddrs()) < 2 {
		t.Fatalf("want TCP and QUIC addresses, got %v", h2.FullAddrs())
	}
}

func TestConfigValidate(t *testing.T) {
	if err := p2p.DefaultConfig().Validate(); err != nil {
		t.Fatal(err)
	}
	bad := p2p.DefaultConfig()
	bad.Bootstrap = []string{"/ip4/127.0.0.1/tcp/1"} // no /p2p/ id
	if err := bad.Validate(); err == nil {
		t.Fatal("bootstrap address without peer ID accepted")
	}
	bad = p2p.DefaultConfig()
	bad.ConnHigh = 1
	if err := bad.Validate(); err == nil {
		t.Fatal("conn_high < conn_low accepted")
	}
}

func TestBootstrapConnects(t *testing.T) {
	a := newHost(t, testConfig())
	cfg := testConfig()
	cfg.Bootstrap = a.FullAddrs()[:1]
	b := newHost(t, cfg)
	b.Start(context.Background())
	wait.For(t, 5*time.Second, "the bootstrap peer to be connected", func() bool { return len(b.Network().ConnsToPeer(a.ID())) > 0 })
}

func TestHeaderExchange(t *testing.T) {
	c, src := newChain(t, 2, 4, 2)
	server := serve(t, src, p2p.DefaultServerConfig())
	client := newHost(t, testConfig())
	connect(t, client, server)
	cl, err := p2p.NewClient(p2p.DefaultClientConfig(), p2p.ClientOptions{Host: client, ChainID: chainID, Scores: client.Scores})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()

	head, err := cl.ExtendedHeaders(ctx, server.ID(), 0, 1)
	if err != nil || len(head) != 1 || head[0].Height() != 3 || !head[0].DAH.Equal(c.Head().DAH) {
		t.Fatalf("head: %v %v", head, err)
	}
	rng, err := cl.ExtendedHeaders(ctx, server.ID(), 1, 10)
	if err != nil || len(rng) != 3 {
		t.Fatalf("range: %d headers, %v", len(rng), err)
	}
	if err := rng[0].Validate(chainID); err != nil {
		t.Fatal(err)
	}
	for i := 1; i < len(rng); i++ {
		if err := rng[i].Verify(rng[i-1].Light()); err != nil {
			t.Fatalf("height %d: %v", i+1, err)
		}
	}
	lh, err := cl.LightHeaders(ctx, server.ID(), 2, 1)
	if err != nil || len(lh) != 1 || lh[0].Height() != 2 || !bytes.Equal(lh[0].Hash(), rng[1].Hash()) {
		t.Fatalf("light by height: %v", err)
	}
	if err := lh[0].Verify(rng[0].Light()); err != nil {
		t.Fatal(err)
	}
	if _, err := cl.ExtendedHeaders(ctx, server.ID(), 9, 1); !errors.Is(err, p2p.ErrNotFound) {
		t.Fatalf("missing height: err = %v, want ErrNotFound", err)
	}
	if s := client.Scores.Score(server.ID()); s != 0 {
		t.Fatalf("honest server scored %d", s)
	}
}

func TestSamples(t *testing.T) {
	_, src := newChain(t, 8)
	server := serve(t, src, p2p.DefaultServerConfig())
	client := newHost(t, testConfig())
	connect(t, client, server)
	cl, err := p2p.NewClient(p2p.DefaultClientConfig(), p2p.ClientOptions{Host: client, ChainID: chainID, Scores: client.Scores})
	if err != nil {
		t.Fatal(err)
	}
	hdr := src.blocks[0].hdr
	var coords []p2p.Coord
	for i := 0; i < 16; i++ { // all four quadrants, both axes
		coords = append(coords, p2p.Coord{Row: (i * 5) % 16, Col: (i * 11) % 16, Axis: erasure.Axis(i % 2)})
	}
	src.withheld[[2]int{coords[3].Row, coords[3].Col}] = true
	got, err := cl.Samples(context.Background(), server.ID(), hdr.Light(), coords)
	if err != nil {
		t.Fatal(err)
	}
	for i, s := range got {
		if i == 3 {
			if s != nil {
				t.Fatal("withheld share served")
			}
			continue
		}
		want := src.blocks[0].eds.Share(coords[i].Row, coords[i].Col)
		if s == nil || !bytes.Equal(s.Share, want) {
			t.Fatalf("sample %d: wrong share", i)
		}
	}
	// Coordinates outside the square are refused client-side.
	if _, err := cl.Samples(context.Background(), server.ID(), hdr.Light(), []p2p.Coord{{Row: 16}}); !errors.Is(err, p2p.ErrInvalidRequest) {
		t.Fatalf("outside coordinate: %v", err)
	}
}

func TestHalfAxisAndSquare(t *testing.T) {
	_, src := newChain(t, 4)
	server := serve(t, src, p2p.DefaultServerConfig())
	client := newHost(t, testConfig())
	connect(t, client, server)
	cl, err := p2p.NewClient(p2p.DefaultClientConfig(), p2p.ClientOptions{Host: client, ChainID: chainID, Scores: client.Scores})
	if err != nil {
		t.Fatal(err)
	}
	b := src.blocks[0]
	ctx := context.Background()
	for _, axis := range []erasure.Axis{erasure.Row, erasure.Col} {
		for _, idx := range []int{0, 3, 5, 7} {
			for half := 0; half < 2; half++ {
				full, err := cl.HalfAxis(ctx, server.ID(), b.hdr, axis, idx, half)
				if err != nil {
					t.Fatalf("axis %d index %d half %d: %v", axis, idx, half, err)
				}
				for j, s := range b.eds.Axis(axis, idx) {
					if !bytes.Equal(full[j], s) {
						t.Fatalf("axis %d index %d half %d: share %d differs", axis, idx, half, j)
					}
				}
			}
		}
	}
	eds, dah, err := cl.Square(ctx, server.ID(), b.hdr.Light())
	if err != nil || !eds.Equal(b.eds) || !dah.Equal(b.hdr.DAH) {
		t.Fatalf("square: %v", err)
	}
}

func TestNamespaceData(t *testing.T) {
	_, src := newChain(t, 4)
	server := serve(t, src, p2p.DefaultServerConfig())
	client := newHost(t, testConfig())
	connect(t, client, server)
	cl, err := p2p.NewClient(p2p.DefaultClientConfig(), p2p.ClientOptions{Host: client, ChainID: chainID, Scores: client.Scores})
	if err != nil {
		t.Fatal(err)
	}
	b := src.blocks[0]
	ctx := context.Background()
	orig := b.eds.Original()
	for _, tc := range []struct {
		sub    []byte
		shares int
	}{
		{[]byte{1, 0, 1}, 3}, // shares 3..5: spans rows 0 and 1
		{[]byte{1, 0, 5}, 1}, // share 15 only (last)
		{[]byte{1, 0, 0}, 3}, // shares 0..2
		{[]byte{1, 0, 9}, 0}, // above every namespace: no rows
		{[]byte{0, 0, 1}, 0}, // below every namespace
	} {
		ns, _ := da.NewNamespaceV0(tc.sub)
		d, err := cl.NamespaceData(ctx, server.ID(), b.hdr, ns)
		if err != nil {
			t.Fatalf("%x: %v", tc.sub, err)
		}
		var got [][]byte
		for _, r := range d.Rows {
			got = append(got, r.Shares...)
		}
		if len(got) != tc.shares {
			t.Fatalf("%x: %d shares, want %d", tc.sub, len(got), tc.shares)
		}
		for _, s := range got {
			if !bytes.Equal(s[:da.NamespaceSize], ns[:]) || !bytes.Contains(orig, s) {
				t.Fatalf("%x: foreign share", tc.sub)
			}
		}
	}
	// A response that leaves out a row does not verify.
	ns, _ := da.NewNamespaceV0([]byte{1, 0, 1})
	d, _ := src.NamespaceData(ctx, 1, ns)
	d.Rows = d.Rows[:1]
	if err := p2p.VerifyNamespaceData(b.hdr.DAH, ns, d); !errors.Is(err, p2p.ErrBadResponse) {
		t.Fatalf("incomplete namespace data: %v", err)
	}
	d, _ = src.NamespaceData(ctx, 1, ns)
	d.Rows[0].Shares = d.Rows[0].Shares[:0]
	if err := p2p.VerifyNamespaceData(b.hdr.DAH, ns, d); err == nil {
		t.Fatal("namespace data with a share removed verified")
	}
}

func TestGossip(t *testing.T) {
	c, src := newChain(t, 2, 2)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	a, b := newHost(t, testConfig()), newHost(t, testConfig())
	connect(t, a, b)
	trusted := src.blocks[0].hdr.Light()
	verify := func(_ context.Context, _ peer.ID, h *da.LightHeader) error { return h.Verify(trusted) }
	befpOK := func(_ context.Context, _ peer.ID, p []byte) error {
		if !bytes.HasPrefix(p, []byte("good")) {
			return errors.New("bad proof")
		}
		return nil
	}
	ga, err := p2p.NewGossip(ctx, a, chainID, a.Scores, verify, befpOK)
	if err != nil {
		t.Fatal(err)
	}
	gb, err := p2p.NewGossip(ctx, b, chainID, b.Scores, verify, befpOK)
	if err != nil {
		t.Fatal(err)
	}
	hs, _ := gb.SubscribeHeaders()
	defer hs.Cancel()
	bs, _ := gb.SubscribeBEFP()
	defer bs.Cancel()
	_, _ = ga.SubscribeHeaders() // join the mesh on both sides
	_, _ = ga.SubscribeBEFP()
	wait.For(t, 5*time.Second, "a and b in each other's mesh of both topics", func() bool {
		ah, ab := ga.MeshPeers()
		bh, bb := gb.MeshPeers()
		return slices.Contains(ah, b.ID()) && slices.Contains(ab, b.ID()) && slices.Contains(bh, a.ID()) && slices.Contains(bb, a.ID())
	})

	// An invalid header (does not follow the trusted one) is dropped at b.
	if err := ga.PublishHeader(ctx, src.blocks[0].hdr.Light()); err != nil {
		t.Fatal(err)
	}
	if err := ga.PublishHeader(ctx, c.Head().Light()); err != nil {
		t.Fatal(err)
	}
	rctx, rcancel := context.WithTimeout(ctx, 5*time.Second)
	defer rcancel()
	got, from, err := hs.Next(rctx)
	if err != nil || got.Height() != 2 || from != a.ID() {
		t.Fatalf("got %v from %s: %v", got, from, err)
	}
	_ = ga.PublishBEFP(ctx, []byte("forged"))
	_ = ga.PublishBEFP(ctx, []byte("good proof"))
	p, _, err := bs.Next(rctx)
	if err != nil || string(p) != "good proof" {
		t.Fatalf("befp %q: %v", p, err)
	}
	// Validation is asynchronous: wait for both rejections to be scored.
	wait.For(t, 5*time.Second, "the sender of an invalid header and proof to be scored down twice", func() bool {
		return b.Scores.Score(a.ID()) <= -2*p2p.PenaltyInvalid
	})
}
