package fullnode

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/libp2p/go-libp2p/core/peer"
	"golang.org/x/sync/errgroup"

	"github.com/quadrant-da/quadrant/da"
	"github.com/quadrant-da/quadrant/erasure"
	"github.com/quadrant-da/quadrant/internal/pause"
	"github.com/quadrant-da/quadrant/p2p"
)

// errFraud is returned by fetchSquare when the square is badly encoded and
// a fraud proof was built, verified, recorded and gossiped.
var errFraud = errors.New("fullnode: square is badly encoded; fraud proof gossiped")

// syncer is p2p-mode ingestion: it follows peers' heads, fetches and
// verifies headers and squares, and repairs or proves bad a square that
// does not match its header. Its state is the sync target, the headers
// whose squares are being fetched, and the fraud-proof sync.
type syncer struct {
	*shared
	fraud *fraudGuard

	wake      chan struct{} // a newer head is known
	target    atomic.Uint64 // highest height peers announced
	rr        atomic.Uint64 // round-robin offset over peers
	headerSub *p2p.HeaderSubscription
	befpSync  *p2p.BEFPSync // fetches peers' fraud proofs on connect

	mu      sync.Mutex
	pending map[uint64]*da.ExtendedHeader // verified headers whose square is being fetched
}

func newSyncer(sh *shared, fraud *fraudGuard) *syncer {
	return &syncer{shared: sh, fraud: fraud, wake: make(chan struct{}, 1), pending: map[uint64]*da.ExtendedHeader{}}
}

// pendingHeader returns a verified header whose square is being fetched:
// known to the gossip validators (a fraud proof for it can be checked)
// but not stored.
func (s *syncer) pendingHeader(height uint64) (*da.ExtendedHeader, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	h, ok := s.pending[height]
	return h, ok
}

func (s *syncer) setPending(h *da.ExtendedHeader, on bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if on {
		s.pending[uint64(h.Height())] = h
		s.befpSync.Retry() // a synced fraud proof may wait for this header
	} else {
		delete(s.pending, uint64(h.Height()))
	}
}

// runHeaderGossip raises the sync target when a newer verified header is
// gossiped, and wakes the syncer.
func (s *syncer) runHeaderGossip(ctx context.Context) error {
	for {
		h, _, err := s.headerSub.Next(ctx)
		if err != nil {
			return nil
		}
		s.raiseTarget(uint64(h.Height()))
	}
}

func (s *syncer) raiseTarget(h uint64) {
	for {
		cur := s.target.Load()
		if h <= cur {
			return
		}
		if s.target.CompareAndSwap(cur, h) {
			select {
			case s.wake <- struct{}{}:
			default:
			}
			return
		}
	}
}

// validateGossipHeader is the header topic validator (both modes). A
// header right after the local head must verify against it; a header
// further ahead must pass da's VerifyAhead against it (signed by the
// validator set the head names as next). After a validator-set change such
// a head is ignored (not relayed) rather than verified by bisection: the
// sync target also rises from polled heads, and every header up to it is
// verified against its predecessor, which follows set changes. Headers at
// or below the head, or that cannot be checked (another set, no head yet),
// are ignored without blame; headers that fail verification are rejected.
func (sh *shared) validateGossipHeader(ctx context.Context, from peer.ID, h *da.LightHeader) error {
	head, err := sh.store.Head(ctx)
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

// peers returns the connected peers that are not blocked, rotated so that
// successive calls start with different peers.
func (s *syncer) peers() []peer.ID {
	var out []peer.ID
	for _, p := range s.host.Network().Peers() {
		if p != s.host.ID() && !s.host.Scores.Blocked(p) {
			out = append(out, p)
		}
	}
	if len(out) > 1 {
		off := int(s.rr.Add(1) % uint64(len(out)))
		out = append(out[off:], out[:off]...)
	}
	return out
}

// run is p2p mode: establish the trusted header (from the store's head,
// or the configured trusted height and hash), then follow peers' heads:
// fetch header ranges, verify each header against the previous one, fetch
// and check each square, store it.
func (s *syncer) run(ctx context.Context) error {
	if s.health.halted() {
		return nil
	}
	prev, err := s.store.Head(ctx)
	if err != nil {
		trusted, err := s.fetchTrusted(ctx)
		if err != nil {
			return nil // cancelled
		}
		for !s.syncHeaders(ctx, []*da.ExtendedHeader{trusted}) {
			if ctx.Err() != nil || s.health.halted() {
				return nil
			}
		}
		prev = trusted
	}
	s.raiseTarget(uint64(prev.Height()))
	s.log.Info("p2p sync starts", "from", prev.Height()+1)
	lastPoll := time.Time{}
	for ctx.Err() == nil && !s.health.halted() {
		if uint64(prev.Height()) >= s.target.Load() {
			if time.Since(lastPoll) >= s.cfg.Sync.HeadPollInterval {
				s.pollHeads(ctx)
				lastPoll = time.Now()
				continue
			}
			select {
			case <-ctx.Done():
				return nil
			case <-s.wake:
			case <-time.After(s.cfg.Sync.HeadPollInterval - time.Since(lastPoll)):
			}
			continue
		}
		from := uint64(prev.Height()) + 1
		count := int(min(s.target.Load()-uint64(prev.Height()), p2p.MaxHeaderRange))
		hdrs := s.fetchHeaderRange(ctx, prev, from, count)
		if len(hdrs) == 0 {
			pause.For(ctx, s.cfg.Sync.RetryAfter)
			continue
		}
		if !s.syncHeaders(ctx, hdrs) {
			// Resume after what was stored; the rest is fetched again.
			if head, err := s.store.Head(ctx); err == nil && head.Height() > prev.Height() {
				prev = head
			}
			continue
		}
		prev = hdrs[len(hdrs)-1]
	}
	return nil
}

// syncHeaders fetches and stores the squares of verified, consecutive
// headers, Concurrency at a time, storing them in height order. It returns
// false if not all were stored (the caller resumes from the store's head).
func (s *syncer) syncHeaders(ctx context.Context, hdrs []*da.ExtendedHeader) bool {
	step := s.cfg.Sync.Concurrency
	for i := 0; i < len(hdrs); i += step {
		batch := hdrs[i:min(i+step, len(hdrs))]
		squares := make([]*erasure.ExtendedSquare, len(batch))
		errs := make([]error, len(batch))
		starts := make([]time.Time, len(batch))
		var g errgroup.Group
		for j, h := range batch {
			s.setPending(h, true)
			g.Go(func() error {
				starts[j] = time.Now()
				squares[j], errs[j] = s.fetchSquare(ctx, h)
				return nil
			})
		}
		_ = g.Wait()
		for j, h := range batch {
			s.setPending(h, false)
			if errs[j] == nil {
				errs[j] = s.store.Put(ctx, h, squares[j])
			}
			if errs[j] != nil {
				if !errors.Is(errs[j], errFraud) && ctx.Err() == nil {
					s.health.setLastErr(errs[j])
					s.log.Warn("fetching a square failed; retrying", "height", h.Height(), "err", errs[j])
					pause.For(ctx, s.cfg.Sync.RetryAfter)
				}
				for _, rest := range batch[j+1:] {
					s.setPending(rest, false)
				}
				return false
			}
			s.health.setLastErr(nil)
			s.stored(h.Light(), time.Since(starts[j]))
			// Heights are stored in order: every height up to h is verified, so
			// proofs dropped for them are fetched again and pending ones judged.
			s.befpSync.Synced(uint64(h.Height()))
		}
	}
	return true
}

// fetchTrusted gets the header at the trusted height from peers under
// p2p.FetchTrusted's policy: it must have the trusted hash (trust on first
// use only with TrustFirstPeer) and validate on its own.
func (s *syncer) fetchTrusted(ctx context.Context) (*da.ExtendedHeader, error) {
	want, _ := s.cfg.TrustedHashBytes()
	pol := p2p.TrustPolicy{
		ChainID: s.chainID, Height: s.cfg.Sync.TrustedHeight, Hash: want, TrustFirstUse: s.cfg.TrustFirstPeer,
		RequestTimeout: s.cfg.Sync.RequestTimeout, RetryAfter: s.cfg.Sync.RetryAfter,
	}
	return p2p.FetchTrusted(ctx, pol, s.peers, s.fetchHeader, s.host.Scores, s.log)
}

// fetchHeader asks p for the extended header at height.
func (s *syncer) fetchHeader(ctx context.Context, p peer.ID, height uint64) (*da.ExtendedHeader, error) {
	hs, err := s.client.ExtendedHeaders(ctx, p, height, 1)
	if err == nil && len(hs) != 1 {
		err = fmt.Errorf("fullnode: %d headers for height %d, want 1", len(hs), height)
	}
	if err != nil {
		return nil, err
	}
	return hs[0], nil
}

// checkStoredTrust compares the configured trusted hash (p2p mode) with a
// stored chain. The stored header at the trusted height must have it: a
// mismatch means the store follows another chain than the one the
// operator trusts, and Start refuses (ErrConfig). Below the stored chain
// the hash cannot be checked, and a warning says that the stored chain is
// followed; above it, sync checks it when it gets there (fetchHeaderRange).
func (s *syncer) checkStoredTrust(ctx context.Context) error {
	want, _ := s.cfg.TrustedHashBytes()
	height, head, tail := s.cfg.Sync.TrustedHeight, s.store.HeadHeight(), s.store.TailHeight()
	switch {
	case want == nil || head == 0 || height > head:
		return nil
	case height < tail:
		s.log.Warn("the configured trusted header is below the stored chain, so its hash cannot be checked: sync continues from the stored chain, which was verified from an earlier anchor; to start from the configured header instead, use a new home",
			"trusted_height", height, "trusted_hash", fmt.Sprintf("%X", want), "stored_from", tail, "stored_to", head)
		return nil
	}
	h, err := s.store.HeaderByHeight(ctx, height)
	if err != nil {
		return fmt.Errorf("fullnode: read the stored header at sync.trusted_height %d: %w", height, err)
	}
	if !bytes.Equal(h.Hash(), want) {
		return fmt.Errorf("%w: sync.trusted_hash is %X, but the stored chain has %X at sync.trusted_height %d: the store follows another chain than the one trusted; fix the hash or use a new home",
			ErrConfig, want, h.Hash(), height)
	}
	return nil
}

// trustedMismatch reports, for a header verified from the stored chain,
// whether it is at the configured trusted height with another hash than
// the configured one.
func (s *syncer) trustedMismatch(h *da.ExtendedHeader) bool {
	want, _ := s.cfg.TrustedHashBytes()
	return want != nil && uint64(h.Height()) == s.cfg.Sync.TrustedHeight && !bytes.Equal(h.Hash(), want)
}

// pollHeads asks a few peers for their head and raises the sync target
// (unverified: a peer that lies only makes the node ask for headers it
// will not get).
func (s *syncer) pollHeads(ctx context.Context) {
	ps := s.peers()
	for _, p := range ps[:min(len(ps), 3)] {
		hs, err := s.client.ExtendedHeaders(ctx, p, 0, 1)
		if err == nil && len(hs) == 1 {
			s.raiseTarget(uint64(hs[0].Height()))
		}
	}
}

// fetchHeaderRange asks peers for count headers from `from` and returns the
// prefix that verifies as a chain continuing prev. A peer whose headers do
// not verify is scored down.
func (s *syncer) fetchHeaderRange(ctx context.Context, prev *da.ExtendedHeader, from uint64, count int) []*da.ExtendedHeader {
	for _, p := range s.peers() {
		hs, err := s.client.ExtendedHeaders(ctx, p, from, count)
		if err != nil || len(hs) == 0 {
			continue
		}
		out := make([]*da.ExtendedHeader, 0, len(hs))
		last := prev
		for _, h := range hs {
			if err := h.Verify(last.Light()); err != nil {
				s.host.Scores.Penalize(p, p2p.PenaltyInvalid)
				s.log.Warn("peer sent a header that does not verify", "peer", p, "height", h.Height(), "err", err)
				break
			}
			if s.trustedMismatch(h) {
				s.health.halt("trust", fmt.Sprintf("height %d has hash %X on the chain followed from the store, the configured sync.trusted_hash is %s: fix the hash or use a new home",
					h.Height(), h.Hash(), s.cfg.Sync.TrustedHash))
				return out
			}
			out = append(out, h)
			last = h
		}
		if len(out) > 0 {
			return out
		}
	}
	return nil
}

// fetchSquare gets the extended square of a verified header: first the
// whole original square from one peer (extended and checked against the
// data root by the client); if a peer's original square does not extend to
// the committed data root, the block may be badly encoded, so the node
// fetches both halves of every row (unverified, from several peers) and
// repairs the square, which either yields the committed square, or a
// fraud proof (errFraud), or shows that a peer lied.
func (s *syncer) fetchSquare(ctx context.Context, h *da.ExtendedHeader) (*erasure.ExtendedSquare, error) {
	mismatch := false
	var lastErr error
	var suspect peer.ID
	for _, p := range s.peers() {
		eds, dah, err := s.client.Square(ctx, p, h.Light())
		if err == nil {
			if !bytes.Equal(dah.Hash(), h.DAH.Hash()) {
				return nil, fmt.Errorf("fullnode: height %d: square from %s has DA header %X, want %X", h.Height(), p, dah.Hash(), h.DAH.Hash())
			}
			return eds, nil
		}
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		lastErr = err
		if errors.Is(err, p2p.ErrSquareMismatch) {
			mismatch, suspect = true, p
			break
		}
	}
	if !mismatch {
		if lastErr == nil {
			lastErr = errors.New("no peers")
		}
		return nil, fmt.Errorf("fullnode: square of height %d: %w", h.Height(), lastErr)
	}
	s.log.Warn("original square does not extend to the committed data root; repairing from rows", "height", h.Height(), "peer", suspect)
	eds, err := s.repairSquare(ctx, h)
	if err == nil {
		// The committed square is well encoded, so the suspect's original
		// square was not the committed one.
		s.host.Scores.Penalize(suspect, p2p.PenaltyInvalid)
		s.log.Warn("peer served a wrong original square", "peer", suspect, "height", h.Height())
	}
	return eds, err
}

// fetchRow fills row r of eds (and present) from peers. It first asks for
// the row's first half and checks it locally: decoded to the whole row, it
// must hash to the committed row root; then the row is known and verified.
// A row no peer's first half verifies for is either badly encoded or
// served by liars: both its halves are then taken as served (unverified),
// for the repair to judge. No peer is scored here: only the repair can
// tell a bad block from a bad peer.
func (s *syncer) fetchRow(ctx context.Context, peers []peer.ID, h *da.ExtendedHeader, r int, eds *erasure.ExtendedSquare, present []bool) {
	height, w := uint64(h.Height()), h.DAH.SquareWidth()
	k := w / 2
	put := func(from int, shares [][]byte) {
		for j, share := range shares {
			copy(eds.Share(r, from+j), share)
			present[r*w+from+j] = true // distinct elements per goroutine
		}
	}
	var firstHalf [][]byte
	for i := range peers {
		p := peers[(r+i)%len(peers)]
		half, err := s.client.HalfAxisShares(ctx, p, height, k, erasure.Row, r, 0)
		if err != nil {
			continue
		}
		if firstHalf == nil {
			firstHalf = half
		}
		axis := make([][]byte, w)
		copy(axis, half)
		full, err := erasure.DecodeAxis(axis)
		if err != nil {
			continue
		}
		if root, err := da.AxisRoot(erasure.Row, r, full); err == nil && bytes.Equal(root, h.DAH.RowRoots[r]) {
			put(0, full)
			return
		}
	}
	if firstHalf == nil {
		return // left unknown; the repair may still complete it
	}
	put(0, firstHalf)
	for i := range peers {
		p := peers[(r+i)%len(peers)]
		if half, err := s.client.HalfAxisShares(ctx, p, height, k, erasure.Row, r, 1); err == nil {
			put(k, half)
			return
		}
	}
}

// repairSquare fetches every row from several peers (fetchRow) and
// repairs the square against the DA header.
func (s *syncer) repairSquare(ctx context.Context, h *da.ExtendedHeader) (*erasure.ExtendedSquare, error) {
	height := uint64(h.Height())
	w := h.DAH.SquareWidth()
	k := w / 2
	eds, err := erasure.NewExtendedSquare(k)
	if err != nil {
		return nil, err
	}
	present := make([]bool, w*w)
	peers := s.peers()
	if len(peers) == 0 {
		return nil, fmt.Errorf("fullnode: repair height %d: no peers", height)
	}
	var g errgroup.Group
	g.SetLimit(8)
	for r := 0; r < w; r++ {
		g.Go(func() error {
			s.fetchRow(ctx, peers, h, r, eds, present)
			return nil
		})
	}
	_ = g.Wait()
	if ctx.Err() != nil {
		return nil, ctx.Err()
	}
	err = da.RepairSquare(eds, present, h.DAH)
	var byz *erasure.ErrByzantineData
	switch {
	case err == nil:
		return eds, nil
	case !errors.As(err, &byz):
		return nil, fmt.Errorf("fullnode: repair height %d: %w", height, err)
	}
	proof, err := da.NewBadEncodingProof(height, h.DAH, eds, present, byz)
	if err == nil {
		err = proof.Verify(h.DataRoot())
	}
	if err != nil {
		// The shares some peer served are inconsistent with the committed
		// roots in a way that proves nothing: retry, other peers may serve
		// the committed square.
		return nil, fmt.Errorf("fullnode: height %d: %s %d does not match its root, but no fraud proof could be built (a peer served wrong shares?): %w", height, byz.Axis, byz.Index, err)
	}
	enc, err := proof.Marshal()
	if err != nil {
		return nil, err
	}
	s.log.Error("block is badly encoded: built a fraud proof", "height", height, "axis", proof.Axis.String(), "index", proof.Index, "bytes", len(enc))
	s.fraud.record(height, enc, "built by this node")
	if err := s.gossip.PublishBEFP(ctx, enc); err != nil {
		s.log.Error("gossiping the fraud proof failed", "height", height, "err", err)
	}
	return nil, errFraud
}
