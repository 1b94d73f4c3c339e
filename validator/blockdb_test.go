package validator

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"testing"

	dbm "github.com/cometbft/cometbft-db"
	cmtcfg "github.com/cometbft/cometbft/config"
	sm "github.com/cometbft/cometbft/state"
	"github.com/cometbft/cometbft/store"
	"github.com/cometbft/cometbft/types"
)

// testBlock is block h: odd heights carry 700 KB (11 parts, which CometBFT
// writes one by one), even heights one small transaction (one part, written
// in the block's batch).
func testBlock(t *testing.T, h int64) (*types.Block, *types.PartSet) {
	t.Helper()
	size := 100
	if h%2 == 1 {
		size = 700_000
	}
	tx := bytes.Repeat([]byte{byte(h)}, size)
	b := types.MakeBlock(h, []types.Tx{tx}, &types.Commit{}, nil)
	b.ProposerAddress = bytes.Repeat([]byte{1}, 20)
	ps, err := b.MakePartSet(types.BlockPartSizeBytes)
	if err != nil {
		t.Fatal(err)
	}
	return b, ps
}

func saveTestBlocks(t *testing.T, bs *store.BlockStore, from, to int64) {
	t.Helper()
	for h := from; h <= to; h++ {
		b, ps := testBlock(t, h)
		bs.SaveBlock(b, ps, &types.Commit{Height: h})
	}
}

func checkTestBlocks(t *testing.T, bs *store.BlockStore, from, to int64) {
	t.Helper()
	for h := from; h <= to; h++ {
		want, _ := testBlock(t, h)
		got := bs.LoadBlock(h)
		if got == nil {
			t.Fatalf("block %d: not found", h)
		}
		if !bytes.Equal(got.Hash(), want.Hash()) || !bytes.Equal(got.Txs[0], want.Txs[0]) {
			t.Fatalf("block %d: read back a different block", h)
		}
	}
}

// TestSplitBlockStore runs CometBFT's own block store over the split
// database: a home written before the split (blocks 1–3 in one Pebble
// database) reopens and keeps serving its blocks, new blocks' parts go to
// the parts database only, pruning removes old parts from both, and
// everything survives a reopen.
func TestSplitBlockStore(t *testing.T) {
	cfg := cmtcfg.DefaultConfig()
	cfg.SetRoot(t.TempDir())
	cfg.DBBackend = string(dbm.PebbleDBBackend)
	ctx := &cmtcfg.DBContext{ID: "blockstore", Config: cfg}

	legacy, err := cmtcfg.DefaultDBProvider(ctx)
	if err != nil {
		t.Fatal(err)
	}
	bs := store.NewBlockStore(legacy)
	saveTestBlocks(t, bs, 1, 3)
	if err := bs.Close(); err != nil {
		t.Fatal(err)
	}

	open := func() (*store.BlockStore, *splitBlockDB) {
		db, err := dbProvider(nil)(ctx)
		if err != nil {
			t.Fatal(err)
		}
		split, ok := db.(*splitBlockDB)
		if !ok {
			t.Fatalf("block store opened as %T, want the split database", db)
		}
		return store.NewBlockStore(db), split
	}
	bs, split := open()
	if !split.legacy {
		t.Fatal("a block store holding parts opened as holding none")
	}
	saveTestBlocks(t, bs, 4, 7)
	for h := int64(1); h <= 7; h++ {
		if ok, err := split.Has([]byte(fmt.Sprintf("P:%d:0", h))); !ok || err != nil {
			t.Fatalf("Has(block %d's first part) = %v, %v", h, ok, err)
		}
	}
	checkTestBlocks(t, bs, 1, 7)

	for h := int64(1); h <= 7; h++ {
		inMain, err := split.DB.Has([]byte(fmt.Sprintf("P:%d:0", h)))
		if err != nil {
			t.Fatal(err)
		}
		if want := h <= 3; inMain != want {
			t.Fatalf("block %d's first part in the block store: %v, want %v", h, inMain, want)
		}
	}

	pruned, _, err := bs.PruneBlocks(7, sm.State{LastBlockHeight: 7, ConsensusParams: *types.DefaultConsensusParams()})
	if err != nil || pruned != 6 {
		t.Fatalf("pruned %d blocks (%v), want 6", pruned, err)
	}
	for h := int64(1); h < 7; h++ {
		if bs.LoadBlock(h) != nil {
			t.Fatalf("block %d still loads after pruning", h)
		}
		for p := range 11 {
			key := []byte(fmt.Sprintf("P:%d:%d", h, p))
			if v, _ := split.DB.Get(key); v != nil {
				t.Fatalf("%s left in the block store after pruning", key)
			}
			if v, _ := split.Get(key); v != nil {
				t.Fatalf("%s left in the parts database after pruning", key)
			}
		}
	}
	if err := bs.Close(); err != nil {
		t.Fatal(err)
	}

	bs, split = open()
	defer bs.Close()
	if split.legacy {
		t.Fatal("a block store whose old parts were all pruned opened as holding some")
	}
	checkTestBlocks(t, bs, 7, 7)
	saveTestBlocks(t, bs, 8, 8)
	checkTestBlocks(t, bs, 7, 8)
}

func TestSplitBlockDBRefusesIteratingParts(t *testing.T) {
	cfg := cmtcfg.DefaultConfig()
	cfg.SetRoot(t.TempDir())
	cfg.DBBackend = string(dbm.PebbleDBBackend)
	db, err := dbProvider(nil)(&cmtcfg.DBContext{ID: "blockstore", Config: cfg})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, r := range [][2][]byte{{nil, nil}, {[]byte("P:1"), []byte("P:2")}, {[]byte("H:"), []byte("Q")}} {
		if _, err := db.Iterator(r[0], r[1]); err != errPartsRange {
			t.Fatalf("Iterator(%q, %q): %v, want %v", r[0], r[1], err, errPartsRange)
		}
		if _, err := db.ReverseIterator(r[0], r[1]); err != errPartsRange {
			t.Fatalf("ReverseIterator(%q, %q): %v, want %v", r[0], r[1], err, errPartsRange)
		}
	}
	it, err := db.Iterator([]byte("H:"), []byte("H;"))
	if err != nil {
		t.Fatalf("iterating the block metas: %v", err)
	}
	it.Close()
}

// FuzzBlockPartKey: a key translates to a parts key exactly when it is
// CometBFT's canonical "P:<height>:<index>", and the translation keeps the
// height and index.
func FuzzBlockPartKey(f *testing.F) {
	for _, s := range []string{"P:1:0", "P:100:10", "P:01:0", "P:1:-1", "P:+1:0", "P:1", "H:1", "P::", "P:9223372036854775808:0"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, key []byte) {
		k, ok := partKey(key)
		if !ok {
			return
		}
		h, i := binary.BigEndian.Uint64(k[:8]), binary.BigEndian.Uint32(k[8:])
		if got := fmt.Sprintf("P:%d:%d", h, i); got != string(key) {
			t.Fatalf("%q translated to height %d index %d (%q)", key, h, i, got)
		}
	})
}
