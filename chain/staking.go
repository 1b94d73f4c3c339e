package chain

import (
	"errors"
	"fmt"
)

// BasisPoints is the denominator of every fraction among the staking
// parameters and of a validator's commission rate: 10000 = 100 %.
const BasisPoints = 10_000

// Staking parameter defaults.
const (
	// DefaultUnbondingSeconds is 21 days: undelegated tokens stay locked,
	// and slashable, this long. It must exceed any light node's trusting
	// period.
	DefaultUnbondingSeconds = 21 * 24 * 60 * 60
	// defaultMaxValidators is the largest active set.
	defaultMaxValidators = 100
	// DefaultPowerReduction turns bonded base units into voting power:
	// power = tokens / power reduction.
	DefaultPowerReduction = 1_000_000
	// defaultMinSelfBond is the smallest self-bond of create-validator: one
	// unit of voting power.
	defaultMinSelfBond = DefaultPowerReduction
	// defaultSlashDoubleSignBps is the fraction of a validator's bond burnt
	// for equivocation (duplicate vote, light client attack): 5 %.
	defaultSlashDoubleSignBps = 500
	// defaultSignedBlocksWindow is the number of recent blocks over which a
	// validator's missed signatures are counted.
	defaultSignedBlocksWindow = 100
	// defaultMaxMissedBps: a validator that missed at least this fraction of
	// the window (50 %) is jailed for downtime.
	defaultMaxMissedBps = 5_000
	// defaultSlashDowntimeBps is the fraction burnt for downtime: 0.01 %.
	defaultSlashDowntimeBps = 1
	// defaultDowntimeJailSeconds is how long a validator jailed for
	// downtime must wait before unjail: 10 minutes.
	defaultDowntimeJailSeconds = 600

	// MaxMonikerLen is the longest validator moniker, in bytes.
	MaxMonikerLen = 64
	// EthAddressSize is the size of a validator's optional Ethereum address.
	EthAddressSize = 20
)

// errInvalidStakingParams is returned by StakingParams.Validate.
var errInvalidStakingParams = errors.New("chain: invalid staking params")

// StakingParams are the parameters of the open validator set. They are set
// at genesis (app_state.staking.params) and committed to by the app hash.
type StakingParams struct {
	UnbondingSeconds    uint64 `json:"unbonding_seconds"`
	MaxValidators       uint32 `json:"max_validators"`
	PowerReduction      uint64 `json:"power_reduction"`
	MinSelfBond         uint64 `json:"min_self_bond"`
	SlashDoubleSignBps  uint64 `json:"slash_double_sign_bps"`
	SignedBlocksWindow  uint64 `json:"signed_blocks_window"`
	MaxMissedBps        uint64 `json:"max_missed_bps"`
	SlashDowntimeBps    uint64 `json:"slash_downtime_bps"`
	DowntimeJailSeconds uint64 `json:"downtime_jail_seconds"`
}

// DefaultStakingParams returns the defaults above.
func DefaultStakingParams() StakingParams {
	return StakingParams{
		UnbondingSeconds:    DefaultUnbondingSeconds,
		MaxValidators:       defaultMaxValidators,
		PowerReduction:      DefaultPowerReduction,
		MinSelfBond:         defaultMinSelfBond,
		SlashDoubleSignBps:  defaultSlashDoubleSignBps,
		SignedBlocksWindow:  defaultSignedBlocksWindow,
		MaxMissedBps:        defaultMaxMissedBps,
		SlashDowntimeBps:    defaultSlashDowntimeBps,
		DowntimeJailSeconds: defaultDowntimeJailSeconds,
	}
}

// maxStakingSeconds bounds every duration (100 years), so that adding one
// to a block time in nanoseconds cannot overflow.
const maxStakingSeconds = 100 * 365 * 24 * 60 * 60

// maxSignedBlocksWindow bounds the per-validator missed-block bitmap.
const maxSignedBlocksWindow = 1 << 16

// minPowerReduction is the smallest power reduction: with it, even every
// token that can exist (2^64 − 1 base units) bonded is less voting power
// than CometBFT's MaxTotalVotingPower (2^63 / 8), so an update can never
// push the set over that limit.
const minPowerReduction = 16

// Validate checks the parameters are usable: power reduction of at least
// minPowerReduction, minimum self-bond of at least one unit of power,
// 1..1000 validators,
// fractions within 100 %, a window of 1..65536 blocks and durations within
// 100 years.
func (p StakingParams) Validate() error {
	bad := func(format string, args ...any) error {
		return fmt.Errorf("%w: "+format, append([]any{errInvalidStakingParams}, args...)...)
	}
	switch {
	case p.PowerReduction < minPowerReduction:
		return bad("power_reduction is %d, want ≥ %d (so total power stays under CometBFT's limit)", p.PowerReduction, minPowerReduction)
	case p.MinSelfBond < p.PowerReduction:
		return bad("min_self_bond %d is below power_reduction %d (a validator needs at least power 1)", p.MinSelfBond, p.PowerReduction)
	case p.MaxValidators == 0 || p.MaxValidators > 1000:
		return bad("max_validators %d, want 1..1000", p.MaxValidators)
	case p.SlashDoubleSignBps > BasisPoints || p.SlashDowntimeBps > BasisPoints || p.MaxMissedBps > BasisPoints:
		return bad("a fraction is over %d basis points (100 %%)", BasisPoints)
	case p.MaxMissedBps == 0:
		return bad("max_missed_bps is 0 (every validator would be jailed)")
	case p.SignedBlocksWindow == 0 || p.SignedBlocksWindow > maxSignedBlocksWindow:
		return bad("signed_blocks_window %d, want 1..%d", p.SignedBlocksWindow, maxSignedBlocksWindow)
	case p.UnbondingSeconds > maxStakingSeconds || p.DowntimeJailSeconds > maxStakingSeconds:
		return bad("a duration is over %d seconds", maxStakingSeconds)
	}
	return nil
}

// ValidatorInfo is one element of the "/validators" query answer and of
// `quadrant validators --json`. Address is the consensus address (what
// CometBFT's /validators calls address), Operator the account that runs it.
type ValidatorInfo struct {
	Address     HexBytes `json:"address"`
	Operator    HexBytes `json:"operator"`
	PubKey      HexBytes `json:"pub_key"`
	Moniker     string   `json:"moniker"`
	Commission  uint64   `json:"commission_bps"`
	EthAddress  HexBytes `json:"eth_address,omitempty"`
	Tokens      uint64   `json:"tokens"`
	Power       int64    `json:"power"`
	Active      bool     `json:"active"`
	Jailed      bool     `json:"jailed"`
	JailedUntil int64    `json:"jailed_until_unix,omitempty"`
	Tombstoned  bool     `json:"tombstoned"`
}

// StakeInfo is the answer of the "/stake/<hex address>" query: what the
// account has bonded (per validator), what is unbonding and the rewards
// it has earned but not yet received.
type StakeInfo struct {
	Address     HexBytes         `json:"address"`
	Bonded      uint64           `json:"bonded"`
	Unbonding   uint64           `json:"unbonding"`
	Rewards     uint64           `json:"rewards"`
	Delegations []DelegationInfo `json:"delegations"`
	Entries     []UnbondingInfo  `json:"unbonding_entries"`
}

// DelegationInfo is one delegation of an account.
type DelegationInfo struct {
	Validator HexBytes `json:"validator"`
	Tokens    uint64   `json:"tokens"`
	Rewards   uint64   `json:"rewards"`
}

// UnbondingInfo is one unbonding entry of an account.
type UnbondingInfo struct {
	Validator      HexBytes `json:"validator"`
	Balance        uint64   `json:"balance"`
	CompletionUnix int64    `json:"completion_unix"`
}

// Event types of FinalizeBlock's staking events.
const (
	EventTypeSlash     = "slash"
	EventTypeJail      = "jail"
	EventTypeTombstone = "tombstone"
	EventTypeUnbonded  = "unbonding_complete"
	AttrValidator      = "validator"
	AttrReason         = "reason"
	AttrAmount         = "amount"
)
