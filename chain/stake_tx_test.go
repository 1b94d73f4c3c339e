package chain

import (
	"bytes"
	"errors"
	"testing"

	"github.com/cometbft/cometbft/crypto/ed25519"
	"github.com/cometbft/cometbft/crypto/secp256k1"
)

func sampleStakeTxs(t testing.TB) [][]byte {
	t.Helper()
	signer := secp256k1.GenPrivKeySecp256k1([]byte("op"))
	cons := ed25519.GenPrivKeyFromSecret([]byte("cons"))
	op, _ := AddressFromBytes(signer.PubKey().Address())
	pop, _ := cons.Sign(PossessionBytes("c", op))
	msgs := []StakeMsg{
		{CreateValidator: &CreateValidator{ConsKeyType: ed25519.KeyType, ConsPubKey: cons.PubKey().Bytes(), ProofOfPossession: pop,
			Moniker: "m", CommissionBps: 500, SelfBond: 1 << 40, EthAddress: bytes.Repeat([]byte{7}, 20)}},
		{EditValidator: &EditValidator{Moniker: "n"}},
		{Delegate: &Delegation{Validator: op, Amount: 5}},
		{Undelegate: &Delegation{Validator: op, Amount: 1 << 63}},
		{Unjail: true},
		{WithdrawRewards: &op},
	}
	var out [][]byte
	for _, m := range msgs {
		tx := &StakeTx{ChainID: "c", Sequence: 3, GasLimit: 65000, GasPrice: 2, Msg: m}
		if err := tx.Sign(signer); err != nil {
			t.Fatal(err)
		}
		raw, err := tx.Marshal()
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, raw)
	}
	return out
}

func TestStakeTxRoundTrip(t *testing.T) {
	for _, raw := range sampleStakeTxs(t) {
		tx, err := DecodeStakeTx(raw)
		if err != nil {
			t.Fatalf("decode: %v", err)
		}
		if err := tx.VerifySignature(); err != nil {
			t.Fatalf("%s: %v", tx.Msg.Name(), err)
		}
		again, err := tx.Marshal()
		if err != nil || !bytes.Equal(again, raw) {
			t.Fatalf("%s: re-encoding differs (%v)", tx.Msg.Name(), err)
		}
		// Any flipped byte breaks decoding or the signature.
		for i := range raw {
			bad := bytes.Clone(raw)
			bad[i] ^= 0x01
			if tx, err := DecodeStakeTx(bad); err == nil && tx.VerifySignature() == nil {
				t.Fatalf("%s: flipping byte %d still verifies", tx.Msg.Name(), i)
			}
		}
	}
	if _, err := DecodeStakeTx(append(sampleStakeTxs(t)[5], 0)); !errors.Is(err, errInvalidStakeTx) {
		t.Fatalf("trailing byte: %v", err)
	}
}

// FuzzDecodeStakeTx: any input either fails with errInvalidStakeTx or
// decodes to a tx whose canonical encoding is exactly the input.
func FuzzDecodeStakeTx(f *testing.F) {
	for _, raw := range sampleStakeTxs(f) {
		f.Add(raw)
	}
	f.Add([]byte("\x00QSK\x01"))
	f.Fuzz(func(t *testing.T, raw []byte) {
		tx, err := DecodeStakeTx(raw)
		if err != nil {
			if !errors.Is(err, errInvalidStakeTx) {
				t.Fatalf("error without the sentinel: %v", err)
			}
			return
		}
		again, err := tx.Marshal()
		if err != nil || !bytes.Equal(again, raw) {
			t.Fatalf("decoded tx re-encodes differently (%v)", err)
		}
	})
}
