package da

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"math/bits"

	"github.com/quadrant-da/quadrant/erasure"
)

// ErrSample is wrapped by every sample construction, verification or
// decoding failure.
var ErrSample = errors.New("da: invalid sample")

// Sample size limits: a share proof in a square of width ≤ MaxSquareWidth
// has at most log2(MaxSquareWidth) nodes and no leaf hash, and an axis root
// proof (among 2·MaxSquareWidth roots) at most log2(2·MaxSquareWidth) aunts.
const (
	maxSampleProofNodes = 9  // log2(MaxSquareWidth)
	maxSampleRootAunts  = 10 // log2(2·MaxSquareWidth)
	// MaxSampleSize bounds an encoded Sample (1756 bytes).
	MaxSampleSize = 2 + 2 + 1 + ShareSize + NodeSize +
		(4 + 4 + 1 + 1 + maxSampleProofNodes*NodeSize) +
		(4 + 4 + 1 + maxSampleRootAunts*HashSize)
)

// checkProofSizes bounds the proofs of a sample so that its encoding
// fits in MaxSampleSize.
func (s *Sample) checkProofSizes() error {
	if len(s.Proof.Nodes) > maxSampleProofNodes || len(s.Proof.LeafHash) != 0 || len(s.RootProof.Aunts) > maxSampleRootAunts {
		return fmt.Errorf("%w: proof of %d nodes (leaf hash %d bytes) and root proof of %d aunts, want at most %d, none and %d",
			ErrSample, len(s.Proof.Nodes), len(s.Proof.LeafHash), len(s.RootProof.Aunts), maxSampleProofNodes, maxSampleRootAunts)
	}
	return nil
}

// Sample is one share of the extended square with everything a light node
// that holds only the data root needs to check it: the share's NMT proof
// against its row (Axis = Row) or column (Axis = Col) root, that root, and
// the root's Merkle proof to the data root.
type Sample struct {
	Row       int          `json:"row"`
	Col       int          `json:"col"`
	Axis      erasure.Axis `json:"axis"`
	Share     []byte       `json:"share"`
	Proof     Proof        `json:"proof"`
	AxisRoot  []byte       `json:"axis_root"`
	RootProof MerkleProof  `json:"root_proof"`
}

// axisRootIndex returns the position of an axis root among the data root's
// leaves (row roots, then column roots) of a square of width w.
func axisRootIndex(axis erasure.Axis, i, w int) int {
	if axis == erasure.Col {
		return w + i
	}
	return i
}

// AxisRootProof returns the Merkle proof of row root i (axis Row) or column
// root i (axis Col) to the data root h.Hash().
func (h *DAHeader) AxisRootProof(axis erasure.Axis, i int) (MerkleProof, error) {
	w := h.SquareWidth()
	if axis != erasure.Row && axis != erasure.Col {
		return MerkleProof{}, fmt.Errorf("%w: unknown axis %d", ErrDAHeader, axis)
	}
	if i < 0 || i >= w {
		return MerkleProof{}, fmt.Errorf("%w: axis index %d out of range [0, %d)", ErrDAHeader, i, w)
	}
	return merkleProof(h.axisRoots(), axisRootIndex(axis, i, w)), nil
}

// AxisRoot returns row root i (axis Row) or column root i (axis Col), or nil
// if i or axis is out of range. The slice aliases h.
func (h *DAHeader) AxisRoot(axis erasure.Axis, i int) []byte {
	if i < 0 || i >= h.SquareWidth() {
		return nil
	}
	switch axis {
	case erasure.Row:
		return h.RowRoots[i]
	case erasure.Col:
		return h.ColumnRoots[i]
	}
	return nil
}

// VerifyAxisRoot checks that root is row root i (axis Row) or column root i
// (axis Col) of a square of width squareWidth whose data root is dataRoot,
// using proof. It checks the proof's index and total against the position,
// so a proof of another root cannot be replayed.
func VerifyAxisRoot(dataRoot []byte, squareWidth int, axis erasure.Axis, i int, root []byte, proof MerkleProof) error {
	if err := checkSquareWidth(squareWidth); err != nil {
		return err
	}
	if axis != erasure.Row && axis != erasure.Col {
		return fmt.Errorf("da: unknown axis %d", axis)
	}
	if i < 0 || i >= squareWidth {
		return fmt.Errorf("da: axis index %d out of range [0, %d)", i, squareWidth)
	}
	if err := ValidateNode(root); err != nil {
		return fmt.Errorf("da: axis root: %w", err)
	}
	if want := axisRootIndex(axis, i, squareWidth); proof.Index != want || proof.Total != 2*squareWidth {
		return fmt.Errorf("%w: proof is for leaf %d of %d, want %d of %d", ErrMerkleProof, proof.Index, proof.Total, want, 2*squareWidth)
	}
	return proof.Verify(dataRoot, root)
}

func checkSquareWidth(w int) error {
	if w < MinSquareWidth || w > MaxSquareWidth || w&(w-1) != 0 {
		return fmt.Errorf("da: square width %d, want a power of two in [%d, %d]", w, MinSquareWidth, MaxSquareWidth)
	}
	return nil
}

// treeLeafNamespace returns the namespace a share at (row, col) of an extended
// square of width w takes in row and column trees: its own in the original
// quadrant, ParityNamespace elsewhere.
func treeLeafNamespace(share []byte, row, col, w int) Namespace {
	if row < w/2 && col < w/2 {
		var ns Namespace
		copy(ns[:], share)
		return ns
	}
	return ParityNamespace()
}

// AxisLeafNodes returns the NMT leaf nodes of one axis of the extended
// square: shares are the 2k shares of row index (axis Row) or column index
// (axis Col). Shares of the original quadrant are hashed under their own
// namespace, the others under ParityNamespace.
func AxisLeafNodes(axis erasure.Axis, index int, shares [][]byte) ([][]byte, error) {
	w := len(shares)
	if err := checkSquareWidth(w); err != nil {
		return nil, err
	}
	if index < 0 || index >= w {
		return nil, fmt.Errorf("da: axis index %d out of range [0, %d)", index, w)
	}
	buf := make([]byte, 0, w*NodeSize)
	out := make([][]byte, w)
	for j, s := range shares {
		if len(s) != ShareSize {
			return nil, fmt.Errorf("%w: share %d is %d bytes", ErrShareSize, j, len(s))
		}
		row, col := index, j
		if axis == erasure.Col {
			row, col = j, index
		}
		buf = HashLeaf(buf, treeLeafNamespace(s, row, col, w), s)
		out[j] = buf[j*NodeSize : (j+1)*NodeSize : (j+1)*NodeSize]
	}
	return out, nil
}

// NewSample builds the sample of the share at (row, col) of the extended
// square described by dah, proven along axis. axisShares are the 2k shares
// of that axis: row `row` for Row, column `col` for Col. It fails if the
// shares do not hash to the axis root committed in dah.
func NewSample(dah *DAHeader, axis erasure.Axis, row, col int, axisShares [][]byte) (*Sample, error) {
	if err := dah.Validate(); err != nil {
		return nil, err
	}
	w := dah.SquareWidth()
	if row < 0 || row >= w || col < 0 || col >= w {
		return nil, fmt.Errorf("%w: coordinates (%d, %d) outside a %d×%d square", ErrSample, row, col, w, w)
	}
	if len(axisShares) != w {
		return nil, fmt.Errorf("%w: %d axis shares, want %d", ErrSample, len(axisShares), w)
	}
	index, pos := row, col
	if axis == erasure.Col {
		index, pos = col, row
	}
	nodes, err := AxisLeafNodes(axis, index, axisShares)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrSample, err)
	}
	return NewSampleFromLeafNodes(dah, axis, row, col, axisShares[pos], nodes)
}

// NewSampleFromLeafNodes is NewSample for a caller that already holds the
// axis' leaf nodes (see AxisLeafNodes), e.g. a full node serving many
// samples: no share is rehashed except the sampled one, to check it.
func NewSampleFromLeafNodes(dah *DAHeader, axis erasure.Axis, row, col int, share []byte, leafNodes [][]byte) (*Sample, error) {
	w := dah.SquareWidth()
	index, pos := row, col
	if axis == erasure.Col {
		index, pos = col, row
	}
	root := dah.AxisRoot(axis, index)
	if root == nil || pos < 0 || pos >= w {
		return nil, fmt.Errorf("%w: coordinates (%d, %d) or axis %d invalid for a %d×%d square", ErrSample, row, col, axis, w, w)
	}
	if len(share) != ShareSize || len(leafNodes) != w {
		return nil, fmt.Errorf("%w: share of %d bytes and %d leaf nodes, want %d and %d", ErrSample, len(share), len(leafNodes), ShareSize, w)
	}
	if leaf := HashLeaf(nil, treeLeafNamespace(share, row, col, w), share); !bytes.Equal(leaf, leafNodes[pos]) {
		return nil, fmt.Errorf("%w: share at (%d, %d) does not match its leaf node", ErrSample, row, col)
	}
	t, err := TreeFromLeafNodes(leafNodes)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrSample, err)
	}
	if got := t.rootNode(); !bytes.Equal(got, root) {
		return nil, fmt.Errorf("%w: axis %d index %d: shares give root %x, DA header commits to %x", ErrSample, axis, index, got, root)
	}
	proof, err := t.ProveRange(pos, pos+1)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrSample, err)
	}
	rootProof, err := dah.AxisRootProof(axis, index)
	if err != nil {
		return nil, err
	}
	return &Sample{
		Row: row, Col: col, Axis: axis,
		Share:     append([]byte(nil), share...),
		Proof:     proof,
		AxisRoot:  append([]byte(nil), root...),
		RootProof: rootProof,
	}, nil
}

// Verify checks s against the data root of an extended square of width
// squareWidth: the coordinates are in range, the NMT proof proves exactly
// the leaf at the sampled position (with the share's namespace in the
// original quadrant, ParityNamespace elsewhere) under AxisRoot, and
// AxisRoot is the committed root of that row or column. It never panics.
func (s *Sample) Verify(dataRoot []byte, squareWidth int) error {
	if err := checkSquareWidth(squareWidth); err != nil {
		return fmt.Errorf("%w: %w", ErrSample, err)
	}
	w := squareWidth
	if s.Row < 0 || s.Row >= w || s.Col < 0 || s.Col >= w {
		return fmt.Errorf("%w: coordinates (%d, %d) outside a %d×%d square", ErrSample, s.Row, s.Col, w, w)
	}
	if len(s.Share) != ShareSize {
		return fmt.Errorf("%w: share is %d bytes, want %d", ErrSample, len(s.Share), ShareSize)
	}
	index, pos := s.Row, s.Col
	switch s.Axis {
	case erasure.Row:
	case erasure.Col:
		index, pos = s.Col, s.Row
	default:
		return fmt.Errorf("%w: unknown axis %d", ErrSample, s.Axis)
	}
	if s.Proof.Start != pos || s.Proof.End != pos+1 {
		return fmt.Errorf("%w: proof covers [%d, %d), want [%d, %d)", ErrSample, s.Proof.Start, s.Proof.End, pos, pos+1)
	}
	if depth := bits.Len(uint(w)) - 1; len(s.Proof.Nodes) != depth {
		return fmt.Errorf("%w: proof has %d nodes, want %d for width %d", ErrSample, len(s.Proof.Nodes), depth, w)
	}
	if err := VerifyAxisRoot(dataRoot, w, s.Axis, index, s.AxisRoot, s.RootProof); err != nil {
		return fmt.Errorf("%w: axis root: %w", ErrSample, err)
	}
	ns := treeLeafNamespace(s.Share, s.Row, s.Col, w)
	leaf := HashLeaf(nil, ns, s.Share)
	if err := s.Proof.VerifyLeafHashes(s.AxisRoot, [][]byte{leaf}); err != nil {
		return fmt.Errorf("%w: share proof: %w", ErrSample, err)
	}
	return nil
}

// Marshal returns the canonical encoding of s: row and column (uint16),
// axis (1 byte), the share, the axis root, the NMT proof and the Merkle
// proof (see Proof.MarshalBinary and MerkleProof.MarshalBinary).
func (s *Sample) Marshal() ([]byte, error) {
	if s.Row < 0 || s.Row >= MaxSquareWidth || s.Col < 0 || s.Col >= MaxSquareWidth {
		return nil, fmt.Errorf("%w: coordinates (%d, %d) out of range", ErrSample, s.Row, s.Col)
	}
	if s.Axis != erasure.Row && s.Axis != erasure.Col {
		return nil, fmt.Errorf("%w: unknown axis %d", ErrSample, s.Axis)
	}
	if len(s.Share) != ShareSize || len(s.AxisRoot) != NodeSize {
		return nil, fmt.Errorf("%w: share of %d bytes and axis root of %d, want %d and %d", ErrSample, len(s.Share), len(s.AxisRoot), ShareSize, NodeSize)
	}
	if err := s.checkProofSizes(); err != nil {
		return nil, err
	}
	out := make([]byte, 0, 5+ShareSize+NodeSize+64+len(s.Proof.Nodes)*NodeSize+len(s.RootProof.Aunts)*HashSize)
	out = binary.BigEndian.AppendUint16(out, uint16(s.Row))
	out = binary.BigEndian.AppendUint16(out, uint16(s.Col))
	out = append(out, byte(s.Axis))
	out = append(out, s.Share...)
	out = append(out, s.AxisRoot...)
	var err error
	if out, err = s.Proof.appendBinary(out); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrSample, err)
	}
	if out, err = s.RootProof.appendBinary(out); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrSample, err)
	}
	return out, nil
}

// UnmarshalSample decodes a sample encoded by Marshal. It rejects inputs
// over MaxSampleSize, non-canonical encodings and trailing bytes; it does
// not verify the sample (see Verify). The result does not alias b.
func UnmarshalSample(b []byte) (*Sample, error) {
	if len(b) > MaxSampleSize {
		return nil, fmt.Errorf("%w: %d bytes, over the limit of %d", ErrSample, len(b), MaxSampleSize)
	}
	r := &wireReader{b: append([]byte(nil), b...)}
	s := &Sample{
		Row:  int(r.u16()),
		Col:  int(r.u16()),
		Axis: erasure.Axis(r.u8()),
	}
	s.Share = r.take(ShareSize)
	s.AxisRoot = r.take(NodeSize)
	s.Proof = r.proof()
	s.RootProof = r.merkleProof()
	if err := r.finish(); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrSample, err)
	}
	if s.Row >= MaxSquareWidth || s.Col >= MaxSquareWidth {
		return nil, fmt.Errorf("%w: coordinates (%d, %d) out of range", ErrSample, s.Row, s.Col)
	}
	if s.Axis != erasure.Row && s.Axis != erasure.Col {
		return nil, fmt.Errorf("%w: unknown axis %d", ErrSample, s.Axis)
	}
	if err := s.checkProofSizes(); err != nil {
		return nil, err
	}
	return s, nil
}

// wireReader decodes the fixed-layout encodings of this package. The first
// error sticks; later reads return zero values.
type wireReader struct {
	b   []byte
	err error
}

func (r *wireReader) take(n int) []byte {
	if r.err != nil {
		return nil
	}
	if n < 0 || len(r.b) < n {
		r.err = fmt.Errorf("truncated: need %d more bytes, have %d", n, len(r.b))
		return nil
	}
	out := r.b[:n:n]
	r.b = r.b[n:]
	return out
}

func (r *wireReader) u8() uint8 {
	if b := r.take(1); b != nil {
		return b[0]
	}
	return 0
}

func (r *wireReader) u16() uint16 {
	if b := r.take(2); b != nil {
		return binary.BigEndian.Uint16(b)
	}
	return 0
}

func (r *wireReader) u32() uint32 {
	if b := r.take(4); b != nil {
		return binary.BigEndian.Uint32(b)
	}
	return 0
}

func (r *wireReader) failf(format string, args ...any) {
	if r.err == nil {
		r.err = fmt.Errorf(format, args...)
	}
}

// finish reports the first error, or trailing bytes.
func (r *wireReader) finish() error {
	if r.err == nil && len(r.b) != 0 {
		r.err = fmt.Errorf("%d trailing bytes", len(r.b))
	}
	return r.err
}
