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
	"sync"
	"sync/atomic"

	"github.com/libp2p/go-libp2p/core/peer"

	"github.com/quadrant-da/quadrant/da"
	"github.com/quadrant-da/quadrant/p2p"
)

// fraudDir is the directory, inside the home, where the node keeps every
// valid fraud proof it built or received (<height>.befp, da encoding), so
// that a restarted node still refuses to serve the heights they condemn.
const fraudDir = "befp"

// fraudGuard is fraud handling: it keeps every valid fraud proof (in
// memory and in the home), judges gossiped and synced ones against the
// headers the node knows, and tells serving which heights are condemned.
// It implements p2p.BEFPSource.
type fraudGuard struct {
	*shared
	// pending returns a header whose square is being fetched (p2p mode);
	// nil in bridge mode.
	pending func(height uint64) (*da.ExtendedHeader, bool)
	sub     *p2p.BEFPSubscription // set by Start

	any    atomic.Bool // fast path of isFraudulent
	mu     sync.Mutex
	proofs map[uint64][]byte // height → encoded fraud proof
}

var _ p2p.BEFPSource = (*fraudGuard)(nil)

func newFraudGuard(sh *shared) *fraudGuard {
	return &fraudGuard{shared: sh, proofs: map[uint64][]byte{}}
}

// isFraudulent reports whether a valid fraud proof condemns height.
func (f *fraudGuard) isFraudulent(height uint64) bool {
	if !f.any.Load() {
		return false
	}
	_, ok := f.proof(height)
	return ok
}

// proof returns the encoded fraud proof held for height, if any.
func (f *fraudGuard) proof(height uint64) ([]byte, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	b, ok := f.proofs[height]
	return b, ok
}

// heights returns the condemned heights, lowest first.
func (f *fraudGuard) heights() []uint64 {
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.proofs) == 0 {
		return nil
	}
	heights := make([]uint64, 0, len(f.proofs))
	for h := range f.proofs {
		heights = append(heights, h)
	}
	slices.Sort(heights)
	return heights
}

// BEFPs returns the encoded fraud proofs held, lowest height first
// (p2p.BEFPSource).
func (f *fraudGuard) BEFPs(context.Context) ([][]byte, error) {
	heights := f.heights()
	f.mu.Lock()
	defer f.mu.Unlock()
	out := make([][]byte, len(heights))
	for i, h := range heights {
		out[i] = f.proofs[h]
	}
	return out, nil
}

// verifySynced is the fraud-proof sync's verification: the gossip path's
// (verify; p2p.ErrIgnore while the header of the proof's height is not
// held, and the proof is kept and tried again).
func (f *fraudGuard) verifySynced(ctx context.Context, _ peer.ID, b []byte) error {
	_, err := f.verify(ctx, b)
	return err
}

// acceptSynced records a verified proof a peer served over the befp
// protocol, exactly as a gossiped one.
func (f *fraudGuard) acceptSynced(_ context.Context, from peer.ID, b []byte) {
	p, err := da.UnmarshalBadEncodingProof(b)
	if err != nil {
		return // verified, so it decodes
	}
	if f.record(p.Height, b, "synced from peer "+from.String()) {
		f.log.Error("a peer served a valid bad-encoding fraud proof", "height", p.Height, "axis", p.Axis.String(), "index", p.Index, "from", from)
	}
}

// record keeps a verified fraud proof: the height is never served again,
// the proof is written to the home, and ingestion halts (the chain is not
// to be trusted past a badly encoded block). It reports whether the proof
// was new.
func (f *fraudGuard) record(height uint64, enc []byte, source string) bool {
	f.mu.Lock()
	if _, ok := f.proofs[height]; ok {
		f.mu.Unlock()
		return false
	}
	f.proofs[height] = enc
	f.any.Store(true)
	f.mu.Unlock()
	f.health.halt("fraud", fmt.Sprintf("height %d is badly encoded (fraud proof %s); it is not served", height, source))
	f.metrics.fraudProofs.Inc()
	if err := f.save(height, enc); err != nil {
		f.log.Error("cannot keep the fraud proof on disk", "height", height, "err", err)
	}
	return true
}

func (f *fraudGuard) save(height uint64, enc []byte) error {
	dir := filepath.Join(f.home, fraudDir)
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

// load reads the fraud proofs kept in the home. They were verified before
// they were written; a file that does not decode is refused loudly rather
// than skipped. Any proof on disk keeps ingestion halted.
func (f *fraudGuard) load() error {
	dir := filepath.Join(f.home, fraudDir)
	ents, err := os.ReadDir(dir)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("fullnode: read %s: %w", dir, err)
	}
	alert := ""
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
		f.mu.Lock()
		f.proofs[p.Height] = b
		f.mu.Unlock()
		f.any.Store(true)
		alert = fmt.Sprintf("fraud: height %d is badly encoded (fraud proof kept in %s)", p.Height, dir)
	}
	if alert != "" {
		f.health.restore(alert)
		f.log.Error("ALERT: fraud proofs on disk; ingestion stays halted", "dir", dir, "heights", len(f.heights()))
	}
	return nil
}

// anchor returns the lowest height the node holds or will sync: the
// store's tail, or with an empty store the height sync starts from (p2p
// mode: the trusted height; bridge mode: the start height, 0 for the
// consensus node's earliest).
func (f *fraudGuard) anchor() uint64 {
	if tail := f.store.TailHeight(); tail > 0 {
		return tail
	}
	if f.cfg.Mode == ModeP2P {
		return f.cfg.Sync.TrustedHeight
	}
	return f.cfg.Bridge.StartHeight
}

// knownHeader returns the verified header of height: stored, or pending
// (verified, square still being fetched).
func (f *fraudGuard) knownHeader(ctx context.Context, height uint64) (*da.ExtendedHeader, bool) {
	if h, err := f.store.HeaderByHeight(ctx, height); err == nil {
		return h, true
	}
	if f.pending == nil {
		return nil, false
	}
	return f.pending(height)
}

// verify decodes a fraud proof and verifies it against the data root of
// the header of its height, which the node must know. Errors wrapping
// p2p.ErrIgnore mean the proof cannot be judged here (yet; with
// p2p.ErrBelowAnchor too, never: its height is below the lowest the node
// holds or syncs from, and it was judged as far as it can be,
// p2p.JudgeBEFPBelowAnchor).
func (f *fraudGuard) verify(ctx context.Context, b []byte) (*da.BadEncodingProof, error) {
	p, err := da.UnmarshalBadEncodingProof(b)
	if err != nil {
		return nil, err
	}
	hdr, ok := f.knownHeader(ctx, p.Height)
	if !ok && p.Height < f.anchor() {
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

// validateGossip is the BEFP topic validator: a proof is relayed only if
// it verifies against the data root of its height; one that does not is
// rejected (and its sender scored down by p2p).
func (f *fraudGuard) validateGossip(ctx context.Context, from peer.ID, b []byte) error {
	p, err := f.verify(ctx, b)
	if err != nil {
		if !errors.Is(err, p2p.ErrIgnore) {
			f.log.Warn("rejected an invalid fraud proof", "from", from, "err", err)
		}
		return err
	}
	if _, known := f.proof(p.Height); known {
		return fmt.Errorf("%w: fraud proof for height %d already known", p2p.ErrIgnore, p.Height)
	}
	return nil
}

// runGossip records every fraud proof delivered by the BEFP topic
// (validated by validateGossip, or published by this node).
func (f *fraudGuard) runGossip(ctx context.Context) error {
	for {
		b, from, err := f.sub.Next(ctx)
		if err != nil {
			return nil // cancelled
		}
		p, err := f.verify(ctx, b)
		if err != nil {
			continue // our own proof for a height we no longer hold, or a race
		}
		if f.record(p.Height, b, "received from "+from.String()) {
			f.log.Error("received a valid bad-encoding fraud proof", "height", p.Height, "axis", p.Axis.String(), "index", p.Index, "from", from)
		}
	}
}
