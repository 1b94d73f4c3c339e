package validator

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"strconv"

	"github.com/cockroachdb/pebble/v2"
	dbm "github.com/cometbft/cometbft-db"
	cmtcfg "github.com/cometbft/cometbft/config"

	"github.com/quadrant-da/quadrant/internal/pebblex"
)

// CometBFT keeps a block's 64 KiB parts in its block store under keys
// "P:<height>:<index>" written in decimal, next to small per-block records
// (meta, commit, "BH:<hash>" → height). In one LSM the random hash keys and
// the decimal heights, which do not sort by height, make every flushed file
// overlap the whole store, so Pebble rewrote the store's bulk again and
// again: 15 % of a validator's CPU at k = 256 went to compactions. The parts
// live in their own Pebble database instead ("blockparts.db" beside
// "blockstore.db"), keyed by big-endian height and index: appended in order,
// flushed files move down the levels without being rewritten.
//
// Parts a home wrote before this layout stay readable from the block store
// (a miss in the parts database falls back to it) and are pruned from both;
// a home without such parts does neither lookup nor delete twice.

// blockPartsDir names the parts database's directory under CometBFT's
// data directory.
const blockPartsDir = "blockparts.db"

// dbProvider opens CometBFT's databases: the block store split in two when
// the backend is Pebble, everything else as CometBFT would.
func dbProvider(log *slog.Logger) cmtcfg.DBProvider {
	return func(ctx *cmtcfg.DBContext) (dbm.DB, error) {
		if ctx.ID != "blockstore" || ctx.Config.DBBackend != string(dbm.PebbleDBBackend) {
			return cmtcfg.DefaultDBProvider(ctx)
		}
		main, err := cmtcfg.DefaultDBProvider(ctx)
		if err != nil {
			return nil, err
		}
		legacy, err := hasLegacyParts(main)
		if err != nil {
			main.Close()
			return nil, fmt.Errorf("validator: reading the block store: %w", err)
		}
		dir := filepath.Join(ctx.Config.DBDir(), blockPartsDir)
		parts, err := pebble.Open(dir, &pebble.Options{Logger: pebblex.Logger(log)})
		if err != nil {
			main.Close()
			return nil, fmt.Errorf("validator: opening block parts database %s: %w", dir, err)
		}
		return &splitBlockDB{DB: main, parts: parts, legacy: legacy}, nil
	}
}

// hasLegacyParts reports whether db holds any "P:" key: parts written
// before the split.
func hasLegacyParts(db dbm.DB) (bool, error) {
	it, err := db.Iterator([]byte("P:"), []byte("P;"))
	if err != nil {
		return false, err
	}
	defer it.Close()
	return it.Valid(), it.Error()
}

// partKey translates CometBFT's "P:<height>:<index>" into the parts
// database's 12-byte key; ok is false for any other key.
func partKey(key []byte) (k [12]byte, ok bool) {
	rest, found := bytes.CutPrefix(key, []byte("P:"))
	if !found {
		return k, false
	}
	hs, is, found := bytes.Cut(rest, []byte(":"))
	if !found {
		return k, false
	}
	h, err := parseDecimal(hs, 63)
	if err != nil {
		return k, false
	}
	i, err := parseDecimal(is, 32)
	if err != nil {
		return k, false
	}
	binary.BigEndian.PutUint64(k[:8], h)
	binary.BigEndian.PutUint32(k[8:], uint32(i))
	return k, true
}

// parseDecimal parses a canonical unsigned decimal (no sign, no leading
// zero) of at most bits bits, so that exactly one CometBFT key maps to each
// parts key.
func parseDecimal(b []byte, bits int) (uint64, error) {
	if len(b) == 0 || (len(b) > 1 && b[0] == '0') || b[0] == '+' || b[0] == '-' {
		return 0, errors.New("not a canonical decimal")
	}
	return strconv.ParseUint(string(b), 10, bits)
}

// splitBlockDB is CometBFT's block store database with the parts routed to
// their own Pebble database; every other key stays in the embedded DB.
type splitBlockDB struct {
	dbm.DB
	parts *pebble.DB
	// legacy is set when the block store held parts at open (written
	// before the split): reads fall back to it and deletes reach it.
	legacy bool
}

func (s *splitBlockDB) Get(key []byte) ([]byte, error) {
	v, _, err := s.get(key, true)
	return v, err
}

func (s *splitBlockDB) Has(key []byte) (bool, error) {
	_, found, err := s.get(key, false)
	return found, err
}

// get reads key: a part from the parts database (or, in a legacy home,
// from the block store when the parts database lacks it), anything else
// from the block store. A part's value is copied only if value is set.
func (s *splitBlockDB) get(key []byte, value bool) ([]byte, bool, error) {
	pk, ok := partKey(key)
	if ok {
		v, closer, err := s.parts.Get(pk[:])
		if err == nil {
			defer closer.Close()
			if value {
				return bytes.Clone(v), true, nil
			}
			return nil, true, nil
		}
		if !errors.Is(err, pebble.ErrNotFound) {
			return nil, false, err
		}
		if !s.legacy {
			return nil, false, nil
		}
	}
	v, err := s.DB.Get(key)
	return v, v != nil, err
}

func (s *splitBlockDB) Set(key, value []byte) error {
	if pk, ok := partKey(key); ok {
		return s.parts.Set(pk[:], value, pebble.NoSync)
	}
	return s.DB.Set(key, value)
}

// SetSync makes the parts written so far durable before the key, as one
// database's synced write would.
func (s *splitBlockDB) SetSync(key, value []byte) error {
	if pk, ok := partKey(key); ok {
		return s.parts.Set(pk[:], value, pebble.Sync)
	}
	if err := s.syncParts(); err != nil {
		return err
	}
	return s.DB.SetSync(key, value)
}

func (s *splitBlockDB) Delete(key []byte) error {
	if pk, ok := partKey(key); ok {
		if err := s.parts.Delete(pk[:], pebble.NoSync); err != nil || !s.legacy {
			return err
		}
	}
	return s.DB.Delete(key)
}

func (s *splitBlockDB) DeleteSync(key []byte) error {
	if pk, ok := partKey(key); ok {
		if err := s.parts.Delete(pk[:], pebble.Sync); err != nil || !s.legacy {
			return err
		}
	}
	return s.DB.DeleteSync(key)
}

// syncParts makes every write to the parts database so far durable.
func (s *splitBlockDB) syncParts() error {
	return s.parts.LogData(nil, pebble.Sync)
}

// errPartsRange refuses iteration over the parts' key range: they are
// keyed differently in their own database, and CometBFT's block store never
// iterates over them.
var errPartsRange = errors.New("validator: iterating over block parts (\"P:\" keys) is not supported by the split block store")

func overlapsParts(start, end []byte) bool {
	return bytes.Compare(start, []byte("P;")) < 0 && (end == nil || bytes.Compare(end, []byte("P:")) > 0)
}

func (s *splitBlockDB) Iterator(start, end []byte) (dbm.Iterator, error) {
	if overlapsParts(start, end) {
		return nil, errPartsRange
	}
	return s.DB.Iterator(start, end)
}

func (s *splitBlockDB) ReverseIterator(start, end []byte) (dbm.Iterator, error) {
	if overlapsParts(start, end) {
		return nil, errPartsRange
	}
	return s.DB.ReverseIterator(start, end)
}

func (s *splitBlockDB) NewBatch() dbm.Batch {
	return &splitBlockBatch{db: s, Batch: s.DB.NewBatch()}
}

func (s *splitBlockDB) Close() error {
	return errors.Join(s.parts.Close(), s.DB.Close())
}

func (s *splitBlockDB) Stats() map[string]string {
	st := s.DB.Stats()
	st["blockparts.metrics"] = s.parts.Metrics().String()
	return st
}

// splitBlockBatch collects a batch's part writes in a batch of the parts
// database and commits them before the rest: CometBFT writes a block's
// parts before its meta, which readers take as the sign the block is whole.
type splitBlockBatch struct {
	dbm.Batch
	db    *splitBlockDB
	parts *pebble.Batch
}

func (b *splitBlockBatch) partsBatch() *pebble.Batch {
	if b.parts == nil {
		b.parts = b.db.parts.NewBatch()
	}
	return b.parts
}

func (b *splitBlockBatch) Set(key, value []byte) error {
	if pk, ok := partKey(key); ok {
		return b.partsBatch().Set(pk[:], value, nil)
	}
	return b.Batch.Set(key, value)
}

func (b *splitBlockBatch) Delete(key []byte) error {
	if pk, ok := partKey(key); ok {
		if err := b.partsBatch().Delete(pk[:], nil); err != nil || !b.db.legacy {
			return err
		}
	}
	return b.Batch.Delete(key)
}

func (b *splitBlockBatch) Write() error { return b.write(pebble.NoSync, b.Batch.Write) }

// WriteSync also makes parts written outside any batch durable first.
func (b *splitBlockBatch) WriteSync() error { return b.write(pebble.Sync, b.Batch.WriteSync) }

func (b *splitBlockBatch) write(opts *pebble.WriteOptions, rest func() error) error {
	var err error
	switch {
	case b.parts != nil:
		err = errors.Join(b.parts.Commit(opts), b.parts.Close())
		b.parts = nil
	case opts == pebble.Sync:
		err = b.db.syncParts()
	}
	if err != nil {
		return err
	}
	return rest()
}

func (b *splitBlockBatch) Close() error {
	var err error
	if b.parts != nil {
		err = b.parts.Close()
		b.parts = nil
	}
	return errors.Join(err, b.Batch.Close())
}
