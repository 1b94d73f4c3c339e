package da

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// Share layout constants (Celestia share specification).
const (
	// ShareSize is the size of every share.
	ShareSize = 512
	// ShareInfoBytes is the size of the info byte.
	ShareInfoBytes = 1
	// SequenceLenBytes is the size of the sequence length of a first share.
	SequenceLenBytes = 4
	// ShareReservedBytes is the size of a compact share's reserved bytes.
	ShareReservedBytes = 4
	// SignerSize is the size of the signer carried by share version 1.
	SignerSize = 20

	// ShareVersionZero is the share version of ordinary blobs and compact shares.
	ShareVersionZero = 0
	// ShareVersionOne is the share version of blobs that carry a signer.
	ShareVersionOne = 1
	// MaxShareVersion is the largest share version the info byte can hold.
	MaxShareVersion = 127

	// FirstSparseShareContentSize is the payload of the first share of a blob.
	FirstSparseShareContentSize = ShareSize - NamespaceSize - ShareInfoBytes - SequenceLenBytes
	// ContinuationSparseShareContentSize is the payload of later blob shares.
	ContinuationSparseShareContentSize = ShareSize - NamespaceSize - ShareInfoBytes
	// FirstSparseShareContentSizeV1 is the payload of a version-1 first share.
	FirstSparseShareContentSizeV1 = FirstSparseShareContentSize - SignerSize
	// FirstCompactShareContentSize is the payload of a first compact share.
	FirstCompactShareContentSize = FirstSparseShareContentSize - ShareReservedBytes
	// ContinuationCompactShareContentSize is the payload of later compact shares.
	ContinuationCompactShareContentSize = ContinuationSparseShareContentSize - ShareReservedBytes
)

// Share is one 512-byte share. Its first 29 bytes are its namespace for
// shares of the original square; parity shares are raw Reed–Solomon output.
// A []Share is one contiguous buffer.
type Share [ShareSize]byte

// ErrShareSize is returned when a share is not 512 bytes.
var ErrShareSize = errors.New("da: share must be 512 bytes")

// ShareFromBytes copies b into a Share; b must be exactly 512 bytes.
func ShareFromBytes(b []byte) (Share, error) {
	var s Share
	if len(b) != ShareSize {
		return s, fmt.Errorf("%w, got %d", ErrShareSize, len(b))
	}
	copy(s[:], b)
	return s, nil
}

// NewInfoByte returns the info byte for a share version and sequence-start bit.
func NewInfoByte(version uint8, sequenceStart bool) (byte, error) {
	if version > MaxShareVersion {
		return 0, fmt.Errorf("da: share version %d over the maximum %d", version, MaxShareVersion)
	}
	b := version << 1
	if sequenceStart {
		b |= 1
	}
	return b, nil
}

// Namespace returns the namespace in the share's first 29 bytes.
func (s *Share) Namespace() Namespace {
	var ns Namespace
	copy(ns[:], s[:NamespaceSize])
	return ns
}

// InfoByte returns the share's info byte.
func (s *Share) InfoByte() byte { return s[NamespaceSize] }

// Version returns the share version from the info byte.
func (s *Share) Version() uint8 { return s.InfoByte() >> 1 }

// IsSequenceStart reports whether the share starts a sequence.
func (s *Share) IsSequenceStart() bool { return s.InfoByte()&1 == 1 }

// SequenceLen returns the sequence length of a first share, 0 otherwise.
func (s *Share) SequenceLen() uint32 {
	if !s.IsSequenceStart() {
		return 0
	}
	off := NamespaceSize + ShareInfoBytes
	return binary.BigEndian.Uint32(s[off : off+SequenceLenBytes])
}

// IsCompact reports whether the share is a compact (transaction) share.
func (s *Share) IsCompact() bool {
	ns := s.Namespace()
	return ns == TxNamespace() || ns == PayForBlobNamespace()
}

// IsPadding reports whether the share is a padding share: a sequence start
// with sequence length zero (namespace, primary reserved or tail padding).
func (s *Share) IsPadding() bool {
	return s.IsSequenceStart() && s.SequenceLen() == 0
}

// Validate checks the share's namespace and info byte; it does not interpret
// the payload. It is meant for shares of the original square.
func (s *Share) Validate() error {
	if err := s.Namespace().Validate(); err != nil {
		return fmt.Errorf("da: share: %w", err)
	}
	if v := s.Version(); v != ShareVersionZero && v != ShareVersionOne {
		return fmt.Errorf("da: share: unsupported share version %d (want 0 or 1)", v)
	}
	if s.Version() == ShareVersionOne && s.IsCompact() {
		return errors.New("da: share: compact shares must use share version 0")
	}
	return nil
}
