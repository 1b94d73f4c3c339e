package lightnode

import (
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
	p.report(batches, got)
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
	p.report(batches, got)
	if !p.done() {
		t.Fatalf("not done: %v", p.missing())
	}

	// Every peer dropped: no batch, then the plan starts over.
	p = newSamplePlan(4)
	batches = p.assign([]peer.ID{a}, 8)
	p.report(batches, nil)
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
