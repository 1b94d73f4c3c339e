// Package wire reads Quadrant's strict binary encodings (transactions,
// staking transactions): every field in order, minimal varints, no read past
// the end, and the first failure sticks so a decoder checks once at the end.
package wire

import (
	"encoding/binary"
	"fmt"
)

// Reader reads b front to back. B holds the unread bytes and Err the first
// failure, which wraps Invalid; after a failure every read returns zero.
type Reader struct {
	B       []byte
	Err     error
	Invalid error
}

// Fail records a failure (only the first one is kept).
func (r *Reader) Fail(format string, args ...any) {
	if r.Err == nil {
		r.Err = fmt.Errorf("%w: "+format, append([]any{r.Invalid}, args...)...)
	}
}

// Bytes returns the next n bytes without copying (capacity-limited, so an
// append by the caller never writes into the input), or nil on failure.
func (r *Reader) Bytes(n int, what string) []byte {
	if r.Err != nil {
		return nil
	}
	if n < 0 || len(r.B) < n {
		r.Fail("truncated %s: need %d bytes, %d left", what, n, len(r.B))
		return nil
	}
	v := r.B[:n:n]
	r.B = r.B[n:]
	return v
}

// Clone is Bytes returning a copy, for decoded values that must not alias
// the input.
func (r *Reader) Clone(n int, what string) []byte {
	v := r.Bytes(n, what)
	if v == nil {
		return nil
	}
	return append([]byte(nil), v...)
}

// Byte returns the next byte, or 0 on failure.
func (r *Reader) Byte(what string) byte {
	if v := r.Bytes(1, what); v != nil {
		return v[0]
	}
	return 0
}

// Uvarint returns the next unsigned varint, refusing a malformed or
// non-minimal one (a value has exactly one encoding).
func (r *Reader) Uvarint(what string) uint64 {
	if r.Err != nil {
		return 0
	}
	v, n := binary.Uvarint(r.B)
	if n <= 0 {
		r.Fail("bad varint %s", what)
		return 0
	}
	if n != len(binary.AppendUvarint(nil, v)) {
		r.Fail("non-minimal varint %s", what)
		return 0
	}
	r.B = r.B[n:]
	return v
}
