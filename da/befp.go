package da

import (
	"bytes"
	"errors"
	"fmt"
	"math/bits"

	"github.com/quadrant-da/quadrant/erasure"
)

// Bad-encoding fraud proof errors. Every construction, decoding or
// verification failure wraps ErrBEFP; a well-formed proof whose axis turns
// out to be correctly encoded wraps ErrBEFPHonestAxis.
var (
	ErrBEFP           = errors.New("da: invalid bad-encoding proof")
	ErrBEFPHonestAxis = fmt.Errorf("%w: the axis decodes to a codeword with its committed root", ErrBEFP)
)

// BadEncodingProof proves that one row or column of a block's extended
// square is badly encoded: its shares (at least k of the 2k), each proven
// against the root of the perpendicular axis it also belongs to, do not
// decode to a codeword whose root is the axis' committed root. Every root
// it relies on carries its Merkle proof to the data root, so a verifier
// needs nothing but the data root (see Verify).
type BadEncodingProof struct {
	// Height is the block height the proof is about.
	Height uint64
	// SquareWidth is the width 2k of the extended square.
	SquareWidth int
	// Axis and Index name the badly encoded row or column.
	Axis  erasure.Axis
	Index int
	// AxisRoot is the axis' committed root and AxisRootProof its proof to
	// the data root.
	AxisRoot      []byte
	AxisRootProof MerkleProof
	// Shares are the proven shares of the axis, in increasing Position.
	Shares []BEFPShare
}

// BEFPShare is one share of the axis a BadEncodingProof accuses, proven
// against the perpendicular axis: share Position of a row Index is share
// Index of column Position (and the other way round for a column).
type BEFPShare struct {
	// Position is the share's index along the accused axis, which is also
	// the index of the perpendicular axis it is proven against.
	Position int
	// Share is the raw 512-byte share.
	Share []byte
	// Proof is the NMT inclusion proof of the share as leaf Index of the
	// perpendicular axis' tree.
	Proof Proof
	// Root is the perpendicular axis' root, RootProof its proof to the data
	// root.
	Root      []byte
	RootProof MerkleProof
}

// NewBadEncodingProof builds the fraud proof for byz, the error
// RepairSquare (or erasure.Repair with NMTRooter) returned for the square
// eds of the block at height whose DA header is dah. eds and present are the
// square as that repair left it (present nil means every share is known).
//
// A share of the accused axis can be proven only if the perpendicular axis
// through it is complete and matches its root in dah; NewBadEncodingProof
// proves every such share of byz.Shares and fails if fewer than k can be.
// It does not verify the result: call Verify before gossiping it.
func NewBadEncodingProof(height uint64, dah *DAHeader, eds *erasure.ExtendedSquare, present []bool, byz *erasure.ErrByzantineData) (*BadEncodingProof, error) {
	if byz == nil || eds == nil {
		return nil, fmt.Errorf("%w: no byzantine evidence or square", ErrBEFP)
	}
	if err := dah.Validate(); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrBEFP, err)
	}
	w, k := eds.Width(), eds.K()
	if dah.SquareWidth() != w {
		return nil, fmt.Errorf("%w: DA header of width %d for a square of width %d", ErrBEFP, dah.SquareWidth(), w)
	}
	if present != nil && len(present) != w*w {
		return nil, fmt.Errorf("%w: presence map of %d entries, want %d", ErrBEFP, len(present), w*w)
	}
	if !byz.Axis.Valid() || byz.Index < 0 || byz.Index >= w || len(byz.Shares) != w {
		return nil, fmt.Errorf("%w: evidence for %s %d with %d shares does not fit a square of width %d",
			ErrBEFP, byz.Axis, byz.Index, len(byz.Shares), w)
	}
	rootProof, err := dah.AxisRootProof(byz.Axis, byz.Index)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrBEFP, err)
	}
	p := &BadEncodingProof{
		Height:        height,
		SquareWidth:   w,
		Axis:          byz.Axis,
		Index:         byz.Index,
		AxisRoot:      append([]byte(nil), dah.AxisRoot(byz.Axis, byz.Index)...),
		AxisRootProof: rootProof,
	}
	perp := byz.Axis.Perpendicular()
	for j, share := range byz.Shares {
		if share == nil {
			continue
		}
		s, ok, err := proveShare(dah, eds, present, perp, j, byz.Index, share)
		if err != nil {
			return nil, err
		}
		if ok {
			p.Shares = append(p.Shares, s)
		}
	}
	if len(p.Shares) < k {
		return nil, fmt.Errorf("%w: only %d shares of %s %d can be proven against complete perpendicular axes, need %d",
			ErrBEFP, len(p.Shares), byz.Axis, byz.Index, k)
	}
	return p, nil
}

// proveShare proves share, leaf leaf of axis (perp, j), if that axis is
// complete in eds, holds share there and matches its root in dah.
func proveShare(dah *DAHeader, eds *erasure.ExtendedSquare, present []bool, perp erasure.Axis, j, leaf int, share []byte) (BEFPShare, bool, error) {
	w := eds.Width()
	if present != nil {
		for i := 0; i < w; i++ {
			r, c := j, i
			if perp == erasure.Col {
				r, c = i, j
			}
			if !present[r*w+c] {
				return BEFPShare{}, false, nil
			}
		}
	}
	shares := eds.Axis(perp, j)
	if !bytes.Equal(shares[leaf], share) {
		return BEFPShare{}, false, nil
	}
	nodes, err := AxisLeafNodes(perp, j, shares)
	if err != nil {
		return BEFPShare{}, false, fmt.Errorf("%w: %w", ErrBEFP, err)
	}
	tree, err := TreeFromLeafNodes(nodes)
	if err != nil {
		return BEFPShare{}, false, nil // out of namespace order: cannot match a root
	}
	root := dah.AxisRoot(perp, j)
	if !bytes.Equal(tree.Root(), root) {
		return BEFPShare{}, false, nil
	}
	proof, err := tree.ProveRange(leaf, leaf+1)
	if err != nil {
		return BEFPShare{}, false, fmt.Errorf("%w: %w", ErrBEFP, err)
	}
	rootProof, err := dah.AxisRootProof(perp, j)
	if err != nil {
		return BEFPShare{}, false, fmt.Errorf("%w: %w", ErrBEFP, err)
	}
	return BEFPShare{
		Position:  j,
		Share:     append([]byte(nil), share...),
		Proof:     proof,
		Root:      append([]byte(nil), root...),
		RootProof: rootProof,
	}, true, nil
}

// log2Width returns log2(w) for a power of two w.
func log2Width(w int) int { return bits.TrailingZeros(uint(w)) }

// validateShape checks what can be checked without hashing: the height
// (≥ 1), the square width, the axis and index, the number and order of shares, the sizes of
// shares and roots, and that every proof has the one shape an honest proof
// of one share has (so that the encoding can leave it implicit).
func (p *BadEncodingProof) validateShape() error {
	if p.Height == 0 {
		return fmt.Errorf("%w: height 0 (block heights start at 1)", ErrBEFP)
	}
	w := p.SquareWidth
	if err := checkSquareWidth(w); err != nil {
		return fmt.Errorf("%w: %w", ErrBEFP, err)
	}
	if !p.Axis.Valid() {
		return fmt.Errorf("%w: unknown axis %d", ErrBEFP, p.Axis)
	}
	if p.Index < 0 || p.Index >= w {
		return fmt.Errorf("%w: %s index %d out of range [0, %d)", ErrBEFP, p.Axis, p.Index, w)
	}
	if len(p.AxisRoot) != NodeSize {
		return fmt.Errorf("%w: axis root is %d bytes, want %d", ErrBEFP, len(p.AxisRoot), NodeSize)
	}
	if err := checkRootProofShape(p.AxisRootProof, p.Axis, p.Index, w); err != nil {
		return fmt.Errorf("%w: axis root proof: %w", ErrBEFP, err)
	}
	if n := len(p.Shares); n < w/2 || n > w {
		return fmt.Errorf("%w: %d shares, want between k=%d and 2k=%d", ErrBEFP, n, w/2, w)
	}
	perp := p.Axis.Perpendicular()
	for i, s := range p.Shares {
		if s.Position < 0 || s.Position >= w || i > 0 && s.Position <= p.Shares[i-1].Position {
			return fmt.Errorf("%w: share %d at position %d: positions must increase within [0, %d)", ErrBEFP, i, s.Position, w)
		}
		if len(s.Share) != ShareSize || len(s.Root) != NodeSize {
			return fmt.Errorf("%w: share at position %d is %d bytes with a %d-byte root, want %d and %d",
				ErrBEFP, s.Position, len(s.Share), len(s.Root), ShareSize, NodeSize)
		}
		pr := s.Proof
		if pr.Start != p.Index || pr.End != p.Index+1 || !pr.IsMaxNamespaceIgnored || len(pr.LeafHash) != 0 || len(pr.Nodes) != log2Width(w) {
			return fmt.Errorf("%w: share at position %d: NMT proof must cover leaf [%d, %d) with %d nodes, ignoring the max namespace",
				ErrBEFP, s.Position, p.Index, p.Index+1, log2Width(w))
		}
		for _, n := range pr.Nodes {
			if len(n) != NodeSize {
				return fmt.Errorf("%w: share at position %d: NMT proof node of %d bytes, want %d", ErrBEFP, s.Position, len(n), NodeSize)
			}
		}
		if err := checkRootProofShape(s.RootProof, perp, s.Position, w); err != nil {
			return fmt.Errorf("%w: share at position %d: root proof: %w", ErrBEFP, s.Position, err)
		}
	}
	return nil
}

// checkRootProofShape checks that proof is shaped as the Merkle proof of
// axis root (a, i) to the data root of a square of width w.
func checkRootProofShape(proof MerkleProof, a erasure.Axis, i, w int) error {
	if want := axisRootIndex(a, i, w); proof.Index != want || proof.Total != 2*w {
		return fmt.Errorf("proof of leaf %d of %d, want %d of %d", proof.Index, proof.Total, want, 2*w)
	}
	if len(proof.Aunts) != log2Width(2*w) {
		return fmt.Errorf("%d aunts, want %d", len(proof.Aunts), log2Width(2*w))
	}
	for _, a := range proof.Aunts {
		if len(a) != HashSize {
			return fmt.Errorf("aunt of %d bytes, want %d", len(a), HashSize)
		}
	}
	return nil
}

// Verify checks the proof against the block's data root. It returns nil
// exactly when the proof shows bad encoding: every root proof and share
// proof verifies, and the proven shares either fail to decode, are not
// one codeword, or decode to a codeword whose root differs from the
// accused axis' committed root (or that cannot form a valid tree). It
// returns an error wrapping ErrBEFPHonestAxis when everything verifies but
// the axis is correctly encoded, and one wrapping ErrBEFP saying what is
// wrong otherwise. It never panics.
func (p *BadEncodingProof) Verify(dataRoot []byte) error {
	if err := p.validateShape(); err != nil {
		return err
	}
	w := p.SquareWidth
	if err := VerifyAxisRoot(dataRoot, w, p.Axis, p.Index, p.AxisRoot, p.AxisRootProof); err != nil {
		return fmt.Errorf("%w: root of %s %d: %w", ErrBEFP, p.Axis, p.Index, err)
	}
	perp := p.Axis.Perpendicular()
	axis := make([][]byte, w)
	for _, s := range p.Shares {
		if err := VerifyAxisRoot(dataRoot, w, perp, s.Position, s.Root, s.RootProof); err != nil {
			return fmt.Errorf("%w: root of %s %d: %w", ErrBEFP, perp, s.Position, err)
		}
		row, col := p.Index, s.Position
		if p.Axis == erasure.Col {
			row, col = s.Position, p.Index
		}
		leaf := append(append(make([]byte, 0, NamespaceSize+ShareSize), leafNamespace(s.Share, row, col, w/2)...), s.Share...)
		if err := s.Proof.VerifyLeaves(s.Root, [][]byte{leaf}); err != nil {
			return fmt.Errorf("%w: share (%d, %d) against %s %d: %w", ErrBEFP, row, col, perp, s.Position, err)
		}
		axis[s.Position] = s.Share
	}
	codeword, err := erasure.DecodeAxis(axis)
	if err != nil {
		return nil // the proven shares do not decode: bad encoding
	}
	for j, s := range axis {
		if s != nil && !bytes.Equal(s, codeword[j]) {
			return nil // the proven shares are not one codeword
		}
	}
	root, err := AxisRoot(p.Axis, p.Index, codeword)
	if err != nil || !bytes.Equal(root, p.AxisRoot) {
		return nil // the codeword is not what the axis root commits to
	}
	return fmt.Errorf("%w (%s %d of height %d)", ErrBEFPHonestAxis, p.Axis, p.Index, p.Height)
}

// ClaimedDataRoot returns the data root the accused axis root leads to by
// its Merkle proof: the one data root Verify can accept the proof for. A
// node that will never hold the header of the proof's height (below its
// trusted anchor) can still judge the proof against it: one that fails
// Verify(ClaimedDataRoot()) is invalid whatever the block; one that passes
// proves bad encoding of some square with that root, which may or may not
// be the block's. It returns an error wrapping ErrBEFP for a malformed
// proof.
func (p *BadEncodingProof) ClaimedDataRoot() ([]byte, error) {
	if err := p.validateShape(); err != nil {
		return nil, err
	}
	root, err := p.AxisRootProof.ComputeRoot(p.AxisRoot)
	if err != nil {
		return nil, fmt.Errorf("%w: root of %s %d: %w", ErrBEFP, p.Axis, p.Index, err)
	}
	return root, nil
}
