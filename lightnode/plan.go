package lightnode

import (
	"github.com/libp2p/go-libp2p/core/peer"
)

// samplePlan decides, for one header, which full node is asked for which
// sampled coordinate, round after round. It is pure: the caller does the
// requests and reports what came back.
//
// The first round spreads the coordinates round-robin over the peers and,
// with two or more peers, asks no peer for more than half of them (a lone
// peer that withholds then cannot make the node wait a full round for most
// samples, and no peer learns the whole sample set). A peer that fails a
// request, serves a bad proof or does not serve a coordinate is dropped
// from the header's plan; its coordinates go to the others in the next
// round. When every known peer has been dropped the plan starts over (the
// caller pauses first), so the header is retried until its deadline.
type samplePlan struct {
	pending []int            // coordinate indices still to obtain
	dropped map[peer.ID]bool // peers out of this header's plan
	total   int              // number of coordinates
	round   int
}

func newSamplePlan(n int) *samplePlan {
	p := &samplePlan{dropped: map[peer.ID]bool{}, total: n}
	p.pending = make([]int, n)
	for i := range p.pending {
		p.pending[i] = i
	}
	return p
}

// done reports whether every coordinate was obtained.
func (p *samplePlan) done() bool { return len(p.pending) == 0 }

// assign returns this round's batches over peers (in the caller's order of
// preference; at most limit of them in the first round, limit ≤ 0: no
// limit). It returns nil when no peer is eligible: every peer was dropped
// (the plan then starts over at the next call) or there is none.
func (p *samplePlan) assign(peers []peer.ID, limit int) map[peer.ID][]int {
	var eligible []peer.ID
	for _, q := range peers {
		if !p.dropped[q] {
			eligible = append(eligible, q)
		}
	}
	if len(eligible) == 0 {
		clear(p.dropped)
		return nil
	}
	if p.round == 0 && limit > 0 && len(eligible) > limit {
		eligible = eligible[:limit]
	}
	maxShare := len(p.pending)
	if p.round == 0 && len(eligible) >= 2 {
		maxShare = max(1, p.total/2)
	}
	batches := map[peer.ID][]int{}
	for j, i := range p.pending {
		q := eligible[(j+p.round)%len(eligible)]
		if len(batches[q]) >= maxShare {
			continue // left for the next round
		}
		batches[q] = append(batches[q], i)
	}
	p.round++
	return batches
}

// report records a round's outcome: got holds the coordinate indices
// obtained and verified. A peer that did not deliver every coordinate of
// its batch is dropped from the plan.
func (p *samplePlan) report(batches map[peer.ID][]int, got map[int]bool) {
	for q, idx := range batches {
		for _, i := range idx {
			if !got[i] {
				p.dropped[q] = true
				break
			}
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
