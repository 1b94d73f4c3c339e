package blobs

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
)

// dataRootMagic starts every data-root transaction. Its zero first byte is
// never a valid protobuf tag (so it is neither a BlobTx nor an
// IndexWrapper) and "QDR" differs from the Tx magic "QTX".
var dataRootMagic = [4]byte{0x00, 'Q', 'D', 'R'}

const (
	dataRootVersion = 1
	// DataRootSize is the size of a data root (SHA-256).
	DataRootSize = 32
	// DataRootTxSize is the exact size of an encoded data-root transaction:
	// magic (4) ‖ version (1) ‖ data root (32) ‖ square size (8, big endian).
	DataRootTxSize = len(dataRootMagic) + 1 + DataRootSize + 8
)

// ErrInvalidDataRootTx is wrapped by every DataRootTx decoding failure.
var ErrInvalidDataRootTx = errors.New("blobs: invalid data-root tx")

// DataRootTx is the transaction the proposer appends as the last
// transaction of every block: it commits to the block's square (its data
// root and width k). It is never part of the square itself, and CheckTx
// refuses any user transaction for which IsDataRootTx is true.
type DataRootTx struct {
	DataRoot   []byte // 32 bytes
	SquareSize uint64 // k, a power of two in [1, MaxSquareSizeUpperBound]
}

// Validate checks the root size and the square size.
func (d *DataRootTx) Validate() error {
	if len(d.DataRoot) != DataRootSize {
		return fmt.Errorf("%w: data root must be %d bytes, got %d", ErrInvalidDataRootTx, DataRootSize, len(d.DataRoot))
	}
	if d.SquareSize < 1 || d.SquareSize > MaxSquareSizeUpperBound || d.SquareSize&(d.SquareSize-1) != 0 {
		return fmt.Errorf("%w: square size %d must be a power of two in [1, %d]", ErrInvalidDataRootTx, d.SquareSize, MaxSquareSizeUpperBound)
	}
	return nil
}

// Marshal encodes d in its fixed DataRootTxSize-byte form. d must be valid
// (Marshal panics otherwise: a proposer building an invalid one is a
// programming error).
func (d *DataRootTx) Marshal() []byte {
	if err := d.Validate(); err != nil {
		panic(err)
	}
	b := make([]byte, 0, DataRootTxSize)
	b = append(b, dataRootMagic[:]...)
	b = append(b, dataRootVersion)
	b = append(b, d.DataRoot...)
	return binary.BigEndian.AppendUint64(b, d.SquareSize)
}

// IsDataRootTx reports whether b claims to be a data-root transaction (it
// starts with the data-root magic), valid or not. CheckTx refuses every
// user transaction for which it is true.
func IsDataRootTx(b []byte) bool {
	return bytes.HasPrefix(b, dataRootMagic[:])
}

// DecodeDataRootTx decodes a data-root transaction strictly: exactly
// DataRootTxSize bytes, the magic, version 1, and a valid square size. The
// result does not alias b.
func DecodeDataRootTx(b []byte) (*DataRootTx, error) {
	if !IsDataRootTx(b) {
		return nil, fmt.Errorf("%w: missing the %q magic", ErrInvalidDataRootTx, dataRootMagic[:])
	}
	if len(b) != DataRootTxSize {
		return nil, fmt.Errorf("%w: %d bytes, want exactly %d", ErrInvalidDataRootTx, len(b), DataRootTxSize)
	}
	off := len(dataRootMagic)
	if b[off] != dataRootVersion {
		return nil, fmt.Errorf("%w: version %d, want %d", ErrInvalidDataRootTx, b[off], dataRootVersion)
	}
	off++
	d := &DataRootTx{DataRoot: append([]byte(nil), b[off:off+DataRootSize]...)}
	d.SquareSize = binary.BigEndian.Uint64(b[off+DataRootSize:])
	if err := d.Validate(); err != nil {
		return nil, err
	}
	return d, nil
}
