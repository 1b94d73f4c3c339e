package blobs

import (
	"fmt"

	"github.com/quadrant-da/quadrant/da"
)

// CreateCommitment returns the 32-byte share commitment of a blob, as
// Celestia's inclusion.CreateCommitment computes it with subtree root
// threshold 64: the blob's shares are split into a Merkle mountain range of
// subtrees of width SubTreeWidth (then smaller powers of two), each subtree's
// NMT root is computed, and the commitment is the RFC-6962 Merkle root of
// those subtree roots. It depends only on the blob, not on the square.
func CreateCommitment(b *Blob) ([]byte, error) {
	roots, err := SubtreeRoots(b)
	if err != nil {
		return nil, err
	}
	return da.MerkleRoot(roots), nil
}

// SubtreeRoots returns the NMT roots (90-byte nodes) of the blob's Merkle
// mountain range of subtrees, in order; their RFC-6962 root is the share
// commitment.
func SubtreeRoots(b *Blob) ([][]byte, error) {
	shares, err := SplitBlob(b)
	if err != nil {
		return nil, err
	}
	leaves := make([]byte, 0, len(shares)*da.NodeSize)
	for i := range shares {
		leaves = da.HashLeaf(leaves, b.Namespace, shares[i][:])
	}
	width := SubTreeWidth(len(shares), SubtreeRootThreshold)
	sizes := mountainRangeSizes(len(shares), width)
	roots := make([][]byte, len(sizes))
	cursor := 0
	for i, size := range sizes {
		root, err := nmtRootOfLeafNodes(leaves[cursor*da.NodeSize : (cursor+size)*da.NodeSize])
		if err != nil {
			return nil, fmt.Errorf("blobs: subtree root %d: %w", i, err)
		}
		roots[i] = root
		cursor += size
	}
	return roots, nil
}

// mountainRangeSizes returns the leaf counts of the trees of a Merkle
// mountain range over total leaves whose largest tree has maxTree leaves:
// as many maxTree trees as fit, then decreasing powers of two.
func mountainRangeSizes(total, maxTree int) []int {
	var sizes []int
	for total > 0 {
		s := maxTree
		if total < maxTree {
			s = roundDownPowerOfTwo(total)
		}
		sizes = append(sizes, s)
		total -= s
	}
	return sizes
}

// nmtRootOfLeafNodes returns the NMT root over consecutive 90-byte leaf
// nodes (split at the largest power of two below n, like every RFC-6962
// style tree).
func nmtRootOfLeafNodes(nodes []byte) ([]byte, error) {
	n := len(nodes) / da.NodeSize
	switch {
	case n == 0 || len(nodes)%da.NodeSize != 0:
		return nil, fmt.Errorf("blobs: %d bytes is not a positive number of %d-byte nmt nodes", len(nodes), da.NodeSize)
	case n == 1:
		return append([]byte(nil), nodes...), nil
	}
	k := roundDownPowerOfTwo(n - 1)
	l, err := nmtRootOfLeafNodes(nodes[:k*da.NodeSize])
	if err != nil {
		return nil, err
	}
	r, err := nmtRootOfLeafNodes(nodes[k*da.NodeSize:])
	if err != nil {
		return nil, err
	}
	return da.HashNode(make([]byte, 0, da.NodeSize), l, r)
}
