package fullnode

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/libp2p/go-libp2p/core/peer"

	"github.com/quadrant-da/quadrant/da"
	"github.com/quadrant-da/quadrant/p2p"
)

// FraudDir is the directory, inside the home, where the node keeps every
// valid fraud proof it built or received (<height>.befp, da encoding), so
// that a restarted node still refuses to serve the heights they condemn.
const FraudDir = "befp"

// pendingHeader is a verified header whose square is being fetched: known
// to the gossip validators (a fraud proof for it can be checked) but not
// stored.
type pendingHeader struct {
	hdr *da.ExtendedHeader
}

// isFraudulent reports whether a valid fraud proof condemns height.
func (n *Node) isFraudulent(height uint64) bool {
	if !n.anyFraud.Load() {
		return false
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	_, ok := n.fraud[height]
	return ok
}

// FraudProof returns the encoded fraud proof the node holds for height, if
// any.
func (n *Node) FraudProof(height uint64) ([]byte, bool) {
	n.mu.Lock()
	defer n.mu.Unlock()
	b, ok := n.fraud[height]
	return b, ok
}

// BEFPs returns the encoded fraud proofs the node holds, lowest height
// first; the p2p server answers them over the befp protocol
// (p2p.BEFPSource).
func (n *Node) BEFPs(context.Context) ([][]byte, error) {
	n.mu.Lock()
	defer n.mu.Unlock()
	heights := make([]uint64, 0, len(n.fraud))
	for h := range n.fraud {
		heights = append(heights, h)
	}
	slices.Sort(heights)
	out := make([][]byte, len(heights))
	for i, h := range heights {
		out[i] = n.fraud[h]
	}
	return out, nil
}

// verifySyncedBEFP is the fraud-proof sync's verification: the gossip
// path's (verifyFraudProof; p2p.ErrIgnore while the header of the proof's
// height is not held, and the proof is kept and tried again).
func (n *Node) verifySyncedBEFP(ctx context.Context, _ peer.ID, b []byte) error {
	_, err := n.verifyFraudProof(ctx, b)
	return err
}

// acceptSyncedBEFP records a verified proof a peer served over the befp
// protocol, exactly as a gossiped one.
func (n *Node) acceptSyncedBEFP(ctx context.Context, from peer.ID, b []byte) {
	p, err := da.UnmarshalBadEncodingProof(b)
	if err != nil {
		return // verified, so it decodes
	}
	if n.recordFraud(p.Height, b, "synced from peer "+from.String()) {
		n.log.Error("a peer served a valid bad-encoding fraud proof", "height", p.Height, "axis", p.Axis.String(), "index", p.Index, "from", from)
	}
}

// recordFraud keeps a verified fraud proof: the height is never served
// again, the proof is written to the home, and ingestion halts (the chain
// is not to be trusted past a badly encoded block). It reports whether the
// proof was new.
func (n *Node) recordFraud(height uint64, enc []byte, source string) bool {
	n.mu.Lock()
	if _, ok := n.fraud[height]; ok {
		n.mu.Unlock()
		return false
	}
	n.fraud[height] = enc
	n.anyFraud.Store(true)
	n.haltLocked("fraud", fmt.Sprintf("height %d is badly encoded (fraud proof %s); it is not served", height, source))
	n.mu.Unlock()
	n.metrics.fraudProofs.Inc()
	if err := n.saveFraudProof(height, enc); err != nil {
		n.log.Error("cannot keep the fraud proof on disk", "height", height, "err", err)
	}
	return true
}

func (n *Node) saveFraudProof(height uint64, enc []byte) error {
	dir := filepath.Join(n.home, FraudDir)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	path := filepath.Join(dir, strconv.FormatUint(height, 10)+".befp")
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, enc, 0o600); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

// loadFraudProofs reads the fraud proofs kept in the home. They were
// verified before they were written; a file that does not decode is
// refused loudly rather than skipped.
func (n *Node) loadFraudProofs() error {
	dir := filepath.Join(n.home, FraudDir)
	ents, err := os.ReadDir(dir)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("fullnode: read %s: %w", dir, err)
	}
	for _, e := range ents {
		name, ok := strings.CutSuffix(e.Name(), ".befp")
		if !ok {
			continue
		}
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			return fmt.Errorf("fullnode: read fraud proof: %w", err)
		}
		p, err := da.UnmarshalBadEncodingProof(b)
		if err != nil || strconv.FormatUint(p.Height, 10) != name {
			return fmt.Errorf("fullnode: fraud proof file %s does not decode to a proof for height %s: %v", e.Name(), name, err)
		}
		n.fraud[p.Height] = b
		n.anyFraud.Store(true)
		n.alert = fmt.Sprintf("fraud: height %d is badly encoded (fraud proof kept in %s)", p.Height, dir)
	}
	if n.alert != "" {
		n.metrics.halted.Set(1)
		n.log.Error("ALERT: fraud proofs on disk; ingestion stays halted", "dir", dir, "heights", len(n.fraud))
	}
	return nil
}

// anchor returns the lowest height the node holds or will sync: the
// store's tail, or with an empty store the height sync starts from (p2p
// mode: the trusted height; bridge mode: the start height, 0 for the
// consensus node's earliest).
func (n *Node) anchor() uint64 {
	if tail := n.store.TailHeight(); tail > 0 {
		return tail
	}
	if n.cfg.Mode == ModeP2P {
		return n.cfg.Sync.TrustedHeight
	}
	return n.cfg.Bridge.StartHeight
}

// knownHeader returns the verified header of height: stored, or pending
// (verified, square still being fetched).
func (n *Node) knownHeader(ctx context.Context, height uint64) (*da.ExtendedHeader, bool) {
	if h, err := n.store.HeaderByHeight(ctx, height); err == nil {
		return h, true
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	if p, ok := n.pending[height]; ok {
		return p.hdr, true
	}
	return nil, false
}

func (n *Node) setPending(h *da.ExtendedHeader, on bool) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if on {
		n.pending[uint64(h.Height())] = &pendingHeader{hdr: h}
		if n.befpSync != nil {
			n.befpSync.Retry() // a synced fraud proof may wait for this header
		}
	} else {
		delete(n.pending, uint64(h.Height()))
	}
}

// verifyFraudProof decodes a fraud proof and verifies it against the data
// root of the header of its height, which the node must know. Errors
// wrapping p2p.ErrIgnore mean the proof cannot be judged here (yet; with
// p2p.ErrBelowAnchor too, never: its height is below the lowest the node
// holds or syncs from, and it was judged as far as it can be,
// p2p.JudgeBEFPBelowAnchor).
func (n *Node) verifyFraudProof(ctx context.Context, b []byte) (*da.BadEncodingProof, error) {
	p, err := da.UnmarshalBadEncodingProof(b)
	if err != nil {
		return nil, err
	}
	hdr, ok := n.knownHeader(ctx, p.Height)
	if !ok && p.Height < n.anchor() {
		return nil, p2p.JudgeBEFPBelowAnchor(p)
	}
	if !ok {
		return nil, fmt.Errorf("%w: fraud proof for height %d, whose header this node does not hold", p2p.ErrIgnore, p.Height)
	}
	if p.SquareWidth != hdr.SquareWidth() {
		return nil, fmt.Errorf("%w: fraud proof for a square of width %d, height %d has width %d", da.ErrBEFP, p.SquareWidth, p.Height, hdr.SquareWidth())
	}
	if err := p.Verify(hdr.DataRoot()); err != nil {
		return nil, err
	}
	return p, nil
}

// validateGossipBEFP is the BEFP topic validator: a proof is relayed only
// if it verifies against the data root of its height; one that does not
// is rejected (and its sender scored down by p2p).
func (n *Node) validateGossipBEFP(ctx context.Context, from peer.ID, b []byte) error {
	p, err := n.verifyFraudProof(ctx, b)
	if err != nil {
		if !errors.Is(err, p2p.ErrIgnore) {
			n.log.Warn("rejected an invalid fraud proof", "from", from, "err", err)
		}
		return err
	}
	if _, known := n.FraudProof(p.Height); known {
		return fmt.Errorf("%w: fraud proof for height %d already known", p2p.ErrIgnore, p.Height)
	}
	return nil
}

// runBEFPGossip records every fraud proof delivered by the BEFP topic
// (validated by validateGossipBEFP, or published by this node).
func (n *Node) runBEFPGossip(ctx context.Context) error {
	for {
		b, from, err := n.befpSub.Next(ctx)
		if err != nil {
			return nil // cancelled
		}
		p, err := n.verifyFraudProof(ctx, b)
		if err != nil {
			continue // our own proof for a height we no longer hold, or a race
		}
		if n.recordFraud(p.Height, b, "received from "+from.String()) {
			n.log.Error("received a valid bad-encoding fraud proof", "height", p.Height, "axis", p.Axis.String(), "index", p.Index, "from", from)
		}
	}
}

// validateGossipHeader is the header topic validator. A header right after
// the local head must verify against it; a header further ahead must pass
// da's VerifyAhead against it (signed by the validator set the head names
// as next; Quadrant's set is fixed at genesis, so that is the same trust).
// Headers at or below the head, or that cannot be checked (another set,
// no head yet), are ignored without blame; headers that fail verification
// are rejected.
func (n *Node) validateGossipHeader(ctx context.Context, from peer.ID, h *da.LightHeader) error {
	head, err := n.store.Head(ctx)
	if err != nil {
		return fmt.Errorf("%w: no local head to check gossiped header %d against", p2p.ErrIgnore, h.Height())
	}
	switch {
	case h.Height() <= head.Height():
		return fmt.Errorf("%w: header %d is not newer than the head %d", p2p.ErrIgnore, h.Height(), head.Height())
	case h.Height() == head.Height()+1:
		return h.Verify(head.Light())
	}
	err = h.VerifyAhead(head.Light())
	if errors.Is(err, da.ErrHeaderNotAdjacent) {
		return fmt.Errorf("%w: %w", p2p.ErrIgnore, err)
	}
	return err
}

// runHeaderGossip raises the sync target when a newer verified header is
// gossiped, and wakes the syncer.
func (n *Node) runHeaderGossip(ctx context.Context) error {
	for {
		h, _, err := n.headerSub.Next(ctx)
		if err != nil {
			return nil
		}
		n.raiseTarget(uint64(h.Height()))
	}
}

func (n *Node) raiseTarget(h uint64) {
	for {
		cur := n.target.Load()
		if h <= cur {
			return
		}
		if n.target.CompareAndSwap(cur, h) {
			select {
			case n.wake <- struct{}{}:
			default:
			}
			return
		}
	}
}

// stored updates metrics and logs after a height was stored.
func (n *Node) stored(_ context.Context, h *da.LightHeader, took time.Duration) {
	n.metrics.heightsIngested.Inc()
	n.metrics.ingestSeconds.Observe(took.Seconds())
	if d := n.now().Sub(h.Time()); d > 0 {
		n.metrics.blockToStored.Observe(d.Seconds())
	}
	n.updateHeightGauges()
	if n.befpSync != nil {
		// Heights are stored in order: every height up to h is verified, so
		// proofs dropped for them are fetched again and pending ones judged.
		n.befpSync.Synced(uint64(h.Height()))
	}
	n.log.Info("stored height", "height", h.Height(), "width", h.SquareWidth(), "took", took.Round(time.Microsecond))
}
