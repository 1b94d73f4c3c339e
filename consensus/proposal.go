package consensus

import (
	"bytes"
	"errors"
	"fmt"

	"github.com/quadrant-da/quadrant/blobs"
	"github.com/quadrant-da/quadrant/chain"
	"github.com/quadrant-da/quadrant/da"
)

// errProposal is wrapped by every reason ProcessProposal rejects a block.
var errProposal = errors.New("consensus: invalid proposal")

// txChecker decodes raw and checks everything about it that does not depend
// on account state (decodeTx + validateStateless, possibly cached).
type txChecker func(raw []byte) (*decodedTx, *txError)

// txValidator checks everything about a decoded transaction that does not
// depend on account state (validateStateless, possibly cached).
type txValidator func(d *decodedTx) *txError

// droppedTx is a transaction a proposer left out, with the reason.
type droppedTx struct {
	raw    []byte
	reason error
}

// blockPlan is a block's transactions and its square.
type blockPlan struct {
	// txs are the block's transactions without the data-root transaction,
	// in block (= square) order.
	txs     [][]byte
	decoded []*decodedTx
	square  blobs.Square
	// squareSize is k; dataRoot the data root of the extended square.
	squareSize int
	dataRoot   []byte
}

// selectTxs walks ordered (see orderTxs) and keeps each transaction that
// fits the square's worst-case budget, is valid on its own (valid) and
// applies against base plus the transactions kept before it. A transaction
// that is dropped for not fitting or not applying, or listed in excluded,
// drops its signer's later transactions too; one that is invalid on its own
// is skipped as if it were not there. valid is asked only about
// transactions that fit, so what a full square leaves out is not hashed or
// verified.
func selectTxs(base accountReader, ordered []*decodedTx, params chain.Params, maxBytes int64, excluded map[*decodedTx]bool, valid txValidator) (kept []*decodedTx, dropped []droppedTx) {
	l := newLedger(base)
	budget := newSquareBudget(params.MaxSquareSize, maxBytes)
	broken := make(map[chain.Address]bool)
	drop := func(d *decodedTx, reason error) {
		broken[d.signer] = true
		dropped = append(dropped, droppedTx{raw: d.raw, reason: reason})
	}
	for _, d := range ordered {
		switch {
		case broken[d.signer]:
			drop(d, fmt.Errorf("consensus: an earlier transaction of %s was left out", d.signer))
			continue
		case excluded[d]:
			drop(d, errors.New("consensus: left out by the square builder"))
			continue
		}
		next := *budget
		if !next.tryAdd(d) {
			drop(d, fmt.Errorf("consensus: does not fit a %d×%d square or the %d-byte block", params.MaxSquareSize, params.MaxSquareSize, maxBytes))
			continue
		}
		if err := valid(d); err != nil {
			dropped = append(dropped, droppedTx{raw: d.raw, reason: err})
			continue
		}
		if err := applyTx(l, d); err != nil {
			drop(d, err)
			continue
		}
		*budget = next
		kept = append(kept, d)
	}
	return kept, dropped
}

// prepareBlock is the proposer's decision: decode raws (the mempool, in
// arrival order), order them (orderTxs), keep what fits the square and
// maxBytes and is valid (selectTxs; validate is asked at most once per
// transaction), build the square and compute its data root. The result does
// not yet contain the data-root transaction.
//
// lead, when not nil, is the attestation transaction: it goes first in the
// block and the square, ahead of everything selected (its bytes are taken
// off maxBytes by the caller).
func prepareBlock(base accountReader, raws [][]byte, params chain.Params, validate txValidator, maxBytes int64, lead []byte) (*blockPlan, []droppedTx, error) {
	var decoded []*decodedTx
	var dropped []droppedTx
	for i, raw := range raws {
		d, err := decodeTx(raw, params)
		if err != nil {
			dropped = append(dropped, droppedTx{raw: raw, reason: err})
			continue
		}
		d.order = i
		decoded = append(decoded, d)
	}
	ordered := orderTxs(decoded)
	excluded := make(map[*decodedTx]bool)
	verdicts := make(map[*decodedTx]*txError)
	valid := func(d *decodedTx) *txError {
		v, ok := verdicts[d]
		if !ok {
			v = validate(d)
			verdicts[d] = v
		}
		return v
	}
	for {
		kept, left := selectTxs(base, ordered, params, maxBytes, excluded, valid)
		txs := make([][]byte, 0, len(kept)+1)
		decodedTxs := make([]*decodedTx, 0, len(kept)+1)
		if lead != nil {
			txs, decodedTxs = append(txs, lead), append(decodedTxs, nil)
		}
		for _, d := range kept {
			txs, decodedTxs = append(txs, d.raw), append(decodedTxs, d)
		}
		sq, built, err := blobs.Build(txs, params.MaxSquareSize)
		if err != nil {
			return nil, nil, fmt.Errorf("consensus: building the square: %w", err)
		}
		if len(built) == len(txs) {
			plan, err := planFor(txs, decodedTxs, sq)
			return plan, append(dropped, left...), err
		}
		// The builder left something out that the budget admitted: exclude
		// it (and so its signer's later transactions) and select again.
		// Build keeps the input order, so built is a subsequence of txs.
		j, newlyExcluded := 0, 0
		if lead != nil {
			if len(built) == 0 || !bytes.Equal(built[0], lead) {
				return nil, nil, errors.New("consensus: the square builder left out the attestation transaction")
			}
			j = 1
		}
		for _, d := range kept {
			if j < len(built) && bytes.Equal(built[j], d.raw) {
				j++
				continue
			}
			excluded[d] = true
			newlyExcluded++
		}
		if newlyExcluded == 0 {
			return nil, nil, fmt.Errorf("consensus: the square builder kept %d of %d txs but none is missing", len(built), len(txs))
		}
	}
}

// processBlock is a validator's decision on a proposed block: the last
// transaction must be the block's only data-root transaction; the first may
// be an attestation transaction (left to the caller, but in the square);
// every other transaction must decode, be valid and apply in order against base; the
// square constructed from them must have the data root and square size the
// data-root transaction states.
func processBlock(base accountReader, blockTxs [][]byte, params chain.Params, check txChecker) (*blockPlan, error) {
	n := len(blockTxs)
	if n == 0 {
		return nil, fmt.Errorf("%w: no data-root transaction (the block is empty)", errProposal)
	}
	drt, err := blobs.DecodeDataRootTx(blockTxs[n-1])
	if err != nil {
		return nil, fmt.Errorf("%w: the last transaction is not a data-root transaction: %w", errProposal, err)
	}
	txs := blockTxs[:n-1]
	decoded := make([]*decodedTx, len(txs))
	l := newLedger(base)
	for i, raw := range txs {
		if blobs.IsDataRootTx(raw) {
			return nil, fmt.Errorf("%w: data-root transaction at index %d, want exactly one, last (index %d)", errProposal, i, n-1)
		}
		if i == 0 && isAttestTx(raw) {
			continue // checked by the caller against the last commit (applyAttestTx)
		}
		d, terr := check(raw)
		if terr != nil {
			return nil, fmt.Errorf("%w: transaction %d: %w", errProposal, i, terr)
		}
		if terr := applyTx(l, d); terr != nil {
			return nil, fmt.Errorf("%w: transaction %d: %w", errProposal, i, terr)
		}
		d.order = i
		decoded[i] = d
	}
	sq, err := blobs.Construct(txs, params.MaxSquareSize)
	if err != nil {
		return nil, fmt.Errorf("%w: constructing the square: %w", errProposal, err)
	}
	plan, err := planFor(txs, decoded, sq)
	if err != nil {
		return nil, err
	}
	if uint64(plan.squareSize) != drt.SquareSize {
		return nil, fmt.Errorf("%w: square size is %d, the data-root transaction says %d", errProposal, plan.squareSize, drt.SquareSize)
	}
	if !bytes.Equal(plan.dataRoot, drt.DataRoot) {
		return nil, fmt.Errorf("%w: data root is %X, the data-root transaction says %X", errProposal, plan.dataRoot, drt.DataRoot)
	}
	return plan, nil
}

func planFor(txs [][]byte, decoded []*decodedTx, sq blobs.Square) (*blockPlan, error) {
	root, err := squareDataRoot(sq)
	if err != nil {
		return nil, err
	}
	return &blockPlan{txs: txs, decoded: decoded, square: sq, squareSize: sq.Size(), dataRoot: root}, nil
}

// blobPlacements returns, for each pay-for-blobs in the square (in block
// order), the share index of each of its blobs, read from the index wrappers
// in the square's pay-for-blob namespace.
func blobPlacements(sq blobs.Square) ([][]uint32, error) {
	start, end := -1, -1
	for i := range sq {
		if sq[i].Namespace() == da.PayForBlobNamespace() {
			if start < 0 {
				start = i
			}
			end = i + 1
		}
	}
	if start < 0 {
		return nil, nil
	}
	units, err := blobs.ParseCompactShares(sq[start:end])
	if err != nil {
		return nil, fmt.Errorf("consensus: reading pay-for-blob shares: %w", err)
	}
	out := make([][]uint32, len(units))
	for i, u := range units {
		iw, err := blobs.UnmarshalIndexWrapper(u)
		if err != nil {
			return nil, fmt.Errorf("consensus: index wrapper %d: %w", i, err)
		}
		out[i] = iw.ShareIndexes
	}
	return out, nil
}
