package chain

import (
	"encoding/binary"
	"errors"
	"fmt"
	"unicode/utf8"

	"github.com/cometbft/cometbft/crypto"
	"github.com/cometbft/cometbft/crypto/ed25519"
	"github.com/cometbft/cometbft/crypto/secp256k1"
)

// StakeTx is Quadrant's staking transaction: the same signed header as a
// send or pay-for-blob transaction (blobs.Tx: chain id, signer key,
// sequence, gas limit, gas price; fee = limit × price, charged in full)
// around one staking message. It is an ordinary transaction in the square
// (transaction namespace). The signature covers every other field after a
// domain separator of its own, so neither kind of transaction can be read
// as the other.
//
// Encoding (deterministic; integers are minimal unsigned varints):
//
//	"\x00QSK" ‖ version (1) ‖ varint len ‖ chain id ‖ key type (1 ed25519,
//	2 secp256k1) ‖ public key (32 or 33) ‖ sequence ‖ gas limit ‖ gas price ‖
//	message type (1) ‖ message ‖ signature (64)
//	create-validator (1) = consensus key type (1 ed25519, 2 secp256k1) ‖
//	    varint len ‖ key ‖ varint len ‖ proof of possession ‖ varint len ‖
//	    moniker ‖ commission bps ‖ self-bond ‖ varint len ‖ eth address (0|20)
//	edit-validator   (2) = varint len ‖ moniker (empty: unchanged) ‖
//	    varint len ‖ eth address (0: removed, or 20)
//	delegate         (3) = validator operator (20) ‖ amount
//	undelegate       (4) = validator operator (20) ‖ amount
//	unjail           (5) = (nothing: the signer is the operator)
//	withdraw-rewards (6) = validator operator (20)
type StakeTx struct {
	ChainID   string
	KeyType   string // "ed25519" or "secp256k1"
	PubKey    []byte
	Sequence  uint64
	GasLimit  uint64
	GasPrice  uint64
	Msg       StakeMsg
	Signature []byte
}

// StakeMsg is one staking message: exactly one field is set.
type StakeMsg struct {
	CreateValidator *CreateValidator
	EditValidator   *EditValidator
	Delegate        *Delegation
	Undelegate      *Delegation
	Unjail          bool
	// WithdrawRewards pays the signer's pending rewards from the named
	// validator (its operator address) to its balance.
	WithdrawRewards *Address
}

// CreateValidator makes the signer the operator of a new validator,
// bonding SelfBond from its balance.
type CreateValidator struct {
	// ConsKeyType and ConsPubKey are the validator's consensus key; only
	// ed25519 is accepted by the chain.
	ConsKeyType string
	ConsPubKey  []byte
	// ProofOfPossession is the consensus key's signature over
	// PossessionBytes(chain id, operator).
	ProofOfPossession []byte
	Moniker           string
	CommissionBps     uint64
	SelfBond          uint64
	EthAddress        []byte // empty or EthAddressSize bytes
}

// EditValidator changes the signer's validator's moniker (if not empty)
// and Ethereum address (empty removes it).
type EditValidator struct {
	Moniker    string
	EthAddress []byte
}

// Delegation names a validator by its operator and an amount of tokens.
type Delegation struct {
	Validator Address
	Amount    uint64
}

// Name returns the message's CLI name.
func (m StakeMsg) Name() string {
	switch {
	case m.CreateValidator != nil:
		return "create-validator"
	case m.EditValidator != nil:
		return "edit-validator"
	case m.Delegate != nil:
		return "delegate"
	case m.Undelegate != nil:
		return "undelegate"
	case m.Unjail:
		return "unjail"
	case m.WithdrawRewards != nil:
		return "withdraw-rewards"
	}
	return "none"
}

var stakeTxMagic = [4]byte{0x00, 'Q', 'S', 'K'}

const (
	stakeTxVersion  = 1
	stakeSigSize    = 64
	maxTxChainIDLen = 64
	maxConsKeyLen   = 64
	maxPopLen       = 64

	msgCreateValidator = 1
	msgEditValidator   = 2
	msgDelegate        = 3
	msgUndelegate      = 4
	msgUnjail          = 5
	msgWithdrawRewards = 6
)

// Staking tx errors.
var (
	// errInvalidStakeTx is wrapped by every encoding or structural failure.
	errInvalidStakeTx = errors.New("chain: invalid staking tx")
	// errStakeTxSignature is wrapped when the signature does not verify.
	errStakeTxSignature = errors.New("chain: staking tx signature does not verify")
)

// IsStakeTx reports whether b starts with the staking tx magic (it may
// still be invalid).
func IsStakeTx(b []byte) bool {
	return len(b) >= len(stakeTxMagic) && [4]byte(b[:4]) == stakeTxMagic
}

// PossessionBytes are what a validator's consensus key signs to prove it
// is held by the operator: a domain separator, the chain id and the
// operator's account address. The proof is bound to one chain and one
// operator, so it cannot be replayed to claim someone else's key.
func PossessionBytes(chainID string, operator Address) []byte {
	b := []byte("quadrant/pop/v1\x00")
	b = binary.AppendUvarint(b, uint64(len(chainID)))
	b = append(b, chainID...)
	return append(b, operator[:]...)
}

func keyCode(keyType string) (byte, int, bool) {
	switch keyType {
	case ed25519.KeyType:
		return 1, ed25519.PubKeySize, true
	case secp256k1.KeyType:
		return 2, secp256k1.PubKeySize, true
	}
	return 0, 0, false
}

func keyTypeOf(code byte) (string, bool) {
	switch code {
	case 1:
		return ed25519.KeyType, true
	case 2:
		return secp256k1.KeyType, true
	}
	return "", false
}

// pubKeyOf returns the CometBFT public key of a key type and bytes.
func pubKeyOf(keyType string, key []byte) (crypto.PubKey, error) {
	_, size, ok := keyCode(keyType)
	if !ok {
		return nil, fmt.Errorf("%w: key type %q, want ed25519 or secp256k1", errInvalidStakeTx, keyType)
	}
	if len(key) != size {
		return nil, fmt.Errorf("%w: %s key of %d bytes, want %d", errInvalidStakeTx, keyType, len(key), size)
	}
	if keyType == ed25519.KeyType {
		return ed25519.PubKey(key), nil
	}
	return secp256k1.PubKey(key), nil
}

// Signer returns the address of the signing account, or the zero address
// for a malformed key.
func (tx *StakeTx) Signer() Address {
	pk, err := pubKeyOf(tx.KeyType, tx.PubKey)
	if err != nil {
		return Address{}
	}
	a, _ := AddressFromBytes(pk.Address())
	return a
}

// ValidateBasic checks the structure without verifying the signature:
// chain id, signer key, exactly one message, field sizes (a consensus key
// of a known type and its size, moniker of valid UTF-8 within
// MaxMonikerLen, commission ≤ 100 %, eth address of 0 or 20 bytes).
func (tx *StakeTx) ValidateBasic() error {
	bad := func(format string, args ...any) error {
		return fmt.Errorf("%w: "+format, append([]any{errInvalidStakeTx}, args...)...)
	}
	if tx == nil {
		return bad("nil tx")
	}
	if tx.ChainID == "" || len(tx.ChainID) > maxTxChainIDLen || !utf8.ValidString(tx.ChainID) {
		return bad("chain id must be 1 to %d bytes of UTF-8, got %d bytes", maxTxChainIDLen, len(tx.ChainID))
	}
	if _, err := pubKeyOf(tx.KeyType, tx.PubKey); err != nil {
		return fmt.Errorf("signer: %w", err)
	}
	if len(tx.Signature) != 0 && len(tx.Signature) != stakeSigSize {
		return bad("signature must be %d bytes, got %d", stakeSigSize, len(tx.Signature))
	}
	m := tx.Msg
	n := 0
	for _, set := range []bool{m.CreateValidator != nil, m.EditValidator != nil, m.Delegate != nil, m.Undelegate != nil, m.Unjail, m.WithdrawRewards != nil} {
		if set {
			n++
		}
	}
	if n != 1 {
		return bad("a staking tx carries exactly one message, got %d", n)
	}
	switch {
	case m.CreateValidator != nil:
		c := m.CreateValidator
		if _, size, ok := keyCode(c.ConsKeyType); !ok || len(c.ConsPubKey) != size {
			return bad("consensus key: type %q of %d bytes is not a well-formed key", c.ConsKeyType, len(c.ConsPubKey))
		}
		if len(c.ProofOfPossession) > maxPopLen {
			return bad("proof of possession of %d bytes, at most %d", len(c.ProofOfPossession), maxPopLen)
		}
		if c.CommissionBps > BasisPoints {
			return bad("commission %d basis points is over 100 %% (%d)", c.CommissionBps, BasisPoints)
		}
		return validateDescription(c.Moniker, c.EthAddress, false)
	case m.EditValidator != nil:
		return validateDescription(m.EditValidator.Moniker, m.EditValidator.EthAddress, true)
	}
	return nil
}

func validateDescription(moniker string, eth []byte, emptyMoniker bool) error {
	if (moniker == "" && !emptyMoniker) || len(moniker) > MaxMonikerLen || !utf8.ValidString(moniker) {
		return fmt.Errorf("%w: moniker must be 1 to %d bytes of UTF-8, got %d bytes", errInvalidStakeTx, MaxMonikerLen, len(moniker))
	}
	if len(eth) != 0 && len(eth) != EthAddressSize {
		return fmt.Errorf("%w: Ethereum address must be %d bytes (or none), got %d", errInvalidStakeTx, EthAddressSize, len(eth))
	}
	return nil
}
