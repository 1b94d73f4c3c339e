package blobs

import "github.com/quadrant-da/quadrant/da"

// The data-root transaction's format is defined once, in da (light nodes
// verify it without importing blobs); blobs re-exports it so that block
// producers find every transaction format here.
//
// Why the formats cannot be confused: a data-root transaction starts with
// "QDRT" 0x01, a Quadrant Tx with "\x00QTX", so neither decoder accepts the
// other's bytes; and a data-root transaction is never a BlobTx or an
// IndexWrapper, because read as protobuf its first field (number 10,
// fixed64) is followed by the high bytes of k, which for every k ≤ 256
// start with 0x00 — never a valid protobuf tag.

// DataRootTx is the transaction the proposer appends as the last
// transaction of every block: the data root of the block's extended square
// and its original width k. It is never part of the square.
type DataRootTx = da.DataRootTx

// DataRootTxSize is the exact size of an encoded data-root transaction.
const DataRootTxSize = da.DataRootTxSize

// IsDataRootTx reports whether b starts like a data-root transaction
// (magic and version), valid or not; CheckTx refuses every user
// transaction for which it is true.
func IsDataRootTx(b []byte) bool { return da.IsDataRootTx(b) }

// DecodeDataRootTx decodes a data-root transaction strictly (exact size,
// magic, version, square size a power of two in [1, 256]); every failure
// wraps da.ErrDataRootTx.
func DecodeDataRootTx(b []byte) (*DataRootTx, error) { return da.DecodeDataRootTx(b) }
