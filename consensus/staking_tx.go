package consensus

import (
	"errors"
	"math"
	"math/big"

	"github.com/cometbft/cometbft/crypto/ed25519"

	"github.com/quadrant-da/quadrant/chain"
)

// Staking rejection sentinels; every staking txError wraps one of them.
var (
	errConsensusKey       = errors.New("consensus: bad consensus key")
	errProofOfPossession  = errors.New("consensus: proof of possession does not verify")
	errUnknownValidator   = errors.New("consensus: unknown validator")
	errValidatorJailed    = errors.New("consensus: validator jailed")
	errValidatorNotJailed = errors.New("consensus: validator is not jailed")
	errTombstoned         = errors.New("consensus: validator tombstoned")
	errSelfBond           = errors.New("consensus: self-bond below the minimum")
	errValidatorExists    = errors.New("consensus: operator already runs a validator")
	errStakeAmount        = errors.New("consensus: bad staking amount")
)

// validateStakeTx is the stateless part of a staking tx's validation
// after the common header: a create-validator's consensus key is ed25519
// and its proof of possession verifies for this chain and the signer.
func validateStakeTx(tx *chain.StakeTx, signer chain.Address, chainID string) *txError {
	c := tx.Msg.CreateValidator
	if c == nil {
		return nil
	}
	if c.ConsKeyType != ed25519.KeyType || len(c.ConsPubKey) != ed25519.PubKeySize {
		return txErr(chain.CodeConsensusKey, "%w: consensus key is %s (%d bytes), CometBFT validators here use ed25519 (%d bytes)",
			errConsensusKey, c.ConsKeyType, len(c.ConsPubKey), ed25519.PubKeySize)
	}
	if !ed25519.PubKey(c.ConsPubKey).VerifySignature(chain.PossessionBytes(chainID, signer), c.ProofOfPossession) {
		return txErr(chain.CodeProofOfPossession, "%w: the consensus key %X did not sign chain id %q and operator %s",
			errProofOfPossession, c.ConsPubKey, chainID, signer)
	}
	return nil
}

// applyStakeMsg checks msg from signer against the ledger's state and, if
// it is valid, applies it. It checks everything before it writes, so on
// error nothing is changed. The signer's balance already paid the fee.
func applyStakeMsg(l *ledger, signer chain.Address, msg chain.StakeMsg) *txError {
	st := l.StakingState()
	switch {
	case msg.CreateValidator != nil:
		return createValidator(l, st, signer, msg.CreateValidator)
	case msg.EditValidator != nil:
		v, terr := operatorValidator(st, signer)
		if terr != nil {
			return terr
		}
		v = l.stakingForWrite().Validators[v.Operator]
		if m := msg.EditValidator.Moniker; m != "" {
			v.Moniker = m
		}
		v.EthAddress = chain.HexBytes(msg.EditValidator.EthAddress)
		return nil
	case msg.Delegate != nil:
		return delegate(l, st, signer, *msg.Delegate)
	case msg.Undelegate != nil:
		return undelegate(l, st, signer, *msg.Undelegate)
	case msg.Unjail:
		return unjail(l, st, signer)
	case msg.WithdrawRewards != nil:
		val := *msg.WithdrawRewards
		if d := st.Delegations[val][signer]; d == nil || st.Validators[val] == nil {
			return txErr(chain.CodeStakeAmount, "%w: account %s has no delegation to validator %s", errStakeAmount, signer, val)
		}
		withdrawRewards(l, l.stakingForWrite(), signer, val)
		return nil
	}
	return txErr(chain.CodeMalformed, "%w: staking tx without a message", errMalformedTx)
}

func operatorValidator(st *Staking, op chain.Address) (*Validator, *txError) {
	v := st.Validators[op]
	if v == nil {
		return nil, txErr(chain.CodeUnknownValidator, "%w: account %s runs no validator", errUnknownValidator, op)
	}
	return v, nil
}

func createValidator(l *ledger, st *Staking, op chain.Address, c *chain.CreateValidator) *txError {
	if st.Validators[op] != nil {
		return txErr(chain.CodeValidatorExists, "%w: %s (one validator per operator account)", errValidatorExists, op)
	}
	cons, _ := chain.AddressFromBytes(ed25519.PubKey(c.ConsPubKey).Address())
	switch owner := st.byConsAddress()[cons]; {
	case owner != nil && owner.Tombstoned:
		return txErr(chain.CodeValidatorTombstoned, "%w: consensus key %X belongs to validator %s, which double-signed: the key can never validate again",
			errTombstoned, c.ConsPubKey, owner.Operator)
	case owner != nil:
		return txErr(chain.CodeConsensusKey, "%w: consensus key %X is already used by a validator", errConsensusKey, c.ConsPubKey)
	}
	if c.SelfBond < st.Params.MinSelfBond {
		return txErr(chain.CodeSelfBond, "%w: self-bond %d, the minimum is %d", errSelfBond, c.SelfBond, st.Params.MinSelfBond)
	}
	acc := l.Account(op)
	if acc.Balance < c.SelfBond {
		return txErr(chain.CodeInsufficientFunds, "%w: account %s has %d after the fee, the self-bond is %d",
			errInsufficientFunds, op, acc.Balance, c.SelfBond)
	}
	w := l.stakingForWrite()
	w.Validators[op] = &Validator{
		Operator: op, PubKey: chain.HexBytes(c.ConsPubKey), Moniker: c.Moniker, CommissionBps: c.CommissionBps,
		EthAddress: chain.HexBytes(c.EthAddress), Missed: make(chain.HexBytes, (st.Params.SignedBlocksWindow+7)/8),
		RewardPerShare: new(big.Int), RewardRemainder: new(big.Int),
	}
	return bond(l, w, op, op, c.SelfBond)
}

// bond moves amount from del's balance to validator val for new shares,
// paying del's pending rewards first. The caller checked the balance.
func bond(l *ledger, w *Staking, del, val chain.Address, amount uint64) *txError {
	v := w.Validators[val]
	shares, terr := sharesFor(v, amount)
	if terr != nil {
		return terr
	}
	d := withdrawRewards(l, w, del, val)
	acc := l.Account(del)
	acc.Balance -= amount
	l.Set(del, acc)
	v.Tokens += amount
	v.Shares += shares
	v.RewardRemainder.SetInt64(0) // dust of the old share count is burnt
	d.Shares += shares
	return nil
}

// sharesFor is how many shares of v amount tokens buy, or why they
// cannot.
func sharesFor(v *Validator, amount uint64) (uint64, *txError) {
	shares := amount
	if v.Shares > 0 {
		var ok bool
		if shares, ok = mulDiv(amount, v.Shares, v.Tokens); !ok || shares == 0 {
			return 0, txErr(chain.CodeStakeAmount, "%w: %d tokens buy no shares of validator %s (tokens %d, shares %d)",
				errStakeAmount, amount, v.Operator, v.Tokens, v.Shares)
		}
	}
	if v.Tokens > math.MaxUint64-amount || v.Shares > math.MaxUint64-shares {
		return 0, txErr(chain.CodeStakeAmount, "%w: validator %s bond would overflow", errStakeAmount, v.Operator)
	}
	return shares, nil
}

// withdrawRewards pays del's pending rewards from val to its balance and
// returns its delegation (created if missing), with the reward base reset.
func withdrawRewards(l *ledger, w *Staking, del, val chain.Address) *Delegation {
	v := w.Validators[val]
	ds := w.Delegations[val]
	if ds == nil {
		ds = map[chain.Address]*Delegation{}
		w.Delegations[val] = ds
	}
	d := ds[del]
	if d == nil {
		d = &Delegation{RewardBase: new(big.Int).Set(v.RewardPerShare)}
		ds[del] = d
		return d
	}
	if r := pendingReward(v, d); r > 0 {
		acc := l.Account(del)
		acc.Balance = saturatingAdd(acc.Balance, r)
		l.Set(del, acc)
	}
	d.RewardBase.Set(v.RewardPerShare)
	return d
}

func saturatingAdd(a, b uint64) uint64 {
	if a > math.MaxUint64-b {
		return math.MaxUint64
	}
	return a + b
}

func delegate(l *ledger, st *Staking, del chain.Address, m chain.Delegation) *txError {
	v, terr := operatorValidator(st, m.Validator)
	if terr != nil {
		return terr
	}
	switch {
	case v.Tombstoned:
		return txErr(chain.CodeValidatorTombstoned, "%w: validator %s double-signed and can never validate again", errTombstoned, m.Validator)
	case v.Jailed:
		return txErr(chain.CodeValidatorJailed, "%w: validator %s is jailed; delegate after it unjails", errValidatorJailed, m.Validator)
	case m.Amount == 0:
		return txErr(chain.CodeStakeAmount, "%w: delegating 0 tokens", errStakeAmount)
	case v.Shares > 0 && v.Tokens == 0:
		return txErr(chain.CodeStakeAmount, "%w: validator %s has no tokens left to price shares", errStakeAmount, m.Validator)
	}
	if acc := l.Account(del); acc.Balance < m.Amount {
		return txErr(chain.CodeInsufficientFunds, "%w: account %s has %d after the fee, delegating %d",
			errInsufficientFunds, del, acc.Balance, m.Amount)
	}
	if _, terr := sharesFor(v, m.Amount); terr != nil {
		return terr
	}
	return bond(l, l.stakingForWrite(), del, m.Validator, m.Amount)
}

func undelegate(l *ledger, st *Staking, del chain.Address, m chain.Delegation) *txError {
	v, terr := operatorValidator(st, m.Validator)
	if terr != nil {
		return terr
	}
	d := st.Delegations[m.Validator][del]
	if d == nil || d.Shares == 0 {
		return txErr(chain.CodeStakeAmount, "%w: account %s has no delegation to validator %s", errStakeAmount, del, m.Validator)
	}
	have := tokensOf(v, d.Shares)
	if m.Amount == 0 || m.Amount > have {
		return txErr(chain.CodeStakeAmount, "%w: undelegating %d, the delegation is worth %d (want 1..%d)",
			errStakeAmount, m.Amount, have, have)
	}
	shares := d.Shares
	if m.Amount < have {
		shares = min(mulDivUp(m.Amount, v.Shares, v.Tokens), d.Shares) // round against the delegator
	}
	w := l.stakingForWrite()
	v = w.Validators[m.Validator]
	d = withdrawRewards(l, w, del, m.Validator)
	d.Shares -= shares
	v.Shares -= shares
	v.Tokens -= m.Amount
	v.RewardRemainder.SetInt64(0)
	if d.Shares == 0 {
		delete(w.Delegations[m.Validator], del)
	}
	done := l.now + int64(w.Params.UnbondingSeconds)*1e9
	w.Unbonding = append(w.Unbonding, &UnbondingEntry{Delegator: del, Validator: m.Validator, CreationHeight: l.height,
		CompletionTime: done, InitialBalance: m.Amount, Balance: m.Amount})
	// An operator whose self-bond falls below the minimum is jailed (not
	// slashed) until it bonds enough again and unjails.
	if del == m.Validator && selfBond(w, v) < w.Params.MinSelfBond && !v.Jailed {
		v.Jailed = true
	}
	return nil
}

// selfBond is the token value of the operator's own delegation.
func selfBond(st *Staking, v *Validator) uint64 {
	d := st.Delegations[v.Operator][v.Operator]
	if d == nil {
		return 0
	}
	return tokensOf(v, d.Shares)
}

func unjail(l *ledger, st *Staking, op chain.Address) *txError {
	v, terr := operatorValidator(st, op)
	if terr != nil {
		return terr
	}
	switch {
	case v.Tombstoned:
		return txErr(chain.CodeValidatorTombstoned, "%w: validator %s double-signed and can never be unjailed", errTombstoned, op)
	case !v.Jailed:
		return txErr(chain.CodeValidatorJailed, "%w: validator %s", errValidatorNotJailed, op)
	case l.now < v.JailedUntil:
		return txErr(chain.CodeValidatorJailed, "%w: validator %s is jailed until %d (unix ns), the block time is %d",
			errValidatorJailed, op, v.JailedUntil, l.now)
	}
	if sb := selfBond(st, v); sb < st.Params.MinSelfBond {
		return txErr(chain.CodeSelfBond, "%w: validator %s self-bond is %d, the minimum is %d; delegate to it from the operator first",
			errSelfBond, op, sb, st.Params.MinSelfBond)
	}
	l.stakingForWrite().Validators[op].Jailed = false
	return nil
}
