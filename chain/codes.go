package chain

import (
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"strings"
)

// ABCI result codes. 0 is success; every rejection has its own code and a
// log that says what was wrong and what was expected.
const (
	CodeOK uint32 = iota
	CodeDecode
	CodeDataRootTx
	CodeTxTooLarge
	CodeChainID
	CodeSignature
	CodeSequence
	CodeGasPrice
	CodeGas
	CodeInsufficientFunds
	CodeNamespace
	CodeBlobSize
	CodeCommitment
	CodeMalformed
	CodeQuery
	CodeInternal
	// CodeMempoolFull: the application's own mempool (mempool.type = "app")
	// is full; the same transaction may be accepted later.
	CodeMempoolFull
)

// Retryable reports whether a CheckTx rejection with code may succeed later
// for the same transaction unchanged.
func Retryable(code uint32) bool { return code == CodeMempoolFull }

// SequenceMismatchData is the Data of a CodeSequence rejection: the
// sequence the account's next transaction must carry, 8 bytes big-endian.
// Clients recover from a sequence mismatch with this field alone
// (ExpectedSequence), never by reading the log.
func SequenceMismatchData(expected uint64) []byte {
	return binary.BigEndian.AppendUint64(nil, expected)
}

// ExpectedSequence decodes the Data of a CodeSequence rejection; ok is
// false when data is not one.
func ExpectedSequence(data []byte) (seq uint64, ok bool) {
	if len(data) != 8 {
		return 0, false
	}
	return binary.BigEndian.Uint64(data), true
}

// AccountInfo is the JSON answer of the "/account/<hex address>" query.
type AccountInfo struct {
	Address  HexBytes `json:"address"`
	Balance  uint64   `json:"balance"`
	Sequence uint64   `json:"sequence"`
}

// Event and attribute names of FinalizeBlock's blob events.
const (
	EventTypeBlob       = "blob"
	AttrBlobNamespace   = "namespace"
	AttrBlobCommitment  = "commitment"
	AttrBlobSigner      = "signer"
	AttrBlobHeight      = "height"
	AttrBlobIndex       = "index"
	AttrBlobSize        = "size"
	AttrBlobShares      = "shares"
	AttrBlobSquareWidth = "square_size"
)

// HexBytes is a byte slice that reads and writes JSON as lower-case hex.
type HexBytes []byte

// MarshalText encodes b as lower-case hex.
func (b HexBytes) MarshalText() ([]byte, error) {
	out := make([]byte, hex.EncodedLen(len(b)))
	hex.Encode(out, b)
	return out, nil
}

// UnmarshalText decodes hex, with an optional "0x" prefix.
func (b *HexBytes) UnmarshalText(text []byte) error {
	s := strings.TrimPrefix(string(text), "0x")
	v, err := hex.DecodeString(s)
	if err != nil {
		return fmt.Errorf("chain: hex field: %w", err)
	}
	*b = v
	return nil
}

// String returns b in lower-case hex.
func (b HexBytes) String() string { return hex.EncodeToString(b) }

// Staking rejection codes (CheckTx and execution of staking transactions).
const (
	// CodeConsensusKey: the consensus key is not ed25519, is malformed or is
	// already used by a validator (a tombstoned one's: CodeValidatorTombstoned).
	CodeConsensusKey uint32 = 32 + iota
	// CodeProofOfPossession: the consensus key's signature over chain id and
	// operator does not verify.
	CodeProofOfPossession
	// CodeUnknownValidator: no validator is run by the named operator.
	CodeUnknownValidator
	// CodeValidatorJailed: the validator is jailed (or not jailed, for
	// unjail), or its jail period has not passed.
	CodeValidatorJailed
	// CodeValidatorTombstoned: the validator (or the one whose consensus key
	// a create-validator reuses) double-signed and can never validate again.
	CodeValidatorTombstoned
	// CodeSelfBond: the self-bond is below the chain's minimum.
	CodeSelfBond
	// CodeValidatorExists: the operator already runs a validator.
	CodeValidatorExists
	// CodeStakeAmount: a zero amount, more than is delegated, or a bond that
	// would overflow.
	CodeStakeAmount
)
