package consensus

import (
	"fmt"
	"strconv"

	abci "github.com/cometbft/cometbft/abci/types"

	"github.com/quadrant-da/quadrant/blobs"
	"github.com/quadrant-da/quadrant/chain"
)

// blockLayout is where a block's blobs landed: for each pay-for-blobs in
// block order, the original-square share index of each blob, and k.
type blockLayout struct {
	placements [][]uint32
	squareSize int
}

// blockResult is what executing a block produced.
type blockResult struct {
	changes map[chain.Address]Account
	results []*abci.ExecTxResult
	records []BlobRecord
	// staking is the new staking state, nil when the block left it as it
	// was; updates and events are what endBlock returned.
	staking *Staking
	updates []abci.ValidatorUpdate
	events  []abci.Event
}

// blockEnv is the block-level input of executeBlock: height, time (unix
// nanoseconds) and what CometBFT reports about the validators.
type blockEnv struct {
	height int64
	now    int64
	stakingBlock
}

// executeBlock applies a decided block's transactions in order on top of
// base: each is decoded and checked (check, given its index), then applied (applyTx); a
// transaction that fails gets a non-zero code and changes nothing. The last
// transaction, if it is the data-root transaction, is skipped with code 0,
// and so is the first if it is an attestation transaction.
// For each applied pay-for-blobs it records where its blobs landed (layout
// may be nil when the square could not be rebuilt: the records are then left
// out, the state is not affected). It is deterministic and does not write
// anywhere. After the transactions, the staking state machine runs
// (endBlock): the fees paid go to the validators.
func executeBlock(base accountReader, blockTxs [][]byte, env blockEnv, check func(i int, raw []byte) (*decodedTx, *txError), layout *blockLayout) blockResult {
	height := env.height
	l := newLedger(base)
	l.height, l.now = env.height, env.now
	res := blockResult{results: make([]*abci.ExecTxResult, len(blockTxs))}
	pfbIndex := 0
	for i, raw := range blockTxs {
		if i == len(blockTxs)-1 && blobs.IsDataRootTx(raw) {
			res.results[i] = &abci.ExecTxResult{Code: chain.CodeOK, Log: "data-root transaction"}
			continue
		}
		if i == 0 && len(blockTxs) > 1 && isAttestTx(raw) {
			// Applied to the attestation state by the caller.
			res.results[i] = &abci.ExecTxResult{Code: chain.CodeOK, Log: "attestation transaction"}
			continue
		}
		d, terr := check(i, raw)
		if terr == nil {
			terr = applyTx(l, d)
		}
		// The square holds every blob tx of the block, applied or not.
		if d != nil && d.isBlob {
			pfbIndex++
		} else if d == nil {
			if _, isBlob, _ := blobs.UnmarshalBlobTx(raw); isBlob {
				pfbIndex++
			}
		}
		if terr != nil {
			res.results[i] = &abci.ExecTxResult{Code: terr.Code, Log: terr.Error()}
			continue
		}
		r := &abci.ExecTxResult{
			Code:      chain.CodeOK,
			GasWanted: int64(min(d.gasLimit(), 1<<62)),
			GasUsed:   int64(min(d.gasLimit(), 1<<62)), // charged in full
		}
		if d.isBlob && layout != nil && pfbIndex-1 < len(layout.placements) {
			recs := blobRecords(d, height, i, layout.placements[pfbIndex-1], layout.squareSize)
			res.records = append(res.records, recs...)
			for _, rec := range recs {
				r.Events = append(r.Events, blobEvent(rec))
			}
		}
		res.results[i] = r
	}
	res.updates, res.events = endBlock(l, env.stakingBlock)
	res.changes = l.Changes()
	res.staking = l.StakingChanged()
	return res
}

// blobRecords describes where d's blobs landed.
func blobRecords(d *decodedTx, height int64, txIndex int, indexes []uint32, k int) []BlobRecord {
	pfb := d.tx.PayForBlobs
	out := make([]BlobRecord, 0, len(d.blobs))
	for j, b := range d.blobs {
		if j >= len(indexes) || j >= len(pfb.ShareCommitments) {
			break
		}
		idx := int(indexes[j])
		out = append(out, BlobRecord{
			Height:        height,
			Namespace:     b.Namespace.Bytes(),
			Commitment:    chain.HexBytes(pfb.ShareCommitments[j]),
			Signer:        chain.HexBytes(d.signer[:]),
			Index:         idx,
			ExtendedIndex: extendedIndex(idx, k),
			Shares:        b.SharesNeeded(),
			Size:          len(b.Data),
			ShareVersion:  b.ShareVersion,
			SquareSize:    k,
			TxIndex:       txIndex,
		})
	}
	return out
}

func blobEvent(r BlobRecord) abci.Event {
	attr := func(k, v string) abci.EventAttribute { return abci.EventAttribute{Key: k, Value: v, Index: true} }
	return abci.Event{
		Type: chain.EventTypeBlob,
		Attributes: []abci.EventAttribute{
			attr(chain.AttrBlobNamespace, r.Namespace.String()),
			attr(chain.AttrBlobCommitment, r.Commitment.String()),
			attr(chain.AttrBlobSigner, r.Signer.String()),
			attr(chain.AttrBlobHeight, strconv.FormatInt(r.Height, 10)),
			attr(chain.AttrBlobIndex, strconv.Itoa(r.Index)),
			attr(chain.AttrBlobSize, strconv.Itoa(r.Size)),
			attr(chain.AttrBlobShares, strconv.Itoa(r.Shares)),
			attr(chain.AttrBlobSquareWidth, strconv.Itoa(r.SquareSize)),
		},
	}
}

// layoutOf rebuilds the square of a decided block (without its data-root
// transaction) and reads where its blobs landed.
func layoutOf(txs [][]byte, params chain.Params) (*blockLayout, error) {
	sq, err := blobs.Construct(txs, params.MaxSquareSize)
	if err != nil {
		return nil, fmt.Errorf("consensus: constructing the square: %w", err)
	}
	p, err := blobPlacements(sq)
	if err != nil {
		return nil, err
	}
	return &blockLayout{placements: p, squareSize: sq.Size()}, nil
}
