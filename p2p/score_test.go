package p2p

import (
	"slices"
	"testing"
	"time"

	"github.com/libp2p/go-libp2p/core/peer"
)

func TestScorerBlocksRecoversAndForgets(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	s := newScorer(ScoreConfig{BlockThreshold: -30, BlockFor: 10 * time.Minute, RecoverPerMinute: 5}, func() time.Time { return now })
	var blockedPeers []peer.ID
	s.onBlock(func(p peer.ID) { blockedPeers = append(blockedPeers, p) })
	p := peer.ID("bad")
	if s.Penalize(p, 10) || s.Score(p) != -10 {
		t.Fatalf("score %d", s.Score(p))
	}
	now = now.Add(90 * time.Second) // one full minute recovers 5
	if s.Score(p) != -5 {
		t.Fatalf("after 90 s score %d, want -5", s.Score(p))
	}
	now = now.Add(30 * time.Second) // the half minute left over counts
	if s.Score(p) != 0 {
		t.Fatalf("after 120 s score %d, want 0", s.Score(p))
	}
	s.Penalize(p, 20)
	if !s.Penalize(p, 20) || !s.Blocked(p) || len(blockedPeers) != 1 {
		t.Fatal("peer at the threshold not blocked")
	}
	if s.InterceptPeerDial(p) || s.InterceptSecured(0, p, nil) {
		t.Fatal("gater lets a blocked peer through")
	}
	now = now.Add(11 * time.Minute)
	if s.Blocked(p) || !s.InterceptPeerDial(p) {
		t.Fatal("block did not expire")
	}
	// Many one-off peers do not grow the table without bound once they
	// have recovered (penalized peers are remembered until then).
	for i := 0; i < 3*maxTracked; i++ {
		s.Penalize(peer.ID(rune(i)), 1)
		now = now.Add(time.Millisecond * 30)
	}
	if n := len(s.scores); n > maxTracked+1 {
		t.Fatalf("tracking %d peers, bound %d", n, maxTracked)
	}
}

func TestScorerWatch(t *testing.T) {
	now := time.Unix(0, 0)
	s := newScorer(ScoreConfig{BlockThreshold: -30, BlockFor: time.Minute, RecoverPerMinute: 1}, func() time.Time { return now })
	var got []PenaltyEvent
	stop := s.Watch(func(e PenaltyEvent) { got = append(got, e) })
	s.Penalize("a", PenaltySlow)
	s.Penalize("a", PenaltyInvalid)
	s.Penalize("a", PenaltyInvalid)
	stop()
	s.Penalize("b", PenaltyInvalid)
	want := []PenaltyEvent{{Peer: "a", Points: PenaltySlow}, {Peer: "a", Points: PenaltyInvalid}, {Peer: "a", Points: PenaltyInvalid, Blocked: true}}
	if !slices.Equal(got, want) {
		t.Fatalf("events %+v, want %+v", got, want)
	}
}
