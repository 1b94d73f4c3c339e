package fullnode

import (
	"bytes"
	"errors"
	"fmt"

	"github.com/cometbft/cometbft/types"

	"github.com/quadrant-da/quadrant/blobs"
	"github.com/quadrant-da/quadrant/da"
	"github.com/quadrant-da/quadrant/erasure"
)

// errBlockData is wrapped by *blockDataError: a committed block whose
// transactions and square disagree.
var errBlockData = errors.New("fullnode: block transactions and square disagree")

// blockDataError reports a committed block whose transactions do not
// rebuild the square its data-root transaction commits to (or that has no
// valid data-root transaction last). For a bridge node this is an alert:
// validators accepted a block that Quadrant's own rules reject, so it stops
// ingesting and never serves that height.
type blockDataError struct {
	Height int64
	Reason string
}

// Error implements error.
func (e *blockDataError) Error() string {
	return fmt.Sprintf("%v at height %d: %s", errBlockData, e.Height, e.Reason)
}

// Unwrap returns errBlockData.
func (e *blockDataError) Unwrap() error { return errBlockData }

// BuildBlock turns a committed block into its extended header and extended
// square, as a bridge node does for every block: the last transaction must
// be the only data-root transaction; the square is rebuilt from the others
// with blobs.Construct (maxSquareSize is the chain's parameter), extended
// and hashed; its width and data root must equal what the data-root
// transaction states, and the data-root transaction must be provably the
// last leaf under Header.DataHash (da.NewExtendedHeader). Any disagreement
// is a *blockDataError. sh must carry the commit for its header and vals
// the validator set of that height; signatures are the caller's to verify
// (ExtendedHeader.Verify). BuildBlock is pure: no I/O, clock or logging.
func BuildBlock(sh *types.SignedHeader, vals *types.ValidatorSet, txs [][]byte, maxSquareSize int) (*da.ExtendedHeader, *erasure.ExtendedSquare, error) {
	if sh == nil || sh.Header == nil || sh.Commit == nil || vals == nil {
		return nil, nil, errors.New("fullnode: build block: missing header, commit or validator set")
	}
	height := sh.Height
	if !bytes.Equal(vals.Hash(), sh.ValidatorsHash) {
		return nil, nil, fmt.Errorf("fullnode: build block %d: validator set hashes to %X, header names %X", height, vals.Hash(), sh.ValidatorsHash)
	}
	mismatch := func(format string, args ...any) error {
		return &blockDataError{Height: height, Reason: fmt.Sprintf(format, args...)}
	}
	if !bytes.Equal(sh.DataHash, types.Txs(toTxs(txs)).Hash()) {
		return nil, nil, mismatch("the block's txs hash to %X, its header's data hash is %X", types.Txs(toTxs(txs)).Hash(), sh.DataHash)
	}
	if len(txs) == 0 {
		return nil, nil, mismatch("block has no transactions, want a data-root tx last")
	}
	last := len(txs) - 1
	drt, err := da.DecodeDataRootTx(txs[last])
	if err != nil {
		return nil, nil, mismatch("last tx is not a data-root tx: %v", err)
	}
	for i, tx := range txs[:last] {
		if da.IsDataRootTx(tx) {
			return nil, nil, mismatch("tx %d of %d is a second data-root tx", i, len(txs))
		}
	}
	sq, err := blobs.Construct(txs[:last], maxSquareSize)
	if err != nil {
		return nil, nil, mismatch("square construction failed: %v", err)
	}
	k := sq.Size()
	if uint64(k) != drt.SquareSize {
		return nil, nil, mismatch("txs build a square of width %d, the data-root tx states %d", k, drt.SquareSize)
	}
	buf := make([]byte, 0, len(sq)*da.ShareSize)
	for i := range sq {
		buf = append(buf, sq[i][:]...)
	}
	eds, err := erasure.Extend(buf, k)
	if err != nil {
		return nil, nil, fmt.Errorf("fullnode: extend the %d×%d square of height %d: %w", k, k, height, err)
	}
	dah, err := da.ComputeDAHeader(eds)
	if err != nil {
		return nil, nil, fmt.Errorf("fullnode: DA header of height %d: %w", height, err)
	}
	if !bytes.Equal(dah.Hash(), drt.DataRoot) {
		return nil, nil, mismatch("square has data root %X, the data-root tx states %X", dah.Hash(), drt.DataRoot)
	}
	eh, err := da.NewExtendedHeader(sh, vals, txs, dah)
	if err != nil {
		return nil, nil, mismatch("extended header: %v", err)
	}
	return eh, eds, nil
}

func toTxs(txs [][]byte) []types.Tx {
	out := make([]types.Tx, len(txs))
	for i, tx := range txs {
		out[i] = tx
	}
	return out
}
