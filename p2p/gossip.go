package p2p

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"time"

	pubsub "github.com/libp2p/go-libp2p-pubsub"
	pb "github.com/libp2p/go-libp2p-pubsub/pb"
	"github.com/libp2p/go-libp2p/core/host"
	"github.com/libp2p/go-libp2p/core/peer"

	"github.com/quadrant-da/quadrant/da"
)

// maxBEFPMessageSize bounds a gossiped fraud proof.
const maxBEFPMessageSize = da.MaxBEFPSize

// ErrIgnore, wrapped by a gossip validator's error, drops a message without
// relaying it and without blaming its sender (e.g. a header for a height
// already known, or one that cannot be checked yet). Any other error
// rejects the message and scores the sender down.
var ErrIgnore = errors.New("p2p: ignore gossip message")

// headerValidator checks a gossiped header before it is delivered and
// relayed; it typically verifies it against the local head.
type headerValidator func(ctx context.Context, from peer.ID, h *da.LightHeader) error

// BEFPValidator checks a gossiped bad-encoding fraud proof (its raw
// encoding) before it is delivered and relayed; it decodes it and verifies
// it against the data root of its height.
type BEFPValidator func(ctx context.Context, from peer.ID, proof []byte) error

// Gossip runs Quadrant's two gossipsub topics for a chain: new headers (in
// the light form, so a light node's bandwidth does not grow with the
// square; full nodes fetch the DA header by exchange) and bad-encoding
// fraud proofs. Messages are verified by the validators before they are
// relayed, so an invalid header or proof never travels past one hop.
// Gossipsub peer exchange is on: pruned peers learn of others, which with
// the bootstrap list is Quadrant's peer discovery.
type Gossip struct {
	host    host.Host
	ps      *pubsub.PubSub
	scores  *Scorer
	headers *pubsub.Topic
	befp    *pubsub.Topic
	hname   string
	bname   string
	mesh    *meshTracer
}

// idontwantThreshold is the message size from which gossipsub tells its
// mesh peers IDONTWANT on receipt (go-libp2p-pubsub's default is 1 KiB).
// Lower, because a light header is about 1–2 KB with a few validators and
// under 1 KiB with one: an IDONTWANT of one message ID (~40 B on the wire)
// is far cheaper than the duplicate header it can prevent.
const idontwantThreshold = 256

// fullGossipParams are a full node's gossipsub parameters: go-libp2p-pubsub's
// defaults (a relaying member of the mesh) with IDONTWANT from
// idontwantThreshold.
func fullGossipParams() pubsub.GossipSubParams {
	p := pubsub.DefaultGossipSubParams()
	p.IDontWantMessageThreshold = idontwantThreshold
	return p
}

// lightGossipParams are a light node's: it consumes headers and need not
// be a robust relay, so it keeps a mesh of two peers (D=2, Dlo=1, Dhi=2
// instead of 6/5/12) — fewer full nodes push it each header they relay,
// and it relays onward to at most one — and gossips IHAVE to two non-mesh
// peers a heartbeat instead of six (Dlazy). A full node it prunes from its
// mesh backs off for lightPruneBackoff (not one minute) before grafting it
// again, so a light node with more full-node peers than Dhi does not
// prune one (with peer exchange) every minute. A header missed by a
// two-peer mesh still arrives: flood-published by every bridge it is
// connected to, by IHAVE/IWANT from the other peers, and by the light
// node's head polls once gossip is quiet. Flood publishing stays on (the
// default) for every node: turning it off on full nodes was tried in the
// netns cluster and showed no saving a light node could be sure of, and it
// keeps a fraud proof reaching peers not yet grafted into a mesh.
func lightGossipParams() pubsub.GossipSubParams {
	p := fullGossipParams()
	p.D, p.Dlo, p.Dhi, p.Dscore, p.Dout, p.Dlazy = 2, 1, 2, 1, 0, 2
	p.PruneBackoff = lightPruneBackoff
	return p
}

// lightPruneBackoff is the backoff a light node asks of peers it prunes.
const lightPruneBackoff = 10 * time.Minute

// NewGossip joins the header and BEFP topics of chainID on h with a full
// node's gossipsub parameters. The validators are required; ctx bounds the
// pubsub router's life.
func NewGossip(ctx context.Context, h host.Host, chainID string, scores *Scorer, vh headerValidator, vb BEFPValidator) (*Gossip, error) {
	return newGossip(ctx, h, chainID, scores, vh, vb, fullGossipParams())
}

// NewLightGossip is NewGossip with a light node's gossipsub parameters
// (lightGossipParams).
func NewLightGossip(ctx context.Context, h host.Host, chainID string, scores *Scorer, vh headerValidator, vb BEFPValidator) (*Gossip, error) {
	return newGossip(ctx, h, chainID, scores, vh, vb, lightGossipParams())
}

func newGossip(ctx context.Context, h host.Host, chainID string, scores *Scorer, vh headerValidator, vb BEFPValidator, params pubsub.GossipSubParams) (*Gossip, error) {
	if vh == nil || vb == nil {
		return nil, errors.New("p2p: gossip needs a header and a BEFP validator")
	}
	mesh := newMeshTracer()
	ps, err := pubsub.NewGossipSub(ctx, h,
		pubsub.WithGossipSubParams(params),
		pubsub.WithRawTracer(mesh),
		pubsub.WithMaxMessageSize(max(da.MaxLightHeaderSize, maxBEFPMessageSize)+1024),
		pubsub.WithPeerExchange(true),
		// Content-addressed IDs: the same header or proof published by many
		// nodes is validated and relayed once.
		pubsub.WithMessageIdFn(func(m *pb.Message) string {
			h := sha256.Sum256(append([]byte(m.GetTopic()), m.Data...))
			return string(h[:])
		}),
	)
	if err != nil {
		return nil, fmt.Errorf("p2p: start gossipsub: %w", err)
	}
	g := &Gossip{host: h, ps: ps, scores: scores, hname: topic(chainID, topicHeaders), bname: topic(chainID, topicBEFP), mesh: mesh}
	err = ps.RegisterTopicValidator(g.hname, func(ctx context.Context, from peer.ID, m *pubsub.Message) pubsub.ValidationResult {
		hdr, err := da.UnmarshalLightHeader(m.Data)
		if err == nil && from != h.ID() {
			err = vh(ctx, from, hdr)
		}
		return g.verdict(from, err, func() { m.ValidatorData = hdr })
	})
	if err != nil {
		return nil, fmt.Errorf("p2p: header validator: %w", err)
	}
	err = ps.RegisterTopicValidator(g.bname, func(ctx context.Context, from peer.ID, m *pubsub.Message) pubsub.ValidationResult {
		var err error
		if len(m.Data) > maxBEFPMessageSize {
			err = fmt.Errorf("%w: fraud proof of %d bytes", errBadResponse, len(m.Data))
		} else if from != h.ID() {
			err = vb(ctx, from, m.Data)
		}
		return g.verdict(from, err, func() {})
	})
	if err != nil {
		return nil, fmt.Errorf("p2p: BEFP validator: %w", err)
	}
	if g.headers, err = ps.Join(g.hname); err != nil {
		return nil, fmt.Errorf("p2p: join %s: %w", g.hname, err)
	}
	if g.befp, err = ps.Join(g.bname); err != nil {
		return nil, fmt.Errorf("p2p: join %s: %w", g.bname, err)
	}
	return g, nil
}

func (g *Gossip) verdict(from peer.ID, err error, accept func()) pubsub.ValidationResult {
	switch {
	case err == nil:
		accept()
		return pubsub.ValidationAccept
	case errors.Is(err, ErrIgnore) || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded):
		return pubsub.ValidationIgnore
	default:
		g.scores.Penalize(from, PenaltyInvalid)
		return pubsub.ValidationReject
	}
}

// PublishHeader gossips the light form of a header this node verified.
func (g *Gossip) PublishHeader(ctx context.Context, h *da.LightHeader) error {
	b, err := h.Marshal()
	if err != nil {
		return err
	}
	return g.headers.Publish(ctx, b)
}

// befpPeerWait bounds how long PublishBEFP waits for a peer on the fraud
// topic before publishing anyway.
const befpPeerWait = 30 * time.Second

// PublishBEFP gossips an encoded fraud proof this node built or verified.
// Message IDs are content-addressed, so a proof published while no peer
// had joined the topic yet (a node that finds fraud right after it
// starts) could not be published again for the seen-cache lifetime: it
// first waits, up to befpPeerWait or until ctx ends, for at least one peer
// subscribed to the fraud topic.
func (g *Gossip) PublishBEFP(ctx context.Context, proof []byte) error {
	wait, cancel := context.WithTimeout(ctx, befpPeerWait)
	defer cancel()
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for len(g.befp.ListPeers()) == 0 {
		select {
		case <-wait.Done():
			if err := ctx.Err(); err != nil {
				return err
			}
			return g.befp.Publish(ctx, proof) // nobody to tell yet; keep it in the message cache
		case <-tick.C:
		}
	}
	return g.befp.Publish(ctx, proof)
}

// MeshPeers returns this node's gossipsub mesh peers of the header topic
// and of the fraud-proof topic: those a message it publishes now is pushed
// to (a peer merely subscribed is grafted on a later heartbeat).
func (g *Gossip) MeshPeers() (headers, befp []peer.ID) {
	return g.mesh.peers(g.hname), g.mesh.peers(g.bname)
}

// HeaderSubscription delivers validated gossiped headers.
type HeaderSubscription struct{ sub *pubsub.Subscription }

// SubscribeHeaders subscribes to the header topic; Cancel the subscription
// when done.
func (g *Gossip) SubscribeHeaders() (*HeaderSubscription, error) {
	s, err := g.headers.Subscribe()
	if err != nil {
		return nil, fmt.Errorf("p2p: subscribe %s: %w", g.hname, err)
	}
	return &HeaderSubscription{sub: s}, nil
}

// Next blocks until the next header that passed validation (including
// this node's own publications), or ctx ends.
func (s *HeaderSubscription) Next(ctx context.Context) (*da.LightHeader, peer.ID, error) {
	m, err := s.sub.Next(ctx)
	if err != nil {
		return nil, "", err
	}
	h, ok := m.ValidatorData.(*da.LightHeader)
	if !ok {
		return nil, "", errors.New("p2p: gossiped header without validator data")
	}
	return h, m.ReceivedFrom, nil
}

// Cancel ends the subscription.
func (s *HeaderSubscription) Cancel() { s.sub.Cancel() }

// BEFPSubscription delivers validated gossiped fraud proofs.
type BEFPSubscription struct{ sub *pubsub.Subscription }

// SubscribeBEFP subscribes to the fraud-proof topic.
func (g *Gossip) SubscribeBEFP() (*BEFPSubscription, error) {
	s, err := g.befp.Subscribe()
	if err != nil {
		return nil, fmt.Errorf("p2p: subscribe %s: %w", g.bname, err)
	}
	return &BEFPSubscription{sub: s}, nil
}

// Next blocks until the next fraud proof that passed validation.
func (s *BEFPSubscription) Next(ctx context.Context) ([]byte, peer.ID, error) {
	m, err := s.sub.Next(ctx)
	if err != nil {
		return nil, "", err
	}
	return m.Data, m.ReceivedFrom, nil
}

// Cancel ends the subscription.
func (s *BEFPSubscription) Cancel() { s.sub.Cancel() }

// Close leaves both topics (subscriptions must be cancelled first).
func (g *Gossip) Close() error {
	_ = g.ps.UnregisterTopicValidator(g.hname)
	_ = g.ps.UnregisterTopicValidator(g.bname)
	return errors.Join(g.headers.Close(), g.befp.Close())
}
