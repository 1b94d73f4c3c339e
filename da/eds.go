package da

import (
	"bytes"
	"crypto/sha256"
	"fmt"

	"github.com/quadrant-da/quadrant/erasure"
)

// NMTRooter computes the NMT roots of the rows and columns of an extended
// square exactly as Celestia does: a share of the original quadrant is
// pushed under its own namespace (its first 29 bytes), every other share
// under ParityNamespace. It implements erasure.Rooter; its leaf digest is the
// 32-byte sha256(0x00 ‖ ns ‖ share), the same in the share's row tree and
// column tree, and Root rebuilds the 90-byte leaf nodes from it. The zero
// value is ready to use and safe for concurrent use.
type NMTRooter struct{}

var _ erasure.Rooter = NMTRooter{}

// LeafSize returns the size of a leaf digest: HashSize.
func (NMTRooter) LeafSize() int { return HashSize }

// leafNamespace returns the namespace a share at position j of axis index
// i is pushed under, in a square of original width k.
func leafNamespace(share []byte, i, j, k int) []byte {
	if i < k && j < k {
		return share[:NamespaceSize]
	}
	return parityNS[:]
}

// HashLeaves writes sha256(0x00 ‖ ns ‖ share) into dst[j][:HashSize] for
// every share j of axis (axis, index), ns being the namespace the share is
// pushed under. It streams every leaf through one hasher, so the shares are
// not copied.
func (NMTRooter) HashLeaves(axis erasure.Axis, index, k int, shares, dst [][]byte) {
	h := sha256.New()
	var pre [1 + NamespaceSize]byte
	pre[0] = LeafPrefix
	for j, share := range shares {
		copy(pre[1:], leafNamespace(share, index, j, k))
		h.Reset()
		h.Write(pre[:])
		h.Write(share)
		h.Sum(dst[j][:0])
	}
}

// Root returns the NMT root of axis (axis, index): the tree over the 2k
// leaves ns ‖ share, from their digests. It returns an error, as Celestia's
// NMT push would, if the namespaces of the original quadrant's shares are
// not in non-decreasing order along the axis. It allocates only the result.
func (NMTRooter) Root(axis erasure.Axis, index, k int, shares, leaves [][]byte) ([]byte, error) {
	n := len(leaves)
	if n != 2*k || len(shares) != n || n&(n-1) != 0 || k > erasure.MaxK {
		return nil, fmt.Errorf("da: root of %s %d: %d shares and %d leaf digests, want %d", axis, index, len(shares), n, 2*k)
	}
	// Stack of complete subtrees with strictly decreasing heights; node
	// (min ns ‖ max ns ‖ hash) parents are built in place.
	var stack [16][NodeSize]byte
	var height [16]int
	top := 0
	var buf [1 + 2*NodeSize]byte
	buf[0] = NodePrefix
	for j := 0; j < n; j++ {
		if len(shares[j]) < NamespaceSize || len(leaves[j]) != HashSize {
			return nil, fmt.Errorf("da: root of %s %d: share %d of %d bytes with a %d-byte digest", axis, index, j, len(shares[j]), len(leaves[j]))
		}
		ns := leafNamespace(shares[j], index, j, k)
		if j > 0 && index < k && j < k && bytes.Compare(ns, shares[j-1][:NamespaceSize]) < 0 {
			return nil, fmt.Errorf("%w: %s %d, share %d has namespace %x after %x",
				ErrPushOrder, axis, index, j, ns, shares[j-1][:NamespaceSize])
		}
		node := &stack[top]
		copy(node[:], ns)
		copy(node[NamespaceSize:], ns)
		copy(node[2*NamespaceSize:], leaves[j])
		height[top] = 0
		top++
		for top >= 2 && height[top-1] == height[top-2] {
			l, r := &stack[top-2], &stack[top-1]
			copy(buf[1:], l[:])
			copy(buf[1+NodeSize:], r[:])
			sum := sha256.Sum256(buf[:])
			// min stays l.min; max is r.max unless r is all parity.
			if !bytes.Equal(r[:NamespaceSize], parityNS[:]) {
				copy(l[NamespaceSize:2*NamespaceSize], r[NamespaceSize:2*NamespaceSize])
			}
			copy(l[2*NamespaceSize:], sum[:])
			height[top-2]++
			top--
		}
	}
	return append([]byte(nil), stack[0][:]...), nil
}

// ComputeDAHeader returns the DA header of the complete extended square
// eds: the NMT roots of its rows and columns. Every share is hashed once
// (its leaf is the same in its row and its column tree) and the work is
// spread over all cores. It returns an error if the original quadrant's
// namespaces are out of order along a row or column, or if the square is
// wider than a DA header allows.
func ComputeDAHeader(eds *erasure.ExtendedSquare) (*DAHeader, error) {
	if w := eds.Width(); w > MaxSquareWidth {
		return nil, fmt.Errorf("%w: square width %d, want at most %d", ErrDAHeader, w, MaxSquareWidth)
	}
	rows, cols, err := erasure.Roots(eds, NMTRooter{})
	if err != nil {
		return nil, fmt.Errorf("da: computing the DA header: %w", err)
	}
	return NewDAHeader(rows, cols)
}

// TailPaddingShare returns the tail-padding share: namespace
// TailPaddingNamespace, share version 0 with the sequence-start bit set,
// sequence length 0, zeros after.
func TailPaddingShare() Share {
	var s Share
	ns := TailPaddingNamespace()
	copy(s[:], ns[:])
	s[NamespaceSize] = ShareVersionZero<<1 | 1
	return s
}

// EmptyDAHeader returns the DA header of a block with no data: that of the
// 1×1 square holding one tail-padding share, extended to 2×2 (Celestia's
// MinDataAvailabilityHeader). Each call returns a new header.
func EmptyDAHeader() *DAHeader {
	s := TailPaddingShare()
	eds, err := erasure.Extend(s[:], 1)
	if err != nil {
		panic("da: extending the empty square: " + err.Error())
	}
	h, err := ComputeDAHeader(eds)
	if err != nil {
		panic("da: the empty square's DA header: " + err.Error())
	}
	return h
}

// RepairSquare completes the partially known extended square eds in place
// and checks it against dah, as erasure.Repair does with Celestia's NMT:
// present[r·2k+c] reports whether share (r, c) is known. It returns nil
// when eds is complete and matches dah, an *erasure.ErrByzantineData when a
// row or column is badly encoded (the evidence for NewBadEncodingProof), or
// an error wrapping erasure.ErrUnrecoverable when too few shares are known.
func RepairSquare(eds *erasure.ExtendedSquare, present []bool, dah *DAHeader) error {
	if err := dah.Validate(); err != nil {
		return err
	}
	if dah.SquareWidth() != eds.Width() {
		return fmt.Errorf("%w: header for width %d, square of width %d", ErrDAHeader, dah.SquareWidth(), eds.Width())
	}
	return erasure.Repair(eds, present, dah.RowRoots, dah.ColumnRoots, NMTRooter{})
}

// AxisRoot returns the NMT root of axis (axis, index) of an extended square
// given all its 2k shares, as it appears in the DA header.
func AxisRoot(axis erasure.Axis, index int, shares [][]byte) ([]byte, error) {
	return erasure.AxisRoot(NMTRooter{}, axis, index, shares)
}
