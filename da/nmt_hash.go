package da

import (
	"bytes"
	"crypto/sha256"
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
	h := sha256.New()
	var pre [1 + NamespaceSize]byte
	pre[0] = LeafPrefix
	copy(pre[1:], ns[:])
	h.Write(pre[:])
	h.Write(data)
	dst = append(dst, ns[:]...)
	dst = append(dst, ns[:]...)
	return h.Sum(dst)
}

// HashNode appends to dst the parent of two NMT nodes and returns the
// extended slice. The parent's range is [left.min, right.max], except that
// when right.min is the parity namespace the max is left.max (the max
// namespace is ignored). It returns an error if a node is not NodeSize
// bytes or the children are out of namespace order.
func HashNode(dst, left, right []byte) ([]byte, error) {
	if len(left) != NodeSize || len(right) != NodeSize {
		return dst, fmt.Errorf("da: nmt node must be %d bytes, got %d and %d", NodeSize, len(left), len(right))
	}
	if bytes.Compare(left[NamespaceSize:2*NamespaceSize], right[:NamespaceSize]) > 0 {
		return dst, fmt.Errorf("da: nmt children out of namespace order: left max %x > right min %x",
			left[NamespaceSize:2*NamespaceSize], right[:NamespaceSize])
	}
	return hashNodeUnchecked(dst, left, right), nil
}

// hashNodeUnchecked is HashNode for inputs known to be well formed.
func hashNodeUnchecked(dst, left, right []byte) []byte {
	h := sha256.New()
	var pre [1]byte
	pre[0] = NodePrefix
	h.Write(pre[:])
	h.Write(left)
	h.Write(right)
	dst = append(dst, left[:NamespaceSize]...)
	if bytes.Equal(right[:NamespaceSize], ParityNamespace[:]) {
		dst = append(dst, left[NamespaceSize:2*NamespaceSize]...)
	} else {
		dst = append(dst, right[NamespaceSize:2*NamespaceSize]...)
	}
	return h.Sum(dst)
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
