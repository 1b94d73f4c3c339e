package lightnode

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/cockroachdb/pebble/v2"
	ds "github.com/ipfs/go-datastore"
	"github.com/ipfs/go-datastore/query"
	pebbleds "github.com/ipfs/go-ds-pebble"

	"github.com/quadrant-da/quadrant/da"
	"github.com/quadrant-da/quadrant/internal/pebblex"
	"github.com/quadrant-da/quadrant/sampling"
)

// storeDir is the light node's Pebble directory inside its home.
const storeDir = "light-store"

// seedFile holds the node's private sampling seed (0600).
const seedFile = "sampling_seed"

// errNotFound is wrapped when a header is not held.
var errNotFound = errors.New("lightnode: not found")

// Keys (heights as 16 hex digits so key order is height order):
//
//	/h/<h>            light header (da canonical encoding), verified
//	/meta/trusted     trusted anchor height (u64)
//	/meta/local       highest height verified contiguously from the anchor
//	/meta/checkpoint  sampling.Checkpoint encoding
//	/meta/pruned      every header below this height was pruned (u64)
//	/fraud/<h>        a verified bad-encoding fraud proof for height h
var (
	keyTrusted    = ds.NewKey("/meta/trusted")
	keyLocal      = ds.NewKey("/meta/local")
	keyCheckpoint = ds.NewKey("/meta/checkpoint")
	keyNetHead    = ds.NewKey("/meta/nethead")
	keyPruned     = ds.NewKey("/meta/pruned")
)

func headerKey(h uint64) ds.Key { return ds.NewKey(fmt.Sprintf("/h/%016x", h)) }
func fraudKey(h uint64) ds.Key  { return ds.NewKey(fmt.Sprintf("/fraud/%016x", h)) }

// store is the light node's go-datastore over Pebble.
type store struct {
	ds *pebbleds.Datastore
}

func openStore(home string, log *slog.Logger) (*store, error) {
	dir := filepath.Join(home, storeDir)
	d, err := pebbleds.NewDatastore(dir, pebbleds.WithPebbleOpts(&pebble.Options{Logger: pebblex.Logger(log)}))
	if err != nil {
		return nil, fmt.Errorf("lightnode: open store %s: %w", dir, err)
	}
	return &store{ds: d}, nil
}

func (s *store) close() error { return s.ds.Close() }

func (s *store) getU64(ctx context.Context, k ds.Key) (uint64, error) {
	v, err := pebblex.GetU64(ctx, s.ds, k)
	if err != nil {
		return 0, fmt.Errorf("lightnode: %w", err)
	}
	return v, nil
}

// putHeader stores a verified header; when local is non-zero the contiguous
// head moves to it in the same batch.
func (s *store) putHeaders(ctx context.Context, hs []*da.LightHeader, local uint64) error {
	b, err := s.ds.Batch(ctx)
	if err != nil {
		return err
	}
	for _, h := range hs {
		enc, err := h.Marshal()
		if err != nil {
			return fmt.Errorf("lightnode: encode header %d: %w", h.Height(), err)
		}
		if err := b.Put(ctx, headerKey(uint64(h.Height())), enc); err != nil {
			return err
		}
	}
	if local > 0 {
		if err := b.Put(ctx, keyLocal, pebblex.U64(local)); err != nil {
			return err
		}
	}
	if err := b.Commit(ctx); err != nil {
		return fmt.Errorf("lightnode: write headers: %w", err)
	}
	return nil
}

func (s *store) header(ctx context.Context, h uint64) (*da.LightHeader, error) {
	b, err := s.ds.Get(ctx, headerKey(h))
	if errors.Is(err, ds.ErrNotFound) {
		return nil, fmt.Errorf("%w: header %d", errNotFound, h)
	}
	if err != nil {
		return nil, fmt.Errorf("lightnode: read header %d: %w", h, err)
	}
	lh, err := da.UnmarshalLightHeader(b)
	if err != nil {
		return nil, fmt.Errorf("lightnode: corrupt stored header %d: %w", h, err)
	}
	return lh, nil
}

// pruneHeaders deletes, lowest height first, at most max stored headers
// below `below` whose block time is before cutoff, in one batch that also
// records how far pruning got (/meta/pruned). It stops at the first header
// it keeps. It returns the new pruned mark (0 when nothing was removed) and
// how many headers it removed.
func (s *store) pruneHeaders(ctx context.Context, below uint64, cutoff time.Time, max int) (uint64, int, error) {
	res, err := s.ds.Query(ctx, query.Query{Prefix: "/h", Orders: []query.Order{query.OrderByKey{}}, Limit: max})
	if err != nil {
		return 0, 0, err
	}
	defer res.Close()
	b, err := s.ds.Batch(ctx)
	if err != nil {
		return 0, 0, err
	}
	var mark uint64
	removed := 0
	for r := range res.Next() {
		if r.Error != nil {
			return 0, 0, r.Error
		}
		var h uint64
		if _, err := fmt.Sscanf(ds.NewKey(r.Key).BaseNamespace(), "%x", &h); err != nil {
			return 0, 0, fmt.Errorf("lightnode: corrupt header key %s", r.Key)
		}
		if h >= below {
			break
		}
		lh, err := da.UnmarshalLightHeader(r.Value)
		if err != nil {
			return 0, 0, fmt.Errorf("lightnode: corrupt stored header %d: %w", h, err)
		}
		if !lh.Time().Before(cutoff) {
			break
		}
		if err := b.Delete(ctx, headerKey(h)); err != nil {
			return 0, 0, err
		}
		mark, removed = h+1, removed+1
	}
	if removed == 0 {
		return 0, 0, nil
	}
	if err := b.Put(ctx, keyPruned, pebblex.U64(mark)); err != nil {
		return 0, 0, err
	}
	if err := b.Commit(ctx); err != nil {
		return 0, 0, fmt.Errorf("lightnode: prune headers: %w", err)
	}
	return mark, removed, nil
}

// setAnchor re-anchors trust at a verified header: it becomes the trusted
// and the contiguous head.
func (s *store) setAnchor(ctx context.Context, h *da.LightHeader) error {
	if err := s.putHeaders(ctx, []*da.LightHeader{h}, uint64(h.Height())); err != nil {
		return err
	}
	return s.ds.Put(ctx, keyTrusted, pebblex.U64(uint64(h.Height())))
}

func (s *store) saveCheckpoint(ctx context.Context, cp sampling.Checkpoint) error {
	b, err := cp.Marshal()
	if err != nil {
		return fmt.Errorf("lightnode: encode checkpoint: %w", err)
	}
	if err := s.ds.Put(ctx, keyCheckpoint, b); err != nil {
		return fmt.Errorf("lightnode: write checkpoint: %w", err)
	}
	return nil
}

func (s *store) checkpoint(ctx context.Context) (*sampling.Checkpoint, error) {
	b, err := s.ds.Get(ctx, keyCheckpoint)
	if errors.Is(err, ds.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("lightnode: read checkpoint: %w", err)
	}
	cp, err := sampling.UnmarshalCheckpoint(b)
	if err != nil {
		return nil, fmt.Errorf("lightnode: stored checkpoint: %w", err)
	}
	return cp, nil
}

func (s *store) saveFraud(ctx context.Context, h uint64, proof []byte) error {
	return s.ds.Put(ctx, fraudKey(h), proof)
}

// fraud returns the lowest height with a stored fraud proof and the proof.
func (s *store) fraud(ctx context.Context) (uint64, []byte, error) {
	res, err := s.ds.Query(ctx, queryPrefix("/fraud"))
	if err != nil {
		return 0, nil, err
	}
	defer res.Close()
	for r := range res.Next() {
		if r.Error != nil {
			return 0, nil, r.Error
		}
		var h uint64
		if _, err := fmt.Sscanf(ds.NewKey(r.Key).BaseNamespace(), "%x", &h); err != nil {
			return 0, nil, fmt.Errorf("lightnode: corrupt fraud key %s", r.Key)
		}
		return h, r.Value, nil
	}
	return 0, nil, nil
}

// loadOrCreateSeed reads the sampling seed from home, creating it from
// rand on first use (0600). A seed file readable by others is refused.
func loadOrCreateSeed(home string, rand func([]byte) (int, error)) (sampling.Seed, error) {
	var seed sampling.Seed
	path := filepath.Join(home, seedFile)
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		s, err := sampling.NewSeed(readerFunc(rand))
		if err != nil {
			return seed, fmt.Errorf("lightnode: new sampling seed: %w", err)
		}
		if err := os.WriteFile(path, s[:], 0o600); err != nil {
			return seed, fmt.Errorf("lightnode: write sampling seed: %w", err)
		}
		return s, nil
	}
	if err != nil {
		return seed, fmt.Errorf("lightnode: read sampling seed: %w", err)
	}
	fi, err := os.Stat(path)
	if err != nil {
		return seed, err
	}
	if fi.Mode().Perm()&0o077 != 0 {
		return seed, fmt.Errorf("lightnode: sampling seed %s has mode %v: it must be readable by its owner only (chmod 600)", path, fi.Mode().Perm())
	}
	if len(b) != sampling.SeedSize {
		return seed, fmt.Errorf("lightnode: sampling seed %s: %d bytes, want %d", path, len(b), sampling.SeedSize)
	}
	copy(seed[:], b)
	return seed, nil
}

type readerFunc func([]byte) (int, error)

func (f readerFunc) Read(p []byte) (int, error) { return f(p) }

func queryPrefix(p string) query.Query {
	return query.Query{Prefix: p, Orders: []query.Order{query.OrderByKey{}}}
}
