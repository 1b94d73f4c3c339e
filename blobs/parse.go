package blobs

import (
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/quadrant-da/quadrant/da"
)

// ErrInvalidShares is wrapped by every share parsing failure.
var ErrInvalidShares = errors.New("blobs: malformed shares")

// ParseCompactShares returns the units (transactions) of one compact share
// sequence: shares of a single reserved namespace, share version 0, the
// first with the sequence start bit and the sequence length, the others
// continuations, exactly as many shares as the sequence length needs, and
// reserved bytes pointing at the first unit starting in each share. The
// returned transactions do not alias shares. Malformed input returns an
// error wrapping ErrInvalidShares, never panics.
func ParseCompactShares(shares []da.Share) ([][]byte, error) {
	if len(shares) == 0 {
		return nil, nil
	}
	ns := shares[0].Namespace()
	if ns != da.TxNamespace() && ns != da.PayForBlobNamespace() {
		return nil, fmt.Errorf("%w: compact share namespace %s is neither the tx nor the pay-for-blob namespace", ErrInvalidShares, ns)
	}
	for i := range shares {
		s := &shares[i]
		if s.Namespace() != ns {
			return nil, fmt.Errorf("%w: compact share %d has namespace %s, want %s", ErrInvalidShares, i, s.Namespace(), ns)
		}
		if s.Version() != da.ShareVersionZero {
			return nil, fmt.Errorf("%w: compact share %d has share version %d, want 0", ErrInvalidShares, i, s.Version())
		}
		if s.IsSequenceStart() != (i == 0) {
			return nil, fmt.Errorf("%w: compact share %d: sequence start bit is %v, want %v", ErrInvalidShares, i, s.IsSequenceStart(), i == 0)
		}
	}
	seqLen := int(shares[0].SequenceLen())
	if need := compactSharesNeeded(seqLen); need != len(shares) {
		return nil, fmt.Errorf("%w: compact sequence of %d bytes needs %d shares, got %d", ErrInvalidShares, seqLen, need, len(shares))
	}
	raw := make([]byte, 0, seqLen)
	// starts[i] is the offset in raw where share i's data begins.
	starts := make([]int, len(shares)+1)
	for i := range shares {
		off := contCompactOff
		if i == 0 {
			off = firstCompactOf
		}
		starts[i] = len(raw)
		raw = append(raw, shares[i][off:]...)
	}
	starts[len(shares)] = len(raw)
	if !allZero(raw[seqLen:]) {
		return nil, fmt.Errorf("%w: non-zero bytes after the %d-byte compact sequence", ErrInvalidShares, seqLen)
	}
	raw = raw[:seqLen]

	var units [][]byte
	// firstUnit[i] is the raw offset of the first unit starting in share i, or -1.
	firstUnit := make([]int, len(shares))
	for i := range firstUnit {
		firstUnit[i] = -1
	}
	shareOf := 0
	for pos := 0; pos < len(raw); {
		for starts[shareOf+1] <= pos {
			shareOf++
		}
		if firstUnit[shareOf] < 0 {
			firstUnit[shareOf] = pos
		}
		l, n := binary.Uvarint(raw[pos:])
		if n <= 0 {
			return nil, fmt.Errorf("%w: bad unit length varint at sequence byte %d", ErrInvalidShares, pos)
		}
		if n != uvarintLen(l) {
			return nil, fmt.Errorf("%w: non-minimal unit length varint at sequence byte %d", ErrInvalidShares, pos)
		}
		if l > uint64(len(raw)-pos-n) {
			return nil, fmt.Errorf("%w: unit of %d bytes at sequence byte %d overruns the %d-byte sequence", ErrInvalidShares, l, pos, len(raw))
		}
		pos += n
		units = append(units, raw[pos:pos+int(l):pos+int(l)])
		pos += int(l)
	}
	for i := range shares {
		want := 0
		if firstUnit[i] >= 0 {
			off := contCompactOff
			if i == 0 {
				off = firstCompactOf
			}
			want = off + firstUnit[i] - starts[i]
		}
		got := int(binary.BigEndian.Uint32(shares[i][reservedOffset(i):]))
		if got != want {
			return nil, fmt.Errorf("%w: compact share %d reserved bytes say %d, the first unit starts at %d", ErrInvalidShares, i, got, want)
		}
	}
	return units, nil
}

func allZero(b []byte) bool {
	for _, c := range b {
		if c != 0 {
			return false
		}
	}
	return true
}

// parseBlobAt parses the blob whose first share is shares[0]. It returns
// the blob (data copied out of the shares) and the number of shares it
// occupies. shares[0] must be a sequence start that is not padding.
func parseBlobAt(shares []da.Share) (*Blob, int, error) {
	s0 := &shares[0]
	ns := s0.Namespace()
	v := s0.Version()
	if v != da.ShareVersionZero && v != da.ShareVersionOne {
		return nil, 0, fmt.Errorf("%w: blob share version %d (want 0 or 1)", ErrInvalidShares, v)
	}
	size := s0.SequenceLen()
	n := SparseSharesNeeded(size, v)
	if n > len(shares) {
		return nil, 0, fmt.Errorf("%w: blob of %d bytes needs %d shares, only %d left", ErrInvalidShares, size, n, len(shares))
	}
	b := &Blob{Namespace: ns, ShareVersion: v, Data: make([]byte, 0, size)}
	for i := 0; i < n; i++ {
		s := &shares[i]
		if i > 0 {
			if s.Namespace() != ns {
				return nil, 0, fmt.Errorf("%w: blob continuation share %d has namespace %s, want %s", ErrInvalidShares, i, s.Namespace(), ns)
			}
			if s.IsSequenceStart() || s.Version() != v {
				return nil, 0, fmt.Errorf("%w: blob continuation share %d has info byte %#x, want %#x", ErrInvalidShares, i, s.InfoByte(), v<<1)
			}
		}
		off := contSparseOff
		if i == 0 {
			off = firstSparseOff
			if v == da.ShareVersionOne {
				b.Signer = append([]byte(nil), s[off:off+da.SignerSize]...)
				off += da.SignerSize
			}
		}
		take := min(int(size)-len(b.Data), da.ShareSize-off)
		b.Data = append(b.Data, s[off:off+take]...)
		if !allZero(s[off+take:]) {
			return nil, 0, fmt.Errorf("%w: non-zero padding after the blob's last byte in share %d", ErrInvalidShares, i)
		}
	}
	if err := b.Validate(); err != nil {
		return nil, 0, fmt.Errorf("%w: %w", ErrInvalidShares, err)
	}
	return b, n, nil
}

// isPaddingShare reports whether s is a padding share: sequence start bit,
// sequence length 0 and an all-zero payload.
func isPaddingShare(s *da.Share) bool {
	return s.IsSequenceStart() && s.SequenceLen() == 0
}

// checkPadding returns an error unless s is a well-formed padding share of
// namespace ns (any share version 0 or 1).
func checkPadding(s *da.Share, ns da.Namespace) error {
	if s.Namespace() != ns {
		return fmt.Errorf("%w: padding share has namespace %s, want %s", ErrInvalidShares, s.Namespace(), ns)
	}
	if v := s.Version(); v != da.ShareVersionZero && v != da.ShareVersionOne {
		return fmt.Errorf("%w: padding share version %d", ErrInvalidShares, v)
	}
	if !allZero(s[firstSparseOff:]) {
		return fmt.Errorf("%w: padding share with a non-zero payload", ErrInvalidShares)
	}
	return nil
}

// ParseSparseShares returns the blobs in a run of sparse shares (for
// example every share of one namespace in a square), skipping namespace
// padding shares. Each blob's data is copied out of the shares. Malformed
// input returns an error wrapping ErrInvalidShares, never panics.
func ParseSparseShares(shares []da.Share) ([]*Blob, error) {
	var out []*Blob
	for i := 0; i < len(shares); {
		s := &shares[i]
		if !s.IsSequenceStart() {
			return nil, fmt.Errorf("%w: share %d is a continuation without a blob start", ErrInvalidShares, i)
		}
		if isPaddingShare(s) {
			if err := checkPadding(s, s.Namespace()); err != nil {
				return nil, fmt.Errorf("share %d: %w", i, err)
			}
			i++
			continue
		}
		b, n, err := parseBlobAt(shares[i:])
		if err != nil {
			return nil, fmt.Errorf("blob at share %d: %w", i, err)
		}
		out = append(out, b)
		i += n
	}
	return out, nil
}
