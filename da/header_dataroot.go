package da

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// The data-root transaction is the one transaction a proposer appends, last,
// to every block. It commits the block's header (through
// Header.DataHash, the Merkle root of the block's txs) to the data root of
// the extended square, because upstream CometBFT keeps DataHash as the root
// of the txs. Its wire format lives here rather than in blobs so that da can
// verify extended headers without importing blobs (blobs imports da).
//
// Layout, DataRootTxSize bytes:
//
//	magic "QDRT" (4) | version 0x01 (1) | k, big-endian uint64 (8) | data root (32)
const (
	// DataRootTxSize is the exact size of an encoded data-root transaction.
	DataRootTxSize = dataRootTxPrefixSize + 8 + HashSize
	// DataRootTxVersion is the only data-root transaction version.
	DataRootTxVersion = 1
	// MaxOriginalSquareSize is the largest k a data-root transaction may
	// carry: MaxSquareWidth / 2.
	MaxOriginalSquareSize = MaxSquareWidth / 2

	dataRootTxPrefixSize = 5
)

// DataRootTxMagic opens every data-root transaction.
const DataRootTxMagic = "QDRT"

// ErrDataRootTx is wrapped by every data-root transaction validation or
// decoding failure.
var ErrDataRootTx = errors.New("da: invalid data-root tx")

// DataRootTx is the decoded data-root transaction: the data root of the
// block's extended square and the original square size k.
type DataRootTx struct {
	DataRoot   []byte `json:"data_root"`
	SquareSize uint64 `json:"square_size"`
}

// Validate checks that the data root is HashSize bytes and that SquareSize
// is a power of two in [1, MaxOriginalSquareSize].
func (d *DataRootTx) Validate() error {
	if d == nil {
		return fmt.Errorf("%w: nil", ErrDataRootTx)
	}
	if len(d.DataRoot) != HashSize {
		return fmt.Errorf("%w: data root is %d bytes, want %d", ErrDataRootTx, len(d.DataRoot), HashSize)
	}
	k := d.SquareSize
	if k == 0 || k > MaxOriginalSquareSize || k&(k-1) != 0 {
		return fmt.Errorf("%w: square size %d, want a power of two in [1, %d]", ErrDataRootTx, k, MaxOriginalSquareSize)
	}
	return nil
}

// SquareWidth returns the width 2k of the extended square.
func (d *DataRootTx) SquareWidth() int { return 2 * int(d.SquareSize) }

// Marshal returns the canonical encoding of d. It returns an error wrapping
// ErrDataRootTx if d is not valid (see Validate), so every encoded data-root
// transaction decodes.
func (d *DataRootTx) Marshal() ([]byte, error) {
	if err := d.Validate(); err != nil {
		return nil, err
	}
	out := make([]byte, DataRootTxSize)
	copy(out, DataRootTxMagic)
	out[4] = DataRootTxVersion
	binary.BigEndian.PutUint64(out[dataRootTxPrefixSize:], d.SquareSize)
	copy(out[dataRootTxPrefixSize+8:], d.DataRoot)
	return out, nil
}

// IsDataRootTx reports whether b starts like a data-root transaction (magic
// and version), whatever its length. CheckTx uses it to reject any user
// transaction that even looks like one; DecodeDataRootTx does the full check.
func IsDataRootTx(b []byte) bool {
	return len(b) >= dataRootTxPrefixSize && string(b[:4]) == DataRootTxMagic && b[4] == DataRootTxVersion
}

// DecodeDataRootTx decodes and validates a data-root transaction encoded by
// Marshal. Any other input, including a wrong length, is rejected. The
// returned data root is a copy.
func DecodeDataRootTx(b []byte) (*DataRootTx, error) {
	if len(b) != DataRootTxSize {
		return nil, fmt.Errorf("%w: %d bytes, want %d", ErrDataRootTx, len(b), DataRootTxSize)
	}
	if !IsDataRootTx(b) {
		return nil, fmt.Errorf("%w: prefix %x, want magic %x and version %d", ErrDataRootTx, b[:dataRootTxPrefixSize], DataRootTxMagic, DataRootTxVersion)
	}
	d := &DataRootTx{
		SquareSize: binary.BigEndian.Uint64(b[dataRootTxPrefixSize:]),
		DataRoot:   append([]byte(nil), b[dataRootTxPrefixSize+8:]...),
	}
	if err := d.Validate(); err != nil {
		return nil, err
	}
	return d, nil
}
