package consensus

import (
	"math/big"
	"slices"
	"strconv"

	abci "github.com/cometbft/cometbft/abci/types"
	cmtproto "github.com/cometbft/cometbft/proto/tendermint/types"

	"github.com/quadrant-da/quadrant/chain"
)

// stakingBlock is what FinalizeBlock hands the staking state machine
// besides the ledger (which holds the block's height, time and fees).
type stakingBlock struct {
	// votes are DecidedLastCommit's: who signed the previous block.
	votes []abci.VoteInfo
	// misbehavior is the evidence CometBFT committed in this block.
	misbehavior []abci.Misbehavior
}

// endBlock runs the staking state machine at the end of a block, in this
// order: equivocation evidence slashes and tombstones; downtime is
// recorded and jails; the block's fees are split among the active set by
// power; unbonding entries that matured are paid out; the new active set
// is computed and its difference from the last one returned as
// CometBFT validator updates (which take effect two heights later). It is
// deterministic: a pure function of the ledger and b.
func endBlock(l *ledger, b stakingBlock) ([]abci.ValidatorUpdate, []abci.Event) {
	st := l.StakingState()
	if len(st.Validators) == 0 && len(st.Unbonding) == 0 {
		return nil, nil // no staking (fees, if any, are burned)
	}
	w := l.stakingForWrite()
	byCons := w.byConsAddress()
	var events []abci.Event
	for _, m := range b.misbehavior {
		events = append(events, punishEquivocation(l, w, byCons, m)...)
	}
	for _, vote := range b.votes {
		addr, err := chain.AddressFromBytes(vote.Validator.Address)
		if v := byCons[addr]; err == nil && v != nil {
			events = append(events, recordSignature(l, w, v, vote.BlockIdFlag == cmtproto.BlockIDFlagAbsent)...)
		}
	}
	distributeFees(l, w, byCons)
	events = append(events, matureUnbonding(l, w)...)
	return w.updateActiveSet(), events
}

func stakingEvent(typ string, v *Validator, kv ...string) abci.Event {
	ev := abci.Event{Type: typ, Attributes: []abci.EventAttribute{{Key: chain.AttrValidator, Value: v.Operator.String(), Index: true}}}
	for i := 0; i+1 < len(kv); i += 2 {
		ev.Attributes = append(ev.Attributes, abci.EventAttribute{Key: kv[i], Value: kv[i+1], Index: true})
	}
	return ev
}

// punishEquivocation slashes SlashDoubleSignBps of the validator's bond
// (and of its unbonding entries created at or after the infraction
// height), jails and tombstones it. Evidence against an unknown or already
// tombstoned validator changes nothing.
func punishEquivocation(l *ledger, w *Staking, byCons map[chain.Address]*Validator, m abci.Misbehavior) []abci.Event {
	addr, err := chain.AddressFromBytes(m.Validator.Address)
	v := byCons[addr]
	if err != nil || v == nil || v.Tombstoned {
		return nil
	}
	burnt := slashValidator(l, w, v, w.Params.SlashDoubleSignBps, m.Height)
	v.Jailed, v.Tombstoned = true, true
	return []abci.Event{
		stakingEvent(chain.EventTypeSlash, v, chain.AttrReason, m.Type.String(), chain.AttrAmount, strconv.FormatUint(burnt, 10)),
		stakingEvent(chain.EventTypeTombstone, v),
	}
}

// slashValidator burns bps of v's tokens and of the balance of every
// unbonding entry from v created at or after infractionHeight that has
// not completed (those tokens were bonded when the infraction happened).
// It returns how much was burnt.
func slashValidator(l *ledger, w *Staking, v *Validator, bps uint64, infractionHeight int64) uint64 {
	cut, _ := mulDiv(v.Tokens, bps, chain.BasisPoints)
	v.Tokens -= cut
	burnt := cut
	for _, e := range w.Unbonding {
		if e.Validator != v.Operator || e.CreationHeight < infractionHeight || e.CompletionTime <= l.now {
			continue
		}
		c, _ := mulDiv(e.InitialBalance, bps, chain.BasisPoints)
		c = min(c, e.Balance)
		e.Balance -= c
		burnt += c
	}
	return burnt
}

// recordSignature records whether v missed the last block in its window
// and jails it, slashing SlashDowntimeBps, once a full window has been
// recorded and it missed at least MaxMissedBps of it.
func recordSignature(l *ledger, w *Staking, v *Validator, missed bool) []abci.Event {
	window := w.Params.SignedBlocksWindow
	if uint64(len(v.Missed)) != (window+7)/8 {
		v.Missed, v.MissedCount, v.Recorded = make(chain.HexBytes, (window+7)/8), 0, 0
	}
	i := v.Recorded % window
	byteIdx, bit := i/8, byte(1)<<(i%8)
	was := v.Missed[byteIdx]&bit != 0
	switch {
	case missed && !was:
		v.Missed[byteIdx] |= bit
		v.MissedCount++
	case !missed && was:
		v.Missed[byteIdx] &^= bit
		v.MissedCount--
	}
	v.Recorded++
	if v.Jailed || v.Recorded < window || v.MissedCount*chain.BasisPoints < window*w.Params.MaxMissedBps {
		return nil
	}
	// The missed blocks were signed for by the set of two heights back.
	burnt := slashValidator(l, w, v, w.Params.SlashDowntimeBps, l.height-2)
	v.Jailed = true
	v.JailedUntil = l.now + int64(w.Params.DowntimeJailSeconds)*1e9
	clear(v.Missed)
	v.MissedCount, v.Recorded = 0, 0
	return []abci.Event{
		stakingEvent(chain.EventTypeSlash, v, chain.AttrReason, "downtime", chain.AttrAmount, strconv.FormatUint(burnt, 10)),
		stakingEvent(chain.EventTypeJail, v, chain.AttrReason, "downtime"),
	}
}

// distributeFees splits the block's fees (plus the dust carried from the
// last block) among the active set in proportion to power; the remainder
// of the integer division is carried. With no active validator the fees
// are burned.
func distributeFees(l *ledger, w *Staking, byCons map[chain.Address]*Validator) {
	total := saturatingAdd(l.fees, w.FeeRemainder)
	var totalPower uint64
	addrs := make([]chain.Address, 0, len(w.Active))
	for a, p := range w.Active {
		if byCons[a] != nil {
			addrs = append(addrs, a)
			totalPower += uint64(p)
		}
	}
	if totalPower == 0 {
		w.FeeRemainder = 0
		return
	}
	slices.SortFunc(addrs, func(a, b chain.Address) int { return slices.Compare(a[:], b[:]) })
	var paid uint64
	for _, a := range addrs {
		share, _ := mulDiv(total, uint64(w.Active[a]), totalPower)
		paid += share
		rewardValidator(l, byCons[a], share)
	}
	w.FeeRemainder = total - paid
}

// rewardValidator pays amount to v: its commission to the operator's
// balance at once, the rest to its delegators lazily, by raising the
// validator's reward per share (F1-style; a delegation collects when it
// changes, see withdrawRewards).
func rewardValidator(l *ledger, v *Validator, amount uint64) {
	commission, _ := mulDiv(amount, v.CommissionBps, chain.BasisPoints)
	rest := amount - commission
	if v.Shares == 0 {
		commission, rest = amount, 0
	}
	if commission > 0 {
		acc := l.Account(v.Operator)
		acc.Balance = saturatingAdd(acc.Balance, commission)
		l.Set(v.Operator, acc)
	}
	if rest == 0 {
		return
	}
	num := new(big.Int).Mul(new(big.Int).SetUint64(rest), rewardScale)
	num.Add(num, v.RewardRemainder)
	q, r := new(big.Int).QuoRem(num, new(big.Int).SetUint64(v.Shares), new(big.Int))
	v.RewardPerShare.Add(v.RewardPerShare, q)
	v.RewardRemainder = r
}

// matureUnbonding pays out, in creation order, the unbonding entries whose
// completion time has come.
func matureUnbonding(l *ledger, w *Staking) []abci.Event {
	var events []abci.Event
	kept := w.Unbonding[:0]
	for _, e := range w.Unbonding {
		if e.CompletionTime > l.now {
			kept = append(kept, e)
			continue
		}
		acc := l.Account(e.Delegator)
		acc.Balance = saturatingAdd(acc.Balance, e.Balance)
		l.Set(e.Delegator, acc)
		events = append(events, abci.Event{Type: chain.EventTypeUnbonded, Attributes: []abci.EventAttribute{
			{Key: chain.AttrValidator, Value: e.Validator.String(), Index: true},
			{Key: "delegator", Value: e.Delegator.String(), Index: true},
			{Key: chain.AttrAmount, Value: strconv.FormatUint(e.Balance, 10), Index: true},
		}})
	}
	clear(w.Unbonding[len(kept):])
	w.Unbonding = kept
	return events
}

// updateActiveSet computes the active set and returns how it differs from
// the last one sent to CometBFT (removed validators with power 0), in
// consensus address order, and records it. CometBFT cannot run without
// validators: if every validator would leave, the set is kept as it is.
func (w *Staking) updateActiveSet() []abci.ValidatorUpdate {
	next := w.activeSet()
	if len(next) == 0 && len(w.Active) > 0 {
		return nil
	}
	byCons := w.byConsAddress()
	var changed []chain.Address
	for a, p := range next {
		if w.Active[a] != p {
			changed = append(changed, a)
		}
	}
	for a := range w.Active {
		if _, ok := next[a]; !ok {
			changed = append(changed, a)
		}
	}
	slices.SortFunc(changed, func(a, b chain.Address) int { return slices.Compare(a[:], b[:]) })
	updates := make([]abci.ValidatorUpdate, 0, len(changed))
	for _, a := range changed {
		if v := byCons[a]; v != nil {
			updates = append(updates, abci.Ed25519ValidatorUpdate(v.PubKey, next[a]))
		}
	}
	w.Active = next
	return updates
}
