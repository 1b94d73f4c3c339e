package blobstream

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"math/big"
	"slices"
)

// Validator-set and signature errors.
var (
	// ErrValidatorSet is wrapped when a validator set is empty, unsorted,
	// holds a zero power or an address twice, or its power overflows.
	ErrValidatorSet = errors.New("blobstream: invalid validator set")
	// ErrSignature is wrapped when a signature is malformed or malleable.
	ErrSignature = errors.New("blobstream: invalid signature")
)

// Validator is Blobstream's Validator: an attesting validator's Ethereum
// address and its voting power.
type Validator struct {
	Address [20]byte
	Power   uint64
}

// SortValidators sorts vals in the contract's order: by power, highest
// first, and by address (ascending) among equal powers.
func SortValidators(vals []Validator) {
	slices.SortStableFunc(vals, compareValidators)
}

func compareValidators(a, b Validator) int {
	switch {
	case a.Power > b.Power:
		return -1
	case a.Power < b.Power:
		return 1
	}
	return bytes.Compare(a.Address[:], b.Address[:])
}

// ValidateValidatorSet checks that vals is non-empty, in SortValidators'
// order, with distinct addresses, positive powers and a total power that
// fits in 62 bits (so 2P never overflows).
func ValidateValidatorSet(vals []Validator) error {
	if len(vals) == 0 {
		return fmt.Errorf("%w: no validators", ErrValidatorSet)
	}
	var total uint64
	for i, v := range vals {
		if v.Power == 0 {
			return fmt.Errorf("%w: validator %d (%x) has zero power", ErrValidatorSet, i, v.Address)
		}
		if i > 0 && compareValidators(vals[i-1], v) >= 0 {
			return fmt.Errorf("%w: validator %d (%x, power %d) is not after validator %d (%x, power %d): sort by power, highest first, then by address",
				ErrValidatorSet, i, v.Address, v.Power, i-1, vals[i-1].Address, vals[i-1].Power)
		}
		if v.Power > math.MaxInt64>>1-total {
			return fmt.Errorf("%w: total power overflows at validator %d", ErrValidatorSet, i)
		}
		total += v.Power
	}
	seen := make(map[[20]byte]bool, len(vals))
	for i, v := range vals {
		if seen[v.Address] {
			return fmt.Errorf("%w: validator %d repeats address %x", ErrValidatorSet, i, v.Address)
		}
		seen[v.Address] = true
	}
	return nil
}

// ValidatorSetHash returns keccak256(abi.encode(vals)) for a valid set (see
// ValidateValidatorSet): the hash of the ABI-encoded dynamic array of
// (address, uint256) tuples.
func ValidatorSetHash(vals []Validator) ([32]byte, error) {
	if err := ValidateValidatorSet(vals); err != nil {
		return [32]byte{}, err
	}
	enc := make([]byte, 0, 64+64*len(vals))
	enc = append(enc, uint256(32)...)
	enc = append(enc, uint256(uint64(len(vals)))...)
	for _, v := range vals {
		var addr [32]byte
		copy(addr[12:], v.Address[:])
		enc = append(enc, addr[:]...)
		enc = append(enc, uint256(v.Power)...)
	}
	return keccak(enc), nil
}

// PowerThreshold returns ⌊2P/3⌋+1 for a valid set of total power P: the
// least power strictly more than two thirds of P.
func PowerThreshold(vals []Validator) (uint64, error) {
	if err := ValidateValidatorSet(vals); err != nil {
		return 0, err
	}
	var total uint64
	for _, v := range vals {
		total += v.Power
	}
	return 2*total/3 + 1, nil
}

// Signature is Blobstream's Signature: a secp256k1 signature with v = 27
// or 28. The zero Signature stands for a validator that did not sign.
type Signature struct {
	V    uint8
	R, S [32]byte
}

// secp256k1HalfOrder is n/2; a signature with a larger s is malleable and
// the contract refuses it.
var secp256k1HalfOrder, _ = new(big.Int).SetString("7fffffffffffffffffffffffffffffff5d576e7357a4501ddfe92f46681b20a0", 16)

// SignatureFromBytes parses a 65-byte signature R ‖ S ‖ V as go-ethereum's
// crypto.Sign returns it (V = 0 or 1; 27 or 28 is accepted too). It returns
// an error wrapping ErrSignature if the length, V or a high S is wrong.
func SignatureFromBytes(sig []byte) (Signature, error) {
	if len(sig) != 65 {
		return Signature{}, fmt.Errorf("%w: %d bytes, want 65", ErrSignature, len(sig))
	}
	var s Signature
	copy(s.R[:], sig[:32])
	copy(s.S[:], sig[32:64])
	switch v := sig[64]; v {
	case 0, 1:
		s.V = v + 27
	case 27, 28:
		s.V = v
	default:
		return Signature{}, fmt.Errorf("%w: v = %d, want 0, 1, 27 or 28", ErrSignature, v)
	}
	if new(big.Int).SetBytes(s.S[:]).Cmp(secp256k1HalfOrder) > 0 {
		return Signature{}, fmt.Errorf("%w: s is in the upper half of the curve order (malleable)", ErrSignature)
	}
	return s, nil
}

// AlignSignatures returns one signature per validator of vals, in order,
// taken from sigs by address; a validator without one gets the zero
// Signature, which the contract skips.
func AlignSignatures(vals []Validator, sigs map[[20]byte]Signature) []Signature {
	out := make([]Signature, len(vals))
	for i, v := range vals {
		out[i] = sigs[v.Address]
	}
	return out
}
