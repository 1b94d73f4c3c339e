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
	// Staking holds the staking params and the initial validators. When it
	// is left out of the JSON, the default params and no validators are
	// used: the chain then runs with genesis.json's validators, and the
	// app changes the set only once a validator is created.
	Staking GenesisStaking `json:"staking"`
	// Attestation holds the attestation params (zero fields: defaults).
	Attestation AttestParams `json:"attestation"`
}

// GenesisStaking is the staking section of the genesis app state. Its zero
// value (no params, no validators) means DefaultStakingParams and no
// validators.
type GenesisStaking struct {
	Params     chain.StakingParams `json:"params"`
	Validators []GenesisValidator  `json:"validators"`
}

// GenesisValidator is a validator at genesis: SelfBond tokens are bonded
// by its operator (they are not taken from the operator's balance).
type GenesisValidator struct {
	Operator      chain.Address  `json:"operator"`
	PubKey        chain.HexBytes `json:"pub_key"` // ed25519, 32 bytes
	Moniker       string         `json:"moniker"`
	CommissionBps uint64         `json:"commission_bps"`
	SelfBond      uint64         `json:"self_bond"`
	EthAddress    chain.HexBytes `json:"eth_address,omitempty"`
}

// DefaultGenesisState returns a genesis state with no accounts, no
// validators, DefaultParams and DefaultStakingParams.
func DefaultGenesisState() GenesisState {
	return GenesisState{
		Accounts: []GenesisAccount{},
		Params:   chain.DefaultParams(),
		Staking:  GenesisStaking{Params: chain.DefaultStakingParams(), Validators: []GenesisValidator{}},
	}
}

// ParseGenesisState decodes and validates the app_state JSON. Unknown fields
// are rejected, so a typo in a parameter name fails instead of silently
// taking the zero value.
func ParseGenesisState(b []byte) (GenesisState, error) {
	g := GenesisState{Staking: DefaultGenesisState().Staking}
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
	for i, v := range g.Staking.Validators {
		if v.SelfBond > math.MaxUint64-total {
			return fmt.Errorf("%w: staking validator %d: balances and self-bonds overflow uint64 in sum", ErrInvalidGenesis, i)
		}
		total += v.SelfBond
	}
	if err := g.Attestation.withDefaults().Validate(); err != nil {
		return err
	}
	return g.Staking.validate()
}

// validate checks the staking params and that every validator has an
// ed25519 key, a moniker, a commission ≤ 100 %, at least the minimum
// self-bond, and that operators and keys appear once.
func (g GenesisStaking) validate() error {
	g = g.withDefaults()
	if err := g.Params.Validate(); err != nil {
		return fmt.Errorf("%w: %w", ErrInvalidGenesis, err)
	}
	ops := map[chain.Address]bool{}
	keys := map[string]bool{}
	for i, v := range g.Validators {
		bad := func(format string, args ...any) error {
			return fmt.Errorf("%w: staking validator %d: "+format, append([]any{ErrInvalidGenesis, i}, args...)...)
		}
		switch {
		case len(v.PubKey) != 32:
			return bad("pub_key of %d bytes, want a 32-byte ed25519 key", len(v.PubKey))
		case v.Moniker == "" || len(v.Moniker) > chain.MaxMonikerLen:
			return bad("moniker must be 1 to %d bytes", chain.MaxMonikerLen)
		case v.CommissionBps > chain.BasisPoints:
			return bad("commission %d bps is over 100 %%", v.CommissionBps)
		case v.SelfBond < g.Params.MinSelfBond:
			return bad("self_bond %d is below min_self_bond %d", v.SelfBond, g.Params.MinSelfBond)
		case len(v.EthAddress) != 0 && len(v.EthAddress) != chain.EthAddressSize:
			return bad("eth_address of %d bytes, want %d", len(v.EthAddress), chain.EthAddressSize)
		case ops[v.Operator] || keys[string(v.PubKey)]:
			return bad("operator %s or its key appears twice", v.Operator)
		}
		ops[v.Operator], keys[string(v.PubKey)] = true, true
	}
	return nil
}

// withDefaults returns g, with DefaultStakingParams if its params are
// the zero value.
func (g GenesisStaking) withDefaults() GenesisStaking {
	if g.Params == (chain.StakingParams{}) {
		g.Params = chain.DefaultStakingParams()
	}
	return g
}

// InitialValidator is one member of a genesis' first validator set.
type InitialValidator struct {
	PubKey  []byte // ed25519
	Power   int64
	Moniker string
}

// InitialValidators returns the validator set the staking section of g
// starts with (what InitChain hands CometBFT), in consensus address
// order; empty when g has no staking validators. g must be valid.
func InitialValidators(g GenesisState) []InitialValidator {
	st := genesisStaking(g.Staking.withDefaults())
	byCons := st.byConsAddress()
	out := []InitialValidator{}
	for _, a := range sortedAddrs(st.Active) {
		v := byCons[a]
		out = append(out, InitialValidator{PubKey: v.PubKey, Power: st.Active[a], Moniker: v.Moniker})
	}
	return out
}
