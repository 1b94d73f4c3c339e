package da

import (
	"encoding/binary"
	"fmt"

	"github.com/quadrant-da/quadrant/erasure"
)

// befpVersion is the first byte of an encoded BadEncodingProof.
const befpVersion = 1

// Sizes of the BadEncodingProof encoding.
const (
	befpHeaderSize = 1 + 8 + 2 + 1 + 2 + NodeSize // version, height, width, axis, index, axis root
	befpMaxDepth   = 9                            // log2Width(MaxSquareWidth)
	// MaxBEFPSize bounds an encoded BadEncodingProof: one carrying all 2k
	// shares of an axis of the widest square.
	MaxBEFPSize = befpHeaderSize + (befpMaxDepth+1)*HashSize + 2 +
		MaxSquareWidth*(2+ShareSize+NodeSize+befpMaxDepth*NodeSize+(befpMaxDepth+1)*HashSize)
)

// befpShareSize is the encoded size of one share of a square of width w.
func befpShareSize(w int) int {
	return 2 + ShareSize + NodeSize + log2Width(w)*NodeSize + log2Width(2*w)*HashSize
}

// Marshal returns the canonical encoding of a well-formed proof: version
// (1), height (uint64), square width (uint16), axis (1), index (uint16), the
// axis root and the aunts of its proof, the share count (uint16), then per
// share its position (uint16), the share, the perpendicular root, the NMT
// proof nodes and the aunts of the root's proof. Integers are big-endian.
// Proof ranges, indices and totals are implied by the positions (an honest
// proof of one share has exactly one shape), so every proof has a single
// encoding. It returns an error wrapping ErrBEFP if p is not well formed.
func (p *BadEncodingProof) Marshal() ([]byte, error) {
	if err := p.validateShape(); err != nil {
		return nil, err
	}
	w := p.SquareWidth
	out := make([]byte, 0, befpHeaderSize+log2Width(2*w)*HashSize+2+len(p.Shares)*befpShareSize(w))
	out = append(out, befpVersion)
	out = binary.BigEndian.AppendUint64(out, p.Height)
	out = binary.BigEndian.AppendUint16(out, uint16(w))
	out = append(out, byte(p.Axis))
	out = binary.BigEndian.AppendUint16(out, uint16(p.Index))
	out = append(out, p.AxisRoot...)
	for _, a := range p.AxisRootProof.Aunts {
		out = append(out, a...)
	}
	out = binary.BigEndian.AppendUint16(out, uint16(len(p.Shares)))
	for _, s := range p.Shares {
		out = binary.BigEndian.AppendUint16(out, uint16(s.Position))
		out = append(out, s.Share...)
		out = append(out, s.Root...)
		for _, n := range s.Proof.Nodes {
			out = append(out, n...)
		}
		for _, a := range s.RootProof.Aunts {
			out = append(out, a...)
		}
	}
	return out, nil
}

// UnmarshalBadEncodingProof decodes a proof encoded by Marshal. It rejects
// input over MaxBEFPSize, an unknown version, height 0, a bad width, axis, index or
// share count, positions out of order, truncated or trailing bytes. It does
// not verify the proof (see Verify). The result does not alias b.
func UnmarshalBadEncodingProof(b []byte) (*BadEncodingProof, error) {
	if len(b) > MaxBEFPSize {
		return nil, fmt.Errorf("%w: %d bytes, over the limit of %d", ErrBEFP, len(b), MaxBEFPSize)
	}
	if len(b) < befpHeaderSize {
		return nil, fmt.Errorf("%w: %d bytes, shorter than the %d-byte header", ErrBEFP, len(b), befpHeaderSize)
	}
	b = append([]byte(nil), b...)
	if b[0] != befpVersion {
		return nil, fmt.Errorf("%w: version %d, want %d", ErrBEFP, b[0], befpVersion)
	}
	p := &BadEncodingProof{
		Height:      binary.BigEndian.Uint64(b[1:9]),
		SquareWidth: int(binary.BigEndian.Uint16(b[9:11])),
		Axis:        erasure.Axis(b[11]),
		Index:       int(binary.BigEndian.Uint16(b[12:14])),
		AxisRoot:    b[14:befpHeaderSize:befpHeaderSize],
	}
	w := p.SquareWidth
	if err := checkSquareWidth(w); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrBEFP, err)
	}
	if !p.Axis.Valid() || p.Index >= w {
		return nil, fmt.Errorf("%w: %s index %d in a square of width %d", ErrBEFP, p.Axis, p.Index, w)
	}
	rest := b[befpHeaderSize:]
	rootDepth := log2Width(2 * w)
	if len(rest) < rootDepth*HashSize+2 {
		return nil, fmt.Errorf("%w: truncated before the share count", ErrBEFP)
	}
	p.AxisRootProof = MerkleProof{
		Index: axisRootIndex(p.Axis, p.Index, w),
		Total: 2 * w,
		Aunts: splitEvery(rest[:rootDepth*HashSize], HashSize),
	}
	rest = rest[rootDepth*HashSize:]
	n := int(binary.BigEndian.Uint16(rest))
	rest = rest[2:]
	if n < w/2 || n > w {
		return nil, fmt.Errorf("%w: %d shares, want between k=%d and 2k=%d", ErrBEFP, n, w/2, w)
	}
	if want := n * befpShareSize(w); len(rest) != want {
		return nil, fmt.Errorf("%w: %d bytes of shares, want %d for %d shares", ErrBEFP, len(rest), want, n)
	}
	perp := p.Axis.Perpendicular()
	p.Shares = make([]BEFPShare, n)
	for i := range p.Shares {
		s := &p.Shares[i]
		s.Position = int(binary.BigEndian.Uint16(rest))
		rest = rest[2:]
		s.Share, rest = rest[:ShareSize:ShareSize], rest[ShareSize:]
		s.Root, rest = rest[:NodeSize:NodeSize], rest[NodeSize:]
		s.Proof = Proof{
			Start:                 p.Index,
			End:                   p.Index + 1,
			Nodes:                 splitEvery(rest[:log2Width(w)*NodeSize], NodeSize),
			IsMaxNamespaceIgnored: true,
		}
		rest = rest[log2Width(w)*NodeSize:]
		s.RootProof = MerkleProof{
			Index: axisRootIndex(perp, min(s.Position, w-1), w),
			Total: 2 * w,
			Aunts: splitEvery(rest[:rootDepth*HashSize], HashSize),
		}
		rest = rest[rootDepth*HashSize:]
	}
	if err := p.validateShape(); err != nil {
		return nil, err
	}
	return p, nil
}

// split cuts b into pieces of size n (len(b) a multiple of n), each with
// its capacity capped; nil when b is empty.
func splitEvery(b []byte, n int) [][]byte {
	if len(b) == 0 {
		return nil
	}
	out := make([][]byte, len(b)/n)
	for i := range out {
		out[i] = b[i*n : (i+1)*n : (i+1)*n]
	}
	return out
}
