package da

import (
	"crypto/sha256"
	"math/bits"
)

// Binary Merkle trees in the RFC-6962 style used by CometBFT and Celestia:
// leaf = sha256(0x00 ‖ leaf), inner = sha256(0x01 ‖ left ‖ right), a tree of
// n leaves splits at the largest power of two below n, and the empty tree
// hashes to sha256("").

// MerkleLeafHash returns sha256(0x00 ‖ leaf).
func MerkleLeafHash(leaf []byte) []byte {
	h := sha256.New()
	h.Write([]byte{0})
	h.Write(leaf)
	return h.Sum(nil)
}

// MerkleInnerHash returns sha256(0x01 ‖ left ‖ right).
func MerkleInnerHash(left, right []byte) []byte {
	h := sha256.New()
	h.Write([]byte{1})
	h.Write(left)
	h.Write(right)
	return h.Sum(nil)
}

// MerkleRoot returns the RFC-6962 root of leaves (sha256("") for none), as
// CometBFT's merkle.HashFromByteSlices.
func MerkleRoot(leaves [][]byte) []byte {
	if len(leaves) == 0 {
		h := sha256.Sum256(nil)
		return h[:]
	}
	return newMerkleHasher().root(leaves)
}

// merkleSplit returns the largest power of two strictly less than n (n ≥ 2).
func merkleSplit(n int) int {
	return 1 << (bits.Len(uint(n-1)) - 1)
}
