package blobs

import (
	"bytes"
	"errors"
	"fmt"
	"unicode/utf8"

	"google.golang.org/protobuf/encoding/protowire"

	"github.com/quadrant-da/quadrant/da"
)

// Envelope type ids, as in go-square.
const (
	// BlobTxTypeID is the type_id of every BlobTx.
	BlobTxTypeID = "BLOB"
	// IndexWrapperTypeID is the type_id of every IndexWrapper.
	IndexWrapperTypeID = "INDX"
)

// Envelope errors.
var (
	// ErrNotBlobTx is returned by UnmarshalBlobTx for bytes that are not a
	// BlobTx at all (not protobuf, or another type id); such bytes are an
	// ordinary transaction as far as the square is concerned.
	ErrNotBlobTx = errors.New("blobs: not a blob tx")
	// ErrInvalidBlobTx is wrapped by failures of bytes that are a BlobTx but
	// a malformed one.
	ErrInvalidBlobTx = errors.New("blobs: malformed blob tx")
	// ErrInvalidIndexWrapper is wrapped by IndexWrapper decoding failures.
	ErrInvalidIndexWrapper = errors.New("blobs: malformed index wrapper")
)

// Protobuf field numbers (go-square proto/blob/v1/blob.proto).
const (
	fieldBlobNamespaceID      = 1
	fieldBlobData             = 2
	fieldBlobShareVersion     = 3
	fieldBlobNamespaceVersion = 4
	fieldBlobSigner           = 5

	fieldEnvTx     = 1 // BlobTx.tx, IndexWrapper.tx
	fieldEnvList   = 2 // BlobTx.blobs, IndexWrapper.share_indexes
	fieldEnvTypeID = 3
)

// BlobTx is the block-level envelope of a pay-for-blob transaction: the
// signed inner transaction and the blobs it pays for. Wire format: the
// protobuf message BlobTx{tx=1, blobs=2, type_id=3 "BLOB"} of go-square.
type BlobTx struct {
	Tx    []byte
	Blobs []*Blob
}

// IndexWrapper is the form a pay-for-blob transaction takes inside the
// square: the inner transaction and the share index where each of its blobs
// starts. Wire format: IndexWrapper{tx=1, share_indexes=2 packed,
// type_id=3 "INDX"} of go-square.
type IndexWrapper struct {
	Tx           []byte
	ShareIndexes []uint32
}

// appendBytesField appends a proto3 bytes field, omitted when empty.
func appendBytesField(b []byte, num protowire.Number, v []byte) []byte {
	if len(v) == 0 {
		return b
	}
	b = protowire.AppendTag(b, num, protowire.BytesType)
	return protowire.AppendBytes(b, v)
}

// appendVarintField appends a proto3 varint field, omitted when zero.
func appendVarintField(b []byte, num protowire.Number, v uint64) []byte {
	if v == 0 {
		return b
	}
	b = protowire.AppendTag(b, num, protowire.VarintType)
	return protowire.AppendVarint(b, v)
}

func bytesFieldSize(v int) int {
	if v == 0 {
		return 0
	}
	return 1 + protowire.SizeBytes(v)
}

func varintFieldSize(v uint64) int {
	if v == 0 {
		return 0
	}
	return 1 + protowire.SizeVarint(v)
}

func blobProtoSize(b *Blob) int {
	return bytesFieldSize(da.NamespaceIDSize) + bytesFieldSize(len(b.Data)) +
		varintFieldSize(uint64(b.ShareVersion)) + varintFieldSize(uint64(b.Namespace.Version())) +
		bytesFieldSize(len(b.Signer))
}

func appendBlobProto(dst []byte, b *Blob) []byte {
	dst = appendBytesField(dst, fieldBlobNamespaceID, b.Namespace[da.NamespaceVersionSize:])
	dst = appendBytesField(dst, fieldBlobData, b.Data)
	dst = appendVarintField(dst, fieldBlobShareVersion, uint64(b.ShareVersion))
	dst = appendVarintField(dst, fieldBlobNamespaceVersion, uint64(b.Namespace.Version()))
	dst = appendBytesField(dst, fieldBlobSigner, b.Signer)
	return dst
}

// MarshalBlobTx encodes tx and its blobs as a BlobTx, byte-identical to
// go-square's tx.MarshalBlobTx. Every blob must be valid (see
// Blob.Validate) and there must be at least one.
func MarshalBlobTx(tx []byte, blobs ...*Blob) ([]byte, error) {
	if len(blobs) == 0 {
		return nil, fmt.Errorf("%w: a blob tx needs at least one blob", ErrInvalidBlobTx)
	}
	size := bytesFieldSize(len(tx)) + bytesFieldSize(len(BlobTxTypeID))
	for i, b := range blobs {
		if err := b.Validate(); err != nil {
			return nil, fmt.Errorf("%w: blob %d: %w", ErrInvalidBlobTx, i, err)
		}
		size += 1 + protowire.SizeBytes(blobProtoSize(b))
	}
	out := make([]byte, 0, size)
	out = appendBytesField(out, fieldEnvTx, tx)
	for _, b := range blobs {
		out = protowire.AppendTag(out, fieldEnvList, protowire.BytesType)
		out = protowire.AppendVarint(out, uint64(blobProtoSize(b)))
		out = appendBlobProto(out, b)
	}
	out = appendBytesField(out, fieldEnvTypeID, []byte(BlobTxTypeID))
	return out, nil
}

// Marshal encodes t (see MarshalBlobTx).
func (t *BlobTx) Marshal() ([]byte, error) { return MarshalBlobTx(t.Tx, t.Blobs...) }

// indexWrapperSize returns the encoded size of an IndexWrapper.
func indexWrapperSize(txLen int, shareIndexes []uint32) int {
	packed := 0
	for _, i := range shareIndexes {
		packed += protowire.SizeVarint(uint64(i))
	}
	return bytesFieldSize(txLen) + bytesFieldSize(packed) + bytesFieldSize(len(IndexWrapperTypeID))
}

// MarshalIndexWrapper encodes tx and the share indexes of its blobs as an
// IndexWrapper, byte-identical to go-square's tx.MarshalIndexWrapper.
func MarshalIndexWrapper(tx []byte, shareIndexes ...uint32) ([]byte, error) {
	return appendIndexWrapper(make([]byte, 0, indexWrapperSize(len(tx), shareIndexes)), tx, shareIndexes), nil
}

func appendIndexWrapper(out, tx []byte, shareIndexes []uint32) []byte {
	out = appendBytesField(out, fieldEnvTx, tx)
	if len(shareIndexes) > 0 {
		packed := 0
		for _, i := range shareIndexes {
			packed += protowire.SizeVarint(uint64(i))
		}
		out = protowire.AppendTag(out, fieldEnvList, protowire.BytesType)
		out = protowire.AppendVarint(out, uint64(packed))
		for _, i := range shareIndexes {
			out = protowire.AppendVarint(out, uint64(i))
		}
	}
	return appendBytesField(out, fieldEnvTypeID, []byte(IndexWrapperTypeID))
}

// protoField is one decoded top-level protobuf field.
type protoField struct {
	num protowire.Number
	typ protowire.Type
	val []byte // BytesType payload
	v   uint64 // VarintType value
}

// walkProto calls fn for every field of the protobuf message b, following
// the rules of the Go protobuf runtime: field numbers in [1, 2^29-1], fields
// in any order, unknown fields and groups skipped, malformed wire data an
// error. Only varint and bytes fields are passed to fn; others are skipped.
func walkProto(b []byte, fn func(f protoField) error) error {
	for len(b) > 0 {
		tag, n := protowire.ConsumeVarint(b)
		if n < 0 {
			return fmt.Errorf("bad tag: %w", protowire.ParseError(n))
		}
		b = b[n:]
		if tag>>3 < uint64(protowire.MinValidNumber) || tag>>3 > uint64(protowire.MaxValidNumber) {
			return fmt.Errorf("invalid field number %d", tag>>3)
		}
		num, typ := protowire.Number(tag>>3), protowire.Type(tag&7)
		if typ == protowire.EndGroupType {
			return errors.New("unexpected end group")
		}
		f := protoField{num: num, typ: typ}
		switch typ {
		case protowire.VarintType:
			f.v, n = protowire.ConsumeVarint(b)
		case protowire.BytesType:
			f.val, n = protowire.ConsumeBytes(b)
		default:
			n = protowire.ConsumeFieldValue(num, typ, b)
		}
		if n < 0 {
			return fmt.Errorf("field %d: %w", num, protowire.ParseError(n))
		}
		b = b[n:]
		if typ == protowire.VarintType || typ == protowire.BytesType {
			if err := fn(f); err != nil {
				return err
			}
		}
	}
	return nil
}

// blobProto is the decoded BlobProto before validation.
type blobProto struct {
	namespaceID      []byte
	data             []byte
	shareVersion     uint32
	namespaceVersion uint32
	signer           []byte
}

func decodeBlobProto(b []byte) (blobProto, error) {
	var p blobProto
	err := walkProto(b, func(f protoField) error {
		switch {
		case f.num == fieldBlobNamespaceID && f.typ == protowire.BytesType:
			p.namespaceID = f.val
		case f.num == fieldBlobData && f.typ == protowire.BytesType:
			p.data = f.val
		case f.num == fieldBlobShareVersion && f.typ == protowire.VarintType:
			p.shareVersion = uint32(f.v)
		case f.num == fieldBlobNamespaceVersion && f.typ == protowire.VarintType:
			p.namespaceVersion = uint32(f.v)
		case f.num == fieldBlobSigner && f.typ == protowire.BytesType:
			p.signer = f.val
		}
		return nil
	})
	return p, err
}

// toBlob validates a decoded BlobProto like go-square's NewBlobFromProto,
// plus Quadrant's own checks (Blob.Validate).
func (p blobProto) toBlob() (*Blob, error) {
	if p.namespaceVersion > da.NamespaceVersionMax {
		return nil, fmt.Errorf("namespace version %d over the maximum %d", p.namespaceVersion, da.NamespaceVersionMax)
	}
	if p.shareVersion > da.MaxShareVersion {
		return nil, fmt.Errorf("share version %d over the maximum %d", p.shareVersion, da.MaxShareVersion)
	}
	if len(p.namespaceID) != da.NamespaceIDSize {
		return nil, fmt.Errorf("namespace id must be %d bytes, got %d", da.NamespaceIDSize, len(p.namespaceID))
	}
	b := &Blob{Data: p.data, ShareVersion: uint8(p.shareVersion)}
	if len(p.data) == 0 {
		b.Data = nil
	}
	if len(p.signer) > 0 {
		b.Signer = p.signer
	}
	b.Namespace[0] = uint8(p.namespaceVersion)
	copy(b.Namespace[da.NamespaceVersionSize:], p.namespaceID)
	if err := b.Validate(); err != nil {
		return nil, err
	}
	return b, nil
}

// UnmarshalBlobTx decodes a BlobTx. It classifies bytes exactly as
// go-square's tx.UnmarshalBlobTx does, so that the same transactions are
// treated as blob transactions when building the square:
//   - (nil, false, err wrapping ErrNotBlobTx): not a protobuf message with
//     type_id "BLOB" — an ordinary transaction;
//   - (nil, true, err wrapping ErrInvalidBlobTx): a BlobTx with no blobs or
//     an invalid blob (Blob.Validate, which is stricter than go-square:
//     reserved namespaces and oversized blobs are refused);
//   - (tx, true, nil): a well-formed BlobTx.
//
// The decoding is lenient like protobuf (field order, unknown fields,
// repeated scalars); use DecodeBlobTx to also require the canonical
// encoding. The returned Tx and blob data alias b.
func UnmarshalBlobTx(b []byte) (*BlobTx, bool, error) {
	var (
		tx     []byte
		protos []blobProto
		typeID []byte
	)
	err := walkProto(b, func(f protoField) error {
		switch {
		case f.num == fieldEnvTx && f.typ == protowire.BytesType:
			tx = f.val
		case f.num == fieldEnvList && f.typ == protowire.BytesType:
			p, err := decodeBlobProto(f.val)
			if err != nil {
				return fmt.Errorf("blob %d: %w", len(protos), err)
			}
			protos = append(protos, p)
		case f.num == fieldEnvTypeID && f.typ == protowire.BytesType:
			if !utf8.Valid(f.val) {
				return errors.New("type_id is not valid UTF-8")
			}
			typeID = f.val
		}
		return nil
	})
	if err != nil {
		return nil, false, fmt.Errorf("%w: %w", ErrNotBlobTx, err)
	}
	if string(typeID) != BlobTxTypeID {
		return nil, false, fmt.Errorf("%w: type id %q, want %q", ErrNotBlobTx, typeID, BlobTxTypeID)
	}
	if len(protos) == 0 {
		return nil, true, fmt.Errorf("%w: no blobs", ErrInvalidBlobTx)
	}
	blobs := make([]*Blob, len(protos))
	for i, p := range protos {
		if blobs[i], err = p.toBlob(); err != nil {
			return nil, true, fmt.Errorf("%w: blob %d: %w", ErrInvalidBlobTx, i, err)
		}
	}
	if len(tx) == 0 {
		tx = nil
	}
	return &BlobTx{Tx: tx, Blobs: blobs}, true, nil
}

// DecodeBlobTx is UnmarshalBlobTx for transactions entering the mempool: it
// also requires b to be the canonical encoding (MarshalBlobTx of the decoded
// value), so that each BlobTx has exactly one byte form.
func DecodeBlobTx(b []byte) (*BlobTx, error) {
	t, isBlob, err := UnmarshalBlobTx(b)
	if err != nil {
		return nil, err
	}
	if !isBlob {
		return nil, ErrNotBlobTx
	}
	enc, err := t.Marshal()
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidBlobTx, err)
	}
	if !bytes.Equal(enc, b) {
		return nil, fmt.Errorf("%w: not canonically encoded (re-encoding gives %d bytes, got %d)", ErrInvalidBlobTx, len(enc), len(b))
	}
	return t, nil
}

// UnmarshalIndexWrapper decodes an IndexWrapper. Like go-square's
// tx.UnmarshalIndexWrapper it accepts any protobuf message whose type_id is
// "INDX" (share indexes packed or not); it returns an error wrapping
// ErrInvalidIndexWrapper otherwise. The returned Tx aliases b.
func UnmarshalIndexWrapper(b []byte) (*IndexWrapper, error) {
	var (
		w      IndexWrapper
		typeID []byte
	)
	err := walkProto(b, func(f protoField) error {
		switch {
		case f.num == fieldEnvTx && f.typ == protowire.BytesType:
			w.Tx = f.val
		case f.num == fieldEnvList && f.typ == protowire.VarintType:
			w.ShareIndexes = append(w.ShareIndexes, uint32(f.v))
		case f.num == fieldEnvList && f.typ == protowire.BytesType:
			for p := f.val; len(p) > 0; {
				v, n := protowire.ConsumeVarint(p)
				if n < 0 {
					return fmt.Errorf("share indexes: %w", protowire.ParseError(n))
				}
				w.ShareIndexes = append(w.ShareIndexes, uint32(v))
				p = p[n:]
			}
		case f.num == fieldEnvTypeID && f.typ == protowire.BytesType:
			if !utf8.Valid(f.val) {
				return errors.New("type_id is not valid UTF-8")
			}
			typeID = f.val
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidIndexWrapper, err)
	}
	if string(typeID) != IndexWrapperTypeID {
		return nil, fmt.Errorf("%w: type id %q, want %q", ErrInvalidIndexWrapper, typeID, IndexWrapperTypeID)
	}
	if len(w.Tx) == 0 {
		w.Tx = nil
	}
	return &w, nil
}
