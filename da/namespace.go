package da

import (
	"bytes"
	"encoding/hex"
	"errors"
	"fmt"
)

// Namespace sizes, as in Celestia's share specification.
const (
	// NamespaceVersionSize is the size of a namespace's version byte.
	NamespaceVersionSize = 1
	// NamespaceIDSize is the size of a namespace's id.
	NamespaceIDSize = 28
	// NamespaceSize is the size of a whole namespace: version ‖ id.
	NamespaceSize = NamespaceVersionSize + NamespaceIDSize
	// NamespaceVersionZeroPrefixSize is the number of leading zero bytes a
	// version-0 namespace id must have.
	NamespaceVersionZeroPrefixSize = 18
	// NamespaceVersionZeroIDSize is the number of free bytes of a version-0 id.
	NamespaceVersionZeroIDSize = NamespaceIDSize - NamespaceVersionZeroPrefixSize
)

// Namespace versions.
const (
	NamespaceVersionZero = 0
	NamespaceVersionMax  = 255
)

// Namespace is a 29-byte namespace: one version byte followed by a 28-byte id.
// Namespaces order bytewise; the NMT requires leaves in non-decreasing
// namespace order. Namespace is a value type and is safe to compare with ==.
type Namespace [NamespaceSize]byte

// Reserved namespaces. They are functions, not variables, so no program
// can change what the format reserves: each call returns a fresh value.

// TxNamespace holds ordinary transactions (compact shares).
func TxNamespace() Namespace { return reservedV0(0x01) }

// PayForBlobNamespace holds pay-for-blob transactions (compact shares).
func PayForBlobNamespace() Namespace { return reservedV0(0x04) }

// PrimaryReservedPaddingNamespace pads after the reserved shares.
func PrimaryReservedPaddingNamespace() Namespace { return reservedV0(0xFF) }

// MaxPrimaryReservedNamespace is the largest version-0 reserved namespace.
func MaxPrimaryReservedNamespace() Namespace { return reservedV0(0xFF) }

// MinSecondaryReservedNamespace is the smallest version-255 reserved namespace.
func MinSecondaryReservedNamespace() Namespace { return reservedV255(0x00) }

// TailPaddingNamespace pads the square after the last blob.
func TailPaddingNamespace() Namespace { return reservedV255(0xFE) }

// ParityNamespace marks shares outside the original quadrant in row and
// column trees.
func ParityNamespace() Namespace { return reservedV255(0xFF) }

// parityNS is the parity namespace for the hashing hot paths, which slice
// it; unexported, so no other package can change it.
var parityNS = ParityNamespace()

func reservedV0(last byte) Namespace {
	var ns Namespace
	ns[NamespaceSize-1] = last
	return ns
}

func reservedV255(last byte) Namespace {
	var ns Namespace
	for i := range ns {
		ns[i] = 0xFF
	}
	ns[NamespaceSize-1] = last
	return ns
}

// Namespace errors.
var (
	ErrNamespaceSize        = errors.New("da: namespace must be 29 bytes")
	ErrNamespaceVersion     = errors.New("da: unsupported namespace version")
	ErrNamespaceV0Prefix    = errors.New("da: version-0 namespace id must start with 18 zero bytes")
	ErrNamespaceReserved    = errors.New("da: namespace is reserved")
	ErrNamespaceIDTooLong   = errors.New("da: version-0 namespace id is longer than 10 bytes")
	ErrNamespaceNotForBlobs = errors.New("da: namespace cannot hold blobs")
)

// NewNamespaceV0 returns the version-0 namespace whose id is sub, left padded
// with zeros to 28 bytes. sub may be at most 10 bytes. The namespace is not
// checked against the reserved range; use ValidateForBlob for that.
func NewNamespaceV0(sub []byte) (Namespace, error) {
	if len(sub) > NamespaceVersionZeroIDSize {
		return Namespace{}, fmt.Errorf("%w: got %d bytes", ErrNamespaceIDTooLong, len(sub))
	}
	var ns Namespace
	copy(ns[NamespaceSize-len(sub):], sub)
	return ns, nil
}

// NamespaceFromBytes parses a 29-byte namespace and checks that it is well
// formed: version 0 (with the 18-byte zero prefix) or version 255.
func NamespaceFromBytes(b []byte) (Namespace, error) {
	if len(b) != NamespaceSize {
		return Namespace{}, fmt.Errorf("%w, got %d", ErrNamespaceSize, len(b))
	}
	var ns Namespace
	copy(ns[:], b)
	return ns, ns.Validate()
}

// ParseNamespace parses a namespace written in hex: either the full 29 bytes
// (58 hex digits) or a version-0 id of at most 10 bytes. An optional "0x"
// prefix is accepted.
func ParseNamespace(s string) (Namespace, error) {
	s = trimHexPrefix(s)
	b, err := hex.DecodeString(s)
	if err != nil {
		return Namespace{}, fmt.Errorf("da: namespace %q is not hex: %w", s, err)
	}
	if len(b) == NamespaceSize {
		return NamespaceFromBytes(b)
	}
	return NewNamespaceV0(b)
}

func trimHexPrefix(s string) string {
	if len(s) >= 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X') {
		return s[2:]
	}
	return s
}

// Version returns the namespace version.
func (ns Namespace) Version() uint8 { return ns[0] }

// ID returns the 28-byte namespace id. The slice aliases a copy of ns.
func (ns Namespace) ID() []byte { return ns[NamespaceVersionSize:] }

// Bytes returns the namespace as a new 29-byte slice.
func (ns Namespace) Bytes() []byte { b := ns; return b[:] }

// String returns the namespace in hex.
func (ns Namespace) String() string { return hex.EncodeToString(ns[:]) }

// Compare orders namespaces bytewise, like bytes.Compare.
func (ns Namespace) Compare(o Namespace) int { return bytes.Compare(ns[:], o[:]) }

// Validate checks that ns is well formed: version 0 with the 18-byte zero
// prefix, or version 255.
func (ns Namespace) Validate() error {
	switch ns.Version() {
	case NamespaceVersionZero:
		for _, b := range ns[NamespaceVersionSize : NamespaceVersionSize+NamespaceVersionZeroPrefixSize] {
			if b != 0 {
				return fmt.Errorf("%w: %s", ErrNamespaceV0Prefix, ns)
			}
		}
		return nil
	case NamespaceVersionMax:
		return nil
	default:
		return fmt.Errorf("%w %d (want 0 or 255)", ErrNamespaceVersion, ns.Version())
	}
}

// IsReserved reports whether ns lies in a reserved range: every version-0
// namespace ≤ 0x00…FF and every version-255 namespace ≥ 0xFF…FF00.
func (ns Namespace) IsReserved() bool {
	return ns.Compare(MaxPrimaryReservedNamespace()) <= 0 || ns.Compare(MinSecondaryReservedNamespace()) >= 0
}

// ValidateForBlob checks that ns may hold user blobs: well formed, version 0
// and outside the reserved ranges.
func (ns Namespace) ValidateForBlob() error {
	if err := ns.Validate(); err != nil {
		return err
	}
	if ns.Version() != NamespaceVersionZero {
		return fmt.Errorf("%w: blobs must use version 0, got version %d", ErrNamespaceNotForBlobs, ns.Version())
	}
	if ns.IsReserved() {
		return fmt.Errorf("%w: %s is ≤ %s", ErrNamespaceReserved, ns, MaxPrimaryReservedNamespace())
	}
	return nil
}
