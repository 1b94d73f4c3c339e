package consensus

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"testing"

	abci "github.com/cometbft/cometbft/abci/types"

	"github.com/quadrant-da/quadrant/chain"
)

// snapshotSource is an App that snapshots every 2 heights in 64-byte
// chunks, keeps 2, and has committed heights 1..6 with a transfer in each
// (so snapshots exist at 4 and 6) and a genesis validator.
func snapshotSource(t *testing.T) (*App, string) {
	t.Helper()
	g := genesisFor(chain.DefaultParams(), alice, bob)
	g.Staking.Params = chain.DefaultStakingParams()
	g.Staking.Validators = []GenesisValidator{genesisVal(alice, consKey("alice"), 10*pr)}
	dir := filepath.Join(t.TempDir(), "snapshots")
	app := newTestApp(t, "", g, func(c *AppConfig) {
		c.Snapshots = SnapshotConfig{Dir: dir, Interval: 2, KeepRecent: 2, ChunkBytes: 64}
	})
	for h := int64(1); h <= 6; h++ {
		produceBlock(t, app, h, [][]byte{transferTx(t, bob, uint64(h-1), carol.addr, uint64(h))})
		app.snaps.wait() // the event: the snapshot of h, if due, is on disk
	}
	return app, dir
}

// emptyApp is a fresh App with no state, as state sync starts one.
func emptyApp(t *testing.T) *App {
	t.Helper()
	app, err := NewApp(AppConfig{Dir: t.TempDir(), ChainID: testChainID})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = app.Close() })
	return app
}

func info(t *testing.T, app *App) *abci.ResponseInfo {
	t.Helper()
	res, err := app.Info(context.Background(), &abci.RequestInfo{})
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func listSnapshots(t *testing.T, app *App) []*abci.Snapshot {
	t.Helper()
	res, err := app.ListSnapshots(context.Background(), &abci.RequestListSnapshots{})
	if err != nil {
		t.Fatal(err)
	}
	return res.Snapshots
}

func offer(t *testing.T, app *App, snap *abci.Snapshot, appHash []byte) abci.ResponseOfferSnapshot_Result {
	t.Helper()
	res, err := app.OfferSnapshot(context.Background(), &abci.RequestOfferSnapshot{Snapshot: snap, AppHash: appHash})
	if err != nil {
		t.Fatal(err)
	}
	return res.Result
}

func loadChunk(t *testing.T, app *App, snap *abci.Snapshot, i uint32) []byte {
	t.Helper()
	res, err := app.LoadSnapshotChunk(context.Background(), &abci.RequestLoadSnapshotChunk{Height: snap.Height, Format: snap.Format, Chunk: i})
	if err != nil {
		t.Fatal(err)
	}
	return res.Chunk
}

func applyChunk(t *testing.T, app *App, i uint32, chunk []byte, sender string) *abci.ResponseApplySnapshotChunk {
	t.Helper()
	res, err := app.ApplySnapshotChunk(context.Background(), &abci.RequestApplySnapshotChunk{Index: i, Chunk: chunk, Sender: sender})
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// TestSnapshotRoundTrip takes snapshots, serves them chunk by chunk and
// restores the newest into an empty App: same height and app hash, the same
// next block, and a store that reloads.
func TestSnapshotRoundTrip(t *testing.T) {
	src, dir := snapshotSource(t)
	snaps := listSnapshots(t, src)
	if len(snaps) != 2 || snaps[0].Height != 6 || snaps[1].Height != 4 {
		t.Fatalf("snapshots at %v, want 6 and 4 (keep 2, newest first)", heights(snaps))
	}
	if _, err := os.Stat(filepath.Join(dir, "2")); !os.IsNotExist(err) {
		t.Fatalf("snapshot 2 not pruned: %v", err)
	}
	snap := snaps[0]
	if snap.Chunks < 3 {
		t.Fatalf("snapshot has %d chunks of 64 bytes, want several", snap.Chunks)
	}
	want := info(t, src)

	dst := emptyApp(t)
	if r := offer(t, dst, snap, want.LastBlockAppHash); r != abci.ResponseOfferSnapshot_ACCEPT {
		t.Fatalf("offer = %v, want ACCEPT", r)
	}
	for i := range snap.Chunks {
		c := loadChunk(t, src, snap, i)
		if len(c) == 0 || len(c) > 64 {
			t.Fatalf("chunk %d is %d bytes, want 1..64", i, len(c))
		}
		if r := applyChunk(t, dst, i, c, "peer"); r.Result != abci.ResponseApplySnapshotChunk_ACCEPT {
			t.Fatalf("chunk %d: %v", i, r.Result)
		}
	}
	got := info(t, dst)
	if got.LastBlockHeight != 6 || !bytes.Equal(got.LastBlockAppHash, want.LastBlockAppHash) {
		t.Fatalf("restored height %d hash %X, want 6 %X", got.LastBlockHeight, got.LastBlockAppHash, want.LastBlockAppHash)
	}
	if a, b := accountOf(queryAccount(t, dst, carol.addr)), accountOf(queryAccount(t, src, carol.addr)); a != b {
		t.Fatalf("carol restored %+v, want %+v", a, b)
	}
	// Both execute the next block to the same state.
	tx := [][]byte{transferTx(t, bob, 6, carol.addr, 7)}
	_, f1 := produceBlock(t, src, 7, tx)
	_, f2 := produceBlock(t, dst, 7, tx)
	if !bytes.Equal(f1.AppHash, f2.AppHash) {
		t.Fatalf("height 7: restored app hash %X, source %X", f2.AppHash, f1.AppHash)
	}
	// The restored state is on disk: a restart loads (and re-verifies) it.
	dstDir := dst.cfg.Dir
	if err := dst.Close(); err != nil {
		t.Fatal(err)
	}
	if got := info(t, reopen(t, dstDir)); got.LastBlockHeight != 7 || !bytes.Equal(got.LastBlockAppHash, f1.AppHash) {
		t.Fatalf("reopened at %d %X, want 7 %X", got.LastBlockHeight, got.LastBlockAppHash, f1.AppHash)
	}
}

func heights(ss []*abci.Snapshot) []uint64 {
	var out []uint64
	for _, s := range ss {
		out = append(out, s.Height)
	}
	return out
}

// TestSnapshotCorruptChunkRefetched: a chunk that does not match its hash
// is refused with RETRY, refetched and its sender rejected; the good chunk
// then completes the restore.
func TestSnapshotCorruptChunkRefetched(t *testing.T) {
	src, _ := snapshotSource(t)
	snap := listSnapshots(t, src)[0]
	appHash := info(t, src).LastBlockAppHash
	dst := emptyApp(t)
	if r := offer(t, dst, snap, appHash); r != abci.ResponseOfferSnapshot_ACCEPT {
		t.Fatalf("offer = %v", r)
	}
	for i := range snap.Chunks {
		c := loadChunk(t, src, snap, i)
		if i == 1 {
			bad := bytes.Clone(c)
			bad[0] ^= 1
			r := applyChunk(t, dst, i, bad, "evil")
			if r.Result != abci.ResponseApplySnapshotChunk_RETRY || !slices.Equal(r.RefetchChunks, []uint32{1}) || !slices.Equal(r.RejectSenders, []string{"evil"}) {
				t.Fatalf("corrupt chunk: %+v, want RETRY refetching 1 and rejecting evil", r)
			}
		}
		if r := applyChunk(t, dst, i, c, "good"); r.Result != abci.ResponseApplySnapshotChunk_ACCEPT {
			t.Fatalf("chunk %d: %v", i, r.Result)
		}
	}
	if got := info(t, dst); got.LastBlockHeight != 6 || !bytes.Equal(got.LastBlockAppHash, appHash) {
		t.Fatalf("restored %d %X, want 6 %X", got.LastBlockHeight, got.LastBlockAppHash, appHash)
	}
}

// TestSnapshotOfferRefused covers the offers an App must not accept.
func TestSnapshotOfferRefused(t *testing.T) {
	src, _ := snapshotSource(t)
	snap := listSnapshots(t, src)[0]
	appHash := info(t, src).LastBlockAppHash
	with := func(f func(*abci.Snapshot)) *abci.Snapshot {
		s := *snap
		s.Metadata = bytes.Clone(snap.Metadata)
		f(&s)
		return &s
	}
	tests := []struct {
		name string
		snap *abci.Snapshot
		hash []byte
		want abci.ResponseOfferSnapshot_Result
	}{
		{"wrong format", with(func(s *abci.Snapshot) { s.Format = 2 }), appHash, abci.ResponseOfferSnapshot_REJECT_FORMAT},
		{"no snapshot", nil, appHash, abci.ResponseOfferSnapshot_REJECT},
		{"height 0", with(func(s *abci.Snapshot) { s.Height = 0 }), appHash, abci.ResponseOfferSnapshot_REJECT},
		{"chunk count", with(func(s *abci.Snapshot) { s.Chunks++ }), appHash, abci.ResponseOfferSnapshot_REJECT},
		{"metadata", with(func(s *abci.Snapshot) { s.Metadata = s.Metadata[:9] }), appHash, abci.ResponseOfferSnapshot_REJECT},
		{"hash", with(func(s *abci.Snapshot) { s.Metadata[10] ^= 1 }), appHash, abci.ResponseOfferSnapshot_REJECT},
		{"no trusted app hash", snap, nil, abci.ResponseOfferSnapshot_REJECT},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if r := offer(t, emptyApp(t), tc.snap, tc.hash); r != tc.want {
				t.Fatalf("offer = %v, want %v", r, tc.want)
			}
		})
	}
	if r := offer(t, src, snap, appHash); r != abci.ResponseOfferSnapshot_ABORT {
		t.Fatalf("offer to an App with state = %v, want ABORT", r)
	}
}

// TestSnapshotWrongAppHashRejected: a snapshot whose chunks match its
// metadata but whose state is not the trusted one is rejected whole, its
// senders with it, and nothing is restored.
func TestSnapshotWrongAppHashRejected(t *testing.T) {
	src, _ := snapshotSource(t)
	snap := listSnapshots(t, src)[0]
	for _, tc := range []struct {
		name    string
		chainID string
		hash    []byte
	}{
		{"app hash", testChainID, bytes.Repeat([]byte{7}, 32)},
		{"chain id", "other-chain", info(t, src).LastBlockAppHash},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dst, err := NewApp(AppConfig{Dir: t.TempDir(), ChainID: tc.chainID})
			if err != nil {
				t.Fatal(err)
			}
			defer dst.Close()
			if r := offer(t, dst, snap, tc.hash); r != abci.ResponseOfferSnapshot_ACCEPT {
				t.Fatalf("offer = %v", r)
			}
			var last *abci.ResponseApplySnapshotChunk
			for i := range snap.Chunks {
				last = applyChunk(t, dst, i, loadChunk(t, src, snap, i), "liar")
			}
			if last.Result != abci.ResponseApplySnapshotChunk_REJECT_SNAPSHOT || !slices.Equal(last.RejectSenders, []string{"liar"}) {
				t.Fatalf("last chunk: %+v, want REJECT_SNAPSHOT rejecting liar", last)
			}
			if h := info(t, dst).LastBlockHeight; h != 0 {
				t.Fatalf("height %d after a rejected snapshot, want 0", h)
			}
		})
	}
}

// TestSnapshotPayloadRoundTrip: decode(encode(state)) is the state, and
// every truncation of a payload is an errBadSnapshot, never a panic.
func TestSnapshotPayloadRoundTrip(t *testing.T) {
	src, _ := snapshotSource(t)
	payload := encodeSnapshotPayload(src.committed)
	st, err := decodeSnapshotPayload(payload)
	if err != nil {
		t.Fatal(err)
	}
	if got := stateHash(st.Params, st.Accounts, nil, st.Staking, st.Attest); !bytes.Equal(got, src.committed.AppHash) {
		t.Fatalf("decoded app hash %X, want %X", got, src.committed.AppHash)
	}
	if !bytes.Equal(encodeSnapshotPayload(st), payload) {
		t.Fatal("re-encoding the decoded state changed the payload")
	}
	for n := range len(payload) {
		if _, err := decodeSnapshotPayload(payload[:n]); !errors.Is(err, errBadSnapshot) {
			t.Fatalf("payload cut at %d: err %v, want ErrBadSnapshot", n, err)
		}
	}
}

func TestSnapshotConfigValidate(t *testing.T) {
	for _, c := range []SnapshotConfig{
		{Interval: -1}, {Interval: 10}, {Dir: "x", KeepRecent: -1}, {ChunkBytes: MaxSnapshotChunkBytes + 1},
	} {
		if err := c.Validate(); err == nil {
			t.Errorf("%+v: no error", c)
		}
	}
	if err := (SnapshotConfig{Dir: "x", Interval: 10}).Validate(); err != nil {
		t.Fatal(err)
	}
}

// TestSnapshotRetainHeight: pruning keeps the blocks after every snapshot
// still served, so a node restoring the oldest can fetch what follows it.
func TestSnapshotRetainHeight(t *testing.T) {
	s, err := newSnapshotter(SnapshotConfig{Dir: t.TempDir(), Interval: 10, KeepRecent: 2}, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ height, want, got int64 }{
		{60, 41, 40}, // snapshots at 50 and 60 (and 40 until 60's is written): keep from 40
		{60, 30, 30}, // retain-blocks already keeps more
		{20, 15, 0},  // every block is after a kept snapshot
	} {
		if got := s.retainHeight(tc.height, tc.want); got != tc.got {
			t.Errorf("retainHeight(%d, %d) = %d, want %d", tc.height, tc.want, got, tc.got)
		}
	}
	off, _ := newSnapshotter(SnapshotConfig{}, nil)
	if got := off.retainHeight(60, 41); got != 41 {
		t.Errorf("without snapshots: %d, want 41", got)
	}
}
