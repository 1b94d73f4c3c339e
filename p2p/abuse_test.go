package p2p_test

import (
	"context"
	"encoding/binary"
	"io"
	"sync"
	"testing"
	"time"

	"github.com/libp2p/go-libp2p/core/network"
	"github.com/libp2p/go-libp2p/core/peer"

	"github.com/quadrant-da/quadrant/da"
	"github.com/quadrant-da/quadrant/erasure"
	"github.com/quadrant-da/quadrant/internal/wait"
	"github.com/quadrant-da/quadrant/p2p"
)

var allProtocols = []string{p2p.ProtoHeader, p2p.ProtoSample, p2p.ProtoAxis, p2p.ProtoNamespace, p2p.ProtoSquare}

func rawStream(t *testing.T, from *p2p.Host, to peer.ID, proto string) (network.Stream, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	st, err := from.NewStream(ctx, to, p2p.ProtocolID(chainID, proto))
	if err != nil {
		return nil, err
	}
	_ = st.SetDeadline(time.Now().Add(5 * time.Second))
	return st, nil
}

// goodRequests runs one valid request of every kind; all must succeed
// within a few seconds (generous for a loaded CI machine; they take
// milliseconds).
func goodRequests(t *testing.T, cl *p2p.Client, server peer.ID, src *memSource) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	hdr := src.blocks[0].hdr
	if _, err := cl.ExtendedHeaders(ctx, server, 1, 1); err != nil {
		t.Errorf("header: %v", err)
	}
	if _, err := cl.Samples(ctx, server, hdr.Light(), []p2p.Coord{{Row: 1, Col: 6}}); err != nil {
		t.Errorf("sample: %v", err)
	}
	if _, err := cl.HalfAxis(ctx, server, hdr, erasure.Col, 2, 1); err != nil {
		t.Errorf("axis: %v", err)
	}
	if _, err := cl.NamespaceData(ctx, server, hdr, da.NodeMin(hdr.DAH.RowRoots[0])); err != nil {
		t.Errorf("namespace: %v", err)
	}
	if _, _, err := cl.Square(ctx, server, hdr.Light()); err != nil {
		t.Errorf("square: %v", err)
	}
}

// TestAbusiveRequests sends malformed, oversized and slow requests to every
// protocol from one peer while another peer keeps being served; the abuser
// is scored down until it is blocked.
func TestAbusiveRequests(t *testing.T) {
	_, src := newChain(t, 4)
	cfg := p2p.DefaultServerConfig()
	cfg.ReadTimeout = 300 * time.Millisecond
	hcfg := testConfig()
	hcfg.Score.BlockThreshold = -150 // reached during the oversized phase
	server := serveWith(t, src, hcfg, cfg)
	good := newHost(t, testConfig())
	abuser := newHost(t, testConfig())
	connect(t, good, server)
	connect(t, abuser, server)
	cl, err := p2p.NewClient(p2p.DefaultClientConfig(), p2p.ClientOptions{Host: good, ChainID: chainID, Scores: good.Scores})
	if err != nil {
		t.Fatal(err)
	}
	goodRequests(t, cl, server.ID(), src)

	// Slow: announce a request and never send it. Held open while good
	// requests keep being served.
	var wg sync.WaitGroup
	for _, proto := range allProtocols {
		st, err := rawStream(t, abuser, server.ID(), proto)
		if err != nil {
			t.Fatal(err)
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, _ = st.Write([]byte{0, 0}) // half a length prefix
			start := time.Now()
			_, err := io.ReadAll(st)
			if err == nil || time.Since(start) > 3*time.Second {
				t.Errorf("%s: slow request not cut off (err %v after %v)", proto, err, time.Since(start))
			}
		}()
	}
	goodRequests(t, cl, server.ID(), src)
	wg.Wait()

	// Malformed: a frame within the size limit but of garbage content is
	// answered INVALID; an empty frame too.
	for _, proto := range allProtocols {
		for _, body := range [][]byte{{0xff, 0xff, 0xff, 0xff, 0xff}, {}} {
			st, err := rawStream(t, abuser, server.ID(), proto)
			if err != nil {
				t.Fatal(err)
			}
			var l [4]byte
			binary.BigEndian.PutUint32(l[:], uint32(len(body)))
			_, _ = st.Write(append(l[:], body...))
			_ = st.CloseWrite()
			resp, err := io.ReadAll(st)
			if len(resp) != 1 || p2p.Status(resp[0]) != p2p.StatusInvalid {
				t.Fatalf("%s: malformed request answered %x (err %v), want INVALID", proto, resp, err)
			}
		}
	}
	goodRequests(t, cl, server.ID(), src)

	// Oversized: a 1 GiB length prefix is refused before reading it.
	for _, proto := range allProtocols {
		st, err := rawStream(t, abuser, server.ID(), proto)
		if err != nil {
			break // already blocked
		}
		_, _ = st.Write([]byte{0x40, 0, 0, 0})
		if resp, err := io.ReadAll(st); err == nil || len(resp) != 0 {
			t.Fatalf("%s: oversized request answered %x (err %v), want a reset", proto, resp, err)
		}
	}
	goodRequests(t, cl, server.ID(), src)

	// 5×2 slow + 10×10 malformed + up to 5×10 oversized points: the abuser is
	// blocked, disconnected, and cannot reconnect.
	if !server.Scores.Blocked(abuser.ID()) {
		t.Fatalf("abuser not blocked, score %d", server.Scores.Score(abuser.ID()))
	}
	wait.For(t, 2*time.Second, "the blocked abuser to be disconnected", func() bool {
		return len(server.Network().ConnsToPeer(abuser.ID())) == 0
	})
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	abuser.Peerstore().AddAddrs(server.ID(), server.Addrs(), time.Minute)
	if st, err := abuser.NewStream(network.WithForceDirectDial(ctx, "test"), server.ID(), p2p.ProtocolID(chainID, p2p.ProtoHeader)); err == nil {
		// The secured-connection gate closes it; a request must fail.
		_, _ = st.Write([]byte{0, 0, 0, 12})
		if b, err := io.ReadAll(st); err == nil && len(b) > 0 {
			t.Fatalf("blocked peer served: %x", b)
		}
	}
	if server.Scores.Score(good.ID()) != 0 {
		t.Fatalf("good peer scored %d", server.Scores.Score(good.ID()))
	}
}

// TestPerPeerLimit: one peer holding its stream slots open cannot take the
// server's capacity from others.
func TestPerPeerLimit(t *testing.T) {
	_, src := newChain(t, 2)
	cfg := p2p.DefaultServerConfig()
	cfg.MaxPerPeer = 2
	cfg.ReadTimeout = 2 * time.Second
	server, srv := bulkServer(t, src, cfg)
	hog, good := newHost(t, testConfig()), newHost(t, testConfig())
	connect(t, hog, server)
	connect(t, good, server)
	var held []network.Stream
	for i := 0; i < 2; i++ {
		st, err := rawStream(t, hog, server.ID(), p2p.ProtoHeader)
		if err != nil {
			t.Fatal(err)
		}
		_, _ = st.Write([]byte{0}) // start a request, never finish it
		held = append(held, st)
	}
	wait.For(t, 5*time.Second, "the server to hold both of the hog's streams", func() bool { return srv.InFlight(hog.ID()) == 2 })
	st, err := rawStream(t, hog, server.ID(), p2p.ProtoSample)
	if err == nil {
		_, _ = st.Write((p2p.SampleRequest{Height: 1, Coords: []p2p.Coord{{}}}).Marshal())
		if b, err := io.ReadAll(st); err == nil && len(b) > 0 {
			t.Fatalf("third stream of a peer at its limit served: %x", b)
		}
	}
	cl, err := p2p.NewClient(p2p.DefaultClientConfig(), p2p.ClientOptions{Host: good, ChainID: chainID, Scores: good.Scores})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if _, err := cl.ExtendedHeaders(ctx, server.ID(), 1, 1); err != nil {
		t.Fatalf("other peer not served: %v", err)
	}
	for _, st := range held {
		_ = st.Reset()
	}
}

// TestSlowRequestScoredSlowOnEveryTransport: a request not sent within
// ReadTimeout costs PenaltySlow whichever transport carries it (QUIC and
// yamux over TCP report the deadline differently), not PenaltyMalformed.
func TestSlowRequestScoredSlowOnEveryTransport(t *testing.T) {
	_, src := newChain(t, 4)
	cfg := p2p.DefaultServerConfig()
	cfg.ReadTimeout = 200 * time.Millisecond
	for _, addr := range []string{"/ip4/127.0.0.1/tcp/0", "/ip4/127.0.0.1/udp/0/quic-v1"} {
		hcfg := testConfig()
		hcfg.ListenAddrs = []string{addr}
		server := serveWith(t, src, hcfg, cfg)
		slow := newHost(t, testConfig())
		connect(t, slow, server)
		st, err := rawStream(t, slow, server.ID(), p2p.ProtoHeader)
		if err != nil {
			t.Fatal(err)
		}
		_, _ = st.Write([]byte{0, 0}) // half a length prefix
		if _, err := io.ReadAll(st); err == nil {
			t.Fatalf("%s: slow request not cut off", addr)
		}
		wait.For(t, 5*time.Second, "the slow peer scored", func() bool { return server.Scores.Score(slow.ID()) != 0 })
		if s := server.Scores.Score(slow.ID()); s != -p2p.PenaltySlow {
			t.Fatalf("%s: slow peer scored %d, want %d", addr, s, -p2p.PenaltySlow)
		}
	}
}
