package p2p

import (
	"sync"
	"sync/atomic"
	"time"

	pubsub "github.com/libp2p/go-libp2p-pubsub"
	"github.com/libp2p/go-libp2p/core/peer"
	"github.com/libp2p/go-libp2p/core/protocol"
)

// meshTracer follows gossipsub's mesh: the peers each topic's messages are
// pushed to (a message published is sent to the mesh, or to fanout peers
// when the node is not subscribed). Gossipsub grafts peers into the mesh
// on its heartbeat, so "a peer subscribed" is not yet "a peer reached";
// Gossip.MeshPeers tells the latter. It implements pubsub.RawTracer; only
// Graft, Prune, Leave and a closed stream matter.
type meshTracer struct {
	mu   sync.Mutex
	mesh map[string]map[peer.ID]struct{}

	// Message counts, all topics: delivered (first copies that passed
	// validation), duplicates (copies of messages already seen) and
	// messages sent in RPCs to peers (publications and relays); and the
	// losses: messages in RPCs dropped (a peer's queue full), rejected by
	// validation, and not delivered to a subscriber too slow to take them.
	delivered, duplicates, sent      atomic.Int64
	dropped, rejected, undeliverable atomic.Int64
}

var _ pubsub.RawTracer = (*meshTracer)(nil)

func newMeshTracer() *meshTracer { return &meshTracer{mesh: map[string]map[peer.ID]struct{}{}} }

// peers returns the mesh peers of topic.
func (m *meshTracer) peers(topic string) []peer.ID {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := make([]peer.ID, 0, len(m.mesh[topic]))
	for p := range m.mesh[topic] {
		out = append(out, p)
	}
	return out
}

func (m *meshTracer) Graft(p peer.ID, topic string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.mesh[topic] == nil {
		m.mesh[topic] = map[peer.ID]struct{}{}
	}
	m.mesh[topic][p] = struct{}{}
}

func (m *meshTracer) Prune(p peer.ID, topic string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.mesh[topic], p)
}

func (m *meshTracer) Leave(topic string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.mesh, topic)
}

// OnClosedOutboundStream: the peer is gone, and gossipsub drops it from
// every mesh without tracing a prune.
func (m *meshTracer) OnClosedOutboundStream(p peer.ID) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, peers := range m.mesh {
		delete(peers, p)
	}
}

func (m *meshTracer) DeliverMessage(*pubsub.Message)   { m.delivered.Add(1) }
func (m *meshTracer) DuplicateMessage(*pubsub.Message) { m.duplicates.Add(1) }
func (m *meshTracer) SendRPC(rpc *pubsub.RPC, _ peer.ID) {
	m.sent.Add(int64(len(rpc.GetPublish())))
}
func (m *meshTracer) DropRPC(rpc *pubsub.RPC, _ peer.ID) {
	m.dropped.Add(int64(len(rpc.GetPublish())))
}
func (m *meshTracer) RejectMessage(*pubsub.Message, string) { m.rejected.Add(1) }
func (m *meshTracer) UndeliverableMessage(*pubsub.Message)  { m.undeliverable.Add(1) }

func (*meshTracer) OnNewOutboundStream(peer.ID, protocol.ID)             {}
func (*meshTracer) Join(string)                                          {}
func (*meshTracer) ValidateMessage(*pubsub.Message)                      {}
func (*meshTracer) ThrottlePeer(peer.ID)                                 {}
func (*meshTracer) RecvRPC(*pubsub.RPC)                                  {}
func (*meshTracer) SendRPCCompleted(*pubsub.RPC, peer.ID, time.Duration) {}
