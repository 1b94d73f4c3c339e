package consensus

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"maps"
	"math/big"
	"slices"

	"github.com/quadrant-da/quadrant/chain"
	"github.com/quadrant-da/quadrant/da"
)

// Account is the consensus state of one account.
type Account struct {
	// Balance in base units.
	Balance uint64 `json:"balance"`
	// Sequence is the sequence (nonce) the account's next transaction must
	// carry; it starts at 0 and grows by one per applied transaction.
	Sequence uint64 `json:"sequence"`
}

// IsZero reports whether a is the state of an account never seen: such
// accounts are not stored and not committed to by the app hash.
func (a Account) IsZero() bool { return a == Account{} }

// accountSize is the size of an encoded Account.
const accountSize = 16

// errAccountEncoding is returned for a stored account of the wrong size.
var errAccountEncoding = errors.New("consensus: stored account is not 16 bytes")

func (a Account) marshal() []byte {
	b := make([]byte, accountSize)
	binary.BigEndian.PutUint64(b[0:8], a.Balance)
	binary.BigEndian.PutUint64(b[8:16], a.Sequence)
	return b
}

func unmarshalAccount(b []byte) (Account, error) {
	if len(b) != accountSize {
		return Account{}, fmt.Errorf("%w: got %d", errAccountEncoding, len(b))
	}
	return Account{
		Balance:  binary.BigEndian.Uint64(b[0:8]),
		Sequence: binary.BigEndian.Uint64(b[8:16]),
	}, nil
}

// accountReader reads account state. Unknown accounts read as the zero
// Account.
type accountReader interface {
	Account(addr chain.Address) Account
}

// Accounts is a plain account map; it implements accountReader.
type Accounts map[chain.Address]Account

// Account returns the account at addr, or the zero Account.
func (m Accounts) Account(addr chain.Address) Account { return m[addr] }

// stakingReader reads the staking state. The returned value must not be
// modified.
type stakingReader interface {
	StakingState() *Staking
}

// ledger is a copy-on-write overlay over a base accountReader: reads fall
// through to the base, writes stay in the overlay until the caller takes
// them with Changes. The staking state is read from the base (when it is a
// stakingReader; else it is empty with default params) and copied on the
// first write. Not safe for concurrent use.
type ledger struct {
	base    accountReader
	changes map[chain.Address]Account
	staking *Staking // the ledger's own copy once written, else nil

	// now (block time, unix nanoseconds) and height are those of the block
	// being executed; fees are the fees its transactions paid so far.
	now    int64
	height int64
	fees   uint64
}

// StakingState returns the staking state as the ledger sees it.
func (l *ledger) StakingState() *Staking {
	if l.staking != nil {
		return l.staking
	}
	if r, ok := l.base.(stakingReader); ok {
		if s := r.StakingState(); s != nil {
			return s
		}
	}
	return emptyStaking
}

// emptyStaking is the staking state of a base without one; never written.
var emptyStaking = newStaking(chain.DefaultStakingParams())

// stakingForWrite returns the ledger's own copy of the staking state.
func (l *ledger) stakingForWrite() *Staking {
	if l.staking == nil {
		l.staking = l.StakingState().Clone()
	}
	return l.staking
}

// StakingChanged returns the ledger's staking state if it was written,
// else nil.
func (l *ledger) StakingChanged() *Staking { return l.staking }

// blockClock is implemented by a Ledger base that knows the block being
// built or checked: its height and time (unix nanoseconds).
type blockClock interface {
	blockClock() (height, now int64)
}

func (l *ledger) blockClock() (height, now int64) { return l.height, l.now }

// newLedger returns an empty overlay over base, for the block base names
// if it is a blockClock.
func newLedger(base accountReader) *ledger {
	l := &ledger{base: base, changes: make(map[chain.Address]Account)}
	if c, ok := base.(blockClock); ok {
		l.height, l.now = c.blockClock()
	}
	return l
}

// Account returns the account's current state in the overlay.
func (l *ledger) Account(addr chain.Address) Account {
	if a, ok := l.changes[addr]; ok {
		return a
	}
	return l.base.Account(addr)
}

// Set records a new state for addr.
func (l *ledger) Set(addr chain.Address, a Account) { l.changes[addr] = a }

// Changes returns the accounts written so far (the map is the ledger's own;
// callers must not modify it while still using the ledger).
func (l *ledger) Changes() map[chain.Address]Account { return l.changes }

// state is the committed consensus state of the application.
type state struct {
	ChainID string
	// InitialHeight is the height of the chain's first block (≥ 1).
	InitialHeight int64
	// Height is the height of the last committed block (0 at genesis).
	Height int64
	// appHash is the app hash after Height.
	AppHash  []byte
	Params   chain.Params
	Accounts Accounts
	Staking  *Staking
	// Attest is the attestation state (attest*.go); never modified in
	// place once committed.
	Attest *attestations
	// LastBlockTime is the time of block Height (unix nanoseconds; the
	// genesis time at height 0). Not part of the app hash.
	LastBlockTime int64
}

// Clone returns a deep copy of s.
func (s *state) Clone() *state {
	c := *s
	c.AppHash = bytes.Clone(s.AppHash)
	c.Accounts = maps.Clone(s.Accounts)
	if c.Accounts == nil {
		c.Accounts = Accounts{}
	}
	if s.Staking != nil {
		c.Staking = s.Staking.Clone()
	}
	if s.Attest != nil {
		c.Attest = s.Attest.Clone()
	}
	return &c
}

// Apply writes changes into s.Accounts, deleting accounts that became zero.
func (s *state) Apply(changes map[chain.Address]Account) {
	for addr, a := range changes {
		if a.IsZero() {
			delete(s.Accounts, addr)
		} else {
			s.Accounts[addr] = a
		}
	}
}

// App-hash leaf prefixes, so a params leaf can never be read as an account.
const (
	leafParams  = 0x01
	leafAccount = 0x02
	leafStaking = 0x03
	leafAttest  = 0x04
)

// appHash returns the app hash committing to params and the non-zero
// accounts of base overlaid with changes: the RFC-6962 Merkle root
// (da.MerkleRoot) over the leaves
//
//	0x01 ‖ params (5 × uint64 big-endian: max square size, min gas price,
//	       gas per blob byte, fixed tx gas, max tx bytes)
//	0x02 ‖ address (20) ‖ balance (8) ‖ sequence (8)   — one per account,
//	       in increasing address order,
//	0x03 ‖ SHA-256 of the staking state's canonical JSON (Staking) — last,
//	       when staking is not nil.
//
// It is a pure function of its inputs and costs O(n log n) in the number of
// accounts.
func appHash(params chain.Params, base Accounts, changes map[chain.Address]Account, staking *Staking) []byte {
	return stateHash(params, base, changes, staking, nil)
}

// stateHash is appHash with one more leaf, after staking, when attest is
// not nil: 0x04 ‖ SHA-256 of the attestation state's JSON (Attestations).
func stateHash(params chain.Params, base Accounts, changes map[chain.Address]Account, staking *Staking, attest *attestations) []byte {
	addrs := make([]chain.Address, 0, len(base)+len(changes))
	for addr, a := range base {
		if _, changed := changes[addr]; !changed && !a.IsZero() {
			addrs = append(addrs, addr)
		}
	}
	for addr, a := range changes {
		if !a.IsZero() {
			addrs = append(addrs, addr)
		}
	}
	slices.SortFunc(addrs, func(a, b chain.Address) int { return bytes.Compare(a[:], b[:]) })

	leaves := make([][]byte, 0, 1+len(addrs))
	leaves = append(leaves, paramsLeaf(params))
	buf := make([]byte, len(addrs)*(1+chain.AddressSize+accountSize))
	for i, addr := range addrs {
		a, ok := changes[addr]
		if !ok {
			a = base[addr]
		}
		leaf := buf[i*(1+chain.AddressSize+accountSize) : (i+1)*(1+chain.AddressSize+accountSize)]
		leaf[0] = leafAccount
		copy(leaf[1:], addr[:])
		binary.BigEndian.PutUint64(leaf[1+chain.AddressSize:], a.Balance)
		binary.BigEndian.PutUint64(leaf[1+chain.AddressSize+8:], a.Sequence)
		leaves = append(leaves, leaf)
	}
	if staking != nil {
		leaves = append(leaves, staking.hashLeaf())
	}
	if attest != nil {
		leaves = append(leaves, attest.hashLeaf())
	}
	return da.MerkleRoot(leaves)
}

func paramsLeaf(p chain.Params) []byte {
	b := make([]byte, 1+5*8)
	b[0] = leafParams
	binary.BigEndian.PutUint64(b[1:], uint64(p.MaxSquareSize))
	binary.BigEndian.PutUint64(b[9:], p.MinGasPrice)
	binary.BigEndian.PutUint64(b[17:], p.GasPerBlobByte)
	binary.BigEndian.PutUint64(b[25:], p.FixedTxGas)
	binary.BigEndian.PutUint64(b[33:], uint64(p.MaxTxBytes))
	return b
}

// genesisToState turns a validated genesis state into the state at height 0.
func genesisToState(chainID string, g GenesisState) (*state, error) {
	if err := g.Validate(); err != nil {
		return nil, err
	}
	s := &state{ChainID: chainID, Params: g.Params, Accounts: Accounts{}}
	for _, ga := range g.Accounts {
		addr, err := chain.ParseAddress(ga.Address)
		if err != nil {
			return nil, fmt.Errorf("%w: %w", ErrInvalidGenesis, err)
		}
		if ga.Balance > 0 {
			s.Accounts[addr] = Account{Balance: ga.Balance}
		}
	}
	s.Staking = genesisStaking(g.Staking.withDefaults())
	s.Attest = newAttestations(g.Attestation.withDefaults(), s.Staking)
	s.AppHash = stateHash(s.Params, s.Accounts, nil, s.Staking, s.Attest)
	return s, nil
}

// genesisStaking bonds the genesis validators' self-bonds and computes the
// first active set.
func genesisStaking(g GenesisStaking) *Staking {
	st := newStaking(g.Params)
	for _, gv := range g.Validators {
		v := &Validator{
			Operator: gv.Operator, PubKey: gv.PubKey, Moniker: gv.Moniker, CommissionBps: gv.CommissionBps,
			EthAddress: gv.EthAddress, Tokens: gv.SelfBond, Shares: gv.SelfBond,
			Missed:         make(chain.HexBytes, (g.Params.SignedBlocksWindow+7)/8),
			RewardPerShare: new(big.Int), RewardRemainder: new(big.Int),
		}
		st.Validators[gv.Operator] = v
		st.Delegations[gv.Operator] = map[chain.Address]*Delegation{gv.Operator: {Shares: gv.SelfBond, RewardBase: new(big.Int)}}
	}
	st.updateActiveSet()
	return st
}
