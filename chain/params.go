package chain

import (
	"errors"
	"fmt"

	"github.com/quadrant-da/quadrant/blobs"
	"github.com/quadrant-da/quadrant/da"
)

// Parameter bounds.
const (
	// DefaultMaxSquareSize is the default largest original square width k.
	DefaultMaxSquareSize = 128
	// maxSquareSizeUpperBound is the largest original square width a chain may
	// configure (k = 256: 65536 shares, ≈ 30 MiB of blob payload).
	maxSquareSizeUpperBound = 256

	// defaultMinGasPrice is the default minimum gas price, in base units per gas.
	defaultMinGasPrice = 1
	// defaultGasPerBlobByte is the default gas charged per byte of share space
	// a blob occupies (shares × 512 bytes).
	defaultGasPerBlobByte = 8
	// DefaultFixedTxGas is the default fixed gas every transaction pays.
	DefaultFixedTxGas = 65_000

	// txOverheadBytes is the room left for the signed inner tx and the blob-tx
	// envelope on top of MaxBlobSize when MaxTxBytes is derived.
	txOverheadBytes = 64 << 10

	maxGasPerBlobByte = 1 << 20
	maxFixedTxGas     = 1 << 40
)

// DefaultMaxTxBytes is the largest transaction a validator's mempool takes
// by default (its mempool.max_tx_bytes): larger than the biggest blob
// transaction at k=256 (≈ 30 MiB). Clients size submissions by it.
const DefaultMaxTxBytes = 64 << 20

// errInvalidParams is returned by Params.Validate.
var errInvalidParams = errors.New("chain: invalid params")

// Params are the chain parameters Quadrant's application enforces. They are
// part of consensus state: set at genesis and committed to by the app hash.
// The zero value is not valid; start from DefaultParams.
type Params struct {
	// MaxSquareSize is the largest original square width k; a power of two in
	// [1, maxSquareSizeUpperBound].
	MaxSquareSize int `json:"max_square_size"`
	// MinGasPrice is the lowest gas price a transaction may state.
	MinGasPrice uint64 `json:"min_gas_price"`
	// GasPerBlobByte is the gas charged per byte of share space a blob
	// occupies (shares × 512).
	GasPerBlobByte uint64 `json:"gas_per_blob_byte"`
	// FixedTxGas is the gas every transaction pays on top of its blob gas.
	FixedTxGas uint64 `json:"fixed_tx_gas"`
	// MaxTxBytes is the largest raw transaction (blob-tx envelope included)
	// accepted. 0 means derived: MaxBlobSize() plus 64 KiB of overhead.
	MaxTxBytes int `json:"max_tx_bytes"`
}

// DefaultParams returns the default parameters: k ≤ 128, minimum gas price 1,
// 8 gas per blob byte, 65000 fixed gas, derived tx size limit.
func DefaultParams() Params {
	return Params{
		MaxSquareSize:  DefaultMaxSquareSize,
		MinGasPrice:    defaultMinGasPrice,
		GasPerBlobByte: defaultGasPerBlobByte,
		FixedTxGas:     DefaultFixedTxGas,
	}
}

// Validate checks that p is usable: the square size is a power of two within
// bounds, gas figures are small enough that gas arithmetic cannot overflow and
// the tx size limit is not negative.
func (p Params) Validate() error {
	k := p.MaxSquareSize
	if k < 1 || k > maxSquareSizeUpperBound || k&(k-1) != 0 {
		return fmt.Errorf("%w: max square size %d, want a power of two in [1, %d]",
			errInvalidParams, k, maxSquareSizeUpperBound)
	}
	if p.GasPerBlobByte > maxGasPerBlobByte {
		return fmt.Errorf("%w: gas per blob byte %d over the maximum %d",
			errInvalidParams, p.GasPerBlobByte, maxGasPerBlobByte)
	}
	if p.FixedTxGas > maxFixedTxGas {
		return fmt.Errorf("%w: fixed tx gas %d over the maximum %d",
			errInvalidParams, p.FixedTxGas, uint64(maxFixedTxGas))
	}
	if p.MaxTxBytes < 0 {
		return fmt.Errorf("%w: max tx bytes %d is negative", errInvalidParams, p.MaxTxBytes)
	}
	return nil
}

// MaxBlobSize is the largest total blob payload, in bytes, one transaction
// may carry: the largest blob that fits a square of MaxSquareSize next to a
// one-share pay-for-blobs with worst-case alignment padding, counted for
// share version 1 (whose first share also holds the signer), so blobs of
// either share version within it fit (blobs.MaxBlobSize). k = 128 gives
// ≈ 7.5 MiB, k = 256 ≈ 30 MiB. CheckTx also checks the exact worst-case
// share count of a transaction's blobs against the square.
func (p Params) MaxBlobSize() int {
	return blobs.MaxBlobSize(p.MaxSquareSize, da.ShareVersionOne)
}

// TxSizeLimit is the largest raw transaction accepted: MaxTxBytes, or when
// that is 0, MaxBlobSize plus 64 KiB.
func (p Params) TxSizeLimit() int {
	if p.MaxTxBytes > 0 {
		return p.MaxTxBytes
	}
	return p.MaxBlobSize() + txOverheadBytes
}
