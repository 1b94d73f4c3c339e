package lightnode

import (
	"github.com/libp2p/go-libp2p/core/peer"
)

// samplePlan decides, for one header, which full node is asked for which
// sampled coordinate. It is pure: the caller does the requests, reports
// each peer's answer as it arrives, and says when a request has been
// outstanding long enough to count as slow.
//
// The first assignment spreads the coordinates round-robin over the peers
// and, with two or more peers, asks no peer for more than half of them (a
// lone peer that withholds then cannot make the node wait for most
// samples, and no peer learns the whole sample set). A peer has at most one
// request outstanding per header. A peer that fails a request, serves a
// bad proof or does not serve a coordinate is dropped from the header's
// plan; its coordinates go to the others at once, without waiting for the
// rest of the peers to answer. A slow peer's coordinates are asked of
// another free peer too (its answer still counts if it comes). When every
// known peer has been dropped and none is still answering, the plan starts
// over (the caller pauses first), so the header is retried until its
// deadline.
type samplePlan struct {
	pending []int            // coordinate indices still to obtain
	covered map[int]int      // requests outstanding and not slow, per coordinate
	busy    map[peer.ID]bool // peers with a request outstanding
	dropped map[peer.ID]bool // peers out of this header's plan
	total   int              // number of coordinates
	round   int              // assignments made
}

func newSamplePlan(n int) *samplePlan {
	p := &samplePlan{covered: map[int]int{}, busy: map[peer.ID]bool{}, dropped: map[peer.ID]bool{}, total: n}
	p.pending = make([]int, n)
	for i := range p.pending {
		p.pending[i] = i
	}
	return p
}

// done reports whether every coordinate was obtained.
func (p *samplePlan) done() bool { return len(p.pending) == 0 }

// assign returns new batches: the coordinates still pending that no
// outstanding, not-slow request covers, over the peers (in the caller's
// order of preference; at most limit of them in the first assignment,
// limit ≤ 0: no limit) that are neither dropped nor busy. The caller must
// send every batch and report each. It returns nil when there is nothing
// to ask or no peer to ask; when every peer was dropped and none is busy,
// the plan also starts over, so the next call asks them again.
func (p *samplePlan) assign(peers []peer.ID, limit int) map[peer.ID][]int {
	var eligible []peer.ID
	anyBusy := false
	for _, q := range peers {
		switch {
		case p.busy[q]:
			anyBusy = true
		case !p.dropped[q]:
			eligible = append(eligible, q)
		}
	}
	if len(eligible) == 0 {
		if !anyBusy {
			clear(p.dropped)
		}
		return nil
	}
	var open []int
	for _, i := range p.pending {
		if p.covered[i] == 0 {
			open = append(open, i)
		}
	}
	if len(open) == 0 {
		return nil
	}
	if p.round == 0 && limit > 0 && len(eligible) > limit {
		eligible = eligible[:limit]
	}
	maxShare := len(open)
	if p.round == 0 && len(eligible) >= 2 {
		maxShare = max(1, p.total/2)
	}
	batches := map[peer.ID][]int{}
	for j, i := range open {
		q := eligible[(j+p.round)%len(eligible)]
		if len(batches[q]) >= maxShare {
			continue // left for a later assignment
		}
		batches[q] = append(batches[q], i)
	}
	for q, idx := range batches {
		p.busy[q] = true
		for _, i := range idx {
			p.covered[i]++
		}
	}
	p.round++
	return batches
}

// slow records that q's outstanding batch idx has taken long enough that
// its coordinates may be asked of another peer as well.
func (p *samplePlan) slow(idx []int) {
	for _, i := range idx {
		p.covered[i]--
	}
}

// report records q's answer to its batch idx (wasSlow: slow was called for
// it): got holds the coordinate indices obtained and verified. A peer that
// did not deliver every coordinate of its batch is dropped from the plan.
func (p *samplePlan) report(q peer.ID, idx []int, got map[int]bool, wasSlow bool) {
	delete(p.busy, q)
	for _, i := range idx {
		if !wasSlow {
			p.covered[i]--
		}
		if !got[i] {
			p.dropped[q] = true
		}
	}
	next := p.pending[:0]
	for _, i := range p.pending {
		if !got[i] {
			next = append(next, i)
		}
	}
	p.pending = next
}

// missing returns the coordinate indices still to obtain.
func (p *samplePlan) missing() []int { return p.pending }
