package consensus

import (
	"cmp"
	"fmt"
	"slices"

	"github.com/quadrant-da/quadrant/chain"
)

// stakingQuery answers the staking queries of App.Query from st (the
// committed staking state, never modified here).
func stakingQuery(st *Staking, now int64, parts []string) (any, error) {
	switch {
	case len(parts) == 1 && parts[0] == "validators":
		return validatorInfos(st), nil
	case len(parts) == 2 && parts[0] == "staking" && parts[1] == "params":
		return st.Params, nil
	case len(parts) == 2 && parts[0] == "stake":
		addr, err := chain.ParseAddress(parts[1])
		if err != nil {
			return nil, err
		}
		return stakeOf(st, addr), nil
	}
	return nil, fmt.Errorf("consensus: unknown staking query %q, want /validators, /stake/<hex> or /staking/params", parts)
}

// validatorInfos lists every validator (active or not) by power, highest
// first, then by consensus address.
func validatorInfos(st *Staking) []chain.ValidatorInfo {
	out := make([]chain.ValidatorInfo, 0, len(st.Validators))
	for _, v := range st.Validators {
		cons := v.ConsAddress()
		_, active := st.Active[cons]
		out = append(out, chain.ValidatorInfo{
			Address: cons[:], Operator: v.Operator[:], PubKey: v.PubKey, Moniker: v.Moniker,
			Commission: v.CommissionBps, EthAddress: v.EthAddress, Tokens: v.Tokens, Power: st.Power(v),
			Active: active, Jailed: v.Jailed, JailedUntil: v.JailedUntil / 1e9, Tombstoned: v.Tombstoned,
		})
	}
	slices.SortFunc(out, func(a, b chain.ValidatorInfo) int {
		if c := cmp.Compare(b.Power, a.Power); c != 0 {
			return c
		}
		return slices.Compare(a.Address, b.Address)
	})
	return out
}

// stakeOf is what addr has bonded, unbonding and earned.
func stakeOf(st *Staking, addr chain.Address) chain.StakeInfo {
	info := chain.StakeInfo{Address: addr[:], Delegations: []chain.DelegationInfo{}, Entries: []chain.UnbondingInfo{}}
	for _, val := range sortedAddrs(st.Delegations) {
		d := st.Delegations[val][addr]
		v := st.Validators[val]
		if d == nil || v == nil {
			continue
		}
		tokens, reward := tokensOf(v, d.Shares), pendingReward(v, d)
		info.Bonded = saturatingAdd(info.Bonded, tokens)
		info.Rewards = saturatingAdd(info.Rewards, reward)
		info.Delegations = append(info.Delegations, chain.DelegationInfo{Validator: val[:], Tokens: tokens, Rewards: reward})
	}
	for _, e := range st.Unbonding {
		if e.Delegator == addr {
			info.Unbonding = saturatingAdd(info.Unbonding, e.Balance)
			info.Entries = append(info.Entries, chain.UnbondingInfo{Validator: e.Validator[:], Balance: e.Balance,
				CompletionUnix: e.CompletionTime / 1e9})
		}
	}
	return info
}
