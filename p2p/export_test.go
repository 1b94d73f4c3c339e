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

type AxisRequest = axisRequest

const BulkReplyBytes = bulkReplyBytes

var DecodeAxisRequest = decodeAxisRequest

var DecodeHeaderRequest = decodeHeaderRequest

var DecodeNamespaceData = decodeNamespaceData

var DecodeNamespaceRequest = decodeNamespaceRequest

var DecodeSampleRequest = decodeSampleRequest

var DecodeSquareRequest = decodeSquareRequest

var DefaultScoreConfig = defaultScoreConfig

var ErrBadResponse = errBadResponse

var ErrTrustedHeader = errTrustedHeader

const FormExtended = formExtended

const HeaderHead = headerHead

const HeaderRange = headerRange

type HeaderRequest = headerRequest

const MaxBEFPMessageSize = maxBEFPMessageSize

const MaxBEFPSyncCount = maxBEFPSyncCount

const MaxPendingBEFPs = maxPendingBEFPs

const MaxPendingBEFPsPerPeer = maxPendingBEFPsPerPeer

var NewScorer = newScorer

const PenaltyMalformed = penaltyMalformed

const ProtoAxis = protoAxis

const ProtoBEFP = protoBEFP

const ProtoHeader = protoHeader

type SampleRequest = sampleRequest

type Status = status

const StatusInvalid = statusInvalid

const StatusOK = statusOK

// GossipCounts returns g's message counts over all topics: first copies
// delivered, duplicate copies received, messages sent to peers.
func GossipCounts(g *Gossip) (delivered, duplicates, sent int64) {
	return g.mesh.delivered.Load(), g.mesh.duplicates.Load(), g.mesh.sent.Load()
}

// GossipLosses returns g's lost messages: in RPCs dropped (a peer's
// queue full), rejected by validation, not delivered to a slow subscriber.
func GossipLosses(g *Gossip) (dropped, rejected, undeliverable int64) {
	return g.mesh.dropped.Load(), g.mesh.rejected.Load(), g.mesh.undeliverable.Load()
}

// HeaderTopicPeers returns the peers g's router counts as subscribed to
// the header topic (those a flood publish goes to).
func HeaderTopicPeers(g *Gossip) []peer.ID { return g.headers.ListPeers() }

var AnnounceFilter = announceFilter
