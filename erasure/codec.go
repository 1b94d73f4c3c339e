package erasure

import (
	"bytes"
	"errors"
	"fmt"
	"math/bits"
	"runtime"
	"sync"
	"sync/atomic"

	"github.com/klauspost/reedsolomon"
	"golang.org/x/sync/errgroup"
)

// ErrTooFewShares is returned when an axis has fewer than k known shares.
var ErrTooFewShares = errors.New("erasure: too few shares to decode the axis")

// maxLogK is log2(MaxK).
const maxLogK = 9

// encoders caches one Leopard encoder per k (index log2 k). Building an
// encoder computes tables, so it is done once per process; the encoders are
// safe for concurrent use.
var encoders [maxLogK + 1]struct {
	once sync.Once
	enc  reedsolomon.Encoder
	err  error
}

// encoderFor returns the cached encoder for k data and k parity shards, as
// rsmt2d's Leopard codec builds it, minus the inversion cache: that cache
// only speeds up repeated decodes for k ≤ 32, grows with every distinct
// erasure pattern a peer can send, and in reedsolomon v1.14.2 keys
// ReconstructData entries without the missing parity shards, so it can hand
// a later decode the wrong error locator. Encoding is unaffected.
func encoderFor(k int) (reedsolomon.Encoder, error) {
	if err := ValidateK(k); err != nil {
		return nil, err
	}
	e := &encoders[bits.TrailingZeros(uint(k))]
	e.once.Do(func() {
		e.enc, e.err = reedsolomon.New(k, k,
			reedsolomon.WithLeopardGF(true), reedsolomon.WithInversionCache(false),
			reedsolomon.WithWorkAllocator(&workPool{max: 2 * workers()}))
	})
	if e.err != nil {
		return nil, fmt.Errorf("erasure: building the encoder for k=%d: %w", k, e.err)
	}
	return e.enc, nil
}

// workPool keeps the encoder's work buffers between calls. reedsolomon's
// default keeps them in a sync.Pool, which every garbage collection empties;
// with squares of tens of MiB allocated per block that happens every block,
// and the buffers (2·k·32 KiB for k ≤ 128) were reallocated each time. The
// pool keeps at most max sets; beyond that, returned sets are left to the
// garbage collector.
type workPool struct {
	max  int
	mu   sync.Mutex
	free [][][]byte
}

// Get implements reedsolomon.WorkAllocator.
func (p *workPool) Get(n, size int) [][]byte {
	p.mu.Lock()
	for i := len(p.free) - 1; i >= 0; i-- {
		w := p.free[i]
		if len(w) < n || cap(w[0]) < size {
			continue
		}
		p.free = append(p.free[:i], p.free[i+1:]...)
		p.mu.Unlock()
		w = w[:n]
		for j := range w {
			w[j] = w[j][:size]
		}
		return w
	}
	p.mu.Unlock()
	return reedsolomon.AllocAligned(n, size)
}

// Put implements reedsolomon.WorkAllocator.
func (p *workPool) Put(w [][]byte) {
	if len(w) == 0 {
		return
	}
	p.mu.Lock()
	if len(p.free) < p.max {
		p.free = append(p.free, w)
	}
	p.mu.Unlock()
}

// workers returns how many goroutines the parallel loops use.
func workers() int { return max(1, runtime.GOMAXPROCS(0)) }

// parallel runs fn over [0, n) in batches of at most batch items, on up to
// workers() goroutines that take batches from a shared counter. fn receives
// the goroutine's index (for per-goroutine scratch space, < workers()) and
// the batch [lo, hi). The first error stops further batches and is returned.
func parallel(n, batch int, fn func(w, lo, hi int) error) error {
	if n <= 0 {
		return nil
	}
	batch = max(1, batch)
	nw := min(workers(), (n+batch-1)/batch)
	if nw == 1 {
		return fn(0, 0, n)
	}
	var next atomic.Int64
	var failed atomic.Bool
	var g errgroup.Group
	for w := range nw {
		g.Go(func() error {
			for !failed.Load() {
				lo := int(next.Add(int64(batch))) - batch
				if lo >= n {
					return nil
				}
				if err := fn(w, lo, min(lo+batch, n)); err != nil {
					failed.Store(true)
					return err
				}
			}
			return nil
		})
	}
	return g.Wait()
}

// batchFor picks a batch size that gives every worker several batches of
// n items, so an unevenly loaded machine still finishes together.
func batchFor(n int) int {
	return max(1, n/(4*workers()))
}

// EncodeAxis computes the parity half of an axis: data holds the k original
// shares of the axis and parity k buffers of ShareSize bytes that receive the
// parity shares. It is the encoding every row and column of an extended
// square satisfies.
func EncodeAxis(data, parity [][]byte) error {
	k := len(data)
	if len(parity) != k {
		return fmt.Errorf("erasure: %d data shares but %d parity buffers, want equal counts", k, len(parity))
	}
	enc, err := encoderFor(k)
	if err != nil {
		return err
	}
	shards := make([][]byte, 2*k)
	for i, s := range data {
		if len(s) != ShareSize {
			return fmt.Errorf("%w: data share %d is %d bytes, want %d", ErrSquareSize, i, len(s), ShareSize)
		}
		shards[i] = s
	}
	for i, s := range parity {
		if len(s) != ShareSize {
			return fmt.Errorf("%w: parity buffer %d is %d bytes, want %d", ErrSquareSize, i, len(s), ShareSize)
		}
		shards[k+i] = s
	}
	if err := enc.Encode(shards); err != nil {
		return fmt.Errorf("erasure: encoding an axis of %d shares: %w", 2*k, err)
	}
	return nil
}

// DecodeAxis returns the codeword determined by the known shares of one
// axis: shares has 2k entries (k a power of two), nil for an unknown share,
// and at least k of them known. The data half is decoded from the known
// shares and the parity half is then re-encoded from it, so the result is
// always a valid codeword; it equals the known shares exactly when they are
// consistent. The result is freshly allocated; shares is not modified.
// Fewer than k known shares yield ErrTooFewShares.
func DecodeAxis(shares [][]byte) ([][]byte, error) {
	w := len(shares)
	k := w / 2
	if w < 2 || w%2 != 0 {
		return nil, fmt.Errorf("%w: axis of %d shares, want 2k", ErrSquareSize, w)
	}
	enc, err := encoderFor(k)
	if err != nil {
		return nil, err
	}
	buf := make([]byte, w*ShareSize)
	out := make([][]byte, w)
	known := 0
	for i, s := range shares {
		out[i] = buf[i*ShareSize : i*ShareSize : (i+1)*ShareSize]
		if s == nil {
			continue
		}
		if len(s) != ShareSize {
			return nil, fmt.Errorf("%w: share %d is %d bytes, want %d", ErrSquareSize, i, len(s), ShareSize)
		}
		out[i] = append(out[i], s...)
		known++
	}
	if known < k {
		return nil, fmt.Errorf("%w: %d of %d shares known, need %d", ErrTooFewShares, known, w, k)
	}
	if err := enc.Reconstruct(out); err != nil {
		return nil, fmt.Errorf("erasure: decoding an axis of %d shares: %w", w, err)
	}
	for i := range out {
		out[i] = buf[i*ShareSize : (i+1)*ShareSize : (i+1)*ShareSize]
	}
	if err := enc.Encode(out); err != nil {
		return nil, fmt.Errorf("erasure: re-encoding an axis of %d shares: %w", w, err)
	}
	return out, nil
}

// consistent reports whether every known share (non-nil in known) equals
// the share at the same position of codeword.
func consistent(known, codeword [][]byte) bool {
	for i, s := range known {
		if s != nil && !bytes.Equal(s, codeword[i]) {
			return false
		}
	}
	return true
}
