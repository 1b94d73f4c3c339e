package discovery

import (
	"slices"
	"time"

	"github.com/libp2p/go-libp2p/core/peer"
)

// peerSet decides which full-node peers to keep. It is pure: the driver
// passes the time and performs the dials; peerSet is not safe for
// concurrent use.
type peerSet struct {
	self      peer.ID
	target    int
	penalty   time.Duration
	members   map[peer.ID]struct{}
	penalised map[peer.ID]time.Time // until
}

func newPeerSet(self peer.ID, target int, penalty time.Duration) *peerSet {
	return &peerSet{
		self: self, target: target, penalty: penalty,
		members:   make(map[peer.ID]struct{}),
		penalised: make(map[peer.ID]time.Time),
	}
}

// need is how many more members the set wants.
func (s *peerSet) need() int { return max(0, s.target-len(s.members)) }

// eligible reports whether p may be dialled and admitted at now.
func (s *peerSet) eligible(p peer.ID, now time.Time) bool {
	if p == s.self || p == "" {
		return false
	}
	if _, ok := s.members[p]; ok {
		return false
	}
	if until, ok := s.penalised[p]; ok {
		if now.Before(until) {
			return false
		}
		delete(s.penalised, p)
	}
	return true
}

// admit adds p if it is eligible and the set is below target; it reports
// whether p was added.
func (s *peerSet) admit(p peer.ID, now time.Time) bool {
	if s.need() == 0 || !s.eligible(p, now) {
		return false
	}
	s.members[p] = struct{}{}
	return true
}

// remove drops p (it disconnected); it reports whether p was a member.
func (s *peerSet) remove(p peer.ID) bool {
	_, ok := s.members[p]
	delete(s.members, p)
	return ok
}

// penalise drops p and keeps it out until now+penalty; it reports whether
// p was a member. Expired penalties are forgotten here, so the record holds
// only peers penalised within the last penalty period.
func (s *peerSet) penalise(p peer.ID, now time.Time) bool {
	for q, until := range s.penalised {
		if !now.Before(until) {
			delete(s.penalised, q)
		}
	}
	s.penalised[p] = now.Add(s.penalty)
	return s.remove(p)
}

// list returns the members, sorted.
func (s *peerSet) list() []peer.ID {
	out := make([]peer.ID, 0, len(s.members))
	for p := range s.members {
		out = append(out, p)
	}
	slices.Sort(out)
	return out
}
