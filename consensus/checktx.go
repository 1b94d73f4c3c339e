package consensus

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"fmt"
	"math"

	"github.com/quadrant-da/quadrant/blobs"
	"github.com/quadrant-da/quadrant/chain"
	"github.com/quadrant-da/quadrant/da"
)

// txError is the reason a transaction was rejected, with its ABCI code and,
// for codes that define one, structured details (Data: see ExpectedSequence).
type txError struct {
	Code uint32
	Data []byte
	Err  error
}

func (e *txError) Error() string { return e.Err.Error() }
func (e *txError) Unwrap() error { return e.Err }

func txErr(code uint32, format string, args ...any) *txError {
	return &txError{Code: code, Err: fmt.Errorf(format, args...)}
}

// Rejection sentinels; every txError wraps one of them (or a blobs error).
var (
	errTxTooLarge        = errors.New("consensus: tx too large")
	errTxDecode          = errors.New("consensus: tx does not decode")
	errDataRootTxInTx    = errors.New("consensus: a data-root transaction may only be added by the proposer")
	errWrongChainID      = errors.New("consensus: wrong chain id")
	errBadSignature      = errors.New("consensus: bad signature")
	errSequence          = errors.New("consensus: incorrect account sequence")
	errGasPrice          = errors.New("consensus: gas price below minimum")
	errGasLimit          = errors.New("consensus: gas limit below required gas")
	errInsufficientFunds = errors.New("consensus: insufficient funds")
	errNamespace         = errors.New("consensus: reserved or malformed namespace")
	errBlobTooLarge      = errors.New("consensus: blob: over size limit")
	errCommitment        = errors.New("consensus: share commitment does not match blob")
	errMalformedTx       = errors.New("consensus: malformed transaction")
	errMempoolFull       = errors.New("consensus: app mempool is full, retry later")
)

// decodedTx is a mempool or block transaction after decoding.
type decodedTx struct {
	raw   []byte
	inner []byte // the signed Tx: raw itself, or the one inside a BlobTx
	// Exactly one of tx and stake is set.
	tx     *blobs.Tx
	stake  *chain.StakeTx
	blobs  []*blobs.Blob // non-nil only for a blob transaction
	isBlob bool
	// wrapperLen is the length of the index wrapper of a blob tx with
	// worst-case share indexes (what the square builder budgets).
	wrapperLen int
	signer     chain.Address
	// order is the position the transaction arrived in (mempool or block).
	order int
	// key is the SHA-256 of raw once keyed is set: computed once per
	// transaction and node, where it is first needed (CheckTx, the relay,
	// ProcessProposal), and reused by proposals and the pool's update.
	key   [32]byte
	keyed bool
}

// setKey records k, the SHA-256 of d.raw, unless d already has its key. A
// decodedTx gets its key before it is shared (pool, decided blocks).
func (d *decodedTx) setKey(k [32]byte) {
	if !d.keyed {
		d.key, d.keyed = k, true
	}
}

// hashKey returns d's key, hashing raw only if d has none yet.
func (d *decodedTx) hashKey() [32]byte {
	if !d.keyed {
		d.setKey(sha256.Sum256(d.raw))
	}
	return d.key
}

// fee returns gas limit × gas price; decodeTx has checked it does not overflow.
func (d *decodedTx) fee() uint64 { return d.gasLimit() * d.gasPrice() }

func (d *decodedTx) gasLimit() uint64 {
	if d.stake != nil {
		return d.stake.GasLimit
	}
	return d.tx.GasLimit
}

func (d *decodedTx) gasPrice() uint64 {
	if d.stake != nil {
		return d.stake.GasPrice
	}
	return d.tx.GasPrice
}

func (d *decodedTx) sequence() uint64 {
	if d.stake != nil {
		return d.stake.Sequence
	}
	return d.tx.Sequence
}

// decodeStake decodes a staking transaction (chain.StakeTx).
func decodeStake(raw []byte) (*decodedTx, *txError) {
	tx, err := chain.DecodeStakeTx(raw)
	if err != nil {
		return nil, txErr(chain.CodeDecode, "%w: staking tx: %w", errTxDecode, err)
	}
	if tx.GasPrice != 0 && tx.GasLimit > math.MaxUint64/tx.GasPrice {
		return nil, txErr(chain.CodeGas, "%w: fee %d × %d overflows", errMalformedTx, tx.GasLimit, tx.GasPrice)
	}
	return &decodedTx{raw: raw, inner: raw, stake: tx, signer: tx.Signer()}, nil
}

// decodeTx decodes raw as a blob transaction (BlobTx envelope around a signed
// Tx) or a plain signed Tx. It rejects transactions over the size limit and
// anything that decodes as a data-root transaction.
func decodeTx(raw []byte, params chain.Params) (*decodedTx, *txError) {
	if limit := params.TxSizeLimit(); len(raw) > limit {
		return nil, txErr(chain.CodeTxTooLarge, "%w: %d bytes, the limit is %d", errTxTooLarge, len(raw), limit)
	}
	if blobs.IsDataRootTx(raw) {
		return nil, txErr(chain.CodeDataRootTx, "%w: the transaction decodes as one", errDataRootTxInTx)
	}
	if isAttestTx(raw) {
		return nil, txErr(chain.CodeDataRootTx, "%w: an attestation transaction is the proposer's, never a user's", errAttestation)
	}
	if chain.IsStakeTx(raw) {
		return decodeStake(raw)
	}
	d := &decodedTx{raw: raw}
	inner := raw
	btx, isBlob, err := blobs.UnmarshalBlobTx(raw)
	if isBlob {
		if err != nil {
			return nil, classifyDecodeError("blob tx envelope", err)
		}
		inner, d.blobs, d.isBlob = btx.Tx, btx.Blobs, true
	}
	tx, err := blobs.DecodeTx(inner)
	if err != nil {
		return nil, classifyDecodeError("tx", err)
	}
	d.tx, d.inner = tx, inner
	if d.isBlob {
		iw, err := blobs.MarshalIndexWrapper(inner, worstCaseShareIndexes(len(d.blobs))...)
		if err != nil {
			return nil, txErr(chain.CodeDecode, "%w: index wrapper: %w", errTxDecode, err)
		}
		d.wrapperLen = len(iw)
	}
	signer, err := chain.AddressFromBytes(tx.Signer())
	if err != nil {
		return nil, txErr(chain.CodeSignature, "%w: signer: %w", errBadSignature, err)
	}
	d.signer = signer
	if tx.GasPrice != 0 && tx.GasLimit > math.MaxUint64/tx.GasPrice {
		return nil, txErr(chain.CodeGas, "%w: fee %d × %d overflows", errMalformedTx, tx.GasLimit, tx.GasPrice)
	}
	return d, nil
}

// classifyDecodeError maps a decoding failure to its code and sentinel, so
// oversized blobs, bad namespaces and oversized txs read as such.
func classifyDecodeError(what string, err error) *txError {
	switch {
	case errors.Is(err, blobs.ErrBlobTooLarge):
		return txErr(chain.CodeBlobSize, "%w: %s: %w", errBlobTooLarge, what, err)
	case errors.Is(err, blobs.ErrTxTooLarge):
		return txErr(chain.CodeTxTooLarge, "%w: %s: %w", errTxTooLarge, what, err)
	case errors.Is(err, da.ErrNamespaceReserved), errors.Is(err, da.ErrNamespaceNotForBlobs),
		errors.Is(err, da.ErrNamespaceVersion), errors.Is(err, da.ErrNamespaceV0Prefix),
		errors.Is(err, da.ErrNamespaceSize), errors.Is(err, da.ErrNamespaceIDTooLong):
		return txErr(chain.CodeNamespace, "%w: %s: %w", errNamespace, what, err)
	}
	return txErr(chain.CodeDecode, "%w: %s: %w", errTxDecode, what, err)
}

// worstCaseShareIndex is the share index the square builder assumes for
// every blob when it budgets an index wrapper (go-square: 128 × 128).
const worstCaseShareIndex = 128 * 128

func worstCaseShareIndexes(n int) []uint32 {
	out := make([]uint32, n)
	for i := range out {
		out[i] = worstCaseShareIndex
	}
	return out
}

// requiredGas is the gas a transaction needs: FixedTxGas plus, for a
// pay-for-blob, the share space of its blobs × GasPerBlobByte.
func requiredGas(tx *blobs.Tx, params chain.Params) uint64 {
	if tx.PayForBlobs == nil {
		return params.FixedTxGas
	}
	return blobs.GasToConsume(tx.PayForBlobs.BlobSizes, params.GasPerBlobByte, params.FixedTxGas)
}

// validateStateless checks everything about d that does not depend on
// account state: validateTx, then validateBlobTx. The result depends only on
// (d.raw, params, chainID), so it may be cached.
func validateStateless(d *decodedTx, params chain.Params, chainID string) *txError {
	if err := validateTx(d, params, chainID); err != nil {
		return err
	}
	return validateBlobTx(d, params)
}

// validateTx is the cheap part of validateStateless: chain id, signature, gas
// price, gas limit and the pairing of pay-for-blobs and blobs.
func validateTx(d *decodedTx, params chain.Params, chainID string) *txError {
	if d.stake != nil {
		return validateStakeHeader(d, params, chainID)
	}
	tx := d.tx
	if tx.ChainID != chainID {
		return txErr(chain.CodeChainID, "%w: tx is for chain %q, this is %q", errWrongChainID, tx.ChainID, chainID)
	}
	if err := tx.VerifySignature(); err != nil {
		return txErr(chain.CodeSignature, "%w: %w", errBadSignature, err)
	}
	if tx.GasPrice < params.MinGasPrice {
		return txErr(chain.CodeGasPrice, "%w: gas price %d, the minimum is %d", errGasPrice, tx.GasPrice, params.MinGasPrice)
	}
	if tx.Transfer != nil && len(tx.Transfer.To) != chain.AddressSize {
		return txErr(chain.CodeMalformed, "%w: transfer recipient is %d bytes, want %d", errMalformedTx, len(tx.Transfer.To), chain.AddressSize)
	}
	switch pfb := tx.PayForBlobs; {
	case d.isBlob && pfb == nil:
		return txErr(chain.CodeMalformed, "%w: blobs attached but the tx is not a pay-for-blobs", errMalformedTx)
	case !d.isBlob && pfb != nil:
		return txErr(chain.CodeMalformed, "%w: pay-for-blobs without its blobs (send it wrapped in a blob tx)", errMalformedTx)
	}
	if need := requiredGas(tx, params); tx.GasLimit < need {
		return txErr(chain.CodeGas, "%w: gas limit %d, the tx needs %d", errGasLimit, tx.GasLimit, need)
	}
	return nil
}

// validateBlobTx is the expensive part of validateStateless, for blob txs
// only: canonical envelope, blobs matching the pay-for-blobs, namespaces,
// sizes and share commitments.
func validateBlobTx(d *decodedTx, params chain.Params) *txError {
	if d.tx == nil || d.tx.PayForBlobs == nil {
		return nil
	}
	if _, err := blobs.DecodeBlobTx(d.raw); err != nil {
		return txErr(chain.CodeDecode, "%w: %w", errTxDecode, err)
	}
	return validateBlobs(d.blobs, d.tx.PayForBlobs, d.signer, d.wrapperLen, params)
}

// validateBlobs checks that the blobs match what the pay-for-blobs pays for
// and that they fit the square.
func validateBlobs(bs []*blobs.Blob, pfb *blobs.PayForBlobs, signer chain.Address, wrapperLen int, params chain.Params) *txError {
	n := len(bs)
	if n == 0 {
		return txErr(chain.CodeMalformed, "%w: blob tx without blobs", errMalformedTx)
	}
	if len(pfb.Namespaces) != n || len(pfb.BlobSizes) != n || len(pfb.ShareVersions) != n || len(pfb.ShareCommitments) != n {
		return txErr(chain.CodeMalformed, "%w: pay-for-blobs lists %d namespaces, %d sizes, %d share versions, %d commitments for %d blobs",
			errMalformedTx, len(pfb.Namespaces), len(pfb.BlobSizes), len(pfb.ShareVersions), len(pfb.ShareCommitments), n)
	}
	total := 0
	for i, b := range bs {
		if err := pfb.Namespaces[i].ValidateForBlob(); err != nil {
			return txErr(chain.CodeNamespace, "%w: pay-for-blobs namespace %d: %w", errNamespace, i, err)
		}
		if err := b.Namespace.ValidateForBlob(); err != nil {
			return txErr(chain.CodeNamespace, "%w: blob %d: %w", errNamespace, i, err)
		}
		if b.Namespace != pfb.Namespaces[i] {
			return txErr(chain.CodeMalformed, "%w: blob %d has namespace %s, the pay-for-blobs says %s", errMalformedTx, i, b.Namespace, pfb.Namespaces[i])
		}
		if uint64(len(b.Data)) != uint64(pfb.BlobSizes[i]) {
			return txErr(chain.CodeMalformed, "%w: blob %d has %d bytes, the pay-for-blobs says %d", errMalformedTx, i, len(b.Data), pfb.BlobSizes[i])
		}
		if b.ShareVersion != pfb.ShareVersions[i] {
			return txErr(chain.CodeMalformed, "%w: blob %d has share version %d, the pay-for-blobs says %d", errMalformedTx, i, b.ShareVersion, pfb.ShareVersions[i])
		}
		if b.ShareVersion == 1 && !bytes.Equal(b.Signer, signer[:]) {
			return txErr(chain.CodeMalformed, "%w: blob %d carries signer %X, the tx is signed by %s", errMalformedTx, i, b.Signer, signer)
		}
		total += len(b.Data)
		if total > params.MaxBlobSize() {
			return txErr(chain.CodeBlobSize, "%w: %d bytes of blobs, the largest that fits is %d bytes", errBlobTooLarge, total, params.MaxBlobSize())
		}
		if err := b.ValidateForSquare(params.MaxSquareSize); err != nil {
			if errors.Is(err, blobs.ErrBlobTooLarge) {
				return txErr(chain.CodeBlobSize, "%w: blob %d: %w", errBlobTooLarge, i, err)
			}
			return txErr(chain.CodeMalformed, "%w: blob %d: %w", errMalformedTx, i, err)
		}
	}
	if worst, limit := worstCaseShares(wrapperLen, bs), params.MaxSquareSize*params.MaxSquareSize; worst > limit {
		return txErr(chain.CodeBlobSize, "%w: the blobs need up to %d shares with alignment, a %d×%d square has %d",
			errBlobTooLarge, worst, params.MaxSquareSize, params.MaxSquareSize, limit)
	}
	for i, b := range bs {
		c, err := blobs.CreateCommitment(b)
		if err != nil {
			return txErr(chain.CodeCommitment, "%w: blob %d: %w", errCommitment, i, err)
		}
		if !bytes.Equal(c, pfb.ShareCommitments[i]) {
			return txErr(chain.CodeCommitment, "%w: blob %d: pay-for-blobs commits to %X, the blob's commitment is %X",
				errCommitment, i, pfb.ShareCommitments[i], c)
		}
	}
	return nil
}

// applyTx applies d to the ledger: the sequence must be the account's next,
// the balance must cover the fee (gas limit × gas price, charged in full;
// counted in the ledger's fees, which go to the validators) and any
// transfer, and a staking message must apply (applyStakeMsg). On error the
// ledger is unchanged.
func applyTx(l *ledger, d *decodedTx) *txError {
	acc := l.Account(d.signer)
	if seq := d.sequence(); seq != acc.Sequence {
		e := txErr(chain.CodeSequence, "%w: expected %d, got %d (account %s)", errSequence, acc.Sequence, seq, d.signer)
		e.Data = chain.SequenceMismatchData(acc.Sequence)
		return e
	}
	fee := d.fee()
	var amount uint64
	if d.tx != nil && d.tx.Transfer != nil {
		amount = d.tx.Transfer.Amount
	}
	if fee > acc.Balance || amount > acc.Balance-fee {
		return txErr(chain.CodeInsufficientFunds, "%w: account %s has %d, the tx needs %d fee + %d transfer",
			errInsufficientFunds, d.signer, acc.Balance, fee, amount)
	}
	if acc.Sequence == math.MaxUint64 {
		return txErr(chain.CodeSequence, "%w: account %s sequence is exhausted", errSequence, d.signer)
	}
	if d.stake != nil {
		return applyStakeTx(l, d, acc, fee)
	}
	acc.Balance -= fee + amount
	acc.Sequence++
	if d.tx.Transfer != nil {
		to, _ := chain.AddressFromBytes(d.tx.Transfer.To) // length checked statelessly
		if to == d.signer {
			acc.Balance += amount
		} else {
			dst := l.Account(to)
			if dst.Balance > math.MaxUint64-amount {
				return txErr(chain.CodeMalformed, "%w: recipient %s balance would overflow", errMalformedTx, to)
			}
			dst.Balance += amount
			l.Set(to, dst)
		}
	}
	l.Set(d.signer, acc)
	l.fees = saturatingAdd(l.fees, fee)
	return nil
}

// applyStakeTx charges the fee and bumps the sequence of a staking tx,
// then applies its message; if the message does not apply, the ledger is
// put back as it was.
func applyStakeTx(l *ledger, d *decodedTx, acc Account, fee uint64) *txError {
	prev, hadPrev := l.changes[d.signer]
	acc.Balance -= fee
	acc.Sequence++
	l.Set(d.signer, acc)
	if terr := applyStakeMsg(l, d.signer, d.stake.Msg); terr != nil {
		if hadPrev {
			l.changes[d.signer] = prev
		} else {
			delete(l.changes, d.signer)
		}
		return terr
	}
	l.fees = saturatingAdd(l.fees, fee)
	return nil
}

// validateStakeHeader is validateTx for a staking tx: chain id, signature,
// gas price, gas limit ≥ FixedTxGas, then validateStakeTx.
func validateStakeHeader(d *decodedTx, params chain.Params, chainID string) *txError {
	tx := d.stake
	if tx.ChainID != chainID {
		return txErr(chain.CodeChainID, "%w: tx is for chain %q, this is %q", errWrongChainID, tx.ChainID, chainID)
	}
	if err := tx.VerifySignature(); err != nil {
		return txErr(chain.CodeSignature, "%w: %w", errBadSignature, err)
	}
	if tx.GasPrice < params.MinGasPrice {
		return txErr(chain.CodeGasPrice, "%w: gas price %d, the minimum is %d", errGasPrice, tx.GasPrice, params.MinGasPrice)
	}
	if tx.GasLimit < params.FixedTxGas {
		return txErr(chain.CodeGas, "%w: gas limit %d, the tx needs %d", errGasLimit, tx.GasLimit, params.FixedTxGas)
	}
	return validateStakeTx(tx, d.signer, chainID)
}
