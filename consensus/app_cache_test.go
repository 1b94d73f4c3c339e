package consensus

import (
	"bytes"
	"context"
	"crypto/sha256"
	"fmt"
	"testing"

	abci "github.com/cometbft/cometbft/abci/types"

	"github.com/quadrant-da/quadrant/blobs"
	"github.com/quadrant-da/quadrant/chain"
)

// Tests of the work a node skips for transactions it has already checked:
// rechecks, the proposer's selection, its own proposal and FinalizeBlock
// after ProcessProposal. In each case, different bytes must be checked
// afresh and the state checks must still run.

// A recheck does not look up or recompute stateless validity (the mempool
// holds only transactions CheckTx admitted), but still applies the
// transaction to the fresh mempool view.
func TestRecheckRunsOnlyStateChecks(t *testing.T) {
	app := newTestApp(t, "", genesisFor(chain.DefaultParams(), alice, bob))
	tx0 := pfbTx(t, alice, 0, []*blobs.Blob{testBlob(t, 1, 3000)})
	tx1 := pfbTx(t, alice, 1, []*blobs.Blob{testBlob(t, 2, 3000)})
	for _, tx := range [][]byte{tx0, tx1} {
		if code, log := checkTx(t, app, tx); code != chain.CodeOK {
			t.Fatalf("CheckTx: %d %s", code, log)
		}
	}
	produceBlock(t, app, 1, [][]byte{tx0})
	app.valid.reset()
	recheck := func(raw []byte) uint32 {
		res, err := app.CheckTx(context.Background(), &abci.RequestCheckTx{Tx: raw, Type: abci.CheckTxType_Recheck})
		if err != nil {
			t.Fatal(err)
		}
		return res.Code
	}
	if code := recheck(tx1); code != chain.CodeOK {
		t.Fatalf("recheck of the pending tx: code %d", code)
	}
	if app.valid.has(sha256.Sum256(tx1)) {
		t.Fatal("recheck hashed the tx into the validity cache")
	}
	// The state part still runs: the included tx no longer applies, and
	// the pending one cannot be applied twice.
	if code := recheck(tx0); code != chain.CodeSequence {
		t.Fatalf("recheck of the included tx: code %d, want %d", code, chain.CodeSequence)
	}
	if code := recheck(tx1); code != chain.CodeSequence {
		t.Fatalf("second recheck of the pending tx: code %d, want %d", code, chain.CodeSequence)
	}
	// A new transaction (CHECK, not RECHECK) is verified in full.
	bad := append([]byte(nil), pfbTx(t, alice, 2, []*blobs.Blob{testBlob(t, 3, 3000)})...)
	bad[len(bad)-100] ^= 1 // inside the blob data
	if code, _ := checkTx(t, app, bad); code == chain.CodeOK {
		t.Fatal("CheckTx admitted a tx whose blob does not match its commitment")
	}
}

// The proposer verifies only the transactions that fit the square: what a
// full square leaves out is neither hashed nor verified, and is proposed
// later.
func TestPrepareProposalVerifiesOnlyWhatFits(t *testing.T) {
	params := chain.DefaultParams()
	params.MaxSquareSize = 4
	keys := []testKey{alice, bob, carol, dave}
	app := newTestApp(t, "", genesisFor(params, keys...))
	size := 4*482 + 478 // 5 shares: not all four fit a 4×4 square
	var mempool [][]byte
	for i, k := range keys {
		mempool = append(mempool, pfbTx(t, k, 0, []*blobs.Blob{testBlob(t, byte(i+1), size)}, withGasPrice(uint64(10-i))))
	}
	prep, err := app.PrepareProposal(context.Background(), &abci.RequestPrepareProposal{Txs: mempool, Height: 1, MaxTxBytes: 1 << 30})
	if err != nil {
		t.Fatal(err)
	}
	kept := len(prep.Txs) - 1
	if kept == 0 || kept == len(mempool) {
		t.Fatalf("proposal kept %d of %d txs, want some but not all", kept, len(mempool))
	}
	for i, tx := range mempool {
		if got, want := app.valid.has(sha256.Sum256(tx)), i < kept; got != want {
			t.Fatalf("tx %d (kept: %v): in the validity cache: %v", i, i < kept, got)
		}
	}
}

// An invalid transaction the proposer meets is left out without dropping a
// valid one with the same signer and sequence, and without being cached.
func TestPrepareProposalSkipsInvalidTx(t *testing.T) {
	app := newTestApp(t, "", genesisFor(chain.DefaultParams(), alice))
	good := pfbTx(t, alice, 0, []*blobs.Blob{testBlob(t, 1, 3000)})
	bad := append([]byte(nil), good...)
	bad[len(bad)-100] ^= 1
	prep, err := app.PrepareProposal(context.Background(), &abci.RequestPrepareProposal{Txs: [][]byte{bad, good}, Height: 1, MaxTxBytes: 1 << 30})
	if err != nil {
		t.Fatal(err)
	}
	if len(prep.Txs) != 2 || !bytes.Equal(prep.Txs[0], good) {
		t.Fatalf("proposal holds %d txs, want the valid one and the data-root tx", len(prep.Txs))
	}
	if app.valid.has(sha256.Sum256(bad)) {
		t.Fatal("the invalid tx was cached as valid")
	}
}

// The proposer accepts its own proposal without checking it again only if
// it is byte for byte what it prepared: a proposal at the same height that
// differs in one byte of one blob is checked and rejected.
func TestOwnProposalMatchesExactBytes(t *testing.T) {
	app := newTestApp(t, "", genesisFor(chain.DefaultParams(), alice, bob))
	mempool := [][]byte{
		pfbTx(t, alice, 0, []*blobs.Blob{testBlob(t, 1, 5000)}),
		pfbTx(t, bob, 0, []*blobs.Blob{testBlob(t, 2, 5000)}),
	}
	ctx := context.Background()
	prep, err := app.PrepareProposal(ctx, &abci.RequestPrepareProposal{Txs: mempool, Height: 1, MaxTxBytes: 1 << 30})
	if err != nil {
		t.Fatal(err)
	}
	copyTxs := func() [][]byte {
		out := make([][]byte, len(prep.Txs))
		for i, tx := range prep.Txs {
			out[i] = append([]byte(nil), tx...)
		}
		return out
	}
	tampered := copyTxs()
	tampered[1][len(tampered[1])-10] ^= 1
	res, err := app.ProcessProposal(ctx, &abci.RequestProcessProposal{Txs: tampered, Height: 1, Hash: []byte("tampered")})
	if err != nil || res.Status != abci.ResponseProcessProposal_REJECT {
		t.Fatalf("tampered copy of the own proposal: %v %v, want reject", res.Status, err)
	}
	res, err = app.ProcessProposal(ctx, &abci.RequestProcessProposal{Txs: copyTxs(), Height: 1, Hash: []byte("own")})
	if err != nil || res.Status != abci.ResponseProcessProposal_ACCEPT {
		t.Fatalf("copy of the own proposal: %v %v, want accept", res.Status, err)
	}
	// The same bytes at another height are not the own proposal.
	if _, ok := app.ownProposal.match(2, prep.Txs); ok {
		t.Fatal("own proposal matched at another height")
	}
}

// FinalizeBlock after ProcessProposal uses the transactions checked there
// (by block hash) and gives the same results as a node that finalizes
// without having processed the block; a block under a hash the node did not
// process is checked afresh, so a changed byte is caught.
func TestFinalizeUsesProcessedTxsByBlockHash(t *testing.T) {
	g := genesisFor(chain.DefaultParams(), alice, bob)
	proposer, processed, cold := newTestApp(t, "", g), newTestApp(t, "", g), newTestApp(t, "", g)
	ctx := context.Background()
	mempool := [][]byte{
		pfbTx(t, alice, 0, []*blobs.Blob{testBlob(t, 1, 4000)}),
		transferTx(t, bob, 0, alice.addr, 5),
	}
	prep, err := proposer.PrepareProposal(ctx, &abci.RequestPrepareProposal{Txs: mempool, Height: 1, MaxTxBytes: 1 << 30})
	if err != nil {
		t.Fatal(err)
	}
	hash := []byte("block-1")
	res, err := processed.ProcessProposal(ctx, &abci.RequestProcessProposal{Txs: prep.Txs, Height: 1, Hash: hash})
	if err != nil || res.Status != abci.ResponseProcessProposal_ACCEPT {
		t.Fatalf("process: %v %v", res.Status, err)
	}
	if got := processed.decided.take(hash, 1, len(prep.Txs)); len(got) != len(prep.Txs)-1 {
		t.Fatalf("decided cache holds %d txs for the block, want %d", len(got), len(prep.Txs)-1)
	}
	if _, err := processed.ProcessProposal(ctx, &abci.RequestProcessProposal{Txs: prep.Txs, Height: 1, Hash: hash}); err != nil {
		t.Fatal(err)
	}
	finP, err := processed.FinalizeBlock(ctx, &abci.RequestFinalizeBlock{Txs: prep.Txs, Height: 1, Hash: hash})
	if err != nil {
		t.Fatal(err)
	}
	if len(processed.decided.entries) != 0 {
		t.Fatalf("FinalizeBlock left %d decided entries", len(processed.decided.entries))
	}
	finC, err := cold.FinalizeBlock(ctx, &abci.RequestFinalizeBlock{Txs: prep.Txs, Height: 1, Hash: hash})
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(finP.AppHash, finC.AppHash) || len(finP.TxResults) != len(finC.TxResults) {
		t.Fatalf("processed and cold nodes disagree: %X vs %X", finP.AppHash, finC.AppHash)
	}
	for i := range finP.TxResults {
		if finP.TxResults[i].Code != chain.CodeOK || finC.TxResults[i].Code != chain.CodeOK {
			t.Fatalf("tx %d: codes %d and %d", i, finP.TxResults[i].Code, finC.TxResults[i].Code)
		}
	}

	// A node that processed the block under one hash finalizes a block
	// under another hash with a changed byte: that tx is verified again.
	again := newTestApp(t, "", g)
	if res, err := again.ProcessProposal(ctx, &abci.RequestProcessProposal{Txs: prep.Txs, Height: 1, Hash: hash}); err != nil || res.Status != abci.ResponseProcessProposal_ACCEPT {
		t.Fatalf("process: %v %v", res.Status, err)
	}
	changed := append([][]byte(nil), prep.Txs...)
	changed[0] = append([]byte(nil), changed[0]...)
	changed[0][len(changed[0])-10] ^= 1 // the transfer's signature no longer verifies
	fin, err := again.FinalizeBlock(ctx, &abci.RequestFinalizeBlock{Txs: changed, Height: 1, Hash: []byte("block-1'")})
	if err != nil {
		t.Fatal(err)
	}
	if fin.TxResults[0].Code != chain.CodeSignature || fin.TxResults[1].Code != chain.CodeOK {
		t.Fatalf("changed tx under another hash: codes %d (%s), %d; want %d, 0",
			fin.TxResults[0].Code, fin.TxResults[0].Log, fin.TxResults[1].Code, chain.CodeSignature)
	}
}

// The decided cache is bounded, forgets lower heights when a higher one
// arrives, and take drops everything up to the finalized height.
func TestDecidedCacheBounded(t *testing.T) {
	var c decidedCache
	one := []*decodedTx{{}}
	for i := range 3 * decidedCacheSize {
		c.put([]byte(fmt.Sprintf("h5-%d", i)), 5, one)
	}
	if len(c.entries) != decidedCacheSize {
		t.Fatalf("cache holds %d entries, want %d", len(c.entries), decidedCacheSize)
	}
	if got := c.take([]byte("h5-0"), 5, 2); got != nil {
		t.Fatal("oldest entry not evicted")
	}
	c.put([]byte("h5-a"), 5, one)
	c.put([]byte("h6-a"), 6, one)
	if len(c.entries) != 1 || c.entries[0].hash != "h6-a" {
		t.Fatalf("a height-6 entry left %d entries", len(c.entries))
	}
	if got := c.take([]byte("h6-a"), 6, 3); got != nil {
		t.Fatal("entry returned for a block with another tx count")
	}
	if len(c.entries) != 0 {
		t.Fatal("take kept an entry of the finalized height")
	}
	c.put(nil, 7, one) // no hash: nothing to key by
	if len(c.entries) != 0 {
		t.Fatal("entry without a hash kept")
	}
}
