package fullnode

import (
	"context"
	"testing"
	"time"

	"github.com/libp2p/go-libp2p/core/peer"

	"github.com/quadrant-da/quadrant/da"
	"github.com/quadrant-da/quadrant/erasure"
	"github.com/quadrant-da/quadrant/p2p"
)

// TestStoreServedOverP2P serves a Pebble store through the p2p server and
// reads everything back with the verifying clients from another host.
func TestStoreServedOverP2P(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	blocks := testChain(t, 4, 8, 2)
	s := openTestStore(t, t.TempDir(), DefaultStoreConfig())
	defer s.Close()
	for _, b := range blocks {
		if err := s.Put(ctx, b.hdr, b.eds); err != nil {
			t.Fatal(err)
		}
	}
	cfg := p2p.DefaultConfig()
	cfg.ListenAddrs = []string{"/ip4/127.0.0.1/udp/0/quic-v1"}
	server, err := p2p.NewHost(cfg, t.TempDir(), discardLog, time.Now)
	if err != nil {
		t.Fatal(err)
	}
	defer server.Close()
	srv, err := p2p.NewServer(p2p.DefaultServerConfig(), p2p.ServerOptions{Host: server, ChainID: "store-test", Headers: s, Squares: s, Scores: server.Scores, Logger: discardLog})
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Start(ctx); err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	client, err := p2p.NewHost(cfg, t.TempDir(), discardLog, time.Now)
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	if err := client.Connect(ctx, peer.AddrInfo{ID: server.ID(), Addrs: server.Addrs()}); err != nil {
		t.Fatal(err)
	}
	cl, err := p2p.NewClient(p2p.DefaultClientConfig(), p2p.ClientOptions{Host: client, ChainID: "store-test", Scores: client.Scores})
	if err != nil {
		t.Fatal(err)
	}
	p := server.ID()

	hs, err := cl.LightHeaders(ctx, p, 1, 3)
	if err != nil || len(hs) != 3 {
		t.Fatalf("light headers: %v", err)
	}
	if err := hs[0].Validate("store-test"); err != nil {
		t.Fatal(err)
	}
	for i := 1; i < 3; i++ {
		if err := hs[i].Verify(hs[i-1]); err != nil {
			t.Fatal(err)
		}
	}
	ext, err := cl.ExtendedHeaders(ctx, p, 0, 1)
	if err != nil || ext[0].Height() != 3 {
		t.Fatalf("head: %v", err)
	}
	b := blocks[1]
	coords := []p2p.Coord{{Row: 0, Col: 0}, {Row: 15, Col: 15, Axis: erasure.Col}, {Row: 3, Col: 12}, {Row: 12, Col: 3, Axis: erasure.Col}}
	got, err := cl.Samples(ctx, p, hs[1], coords)
	if err != nil {
		t.Fatal(err)
	}
	for i, sm := range got {
		if sm == nil || string(sm.Share) != string(b.eds.Share(coords[i].Row, coords[i].Col)) {
			t.Fatalf("sample %d wrong", i)
		}
	}
	if _, err := cl.HalfAxis(ctx, p, b.hdr, erasure.Col, 9, 1); err != nil {
		t.Fatal(err)
	}
	ns, _ := da.NewNamespaceV0([]byte{2, 0, 4})
	d, err := cl.NamespaceData(ctx, p, b.hdr, ns)
	if err != nil || len(d.Rows) == 0 || len(d.Rows[0].Shares)+len(d.Rows[len(d.Rows)-1].Shares) == 0 {
		t.Fatalf("namespace data: %+v %v", d, err)
	}
	eds, _, err := cl.Square(ctx, p, hs[1])
	if err != nil || !eds.Equal(b.eds) {
		t.Fatalf("square: %v", err)
	}
	if client.Scores.Score(p) != 0 || server.Scores.Score(client.ID()) != 0 {
		t.Fatal("honest peers scored down")
	}
}
