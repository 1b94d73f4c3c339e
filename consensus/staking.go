package consensus

import (
	"cmp"
	"crypto/sha256"
	"encoding/json"
	"math"
	"math/big"
	"math/bits"
	"slices"

	"github.com/cometbft/cometbft/crypto/ed25519"

	"github.com/quadrant-da/quadrant/chain"
)

// Staking is the staking part of the consensus state: the validators, who
// delegated to them, what is unbonding, and which validator set CometBFT
// was last told about. It is committed to by one app-hash leaf, the SHA-256
// of its canonical JSON (encoding/json: struct fields in order, map keys
// sorted, integers only), and stored as that JSON.
type Staking struct {
	Params chain.StakingParams `json:"params"`
	// Validators by operator address.
	Validators map[chain.Address]*Validator `json:"validators"`
	// Delegations by validator operator, then delegator.
	Delegations map[chain.Address]map[chain.Address]*Delegation `json:"delegations"`
	// Unbonding entries in creation order.
	Unbonding []*UnbondingEntry `json:"unbonding"`
	// Active is the set last sent to CometBFT: consensus address → power.
	Active map[chain.Address]int64 `json:"active"`
	// FeeRemainder is fee dust left over by the proportional split of a
	// block's fees, carried into the next block's.
	FeeRemainder uint64 `json:"fee_remainder"`
}

// Validator is one validator's state.
type Validator struct {
	Operator      chain.Address  `json:"operator"`
	PubKey        chain.HexBytes `json:"pub_key"` // ed25519, 32 bytes
	Moniker       string         `json:"moniker"`
	CommissionBps uint64         `json:"commission_bps"`
	EthAddress    chain.HexBytes `json:"eth_address"`
	// Tokens bonded to the validator (self-bond and delegations; slashing
	// reduces it) and Shares, the delegators' claims on them.
	Tokens uint64 `json:"tokens"`
	Shares uint64 `json:"shares"`

	Jailed      bool  `json:"jailed"`
	JailedUntil int64 `json:"jailed_until"` // unix nanoseconds
	Tombstoned  bool  `json:"tombstoned"`

	// Downtime: a ring of SignedBlocksWindow bits (1 = missed), the number
	// of set bits and how many blocks have been recorded.
	Missed      chain.HexBytes `json:"missed"`
	MissedCount uint64         `json:"missed_count"`
	Recorded    uint64         `json:"recorded"`

	// RewardPerShare accumulates rewards per share, scaled by rewardScale;
	// RewardRemainder is the numerator left over by that division (always
	// below Shares), so no reward is lost to rounding.
	RewardPerShare  *big.Int `json:"reward_per_share"`
	RewardRemainder *big.Int `json:"reward_remainder"`
}

// Delegation is one delegator's claim on a validator.
type Delegation struct {
	Shares uint64 `json:"shares"`
	// RewardBase is the validator's RewardPerShare when rewards were last
	// paid to this delegation.
	RewardBase *big.Int `json:"reward_base"`
}

// UnbondingEntry is tokens on their way back to an account. Until
// CompletionTime it is still slashable for an infraction of its validator
// committed at or before CreationHeight (see slashValidator).
type UnbondingEntry struct {
	Delegator      chain.Address `json:"delegator"`
	Validator      chain.Address `json:"validator"`
	CreationHeight int64         `json:"creation_height"`
	CompletionTime int64         `json:"completion_time"` // unix nanoseconds
	InitialBalance uint64        `json:"initial_balance"`
	Balance        uint64        `json:"balance"`
}

// rewardScale is the fixed-point scale of RewardPerShare: 10^18.
var rewardScale = new(big.Int).Exp(big.NewInt(10), big.NewInt(18), nil)

// newStaking returns an empty staking state with params.
func newStaking(params chain.StakingParams) *Staking {
	return &Staking{
		Params:      params,
		Validators:  map[chain.Address]*Validator{},
		Delegations: map[chain.Address]map[chain.Address]*Delegation{},
		Unbonding:   []*UnbondingEntry{},
		Active:      map[chain.Address]int64{},
	}
}

// Clone returns a deep copy of s.
func (s *Staking) Clone() *Staking {
	c := newStaking(s.Params)
	c.FeeRemainder = s.FeeRemainder
	for k, v := range s.Validators {
		nv := *v
		nv.PubKey = slices.Clone(v.PubKey)
		nv.EthAddress = slices.Clone(v.EthAddress)
		nv.Missed = slices.Clone(v.Missed)
		nv.RewardPerShare = new(big.Int).Set(v.RewardPerShare)
		nv.RewardRemainder = new(big.Int).Set(v.RewardRemainder)
		c.Validators[k] = &nv
	}
	for val, ds := range s.Delegations {
		m := make(map[chain.Address]*Delegation, len(ds))
		for del, d := range ds {
			m[del] = &Delegation{Shares: d.Shares, RewardBase: new(big.Int).Set(d.RewardBase)}
		}
		c.Delegations[val] = m
	}
	for _, e := range s.Unbonding {
		ne := *e
		c.Unbonding = append(c.Unbonding, &ne)
	}
	for k, v := range s.Active {
		c.Active[k] = v
	}
	return c
}

// marshal returns the canonical JSON of s.
func (s *Staking) marshal() []byte {
	b, err := json.Marshal(s)
	if err != nil {
		panic("consensus: staking state does not encode: " + err.Error()) // only plain types: a programmer error
	}
	return b
}

// unmarshalStaking decodes stored staking JSON.
func unmarshalStaking(b []byte) (*Staking, error) {
	s := newStaking(chain.StakingParams{})
	if err := json.Unmarshal(b, s); err != nil {
		return nil, err
	}
	for _, v := range s.Validators {
		if v.RewardPerShare == nil || v.RewardRemainder == nil {
			v.RewardPerShare, v.RewardRemainder = new(big.Int), new(big.Int)
		}
	}
	return s, nil
}

// hashLeaf is the app-hash leaf of s: 0x03 ‖ SHA-256(canonical JSON).
func (s *Staking) hashLeaf() []byte {
	h := sha256.Sum256(s.marshal())
	return append([]byte{leafStaking}, h[:]...)
}

// ConsAddress returns the CometBFT address of v's consensus key.
func (v *Validator) ConsAddress() chain.Address {
	a, _ := chain.AddressFromBytes(ed25519.PubKey(v.PubKey).Address())
	return a
}

// Power is v's voting power: tokens / power reduction, or 0 while jailed
// or tombstoned.
func (s *Staking) Power(v *Validator) int64 {
	if v.Jailed || v.Tombstoned {
		return 0
	}
	return int64(v.Tokens / s.Params.PowerReduction)
}

// byConsAddress maps consensus addresses to validators.
func (s *Staking) byConsAddress() map[chain.Address]*Validator {
	m := make(map[chain.Address]*Validator, len(s.Validators))
	for _, v := range s.Validators {
		m[v.ConsAddress()] = v
	}
	return m
}

// activeSet is the set CometBFT should run with: at most MaxValidators
// validators with power ≥ 1, by power (highest first), ties broken by
// consensus address (lowest first). It is a pure function of s.
func (s *Staking) activeSet() map[chain.Address]int64 {
	type cand struct {
		addr  chain.Address
		power int64
	}
	var cs []cand
	for _, v := range s.Validators {
		if p := s.Power(v); p > 0 {
			cs = append(cs, cand{v.ConsAddress(), p})
		}
	}
	slices.SortFunc(cs, func(a, b cand) int {
		if c := cmp.Compare(b.power, a.power); c != 0 {
			return c
		}
		return slices.Compare(a.addr[:], b.addr[:])
	})
	out := make(map[chain.Address]int64)
	for i, c := range cs {
		if i >= int(s.Params.MaxValidators) {
			break
		}
		out[c.addr] = c.power
	}
	return out
}

// mulDiv returns a×b/c rounded down; ok is false when c is 0 or the
// result does not fit 64 bits.
func mulDiv(a, b, c uint64) (uint64, bool) {
	if c == 0 {
		return 0, false
	}
	hi, lo := bits.Mul64(a, b)
	if hi >= c {
		return 0, false
	}
	q, _ := bits.Div64(hi, lo, c)
	return q, true
}

// mulDivUp returns a×b/c rounded up; c > 0 and a ≤ c (so it fits).
func mulDivUp(a, b, c uint64) uint64 {
	hi, lo := bits.Mul64(a, b)
	if hi >= c {
		return math.MaxUint64
	}
	q, r := bits.Div64(hi, lo, c)
	if r != 0 {
		q++
	}
	return q
}

// tokensOf is the token value of shares of v.
func tokensOf(v *Validator, shares uint64) uint64 {
	t, ok := mulDiv(shares, v.Tokens, v.Shares)
	if !ok {
		return 0
	}
	return t
}

// pendingReward is what d has earned from v since it was last paid.
func pendingReward(v *Validator, d *Delegation) uint64 {
	diff := new(big.Int).Sub(v.RewardPerShare, d.RewardBase)
	diff.Mul(diff, new(big.Int).SetUint64(d.Shares))
	diff.Quo(diff, rewardScale)
	if !diff.IsUint64() {
		return 0
	}
	return diff.Uint64()
}

// sortedAddrs returns m's keys in increasing order.
func sortedAddrs[V any](m map[chain.Address]V) []chain.Address {
	out := make([]chain.Address, 0, len(m))
	for a := range m {
		out = append(out, a)
	}
	slices.SortFunc(out, func(a, b chain.Address) int { return slices.Compare(a[:], b[:]) })
	return out
}
