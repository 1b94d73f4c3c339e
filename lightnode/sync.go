package lightnode

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/libp2p/go-libp2p/core/peer"

	"github.com/quadrant-da/quadrant/da"
	"github.com/quadrant-da/quadrant/internal/pebblex"
	"github.com/quadrant-da/quadrant/p2p"
)

var (
	// errConflict is returned for a header that disagrees with a verified one.
	errConflict = errors.New("lightnode: header conflicts with a verified header")
	// errUnlinked is wrapped (with p2p.ErrIgnore) by handleHead for a head
	// far ahead that does not follow from the local head by itself.
	errUnlinked = errors.New("lightnode: head does not follow from the local head without the headers in between")
)

// runSync keeps the contiguous verified chain growing towards the network
// head: it polls peers for their head when gossip has brought no new head
// for a poll interval (gossip brings it sooner, and polling every peer on
// top of it was a few KB per header of pure overhead with several full
// peers), and fetches the range in between, verifying each header against
// the previous one.
func (n *Node) runSync(ctx context.Context) error {
	poll := time.NewTicker(n.cfg.HeadPollInterval)
	defer poll.Stop()
	n.pollHead(ctx)
	for {
		n.syncRange(ctx)
		n.mu.Lock()
		progress := n.progress
		n.mu.Unlock()
		select {
		case <-ctx.Done():
			return nil
		case <-poll.C:
			if !n.gossipFresh() {
				n.pollHead(ctx)
			}
		case <-progress:
		}
	}
}

// pollHead asks every full-node peer for its head and handles each as a
// gossiped head: the highest valid one raises the sync target, and a peer
// whose head does not verify is scored down.
func (n *Node) pollHead(ctx context.Context) {
	for _, p := range n.fullPeers() {
		rctx, cancel := context.WithTimeout(ctx, n.cfg.RequestTimeout)
		hs, err := n.client.LightHeaders(rctx, p, 0, 1)
		cancel()
		if err != nil || len(hs) == 0 {
			continue
		}
		err = n.handleHead(hs[0])
		if errors.Is(err, errUnlinked) {
			err = n.bisectHead(ctx, hs[0])
		}
		if err != nil && !errors.Is(err, p2p.ErrIgnore) {
			n.host.Scores.Penalize(p, p2p.PenaltyInvalid)
			n.metrics.invalidHeaders.Inc()
			n.log.Warn("lightnode: peer's head rejected", "peer", p, "height", hs[0].Height(), "err", err)
		}
	}
}

// maxQuietPolls caps, in head-poll intervals, how long gossip may be quiet
// before peers are polled, however slow blocks have been.
const maxQuietPolls = 5

// gossipFresh reports whether gossip brought a new head recently enough
// that polling peers for theirs would add nothing: within the head-poll
// interval, or — when blocks come slower than that — within 1.5 times the
// gap between the last two gossiped heads (at most maxQuietPolls
// intervals). Without the second rule a light node polled every peer
// every interval between slow blocks: in the netns cluster at k=128
// (blocks 10–15 s apart on a loaded machine) that was ≈ 26 KB of header
// responses and ≈ 18 KB of TCP and stream framing per header with three
// full-node peers, more than the samples.
func (n *Node) gossipFresh() bool {
	last := n.lastGossipHead.Load()
	if last == 0 {
		return false
	}
	window := n.cfg.HeadPollInterval
	if gap := time.Duration(n.gossipGap.Load()) * 3 / 2; gap > window {
		window = min(gap, maxQuietPolls*n.cfg.HeadPollInterval)
	}
	return n.now().Sub(time.Unix(0, last)) < window
}

// target returns the height the contiguous chain should reach.
func (n *Node) syncTarget() (local *da.LightHeader, target uint64, err error) {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.local, n.targetHeight, n.syncErr
}

// syncRange fetches and verifies headers from local+1 up to the target.
func (n *Node) syncRange(ctx context.Context) {
	for ctx.Err() == nil {
		local, target, serr := n.syncTarget()
		if serr != nil || uint64(local.Height()) >= target {
			return
		}
		n.mu.Lock()
		err := n.trustExpiredLocked()
		if err != nil {
			n.syncErr = err
		}
		n.mu.Unlock()
		if err != nil {
			n.log.Error(err.Error())
			return
		}
		from := uint64(local.Height()) + 1
		count := min(target-from+1, p2p.MaxHeaderRange)
		if !n.fetchRange(ctx, local, from, int(count)) {
			select {
			case <-ctx.Done():
			case <-time.After(250 * time.Millisecond):
			}
		}
	}
}

// fetchRange tries peers until one serves verifying headers from `from`.
func (n *Node) fetchRange(ctx context.Context, local *da.LightHeader, from uint64, count int) bool {
	for _, p := range n.fullPeers() {
		rctx, cancel := context.WithTimeout(ctx, n.cfg.RequestTimeout)
		hs, err := n.client.LightHeaders(rctx, p, from, count)
		cancel()
		if err != nil || len(hs) == 0 {
			continue
		}
		prev := local
		var good []*da.LightHeader
		var bad error
		for _, h := range hs {
			if err := n.verifyNext(ctx, prev, h); err != nil {
				bad = err
				break
			}
			good = append(good, h)
			prev = h
		}
		if bad != nil {
			n.host.Scores.Penalize(p, p2p.PenaltyInvalid)
			n.metrics.invalidHeaders.Inc()
			n.log.Warn("lightnode: peer served an invalid header", "peer", p, "err", bad)
		}
		if len(good) == 0 {
			continue
		}
		if err := n.advance(ctx, good); err != nil {
			n.log.Error("lightnode: store headers", "err", err)
			return false
		}
		return true
	}
	return false
}

// verifyNext checks h against its verified predecessor and against a
// header already verified at its height by skipping.
func (n *Node) verifyNext(ctx context.Context, prev, h *da.LightHeader) error {
	if h.ChainID() != n.cfg.ChainID {
		return fmt.Errorf("lightnode: header %d is for chain %q, want %q", h.Height(), h.ChainID(), n.cfg.ChainID)
	}
	if err := h.Verify(prev); err != nil {
		return err
	}
	if known, err := n.store.header(ctx, uint64(h.Height())); err == nil && !bytes.Equal(known.Hash(), h.Hash()) {
		return fmt.Errorf("%w: height %d hash %X, verified %X", errConflict, h.Height(), h.Hash(), known.Hash())
	}
	return nil
}

// advance stores contiguous verified headers and moves the local head.
func (n *Node) advance(ctx context.Context, hs []*da.LightHeader) error {
	top := hs[len(hs)-1]
	if err := n.store.putHeaders(ctx, hs, uint64(top.Height())); err != nil {
		return err
	}
	n.mu.Lock()
	n.local = top
	if top.Height() > n.netHead.Height() {
		n.netHead = top
	}
	n.sched.SetHead(uint64(top.Height()), top.Time())
	n.notifyProgressLocked()
	befps := n.befps
	n.mu.Unlock()
	if befps != nil {
		befps.Synced(uint64(top.Height())) // proofs dropped for these heights are fetched again
	}
	n.metrics.localHead.Set(float64(top.Height()))
	n.metrics.networkHead.Set(float64(n.NetworkHeadHeight()))
	n.nudge()
	return nil
}

// NetworkHeadHeight returns the highest verified height.
func (n *Node) NetworkHeadHeight() uint64 {
	n.mu.Lock()
	defer n.mu.Unlock()
	return uint64(n.netHead.Height())
}

// handleHead takes a head announced by a peer: adjacent to the local head it
// is verified and appended; further ahead it must follow from the local
// head before it raises the sync target (and so is relayed by gossip):
// with SkipVerification it is verified by the skipping rule (≥ 1/3 of the
// local head's validator set signed it) and stored so it can be sampled
// first, otherwise it must pass da's VerifyAhead (signed by the validator
// set the local head names as next, as a full node checks gossiped heads).
// A head that cannot be shown to follow by itself (the validator set
// changed too much in between, or a stranger's set, however well it signed
// itself) is ignored without raising the target, wrapping errUnlinked:
// pollHead then bisects towards it (bisectHead), which gossip never does.
// Older heads are ignored (never step back); an invalid one returns an
// error (the caller blames the sender).
func (n *Node) handleHead(h *da.LightHeader) error {
	if h.ChainID() != n.cfg.ChainID {
		return fmt.Errorf("lightnode: head for chain %q, want %q", h.ChainID(), n.cfg.ChainID)
	}
	n.mu.Lock()
	local, netHead, serr := n.local, n.netHead, n.syncErr
	n.mu.Unlock()
	if serr != nil {
		return p2p.ErrIgnore
	}
	height := uint64(h.Height())
	ctx := context.Background()
	switch {
	case height <= uint64(netHead.Height()):
		if known, err := n.store.header(ctx, height); err == nil && !bytes.Equal(known.Hash(), h.Hash()) {
			return fmt.Errorf("%w: height %d", errConflict, height)
		}
		return p2p.ErrIgnore
	case height == uint64(local.Height())+1:
		if err := n.verifyNext(ctx, local, h); err != nil {
			return err
		}
		n.raiseTarget(height)
		return n.advance(ctx, []*da.LightHeader{h})
	}
	if !n.cfg.SkipVerification {
		if err := h.VerifyAhead(local); errors.Is(err, da.ErrHeaderNotAdjacent) {
			return fmt.Errorf("%w: %w: head %d, local head %d: %w", p2p.ErrIgnore, errUnlinked, height, local.Height(), err)
		} else if err != nil {
			return err
		}
		n.raiseTarget(height)
		return nil
	}
	if err := h.VerifySkipping(local, da.DefaultTrustLevel()); errors.Is(err, da.ErrNotEnoughTrust) {
		return fmt.Errorf("%w: %w: head %d, local head %d: %w", p2p.ErrIgnore, errUnlinked, height, local.Height(), err)
	} else if err != nil {
		return err
	}
	return n.acceptSkipped(ctx, h)
}

// acceptSkipped stores a head verified by skipping (or bisection) as the
// network head, so it is sampled first, and raises the sync target to it.
func (n *Node) acceptSkipped(ctx context.Context, h *da.LightHeader) error {
	height := uint64(h.Height())
	if err := n.store.putHeaders(ctx, []*da.LightHeader{h}, 0); err != nil {
		return err
	}
	if err := n.store.ds.Put(ctx, keyNetHead, pebblex.U64(height)); err != nil {
		return err
	}
	n.mu.Lock()
	if h.Height() > n.netHead.Height() {
		n.netHead = h
		n.sched.SetHead(height, h.Time())
	}
	n.raiseTargetLocked(height)
	n.notifyProgressLocked()
	n.mu.Unlock()
	n.metrics.networkHead.Set(float64(height))
	n.nudge()
	return nil
}

func (n *Node) raiseTarget(h uint64) {
	n.mu.Lock()
	n.raiseTargetLocked(h)
	n.mu.Unlock()
}

func (n *Node) raiseTargetLocked(h uint64) {
	if h > n.targetHeight {
		n.targetHeight = h
		n.notifyProgressLocked()
	}
}

// validateGossipHeader is the header gossip validator.
func (n *Node) validateGossipHeader(_ context.Context, from peer.ID, h *da.LightHeader) error {
	err := n.handleHead(h)
	if err == nil {
		now := n.now().UnixNano()
		if prev := n.lastGossipHead.Swap(now); prev != 0 {
			n.gossipGap.Store(now - prev)
		}
	}
	if err != nil && !errors.Is(err, p2p.ErrIgnore) {
		n.metrics.invalidHeaders.Inc()
		n.log.Warn("lightnode: invalid gossiped header", "peer", from, "height", h.Height(), "err", err)
	}
	return err
}

// runHeaderGossip drains the header subscription (validation did the work).
func (n *Node) runHeaderGossip(ctx context.Context) error {
	sub, err := n.gossip.SubscribeHeaders()
	if err != nil {
		return fmt.Errorf("lightnode: %w", err)
	}
	defer sub.Cancel()
	for {
		if _, _, err := sub.Next(ctx); err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return fmt.Errorf("lightnode: header gossip: %w", err)
		}
	}
}

// waitHeader returns the verified header at height, waiting for sync.
func (n *Node) waitHeader(ctx context.Context, height uint64) (*da.LightHeader, error) {
	for {
		n.mu.Lock()
		local, progress := n.local, n.progress
		n.mu.Unlock()
		if height <= uint64(local.Height()) || height == n.NetworkHeadHeight() {
			return n.store.header(ctx, height)
		}
		if h, err := n.store.header(ctx, height); err == nil {
			return h, nil
		}
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("lightnode: header %d not synced yet (local head %d): %w", height, local.Height(), ctx.Err())
		case <-progress:
		}
	}
}
