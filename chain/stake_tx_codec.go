package chain

import (
	"encoding/binary"
	"fmt"

	"github.com/cometbft/cometbft/crypto"
)

// stakeSignDomain separates staking tx signatures from any other signed
// bytes (blobs.Tx uses "quadrant/tx/v1").
const stakeSignDomain = "quadrant/stake/v1\x00"

// MaxStakeTxSize is the largest encoded StakeTx.
const MaxStakeTxSize = 1024

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
		return fmt.Errorf("%w: nil private key", ErrInvalidStakeTx)
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
		return fmt.Errorf("%w: unsigned (signature must be %d bytes, got %d)", ErrStakeTxSignature, stakeSigSize, len(tx.Signature))
	}
	pk, _ := PubKeyOf(tx.KeyType, tx.PubKey)
	if !pk.VerifySignature(tx.SignBytes(), tx.Signature) {
		return fmt.Errorf("%w: %s signature by %s", ErrStakeTxSignature, tx.KeyType, tx.Signer())
	}
	return nil
}

// Marshal returns the canonical encoding of a signed, valid tx.
func (tx *StakeTx) Marshal() ([]byte, error) {
	if len(tx.Signature) != stakeSigSize {
		return nil, fmt.Errorf("%w: unsigned (signature must be %d bytes, got %d)", ErrInvalidStakeTx, stakeSigSize, len(tx.Signature))
	}
	b, err := tx.appendUnsigned(nil)
	if err != nil {
		return nil, err
	}
	return append(b, tx.Signature...), nil
}

// stakeReader reads the encoding strictly; the first failure sticks.
type stakeReader struct {
	b   []byte
	err error
}

func (r *stakeReader) fail(format string, args ...any) {
	if r.err == nil {
		r.err = fmt.Errorf("%w: "+format, append([]any{ErrInvalidStakeTx}, args...)...)
	}
}

func (r *stakeReader) bytes(n int, what string) []byte {
	if r.err != nil {
		return nil
	}
	if n < 0 || len(r.b) < n {
		r.fail("truncated %s: need %d bytes, %d left", what, n, len(r.b))
		return nil
	}
	v := append([]byte(nil), r.b[:n]...)
	r.b = r.b[n:]
	return v
}

func (r *stakeReader) byte1(what string) byte {
	if v := r.bytes(1, what); v != nil {
		return v[0]
	}
	return 0
}

func (r *stakeReader) uvarint(what string) uint64 {
	if r.err != nil {
		return 0
	}
	v, n := binary.Uvarint(r.b)
	if n <= 0 {
		r.fail("bad varint %s", what)
		return 0
	}
	if n != len(binary.AppendUvarint(nil, v)) {
		r.fail("non-minimal varint %s", what)
		return 0
	}
	r.b = r.b[n:]
	return v
}

// lenBytes reads a varint length of at most limit, then that many bytes.
func (r *stakeReader) lenBytes(limit int, what string) []byte {
	n := r.uvarint(what + " length")
	if r.err == nil && n > uint64(limit) {
		r.fail("%s of %d bytes, at most %d", what, n, limit)
	}
	return r.bytes(int(n), what)
}

func (r *stakeReader) keyType(what string) string {
	code := r.byte1(what)
	if r.err != nil {
		return ""
	}
	kt, ok := keyTypeOf(code)
	if !ok {
		r.fail("unknown %s %d (want 1 ed25519 or 2 secp256k1)", what, code)
	}
	return kt
}

// DecodeStakeTx decodes a StakeTx strictly: magic and version, every field
// in order, minimal varints, bounded lengths, no trailing bytes, and
// ValidateBasic. It does not verify the signature; it never panics.
func DecodeStakeTx(b []byte) (*StakeTx, error) {
	if len(b) > MaxStakeTxSize {
		return nil, fmt.Errorf("%w: %d bytes, the limit is %d", ErrInvalidStakeTx, len(b), MaxStakeTxSize)
	}
	if !IsStakeTx(b) {
		return nil, fmt.Errorf("%w: missing the %q magic", ErrInvalidStakeTx, stakeTxMagic[:])
	}
	r := &stakeReader{b: b[len(stakeTxMagic):]}
	if v := r.byte1("version"); r.err == nil && v != stakeTxVersion {
		return nil, fmt.Errorf("%w: version %d (want %d)", ErrInvalidStakeTx, v, stakeTxVersion)
	}
	tx := &StakeTx{ChainID: string(r.lenBytes(maxTxChainIDLen, "chain id"))}
	tx.KeyType = r.keyType("key type")
	if r.err == nil {
		_, size, _ := keyCode(tx.KeyType)
		tx.PubKey = r.bytes(size, "public key")
	}
	tx.Sequence = r.uvarint("sequence")
	tx.GasLimit = r.uvarint("gas limit")
	tx.GasPrice = r.uvarint("gas price")
	tx.Msg = decodeStakeMsg(r)
	tx.Signature = r.bytes(stakeSigSize, "signature")
	if r.err != nil {
		return nil, r.err
	}
	if len(r.b) != 0 {
		return nil, fmt.Errorf("%w: %d trailing bytes after the signature", ErrInvalidStakeTx, len(r.b))
	}
	if err := tx.ValidateBasic(); err != nil {
		return nil, err
	}
	return tx, nil
}

func decodeStakeMsg(r *stakeReader) StakeMsg {
	var m StakeMsg
	switch typ := r.byte1("message type"); {
	case r.err != nil:
	case typ == msgCreateValidator:
		c := &CreateValidator{ConsKeyType: r.keyType("consensus key type")}
		c.ConsPubKey = r.lenBytes(maxConsKeyLen, "consensus key")
		c.ProofOfPossession = r.lenBytes(maxPopLen, "proof of possession")
		c.Moniker = string(r.lenBytes(MaxMonikerLen, "moniker"))
		c.CommissionBps = r.uvarint("commission")
		c.SelfBond = r.uvarint("self-bond")
		c.EthAddress = r.lenBytes(EthAddressSize, "eth address")
		m.CreateValidator = c
	case typ == msgEditValidator:
		e := &EditValidator{Moniker: string(r.lenBytes(MaxMonikerLen, "moniker"))}
		e.EthAddress = r.lenBytes(EthAddressSize, "eth address")
		m.EditValidator = e
	case typ == msgDelegate, typ == msgUndelegate:
		d := &Delegation{}
		copy(d.Validator[:], r.bytes(AddressSize, "validator"))
		d.Amount = r.uvarint("amount")
		if typ == msgDelegate {
			m.Delegate = d
		} else {
			m.Undelegate = d
		}
	case typ == msgUnjail:
		m.Unjail = true
	case typ == msgWithdrawRewards:
		var v Address
		copy(v[:], r.bytes(AddressSize, "validator"))
		m.WithdrawRewards = &v
	default:
		r.fail("unknown message type %d (want 1..6)", typ)
	}
	return m
}
