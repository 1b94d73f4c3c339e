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
	leaves := make([][]byte, len(shares))
	for i := range shares {
		leaves[i] = shares[i][:]
	}
	buf := da.AppendLeafNodes(make([]byte, 0, len(shares)*da.NodeSize), b.Namespace, leaves)
	for i := range leaves {
		leaves[i] = buf[i*da.NodeSize : (i+1)*da.NodeSize]
	}
	width := SubTreeWidth(len(shares), SubtreeRootThreshold)
	sizes := mountainRangeSizes(len(shares), width)
	roots := make([][]byte, len(sizes))
	cursor := 0
	for i, size := range sizes {
		root, err := da.RootFromLeafNodes(leaves[cursor : cursor+size])
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
