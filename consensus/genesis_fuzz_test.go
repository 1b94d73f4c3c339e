package consensus

import (
	"testing"

	"github.com/quadrant-da/quadrant/chain"
)

// FuzzParseGenesisState: any input either fails cleanly or yields a state
// that validates and turns into a genesis State.
func FuzzParseGenesisState(f *testing.F) {
	g := genesisFor(chain.DefaultParams(), alice, bob)
	b, _ := g.Marshal()
	f.Add(b)
	f.Add([]byte(`{"accounts":[],"params":{"max_square_size":1}}`))
	f.Add([]byte(`{}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		g, err := ParseGenesisState(b)
		if err != nil {
			return
		}
		if err := g.Validate(); err != nil {
			t.Fatalf("parsed genesis does not validate: %v", err)
		}
		if _, err := genesisToState("c", g); err != nil {
			t.Fatalf("valid genesis has no state: %v", err)
		}
	})
}
