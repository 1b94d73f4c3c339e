package consensus

import (
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"sync"

	abci "github.com/cometbft/cometbft/abci/types"
)

// snapshotStore keeps the snapshots an App took, one directory per height:
//
//	<dir>/<height>/snapshot.json   the abci.Snapshot (height, format, chunks, hash, metadata)
//	<dir>/<height>/<index>         chunk <index>
//
// A snapshot is written under <dir>/tmp-<height> and renamed into place,
// so a listed snapshot is always whole. Safe for concurrent use.
type snapshotStore struct {
	dir  string
	keep int

	mu   sync.Mutex
	list []*abci.Snapshot // by increasing height
}

// openSnapshotStore creates dir if needed, drops half-written snapshots and
// lists the whole ones.
func openSnapshotStore(dir string, keep int) (*snapshotStore, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("consensus: creating snapshot directory: %w", err)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("consensus: listing snapshots: %w", err)
	}
	s := &snapshotStore{dir: dir, keep: keep}
	for _, e := range entries {
		if _, err := strconv.ParseUint(e.Name(), 10, 64); err != nil {
			_ = os.RemoveAll(filepath.Join(dir, e.Name())) // tmp-<height> of an interrupted write
			continue
		}
		raw, err := os.ReadFile(filepath.Join(dir, e.Name(), "snapshot.json"))
		if err != nil {
			return nil, fmt.Errorf("consensus: reading snapshot %s: %w", e.Name(), err)
		}
		var snap abci.Snapshot
		if err := json.Unmarshal(raw, &snap); err != nil {
			return nil, fmt.Errorf("consensus: decoding snapshot %s: %w", e.Name(), err)
		}
		s.list = append(s.list, &snap)
	}
	slices.SortFunc(s.list, func(a, b *abci.Snapshot) int { return int64Cmp(int64(a.Height), int64(b.Height)) })
	return s, nil
}

func int64Cmp(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// snapshots returns the kept snapshots, newest first.
func (s *snapshotStore) snapshots() []*abci.Snapshot {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := slices.Clone(s.list)
	slices.Reverse(out)
	return out
}

// save writes the snapshot of st in chunks of chunkBytes and prunes all but
// the newest keep snapshots.
func (s *snapshotStore) save(st *state, chunkBytes int) (*abci.Snapshot, error) {
	chunks, meta := chunkPayload(encodeSnapshotPayload(st), chunkBytes)
	md := meta.encode()
	hash := sha256.Sum256(md)
	snap := &abci.Snapshot{Height: uint64(st.Height), Format: snapshotFormat, Chunks: uint32(len(chunks)), Hash: hash[:], Metadata: md}
	name := strconv.FormatInt(st.Height, 10)
	tmp := filepath.Join(s.dir, "tmp-"+name)
	if err := s.writeDir(tmp, snap, chunks); err != nil {
		_ = os.RemoveAll(tmp)
		return nil, err
	}
	final := filepath.Join(s.dir, name)
	_ = os.RemoveAll(final) // a snapshot of the same height from before a crash
	if err := os.Rename(tmp, final); err != nil {
		_ = os.RemoveAll(tmp)
		return nil, fmt.Errorf("consensus: publishing snapshot %d: %w", st.Height, err)
	}
	s.mu.Lock()
	s.list = slices.DeleteFunc(s.list, func(o *abci.Snapshot) bool { return o.Height == snap.Height })
	s.list = append(s.list, snap)
	slices.SortFunc(s.list, func(a, b *abci.Snapshot) int { return int64Cmp(int64(a.Height), int64(b.Height)) })
	var drop []*abci.Snapshot
	if len(s.list) > s.keep {
		drop = slices.Clone(s.list[:len(s.list)-s.keep])
		s.list = slices.Clone(s.list[len(s.list)-s.keep:])
	}
	s.mu.Unlock()
	for _, o := range drop {
		if err := os.RemoveAll(filepath.Join(s.dir, strconv.FormatUint(o.Height, 10))); err != nil {
			return snap, fmt.Errorf("consensus: pruning snapshot %d: %w", o.Height, err)
		}
	}
	return snap, nil
}

func (s *snapshotStore) writeDir(dir string, snap *abci.Snapshot, chunks [][]byte) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("consensus: creating %s: %w", dir, err)
	}
	for i, c := range chunks {
		if err := os.WriteFile(filepath.Join(dir, strconv.Itoa(i)), c, 0o600); err != nil {
			return fmt.Errorf("consensus: writing snapshot chunk: %w", err)
		}
	}
	raw, err := json.Marshal(snap)
	if err != nil {
		return fmt.Errorf("consensus: encoding snapshot: %w", err)
	}
	if err := os.WriteFile(filepath.Join(dir, "snapshot.json"), raw, 0o600); err != nil {
		return fmt.Errorf("consensus: writing snapshot: %w", err)
	}
	return nil
}

// chunk returns chunk index of the snapshot at height in format, or nil if
// there is no such chunk (never taken, or pruned since).
func (s *snapshotStore) chunk(height uint64, format, index uint32) []byte {
	s.mu.Lock()
	i := slices.IndexFunc(s.list, func(o *abci.Snapshot) bool { return o.Height == height && o.Format == format })
	ok := i >= 0 && index < s.list[i].Chunks
	s.mu.Unlock()
	if !ok {
		return nil
	}
	b, err := os.ReadFile(filepath.Join(s.dir, strconv.FormatUint(height, 10), strconv.FormatUint(uint64(index), 10)))
	if err != nil {
		return nil // pruned after the lookup
	}
	return b
}
