package consensus

import (
	"bytes"
	"testing"

	"github.com/quadrant-da/quadrant/chain"
)

func addr(b byte) chain.Address { var a chain.Address; a[19] = b; return a }

func TestAppHash(t *testing.T) {
	p := chain.DefaultParams()
	base := Accounts{addr(1): {Balance: 10}, addr(2): {Balance: 20, Sequence: 3}}
	h := appHash(p, base, nil, nil)

	// Independent of how the same state is split between base and changes.
	split := appHash(p, Accounts{addr(1): {Balance: 10}}, map[chain.Address]Account{addr(2): {Balance: 20, Sequence: 3}}, nil)
	if !bytes.Equal(h, split) {
		t.Fatalf("app hash depends on base/changes split: %X vs %X", h, split)
	}
	// Deterministic across calls (map iteration order).
	for range 20 {
		if !bytes.Equal(h, appHash(p, base, nil, nil)) {
			t.Fatal("app hash not deterministic")
		}
	}
	// A zero account is the same as no account.
	if !bytes.Equal(h, appHash(p, base, map[chain.Address]Account{addr(9): {}}, nil)) {
		t.Fatal("a zero account changed the app hash")
	}
	// Every field of state is committed to.
	changed := []struct {
		name string
		hash []byte
	}{
		{"balance", appHash(p, base, map[chain.Address]Account{addr(1): {Balance: 11}}, nil)},
		{"sequence", appHash(p, base, map[chain.Address]Account{addr(1): {Balance: 10, Sequence: 1}}, nil)},
		{"new account", appHash(p, base, map[chain.Address]Account{addr(3): {Balance: 1}}, nil)},
		{"deleted account", appHash(p, base, map[chain.Address]Account{addr(2): {}}, nil)},
		{"params", appHash(chain.Params{MaxSquareSize: 64, MinGasPrice: 1, GasPerBlobByte: 8, FixedTxGas: 65000}, base, nil, nil)},
		{"max tx bytes", appHash(chain.Params{MaxSquareSize: 128, MinGasPrice: 1, GasPerBlobByte: 8, FixedTxGas: 65000, MaxTxBytes: 5}, base, nil, nil)},
	}
	for _, c := range changed {
		if bytes.Equal(h, c.hash) {
			t.Errorf("changing %s did not change the app hash", c.name)
		}
	}
}

func TestLedgerOverlay(t *testing.T) {
	base := Accounts{addr(1): {Balance: 10}}
	l := newLedger(base)
	l.Set(addr(1), Account{Balance: 4, Sequence: 1})
	l.Set(addr(2), Account{Balance: 6})
	if got := l.Account(addr(1)); got != (Account{Balance: 4, Sequence: 1}) {
		t.Fatalf("overlay read %+v", got)
	}
	if base[addr(1)].Balance != 10 {
		t.Fatal("ledger wrote through to its base")
	}
	st := &state{Accounts: Accounts{addr(1): {Balance: 10}, addr(3): {Balance: 1}}}
	st.Apply(map[chain.Address]Account{addr(1): {Balance: 4, Sequence: 1}, addr(3): {}})
	if _, ok := st.Accounts[addr(3)]; ok {
		t.Fatal("zeroed account not deleted")
	}
	if st.Accounts[addr(1)].Sequence != 1 {
		t.Fatal("change not applied")
	}
}

func TestAccountEncoding(t *testing.T) {
	a := Account{Balance: 1<<63 + 5, Sequence: 77}
	back, err := unmarshalAccount(a.marshal())
	if err != nil || back != a {
		t.Fatalf("round trip: %+v, %v", back, err)
	}
	if _, err := unmarshalAccount(make([]byte, 15)); err == nil {
		t.Fatal("15-byte account accepted")
	}
}

func TestExtendedIndex(t *testing.T) {
	tests := []struct{ index, k, want int }{
		{0, 4, 0}, {3, 4, 3}, {4, 4, 8}, {5, 4, 9}, {15, 4, 27}, {0, 1, 0},
	}
	for _, tt := range tests {
		if got := extendedIndex(tt.index, tt.k); got != tt.want {
			t.Errorf("extendedIndex(%d, %d) = %d, want %d", tt.index, tt.k, got, tt.want)
		}
	}
}
