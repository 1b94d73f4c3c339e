package chain

import (
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
)

// AddressSize is the size of an account address: the CometBFT address of the
// account's public key (first 20 bytes of sha256 for ed25519, RIPEMD160 of
// sha256 for secp256k1).
const AddressSize = 20

// Address is a 20-byte account address.
type Address [AddressSize]byte

// errInvalidAddress is returned for an address that is not 20 bytes of hex.
var errInvalidAddress = errors.New("chain: invalid address")

// ParseAddress parses a 40-digit hex address, with an optional "0x" prefix.
func ParseAddress(s string) (Address, error) {
	var a Address
	s = strings.TrimPrefix(strings.TrimPrefix(s, "0x"), "0X")
	b, err := hex.DecodeString(s)
	if err != nil {
		return a, fmt.Errorf("%w: %q is not hex: %w", errInvalidAddress, s, err)
	}
	if len(b) != AddressSize {
		return a, fmt.Errorf("%w: %d bytes, want %d", errInvalidAddress, len(b), AddressSize)
	}
	copy(a[:], b)
	return a, nil
}

// AddressFromBytes converts a 20-byte slice into an Address.
func AddressFromBytes(b []byte) (Address, error) {
	var a Address
	if len(b) != AddressSize {
		return a, fmt.Errorf("%w: %d bytes, want %d", errInvalidAddress, len(b), AddressSize)
	}
	copy(a[:], b)
	return a, nil
}

// String returns the address in lower-case hex without prefix.
func (a Address) String() string { return hex.EncodeToString(a[:]) }

// MarshalText encodes a as lower-case hex (so it can key a JSON object).
func (a Address) MarshalText() ([]byte, error) { return []byte(a.String()), nil }

// UnmarshalText parses hex, with an optional "0x" prefix.
func (a *Address) UnmarshalText(text []byte) error {
	v, err := ParseAddress(string(text))
	if err != nil {
		return err
	}
	*a = v
	return nil
}
