package blobs

import (
	"fmt"
	"unsafe"

	"github.com/quadrant-da/quadrant/da"
	"github.com/quadrant-da/quadrant/erasure"
)

// Bytes returns the square as one row-major byte slice of len(s)·512 bytes.
// It aliases s (a Square is one contiguous buffer of fixed-size arrays).
func (s Square) Bytes() []byte {
	if len(s) == 0 {
		return nil
	}
	return unsafe.Slice((*byte)(unsafe.Pointer(&s[0])), len(s)*da.ShareSize)
}

// ExtendedSquare is a square with its Reed–Solomon extension and DA
// header: what a proposer needs for the data root and a prover for blob and
// namespace proofs.
type ExtendedSquare struct {
	Square Square
	EDS    *erasure.ExtendedSquare
	DAH    *da.DAHeader

	rowRootProofs []da.MerkleProof // proof of each row root to the data root
}

// newExtended completes an ExtendedSquare with its row-root proofs.
func newExtended(s Square, eds *erasure.ExtendedSquare, dah *da.DAHeader) *ExtendedSquare {
	roots := append(append(make([][]byte, 0, 2*len(dah.RowRoots)), dah.RowRoots...), dah.ColumnRoots...)
	_, proofs := da.MerkleProofs(roots)
	return &ExtendedSquare{Square: s, EDS: eds, DAH: dah, rowRootProofs: proofs[:len(dah.RowRoots)]}
}

// rowRootProof returns the Merkle proof of row root r to the data root.
func (x *ExtendedSquare) rowRootProof(r int) (da.MerkleProof, error) {
	if x.rowRootProofs == nil {
		return x.DAH.AxisRootProof(erasure.Row, r)
	}
	if r < 0 || r >= len(x.rowRootProofs) {
		return da.MerkleProof{}, fmt.Errorf("%w: row %d out of range", ErrInvalidSquare, r)
	}
	p := x.rowRootProofs[r]
	aunts := make([][]byte, len(p.Aunts))
	for i, a := range p.Aunts {
		aunts[i] = append([]byte(nil), a...)
	}
	p.Aunts = aunts
	return p, nil
}

// Extend extends the square (erasure.Extend, Celestia's Leopard codec) and
// computes its DA header. The extended square does not alias s.
func (s Square) Extend() (*ExtendedSquare, error) {
	k := s.Size()
	if len(s) == 0 || k*k != len(s) {
		return nil, fmt.Errorf("%w: %d shares is not a k×k square", ErrInvalidSquare, len(s))
	}
	eds, err := erasure.Extend(s.Bytes(), k)
	if err != nil {
		return nil, fmt.Errorf("blobs: extending the square: %w", err)
	}
	dah, err := da.ComputeDAHeader(eds)
	if err != nil {
		return nil, fmt.Errorf("blobs: DA header of the square: %w", err)
	}
	return newExtended(s, eds, dah), nil
}

// DataRoot returns the square's data root (the DA header's hash) and its
// DA header: the value a proposer puts in the data-root transaction and a
// validator compares.
func (s Square) DataRoot() ([]byte, *da.DAHeader, error) {
	x, err := s.Extend()
	if err != nil {
		return nil, nil, err
	}
	return x.DAH.Hash(), x.DAH, nil
}

// SquareFromEDS returns a copy of the original quadrant of an extended
// square as a Square.
func SquareFromEDS(eds *erasure.ExtendedSquare) Square {
	k := eds.K()
	sq := make(Square, k*k)
	for r := 0; r < k; r++ {
		for c := 0; c < k; c++ {
			copy(sq[r*k+c][:], eds.Share(r, c))
		}
	}
	return sq
}

// NewExtendedSquare wraps an extended square received or stored elsewhere
// (a full node's) with its DA header. When dah is nil the header is
// computed; otherwise the caller vouches that dah is the square's header
// (a full node checked it on ingest) and it is not recomputed — proofs
// built from a mismatched header fail verification, they are never
// wrongly accepted.
func NewExtendedSquare(eds *erasure.ExtendedSquare, dah *da.DAHeader) (*ExtendedSquare, error) {
	if dah == nil {
		var err error
		if dah, err = da.ComputeDAHeader(eds); err != nil {
			return nil, err
		}
	}
	if err := dah.Validate(); err != nil {
		return nil, err
	}
	if dah.SquareWidth() != eds.Width() {
		return nil, fmt.Errorf("%w: DA header of width %d for a square of width %d", ErrInvalidSquare, dah.SquareWidth(), eds.Width())
	}
	return newExtended(SquareFromEDS(eds), eds, dah), nil
}

// rowTree returns the NMT of row r of the extended square: original shares
// under their own namespace, the parity half under da.ParityNamespace.
func (x *ExtendedSquare) rowTree(r int) (*da.Tree, error) {
	k := x.EDS.K()
	w := 2 * k
	buf := make([]byte, 0, w*da.NodeSize)
	nodes := make([][]byte, w)
	for c := 0; c < w; c++ {
		share := x.EDS.Share(r, c)
		ns := da.ParityNamespace()
		if r < k && c < k {
			copy(ns[:], share[:da.NamespaceSize])
		}
		buf = da.HashLeaf(buf, ns, share)
		nodes[c] = buf[c*da.NodeSize : (c+1)*da.NodeSize]
	}
	return da.TreeFromLeafNodes(nodes)
}
