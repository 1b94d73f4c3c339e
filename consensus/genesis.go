package consensus

import (
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strings"
)

// AddressSize is the size of an account address: the CometBFT address of the
// account's public key (first 20 bytes of sha256 for ed25519, RIPEMD160 of
// sha256 for secp256k1).
const AddressSize = 20

// ErrInvalidGenesis is returned when the genesis app state is unusable.
var ErrInvalidGenesis = errors.New("consensus: invalid genesis state")

// GenesisAccount is an account funded at genesis.
type GenesisAccount struct {
	// Address is the 20-byte account address in hex (an optional "0x" prefix
	// is accepted).
	Address string `json:"address"`
	// Balance is the starting balance in base units.
	Balance uint64 `json:"balance"`
}

// GenesisState is Quadrant's application state at genesis: the JSON object
// placed in genesis.json's app_state and handed to InitChain.
type GenesisState struct {
	Accounts []GenesisAccount `json:"accounts"`
	Params   Params           `json:"params"`
}

// DefaultGenesisState returns a genesis state with no accounts and
// DefaultParams.
func DefaultGenesisState() GenesisState {
	return GenesisState{Accounts: []GenesisAccount{}, Params: DefaultParams()}
}

// ParseGenesisState decodes and validates the app_state JSON. Unknown fields
// are rejected, so a typo in a parameter name fails instead of silently
// taking the zero value.
func ParseGenesisState(b []byte) (GenesisState, error) {
	var g GenesisState
	dec := json.NewDecoder(strings.NewReader(string(b)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&g); err != nil {
		return GenesisState{}, fmt.Errorf("%w: decoding app_state JSON: %w", ErrInvalidGenesis, err)
	}
	if dec.More() {
		return GenesisState{}, fmt.Errorf("%w: trailing data after the app_state JSON object", ErrInvalidGenesis)
	}
	if err := g.Validate(); err != nil {
		return GenesisState{}, err
	}
	return g, nil
}

// Marshal returns g as indented JSON, ready for genesis.json's app_state.
func (g GenesisState) Marshal() ([]byte, error) {
	return json.MarshalIndent(g, "", "  ")
}

// Validate checks the parameters and that every address is 20 bytes of hex,
// appears once, and that the balances do not overflow in sum.
func (g GenesisState) Validate() error {
	if err := g.Params.Validate(); err != nil {
		return fmt.Errorf("%w: %w", ErrInvalidGenesis, err)
	}
	seen := make(map[Address]bool, len(g.Accounts))
	var total uint64
	for i, acc := range g.Accounts {
		addr, err := ParseAddress(acc.Address)
		if err != nil {
			return fmt.Errorf("%w: account %d: %w", ErrInvalidGenesis, i, err)
		}
		if seen[addr] {
			return fmt.Errorf("%w: account %d: address %s appears twice", ErrInvalidGenesis, i, addr)
		}
		seen[addr] = true
		if acc.Balance > math.MaxUint64-total {
			return fmt.Errorf("%w: account %d: total genesis balance overflows uint64", ErrInvalidGenesis, i)
		}
		total += acc.Balance
	}
	return nil
}

// Address is a 20-byte account address.
type Address [AddressSize]byte

// ErrInvalidAddress is returned for an address that is not 20 bytes of hex.
var ErrInvalidAddress = errors.New("consensus: invalid address")

// ParseAddress parses a 40-digit hex address, with an optional "0x" prefix.
func ParseAddress(s string) (Address, error) {
	var a Address
	s = strings.TrimPrefix(strings.TrimPrefix(s, "0x"), "0X")
	b, err := hex.DecodeString(s)
	if err != nil {
		return a, fmt.Errorf("%w: %q is not hex: %w", ErrInvalidAddress, s, err)
	}
	if len(b) != AddressSize {
		return a, fmt.Errorf("%w: %d bytes, want %d", ErrInvalidAddress, len(b), AddressSize)
	}
	copy(a[:], b)
	return a, nil
}

// AddressFromBytes converts a 20-byte slice into an Address.
func AddressFromBytes(b []byte) (Address, error) {
	var a Address
	if len(b) != AddressSize {
		return a, fmt.Errorf("%w: %d bytes, want %d", ErrInvalidAddress, len(b), AddressSize)
	}
	copy(a[:], b)
	return a, nil
}

// String returns the address in lower-case hex without prefix.
func (a Address) String() string { return hex.EncodeToString(a[:]) }
