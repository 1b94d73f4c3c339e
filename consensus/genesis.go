package consensus

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strings"

	"github.com/quadrant-da/quadrant/chain"
)

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
	Params   chain.Params     `json:"params"`
}

// DefaultGenesisState returns a genesis state with no accounts and
// DefaultParams.
func DefaultGenesisState() GenesisState {
	return GenesisState{Accounts: []GenesisAccount{}, Params: chain.DefaultParams()}
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
	seen := make(map[chain.Address]bool, len(g.Accounts))
	var total uint64
	for i, acc := range g.Accounts {
		addr, err := chain.ParseAddress(acc.Address)
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
