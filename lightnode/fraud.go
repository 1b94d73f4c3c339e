package lightnode

import (
	"context"
	"errors"
	"fmt"

	"github.com/libp2p/go-libp2p/core/peer"

	"github.com/quadrant-da/quadrant/da"
	"github.com/quadrant-da/quadrant/p2p"
)

// dataRoot is the BEFP validator's view of verified headers: the data root
// of a height this node has verified; p2p.ErrBelowAnchor for a height
// below the trusted anchor (or pruned) that it does not hold (it never will: the proof
// is judged at once, p2p.JudgeBEFPBelowAnchor); otherwise p2p.ErrNotFound
// (the proof waits for sync).
func (n *Node) dataRoot(ctx context.Context, height uint64) ([]byte, error) {
	st := n.store
	if st == nil {
		return nil, fmt.Errorf("height %d: %w", height, p2p.ErrNotFound)
	}
	h, err := st.header(ctx, height)
	if errors.Is(err, errNotFound) {
		n.mu.Lock()
		anchor := max(n.trusted, n.pruned)
		n.mu.Unlock()
		if height < anchor {
			return nil, fmt.Errorf("height %d, trusted anchor %d: %w", height, anchor, p2p.ErrBelowAnchor)
		}
		return nil, fmt.Errorf("height %d: %w", height, p2p.ErrNotFound)
	}
	if err != nil {
		return nil, err
	}
	return h.DataRoot(), nil
}

// runBEFPGossip receives fraud proofs that passed p2p.VerifyBEFP (decoded
// and verified against the data root of their height; forged ones were
// rejected there and their senders scored down) and halts the node.
func (n *Node) runBEFPGossip(ctx context.Context) error {
	sub, err := n.gossip.SubscribeBEFP()
	if err != nil {
		return fmt.Errorf("lightnode: %w", err)
	}
	defer sub.Cancel()
	for {
		raw, from, err := sub.Next(ctx)
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return fmt.Errorf("lightnode: fraud-proof gossip: %w", err)
		}
		// Verify again here: the gossip validator is the p2p layer's, and
		// the halt decision is this node's.
		proof, err := da.UnmarshalBadEncodingProof(raw)
		if err == nil {
			var root []byte
			if root, err = n.dataRoot(ctx, proof.Height); err == nil {
				err = proof.Verify(root)
			}
		}
		if err != nil {
			n.host.Scores.Penalize(from, p2p.PenaltyInvalid)
			n.log.Warn("lightnode: fraud proof rejected", "peer", from, "err", err)
			continue
		}
		n.recordFraud(ctx, proof, raw, from.String())
	}
}

// acceptSyncedBEFP halts the node on a proof a peer served over the befp
// protocol (on connect) that passed the gossip verification,
// p2p.VerifyBEFP(n.dataRoot); p2p.BEFPSync scored down the senders of
// proofs that did not, and keeps those for heights not verified yet until
// sync reaches them.
func (n *Node) acceptSyncedBEFP(ctx context.Context, from peer.ID, raw []byte) {
	proof, err := da.UnmarshalBadEncodingProof(raw)
	if err != nil {
		return // verified, so it decodes
	}
	n.recordFraud(ctx, proof, raw, "synced from peer "+from.String())
}

// recordFraud halts sampling for good and marks the chain fraudulent from
// the proof's height (persisted, so a restart stays halted).
func (n *Node) recordFraud(ctx context.Context, proof *da.BadEncodingProof, raw []byte, source string) {
	if err := n.store.saveFraud(ctx, proof.Height, raw); err != nil {
		n.log.Error("lightnode: store fraud proof", "err", err)
	}
	n.mu.Lock()
	first := n.fraudHeight == 0
	if first || proof.Height < n.fraudHeight {
		n.fraudHeight, n.fraudProof = proof.Height, raw
	}
	n.sched.Halt()
	n.cpDirty = true
	n.mu.Unlock()
	n.metrics.fraud.Set(float64(proof.Height))
	n.log.Error("lightnode: VALID BAD-ENCODING FRAUD PROOF: the chain is fraudulent from this height; sampling has stopped and this node no longer vouches for the chain's data",
		"height", proof.Height, "axis", proof.Axis, "index", proof.Index, "from", source)
}

// FraudStatus says whether the node has accepted a fraud proof.
type FraudStatus struct {
	// Fraudulent: a valid bad-encoding fraud proof was received; sampling
	// has stopped and the chain is not to be trusted from Height on.
	Fraudulent bool   `json:"fraudulent"`
	Height     uint64 `json:"height,omitempty"`
	// Message is a human-readable statement of the node's state.
	Message string `json:"message"`
	// Proof is the encoded fraud proof (da.BadEncodingProof).
	Proof []byte `json:"proof,omitempty"`
}

// Fraud returns the node's fraud status.
func (n *Node) Fraud() FraudStatus {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.fraudHeight == 0 {
		return FraudStatus{Message: "no valid fraud proof received"}
	}
	return FraudStatus{
		Fraudulent: true, Height: n.fraudHeight,
		Message: fmt.Sprintf("chain is FRAUDULENT from height %d: a valid bad-encoding fraud proof was received; sampling stopped", n.fraudHeight),
		Proof:   n.fraudProof,
	}
}
