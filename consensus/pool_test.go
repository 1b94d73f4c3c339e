package consensus

import (
	"bytes"
	"context"
	"crypto/sha256"
	"testing"

	abci "github.com/cometbft/cometbft/abci/types"

	"github.com/quadrant-da/quadrant/blobs"
	"github.com/quadrant-da/quadrant/chain"
)

func appMempool(maxTxs int, maxBytes int64) func(*AppConfig) {
	return func(c *AppConfig) {
		c.Mempool = MempoolApp
		c.Pool = PoolConfig{MaxTxs: maxTxs, MaxBytes: maxBytes}
	}
}

// TestAppMempool: with mempool.type = "app" the application keeps what
// CheckTx and InsertTx admit, hands each transaction out for gossip once,
// builds proposals from its pool (CometBFT passes none), drops committed
// transactions after Commit and rechecks the rest against the new state.
func TestAppMempool(t *testing.T) {
	alice, bob := newKey("alice"), newKey("bob")
	app := newTestApp(t, "", genesisFor(chain.DefaultParams(), alice, bob), appMempool(100, 1<<30))
	ctx := context.Background()

	a0 := pfbTx(t, alice, 0, []*blobs.Blob{testBlob(t, 1, 1000)})
	a1 := transferTx(t, alice, 1, bob.addr, 5)
	b0 := pfbTx(t, bob, 0, []*blobs.Blob{testBlob(t, 2, 3000)})
	for _, tx := range [][]byte{a0, a1} {
		if code, log := checkTx(t, app, tx); code != chain.CodeOK {
			t.Fatalf("CheckTx: %d %s", code, log)
		}
	}
	// A peer's transaction arrives through InsertTx.
	if res, err := app.InsertTx(ctx, &abci.RequestInsertTx{Tx: b0}); err != nil || res.Code != chain.CodeOK {
		t.Fatalf("InsertTx: %+v %v", res, err)
	}
	// A resubmission of a pooled transaction is admitted again, not
	// refused for its (now used) sequence.
	if code, log := checkTx(t, app, a0); code != chain.CodeOK {
		t.Fatalf("resubmitted pooled tx: %d %s", code, log)
	}
	if n, _ := app.pool.size(); n != 3 {
		t.Fatalf("pool holds %d txs, want 3", n)
	}
	reaped, _ := app.ReapTxs(ctx, &abci.RequestReapTxs{})
	if len(reaped.Txs) != 3 {
		t.Fatalf("first reap: %d txs, want 3", len(reaped.Txs))
	}
	if again, _ := app.ReapTxs(ctx, &abci.RequestReapTxs{}); len(again.Txs) != 0 {
		t.Fatalf("second reap: %d txs, want none (each is gossiped once)", len(again.Txs))
	}

	// The proposal comes from the pool: CometBFT passes no transactions.
	// Alice's transfer follows her blob transaction, and the square puts
	// ordinary transactions first, so it waits for the next block
	// (orderTxs) and stays pooled through the recheck.
	txs, fin := produceBlock(t, app, 1, nil)
	if len(txs) != 3 || !bytes.Equal(txs[0], a0) && !bytes.Equal(txs[1], a0) {
		t.Fatalf("block 1 holds %d txs, want a0, b0 and the data-root tx", len(txs))
	}
	for i, r := range fin.TxResults[:2] {
		if r.Code != chain.CodeOK {
			t.Fatalf("tx %d failed in the block: %d %s", i, r.Code, r.Log)
		}
	}
	if got := app.pool.snapshot(); len(got) != 1 || !bytes.Equal(got[0], a1) {
		t.Fatalf("after block 1 the pool holds %d txs, want alice's transfer", len(got))
	}
	if txs, _ = produceBlock(t, app, 2, nil); len(txs) != 2 || !bytes.Equal(txs[0], a1) {
		t.Fatalf("block 2 holds %d txs, want alice's transfer and the data-root tx", len(txs))
	}
	if n, b := app.pool.size(); n != 0 || b != 0 {
		t.Fatalf("after commit the pool holds %d txs (%d bytes), want none", n, b)
	}

	// Recheck: bob's next tx is pooled, then a block without it spends
	// bob's sequence (a transaction admitted elsewhere); the pooled one no
	// longer applies and is dropped after Commit.
	b1 := transferTx(t, bob, 1, alice.addr, 1)
	if code, log := checkTx(t, app, b1); code != chain.CodeOK {
		t.Fatalf("CheckTx b1: %d %s", code, log)
	}
	other := transferTx(t, bob, 1, alice.addr, 2)
	mustFinalize(t, app, 3, [][]byte{other})
	if n, _ := app.pool.size(); n != 0 {
		t.Fatalf("after bob's sequence moved on, the pool still holds %d txs", n)
	}
	if code, log := checkTx(t, app, transferTx(t, bob, 2, alice.addr, 3)); code != chain.CodeOK {
		t.Fatalf("bob's next tx after the recheck: %d %s", code, log)
	}
}

// TestAppMempoolFull: a transaction beyond the pool's bounds is refused
// with the retryable CodeMempoolFull and leaves the mempool view untouched,
// so the same sender's transaction is admitted once there is room.
func TestAppMempoolFull(t *testing.T) {
	alice, bob := newKey("alice"), newKey("bob")
	app := newTestApp(t, "", genesisFor(chain.DefaultParams(), alice, bob), appMempool(1, 1<<30))
	if code, log := checkTx(t, app, transferTx(t, alice, 0, bob.addr, 1)); code != chain.CodeOK {
		t.Fatalf("first tx: %d %s", code, log)
	}
	b0 := transferTx(t, bob, 0, alice.addr, 1)
	code, _ := checkTx(t, app, b0)
	if code != chain.CodeMempoolFull || !chain.Retryable(code) {
		t.Fatalf("tx beyond the pool: code %d, want CodeMempoolFull (retryable)", code)
	}
	produceBlock(t, app, 1, nil)
	if code, log := checkTx(t, app, b0); code != chain.CodeOK {
		t.Fatalf("same tx once there is room: %d %s", code, log)
	}
}

// mustFinalize decides a block of exactly txs (plus its data-root tx) as
// another proposer would, and commits it.
func mustFinalize(t *testing.T, app *App, height int64, txs [][]byte) {
	t.Helper()
	ctx := context.Background()
	body := honestBlock(t, app.committed.Params, txs)
	proc, err := app.ProcessProposal(ctx, &abci.RequestProcessProposal{Txs: body, Height: height})
	if err != nil || proc.Status != abci.ResponseProcessProposal_ACCEPT {
		t.Fatalf("height %d rejected: %v", height, err)
	}
	if _, err := app.FinalizeBlock(ctx, &abci.RequestFinalizeBlock{Txs: body, Height: height}); err != nil {
		t.Fatal(err)
	}
	if _, err := app.Commit(ctx, &abci.RequestCommit{}); err != nil {
		t.Fatal(err)
	}
}

// TestPoolUpdateTakesDecodedKeys: a committed block's transactions leave
// the pool as committed (not as invalid) whether their keys come with the
// decoded transaction or are hashed from the bytes; a decoded transaction
// carries the key the pool admitted it under.
func TestPoolUpdateTakesDecodedKeys(t *testing.T) {
	p := newTxPool(PoolConfig{MaxTxs: 10, MaxBytes: 1 << 20})
	d, e, f := &decodedTx{raw: []byte("first")}, &decodedTx{raw: []byte("second")}, &decodedTx{raw: []byte("third")}
	for _, x := range []*decodedTx{d, e, f} {
		if !p.add(sha256.Sum256(x.raw), x) {
			t.Fatalf("pool refused %q", x.raw)
		}
		if !x.keyed || x.key != sha256.Sum256(x.raw) {
			t.Fatalf("%q pooled without its key", x.raw)
		}
	}
	committed, invalid := p.update([][]byte{d.raw, e.raw}, []*decodedTx{d, nil}, func(*decodedTx) bool { return false })
	if committed != 2 || invalid != 1 {
		t.Fatalf("update: %d committed, %d invalid; want 2 and 1", committed, invalid)
	}
	if n, b := p.size(); n != 0 || b != 0 {
		t.Fatalf("pool holds %d txs (%d bytes) after the update, want none", n, b)
	}
}
