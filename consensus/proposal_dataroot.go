package consensus

import (
	"fmt"
	"sync"

	"github.com/quadrant-da/quadrant/blobs"
	"github.com/quadrant-da/quadrant/da"
	"github.com/quadrant-da/quadrant/erasure"
)

// squareDataRoot extends the square and returns its data root. A square
// without shares is treated as the empty block's square, whose data root is
// that of da.EmptyDAHeader. The shares are written straight into a reused
// extended-square buffer (squareBuffers): a validator extends a square for
// every proposal it makes or checks, and allocating, zeroing and filling a
// fresh 128 MiB square (plus a 32 MiB copy of the original) per block at
// k=256 was ≈ 5 % of its CPU.
func squareDataRoot(sq blobs.Square) ([]byte, error) {
	if len(sq) == 0 {
		return da.EmptyDAHeader().Hash(), nil
	}
	k := sq.Size()
	buf := squareBuffers.take(4 * k * k * da.ShareSize)
	defer squareBuffers.give(buf)
	eds, err := erasure.ExtendInto(buf, k, func(r int, dst []byte) {
		for c := range k {
			copy(dst[c*da.ShareSize:], sq[r*k+c][:])
		}
	})
	if err != nil {
		return nil, fmt.Errorf("consensus: extending the %d×%d square: %w", k, k, err)
	}
	dah, err := da.ComputeDAHeader(eds)
	if err != nil {
		return nil, fmt.Errorf("consensus: computing the DA header of the %d×%d square: %w", k, k, err)
	}
	return dah.Hash(), nil
}

// squareBuffers is the one buffer squareDataRoot reuses. CometBFT calls
// PrepareProposal and ProcessProposal one at a time, so a single buffer
// serves a validator; a caller that finds it lent out (tests running in
// parallel) allocates its own.
var squareBuffers squareBuffer

// squareBuffer lends out its largest buffer to one caller at a time.
type squareBuffer struct {
	mu  sync.Mutex
	buf []byte
}

// take returns n bytes of undefined contents.
func (b *squareBuffer) take(n int) []byte {
	b.mu.Lock()
	defer b.mu.Unlock()
	if cap(b.buf) < n {
		return make([]byte, n)
	}
	buf := b.buf[:n]
	b.buf = nil
	return buf
}

// give returns a buffer from take; the larger of it and the kept one stays.
func (b *squareBuffer) give(buf []byte) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if cap(buf) > cap(b.buf) {
		b.buf = buf
	}
}
