package chain

import (
	"encoding/binary"
	"fmt"

	"github.com/cometbft/cometbft/crypto"
	"github.com/quadrant-da/quadrant/internal/wire"
)

// stakeSignDomain separates staking tx signatures from any other signed
// bytes (blobs.Tx uses "quadrant/tx/v1").
const stakeSignDomain = "quadrant/stake/v1\x00"

// maxStakeTxSize is the largest encoded StakeTx.
const maxStakeTxSize = 1024

func appendBytes(b, v []byte) []byte {
	b = binary.AppendUvarint(b, uint64(len(v)))
	return append(b, v...)
}

// appendUnsigned appends every field but the signature.
func (tx *StakeTx) appendUnsigned(b []byte) ([]byte, error) {
	if err := tx.ValidateBasic(); err != nil {
		return nil, err
	}
	code, _, _ := keyCode(tx.KeyType)
	b = append(b, stakeTxMagic[:]...)
	b = append(b, stakeTxVersion)
	b = appendBytes(b, []byte(tx.ChainID))
	b = append(b, code)
	b = append(b, tx.PubKey...)
	b = binary.AppendUvarint(b, tx.Sequence)
	b = binary.AppendUvarint(b, tx.GasLimit)
	b = binary.AppendUvarint(b, tx.GasPrice)
	switch m := tx.Msg; {
	case m.CreateValidator != nil:
		c := m.CreateValidator
		kc, _, _ := keyCode(c.ConsKeyType)
		b = append(b, msgCreateValidator, kc)
		b = appendBytes(b, c.ConsPubKey)
		b = appendBytes(b, c.ProofOfPossession)
		b = appendBytes(b, []byte(c.Moniker))
		b = binary.AppendUvarint(b, c.CommissionBps)
		b = binary.AppendUvarint(b, c.SelfBond)
		b = appendBytes(b, c.EthAddress)
	case m.EditValidator != nil:
		b = append(b, msgEditValidator)
		b = appendBytes(b, []byte(m.EditValidator.Moniker))
		b = appendBytes(b, m.EditValidator.EthAddress)
	case m.Delegate != nil:
		b = append(b, msgDelegate)
		b = append(b, m.Delegate.Validator[:]...)
		b = binary.AppendUvarint(b, m.Delegate.Amount)
	case m.Undelegate != nil:
		b = append(b, msgUndelegate)
		b = append(b, m.Undelegate.Validator[:]...)
		b = binary.AppendUvarint(b, m.Undelegate.Amount)
	case m.WithdrawRewards != nil:
		b = append(b, msgWithdrawRewards)
		b = append(b, m.WithdrawRewards[:]...)
	default:
		b = append(b, msgUnjail)
	}
	return b, nil
}

// SignBytes returns the bytes the signature covers, or nil if the tx is
// structurally invalid.
func (tx *StakeTx) SignBytes() []byte {
	b, err := tx.appendUnsigned([]byte(stakeSignDomain))
	if err != nil {
		return nil
	}
	return b
}

// Sign sets the signer key from priv (ed25519 or secp256k1) and signs.
func (tx *StakeTx) Sign(priv crypto.PrivKey) error {
	if priv == nil {
		return fmt.Errorf("%w: nil private key", errInvalidStakeTx)
	}
	tx.KeyType, tx.PubKey, tx.Signature = priv.Type(), priv.PubKey().Bytes(), nil
	msg := tx.SignBytes()
	if msg == nil {
		return tx.ValidateBasic()
	}
	sig, err := priv.Sign(msg)
	if err != nil {
		return fmt.Errorf("chain: signing staking tx: %w", err)
	}
	tx.Signature = sig
	return nil
}

// VerifySignature checks the structure and the signer's signature.
func (tx *StakeTx) VerifySignature() error {
	if err := tx.ValidateBasic(); err != nil {
		return err
	}
	if len(tx.Signature) != stakeSigSize {
		return fmt.Errorf("%w: unsigned (signature must be %d bytes, got %d)", errStakeTxSignature, stakeSigSize, len(tx.Signature))
	}
	pk, _ := pubKeyOf(tx.KeyType, tx.PubKey)
	if !pk.VerifySignature(tx.SignBytes(), tx.Signature) {
		return fmt.Errorf("%w: %s signature by %s", errStakeTxSignature, tx.KeyType, tx.Signer())
	}
	return nil
}

// Marshal returns the canonical encoding of a signed, valid tx.
func (tx *StakeTx) Marshal() ([]byte, error) {
	if len(tx.Signature) != stakeSigSize {
		return nil, fmt.Errorf("%w: unsigned (signature must be %d bytes, got %d)", errInvalidStakeTx, stakeSigSize, len(tx.Signature))
	}
	b, err := tx.appendUnsigned(nil)
	if err != nil {
		return nil, err
	}
	return append(b, tx.Signature...), nil
}

// stakeReader reads the encoding strictly; the first failure sticks.
type stakeReader struct{ wire.Reader }

// lenBytes reads a varint length of at most limit, then that many bytes.
func (r *stakeReader) lenBytes(limit int, what string) []byte {
	n := r.Uvarint(what + " length")
	if r.Err == nil && n > uint64(limit) {
		r.Fail("%s of %d bytes, at most %d", what, n, limit)
	}
	return r.Clone(int(n), what)
}

func (r *stakeReader) keyType(what string) string {
	code := r.Byte(what)
	if r.Err != nil {
		return ""
	}
	kt, ok := keyTypeOf(code)
	if !ok {
		r.Fail("unknown %s %d (want 1 ed25519 or 2 secp256k1)", what, code)
	}
	return kt
}

// DecodeStakeTx decodes a StakeTx strictly: magic and version, every field
// in order, minimal varints, bounded lengths, no trailing bytes, and
// ValidateBasic. It does not verify the signature; it never panics.
func DecodeStakeTx(b []byte) (*StakeTx, error) {
	if len(b) > maxStakeTxSize {
		return nil, fmt.Errorf("%w: %d bytes, the limit is %d", errInvalidStakeTx, len(b), maxStakeTxSize)
	}
	if !IsStakeTx(b) {
		return nil, fmt.Errorf("%w: missing the %q magic", errInvalidStakeTx, stakeTxMagic[:])
	}
	r := &stakeReader{wire.Reader{B: b[len(stakeTxMagic):], Invalid: errInvalidStakeTx}}
	if v := r.Byte("version"); r.Err == nil && v != stakeTxVersion {
		return nil, fmt.Errorf("%w: version %d (want %d)", errInvalidStakeTx, v, stakeTxVersion)
	}
	tx := &StakeTx{ChainID: string(r.lenBytes(maxTxChainIDLen, "chain id"))}
	tx.KeyType = r.keyType("key type")
	if r.Err == nil {
		_, size, _ := keyCode(tx.KeyType)
		tx.PubKey = r.Clone(size, "public key")
	}
	tx.Sequence = r.Uvarint("sequence")
	tx.GasLimit = r.Uvarint("gas limit")
	tx.GasPrice = r.Uvarint("gas price")
	tx.Msg = decodeStakeMsg(r)
	tx.Signature = r.Clone(stakeSigSize, "signature")
	if r.Err != nil {
		return nil, r.Err
	}
	if len(r.B) != 0 {
		return nil, fmt.Errorf("%w: %d trailing bytes after the signature", errInvalidStakeTx, len(r.B))
	}
	if err := tx.ValidateBasic(); err != nil {
		return nil, err
	}
	return tx, nil
}

func decodeStakeMsg(r *stakeReader) StakeMsg {
	var m StakeMsg
	switch typ := r.Byte("message type"); {
	case r.Err != nil:
	case typ == msgCreateValidator:
		c := &CreateValidator{ConsKeyType: r.keyType("consensus key type")}
		c.ConsPubKey = r.lenBytes(maxConsKeyLen, "consensus key")
		c.ProofOfPossession = r.lenBytes(maxPopLen, "proof of possession")
		c.Moniker = string(r.lenBytes(MaxMonikerLen, "moniker"))
		c.CommissionBps = r.Uvarint("commission")
		c.SelfBond = r.Uvarint("self-bond")
		c.EthAddress = r.lenBytes(EthAddressSize, "eth address")
		m.CreateValidator = c
	case typ == msgEditValidator:
		e := &EditValidator{Moniker: string(r.lenBytes(MaxMonikerLen, "moniker"))}
		e.EthAddress = r.lenBytes(EthAddressSize, "eth address")
		m.EditValidator = e
	case typ == msgDelegate, typ == msgUndelegate:
		d := &Delegation{}
		copy(d.Validator[:], r.Clone(AddressSize, "validator"))
		d.Amount = r.Uvarint("amount")
		if typ == msgDelegate {
			m.Delegate = d
		} else {
			m.Undelegate = d
		}
	case typ == msgUnjail:
		m.Unjail = true
	case typ == msgWithdrawRewards:
		var v Address
		copy(v[:], r.Clone(AddressSize, "validator"))
		m.WithdrawRewards = &v
	default:
		r.Fail("unknown message type %d (want 1..6)", typ)
	}
	return m
}
