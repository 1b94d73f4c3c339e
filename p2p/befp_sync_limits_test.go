package p2p_test

import (
	"context"
	"encoding/binary"
	"testing"
	"time"

	"github.com/quadrant-da/quadrant/internal/wait"
	"github.com/quadrant-da/quadrant/p2p"
)

// runBEFPSync runs a BEFPSync on a new host, verifying with f's data
// roots, until the test ends.
func runBEFPSync(t *testing.T, f *befpFixture) (*p2p.Host, *p2p.BEFPSync, *accepted) {
	t.Helper()
	me := newHost(t, testConfig())
	cl, err := p2p.NewClient(p2p.DefaultClientConfig(), p2p.ClientOptions{Host: me, ChainID: chainID, Scores: me.Scores})
	if err != nil {
		t.Fatal(err)
	}
	acc := &accepted{}
	s := p2p.NewBEFPSync(me, cl, me.Scores, p2p.VerifyBEFP(f.dataRoot), acc.accept, discard)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run: %v", err)
		}
	})
	return me, s, acc
}

// TestBEFPSyncJudgesProofsBelowTheAnchor: proofs for heights the node will
// never verify are judged at once instead of taking pending slots (which
// keep the lowest heights, so such proofs used to evict honest ones while
// their servers went unblamed): height-0 proofs do not decode and score
// their server down, below-anchor proofs that verify against no data root
// score theirs down, and a below-anchor proof that verifies against the
// data root it claims (an honest one for a block before the anchor, here)
// is dropped without blame. The honest proof for a height not verified yet
// is kept and accepted once that height lands.
func TestBEFPSyncJudgesProofsBelowTheAnchor(t *testing.T) {
	f := newBEFPFixture(t)
	f.anchor = 2
	f.setRoot(1, nil)
	f.setRoot(2, nil)
	zeros := func(n int) [][]byte {
		out := f.variants(t, 1, p2p.MaxBEFPSyncCount+n)[n:]
		for _, v := range out {
			binary.BigEndian.PutUint64(v[1:9], 0) // the height field
		}
		return out
	}
	zero1, zero2 := befpServer(t, zeros(0)...), befpServer(t, zeros(p2p.MaxBEFPSyncCount)...)
	below := befpServer(t, f.variants(t, 1, 3)...)
	me, sync, acc := runBEFPSync(t, f)
	for _, h := range []*p2p.Host{zero1, zero2, below} {
		connect(t, me, h)
	}
	wait.For(t, 10*time.Second, "the height-0 and below-anchor forgers scored down", func() bool {
		return me.Scores.Score(zero1.ID()) < 0 && me.Scores.Score(zero2.ID()) < 0 &&
			me.Scores.Score(below.ID()) == -3*p2p.PenaltyInvalid
	})
	if n := sync.Pending(); n != 0 {
		t.Fatalf("%d proofs pending from the forgers, want none", n)
	}

	// One server: the honest proof moved below the anchor (consistent with
	// the data root it claims) and then the honest proof, checked in that
	// order.
	honest := befpServer(t, f.forged, f.honest)
	connect(t, me, honest)
	wait.For(t, 10*time.Second, "the honest proof pending", func() bool { return sync.Pending() == 1 })
	f.setRoot(2, f.h2Root)
	sync.Synced(2)
	wait.For(t, 10*time.Second, "the honest proof accepted", func() bool { _, ok := acc.has(f.honest); return ok })
	if acc.count() != 1 || sync.Pending() != 0 || me.Scores.Score(honest.ID()) != 0 {
		t.Fatalf("accepted %d, pending %d, honest server scored %d; want 1, 0, 0", acc.count(), sync.Pending(), me.Scores.Score(honest.ID()))
	}
}

// TestBEFPSyncLimitsAndFetchesAgain: a peer keeps at most
// MaxPendingBEFPsPerPeer pending slots; when sybils fill all of them with
// lower heights, the honest proof is dropped without a verdict, and its
// server is asked again once sync passes its height: it is then accepted,
// and the sybils' proofs, judged as their height landed, scored them down.
func TestBEFPSyncLimitsAndFetchesAgain(t *testing.T) {
	f := newBEFPFixture(t)
	h1Root, _ := f.dataRoot(context.Background(), 1)
	f.setRoot(1, nil)
	f.setRoot(2, nil)
	const sybils = p2p.MaxPendingBEFPs / p2p.MaxPendingBEFPsPerPeer
	var syb []*p2p.Host
	for i := range sybils {
		vs := f.variants(t, 1, (i+1)*(p2p.MaxPendingBEFPsPerPeer+1))
		syb = append(syb, befpServer(t, vs[i*(p2p.MaxPendingBEFPsPerPeer+1):]...))
	}
	me, sync, acc := runBEFPSync(t, f)
	for _, h := range syb {
		connect(t, me, h)
	}
	wait.For(t, 10*time.Second, "every sybil holding its share of the slots, one proof each owed", func() bool {
		for _, h := range syb {
			if at, ok := sync.Owed(h.ID()); !ok || at != 1 {
				return false
			}
		}
		return sync.Pending() == p2p.MaxPendingBEFPs
	})

	honest := befpServer(t, f.honest)
	connect(t, me, honest)
	wait.For(t, 10*time.Second, "the honest proof refused and owed", func() bool {
		at, ok := sync.Owed(honest.ID())
		return ok && at == 2
	})
	if acc.count() != 0 {
		t.Fatal("a proof for an unknown height was accepted")
	}

	// Height 1 lands: the sybils' pending proofs do not verify, and their
	// owed fifth proofs are fetched again and judged at once.
	f.setRoot(1, h1Root)
	sync.Synced(1)
	wait.For(t, 10*time.Second, "the sybils scored down and nothing pending", func() bool {
		for _, h := range syb {
			if me.Scores.Score(h.ID()) >= 0 && !me.Scores.Blocked(h.ID()) {
				return false
			}
		}
		return sync.Pending() == 0
	})
	if _, ok := acc.has(f.honest); ok {
		t.Fatal("the honest proof was accepted before its height landed")
	}
	// Height 2 lands: the honest server is asked again.
	f.setRoot(2, f.h2Root)
	sync.Synced(2)
	wait.For(t, 10*time.Second, "the honest proof fetched again and accepted", func() bool { _, ok := acc.has(f.honest); return ok })
	if from, _ := acc.has(f.honest); from != honest.ID() || me.Scores.Score(honest.ID()) != 0 {
		t.Fatalf("accepted from %s (honest %s), honest scored %d", from, honest.ID(), me.Scores.Score(honest.ID()))
	}
	if _, ok := sync.Owed(honest.ID()); ok {
		t.Fatal("the honest server is still owed after its proof was judged")
	}
}
