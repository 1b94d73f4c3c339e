package consensus

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	abci "github.com/cometbft/cometbft/abci/types"

	"github.com/quadrant-da/quadrant/blobs"
	"github.com/quadrant-da/quadrant/chain"
)

// fakeTx is a decoded transaction for the pure ordering tests.
func fakeTx(signer byte, seq, price uint64, isBlob bool, order int) *decodedTx {
	return &decodedTx{
		tx:     &blobs.Tx{Sequence: seq, GasPrice: price},
		signer: addr(signer),
		isBlob: isBlob,
		order:  order,
		raw:    []byte(fmt.Sprintf("%d/%d", signer, seq)),
	}
}

func names(ds []*decodedTx) string {
	var out []string
	for _, d := range ds {
		kind := "t"
		if d.isBlob {
			kind = "b"
		}
		out = append(out, fmt.Sprintf("%s%d.%d", kind, d.signer[19], d.tx.Sequence))
	}
	return strings.Join(out, " ")
}

func TestOrderTxs(t *testing.T) {
	tests := []struct {
		name string
		in   []*decodedTx
		want string
	}{
		{"by gas price across signers",
			[]*decodedTx{fakeTx(1, 0, 1, false, 0), fakeTx(2, 0, 5, false, 1), fakeTx(3, 0, 3, false, 2)},
			"t2.0 t3.0 t1.0"},
		{"signer keeps nonce order although its later tx pays more",
			[]*decodedTx{fakeTx(1, 0, 1, false, 0), fakeTx(1, 1, 10, false, 1), fakeTx(2, 0, 5, false, 2)},
			"t2.0 t1.0 t1.1"},
		{"a signer's txs are sorted by sequence, not arrival",
			[]*decodedTx{fakeTx(1, 1, 4, false, 0), fakeTx(1, 0, 4, false, 1)},
			"t1.0 t1.1"},
		{"equal prices keep arrival order",
			[]*decodedTx{fakeTx(3, 0, 2, false, 0), fakeTx(1, 0, 2, false, 1), fakeTx(2, 0, 2, false, 2)},
			"t3.0 t1.0 t2.0"},
		{"ordinary txs before blob txs",
			[]*decodedTx{fakeTx(1, 0, 9, true, 0), fakeTx(2, 0, 1, false, 1), fakeTx(3, 0, 5, true, 2)},
			"t2.0 b1.0 b3.0"},
		{"ordinary tx after its signer's blob tx waits for the next block",
			[]*decodedTx{fakeTx(1, 0, 3, false, 0), fakeTx(1, 1, 3, true, 1), fakeTx(1, 2, 3, false, 2), fakeTx(1, 3, 3, true, 3)},
			"t1.0 b1.1"},
		{"interleaved signers",
			[]*decodedTx{fakeTx(1, 0, 2, false, 0), fakeTx(2, 0, 3, false, 1), fakeTx(1, 1, 5, false, 2), fakeTx(2, 1, 1, false, 3)},
			"t2.0 t1.0 t1.1 t2.1"},
		{"empty", nil, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := names(orderTxs(tt.in)); got != tt.want {
				t.Fatalf("orderTxs = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestCompactSharesFor(t *testing.T) {
	tests := []struct{ n, want int }{{0, 0}, {1, 1}, {474, 1}, {475, 2}, {474 + 478, 2}, {474 + 479, 3}}
	for _, tt := range tests {
		if got := compactSharesFor(tt.n); got != tt.want {
			t.Errorf("compactSharesFor(%d) = %d, want %d", tt.n, got, tt.want)
		}
	}
	// Cross-check against the real splitter.
	for _, size := range []int{1, 100, 470, 473, 474, 475, 1000, 5000} {
		tx := bytes.Repeat([]byte{1}, size)
		if got, want := compactSharesFor(unitLen(size)), len(blobs.SplitTxs([][]byte{tx})); got != want {
			t.Errorf("tx of %d bytes: compactSharesFor = %d, SplitTxs makes %d shares", size, got, want)
		}
	}
}

// blockBody returns the block's txs without the data-root tx, which must be
// last.
func blockBody(t *testing.T, txs [][]byte) [][]byte {
	t.Helper()
	if len(txs) == 0 || !blobs.IsDataRootTx(txs[len(txs)-1]) {
		t.Fatal("block does not end with a data-root tx")
	}
	return txs[:len(txs)-1]
}

func indexOf(txs [][]byte, tx []byte) int {
	return slices.IndexFunc(txs, func(x []byte) bool { return bytes.Equal(x, tx) })
}

func TestPrepareProposalOrdering(t *testing.T) {
	app := newTestApp(t, "", genesisFor(chain.DefaultParams(), alice, bob, carol))
	a0 := transferTx(t, alice, 0, dave.addr, 1, withGasPrice(1))
	a1 := transferTx(t, alice, 1, dave.addr, 1, withGasPrice(50)) // pays more but must follow a0
	b0 := transferTx(t, bob, 0, dave.addr, 1, withGasPrice(10))
	c0 := pfbTx(t, carol, 0, []*blobs.Blob{testBlob(t, 1, 600)}, withGasPrice(100))
	txs, fin := produceBlock(t, app, 1, [][]byte{c0, a1, a0, b0})
	body := blockBody(t, txs)
	want := [][]byte{b0, a0, a1, c0}
	if len(body) != len(want) {
		t.Fatalf("block has %d txs, want %d", len(body), len(want))
	}
	for i := range want {
		if !bytes.Equal(body[i], want[i]) {
			t.Fatalf("tx %d out of order (want b0 a0 a1 c0)", i)
		}
	}
	for i, r := range fin.TxResults {
		if r.Code != chain.CodeOK {
			t.Fatalf("tx %d failed: %s", i, r.Log)
		}
	}
}

func TestPrepareProposalDropsDependants(t *testing.T) {
	params := chain.DefaultParams()
	poor := newKey("poor")
	g := genesisFor(params, alice)
	// poor can pay one transfer fee, not two.
	g.Accounts = append(g.Accounts, GenesisAccount{Address: poor.addr.String(), Balance: params.FixedTxGas + params.FixedTxGas/2})
	app := newTestApp(t, "", g)

	p0 := transferTx(t, poor, 0, dave.addr, 0)
	p1 := transferTx(t, poor, 1, dave.addr, 0)   // cannot pay: dropped
	p2 := transferTx(t, poor, 2, dave.addr, 0)   // depends on p1: dropped
	a0 := transferTx(t, alice, 0, dave.addr, 1)  // unaffected
	a2 := transferTx(t, alice, 2, dave.addr, 1)  // gap: dropped
	a3 := transferTx(t, alice, 3, dave.addr, 1)  // after the gap: dropped
	bad := transferTx(t, carol, 0, dave.addr, 1) // no funds
	junk := []byte("not a transaction")          // undecodable
	txs, _ := produceBlock(t, app, 1, [][]byte{p0, p1, p2, a0, a2, a3, bad, junk})
	body := blockBody(t, txs)
	if len(body) != 2 || indexOf(body, p0) < 0 || indexOf(body, a0) < 0 {
		t.Fatalf("block has %d txs, want exactly poor#0 and alice#0", len(body))
	}
}

func TestPrepareProposalFitsSquare(t *testing.T) {
	params := chain.DefaultParams()
	params.MaxSquareSize = 4 // 16 shares
	app := newTestApp(t, "", genesisFor(params, alice, bob, carol, dave))
	// Each blob of 5 shares needs 5 + (width 4 − 1) worst-case shares, plus
	// the pay-for-blob shares: at most one per signer's tx fits beside another.
	size := 4*482 + 478 // 5 shares
	var mempool [][]byte
	for i, k := range []testKey{alice, bob, carol, dave} {
		mempool = append(mempool, pfbTx(t, k, 0, []*blobs.Blob{testBlob(t, byte(i+1), size)}, withGasPrice(uint64(10-i))))
	}
	txs, _ := produceBlock(t, app, 1, mempool)
	body := blockBody(t, txs)
	if len(body) == 0 || len(body) == len(mempool) {
		t.Fatalf("block kept %d of %d blob txs, want some but not all to fit a 4×4 square", len(body), len(mempool))
	}
	// The highest-paying ones are kept.
	for i := range body {
		if !bytes.Equal(body[i], mempool[i]) {
			t.Fatalf("kept tx %d is not the %d-th highest paying", i, i)
		}
	}
	drt, err := blobs.DecodeDataRootTx(txs[len(txs)-1])
	if err != nil || drt.SquareSize != 4 {
		t.Fatalf("data-root tx %+v, %v; want square size 4", drt, err)
	}
	// What was left out stays valid and goes into the next blocks.
	rest := mempool[len(body):]
	for h := int64(2); len(rest) > 0 && h < 6; h++ {
		txs, _ := produceBlock(t, app, h, rest)
		rest = rest[len(blockBody(t, txs)):]
	}
	if len(rest) != 0 {
		t.Fatalf("%d blob txs never included", len(rest))
	}
}

func TestPrepareProposalRespectsMaxTxBytes(t *testing.T) {
	app := newTestApp(t, "", genesisFor(chain.DefaultParams(), alice, bob))
	a0 := pfbTx(t, alice, 0, []*blobs.Blob{testBlob(t, 1, 3000)}, withGasPrice(2))
	b0 := pfbTx(t, bob, 0, []*blobs.Blob{testBlob(t, 2, 3000)})
	limit := int64(len(a0) + 500)
	res, err := app.PrepareProposal(context.Background(), &abci.RequestPrepareProposal{Txs: [][]byte{a0, b0}, Height: 1, MaxTxBytes: limit})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Txs) != 2 || !bytes.Equal(res.Txs[0], a0) {
		t.Fatalf("got %d txs, want the higher-paying blob tx and the data-root tx", len(res.Txs))
	}
	var total int64
	for _, tx := range res.Txs {
		total += int64(1 + unitLen(len(tx)))
	}
	if total > limit {
		t.Fatalf("proposal is %d bytes, limit %d", total, limit)
	}
}

// honestBlock returns txs followed by the data-root tx of their square.
func honestBlock(t *testing.T, params chain.Params, txs [][]byte) [][]byte {
	t.Helper()
	sq, err := blobs.Construct(txs, params.MaxSquareSize)
	if err != nil {
		t.Fatal(err)
	}
	root, err := squareDataRoot(sq)
	if err != nil {
		t.Fatal(err)
	}
	drt, err := (&blobs.DataRootTx{DataRoot: root, SquareSize: uint64(sq.Size())}).Marshal()
	if err != nil {
		t.Fatal(err)
	}
	return append(slices.Clone(txs), drt)
}

func TestProcessProposal(t *testing.T) {
	params := chain.DefaultParams()
	app := newTestApp(t, "", genesisFor(params, alice, bob))
	a0 := transferTx(t, alice, 0, bob.addr, 5)
	a1 := pfbTx(t, alice, 1, []*blobs.Blob{testBlob(t, 1, 2000), testBlob(t, 2, 10)})
	b0 := pfbTx(t, bob, 0, []*blobs.Blob{testBlob(t, 3, 700)})
	prep, err := app.PrepareProposal(context.Background(), &abci.RequestPrepareProposal{Txs: [][]byte{a0, a1, b0}, Height: 1})
	if err != nil {
		t.Fatal(err)
	}
	honest := prep.Txs
	if len(honest) != 4 {
		t.Fatalf("honest proposal has %d txs, want 4", len(honest))
	}
	drt := honest[3]
	body := honest[:3]
	mutDRT := func(f func(d *blobs.DataRootTx)) []byte {
		d, err := blobs.DecodeDataRootTx(drt)
		if err != nil {
			t.Fatal(err)
		}
		d.DataRoot = slices.Clone(d.DataRoot)
		f(d)
		// Encode by hand: Marshal refuses invalid square sizes.
		b, err := d.Marshal()
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	cat := func(parts ...[][]byte) [][]byte { return slices.Concat(parts...) }
	badSig := func() []byte {
		tx, _ := blobs.DecodeTx(a0)
		tx.Signature[3] ^= 1
		raw, _ := tx.Marshal()
		return raw
	}

	tests := []struct {
		name   string
		txs    [][]byte
		accept bool
		reason string
	}{
		{"honest", honest, true, ""},
		{"empty block with the empty data root", honestBlock(t, params, nil), true, ""},
		{"wrong data root", cat(body, [][]byte{mutDRT(func(d *blobs.DataRootTx) { d.DataRoot[0] ^= 1 })}), false, "data root is"},
		{"wrong square size", cat(body, [][]byte{mutDRT(func(d *blobs.DataRootTx) { d.SquareSize *= 2 })}), false, "square size is"},
		{"no data-root tx", body, false, "not a data-root transaction"},
		{"no txs at all", nil, false, "no data-root transaction"},
		{"data-root tx duplicated", cat(body, [][]byte{drt, drt}), false, "data-root transaction at index 3"},
		{"data-root tx first", cat([][]byte{drt}, body), false, "not a data-root transaction"},
		{"data-root tx first and last", cat([][]byte{drt}, body, [][]byte{drt}), false, "data-root transaction at index 0"},
		{"sequence gap", honestBlock(t, params, [][]byte{transferTx(t, alice, 1, bob.addr, 1)}), false, "incorrect account sequence: expected 0, got 1"},
		{"valid txs in another valid order", honestBlock(t, params, [][]byte{a0, b0, a1}), true, ""},
		{"tx out of sequence order", honestBlock(t, params, [][]byte{transferTx(t, alice, 1, bob.addr, 1), transferTx(t, alice, 0, bob.addr, 1)}), false, "incorrect account sequence"},
		{"bad signature", honestBlock(t, params, [][]byte{badSig()}), false, "bad signature"},
		{"unfunded signer", honestBlock(t, params, [][]byte{transferTx(t, carol, 0, bob.addr, 1)}), false, "insufficient funds"},
		{"undecodable tx", honestBlock(t, params, [][]byte{[]byte("junk")}), false, "does not decode"},
		{"blob tx before ordinary tx", cat([][]byte{b0, a0}, [][]byte{drt}), false, "constructing the square"},
		{"replayed tx", honestBlock(t, params, [][]byte{a0, a0}), false, "incorrect account sequence"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := app.ProcessProposal(context.Background(), &abci.RequestProcessProposal{Txs: tt.txs, Height: 1})
			if err != nil {
				t.Fatal(err)
			}
			if got := res.Status == abci.ResponseProcessProposal_ACCEPT; got != tt.accept {
				t.Fatalf("accepted = %v, want %v", got, tt.accept)
			}
			if tt.accept {
				return
			}
			// The pure decision names the reason.
			app.stateMu.RLock()
			_, perr := processBlock(lockedReader{a: app}, tt.txs, params, app.checkerLocked())
			app.stateMu.RUnlock()
			if perr == nil || !strings.Contains(perr.Error(), tt.reason) {
				t.Fatalf("processBlock error %v, want one containing %q", perr, tt.reason)
			}
		})
	}
}

func TestBadDataRootProposerIsRejected(t *testing.T) {
	g := genesisFor(chain.DefaultParams(), alice)
	bad := newTestApp(t, "", g, func(c *AppConfig) { c.BadDataRootForTesting = true })
	honest := newTestApp(t, "", g)
	mempool := [][]byte{pfbTx(t, alice, 0, []*blobs.Blob{testBlob(t, 1, 100)})}
	for _, txs := range [][][]byte{mempool, nil} {
		prep, err := bad.PrepareProposal(context.Background(), &abci.RequestPrepareProposal{Txs: txs, Height: 1})
		if err != nil {
			t.Fatal(err)
		}
		res, err := honest.ProcessProposal(context.Background(), &abci.RequestProcessProposal{Txs: prep.Txs, Height: 1})
		if err != nil {
			t.Fatal(err)
		}
		if res.Status != abci.ResponseProcessProposal_REJECT {
			t.Fatalf("proposal with %d txs and a wrong data root was accepted", len(txs))
		}
	}
	// The honest app's own proposal of the same mempool is accepted by itself.
	produceBlock(t, honest, 1, mempool)
}

// TestSquareBudgetMatchesBuilder checks the proposer's worst-case share
// budget against the square builder itself: for random mixes of ordinary
// and blob txs, both greedily keep exactly the same txs, so the builder
// never has to leave out a tx the budget admitted.
func TestSquareBudgetMatchesBuilder(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for round := range 30 {
		params := chain.DefaultParams()
		params.MaxSquareSize = []int{2, 4, 8, 16}[round%4]
		var decoded []*decodedTx
		var genesis []testKey
		for i := range 12 {
			k := newKey(fmt.Sprintf("budget-%d-%d", round, i))
			genesis = append(genesis, k)
			var raw []byte
			if rng.IntN(3) == 0 {
				raw = transferTx(t, k, 0, bob.addr, 1)
			} else {
				var bs []*blobs.Blob
				for j := range 1 + rng.IntN(3) {
					bs = append(bs, testBlob(t, byte(j+1), 1+rng.IntN(params.MaxSquareSize*params.MaxSquareSize*200)))
				}
				raw = pfbTx(t, k, 0, bs)
			}
			d, terr := decodeTx(raw, params)
			if terr != nil {
				t.Fatal(terr)
			}
			d.order = i
			decoded = append(decoded, d)
		}
		base := Accounts{}
		for _, k := range genesis {
			base[k.addr] = Account{Balance: richBalance}
		}
		ordered := orderTxs(decoded)
		valid := func(d *decodedTx) *txError { return validateStateless(d, params, testChainID) }
		kept, _ := selectTxs(base, ordered, params, 0, nil, valid)
		all := make([][]byte, len(ordered))
		for i, d := range ordered {
			all[i] = d.raw
		}
		_, built, err := blobs.Build(all, params.MaxSquareSize)
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("round %d k=%d: %d of %d kept", round, params.MaxSquareSize, len(kept), len(ordered))
		if len(built) != len(kept) {
			t.Fatalf("round %d (k=%d): budget keeps %d txs, builder %d", round, params.MaxSquareSize, len(kept), len(built))
		}
		for i := range kept {
			if !bytes.Equal(kept[i].raw, built[i]) {
				t.Fatalf("round %d: tx %d differs between budget and builder", round, i)
			}
		}
	}
}
