package p2p_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"sync"
	"testing"
	"time"

	"github.com/libp2p/go-libp2p/core/network"
	"github.com/libp2p/go-libp2p/core/peer"

	"github.com/quadrant-da/quadrant/da"
	"github.com/quadrant-da/quadrant/da/headertest"
	"github.com/quadrant-da/quadrant/erasure"
	"github.com/quadrant-da/quadrant/internal/wait"
	"github.com/quadrant-da/quadrant/p2p"
)

// befpFixture is a two-height chain whose height 2 is badly encoded, with
// the honest fraud proof for it and forgeries.
type befpFixture struct {
	mu     sync.Mutex
	anchor uint64 // heights below it (and not in roots) are below the anchor
	roots  map[uint64][]byte
	h2Root []byte
	honest []byte // proof for height 2
	forged []byte // the same proof moved to height 1 (correctly encoded)
	early  []byte // the same proof moved to height 3 (not known yet)
}

func newBEFPFixture(t testing.TB) *befpFixture {
	t.Helper()
	c := headertest.NewChain(chainID, 4, "befp-sync")
	k := 4
	goodDAH, _ := da.ComputeDAHeader(headertest.ExtendedSquare(k, 1))
	bad := headertest.ExtendedSquare(k, 2)
	bad.Share(1, 6)[100] ^= 0xff
	badDAH, err := da.ComputeDAHeader(bad)
	if err != nil {
		t.Fatal(err)
	}
	h1, _ := c.Next(goodDAH)
	h2, err := c.Next(badDAH)
	if err != nil {
		t.Fatal(err)
	}
	present := make([]bool, 4*k*k)
	for i := range present {
		present[i] = i%(2*k) < k || i/(2*k) >= k
	}
	rep := bad.Clone()
	var byz *erasure.ErrByzantineData
	if err := da.RepairSquare(rep, present, badDAH); !errors.As(err, &byz) {
		t.Fatalf("repair: %v, want ErrByzantineData", err)
	}
	proof, err := da.NewBadEncodingProof(2, badDAH, rep, present, byz)
	if err != nil {
		t.Fatal(err)
	}
	f := &befpFixture{roots: map[uint64][]byte{1: h1.DataRoot()}, h2Root: h2.DataRoot()}
	f.honest, _ = proof.Marshal()
	moved := *proof
	moved.Height = 1
	f.forged, _ = moved.Marshal()
	moved.Height = 3
	f.early, _ = moved.Marshal()
	f.roots[2] = h2.DataRoot()
	return f
}

func (f *befpFixture) dataRoot(_ context.Context, h uint64) ([]byte, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if r, ok := f.roots[h]; ok {
		return r, nil
	}
	if h < f.anchor {
		return nil, fmt.Errorf("height %d: %w", h, p2p.ErrBelowAnchor)
	}
	return nil, fmt.Errorf("height %d: %w", h, p2p.ErrNotFound)
}

// setRoot makes height h known (root nil: unknown again).
func (f *befpFixture) setRoot(h uint64, root []byte) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if root == nil {
		delete(f.roots, h)
		return
	}
	f.roots[h] = root
}

// variants returns n distinct proofs: the honest one moved to height with
// byte i of its first share flipped (so that it verifies against no data
// root).
func (f *befpFixture) variants(t testing.TB, height uint64, n int) [][]byte {
	t.Helper()
	out := make([][]byte, n)
	for i := range out {
		p, err := da.UnmarshalBadEncodingProof(f.honest)
		if err != nil {
			t.Fatal(err)
		}
		p.Height = height
		p.Shares[0].Share[100+i] ^= 0xff
		if out[i], err = p.Marshal(); err != nil {
			t.Fatal(err)
		}
	}
	return out
}

// befpStore is a BEFPSource.
type befpStore [][]byte

func (s befpStore) BEFPs(context.Context) ([][]byte, error) { return s, nil }

// befpServer starts a host serving proofs over the befp protocol only.
func befpServer(t testing.TB, proofs ...[]byte) *p2p.Host {
	t.Helper()
	h := newHost(t, testConfig())
	s, err := p2p.NewServer(p2p.DefaultServerConfig(), p2p.ServerOptions{Host: h, ChainID: chainID, BEFPs: befpStore(proofs), Scores: h.Scores, Logger: discard})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return h
}

// accepted records what a BEFPSync accepted.
type accepted struct {
	mu  sync.Mutex
	got map[string]peer.ID
}

func (a *accepted) accept(_ context.Context, from peer.ID, raw []byte) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.got == nil {
		a.got = map[string]peer.ID{}
	}
	if _, dup := a.got[string(raw)]; dup {
		panic("proof accepted twice")
	}
	a.got[string(raw)] = from
}

func (a *accepted) has(raw []byte) (peer.ID, bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	p, ok := a.got[string(raw)]
	return p, ok
}

func (a *accepted) count() int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return len(a.got)
}

// TestFetchBEFPs: a server answers the proofs its source holds, bounded by
// MaxBEFPSyncCount; an empty source answers an empty list.
func TestFetchBEFPs(t *testing.T) {
	f := newBEFPFixture(t)
	many := make([][]byte, p2p.MaxBEFPSyncCount+3)
	for i := range many {
		many[i] = f.honest
	}
	full, empty := befpServer(t, many...), befpServer(t)
	c := newHost(t, testConfig())
	connect(t, c, full)
	connect(t, c, empty)
	cl, err := p2p.NewClient(p2p.DefaultClientConfig(), p2p.ClientOptions{Host: c, ChainID: chainID, Scores: c.Scores})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	got, err := cl.FetchBEFPs(ctx, full.ID())
	if err != nil || len(got) != p2p.MaxBEFPSyncCount || !bytes.Equal(got[0], f.honest) {
		t.Fatalf("FetchBEFPs: %d proofs, %v; want %d", len(got), err, p2p.MaxBEFPSyncCount)
	}
	if got, err := cl.FetchBEFPs(ctx, empty.ID()); err != nil || len(got) != 0 {
		t.Fatalf("empty server: %d proofs, %v", len(got), err)
	}
	if s := c.Scores.Score(full.ID()); s != 0 {
		t.Fatalf("honest server scored %d", s)
	}
	// A server without a BEFP source does not speak the protocol: an
	// error, no blame.
	plain := serve(t, nil, p2p.DefaultServerConfig())
	connect(t, c, plain)
	if _, err := cl.FetchBEFPs(ctx, plain.ID()); err == nil {
		t.Fatal("a server without proofs answered the befp protocol")
	}
	if s := c.Scores.Score(plain.ID()); s != 0 {
		t.Fatalf("peer without the protocol scored %d", s)
	}
}

// TestBEFPServerRejectsRequest: the request must be an empty frame; a
// longer one resets the stream and scores the requester down.
func TestBEFPServerRejectsRequest(t *testing.T) {
	f := newBEFPFixture(t)
	srv := befpServer(t, f.honest)
	c := newHost(t, testConfig())
	connect(t, c, srv)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	st, err := c.NewStream(ctx, srv.ID(), p2p.ProtocolID(chainID, p2p.ProtoBEFP))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	_, _ = st.Write([]byte{0, 0, 0, 8, 0, 0, 0, 0, 0, 0, 0, 1})
	_ = st.CloseWrite()
	var b [1]byte
	if n, err := st.Read(b[:]); n != 0 || err == nil {
		t.Fatalf("read %d bytes (%v), want the stream reset", n, err)
	}
	if s := srv.Scores.Score(c.ID()); s != -p2p.PenaltyMalformed {
		t.Fatalf("requester scored %d, want %d", s, -p2p.PenaltyMalformed)
	}
}

// TestBEFPSyncOnConnect: a BEFPSync learns proofs from a peer that
// connects after it started: the honest one is accepted once (a second
// peer serving it too does not re-accept it), a forged one scores its
// server down, and one for a height not verified yet is kept and accepted
// once that height's header lands (Retry).
func TestBEFPSyncOnConnect(t *testing.T) {
	f := newBEFPFixture(t)
	// Height 2 is not known at first: the honest proof is pending too.
	f.mu.Lock()
	delete(f.roots, 2)
	f.mu.Unlock()

	honest := befpServer(t, f.honest)
	honest2 := befpServer(t, f.honest)
	forger := befpServer(t, f.forged)
	early := befpServer(t, f.early)
	me := newHost(t, testConfig())
	cl, err := p2p.NewClient(p2p.DefaultClientConfig(), p2p.ClientOptions{Host: me, ChainID: chainID, Scores: me.Scores})
	if err != nil {
		t.Fatal(err)
	}
	var acc accepted
	sync := p2p.NewBEFPSync(me, cl, me.Scores, p2p.VerifyBEFP(f.dataRoot), acc.accept, discard)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- sync.Run(ctx) }()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run: %v", err)
		}
	}()

	connect(t, me, forger)
	wait.For(t, 10*time.Second, "forger scored down", func() bool { return me.Scores.Score(forger.ID()) == -p2p.PenaltyInvalid })
	connect(t, me, honest)
	connect(t, me, early)
	wait.For(t, 10*time.Second, "two proofs pending", func() bool { return sync.Pending() == 2 })
	if acc.count() != 0 {
		t.Fatal("a proof for an unknown height was accepted")
	}

	f.mu.Lock()
	f.roots[2] = f.h2Root
	f.mu.Unlock()
	sync.Retry()
	wait.For(t, 10*time.Second, "honest proof accepted", func() bool { _, ok := acc.has(f.honest); return ok })
	if from, _ := acc.has(f.honest); from != honest.ID() {
		t.Fatalf("accepted from %s, want %s", from, honest.ID())
	}
	connect(t, me, honest2)
	// Height 3 lands with a correctly encoded square: the early proof is
	// now judged invalid and its server blamed.
	f.mu.Lock()
	f.roots[3] = f.roots[1]
	f.mu.Unlock()
	sync.Retry()
	wait.For(t, 10*time.Second, "early forger scored down", func() bool { return me.Scores.Score(early.ID()) == -p2p.PenaltyInvalid })
	wait.For(t, 10*time.Second, "nothing pending", func() bool { return sync.Pending() == 0 })
	if acc.count() != 1 || me.Scores.Score(honest.ID()) != 0 || me.Scores.Score(honest2.ID()) != 0 {
		t.Fatalf("accepted %d proofs; honest scored %d, %d", acc.count(), me.Scores.Score(honest.ID()), me.Scores.Score(honest2.ID()))
	}
}

// TestBEFPSyncBadReplies: malformed, oversized or undecodable replies fail
// FetchBEFPs with ErrBadResponse and score the server down, without panic.
func TestBEFPSyncBadReplies(t *testing.T) {
	f := newBEFPFixture(t)
	frame := func(b []byte) []byte {
		out := binary.BigEndian.AppendUint32(nil, uint32(len(b)))
		return append(out, b...)
	}
	count := func(n int) []byte { return []byte{byte(p2p.StatusOK), byte(n >> 8), byte(n)} }
	cases := map[string][]byte{
		"unknown status":  {9},
		"too many":        count(p2p.MaxBEFPSyncCount + 1),
		"truncated count": {byte(p2p.StatusOK), 0},
		"missing frame":   count(2),
		"oversized frame": append(count(1), binary.BigEndian.AppendUint32(nil, p2p.MaxBEFPMessageSize+1)...),
		"truncated frame": append(count(1), frame(f.honest)[:100]...),
		"empty frame":     append(count(1), frame(nil)...),
		"not a proof":     append(count(1), frame([]byte("not a fraud proof"))...),
		"second garbage":  append(append(count(2), frame(f.honest)...), frame([]byte{1, 2, 3})...),
	}
	for name, reply := range cases {
		t.Run(name, func(t *testing.T) {
			srv := newHost(t, testConfig())
			srv.SetStreamHandler(p2p.ProtocolID(chainID, p2p.ProtoBEFP), func(st network.Stream) {
				var req [4]byte // the empty request frame
				if _, err := io.ReadFull(st, req[:]); err != nil {
					_ = st.Reset()
					return
				}
				_, _ = st.Write(reply)
				_ = st.Close()
			})
			c := newHost(t, testConfig())
			connect(t, c, srv)
			cl, err := p2p.NewClient(p2p.DefaultClientConfig(), p2p.ClientOptions{Host: c, ChainID: chainID, Scores: c.Scores})
			if err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			got, err := cl.FetchBEFPs(ctx, srv.ID())
			if !errors.Is(err, p2p.ErrBadResponse) {
				t.Fatalf("got %d proofs, err %v; want ErrBadResponse", len(got), err)
			}
			if s := c.Scores.Score(srv.ID()); s >= 0 {
				t.Fatalf("server scored %d, want negative", s)
			}
		})
	}
}
