package consensus

import (
	"bytes"
	"testing"

	"github.com/quadrant-da/quadrant/blobs"
	"github.com/quadrant-da/quadrant/chain"
)

// FuzzProcessProposal splits fuzz input into a block's transactions and runs
// the validator's decision on it: it must never panic, and an accepted block
// must end with a data-root tx that matches a square rebuilt from the rest.
func FuzzProcessProposal(f *testing.F) {
	params := chain.DefaultParams()
	params.MaxSquareSize = 8
	sep := []byte("\xff\xfe|")
	join := func(txs ...[]byte) []byte { return bytes.Join(txs, sep) }
	t0 := transferTx(f, alice, 0, bob.addr, 1)
	p0 := pfbTx(f, alice, 1, []*blobs.Blob{testBlob(f, 1, 100)})
	sq, _ := blobs.Construct([][]byte{t0, p0}, params.MaxSquareSize)
	root, _ := squareDataRoot(sq)
	drt, _ := (&blobs.DataRootTx{DataRoot: root, SquareSize: uint64(sq.Size())}).Marshal()
	f.Add(join(t0, p0, drt))
	f.Add(join(p0, t0, drt))
	f.Add(join(drt))
	f.Add([]byte{})
	base := Accounts{alice.addr: {Balance: richBalance}}
	check := func(raw []byte) (*decodedTx, *txError) {
		d, terr := decodeTx(raw, params)
		if terr != nil {
			return nil, terr
		}
		if terr := validateStateless(d, params, testChainID); terr != nil {
			return nil, terr
		}
		return d, nil
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		txs := bytes.Split(b, sep)
		if len(b) == 0 {
			txs = nil
		}
		plan, err := processBlock(base, txs, params, check)
		if err != nil {
			return
		}
		d, err := blobs.DecodeDataRootTx(txs[len(txs)-1])
		if err != nil || !bytes.Equal(d.DataRoot, plan.dataRoot) || d.SquareSize != uint64(plan.squareSize) {
			t.Fatalf("accepted block whose data-root tx does not match: %v", err)
		}
	})
}
