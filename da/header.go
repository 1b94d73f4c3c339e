package da

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"fmt"
	"time"

	cmtmath "github.com/cometbft/cometbft/libs/math"
	"github.com/cometbft/cometbft/types"
)

// Header limits.
const (
	// MaxValidators bounds the validator set an extended header may carry.
	// Quadrant's validator set is small (Celestia runs 100); the bound
	// keeps a header well under MaxLightHeaderSize.
	MaxValidators = 1000
	// MaxBlockTxs bounds the tx count a data-root proof may claim.
	MaxBlockTxs = 1 << 24
)

var (
	// ErrHeader is wrapped by every failure of a header's own consistency
	// checks (Validate) and of its decoding.
	ErrHeader = errors.New("da: invalid extended header")
	// ErrHeaderNotAdjacent is wrapped when a header does not follow the
	// trusted header it is verified against (height, time, validator-set
	// hash or block ID continuity).
	ErrHeaderNotAdjacent = errors.New("da: header does not follow the trusted header")
	// ErrNotEnoughTrust is wrapped (with ErrHeaderNotAdjacent) when
	// VerifySkipping refuses a header because validators holding more than
	// the trust level of the trusted set did not sign it: the set changed
	// too much in between, or the header is a stranger's. Bisect then
	// verifies a header in between first.
	ErrNotEnoughTrust = errors.New("da: not enough of the trusted validator set signed")
)

// LightHeader is what a light node syncs and verifies for each height: the
// CometBFT signed header (header and the commit for it), the validator set
// that signed it, and the block's data-root transaction with its Merkle
// proof against Header.DataHash. It carries the data root (inside the
// data-root transaction) but not the DA header, so it stays a few KB
// whatever the square size.
//
// A LightHeader returned by NewLightHeader or UnmarshalLightHeader has
// non-nil SignedHeader (with Header and Commit) and ValidatorSet; it is
// trustworthy only after Validate or Verify returned nil. Callers must not
// mutate a header they did not build.
type LightHeader struct {
	SignedHeader *types.SignedHeader `json:"signed_header"`
	ValidatorSet *types.ValidatorSet `json:"validator_set"`
	// DataRootTx is the block's last transaction (see DataRootTx).
	DataRootTx []byte `json:"data_root_tx"`
	// DataRootProof proves sha256(DataRootTx) is the last leaf of the
	// block's txs Merkle tree, whose root is Header.DataHash. Index must be
	// Total-1. With RFC-6962 trees the last leaf's path goes right at every
	// level, so a proof that verifies with Index = Total-1 proves the tx is
	// the block's last even though Total itself is only pinned down to the
	// counts with the same tree depth.
	DataRootProof MerkleProof `json:"data_root_proof"`
}

// ExtendedHeader is the header full nodes exchange: the light header plus
// the DA header (the 2k row and 2k column roots) whose hash is the data
// root. Same ownership rules as LightHeader.
type ExtendedHeader struct {
	LightHeader
	DAH *DAHeader `json:"dah"`
}

// NewLightHeader returns the light header of a committed block from its
// signed header, validator set and all its transactions in block order; the
// last transaction must be the data-root transaction. It checks the
// structure (see Validate) except signatures, which a caller building
// headers from its own consensus node has already checked; verify received
// headers with Validate or Verify. txs are not retained.
func NewLightHeader(sh *types.SignedHeader, vals *types.ValidatorSet, txs [][]byte) (*LightHeader, error) {
	if len(txs) == 0 {
		return nil, fmt.Errorf("%w: block has no txs, want the data-root tx last", ErrHeader)
	}
	if len(txs) > MaxBlockTxs {
		return nil, fmt.Errorf("%w: block has %d txs, at most %d supported", ErrHeader, len(txs), MaxBlockTxs)
	}
	hashes := make([][]byte, len(txs))
	for i, tx := range txs {
		h := sha256.Sum256(tx)
		hashes[i] = h[:]
	}
	last := len(txs) - 1
	h := &LightHeader{
		SignedHeader:  sh,
		ValidatorSet:  vals,
		DataRootTx:    append([]byte(nil), txs[last]...),
		DataRootProof: merkleProof(hashes, last),
	}
	if err := h.validate(chainIDOf(sh), false); err != nil {
		return nil, err
	}
	return h, nil
}

// NewExtendedHeader is NewLightHeader plus the DA header, which must hash to
// the data root carried by the data-root transaction.
func NewExtendedHeader(sh *types.SignedHeader, vals *types.ValidatorSet, txs [][]byte, dah *DAHeader) (*ExtendedHeader, error) {
	lh, err := NewLightHeader(sh, vals, txs)
	if err != nil {
		return nil, err
	}
	e := &ExtendedHeader{LightHeader: *lh, DAH: dah}
	if err := e.validateDAH(); err != nil {
		return nil, err
	}
	return e, nil
}

func chainIDOf(sh *types.SignedHeader) string {
	if sh == nil || sh.Header == nil {
		return ""
	}
	return sh.ChainID
}

// Height returns the block height. h must be structurally valid (built by
// NewLightHeader or decoded).
func (h *LightHeader) Height() int64 { return h.SignedHeader.Height }

// ChainID returns the chain ID of the header.
func (h *LightHeader) ChainID() string { return h.SignedHeader.ChainID }

// Time returns the block time.
func (h *LightHeader) Time() time.Time { return h.SignedHeader.Time }

// Hash returns the CometBFT block hash (the header's Merkle hash), which
// identifies the header.
func (h *LightHeader) Hash() []byte { return []byte(h.SignedHeader.Header.Hash()) }

// DataRoot returns the data root carried by the data-root transaction, or
// nil if the transaction does not decode.
func (h *LightHeader) DataRoot() []byte {
	d, err := DecodeDataRootTx(h.DataRootTx)
	if err != nil {
		return nil
	}
	return d.DataRoot
}

// SquareWidth returns the extended square width 2k from the data-root
// transaction, or 0 if it does not decode.
func (h *LightHeader) SquareWidth() int {
	d, err := DecodeDataRootTx(h.DataRootTx)
	if err != nil {
		return 0
	}
	return d.SquareWidth()
}

// Light returns the light form of e (sharing e's fields).
func (e *ExtendedHeader) Light() *LightHeader { return &e.LightHeader }

// Validate checks h on its own, with no trusted header: the signed header's
// ValidateBasic for chainID, that the validator set is valid and hashes to
// Header.ValidatorsHash, that more than 2/3 of that set's voting power
// signed the commit (types.VerifyCommitLight), that the data-root
// transaction decodes and that its proof is the last leaf (index = total−1)
// of Header.DataHash. On its own this proves only self-consistency: trust
// comes from Verify against a trusted header, or from comparing Hash with a
// trusted hash. It returns an error wrapping ErrHeader.
func (h *LightHeader) Validate(chainID string) error { return h.validate(chainID, true) }

func (h *LightHeader) validate(chainID string, checkSigs bool) error {
	if err := h.validateSigned(chainID); err != nil {
		return err
	}
	if err := h.validateValidatorSet(); err != nil {
		return err
	}
	if checkSigs {
		return h.verifyOwnCommit(chainID)
	}
	return nil
}

// validateSigned is the part of validate that does not look into the
// validator set h carries (beyond its presence): the signed header's
// ValidateBasic and the data-root transaction and its proof.
func (h *LightHeader) validateSigned(chainID string) error {
	if h == nil || h.SignedHeader == nil || h.SignedHeader.Header == nil || h.SignedHeader.Commit == nil {
		return fmt.Errorf("%w: missing signed header, header or commit", ErrHeader)
	}
	if h.ValidatorSet == nil || h.ValidatorSet.IsNilOrEmpty() {
		return fmt.Errorf("%w: missing validator set", ErrHeader)
	}
	sh := h.SignedHeader
	if err := sh.ValidateBasic(chainID); err != nil {
		return fmt.Errorf("%w: height %d: %w", ErrHeader, sh.Height, err)
	}
	if _, err := DecodeDataRootTx(h.DataRootTx); err != nil {
		return fmt.Errorf("%w: height %d: last tx: %w", ErrHeader, sh.Height, err)
	}
	p := h.DataRootProof
	if p.Total < 1 || p.Total > MaxBlockTxs || p.Index != p.Total-1 {
		return fmt.Errorf("%w: height %d: data-root tx proof has index %d of %d txs, want the last tx (index total-1)",
			ErrHeader, sh.Height, p.Index, p.Total)
	}
	leaf := sha256.Sum256(h.DataRootTx)
	if err := p.Verify(sh.DataHash, leaf[:]); err != nil {
		return fmt.Errorf("%w: height %d: data-root tx is not in DataHash %X: %w", ErrHeader, sh.Height, []byte(sh.DataHash), err)
	}
	return nil
}

// validateValidatorSet checks the validator set h carries: at most
// MaxValidators, valid, hashing to Header.ValidatorsHash (work linear in
// the set's size, which the sender chose). h must pass validateSigned.
func (h *LightHeader) validateValidatorSet() error {
	sh := h.SignedHeader
	if n := h.ValidatorSet.Size(); n > MaxValidators {
		return fmt.Errorf("%w: %d validators, at most %d supported", ErrHeader, n, MaxValidators)
	}
	if err := h.ValidatorSet.ValidateBasic(); err != nil {
		return fmt.Errorf("%w: height %d: validator set: %w", ErrHeader, sh.Height, err)
	}
	if vh := h.ValidatorSet.Hash(); !bytes.Equal(vh, sh.ValidatorsHash) {
		return fmt.Errorf("%w: height %d: validator set hashes to %X, header says %X", ErrHeader, sh.Height, vh, []byte(sh.ValidatorsHash))
	}
	return nil
}

// verifyOwnCommit checks that more than 2/3 of h's own validator set signed
// its commit: one signature check per signer of h's set, the expensive
// part of Validate. h must be structurally valid (validate).
func (h *LightHeader) verifyOwnCommit(chainID string) error {
	sh := h.SignedHeader
	if err := types.VerifyCommitLight(chainID, h.ValidatorSet, sh.Commit.BlockID, sh.Height, sh.Commit); err != nil {
		return fmt.Errorf("%w: height %d: commit: %w", ErrHeader, sh.Height, err)
	}
	return nil
}

// Verify checks that h is the header right after trusted (an already
// verified header of the same chain): h.Height = trusted.Height+1, h's time
// is after trusted's, h.ValidatorsHash = trusted.NextValidatorsHash,
// h.LastBlockID.Hash = trusted.Hash(), and then Validate for trusted's chain
// ID — so more than 2/3 of the validator set trusted has named signed h.
// Continuity errors wrap ErrHeaderNotAdjacent, the others ErrHeader. It
// takes no clock: expiry of the trusting period is the caller's policy.
func (h *LightHeader) Verify(trusted *LightHeader) error {
	if trusted == nil || trusted.SignedHeader == nil || trusted.SignedHeader.Header == nil {
		return fmt.Errorf("%w: no trusted header", ErrHeaderNotAdjacent)
	}
	if h == nil || h.SignedHeader == nil || h.SignedHeader.Header == nil {
		return fmt.Errorf("%w: missing signed header", ErrHeader)
	}
	t, u := trusted.SignedHeader, h.SignedHeader
	if u.Height != t.Height+1 {
		return fmt.Errorf("%w: height %d, want %d", ErrHeaderNotAdjacent, u.Height, t.Height+1)
	}
	if !u.Time.After(t.Time) {
		return fmt.Errorf("%w: height %d: time %s is not after the trusted header's %s", ErrHeaderNotAdjacent, u.Height, u.Time, t.Time)
	}
	if !bytes.Equal(u.ValidatorsHash, t.NextValidatorsHash) {
		return fmt.Errorf("%w: height %d: validators hash %X, the trusted header's next validators hash is %X",
			ErrHeaderNotAdjacent, u.Height, []byte(u.ValidatorsHash), []byte(t.NextValidatorsHash))
	}
	if th := t.Header.Hash(); !bytes.Equal(u.LastBlockID.Hash, th) {
		return fmt.Errorf("%w: height %d: last block ID %X, the trusted header's hash is %X",
			ErrHeaderNotAdjacent, u.Height, []byte(u.LastBlockID.Hash), []byte(th))
	}
	return h.Validate(t.ChainID)
}

// VerifyAhead checks h, a header above the one after trusted, without the
// headers in between — as a node checks a far-ahead head before it syncs
// up to it: h must be later than trusted in height and time and signed by
// more than 2/3 of the validator set trusted names as next
// (h.ValidatorsHash = trusted.NextValidatorsHash, then Validate for
// trusted's chain ID). That is the trust Verify gives as long as the set
// does not change in between; across a set change use VerifySkipping and
// Bisect, which fetch headers in between. A header signed by any other set — a stranger's, carried in
// the header itself — fails with ErrHeaderNotAdjacent before any signature
// is checked, as do height and time failures; the caller cannot tell such
// a header from one after a set change, so it ignores it (no sync target
// raised, nothing relayed) rather than blaming its sender. An adjacent h is
// checked with Verify. Other failures wrap ErrHeader. It takes no clock.
func (h *LightHeader) VerifyAhead(trusted *LightHeader) error {
	if trusted == nil || trusted.SignedHeader == nil || trusted.SignedHeader.Header == nil {
		return fmt.Errorf("%w: no trusted header", ErrHeaderNotAdjacent)
	}
	if h == nil || h.SignedHeader == nil || h.SignedHeader.Header == nil {
		return fmt.Errorf("%w: missing signed header", ErrHeader)
	}
	t, u := trusted.SignedHeader, h.SignedHeader
	switch {
	case u.Height == t.Height+1:
		return h.Verify(trusted)
	case u.Height <= t.Height:
		return fmt.Errorf("%w: height %d is not after the trusted height %d", ErrHeaderNotAdjacent, u.Height, t.Height)
	case !bytes.Equal(u.ValidatorsHash, t.NextValidatorsHash):
		return fmt.Errorf("%w: height %d is signed by validator set %X, the trusted header %d names %X as next",
			ErrHeaderNotAdjacent, u.Height, []byte(u.ValidatorsHash), t.Height, []byte(t.NextValidatorsHash))
	case !u.Time.After(t.Time):
		return fmt.Errorf("%w: height %d: time %s is not after the trusted header's %s", ErrHeaderNotAdjacent, u.Height, u.Time, t.Time)
	}
	return h.Validate(t.ChainID)
}

// Validate is LightHeader.Validate plus the DA header: it must be valid,
// hash to the data root of the data-root transaction, and have the width 2k
// that transaction states.
func (e *ExtendedHeader) Validate(chainID string) error {
	if e == nil {
		return fmt.Errorf("%w: nil", ErrHeader)
	}
	if err := e.LightHeader.Validate(chainID); err != nil {
		return err
	}
	return e.validateDAH()
}

// Verify is LightHeader.Verify plus the DA header checks of Validate.
// trusted may be the light part of an extended header (e.Light()).
func (e *ExtendedHeader) Verify(trusted *LightHeader) error {
	if e == nil {
		return fmt.Errorf("%w: nil", ErrHeader)
	}
	if err := e.LightHeader.Verify(trusted); err != nil {
		return err
	}
	return e.validateDAH()
}

func (e *ExtendedHeader) validateDAH() error {
	if err := e.DAH.Validate(); err != nil {
		return fmt.Errorf("%w: height %d: %w", ErrHeader, e.Height(), err)
	}
	d, err := DecodeDataRootTx(e.DataRootTx)
	if err != nil {
		return fmt.Errorf("%w: height %d: last tx: %w", ErrHeader, e.Height(), err)
	}
	if w := e.DAH.SquareWidth(); w != d.SquareWidth() {
		return fmt.Errorf("%w: height %d: DA header width %d, data-root tx says %d", ErrHeader, e.Height(), w, d.SquareWidth())
	}
	if r := e.DAH.Hash(); !bytes.Equal(r, d.DataRoot) {
		return fmt.Errorf("%w: height %d: DA header hashes to %x, data-root tx commits to %x", ErrHeader, e.Height(), r, d.DataRoot)
	}
	return nil
}

// DefaultTrustLevel returns the share of a trusted validator set that must
// have signed a header for VerifySkipping to accept it: 1/3, CometBFT's
// light client default. It is a function so that no caller can lower it
// for the whole process.
func DefaultTrustLevel() cmtmath.Fraction {
	return cmtmath.Fraction{Numerator: 1, Denominator: 3}
}

// VerifySkipping checks h against a trusted header of the same chain at
// any lower height, as CometBFT's light client does when it skips
// (light.VerifyNonAdjacent with the trusted header's own validator set, as
// its verifySkipping passes): h must be later in time, valid on its own
// (Validate: more than 2/3 of its own validator set signed it), and
// validators holding more than trustLevel (≥ 1/3, ≤ 1) of the voting power
// of the trusted header's validator set must have signed it
// (types.VerifyCommitLightTrusting). When too little of that set signed
// (the set changed too much in between, or h is a stranger's) the error
// wraps ErrNotEnoughTrust and ErrHeaderNotAdjacent: Bisect then verifies a
// header in between first. For adjacent heights it is Verify (which follows
// NextValidatorsHash). It takes no clock: the caller enforces the trusting
// period (trusted must not be older than it; Bisect does).
//
// The checks run cheapest first: after the signed header's structural
// checks, whether enough of the trusted set signed (at most one signature
// check per trusted validator) comes before anything whose cost grows
// with the validator set h carries (a set the sender chose, up to
// MaxValidators): that set's validation and hash, then the commit check
// against it (one signature check per signer). A header signed by a
// stranger's large set is refused, wrapping ErrHeaderNotAdjacent, at the
// cost of the trust check.
func (h *LightHeader) VerifySkipping(trusted *LightHeader, trustLevel cmtmath.Fraction) error {
	if trusted == nil || trusted.SignedHeader == nil || trusted.SignedHeader.Header == nil || trusted.ValidatorSet == nil {
		return fmt.Errorf("%w: no trusted header", ErrHeaderNotAdjacent)
	}
	if h == nil || h.SignedHeader == nil || h.SignedHeader.Header == nil {
		return fmt.Errorf("%w: missing signed header", ErrHeader)
	}
	t, u := trusted.SignedHeader, h.SignedHeader
	if u.Height == t.Height+1 {
		return h.Verify(trusted)
	}
	if u.Height <= t.Height {
		return fmt.Errorf("%w: height %d is not after the trusted height %d", ErrHeaderNotAdjacent, u.Height, t.Height)
	}
	if trustLevel.Denominator == 0 || trustLevel.Numerator*3 < trustLevel.Denominator || trustLevel.Numerator > trustLevel.Denominator {
		return fmt.Errorf("%w: trust level %d/%d, want within [1/3, 1]", ErrHeaderNotAdjacent, trustLevel.Numerator, trustLevel.Denominator)
	}
	if !u.Time.After(t.Time) {
		return fmt.Errorf("%w: height %d: time %s is not after the trusted header's %s", ErrHeaderNotAdjacent, u.Height, u.Time, t.Time)
	}
	if !bytes.Equal(trusted.ValidatorSet.Hash(), t.ValidatorsHash) {
		return fmt.Errorf("%w: the trusted header %d carries a validator set that does not match its validators hash", ErrHeaderNotAdjacent, t.Height)
	}
	if err := h.validateSigned(t.ChainID); err != nil {
		return err
	}
	if err := types.VerifyCommitLightTrusting(t.ChainID, trusted.ValidatorSet, u.Commit, trustLevel); err != nil {
		var few types.ErrNotEnoughVotingPowerSigned
		if errors.As(err, &few) {
			return fmt.Errorf("%w: %w: height %d: %d of the trusted header %d's voting power signed, more than %d needed",
				ErrHeaderNotAdjacent, ErrNotEnoughTrust, u.Height, few.Got, t.Height, few.Needed)
		}
		return fmt.Errorf("%w: height %d: the trusted validator set's signatures: %w", ErrHeaderNotAdjacent, u.Height, err)
	}
	if err := h.validateValidatorSet(); err != nil {
		return err
	}
	return h.verifyOwnCommit(t.ChainID)
}
