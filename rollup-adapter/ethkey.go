package rollupadapter

import (
	"encoding/hex"
	"errors"
	"fmt"
	"strings"

	"github.com/decred/dcrd/dcrec/secp256k1/v4"
	"github.com/decred/dcrd/dcrec/secp256k1/v4/ecdsa"
)

// ErrSignature is wrapped by Ethereum signature failures.
var ErrSignature = errors.New("rollupadapter: invalid signature")

// EthAddress is a 20-byte Ethereum address.
type EthAddress [20]byte

// Hex returns the address as 0x-prefixed lower-case hex.
func (a EthAddress) Hex() string { return "0x" + hex.EncodeToString(a[:]) }

// ParseEthAddress parses a 40-digit hex address, with or without "0x".
func ParseEthAddress(s string) (EthAddress, error) {
	var a EthAddress
	b, err := hex.DecodeString(strings.TrimPrefix(strings.TrimPrefix(s, "0x"), "0X"))
	if err != nil || len(b) != len(a) {
		return a, fmt.Errorf("rollupadapter: Ethereum address %q: want 40 hex digits", s)
	}
	copy(a[:], b)
	return a, nil
}

// EthKey is an Ethereum secp256k1 signing key.
type EthKey struct{ priv *secp256k1.PrivateKey }

// ParseEthKey parses a 32-byte private key in hex (with or without "0x").
func ParseEthKey(s string) (*EthKey, error) {
	b, err := hex.DecodeString(strings.TrimPrefix(strings.TrimSpace(s), "0x"))
	if err != nil || len(b) != 32 {
		return nil, errors.New("rollupadapter: Ethereum private key: want 64 hex digits")
	}
	return NewEthKey(b)
}

// NewEthKey returns the key with the given 32-byte secret.
func NewEthKey(secret []byte) (*EthKey, error) {
	if len(secret) != 32 {
		return nil, errors.New("rollupadapter: Ethereum private key must be 32 bytes")
	}
	var s secp256k1.ModNScalar
	if overflow := s.SetByteSlice(secret); overflow || s.IsZero() {
		return nil, errors.New("rollupadapter: Ethereum private key out of range")
	}
	return &EthKey{secp256k1.NewPrivateKey(&s)}, nil
}

// Address returns the key's Ethereum address.
func (k *EthKey) Address() EthAddress { return pubAddress(k.priv.PubKey()) }

func pubAddress(p *secp256k1.PublicKey) EthAddress {
	var a EthAddress
	copy(a[:], Keccak256(p.SerializeUncompressed()[1:])[12:])
	return a
}

// Sign signs a 32-byte hash the way the CDK committee contract checks
// (go-ethereum crypto.Sign with V += 27): 65 bytes R ‖ S ‖ V, V ∈ {27, 28},
// low S.
func (k *EthKey) Sign(hash []byte) ([]byte, error) {
	if len(hash) != 32 {
		return nil, fmt.Errorf("%w: hash must be 32 bytes, got %d", ErrSignature, len(hash))
	}
	c := ecdsa.SignCompact(k.priv, hash, false) // V ‖ R ‖ S, V = 27 + recovery id
	return append(c[1:65:65], c[0]), nil
}

// RecoverEthSigner returns the address that made sig (65 bytes R ‖ S ‖ V,
// V ∈ {0, 1, 27, 28}) over hash.
func RecoverEthSigner(hash, sig []byte) (EthAddress, error) {
	if len(hash) != 32 || len(sig) != 65 {
		return EthAddress{}, fmt.Errorf("%w: want a 32-byte hash and a 65-byte signature", ErrSignature)
	}
	v := sig[64]
	if v < 27 {
		v += 27
	}
	if v != 27 && v != 28 {
		return EthAddress{}, fmt.Errorf("%w: V must be 27 or 28, got %d", ErrSignature, sig[64])
	}
	c := append([]byte{v}, sig[:64]...)
	pub, _, err := ecdsa.RecoverCompact(c, hash)
	if err != nil {
		return EthAddress{}, fmt.Errorf("%w: %w", ErrSignature, err)
	}
	return pubAddress(pub), nil
}
