package consensus

import (
	"bytes"
	"context"
	"encoding/json"
	"testing"

	abci "github.com/cometbft/cometbft/abci/types"
	"github.com/cometbft/cometbft/crypto"
	"github.com/cometbft/cometbft/crypto/ed25519"

	"github.com/quadrant-da/quadrant/blobs"
	"github.com/quadrant-da/quadrant/chain"
	"github.com/quadrant-da/quadrant/da"
)

const testChainID = "quadrant-test"

type testKey struct {
	priv crypto.PrivKey
	addr chain.Address
}

func newKey(name string) testKey {
	priv := ed25519.GenPrivKeyFromSecret([]byte(name))
	var a chain.Address
	copy(a[:], priv.PubKey().Address())
	return testKey{priv: priv, addr: a}
}

var (
	alice = newKey("alice")
	bob   = newKey("bob")
	carol = newKey("carol")
	dave  = newKey("dave")
)

func testNamespace(id byte) da.Namespace {
	ns, err := da.NewNamespaceV0([]byte{0xAB, id})
	if err != nil {
		panic(err)
	}
	return ns
}

func testBlob(t testing.TB, id byte, size int) *blobs.Blob {
	t.Helper()
	data := bytes.Repeat([]byte{id}, size)
	b, err := blobs.NewBlob(testNamespace(id), data, 0, nil)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// txOpt changes a Tx before it is signed.
type txOpt func(*blobs.Tx)

func withGasPrice(p uint64) txOpt   { return func(tx *blobs.Tx) { tx.GasPrice = p } }
func withGasLimit(g uint64) txOpt   { return func(tx *blobs.Tx) { tx.GasLimit = g } }
func withChainID(id string) txOpt   { return func(tx *blobs.Tx) { tx.ChainID = id } }
func withSequence(seq uint64) txOpt { return func(tx *blobs.Tx) { tx.Sequence = seq } }

func signTx(t testing.TB, k testKey, tx *blobs.Tx, opts ...txOpt) []byte {
	t.Helper()
	if tx.ChainID == "" {
		tx.ChainID = testChainID
	}
	for _, o := range opts {
		o(tx)
	}
	if err := tx.Sign(k.priv); err != nil {
		t.Fatal(err)
	}
	raw, err := tx.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

// transferTx is a signed transfer paying the fixed gas at price 1.
func transferTx(t testing.TB, from testKey, seq uint64, to chain.Address, amount uint64, opts ...txOpt) []byte {
	t.Helper()
	p := chain.DefaultParams()
	tx := &blobs.Tx{Sequence: seq, GasLimit: p.FixedTxGas, GasPrice: 1,
		Transfer: &blobs.Transfer{To: append([]byte(nil), to[:]...), Amount: amount}}
	return signTx(t, from, tx, opts...)
}

// pfbTx is a signed blob transaction paying exactly the gas its blobs need
// (at the default params) at price 1.
func pfbTx(t testing.TB, from testKey, seq uint64, bs []*blobs.Blob, opts ...txOpt) []byte {
	t.Helper()
	pfb, err := blobs.NewPayForBlobs(bs...)
	if err != nil {
		t.Fatal(err)
	}
	p := chain.DefaultParams()
	tx := &blobs.Tx{Sequence: seq, GasPrice: 1, PayForBlobs: pfb,
		GasLimit: blobs.GasToConsume(pfb.BlobSizes, p.GasPerBlobByte, p.FixedTxGas)}
	inner := signTx(t, from, tx, opts...)
	raw, err := blobs.MarshalBlobTx(inner, bs...)
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

const richBalance = 1 << 40

func genesisFor(params chain.Params, funded ...testKey) GenesisState {
	g := GenesisState{Params: params}
	for _, k := range funded {
		g.Accounts = append(g.Accounts, GenesisAccount{Address: k.addr.String(), Balance: richBalance})
	}
	return g
}

// newTestApp opens an App over a fresh Pebble store in dir (t.TempDir() if
// empty) and runs InitChain with g.
func newTestApp(t testing.TB, dir string, g GenesisState, cfg ...func(*AppConfig)) *App {
	t.Helper()
	if dir == "" {
		dir = t.TempDir()
	}
	c := AppConfig{Dir: dir}
	for _, f := range cfg {
		f(&c)
	}
	app, err := NewApp(c)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = app.Close() })
	state, err := json.Marshal(g)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := app.InitChain(context.Background(), &abci.RequestInitChain{ChainId: testChainID, AppStateBytes: state, InitialHeight: 1}); err != nil {
		t.Fatal(err)
	}
	return app
}

// reopen opens a second App over the same directory (the first must be
// closed).
func reopen(t testing.TB, dir string) *App {
	t.Helper()
	app, err := NewApp(AppConfig{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = app.Close() })
	return app
}

// checkTx runs CheckTx and returns code and log.
func checkTx(t testing.TB, app *App, raw []byte) (uint32, string) {
	t.Helper()
	res, err := app.CheckTx(context.Background(), &abci.RequestCheckTx{Tx: raw, Type: abci.CheckTxType_New})
	if err != nil {
		t.Fatal(err)
	}
	return res.Code, res.Log
}

// produceBlock runs one height through PrepareProposal, ProcessProposal
// (which must accept), FinalizeBlock and Commit, and returns the block's
// txs and the FinalizeBlock response.
func produceBlock(t testing.TB, app *App, height int64, mempool [][]byte) ([][]byte, *abci.ResponseFinalizeBlock) {
	t.Helper()
	ctx := context.Background()
	prep, err := app.PrepareProposal(ctx, &abci.RequestPrepareProposal{Txs: mempool, Height: height, MaxTxBytes: 1 << 30})
	if err != nil {
		t.Fatal(err)
	}
	proc, err := app.ProcessProposal(ctx, &abci.RequestProcessProposal{Txs: prep.Txs, Height: height})
	if err != nil {
		t.Fatal(err)
	}
	if proc.Status != abci.ResponseProcessProposal_ACCEPT {
		t.Fatalf("height %d: own proposal rejected", height)
	}
	fin, err := app.FinalizeBlock(ctx, &abci.RequestFinalizeBlock{Txs: prep.Txs, Height: height})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := app.Commit(ctx, &abci.RequestCommit{}); err != nil {
		t.Fatal(err)
	}
	return prep.Txs, fin
}

func queryAccount(t testing.TB, app *App, a chain.Address) chain.AccountInfo {
	t.Helper()
	res, err := app.Query(context.Background(), &abci.RequestQuery{Path: "/account/" + a.String()})
	if err != nil || res.Code != chain.CodeOK {
		t.Fatalf("query account: %v %+v", err, res)
	}
	var info chain.AccountInfo
	if err := json.Unmarshal(res.Value, &info); err != nil {
		t.Fatal(err)
	}
	return info
}

func accountOf(i chain.AccountInfo) Account {
	return Account{Balance: i.Balance, Sequence: i.Sequence}
}
