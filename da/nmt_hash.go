package da

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"fmt"
)

// NMT hashing, byte-compatible with Celestia's NMT (sha256, 29-byte
// namespaces, max namespace ignored for parity).
const (
	// LeafPrefix is prepended to a leaf before hashing.
	LeafPrefix = 0
	// NodePrefix is prepended to two child nodes before hashing.
	NodePrefix = 1
	// HashSize is the size of a SHA-256 digest.
	HashSize = sha256.Size
	// NodeSize is the size of an NMT node: min ns ‖ max ns ‖ sha256.
	NodeSize = 2*NamespaceSize + HashSize
)

// NMT node errors.
var (
	// ErrNodeSize is returned when an NMT node is not NodeSize bytes.
	ErrNodeSize = errors.New("da: nmt node must be 90 bytes")
	// ErrNodeRange is returned when a node's min namespace exceeds its max.
	ErrNodeRange = errors.New("da: nmt node min namespace is greater than its max namespace")
	// ErrNodeOrder is returned when two sibling nodes are out of namespace
	// order (left max > right min).
	ErrNodeOrder = errors.New("da: nmt children out of namespace order")
)

// emptyRoot is the root of an NMT with no leaves: zero namespaces and
// sha256 of nothing.
var emptyRoot = func() []byte {
	r := make([]byte, NodeSize)
	h := sha256.Sum256(nil)
	copy(r[2*NamespaceSize:], h[:])
	return r
}()

// EmptyNMTRoot returns the root of an empty NMT (a new slice).
func EmptyNMTRoot() []byte { return append([]byte(nil), emptyRoot...) }

// HashLeaf appends to dst the NMT node of the leaf ns ‖ data, that is
// ns ‖ ns ‖ sha256(0x00 ‖ ns ‖ data), and returns the extended slice.
// For shares of the original square data is the share itself (which
// begins with ns); for other shares ns is ParityNamespace.
func HashLeaf(dst []byte, ns Namespace, data []byte) []byte {
	var sum [HashSize]byte
	if len(data) == ShareSize {
		// Common case: hash from one stack buffer, no allocation.
		var buf [1 + NamespaceSize + ShareSize]byte
		buf[0] = LeafPrefix
		copy(buf[1:], ns[:])
		copy(buf[1+NamespaceSize:], data)
		sum = sha256.Sum256(buf[:])
	} else {
		h := sha256.New()
		var pre [1 + NamespaceSize]byte
		pre[0] = LeafPrefix
		copy(pre[1:], ns[:])
		h.Write(pre[:])
		h.Write(data)
		h.Sum(sum[:0])
	}
	dst = append(dst, ns[:]...)
	dst = append(dst, ns[:]...)
	return append(dst, sum[:]...)
}

// hashLeafBytes appends to dst the NMT node of leaf, which begins with its
// namespace (len(leaf) ≥ NamespaceSize, not checked).
func hashLeafBytes(dst, leaf []byte) []byte {
	var ns Namespace
	copy(ns[:], leaf)
	return HashLeaf(dst, ns, leaf[NamespaceSize:])
}

// ValidateNode checks that node is NodeSize bytes and that its min namespace
// is ≤ its max namespace, as Celestia's NMT hasher does for every node it
// receives.
func ValidateNode(node []byte) error {
	if len(node) != NodeSize {
		return fmt.Errorf("%w, got %d", ErrNodeSize, len(node))
	}
	if bytes.Compare(node[:NamespaceSize], node[NamespaceSize:2*NamespaceSize]) > 0 {
		return fmt.Errorf("%w: min %x, max %x", ErrNodeRange, node[:NamespaceSize], node[NamespaceSize:2*NamespaceSize])
	}
	return nil
}

// HashNode appends to dst the parent of two NMT nodes and returns the
// extended slice. The parent's range is [left.min, right.max], except that
// when right.min is the parity namespace the max is left.max (the max
// namespace is ignored). It returns an error, wrapping ErrNodeSize,
// ErrNodeRange or ErrNodeOrder, if a child is malformed or the children are
// out of namespace order, exactly when Celestia's NMT hasher would.
func HashNode(dst, left, right []byte) ([]byte, error) {
	if err := ValidateNode(left); err != nil {
		return dst, fmt.Errorf("left child: %w", err)
	}
	if err := ValidateNode(right); err != nil {
		return dst, fmt.Errorf("right child: %w", err)
	}
	if bytes.Compare(left[NamespaceSize:2*NamespaceSize], right[:NamespaceSize]) > 0 {
		return dst, fmt.Errorf("%w: left max %x > right min %x",
			ErrNodeOrder, left[NamespaceSize:2*NamespaceSize], right[:NamespaceSize])
	}
	return hashNodeUnchecked(dst, left, right), nil
}

// hashNodeUnchecked is HashNode for inputs known to be well formed. It does
// not allocate beyond growing dst.
func hashNodeUnchecked(dst, left, right []byte) []byte {
	var buf [1 + 2*NodeSize]byte
	buf[0] = NodePrefix
	copy(buf[1:], left)
	copy(buf[1+NodeSize:], right)
	sum := sha256.Sum256(buf[:])
	dst = append(dst, left[:NamespaceSize]...)
	if bytes.Equal(right[:NamespaceSize], parityNS[:]) {
		dst = append(dst, left[NamespaceSize:2*NamespaceSize]...)
	} else {
		dst = append(dst, right[NamespaceSize:2*NamespaceSize]...)
	}
	return append(dst, sum[:]...)
}

// NodeMin returns the min namespace of an NMT node.
func NodeMin(node []byte) Namespace {
	var ns Namespace
	copy(ns[:], node[:NamespaceSize])
	return ns
}

// NodeMax returns the max namespace of an NMT node.
func NodeMax(node []byte) Namespace {
	var ns Namespace
	copy(ns[:], node[NamespaceSize:2*NamespaceSize])
	return ns
}
