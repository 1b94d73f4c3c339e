package consensus

import (
	"strings"
	"testing"
	"time"

	"github.com/cometbft/cometbft/crypto/secp256k1"

	"github.com/quadrant-da/quadrant/chain"
)

// TestStakeCheckTxRejections: every way a staking tx is refused by
// CheckTx, each with its code and a message that says what was wrong.
func TestStakeCheckTxRejections(t *testing.T) {
	g := genesisFor(chain.DefaultParams(), alice, bob, carol)
	g.Accounts = append(g.Accounts, GenesisAccount{Address: dave.addr.String(), Balance: chain.DefaultFixedTxGas + 10})
	g.Staking.Params = chain.DefaultStakingParams()
	g.Staking.Validators = []GenesisValidator{
		genesisVal(alice, consKey("alice"), 10*pr),
		genesisVal(carol, consKey("carol"), 10*pr),
		genesisVal(dave, consKey("dave"), 10*pr),
	}
	app := newTestApp(t, "", g)
	// carol's validator is jailed for a while, dave's is tombstoned.
	app.committed.Staking.Validators[carol.addr].Jailed = true
	app.committed.Staking.Validators[carol.addr].JailedUntil = time.Now().Add(time.Hour).UnixNano()
	app.committed.Staking.Validators[dave.addr].Jailed = true
	app.committed.Staking.Validators[dave.addr].Tombstoned = true

	secpKey := createMsg(t, bob, consKey("bob"), 2*pr)
	secpKey.CreateValidator.ConsKeyType = secp256k1.KeyType
	secpKey.CreateValidator.ConsPubKey = secp256k1.GenPrivKeySecp256k1([]byte("x")).PubKey().Bytes()
	wrongPop := createMsg(t, bob, consKey("bob"), 2*pr)
	wrongPop.CreateValidator.ProofOfPossession = createMsg(t, carol, consKey("bob"), 2*pr).CreateValidator.ProofOfPossession
	usedKey := createMsg(t, bob, consKey("alice"), 2*pr)
	tombstonedKey := createMsg(t, bob, consKey("dave"), 2*pr)
	del := func(v chain.Address, amount uint64) chain.StakeMsg {
		return chain.StakeMsg{Delegate: &chain.Delegation{Validator: v, Amount: amount}}
	}
	tests := []struct {
		name     string
		tx       []byte
		wantCode uint32
		wantLog  string
	}{
		{"garbage after magic", []byte("\x00QSK\x01junk"), chain.CodeDecode, "invalid staking tx"},
		{"consensus key not ed25519", stakeTx(t, bob, 0, secpKey), chain.CodeConsensusKey, "consensus key is secp256k1 (33 bytes), CometBFT validators here use ed25519"},
		{"bad proof of possession", stakeTx(t, bob, 0, wrongPop), chain.CodeProofOfPossession, "proof of possession does not verify"},
		{"consensus key in use", stakeTx(t, bob, 0, usedKey), chain.CodeConsensusKey, "already used by a validator"},
		{"consensus key tombstoned", stakeTx(t, bob, 0, tombstonedKey), chain.CodeValidatorTombstoned, "which double-signed: the key can never validate again"},
		{"self-bond below minimum", stakeTx(t, bob, 0, createMsg(t, bob, consKey("bob"), pr-1)), chain.CodeSelfBond, "self-bond 999999, the minimum is 1000000"},
		{"self-bond over balance", stakeTx(t, bob, 0, createMsg(t, bob, consKey("bob"), richBalance)), chain.CodeInsufficientFunds, "the self-bond is 1099511627776"},
		{"operator runs a validator", stakeTx(t, alice, 0, createMsg(t, alice, consKey("alice2"), 2*pr)), chain.CodeValidatorExists, "operator already runs a validator"},
		{"delegate to unknown validator", stakeTx(t, bob, 0, del(bob.addr, 5)), chain.CodeUnknownValidator, "runs no validator"},
		{"delegate to jailed validator", stakeTx(t, bob, 0, del(carol.addr, 5)), chain.CodeValidatorJailed, "is jailed; delegate after it unjails"},
		{"delegate to tombstoned validator", stakeTx(t, bob, 0, del(dave.addr, 5)), chain.CodeValidatorTombstoned, "can never validate again"},
		{"delegate over balance", stakeTx(t, bob, 0, del(alice.addr, richBalance)), chain.CodeInsufficientFunds, "delegating 1099511627776"},
		{"delegate zero", stakeTx(t, bob, 0, del(alice.addr, 0)), chain.CodeStakeAmount, "delegating 0 tokens"},
		{"fee over balance", stakeTx(t, bob, 0, del(alice.addr, 1), func(tx *chain.StakeTx) { tx.GasPrice = 1 << 30 }), chain.CodeInsufficientFunds, "insufficient funds"},
		{"undelegate without delegation", stakeTx(t, bob, 0, chain.StakeMsg{Undelegate: &chain.Delegation{Validator: alice.addr, Amount: 1}}), chain.CodeStakeAmount, "has no delegation"},
		{"undelegate more than bonded", stakeTx(t, alice, 0, chain.StakeMsg{Undelegate: &chain.Delegation{Validator: alice.addr, Amount: 10*pr + 1}}), chain.CodeStakeAmount, "the delegation is worth 10000000"},
		{"unjail unknown validator", stakeTx(t, bob, 0, chain.StakeMsg{Unjail: true}), chain.CodeUnknownValidator, "runs no validator"},
		{"unjail not jailed", stakeTx(t, alice, 0, chain.StakeMsg{Unjail: true}), chain.CodeValidatorJailed, "validator is not jailed"},
		{"unjail too early", stakeTx(t, carol, 0, chain.StakeMsg{Unjail: true}), chain.CodeValidatorJailed, "is jailed until"},
		{"unjail tombstoned", stakeTx(t, dave, 0, chain.StakeMsg{Unjail: true}), chain.CodeValidatorTombstoned, "can never be unjailed"},
		{"edit without validator", stakeTx(t, bob, 0, chain.StakeMsg{EditValidator: &chain.EditValidator{EthAddress: make([]byte, 20)}}), chain.CodeUnknownValidator, "runs no validator"},
		{"wrong chain", stakeTx(t, bob, 0, del(alice.addr, 1), func(tx *chain.StakeTx) { tx.ChainID = "other" }), chain.CodeChainID, "wrong chain id"},
		{"gas limit below fixed", stakeTx(t, bob, 0, del(alice.addr, 1), func(tx *chain.StakeTx) { tx.GasLimit = 5 }), chain.CodeGas, "gas limit 5, the tx needs 65000"},
		{"withdraw without delegation", stakeTx(t, bob, 0, chain.StakeMsg{WithdrawRewards: &alice.addr}), chain.CodeStakeAmount, "has no delegation to validator"},
		{"wrong sequence", stakeTx(t, bob, 3, del(alice.addr, 1)), chain.CodeSequence, "expected 0, got 3"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, log := checkTx(t, app, tt.tx)
			t.Logf("code %d: %s", code, log)
			if code != tt.wantCode || !strings.Contains(log, tt.wantLog) {
				t.Fatalf("CheckTx = code %d log %q, want code %d log containing %q", code, log, tt.wantCode, tt.wantLog)
			}
		})
	}
	// Nothing above was admitted; valid staking txs are.
	for _, raw := range [][]byte{
		stakeTx(t, bob, 0, createMsg(t, bob, consKey("bob"), 2*pr)),
		stakeTx(t, bob, 1, del(alice.addr, 5)),
		stakeTx(t, alice, 0, chain.StakeMsg{EditValidator: &chain.EditValidator{EthAddress: make([]byte, 20)}}),
	} {
		if code, log := checkTx(t, app, raw); code != chain.CodeOK {
			t.Fatalf("valid staking tx rejected: %d %s", code, log)
		}
	}
}
