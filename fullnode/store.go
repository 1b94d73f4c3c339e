package fullnode

import (
	"context"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"runtime"
	"sync"
	"time"

	"github.com/cockroachdb/pebble/v2"
	ds "github.com/ipfs/go-datastore"
	pebbleds "github.com/ipfs/go-ds-pebble"
	"golang.org/x/sync/errgroup"

	"github.com/quadrant-da/quadrant/da"
	"github.com/quadrant-da/quadrant/erasure"
	"github.com/quadrant-da/quadrant/internal/pebblex"
	"github.com/quadrant-da/quadrant/p2p"
)

// defaultRetention is the sampling window (30 days) plus a margin of an
// hour, so a light node sampling the oldest height still finds it.
const defaultRetention = 30*24*time.Hour + time.Hour

// StoreConfig tunes a Store.
type StoreConfig struct {
	// Retention is how long (by block time) a height is kept; Prune never
	// removes a height younger than this.
	Retention time.Duration `toml:"retention"`
	// CacheBytes is Pebble's block cache size.
	CacheBytes int64 `toml:"cache_bytes"`
}

// DefaultStoreConfig keeps 30 days + 1 hour with a 256 MiB block cache.
func DefaultStoreConfig() StoreConfig {
	return StoreConfig{Retention: defaultRetention, CacheBytes: 256 << 20}
}

// Validate checks the configuration.
func (c StoreConfig) Validate() error {
	if c.Retention <= 0 || c.CacheBytes <= 0 {
		return fmt.Errorf("fullnode: store config: retention %v and cache_bytes %d must be positive", c.Retention, c.CacheBytes)
	}
	return nil
}

// errSquareMismatch is returned by Put when the square does not hash to the
// header's DA header.
var errSquareMismatch = errors.New("fullnode: square does not match its header")

// Store keeps the extended headers and extended squares of the retention
// window in a go-datastore over Pebble (see the package doc for the layout
// and its costs). It implements p2p.HeaderSource and p2p.SquareSource. It is
// safe for concurrent use; writes (Put, Prune) are serialized.
type Store struct {
	ds *pebbleds.Datastore
	// db is the Pebble database under ds, read directly on the sample path
	// to copy only the bytes a proof needs (ds.Get copies whole values).
	db  *pebble.DB
	cfg StoreConfig

	writeMu sync.Mutex // serializes Put and Prune

	mu     sync.Mutex    // guards the fields below
	head   uint64        // highest complete height, 0 if none
	headCh chan struct{} // closed, and replaced, when head rises
	tail   uint64        // lowest complete height, 0 if none
	cache  map[uint64]*heightCache
	cached []uint64 // FIFO of cache keys
}

// heightCache holds what every sample of a height needs: the header and the
// Merkle proofs of all axis roots to the data root.
type heightCache struct {
	hdr    *da.ExtendedHeader
	proofs []da.MerkleProof // rows then columns
}

const maxCachedHeights = 64

// OpenStore opens (creating if needed) the store in dir; log receives the
// storage engine's messages (nil discards).
func OpenStore(dir string, cfg StoreConfig, log *slog.Logger) (*Store, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cache := pebble.NewCache(cfg.CacheBytes)
	defer cache.Unref()
	db, err := pebble.Open(dir, &pebble.Options{Cache: cache, Logger: pebblex.Logger(log)})
	if err != nil {
		return nil, fmt.Errorf("fullnode: open store %s: %w", dir, err)
	}
	d, err := pebbleds.NewDatastore(dir, pebbleds.WithPebbleDB(db))
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("fullnode: open store %s: %w", dir, err)
	}
	s := &Store{ds: d, db: db, cfg: cfg, cache: map[uint64]*heightCache{}, headCh: make(chan struct{})}
	ctx := context.Background()
	if s.head, err = s.getHeight(ctx, keyHead); err != nil {
		d.Close()
		return nil, err
	}
	if s.tail, err = s.getHeight(ctx, keyTail); err != nil {
		d.Close()
		return nil, err
	}
	return s, nil
}

// view calls fn with the value of k without copying it; fn must not retain
// the slice. Not-found is ds.ErrNotFound.
func (s *Store) view(k ds.Key, fn func([]byte) error) error {
	v, closer, err := s.db.Get(k.Bytes())
	if errors.Is(err, pebble.ErrNotFound) {
		return ds.ErrNotFound
	}
	if err != nil {
		return err
	}
	defer closer.Close()
	return fn(v)
}

// Close closes the underlying database.
func (s *Store) Close() error { return s.ds.Close() }

// Keys. Heights are 16 hex digits so that key order is height order.
var (
	keyHead = ds.RawKey("/meta/head")
	keyTail = ds.RawKey("/meta/tail")
)

func keyHeader(h uint64) ds.Key  { return ds.RawKey(fmt.Sprintf("/hdr/%016x", h)) }
func keyDone(h uint64) ds.Key    { return ds.RawKey(fmt.Sprintf("/done/%016x", h)) }
func keyHash(hash []byte) ds.Key { return ds.RawKey("/hash/" + hex.EncodeToString(hash)) }
func keyChunk(h uint64, r, j int) ds.Key {
	return ds.RawKey(fmt.Sprintf("/sq/%016x/r/%03x/%02x", h, r, j))
}

// chunkShares is how many consecutive shares of a row one key holds (4 KiB,
// Pebble's block size): a sample reads one chunk, not a whole row.
const chunkShares = 8

// rowChunks returns the chunk count and chunk width of a row of width w.
func rowChunks(w int) (n, width int) {
	width = min(chunkShares, w)
	return w / width, width
}
func keyTree(h uint64, a erasure.Axis, i int) ds.Key {
	return ds.RawKey(fmt.Sprintf("/sq/%016x/t%d/%03x", h, a, i))
}

func (s *Store) getHeight(ctx context.Context, k ds.Key) (uint64, error) {
	v, err := pebblex.GetU64(ctx, s.ds, k)
	if err != nil {
		return 0, fmt.Errorf("fullnode: %w", err)
	}
	return v, nil
}

// Put stores a verified extended header and its extended square in one
// atomic batch whose last entry is the height's completion marker, so a
// crash at any point leaves the height either absent or complete. It
// computes the NMT inner nodes of every row and column, and refuses the
// square (errSquareMismatch) if their roots differ from h.DAH. Storing a
// height already held is a no-op.
func (s *Store) Put(ctx context.Context, h *da.ExtendedHeader, eds *erasure.ExtendedSquare) error {
	height := uint64(h.Height())
	if eds.Width() != h.DAH.SquareWidth() {
		return fmt.Errorf("%w: height %d: square width %d, DA header width %d", errSquareMismatch, height, eds.Width(), h.DAH.SquareWidth())
	}
	rowTrees, colTrees, err := buildTrees(eds, h.DAH)
	if err != nil {
		return fmt.Errorf("height %d: %w", height, err)
	}
	hb, err := h.Marshal()
	if err != nil {
		return fmt.Errorf("fullnode: encode header %d: %w", height, err)
	}

	s.writeMu.Lock()
	defer s.writeMu.Unlock()
	if ok, err := s.ds.Has(ctx, keyDone(height)); err != nil || ok {
		return err
	}
	// The records are gathered first so the batch is allocated once at its
	// final size: a k=128 height is ~45 MiB, and letting Pebble's batch
	// grow by doubling copied it over and over (a third of Put's time).
	var recs []batchRecord
	put := func(k ds.Key, v []byte) { recs = append(recs, batchRecord{k.Bytes(), v}) }
	for r := 0; r < eds.Width(); r++ {
		row := eds.RowBytes(r)
		nc, cw := rowChunks(eds.Width())
		for j := 0; j < nc; j++ {
			put(keyChunk(height, r, j), row[j*cw*da.ShareSize:(j+1)*cw*da.ShareSize])
		}
		put(keyTree(height, erasure.Row, r), rowTrees[r])
		put(keyTree(height, erasure.Col, r), colTrees[r])
	}
	put(keyHeader(height), hb)
	put(keyHash(h.Hash()), pebblex.U64(height))
	s.mu.Lock()
	head, tail := s.head, s.tail
	s.mu.Unlock()
	if height > head {
		head = height
		put(keyHead, pebblex.U64(head))
	}
	if tail == 0 || height < tail {
		tail = height
		put(keyTail, pebblex.U64(tail))
	}
	put(keyDone(height), []byte{1}) // last: the height is complete
	if err := s.commitRecords(recs); err != nil {
		return fmt.Errorf("fullnode: store height %d: %w", height, err)
	}
	s.mu.Lock()
	if head > s.head {
		close(s.headCh)
		s.headCh = make(chan struct{})
	}
	s.head, s.tail = head, tail
	s.mu.Unlock()
	return nil
}

// batchRecord is one key and value of a height's write batch.
type batchRecord struct{ key, value []byte }

// commitRecords writes recs in one Pebble batch sized for them up front,
// without syncing (as the datastore's own writes).
func (s *Store) commitRecords(recs []batchRecord) error {
	size := 12 // batch header
	for _, r := range recs {
		size += 1 + 2*binary.MaxVarintLen32 + len(r.key) + len(r.value)
	}
	b := s.db.NewBatchWithSize(size)
	defer b.Close()
	for _, r := range recs {
		if err := b.Set(r.key, r.value, nil); err != nil {
			return err
		}
	}
	return b.Commit(pebble.NoSync)
}

// buildTrees returns, for every row and column, the NMT nodes above the
// leaves (see treeNode for the layout), checking each root against dah.
// Leaf nodes are computed once per share and shared by its row and column.
func buildTrees(eds *erasure.ExtendedSquare, dah *da.DAHeader) (rows, cols [][]byte, err error) {
	w := eds.Width()
	leaves := make([][][]byte, w) // leaves[r][c]
	rows, cols = make([][]byte, w), make([][]byte, w)
	var g errgroup.Group
	g.SetLimit(runtime.GOMAXPROCS(0))
	for r := 0; r < w; r++ {
		g.Go(func() error {
			var err error
			leaves[r], err = da.AxisLeafNodes(erasure.Row, r, eds.Row(r))
			if err != nil {
				return err
			}
			rows[r], err = innerNodes(leaves[r], dah.RowRoots[r])
			if err != nil {
				return fmt.Errorf("%w: row %d: %w", errSquareMismatch, r, err)
			}
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return nil, nil, err
	}
	for c := 0; c < w; c++ {
		g.Go(func() error {
			col := make([][]byte, w)
			for r := range col {
				col[r] = leaves[r][c]
			}
			var err error
			if cols[c], err = innerNodes(col, dah.ColumnRoots[c]); err != nil {
				return fmt.Errorf("%w: column %d: %w", errSquareMismatch, c, err)
			}
			return nil
		})
	}
	return rows, cols, g.Wait()
}

// innerNodes returns the inner nodes of the perfect NMT over leaves (a power
// of two ≥ 2), level by level from just above the leaves up to the root,
// each da.NodeSize bytes, and checks the root equals want.
func innerNodes(leaves [][]byte, want []byte) ([]byte, error) {
	n := len(leaves)
	out := make([]byte, 0, (n-1)*da.NodeSize)
	level := leaves
	for len(level) > 1 {
		start := len(out)
		for i := 0; i < len(level); i += 2 {
			var err error
			if out, err = da.HashNode(out, level[i], level[i+1]); err != nil {
				return nil, err
			}
		}
		next := make([][]byte, len(level)/2)
		for i := range next {
			o := start + i*da.NodeSize
			next[i] = out[o : o+da.NodeSize : o+da.NodeSize]
		}
		level = next
	}
	if root := out[len(out)-da.NodeSize:]; string(root) != string(want) {
		return nil, fmt.Errorf("root %x, DA header has %x", root, want)
	}
	return out, nil
}

// treeNode returns node j of level l (1 = just above the leaves) of a tree
// record for an axis of width w.
func treeNode(rec []byte, w, l, j int) []byte {
	off := 0
	for i := 1; i < l; i++ {
		off += w >> i
	}
	o := (off + j) * da.NodeSize
	return rec[o : o+da.NodeSize : o+da.NodeSize]
}

// Has reports whether height is stored completely.
func (s *Store) Has(ctx context.Context, height uint64) (bool, error) {
	return s.ds.Has(ctx, keyDone(height))
}

// HeadHeight returns the highest complete height (0 if none).
func (s *Store) HeadHeight() uint64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.head
}

// HeadChanged returns a channel that is closed the next time HeadHeight
// rises, so a waiter for a height (the rollup adapter's Submit, which
// returns only once its height is served) wakes as soon as it is stored
// instead of on its next poll. Take the channel before reading HeadHeight.
func (s *Store) HeadChanged() <-chan struct{} {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.headCh
}

// TailHeight returns the lowest complete height kept (0 if none).
func (s *Store) TailHeight() uint64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.tail
}

// Head returns the header of the highest complete height, or an error
// wrapping p2p.ErrNotFound when the store is empty.
func (s *Store) Head(ctx context.Context) (*da.ExtendedHeader, error) {
	h := s.HeadHeight()
	if h == 0 {
		return nil, fmt.Errorf("fullnode: store is empty: %w", p2p.ErrNotFound)
	}
	return s.HeaderByHeight(ctx, h)
}

// HeaderByHeight returns the header of a complete height, or an error
// wrapping p2p.ErrNotFound.
func (s *Store) HeaderByHeight(ctx context.Context, height uint64) (*da.ExtendedHeader, error) {
	c, err := s.height(ctx, height)
	if err != nil {
		return nil, err
	}
	return c.hdr, nil
}

// HeaderByHash returns the header with the given block hash, or an error
// wrapping p2p.ErrNotFound.
func (s *Store) HeaderByHash(ctx context.Context, hash []byte) (*da.ExtendedHeader, error) {
	b, err := s.ds.Get(ctx, keyHash(hash))
	if errors.Is(err, ds.ErrNotFound) {
		return nil, fmt.Errorf("fullnode: header %x: %w", hash, p2p.ErrNotFound)
	}
	if err != nil || len(b) != 8 {
		return nil, fmt.Errorf("fullnode: read hash index %x: %v", hash, err)
	}
	return s.HeaderByHeight(ctx, binary.BigEndian.Uint64(b))
}

// height returns the cached header and root proofs of a complete height.
func (s *Store) height(ctx context.Context, height uint64) (*heightCache, error) {
	s.mu.Lock()
	c := s.cache[height]
	s.mu.Unlock()
	if c != nil {
		return c, nil
	}
	// The marker is read first: data of a height without it is never served.
	if ok, err := s.ds.Has(ctx, keyDone(height)); err != nil {
		return nil, fmt.Errorf("fullnode: read height %d: %w", height, err)
	} else if !ok {
		return nil, fmt.Errorf("fullnode: height %d: %w", height, p2p.ErrNotFound)
	}
	b, err := s.ds.Get(ctx, keyHeader(height))
	if err != nil {
		return nil, fmt.Errorf("fullnode: read header %d: %w", height, err)
	}
	hdr, err := da.UnmarshalExtendedHeader(b)
	if err != nil {
		return nil, fmt.Errorf("fullnode: stored header %d: %w", height, err)
	}
	roots := append(append([][]byte{}, hdr.DAH.RowRoots...), hdr.DAH.ColumnRoots...)
	_, proofs := da.MerkleProofs(roots)
	c = &heightCache{hdr: hdr, proofs: proofs}
	s.mu.Lock()
	if _, ok := s.cache[height]; !ok {
		s.cache[height] = c
		s.cached = append(s.cached, height)
		if len(s.cached) > maxCachedHeights {
			delete(s.cache, s.cached[0])
			s.cached = s.cached[1:]
		}
	}
	s.mu.Unlock()
	return c, nil
}

// shares reads shares [from, to) of row r of a height whose square has
// width w (the caller checked the height is complete), one read per chunk.
func (s *Store) shares(ctx context.Context, height uint64, w, r, from, to int) ([]byte, error) {
	return s.appendShares(ctx, make([]byte, 0, (to-from)*da.ShareSize), height, w, r, from, to)
}

// appendShares is shares appending to dst; each chunk is copied straight
// from the database into dst (no intermediate copy of the chunk).
func (s *Store) appendShares(ctx context.Context, dst []byte, height uint64, w, r, from, to int) ([]byte, error) {
	_, cw := rowChunks(w)
	for j := from / cw; j*cw < to; j++ {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		lo, hi := max(from-j*cw, 0), min(to-j*cw, cw)
		err := s.view(keyChunk(height, r, j), func(b []byte) error {
			if len(b) != cw*da.ShareSize {
				return fmt.Errorf("chunk of %d bytes, want %d", len(b), cw*da.ShareSize)
			}
			dst = append(dst, b[lo*da.ShareSize:hi*da.ShareSize]...)
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("fullnode: read row %d chunk %d of height %d: %w", r, j, height, err)
		}
	}
	return dst, nil
}

// row reads the w shares of row r.
func (s *Store) row(ctx context.Context, height uint64, w, r int) ([]byte, error) {
	return s.shares(ctx, height, w, r, 0, w)
}

// Square returns the whole extended square of a complete height (2k reads).
func (s *Store) Square(ctx context.Context, height uint64) (*erasure.ExtendedSquare, error) {
	c, err := s.height(ctx, height)
	if err != nil {
		return nil, err
	}
	w := c.hdr.DAH.SquareWidth()
	buf := make([]byte, 0, w*w*da.ShareSize)
	for r := 0; r < w; r++ {
		b, err := s.row(ctx, height, w, r)
		if err != nil {
			return nil, err
		}
		buf = append(buf, b...)
	}
	return erasure.Import(buf, w/2)
}

// Prune removes, oldest first, every complete height whose block time is
// older than now − Retention, except the head; it stops at the first height
// inside the window, so nothing inside it is ever removed. Each height is
// removed in one batch that deletes its completion marker too. It returns
// the number of heights removed.
func (s *Store) Prune(ctx context.Context, now time.Time) (int, error) {
	s.writeMu.Lock()
	defer s.writeMu.Unlock()
	cutoff := now.Add(-s.cfg.Retention)
	pruned := 0
	for {
		s.mu.Lock()
		tail, head := s.tail, s.head
		s.mu.Unlock()
		if tail == 0 || tail >= head || ctx.Err() != nil {
			return pruned, ctx.Err()
		}
		hdr, err := s.HeaderByHeight(ctx, tail)
		if err != nil && !errors.Is(err, p2p.ErrNotFound) {
			return pruned, err
		}
		if hdr != nil && !hdr.Time().Before(cutoff) {
			return pruned, nil
		}
		next, err := s.deleteHeight(ctx, tail, hdr, head)
		if err != nil {
			return pruned, err
		}
		if hdr != nil {
			pruned++
		}
		s.mu.Lock()
		s.tail = next
		delete(s.cache, tail)
		s.mu.Unlock()
	}
}

// deleteHeight removes one height (hdr nil: a gap) and moves the tail to
// the next height, in one batch.
func (s *Store) deleteHeight(ctx context.Context, height uint64, hdr *da.ExtendedHeader, head uint64) (uint64, error) {
	b, err := s.ds.Batch(ctx)
	if err != nil {
		return 0, err
	}
	del := func(k ds.Key) {
		if err == nil {
			err = b.Delete(ctx, k)
		}
	}
	del(keyDone(height)) // first: a crash mid-prune leaves the height incomplete, never half-served
	if hdr != nil {
		w := hdr.DAH.SquareWidth()
		nc, _ := rowChunks(w)
		for r := 0; r < w; r++ {
			for j := 0; j < nc; j++ {
				del(keyChunk(height, r, j))
			}
			del(keyTree(height, erasure.Row, r))
			del(keyTree(height, erasure.Col, r))
		}
		del(keyHash(hdr.Hash()))
	}
	del(keyHeader(height))
	next := height + 1
	for next < head {
		ok, herr := s.ds.Has(ctx, keyDone(next))
		if herr != nil {
			return 0, herr
		}
		if ok {
			break
		}
		next++
	}
	if err == nil {
		err = b.Put(ctx, keyTail, pebblex.U64(next))
	}
	if err == nil {
		err = b.Commit(ctx)
	}
	if err != nil {
		return 0, fmt.Errorf("fullnode: prune height %d: %w", height, err)
	}
	return next, nil
}
