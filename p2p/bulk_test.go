package p2p_test

import (
	"context"
	"encoding/binary"
	"errors"
	"io"
	"testing"
	"time"

	"github.com/libp2p/go-libp2p/core/network"

	"github.com/quadrant-da/quadrant/internal/wait"
	"github.com/quadrant-da/quadrant/p2p"
)

// bulkServer serves src with cfg on a new host and returns both.
func bulkServer(t *testing.T, src *memSource, cfg p2p.ServerConfig) (*p2p.Host, *p2p.Server) {
	t.Helper()
	h := newHost(t, testConfig())
	s, err := p2p.NewServer(cfg, p2p.ServerOptions{Host: h, ChainID: chainID, Headers: src, Squares: src, Scores: h.Scores, Logger: discard})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return h, s
}

// identified connects a new host to server and waits until identify told
// it the server's protocols, so that a stream's protocol is negotiated
// with its first write (requests go out before any response arrives).
func identified(t *testing.T, server *p2p.Host) *p2p.Host {
	t.Helper()
	h := newHost(t, testConfig())
	connect(t, h, server)
	wait.For(t, 10*time.Second, "identify", func() bool {
		ok, _ := h.Peerstore().SupportsProtocols(server.ID(), p2p.ProtocolID(chainID, p2p.ProtoSquare))
		return len(ok) == 1
	})
	return h
}

// stalledSquare opens a whole-square stream for height 1, sends the
// request and never reads the response; the returned channel receives the
// first read's error (nil once the response started, network.ErrReset
// when the server refused it).
func stalledSquare(t *testing.T, from, server *p2p.Host) (network.Stream, <-chan error) {
	t.Helper()
	st, err := from.NewStream(context.Background(), server.ID(), p2p.ProtocolID(chainID, p2p.ProtoSquare))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Reset() })
	req := append(binary.BigEndian.AppendUint32(nil, 8), p2p.SquareRequest{Height: 1}.Marshal()...)
	if _, err := st.Write(req); err != nil {
		t.Fatal(err)
	}
	_ = st.CloseWrite()
	first := make(chan error, 1)
	go func() {
		var b [1]byte
		_, err := st.Read(b[:])
		first <- err
	}()
	return st, first
}

func isReset(err error) bool { return errors.Is(err, network.ErrReset) }

// TestBulkLimits: whole-square (and namespace-data) streams are bounded per
// peer (MaxBulkPerPeer) and in all (BulkBudget, BulkReplyBytes each); a
// stream over either bound is reset at once, while other requests are
// still served; a slot freed is taken again. (A peer that stops reading
// stalls its own connection too: the transport's flow control.)
func TestBulkLimits(t *testing.T) {
	_, src := newChain(t, 64) // 2 MiB of original square: it never fits the transport's windows
	cfg := p2p.DefaultServerConfig()
	cfg.MaxBulkPerPeer = 2
	cfg.BulkBudget = 3 * p2p.BulkReplyBytes
	cfg.WriteTimeout = time.Minute // stalled streams stay for the whole test
	server, srv := bulkServer(t, src, cfg)
	a, b, c := identified(t, server), identified(t, server), identified(t, server)

	var aStreams []network.Stream
	var aFirst []<-chan error
	for range 3 {
		st, first := stalledSquare(t, a, server)
		aStreams, aFirst = append(aStreams, st), append(aFirst, first)
	}
	resets := 0
	wait.For(t, 10*time.Second, "two of a's streams answered, one reset", func() bool {
		for _, first := range aFirst {
			select {
			case err := <-first:
				if isReset(err) {
					resets++
				}
			default: // an answered stream's first byte may wait behind the others' flow control
			}
		}
		n, _ := srv.BulkInFlight()
		return n == 2 && resets >= 1
	})
	if resets != 1 {
		t.Fatalf("%d of a's 3 streams reset, want 1 (MaxBulkPerPeer 2)", resets)
	}
	hdr := src.blocks[0].hdr
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()

	_, bFirst := stalledSquare(t, b, server)
	wait.For(t, 10*time.Second, "b's stream answered: the budget is full", func() bool { n, _ := srv.BulkInFlight(); return n == 3 })
	_, cFirst := stalledSquare(t, c, server)
	if err := <-cFirst; !isReset(err) {
		t.Fatalf("c's stream over the bulk budget: first read %v, want a reset", err)
	}
	if n, bytes := srv.BulkInFlight(); n != 3 || bytes != 3*p2p.BulkReplyBytes {
		t.Fatalf("in flight %d (%d bytes), want 3", n, bytes)
	}
	cl, err := p2p.NewClient(p2p.DefaultClientConfig(), p2p.ClientOptions{Host: c, ChainID: chainID, Scores: c.Scores})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := cl.ExtendedHeaders(ctx, server.ID(), 1, 1); err != nil {
		t.Fatalf("c's header request refused with the bulk budget full: %v", err)
	}

	for _, st := range aStreams {
		_ = st.Reset()
	}
	wait.For(t, 10*time.Second, "a's responses ended", func() bool { n, _ := srv.BulkInFlight(); return n == 1 })
	if _, _, err := cl.Square(ctx, server.ID(), hdr.Light()); err != nil {
		t.Fatalf("c's square once a's slots were freed: %v", err)
	}
	select {
	case err := <-bFirst:
		if err != nil {
			t.Fatalf("b's answered stream: %v", err)
		}
	default: // its first byte may still wait behind flow control
	}
}

// TestBulkWriteTimeout: a response whose reader stalls is cut off after
// WriteTimeout without progress (not at RequestTimeout), freeing its slot.
func TestBulkWriteTimeout(t *testing.T) {
	_, src := newChain(t, 64)
	cfg := p2p.DefaultServerConfig()
	cfg.WriteTimeout = 300 * time.Millisecond
	cfg.RequestTimeout = time.Minute
	server, srv := bulkServer(t, src, cfg)
	a := identified(t, server)
	st, _ := stalledSquare(t, a, server)
	wait.For(t, 10*time.Second, "the stalled response started", func() bool { n, _ := srv.BulkInFlight(); return n == 1 })
	start := time.Now()
	wait.For(t, 10*time.Second, "the stalled response cut off", func() bool { n, _ := srv.BulkInFlight(); return n == 0 })
	t.Logf("cut off %v after it started", time.Since(start).Round(time.Millisecond))
	got, err := io.ReadAll(st)
	if err == nil || len(got) >= 2+64*64*512 {
		t.Fatalf("read %d bytes (err %v) from a response cut off, want fewer and an error", len(got), err)
	}
}
