package consensus

import (
	"testing"

	"github.com/quadrant-da/quadrant/blobs"
	"github.com/quadrant-da/quadrant/chain"
)

// FuzzCheckTx feeds arbitrary bytes through the whole CheckTx decision
// (decode, stateless checks, apply): it must never panic, and whatever it
// admits must really be a correctly signed transaction of this chain.
func FuzzCheckTx(f *testing.F) {
	f.Add(transferTx(f, alice, 0, bob.addr, 1))
	f.Add(pfbTx(f, alice, 0, []*blobs.Blob{testBlob(f, 1, 100)}))
	f.Add(pfbTx(f, bob, 0, []*blobs.Blob{testBlob(f, 1, 10), testBlob(f, 2, 600)}))
	drt, _ := (&blobs.DataRootTx{DataRoot: make([]byte, 32), SquareSize: 4}).Marshal()
	f.Add(drt)
	f.Add([]byte{})
	f.Add([]byte("\x00QTX\x01"))
	f.Add(stakeTx(f, alice, 0, createMsg(f, alice, consKey("a"), 2*pr)))
	f.Add(stakeTx(f, alice, 0, chain.StakeMsg{Delegate: &chain.Delegation{Validator: alice.addr, Amount: 7}}))
	f.Add(stakeTx(f, bob, 0, chain.StakeMsg{Undelegate: &chain.Delegation{Validator: alice.addr, Amount: 7}}))
	f.Add(stakeTx(f, bob, 0, chain.StakeMsg{Unjail: true}))
	f.Add(stakeTx(f, alice, 0, chain.StakeMsg{WithdrawRewards: &alice.addr}))
	f.Add(stakeTx(f, bob, 0, chain.StakeMsg{EditValidator: &chain.EditValidator{Moniker: "x"}}))
	params := chain.DefaultParams()
	params.MaxSquareSize = 8
	base := Accounts{alice.addr: {Balance: richBalance}, bob.addr: {Balance: 5}}
	staked := genesisStaking(GenesisStaking{Params: chain.DefaultStakingParams(),
		Validators: []GenesisValidator{genesisVal(alice, consKey("alice"), 10*pr)}})
	f.Fuzz(func(t *testing.T, raw []byte) {
		d, terr := decodeTx(raw, params)
		if terr != nil {
			if terr.Code == chain.CodeOK || terr.Error() == "" {
				t.Fatalf("rejection without code or message: %+v", terr)
			}
			return
		}
		if terr := validateStateless(d, params, testChainID); terr != nil {
			if terr.Code == chain.CodeOK {
				t.Fatalf("rejection with code 0: %v", terr)
			}
			return
		}
		if d.stake != nil {
			if err := d.stake.VerifySignature(); err != nil || d.stake.ChainID != testChainID {
				t.Fatalf("admitted a staking tx that does not verify: %v", err)
			}
		} else if err := d.tx.VerifySignature(); err != nil || d.tx.ChainID != testChainID {
			t.Fatalf("admitted a tx that does not verify: %v", err)
		}
		l := newLedger(testBase{Accounts: base, st: staked})
		if terr := applyTx(l, d); terr != nil && (terr.Code == chain.CodeOK || terr.Error() == "") {
			t.Fatalf("rejection without code or message: %+v", terr)
		}
	})
}
