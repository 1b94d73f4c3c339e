package consensus

import (
	"errors"
	"strings"
	"testing"

	"github.com/quadrant-da/quadrant/chain"
)

const (
	addrA = "00000000000000000000000000000000000000aa"
	addrB = "00000000000000000000000000000000000000bb"
)

func TestParseGenesisState(t *testing.T) {
	tests := []struct {
		name    string
		json    string
		wantErr string // substring; "" = valid
	}{
		{"valid", `{"accounts":[{"address":"` + addrA + `","balance":5},{"address":"0x` + addrB + `","balance":7}],
			"params":{"max_square_size":64,"min_gas_price":1,"gas_per_blob_byte":8,"fixed_tx_gas":65000,"max_tx_bytes":0}}`, ""},
		{"no accounts", `{"accounts":[],"params":{"max_square_size":128}}`, ""},
		{"bad hex", `{"accounts":[{"address":"zz","balance":1}],"params":{"max_square_size":128}}`, "not hex"},
		{"short address", `{"accounts":[{"address":"aabb","balance":1}],"params":{"max_square_size":128}}`, "2 bytes, want 20"},
		{"duplicate", `{"accounts":[{"address":"` + addrA + `","balance":1},{"address":"` + addrA + `","balance":2}],"params":{"max_square_size":128}}`, "appears twice"},
		{"overflow", `{"accounts":[{"address":"` + addrA + `","balance":18446744073709551615},{"address":"` + addrB + `","balance":1}],"params":{"max_square_size":128}}`, "overflows"},
		{"bad params", `{"accounts":[],"params":{"max_square_size":100}}`, "power of two"},
		{"missing params", `{"accounts":[]}`, "max square size 0"},
		{"unknown field", `{"accounts":[],"params":{"max_square_size":128,"max_sqaure":1}}`, "unknown field"},
		{"trailing data", `{"accounts":[],"params":{"max_square_size":128}} {}`, "trailing data"},
		{"not json", `nope`, "decoding app_state"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g, err := ParseGenesisState([]byte(tt.json))
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("ParseGenesisState: %v", err)
				}
				if err := g.Validate(); err != nil {
					t.Fatalf("Validate after parse: %v", err)
				}
				return
			}
			if err == nil {
				t.Fatalf("ParseGenesisState succeeded, want error containing %q", tt.wantErr)
			}
			if !errors.Is(err, ErrInvalidGenesis) || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("error %q, want ErrInvalidGenesis containing %q", err, tt.wantErr)
			}
		})
	}
}

func TestGenesisRoundTrip(t *testing.T) {
	g := DefaultGenesisState()
	g.Accounts = append(g.Accounts, GenesisAccount{Address: addrA, Balance: 42})
	b, err := g.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	back, err := ParseGenesisState(b)
	if err != nil {
		t.Fatalf("parse of marshalled genesis: %v\n%s", err, b)
	}
	if back.Params != g.Params || len(back.Accounts) != 1 || back.Accounts[0] != g.Accounts[0] {
		t.Fatalf("round trip: got %+v, want %+v", back, g)
	}
	st, err := genesisToState("c", back)
	if err != nil {
		t.Fatal(err)
	}
	a, _ := chain.ParseAddress(addrA)
	if st.Accounts[a].Balance != 42 || st.Height != 0 || len(st.AppHash) != 32 {
		t.Fatalf("state from genesis: %+v", st)
	}
}
