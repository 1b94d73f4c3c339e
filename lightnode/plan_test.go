package lightnode

import (
	"slices"
	"testing"

	"github.com/libp2p/go-libp2p/core/peer"
)

func TestSamplePlanSpreadsAndDropsFailingPeers(t *testing.T) {
	a, b, c := peer.ID("a"), peer.ID("b"), peer.ID("c")
	for _, tc := range []struct {
		peers []peer.ID
		s     int
	}{{[]peer.ID{a, b}, 16}, {[]peer.ID{a, b}, 15}, {[]peer.ID{a, b, c}, 16}, {[]peer.ID{a, b, c}, 2}} {
		p := newSamplePlan(tc.s)
		batches := p.assign(tc.peers, 8)
		asked := 0
		for q, idx := range batches {
			if 2*len(idx) > tc.s {
				t.Fatalf("%d peers, s=%d: %s asked for %d", len(tc.peers), tc.s, q, len(idx))
			}
			asked += len(idx)
		}
		if asked < tc.s-1 {
			t.Fatalf("%d peers, s=%d: first round asks %d", len(tc.peers), tc.s, asked)
		}
	}

	// a withholds: it is dropped and b and c get its coordinates.
	p := newSamplePlan(16)
	peers := []peer.ID{a, b, c}
	batches := p.assign(peers, 8)
	got := map[int]bool{}
	for q, idx := range batches {
		for _, i := range idx {
			got[i] = q != a
		}
	}
	reportAll(p, batches, got)
	if len(p.missing()) != len(batches[a]) || !p.dropped[a] || p.dropped[b] {
		t.Fatalf("after round 1: missing %v, dropped %v", p.missing(), p.dropped)
	}
	batches = p.assign(peers, 8)
	if len(batches[a]) != 0 || len(batches[b])+len(batches[c]) != len(p.missing()) {
		t.Fatalf("round 2 asks the dropped peer or misses coordinates: %v", batches)
	}
	got = map[int]bool{}
	for _, idx := range batches {
		for _, i := range idx {
			got[i] = true
		}
	}
	reportAll(p, batches, got)
	if !p.done() {
		t.Fatalf("not done: %v", p.missing())
	}

	// Every peer dropped: no batch, then the plan starts over.
	p = newSamplePlan(4)
	batches = p.assign([]peer.ID{a}, 8)
	reportAll(p, batches, nil)
	if b := p.assign([]peer.ID{a}, 8); b != nil {
		t.Fatalf("assigned to a dropped peer: %v", b)
	}
	if b := p.assign([]peer.ID{a}, 8); len(b[a]) != 4 {
		t.Fatalf("plan did not start over: %v", b)
	}
	if b := newSamplePlan(4).assign(nil, 8); b != nil {
		t.Fatalf("assigned without peers: %v", b)
	}
}

// reportAll reports every batch's answer, none of them slow.
func reportAll(p *samplePlan, batches map[peer.ID][]int, got map[int]bool) {
	for q, idx := range batches {
		p.report(q, idx, got, false)
	}
}

// TestSamplePlanDoesNotWaitForSlowPeers: a peer's failure hands its
// coordinates to a free peer while another peer is still answering, and a
// slow peer's coordinates go to a free peer without dropping it; a busy
// peer is never asked twice, and the plan starts over only when no peer is
// still answering.
func TestSamplePlanDoesNotWaitForSlowPeers(t *testing.T) {
	a, b, c := peer.ID("a"), peer.ID("b"), peer.ID("c")
	peers := []peer.ID{a, b, c}
	p := newSamplePlan(16)
	first := p.assign(peers, 2) // a and b; c is spare
	if len(first) != 2 || len(first[c]) != 0 {
		t.Fatalf("first assignment over a limit of 2: %v", first)
	}
	if again := p.assign(peers, 2); again != nil {
		t.Fatalf("coordinates asked twice while both requests are fresh: %v", again)
	}
	// a fails while b is still out: c gets a's coordinates at once.
	p.report(a, first[a], nil, false)
	next := p.assign(peers, 2)
	if len(next) != 1 || !slices.Equal(next[c], first[a]) {
		t.Fatalf("after a failed: %v, want c asked for %v", next, first[a])
	}
	// b turns slow: its coordinates go to the only free, undropped peer…
	// none (a dropped, c busy), so nothing until c answers.
	p.slow(first[b])
	if got := p.assign(peers, 2); got != nil {
		t.Fatalf("assigned with every peer dropped or busy: %v", got)
	}
	p.report(c, next[c], asSet(next[c]), false)
	next = p.assign(peers, 2)
	if len(next) != 1 || !slices.Equal(next[c], first[b]) {
		t.Fatalf("after b turned slow and c answered: %v, want c asked for %v", next, first[b])
	}
	// b answers late after all: its samples count and it is not dropped.
	p.report(b, first[b], asSet(first[b]), true)
	if !p.done() || p.dropped[b] {
		t.Fatalf("late answer: missing %v, dropped %v", p.missing(), p.dropped)
	}
	p.report(c, next[c], asSet(next[c]), false)
	if !p.done() {
		t.Fatalf("not done: %v", p.missing())
	}

	// Every peer dropped but one still answering: no start-over yet.
	p = newSamplePlan(4)
	first = p.assign([]peer.ID{a, b}, 8)
	p.report(a, first[a], nil, false)
	p.slow(first[b])
	if got := p.assign([]peer.ID{a, b}, 8); got != nil || !p.dropped[a] {
		t.Fatalf("started over while b was still answering: %v, dropped %v", got, p.dropped)
	}
	p.report(b, first[b], nil, true)
	if got := p.assign([]peer.ID{a, b}, 8); got != nil {
		t.Fatalf("assigned to dropped peers: %v", got)
	}
	if got := p.assign([]peer.ID{a, b}, 8); len(got[a])+len(got[b]) != 4 {
		t.Fatalf("plan did not start over: %v", got)
	}
}

func asSet(idx []int) map[int]bool {
	m := map[int]bool{}
	for _, i := range idx {
		m[i] = true
	}
	return m
}
