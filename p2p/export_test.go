package p2p

import "github.com/libp2p/go-libp2p/core/peer"

// Owed returns the lowest height of a proof of p that s dropped without a
// verdict and will fetch again once synced past it.
func (s *BEFPSync) Owed(p peer.ID) (uint64, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	h, ok := s.owed[p]
	return h, ok
}

// InFlight returns how many streams of p the server is serving.
func (s *Server) InFlight(p peer.ID) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.perPeer[p]
}
