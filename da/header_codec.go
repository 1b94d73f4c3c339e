package da

import (
	"bytes"
	"encoding/binary"
	"fmt"

	cryptoenc "github.com/cometbft/cometbft/crypto/encoding"
	cmtproto "github.com/cometbft/cometbft/proto/tendermint/types"
	"github.com/cometbft/cometbft/types"
)

// Encoded header limits.
const (
	// MaxLightHeaderSize bounds an encoded LightHeader. A header with
	// MaxValidators validators (commit and set) takes about 250 KB.
	MaxLightHeaderSize = 1 << 20
	// MaxExtendedHeaderSize bounds an encoded ExtendedHeader.
	MaxExtendedHeaderSize = MaxLightHeaderSize + 4 + MaxDAHeaderSize

	maxDataRootTxField = 1024
)

// Header encoding kinds (first byte).
const (
	headerKindLight    = 0x01
	headerKindExtended = 0x02
)

// Canonical binary encoding of headers (all integers big-endian):
//
//	kind (1: 0x01 light, 0x02 extended)
//	u32 length | cometbft.types.v1.SignedHeader protobuf
//	u32 length | cometbft.types.v1.ValidatorSet protobuf
//	u32 length | data-root tx
//	u32 total txs | u8 aunt count | aunts (32 bytes each)   (index is total−1)
//	[extended only] u32 length | DA header (DAHeader.Marshal)
//
// The CometBFT parts use CometBFT's own protobuf types; a decoder rejects
// any input that does not re-encode to the same bytes, so every header has
// exactly one encoding.

// Marshal returns the canonical encoding of h (kind 0x01). It fails only if
// h is structurally incomplete (missing parts, wrong proof index, over the
// size limit); it does not check signatures.
func (h *LightHeader) Marshal() ([]byte, error) {
	return h.marshal(headerKindLight, nil)
}

// Marshal returns the canonical encoding of e (kind 0x02).
func (e *ExtendedHeader) Marshal() ([]byte, error) {
	if e == nil {
		return nil, fmt.Errorf("%w: nil", ErrHeader)
	}
	dah, err := e.DAH.Marshal()
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrHeader, err)
	}
	return e.LightHeader.marshal(headerKindExtended, dah)
}

func (h *LightHeader) marshal(kind byte, dah []byte) ([]byte, error) {
	if h == nil || h.SignedHeader == nil || h.SignedHeader.Header == nil || h.SignedHeader.Commit == nil || h.ValidatorSet == nil {
		return nil, fmt.Errorf("%w: cannot encode a header with missing parts", ErrHeader)
	}
	sh, err := h.SignedHeader.ToProto().Marshal()
	if err != nil {
		return nil, fmt.Errorf("%w: encode signed header: %w", ErrHeader, err)
	}
	vp, err := h.ValidatorSet.ToProto()
	if err != nil {
		return nil, fmt.Errorf("%w: encode validator set: %w", ErrHeader, err)
	}
	vs, err := vp.Marshal()
	if err != nil {
		return nil, fmt.Errorf("%w: encode validator set: %w", ErrHeader, err)
	}
	p := h.DataRootProof
	if p.Total < 1 || p.Total > MaxBlockTxs || p.Index != p.Total-1 || len(p.Aunts) > MaxMerkleAunts {
		return nil, fmt.Errorf("%w: data-root proof index %d of %d with %d aunts, want the last tx", ErrHeader, p.Index, p.Total, len(p.Aunts))
	}
	if len(h.DataRootTx) > maxDataRootTxField {
		return nil, fmt.Errorf("%w: data-root tx of %d bytes, at most %d", ErrHeader, len(h.DataRootTx), maxDataRootTxField)
	}
	size := 1 + 4 + len(sh) + 4 + len(vs) + 4 + len(h.DataRootTx) + 5 + HashSize*len(p.Aunts)
	if dah != nil {
		size += 4 + len(dah)
	}
	limit := MaxLightHeaderSize
	if kind == headerKindExtended {
		limit = MaxExtendedHeaderSize
	}
	if size > limit {
		return nil, fmt.Errorf("%w: encoded header would be %d bytes, over the limit of %d", ErrHeader, size, limit)
	}
	out := make([]byte, 0, size)
	out = append(out, kind)
	out = appendField(out, sh)
	out = appendField(out, vs)
	out = appendField(out, h.DataRootTx)
	out = binary.BigEndian.AppendUint32(out, uint32(p.Total))
	out = append(out, byte(len(p.Aunts)))
	for i, a := range p.Aunts {
		if len(a) != HashSize {
			return nil, fmt.Errorf("%w: data-root proof aunt %d is %d bytes, want %d", ErrHeader, i, len(a), HashSize)
		}
		out = append(out, a...)
	}
	if dah != nil {
		out = appendField(out, dah)
	}
	return out, nil
}

func appendField(out, f []byte) []byte {
	out = binary.BigEndian.AppendUint32(out, uint32(len(f)))
	return append(out, f...)
}

// headerReader consumes an encoded header; its methods never panic.
type headerReader struct {
	b   []byte
	err error
}

func (r *headerReader) fail(format string, args ...any) {
	if r.err == nil {
		r.err = fmt.Errorf("%w: "+format, append([]any{ErrHeader}, args...)...)
	}
}

func (r *headerReader) take(n int, what string) []byte {
	if r.err != nil {
		return nil
	}
	if n < 0 || n > len(r.b) {
		r.fail("%s: need %d bytes, %d left", what, n, len(r.b))
		return nil
	}
	v := r.b[:n:n]
	r.b = r.b[n:]
	return v
}

func (r *headerReader) u32(what string) int {
	v := r.take(4, what)
	if v == nil {
		return 0
	}
	return int(binary.BigEndian.Uint32(v))
}

func (r *headerReader) field(what string, max int) []byte {
	n := r.u32(what + " length")
	if r.err == nil && n > max {
		r.fail("%s of %d bytes, at most %d", what, n, max)
		return nil
	}
	return r.take(n, what)
}

// UnmarshalLightHeader decodes a light header encoded by LightHeader.Marshal
// (kind 0x01), rejecting any other input: oversized, truncated, trailing
// bytes, non-canonical protobuf, missing header, commit or validator set.
// It does not verify the header (see Validate and Verify). b is not
// retained.
func UnmarshalLightHeader(b []byte) (*LightHeader, error) {
	if len(b) > MaxLightHeaderSize {
		return nil, fmt.Errorf("%w: %d bytes, over the limit of %d", ErrHeader, len(b), MaxLightHeaderSize)
	}
	h, _, err := unmarshalHeader(b, headerKindLight)
	return h, err
}

// UnmarshalExtendedHeader decodes an extended header encoded by
// ExtendedHeader.Marshal (kind 0x02), with the same rules as
// UnmarshalLightHeader plus a valid DA header.
func UnmarshalExtendedHeader(b []byte) (*ExtendedHeader, error) {
	if len(b) > MaxExtendedHeaderSize {
		return nil, fmt.Errorf("%w: %d bytes, over the limit of %d", ErrHeader, len(b), MaxExtendedHeaderSize)
	}
	h, dah, err := unmarshalHeader(b, headerKindExtended)
	if err != nil {
		return nil, err
	}
	return &ExtendedHeader{LightHeader: *h, DAH: dah}, nil
}

func unmarshalHeader(b []byte, kind byte) (*LightHeader, *DAHeader, error) {
	r := &headerReader{b: b}
	k := r.take(1, "kind")
	if r.err == nil && k[0] != kind {
		r.fail("kind byte %#x, want %#x", k[0], kind)
	}
	shb := r.field("signed header", MaxLightHeaderSize)
	vsb := r.field("validator set", MaxLightHeaderSize)
	tx := r.field("data-root tx", maxDataRootTxField)
	total := r.u32("tx count")
	na := r.take(1, "aunt count")
	var aunts [][]byte
	if r.err == nil {
		if int(na[0]) > MaxMerkleAunts {
			r.fail("%d aunts, at most %d", na[0], MaxMerkleAunts)
		}
		if total < 1 || total > MaxBlockTxs {
			r.fail("tx count %d, want 1..%d", total, MaxBlockTxs)
		}
		for i := 0; i < int(na[0]) && r.err == nil; i++ {
			aunts = append(aunts, append([]byte(nil), r.take(HashSize, "aunt")...))
		}
	}
	var dah *DAHeader
	if kind == headerKindExtended {
		db := r.field("DA header", MaxDAHeaderSize)
		if r.err == nil {
			var err error
			if dah, err = UnmarshalDAHeader(db); err != nil {
				r.fail("%w", err)
			}
		}
	}
	if r.err == nil && len(r.b) != 0 {
		r.fail("%d trailing bytes", len(r.b))
	}
	if r.err != nil {
		return nil, nil, r.err
	}
	sh, err := decodeSignedHeader(shb)
	if err != nil {
		return nil, nil, err
	}
	vals, err := decodeValidatorSet(vsb)
	if err != nil {
		return nil, nil, err
	}
	h := &LightHeader{
		SignedHeader:  sh,
		ValidatorSet:  vals,
		DataRootTx:    append([]byte(nil), tx...),
		DataRootProof: MerkleProof{Index: total - 1, Total: total, Aunts: aunts},
	}
	return h, dah, nil
}

func decodeSignedHeader(b []byte) (*types.SignedHeader, error) {
	var pb cmtproto.SignedHeader
	if err := pb.Unmarshal(b); err != nil {
		return nil, fmt.Errorf("%w: signed header protobuf: %w", ErrHeader, err)
	}
	if pb.Header == nil || pb.Commit == nil {
		return nil, fmt.Errorf("%w: signed header without header or commit", ErrHeader)
	}
	if re, err := pb.Marshal(); err != nil || !bytes.Equal(re, b) {
		return nil, fmt.Errorf("%w: signed header protobuf is not in canonical form", ErrHeader)
	}
	sh, err := types.SignedHeaderFromProto(&pb)
	if err != nil {
		return nil, fmt.Errorf("%w: signed header: %w", ErrHeader, err)
	}
	if sh.Header == nil || sh.Commit == nil {
		return nil, fmt.Errorf("%w: signed header without header or commit", ErrHeader)
	}
	return sh, nil
}

func decodeValidatorSet(b []byte) (*types.ValidatorSet, error) {
	var pb cmtproto.ValidatorSet
	if err := pb.Unmarshal(b); err != nil {
		return nil, fmt.Errorf("%w: validator set protobuf: %w", ErrHeader, err)
	}
	if n := len(pb.Validators); n == 0 || n > MaxValidators {
		return nil, fmt.Errorf("%w: %d validators, want 1..%d", ErrHeader, n, MaxValidators)
	}
	if re, err := pb.Marshal(); err != nil || !bytes.Equal(re, b) {
		return nil, fmt.Errorf("%w: validator set protobuf is not in canonical form", ErrHeader)
	}
	// Check every key before types.ValidatorSetFromProto so peer input
	// gets a clear error naming the validator.
	for i, v := range append(pb.Validators, pb.Proposer) {
		if v == nil {
			return nil, fmt.Errorf("%w: validator %d missing (the last is the proposer)", ErrHeader, i)
		}
		if _, err := cryptoenc.PubKeyFromProto(v.PubKey); err != nil {
			return nil, fmt.Errorf("%w: validator %d: %w", ErrHeader, i, err)
		}
	}
	vals, err := types.ValidatorSetFromProto(&pb)
	if err != nil {
		return nil, fmt.Errorf("%w: validator set: %w", ErrHeader, err)
	}
	return vals, nil
}
