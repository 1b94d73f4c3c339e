package sampling

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
)

// CheckpointVersion is the version byte that starts an encoded checkpoint.
const CheckpointVersion = 1

// MaxCheckpointSize bounds an encoded checkpoint accepted by
// UnmarshalCheckpoint.
const MaxCheckpointSize = 8 << 20

// MaxAttempts bounds the attempt count of a failed height in a checkpoint.
const MaxAttempts = math.MaxInt32

// ErrCheckpoint is wrapped by UnmarshalCheckpoint and Checkpoint.Validate.
var ErrCheckpoint = errors.New("sampling: invalid checkpoint")

// Checkpoint is the persistent part of the scheduler's state: enough that,
// after a restart, no height already sampled is sampled again and failed
// heights keep their attempt counts. Heights in flight when it was taken are
// not in it, so they are sampled again (they were never finished).
type Checkpoint struct {
	// SampledUpTo: every height from the trusted start to SampledUpTo is
	// decided (available, or skipped as out of the sampling window).
	SampledUpTo uint64
	// Done are decided heights above SampledUpTo: sorted, disjoint,
	// non-adjacent ranges, the first starting above SampledUpTo+1.
	Done []Range
	// Failed are heights whose last attempt did not end available, by
	// increasing height, all above SampledUpTo and outside Done.
	Failed []FailedHeight
}

// FailedHeight is a height to retry and how many attempts it has had.
type FailedHeight struct {
	Height   uint64
	Attempts int
}

// Validate checks the canonical form described on Checkpoint.
func (c *Checkpoint) Validate() error {
	prev := c.SampledUpTo // last height known to be covered
	for i, r := range c.Done {
		if r.From > r.To {
			return fmt.Errorf("%w: done range %d is [%d, %d], want from ≤ to", ErrCheckpoint, i, r.From, r.To)
		}
		if prev >= math.MaxUint64-1 || r.From < prev+2 {
			return fmt.Errorf("%w: done range %d starts at %d, want above %d and not adjacent to it",
				ErrCheckpoint, i, r.From, prev+1)
		}
		prev = r.To
	}
	last := c.SampledUpTo
	for i, f := range c.Failed {
		if f.Height <= last {
			return fmt.Errorf("%w: failed height %d (entry %d) not above %d", ErrCheckpoint, f.Height, i, last)
		}
		if f.Attempts < 1 || f.Attempts > MaxAttempts {
			return fmt.Errorf("%w: failed height %d has %d attempts, want 1..%d", ErrCheckpoint, f.Height, f.Attempts, MaxAttempts)
		}
		last = f.Height
	}
	set := rangeSet{r: c.Done}
	for _, f := range c.Failed {
		if set.contains(f.Height) {
			return fmt.Errorf("%w: height %d is both done and failed", ErrCheckpoint, f.Height)
		}
	}
	return nil
}

// Marshal returns the canonical encoding of c (which must Validate):
//
//	version u8 = 1 | uvarint sampledUpTo
//	| uvarint nDone   | nDone × (uvarint from−prevTo−2, uvarint to−from)
//	| uvarint nFailed | nFailed × (uvarint height−prevHeight−1, uvarint attempts)
//
// with prevTo and prevHeight starting at sampledUpTo. Equal checkpoints give
// equal bytes.
func (c *Checkpoint) Marshal() ([]byte, error) {
	if err := c.Validate(); err != nil {
		return nil, err
	}
	b := make([]byte, 0, 16+len(c.Done)*6+len(c.Failed)*4)
	b = append(b, CheckpointVersion)
	b = binary.AppendUvarint(b, c.SampledUpTo)
	b = binary.AppendUvarint(b, uint64(len(c.Done)))
	prev := c.SampledUpTo
	for _, r := range c.Done {
		b = binary.AppendUvarint(b, r.From-prev-2)
		b = binary.AppendUvarint(b, r.To-r.From)
		prev = r.To
	}
	b = binary.AppendUvarint(b, uint64(len(c.Failed)))
	prev = c.SampledUpTo
	for _, f := range c.Failed {
		b = binary.AppendUvarint(b, f.Height-prev-1)
		b = binary.AppendUvarint(b, uint64(f.Attempts))
		prev = f.Height
	}
	return b, nil
}

// UnmarshalCheckpoint decodes a checkpoint encoded by Marshal, rejecting any
// other encoding of it (non-minimal varints, trailing bytes, overflowing
// heights, a non-canonical set).
func UnmarshalCheckpoint(b []byte) (*Checkpoint, error) {
	if len(b) > MaxCheckpointSize {
		return nil, fmt.Errorf("%w: %d bytes, limit %d", ErrCheckpoint, len(b), MaxCheckpointSize)
	}
	if len(b) == 0 || b[0] != CheckpointVersion {
		return nil, fmt.Errorf("%w: unknown version, want %d", ErrCheckpoint, CheckpointVersion)
	}
	d := decoder{b: b[1:]}
	c := &Checkpoint{SampledUpTo: d.uvarint()}
	nDone := d.count()
	if d.err == nil && nDone > 0 {
		c.Done = make([]Range, 0, nDone)
	}
	prev := c.SampledUpTo
	for i := 0; i < nDone && d.err == nil; i++ {
		gap, span := d.uvarint(), d.uvarint()
		from, ok1 := add3(prev, gap, 2)
		to, ok2 := add3(from, span, 0)
		if !ok1 || !ok2 {
			d.fail("done range %d overflows", i)
			break
		}
		c.Done = append(c.Done, Range{From: from, To: to})
		prev = to
	}
	nFailed := d.count()
	if d.err == nil && nFailed > 0 {
		c.Failed = make([]FailedHeight, 0, nFailed)
	}
	prev = c.SampledUpTo
	for i := 0; i < nFailed && d.err == nil; i++ {
		delta, attempts := d.uvarint(), d.uvarint()
		h, ok := add3(prev, delta, 1)
		if !ok || attempts > MaxAttempts {
			d.fail("failed entry %d out of range", i)
			break
		}
		c.Failed = append(c.Failed, FailedHeight{Height: h, Attempts: int(attempts)})
		prev = h
	}
	if d.err != nil {
		return nil, d.err
	}
	if len(d.b) != 0 {
		return nil, fmt.Errorf("%w: %d trailing bytes", ErrCheckpoint, len(d.b))
	}
	if err := c.Validate(); err != nil {
		return nil, err
	}
	// Canonical: the only accepted encoding is the one Marshal produces
	// (rejects non-minimal varints).
	if re, err := c.Marshal(); err != nil || !bytes.Equal(re, b) {
		return nil, fmt.Errorf("%w: not in canonical form", ErrCheckpoint)
	}
	return c, nil
}

// add3 returns a+b+c and whether it did not overflow.
func add3(a, b, c uint64) (uint64, bool) {
	s := a + b
	if s < a {
		return 0, false
	}
	t := s + c
	return t, t >= s
}

type decoder struct {
	b   []byte
	err error
}

func (d *decoder) fail(format string, args ...any) {
	if d.err == nil {
		d.err = fmt.Errorf("%w: "+format, append([]any{ErrCheckpoint}, args...)...)
	}
}

func (d *decoder) uvarint() uint64 {
	if d.err != nil {
		return 0
	}
	v, n := binary.Uvarint(d.b)
	if n <= 0 {
		d.fail("truncated or overlong varint")
		return 0
	}
	d.b = d.b[n:]
	return v
}

// count reads an entry count and checks it against the bytes left (every
// entry takes at least two bytes), so a forged count allocates nothing.
func (d *decoder) count() int {
	v := d.uvarint()
	if d.err == nil && v > uint64(len(d.b)/2) {
		d.fail("count %d exceeds the %d bytes left", v, len(d.b))
		return 0
	}
	return int(v)
}
