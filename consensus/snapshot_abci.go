package consensus

import (
	"bytes"
	"context"
	"crypto/sha256"
	"fmt"
	"log/slog"
	"math"
	"slices"
	"sync"
	"sync/atomic"

	abci "github.com/cometbft/cometbft/abci/types"
)

// snapshotter takes snapshots after Commit and restores one offered by
// CometBFT's state sync. It belongs to one App.
type snapshotter struct {
	cfg   SnapshotConfig
	log   *slog.Logger
	store *snapshotStore // nil when cfg.Interval == 0

	busy atomic.Bool    // a snapshot is being written
	wg   sync.WaitGroup // the snapshot writer, if any

	// restoreMu guards restore, the snapshot being restored, if any.
	restoreMu sync.Mutex
	restore   *restoreState
}

// restoreState is a snapshot accepted by OfferSnapshot and the chunks
// applied so far.
type restoreState struct {
	snap    *abci.Snapshot
	meta    snapshotMeta
	appHash []byte // the trusted app hash at snap.Height
	chunks  [][]byte
	got     []bool // chunks[i] was applied (a chunk may be empty)
	senders []string
	have    int
}

func newSnapshotter(cfg SnapshotConfig, log *slog.Logger) (*snapshotter, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg = cfg.withDefaults()
	s := &snapshotter{cfg: cfg, log: log}
	if cfg.Interval > 0 {
		st, err := openSnapshotStore(cfg.Dir, cfg.KeepRecent)
		if err != nil {
			return nil, err
		}
		s.store = st
	}
	return s, nil
}

// viewLocked returns a copy of st to snapshot if st's height is due and no
// snapshot is being written, else nil. Callers hold the App's stateMu, so
// the copy is consistent; the copy costs O(state) but no I/O.
func (s *snapshotter) viewLocked(st *state) *state {
	if s.store == nil || st.Height%s.cfg.Interval != 0 {
		return nil
	}
	if !s.busy.CompareAndSwap(false, true) {
		s.log.Warn("consensus: skipping snapshot, the previous one is still being written", "height", st.Height)
		return nil
	}
	return st.Clone()
}

// start writes the snapshot of view in the background (view from viewLocked;
// nil does nothing). wait waits for it.
func (s *snapshotter) start(view *state) {
	if view == nil {
		return
	}
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		defer s.busy.Store(false)
		snap, err := s.store.save(view, s.cfg.ChunkBytes)
		if err != nil {
			s.log.Error("consensus: snapshot failed", "height", view.Height, "err", err)
			return
		}
		s.log.Info("consensus: snapshot taken", "height", snap.Height, "chunks", snap.Chunks, "hash", fmt.Sprintf("%X", snap.Hash))
	}()
}

func (s *snapshotter) wait() { s.wg.Wait() }

// retainHeight lowers the retain height want that Commit of height asks
// CometBFT for, so that the blocks after every snapshot this App may still
// serve (the last KeepRecent × Interval heights) are kept: a node restoring
// the oldest one must fetch the blocks after it. 0 keeps every block.
func (s *snapshotter) retainHeight(height, want int64) int64 {
	if s.store == nil {
		return want
	}
	floor := height - s.cfg.Interval*int64(s.cfg.KeepRecent)
	if floor < 1 {
		return 0
	}
	return min(want, floor)
}

func (s *snapshotter) list() []*abci.Snapshot {
	if s.store == nil {
		return nil
	}
	return s.store.snapshots()
}

func (s *snapshotter) chunk(req *abci.RequestLoadSnapshotChunk) []byte {
	if s.store == nil {
		return nil
	}
	return s.store.chunk(req.Height, req.Format, req.Chunk)
}

// offer checks an offered snapshot and, if it is one this App can restore,
// makes it the snapshot being restored. committedHeight is the App's.
func (s *snapshotter) offer(req *abci.RequestOfferSnapshot, committedHeight int64) abci.ResponseOfferSnapshot_Result {
	snap := req.Snapshot
	if snap == nil {
		return abci.ResponseOfferSnapshot_REJECT
	}
	if snap.Format != snapshotFormat {
		s.log.Info("consensus: snapshot format refused", "height", snap.Height, "format", snap.Format, "want", snapshotFormat)
		return abci.ResponseOfferSnapshot_REJECT_FORMAT
	}
	if committedHeight > 0 {
		s.log.Error("consensus: state sync offered a snapshot but the app already has state", "height", committedHeight)
		return abci.ResponseOfferSnapshot_ABORT
	}
	meta, err := decodeSnapshotMeta(snap.Metadata, snap.Chunks)
	hash := sha256.Sum256(snap.Metadata)
	switch {
	case err != nil:
	case snap.Height == 0 || snap.Height > math.MaxInt64:
		err = fmt.Errorf("%w: height %d", errBadSnapshot, snap.Height)
	case !bytes.Equal(hash[:], snap.Hash):
		err = fmt.Errorf("%w: hash %X is not SHA-256 of the metadata (%X)", errBadSnapshot, snap.Hash, hash)
	case len(req.AppHash) == 0:
		err = fmt.Errorf("%w: no trusted app hash", errBadSnapshot)
	}
	if err != nil {
		s.log.Info("consensus: snapshot refused", "height", snap.Height, "err", err)
		return abci.ResponseOfferSnapshot_REJECT
	}
	s.restoreMu.Lock()
	s.restore = &restoreState{snap: snap, meta: meta, appHash: bytes.Clone(req.AppHash),
		chunks: make([][]byte, len(meta.hashes)), got: make([]bool, len(meta.hashes)), senders: make([]string, len(meta.hashes))}
	s.restoreMu.Unlock()
	s.log.Info("consensus: restoring snapshot", "height", snap.Height, "chunks", snap.Chunks, "app_hash", fmt.Sprintf("%X", req.AppHash))
	return abci.ResponseOfferSnapshot_ACCEPT
}

// apply adds one chunk to the snapshot being restored. When the last chunk
// arrives it decodes the payload, checks it against the trusted app hash
// and, if chainID is not empty, the chain id, and returns the state; the
// caller persists it.
func (s *snapshotter) apply(req *abci.RequestApplySnapshotChunk, chainID string) (*abci.ResponseApplySnapshotChunk, *state) {
	s.restoreMu.Lock()
	defer s.restoreMu.Unlock()
	r := s.restore
	if r == nil {
		return &abci.ResponseApplySnapshotChunk{Result: abci.ResponseApplySnapshotChunk_ABORT}, nil
	}
	if req.Index >= uint32(len(r.chunks)) {
		s.restore = nil
		return &abci.ResponseApplySnapshotChunk{Result: abci.ResponseApplySnapshotChunk_REJECT_SNAPSHOT}, nil
	}
	if sha256.Sum256(req.Chunk) != r.meta.hashes[req.Index] {
		s.log.Warn("consensus: snapshot chunk does not match its hash, refetching", "height", r.snap.Height, "chunk", req.Index, "sender", req.Sender)
		resp := &abci.ResponseApplySnapshotChunk{Result: abci.ResponseApplySnapshotChunk_RETRY, RefetchChunks: []uint32{req.Index}}
		if req.Sender != "" {
			resp.RejectSenders = []string{req.Sender}
		}
		return resp, nil
	}
	if !r.got[req.Index] {
		r.got[req.Index] = true
		r.have++
	}
	r.chunks[req.Index], r.senders[req.Index] = bytes.Clone(req.Chunk), req.Sender
	if r.have < len(r.chunks) {
		return &abci.ResponseApplySnapshotChunk{Result: abci.ResponseApplySnapshotChunk_ACCEPT}, nil
	}
	s.restore = nil
	st, err := r.finish(chainID)
	if err != nil {
		s.log.Error("consensus: snapshot rejected", "height", r.snap.Height, "err", err)
		return &abci.ResponseApplySnapshotChunk{Result: abci.ResponseApplySnapshotChunk_REJECT_SNAPSHOT, RejectSenders: nonEmpty(r.senders)}, nil
	}
	return &abci.ResponseApplySnapshotChunk{Result: abci.ResponseApplySnapshotChunk_ACCEPT}, st
}

// finish decodes the whole payload and checks it against the trusted app
// hash, the snapshot's height and the chain id.
func (r *restoreState) finish(chainID string) (*state, error) {
	payload := make([]byte, 0, r.meta.size)
	for _, c := range r.chunks {
		if uint64(len(payload)+len(c)) > r.meta.size {
			return nil, fmt.Errorf("%w: chunks hold more than the %d bytes the metadata gives", errBadSnapshot, r.meta.size)
		}
		payload = append(payload, c...)
	}
	if uint64(len(payload)) != r.meta.size {
		return nil, fmt.Errorf("%w: chunks hold %d bytes, metadata gives %d", errBadSnapshot, len(payload), r.meta.size)
	}
	st, err := decodeSnapshotPayload(payload)
	if err != nil {
		return nil, err
	}
	switch got := stateHash(st.Params, st.Accounts, nil, st.Staking, st.Attest); {
	case uint64(st.Height) != r.snap.Height:
		return nil, fmt.Errorf("%w: payload is of height %d, snapshot of %d", errBadSnapshot, st.Height, r.snap.Height)
	case chainID != "" && st.ChainID != chainID:
		return nil, fmt.Errorf("%w: payload is of chain %q, this node is on %q", errBadSnapshot, st.ChainID, chainID)
	case !bytes.Equal(got, r.appHash):
		return nil, fmt.Errorf("%w: restored %X, trusted %X", errSnapshotMismatch, got, r.appHash)
	}
	st.AppHash = bytes.Clone(r.appHash)
	return st, nil
}

func nonEmpty(ss []string) []string {
	var out []string
	for _, s := range ss {
		if s != "" && !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	return out
}

// restoreSnapshot persists a restored state as the committed state, as if
// every block up to its height had been committed here.
func (a *App) restoreSnapshot(ctx context.Context, st *state) error {
	a.stateMu.Lock()
	defer a.stateMu.Unlock()
	if a.committed.Height > 0 {
		return fmt.Errorf("consensus: restoring snapshot %d over committed height %d", st.Height, a.committed.Height)
	}
	if err := a.store.commit(ctx, commitBatch{meta: metaOf(st), changes: st.Accounts, staking: st.Staking, all: true}); err != nil {
		return err
	}
	a.committed = st
	a.pending = nil
	a.valid.reset()
	a.resetCheckState()
	a.log.Info("consensus: state restored from snapshot", "height", st.Height, "app_hash", fmt.Sprintf("%X", st.AppHash),
		"accounts", len(st.Accounts))
	return nil
}

// applySnapshotChunk is ApplySnapshotChunk.
func (a *App) applySnapshotChunk(ctx context.Context, req *abci.RequestApplySnapshotChunk) (*abci.ResponseApplySnapshotChunk, error) {
	resp, st := a.snaps.apply(req, a.cfg.ChainID)
	if st == nil {
		return resp, nil
	}
	if err := a.restoreSnapshot(ctx, st); err != nil {
		a.log.Error("consensus: persisting restored state", "err", err)
		return &abci.ResponseApplySnapshotChunk{Result: abci.ResponseApplySnapshotChunk_ABORT}, nil
	}
	return resp, nil
}

// offerSnapshot is OfferSnapshot.
func (a *App) offerSnapshot(req *abci.RequestOfferSnapshot) *abci.ResponseOfferSnapshot {
	a.stateMu.RLock()
	h := a.committed.Height
	a.stateMu.RUnlock()
	return &abci.ResponseOfferSnapshot{Result: a.snaps.offer(req, h)}
}
