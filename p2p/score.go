package p2p

import (
	"sync"
	"time"

	"github.com/libp2p/go-libp2p/core/control"
	"github.com/libp2p/go-libp2p/core/network"
	"github.com/libp2p/go-libp2p/core/peer"
	ma "github.com/multiformats/go-multiaddr"
)

// Penalties applied by servers and clients. A peer starts at 0; at or below
// ScoreConfig.BlockThreshold it is disconnected and refused for BlockFor.
const (
	// penaltyMalformed is for a request or response that does not decode.
	penaltyMalformed = 10
	// PenaltyInvalid is for data that decodes but does not verify (a bad
	// proof, a header with bad signatures, a wrong square).
	PenaltyInvalid = 25
	// PenaltySlow is for a peer that lets a request time out.
	PenaltySlow = 2
)

// ScoreConfig tunes a Scorer.
type ScoreConfig struct {
	// BlockThreshold: a peer whose score falls to it or below is blocked.
	BlockThreshold int
	// BlockFor is how long a blocked peer is refused.
	BlockFor time.Duration
	// RecoverPerMinute is how many points a penalized peer regains per
	// minute of good behaviour, up to 0.
	RecoverPerMinute int
}

// defaultScoreConfig blocks a peer for 30 minutes after about ten garbage
// messages in a short time.
func defaultScoreConfig() ScoreConfig {
	return ScoreConfig{BlockThreshold: -100, BlockFor: 30 * time.Minute, RecoverPerMinute: 5}
}

// Scorer keeps a simple score per peer and blocks peers that misbehave. It
// implements libp2p's connmgr.ConnectionGater so a blocked peer cannot
// reconnect until its block expires. It is safe for concurrent use. Time
// comes from the injected clock.
type Scorer struct {
	cfg ScoreConfig
	now func() time.Time
	// disconnect, when set, closes all connections to a newly blocked peer.
	disconnect func(peer.ID)

	mu       sync.Mutex
	scores   map[peer.ID]*peerScore
	watchers map[int]func(PenaltyEvent)
	nextW    int
}

// PenaltyEvent is one Penalize call, as seen by a watcher.
type PenaltyEvent struct {
	Peer    peer.ID
	Points  int
	Blocked bool // the penalty blocked the peer
}

// Watch calls f (outside the scorer's lock, on the penalising goroutine;
// f must not block) after every Penalize, until the returned stop is
// called. Peer discovery watches penalties to replace misbehaving peers.
func (s *Scorer) Watch(f func(PenaltyEvent)) (stop func()) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.watchers == nil {
		s.watchers = map[int]func(PenaltyEvent){}
	}
	id := s.nextW
	s.nextW++
	s.watchers[id] = f
	return func() {
		s.mu.Lock()
		delete(s.watchers, id)
		s.mu.Unlock()
	}
}

type peerScore struct {
	score        int
	updated      time.Time
	blockedUntil time.Time
}

// newScorer returns a Scorer; now is its clock (time.Now in production).
func newScorer(cfg ScoreConfig, now func() time.Time) *Scorer {
	return &Scorer{cfg: cfg, now: now, scores: map[peer.ID]*peerScore{}}
}

// onBlock sets the function called (outside the lock) when a peer becomes
// blocked, typically closing its connections. Only NewHost calls it,
// between building the scorer (the host's connection gater) and the host
// it disconnects through, before either is used.
func (s *Scorer) onBlock(f func(peer.ID)) { s.disconnect = f }

// Penalize lowers p's score by points and reports whether p is now blocked.
func (s *Scorer) Penalize(p peer.ID, points int) bool {
	s.mu.Lock()
	now := s.now()
	ps := s.getLocked(p, now)
	ps.score -= points
	blocked := false
	if ps.score <= s.cfg.BlockThreshold && !now.Before(ps.blockedUntil) {
		ps.blockedUntil = now.Add(s.cfg.BlockFor)
		ps.score = 0 // start afresh once the block expires
		blocked = true
	}
	watchers := make([]func(PenaltyEvent), 0, len(s.watchers))
	for _, f := range s.watchers {
		watchers = append(watchers, f)
	}
	s.mu.Unlock()
	for _, f := range watchers {
		f(PenaltyEvent{Peer: p, Points: points, Blocked: blocked})
	}
	if blocked && s.disconnect != nil {
		s.disconnect(p)
	}
	return blocked
}

// maxTracked bounds the peers a Scorer remembers; beyond it, peers back at
// a score of 0 and not blocked are forgotten (peer IDs are free to make, so
// the map must not grow without bound).
const maxTracked = 10000

// getLocked returns p's entry, creating it, after applying recovery since
// its last update.
func (s *Scorer) getLocked(p peer.ID, now time.Time) *peerScore {
	ps := s.scores[p]
	if ps == nil {
		if len(s.scores) >= maxTracked {
			s.sweepLocked(now)
		}
		ps = &peerScore{updated: now}
		s.scores[p] = ps
		return ps
	}
	s.recoverLocked(ps, now)
	return ps
}

func (s *Scorer) recoverLocked(ps *peerScore, now time.Time) {
	if mins := int(now.Sub(ps.updated) / time.Minute); mins > 0 {
		ps.score = min(0, ps.score+mins*s.cfg.RecoverPerMinute)
		ps.updated = ps.updated.Add(time.Duration(mins) * time.Minute)
	}
}

// sweepLocked forgets peers whose score recovered to 0 and are not blocked.
func (s *Scorer) sweepLocked(now time.Time) {
	for p, ps := range s.scores {
		s.recoverLocked(ps, now)
		if ps.score == 0 && !now.Before(ps.blockedUntil) {
			delete(s.scores, p)
		}
	}
}

// Score returns p's current score (0 for an unknown peer).
func (s *Scorer) Score(p peer.ID) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	ps := s.scores[p]
	if ps == nil {
		return 0
	}
	s.recoverLocked(ps, s.now())
	return ps.score
}

// Blocked reports whether p is currently refused.
func (s *Scorer) Blocked(p peer.ID) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	ps := s.scores[p]
	return ps != nil && s.now().Before(ps.blockedUntil)
}

// InterceptPeerDial refuses to dial blocked peers.
func (s *Scorer) InterceptPeerDial(p peer.ID) bool { return !s.Blocked(p) }

// InterceptAddrDial refuses to dial blocked peers.
func (s *Scorer) InterceptAddrDial(p peer.ID, _ ma.Multiaddr) bool { return !s.Blocked(p) }

// InterceptAccept accepts every inbound connection (the peer is not known
// yet; InterceptSecured filters it).
func (s *Scorer) InterceptAccept(network.ConnMultiaddrs) bool { return true }

// InterceptSecured refuses connections from blocked peers.
func (s *Scorer) InterceptSecured(_ network.Direction, p peer.ID, _ network.ConnMultiaddrs) bool {
	return !s.Blocked(p)
}

// InterceptUpgraded accepts every upgraded connection.
func (s *Scorer) InterceptUpgraded(network.Conn) (bool, control.DisconnectReason) { return true, 0 }
