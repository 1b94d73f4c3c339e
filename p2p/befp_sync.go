package p2p

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"time"

	"github.com/libp2p/go-libp2p/core/host"
	"github.com/libp2p/go-libp2p/core/network"
	"github.com/libp2p/go-libp2p/core/peer"

	"github.com/quadrant-da/quadrant/da"
)

// protoBEFP is the fraud-proof sync protocol: a node that connects after a
// proof was gossiped asks its peers for the proofs they hold.
const protoBEFP = "befp"

const (
	// maxBEFPSyncCount bounds the proofs in one befp reply. A chain halts
	// at its first badly encoded block, so a node holds few; one holding
	// more serves those of the lowest heights (the ones that matter).
	maxBEFPSyncCount = 16
	// maxBEFPSyncBytes bounds the total size of the proofs in one reply.
	maxBEFPSyncBytes = 4 * maxBEFPMessageSize
	// maxPendingBEFPs bounds the proofs a BEFPSync keeps for heights the
	// node has not verified yet; when full, the highest height is dropped.
	maxPendingBEFPs = 32
	// maxPendingBEFPsPerPeer bounds the proofs of one peer among them, so
	// that a few peers cannot take every slot.
	maxPendingBEFPsPerPeer = 4
	// maxOwedPeers bounds the peers a BEFPSync remembers to ask again (see
	// Synced); over it, the one owed the highest height is forgotten.
	maxOwedPeers = 256
	// befpRequestSize: the request is an empty frame.
	befpRequestSize = 0
	// befpRetryEvery is how often pending proofs are tried again when no
	// Retry nudge came.
	befpRetryEvery = 2 * time.Second
	// befpFetchWorkers bounds concurrent fetches.
	befpFetchWorkers = 4
)

// BEFPSource is what a Server reads stored fraud proofs from; the full node
// implements it. BEFPs returns encoded da.BadEncodingProofs (each verified
// before it was kept), lowest height first; it must be safe for concurrent
// use.
type BEFPSource interface {
	BEFPs(ctx context.Context) ([][]byte, error)
}

// serveBEFPs answers the stored proofs: OK, a u16 count and one frame per
// proof, at most maxBEFPSyncCount proofs and maxBEFPSyncBytes in all.
// The request is an empty frame (a longer one is over the frame limit:
// the stream is reset and the requester scored down).
func (s *Server) serveBEFPs(ctx context.Context, _ peer.ID, _ []byte, w io.Writer) error {
	all, err := s.befps.BEFPs(ctx)
	if err != nil {
		return s.sourceError(w, err)
	}
	var out [][]byte
	total := 0
	for _, p := range all {
		if len(p) == 0 || len(p) > maxBEFPMessageSize {
			s.log.Warn("p2p: source returned a fraud proof out of bounds; not served", "bytes", len(p))
			continue
		}
		if len(out) == maxBEFPSyncCount || total+len(p) > maxBEFPSyncBytes {
			break
		}
		out = append(out, p)
		total += len(p)
	}
	var hdr [3]byte
	hdr[0] = byte(statusOK)
	binary.BigEndian.PutUint16(hdr[1:], uint16(len(out)))
	if _, err := w.Write(hdr[:]); err != nil {
		return err
	}
	for _, p := range out {
		if err := writeFrame(w, p); err != nil {
			return err
		}
	}
	return nil
}

// readBEFPs reads the payload of an OK befp reply: a u16 count of at most
// maxBEFPSyncCount and as many frames, each 1..MaxBEFPMessageSize bytes,
// maxBEFPSyncBytes in all. The proofs are not decoded.
func readBEFPs(r io.Reader) ([][]byte, error) {
	var nb [2]byte
	if _, err := io.ReadFull(r, nb[:]); err != nil {
		return nil, err
	}
	n := int(binary.BigEndian.Uint16(nb[:]))
	if n > maxBEFPSyncCount {
		return nil, fmt.Errorf("%w: %d fraud proofs, limit %d", errBadResponse, n, maxBEFPSyncCount)
	}
	out := make([][]byte, 0, n)
	total := 0
	for i := 0; i < n; i++ {
		b, err := readFrame(r, min(maxBEFPMessageSize, maxBEFPSyncBytes-total))
		if err != nil {
			return nil, err
		}
		if len(b) == 0 {
			return nil, fmt.Errorf("%w: fraud proof %d is empty", errBadResponse, i)
		}
		total += len(b)
		out = append(out, b)
	}
	return out, nil
}

// FetchBEFPs asks p for the fraud proofs it holds. Each is checked to
// decode as a da.BadEncodingProof (a reply that does not, or is over its
// bounds, scores p down) but NOT verified: the caller verifies each against
// the data root of its height, as for gossip (VerifyBEFP).
func (c *Client) FetchBEFPs(ctx context.Context, p peer.ID) ([][]byte, error) {
	resp, err := c.request(ctx, p, protoBEFP, nil)
	if err != nil {
		return nil, err
	}
	defer resp.close()
	out, err := readBEFPs(resp.r)
	if err != nil {
		_ = resp.st.Reset()
		return nil, c.fail(p, protoBEFP, err)
	}
	for i, b := range out {
		if _, err := da.UnmarshalBadEncodingProof(b); err != nil {
			return nil, c.fail(p, protoBEFP, fmt.Errorf("%w: fraud proof %d: %w", errBadResponse, i, err))
		}
	}
	return out, nil
}

// BEFPSync fetches the fraud proofs of every peer this node connects to
// (and of those connected when it starts), so a node that joins after a
// proof was gossiped still learns of it. Each proof goes through verify
// (VerifyBEFP, or the node's own gossip validator: nil when it verifies,
// an error wrapping ErrIgnore when it cannot be judged yet, one wrapping
// ErrIgnore and ErrBelowAnchor when it never can — it was judged as far as
// possible, see JudgeBEFPBelowAnchor — and any other error when it is
// invalid). Valid proofs are handed to accept once; invalid ones score
// their sender down (PenaltyInvalid); those below the anchor are dropped.
// Proofs that cannot be judged yet (their height's header is not verified)
// are kept, at most maxPendingBEFPsPerPeer per peer and maxPendingBEFPs in
// all, lowest heights first, and tried again on Retry, on Synced and every
// few seconds. A proof dropped over those limits is not forgotten: its
// sender is asked again once Synced passes its height.
type BEFPSync struct {
	host   host.Host
	client *Client
	scores *Scorer
	verify BEFPValidator
	accept func(ctx context.Context, from peer.ID, proof []byte)
	log    *slog.Logger

	queue chan peer.ID
	retry chan struct{}

	mu       sync.Mutex
	inflight map[peer.ID]bool
	pending  map[[32]byte]pendingBEFP
	done     map[[32]byte]bool
	owed     map[peer.ID]uint64 // per peer, the lowest height of a proof dropped without a verdict
	synced   uint64             // the highest height Synced reported
}

type pendingBEFP struct {
	raw    []byte
	from   peer.ID
	height uint64
}

// NewBEFPSync returns a syncer; Run starts it. A nil log discards.
func NewBEFPSync(h host.Host, c *Client, scores *Scorer, verify BEFPValidator, accept func(ctx context.Context, from peer.ID, proof []byte), log *slog.Logger) *BEFPSync {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &BEFPSync{
		host: h, client: c, scores: scores, verify: verify, accept: accept, log: log,
		queue:    make(chan peer.ID, 256),
		retry:    make(chan struct{}, 1),
		inflight: map[peer.ID]bool{},
		pending:  map[[32]byte]pendingBEFP{},
		done:     map[[32]byte]bool{},
		owed:     map[peer.ID]uint64{},
	}
}

// Retry asks the syncer to try its pending proofs again (headers landed).
// It never blocks.
func (s *BEFPSync) Retry() {
	select {
	case s.retry <- struct{}{}:
	default:
	}
}

// Synced tells the syncer that the node has verified every header up to
// height (its contiguous verified head). Peers whose proofs for heights up
// to there were dropped without a verdict (over the pending limits) are
// asked again, now that those proofs can be judged at once; pending proofs
// are tried again as on Retry. It never blocks.
func (s *BEFPSync) Synced(height uint64) {
	s.mu.Lock()
	s.synced = max(s.synced, height)
	s.mu.Unlock()
	s.Retry()
}

// Pending returns how many proofs wait for their height's header.
func (s *BEFPSync) Pending() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.pending)
}

// Run fetches from every connected and newly connecting peer until ctx
// ends. It returns nil when ctx ends.
func (s *BEFPSync) Run(ctx context.Context) error {
	nb := &network.NotifyBundle{ConnectedF: func(_ network.Network, c network.Conn) { s.enqueue(c.RemotePeer()) }}
	s.host.Network().Notify(nb)
	defer s.host.Network().StopNotify(nb)
	for _, p := range s.host.Network().Peers() {
		s.enqueue(p)
	}
	var wg sync.WaitGroup
	defer wg.Wait()
	for range befpFetchWorkers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-ctx.Done():
					return
				case p := <-s.queue:
					s.fetch(ctx, p)
				}
			}
		}()
	}
	t := time.NewTicker(befpRetryEvery)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-s.retry:
		case <-t.C:
		}
		s.retryPending(ctx)
	}
}

// enqueue schedules a fetch from p. It reports false when the queue was
// full (the peer is skipped); a fetch already in flight counts as done.
func (s *BEFPSync) enqueue(p peer.ID) bool {
	if p == s.host.ID() {
		return true
	}
	s.mu.Lock()
	if s.inflight[p] {
		s.mu.Unlock()
		return true
	}
	s.inflight[p] = true
	s.mu.Unlock()
	select {
	case s.queue <- p:
		return true
	default:
		s.mu.Lock()
		delete(s.inflight, p)
		s.mu.Unlock()
		s.log.Debug("p2p: fraud-proof sync queue full; peer skipped", "peer", p)
		return false
	}
}

func (s *BEFPSync) fetch(ctx context.Context, p peer.ID) {
	defer func() {
		s.mu.Lock()
		delete(s.inflight, p)
		s.mu.Unlock()
	}()
	if s.scores.Blocked(p) {
		return
	}
	proofs, err := s.client.FetchBEFPs(ctx, p)
	if err != nil {
		// Peers that do not serve the protocol (light nodes) end here too.
		s.log.Debug("p2p: fraud-proof sync", "peer", p, "err", err)
		return
	}
	for _, raw := range proofs {
		s.check(ctx, p, raw, true)
	}
}

// check verifies one proof from p and accepts, keeps (if keep) or blames.
// It reports whether the proof was judged (accepted or rejected).
func (s *BEFPSync) check(ctx context.Context, p peer.ID, raw []byte, keep bool) bool {
	id := sha256.Sum256(raw)
	s.mu.Lock()
	seen := s.done[id]
	s.mu.Unlock()
	if seen {
		return true
	}
	err := s.verify(ctx, p, raw)
	switch {
	case err == nil:
		s.mu.Lock()
		first := !s.done[id]
		s.done[id] = true
		delete(s.pending, id)
		s.mu.Unlock()
		if first {
			s.accept(ctx, p, raw)
		}
		return true
	case errors.Is(err, ErrBelowAnchor) && errors.Is(err, ErrIgnore):
		// Judged as far as it can be: consistent, but for a block this
		// node never verifies. Neither kept nor blamed (nor remembered:
		// a peer can make up any number of them).
		s.log.Debug("p2p: fraud proof below the trusted anchor dropped", "peer", p, "err", err)
		s.mu.Lock()
		delete(s.pending, id)
		s.mu.Unlock()
		return true
	case errors.Is(err, ErrIgnore):
		if ctx.Err() != nil {
			return false
		}
		if keep {
			s.keep(id, raw, p)
		}
		return false
	default:
		s.scores.Penalize(p, PenaltyInvalid)
		s.log.Warn("p2p: fraud proof from peer does not verify", "peer", p, "err", err)
		s.mu.Lock()
		delete(s.pending, id)
		s.mu.Unlock()
		return true
	}
}

// keep adds a proof from `from` that cannot be judged yet, within the
// limits: a peer already holding maxPendingBEFPsPerPeer slots, or a full
// set of maxPendingBEFPs, keeps the lower height — the new proof, or the
// peer's (the set's) highest one. Whichever is dropped is owed to be
// fetched again (oweLocked).
func (s *BEFPSync) keep(id [32]byte, raw []byte, from peer.ID) {
	pr, err := da.UnmarshalBadEncodingProof(raw)
	if err != nil {
		return // FetchBEFPs checked it decodes
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.pending[id]; ok {
		return
	}
	for _, limit := range []struct {
		n    int
		peer bool
	}{{maxPendingBEFPsPerPeer, true}, {maxPendingBEFPs, false}} {
		worst, wh, n := s.highestPendingLocked(from, limit.peer)
		if n < limit.n {
			continue
		}
		if pr.Height >= wh {
			s.oweLocked(from, pr.Height)
			return
		}
		dropped := s.pending[worst]
		delete(s.pending, worst)
		s.oweLocked(dropped.from, dropped.height)
	}
	s.pending[id] = pendingBEFP{raw: raw, from: from, height: pr.Height}
}

// highestPendingLocked returns the pending proof of the highest height —
// among from's when onlyFrom — with that height and the count considered.
func (s *BEFPSync) highestPendingLocked(from peer.ID, onlyFrom bool) (id [32]byte, height uint64, n int) {
	for k, v := range s.pending {
		if onlyFrom && v.from != from {
			continue
		}
		n++
		if v.height >= height {
			id, height = k, v.height
		}
	}
	return id, height, n
}

// oweLocked remembers that a proof of p for height was dropped without a
// verdict: p is asked again once Synced passes the lowest such height. At
// most maxOwedPeers peers are remembered, those owed the lowest heights.
func (s *BEFPSync) oweLocked(p peer.ID, height uint64) {
	if h, ok := s.owed[p]; ok {
		s.owed[p] = min(h, height)
		return
	}
	if len(s.owed) >= maxOwedPeers {
		var worst peer.ID
		var wh uint64
		for q, h := range s.owed {
			if h >= wh {
				worst, wh = q, h
			}
		}
		if height >= wh {
			return
		}
		delete(s.owed, worst)
	}
	s.owed[p] = height
}

// retryPending tries the pending proofs again, then fetches again from the
// connected peers owed a proof at or below the synced height.
func (s *BEFPSync) retryPending(ctx context.Context) {
	s.mu.Lock()
	todo := make(map[[32]byte]pendingBEFP, len(s.pending))
	for k, v := range s.pending {
		todo[k] = v
	}
	s.mu.Unlock()
	for _, v := range todo {
		if ctx.Err() != nil {
			return
		}
		s.check(ctx, v.from, v.raw, false)
	}
	s.mu.Lock()
	due := map[peer.ID]uint64{}
	for p, h := range s.owed {
		if h <= s.synced {
			due[p] = h
			delete(s.owed, p)
		}
	}
	s.mu.Unlock()
	for p, h := range due {
		if s.host.Network().Connectedness(p) != network.Connected {
			continue // it is fetched from again when it reconnects
		}
		if !s.enqueue(p) {
			s.mu.Lock()
			s.oweLocked(p, h)
			s.mu.Unlock()
		}
	}
}
