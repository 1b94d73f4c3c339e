package sampling

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"hash"
	"io"
	"math/bits"
	"slices"

	"github.com/quadrant-da/quadrant/da"
	"github.com/quadrant-da/quadrant/erasure"
)

// SeedSize is the size of a node's private sampling seed.
const SeedSize = 32

// Seed is a node's private sampling secret. It must come from a
// cryptographic source (the driver reads crypto/rand once and stores the seed
// in the node's home, readable by the owner only) and is never derived from,
// or sent with, anything a peer sees: a full node that knew it could predict
// which shares a light node will ask for and withhold all the others.
type Seed [SeedSize]byte

// ErrCoordinates is wrapped by Coordinates when its arguments are invalid.
var ErrCoordinates = errors.New("sampling: invalid coordinate request")

// NewSeed reads a fresh seed from r (crypto/rand.Reader in production).
func NewSeed(r io.Reader) (Seed, error) {
	var s Seed
	if _, err := io.ReadFull(r, s[:]); err != nil {
		return Seed{}, fmt.Errorf("sampling: read %d seed bytes: %w", SeedSize, err)
	}
	return s, nil
}

// Coord is one share of the 2k×2k extended square, row-major, and the axis
// whose root the share's proof should lead to. It is the one coordinate
// type: p2p.Coord is this type, so a driver passes it to the p2p client as
// is.
type Coord struct {
	Row, Col int
	Axis     erasure.Axis
}

// coordDomain separates this use of the seed from any other.
const coordDomain = "quadrant/das/coordinates/v1"

// Coordinates returns the s distinct coordinates this node samples for the
// header of the given height and hash, whose extended square is width×width
// (width = 2k). They are a uniformly random s-subset of the width² shares
// drawn from a deterministic stream keyed by seed (HMAC-SHA256 over the
// height and header hash), so the same node re-derives the same coordinates
// after a restart and retries never reveal new ones, while nobody without the
// seed can predict them. The result is sorted row-major; the axis of each
// coordinate is drawn from the same stream. If s ≥ width², every share is
// returned. width must be even and within [da.MinSquareWidth,
// da.MaxSquareWidth]; s must be ≥ 1; headerHash must not be empty.
func Coordinates(seed Seed, height uint64, headerHash []byte, width, s int) ([]Coord, error) {
	switch {
	case width < da.MinSquareWidth || width > da.MaxSquareWidth || width%2 != 0:
		return nil, fmt.Errorf("%w: square width %d, want an even width in [%d, %d]",
			ErrCoordinates, width, da.MinSquareWidth, da.MaxSquareWidth)
	case s < 1:
		return nil, fmt.Errorf("%w: %d samples, want at least 1", ErrCoordinates, s)
	case len(headerHash) == 0 || len(headerHash) > 255:
		return nil, fmt.Errorf("%w: header hash of %d bytes, want 1..255", ErrCoordinates, len(headerHash))
	}
	n := uint64(width) * uint64(width)
	st := newStream(seed, height, headerHash)
	var idx []uint64
	if uint64(s) >= n {
		idx = make([]uint64, n)
		for i := range idx {
			idx[i] = uint64(i)
		}
	} else {
		idx = floyd(st, n, uint64(s))
		slices.Sort(idx)
	}
	out := make([]Coord, len(idx))
	for i, v := range idx {
		out[i] = Coord{Row: int(v / uint64(width)), Col: int(v % uint64(width)), Axis: erasure.Axis(st.uniform(2))}
	}
	return out, nil
}

// floyd draws a uniformly random m-subset of [0, n) (Floyd's algorithm: m
// draws, no rejection of duplicates). The order is not uniform; callers sort.
func floyd(st *stream, n, m uint64) []uint64 {
	chosen := make(map[uint64]struct{}, m)
	out := make([]uint64, 0, m)
	for j := n - m; j < n; j++ {
		t := st.uniform(j + 1)
		if _, dup := chosen[t]; dup {
			t = j
		}
		chosen[t] = struct{}{}
		out = append(out, t)
	}
	return out
}

// stream is the deterministic random stream for one header: block i is
// HMAC-SHA256(key, i) with key = HMAC-SHA256(seed, domain ‖ height ‖ hash).
type stream struct {
	mac     hash.Hash // HMAC keyed by key
	counter uint64
	buf     [sha256.Size]byte
	off     int
}

func newStream(seed Seed, height uint64, headerHash []byte) *stream {
	m := hmac.New(sha256.New, seed[:])
	m.Write([]byte(coordDomain))
	var h [9]byte
	binary.BigEndian.PutUint64(h[:8], height)
	h[8] = byte(len(headerHash))
	m.Write(h[:])
	m.Write(headerHash)
	var key [sha256.Size]byte
	m.Sum(key[:0])
	return &stream{mac: hmac.New(sha256.New, key[:]), off: sha256.Size}
}

func (st *stream) uint64() uint64 {
	if st.off+8 > len(st.buf) {
		var c [8]byte
		binary.BigEndian.PutUint64(c[:], st.counter)
		st.counter++
		st.mac.Reset()
		st.mac.Write(c[:])
		st.mac.Sum(st.buf[:0])
		st.off = 0
	}
	v := binary.BigEndian.Uint64(st.buf[st.off:])
	st.off += 8
	return v
}

// uniform returns an unbiased value in [0, n), n ≥ 1 (Lemire's method with
// rejection).
func (st *stream) uniform(n uint64) uint64 {
	hi, lo := bits.Mul64(st.uint64(), n)
	if lo < n {
		thresh := -n % n
		for lo < thresh {
			hi, lo = bits.Mul64(st.uint64(), n)
		}
	}
	return hi
}
