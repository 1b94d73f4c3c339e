package consensus

import (
	"context"
	"fmt"
	"testing"

	abci "github.com/cometbft/cometbft/abci/types"

	"github.com/quadrant-da/quadrant/blobs"
	"github.com/quadrant-da/quadrant/chain"
)

// benchMempool returns blob txs of 1 MiB each, one per signer, filling about
// 90% of a k×k square, and the genesis funding their signers.
func benchMempool(b *testing.B, k int) ([][]byte, GenesisState, int) {
	params := chain.DefaultParams()
	params.MaxSquareSize = k
	capacity := k * k * 478 // payload bytes the square holds, roughly
	n := capacity * 9 / 10 / (1 << 20)
	g := GenesisState{Params: params}
	var txs [][]byte
	for i := range n {
		key := newKey(fmt.Sprintf("bench-%d", i))
		g.Accounts = append(g.Accounts, GenesisAccount{Address: key.addr.String(), Balance: richBalance})
		blob := testBlob(b, byte(i%200+1), 1<<20)
		txs = append(txs, pfbTx(b, key, 0, []*blobs.Blob{blob}))
	}
	return txs, g, n << 20
}

// BenchmarkCheckTx measures admitting one 1 MiB blob tx: decoding, the
// signature, the share commitment and the state check.
func BenchmarkCheckTx(b *testing.B) {
	mempool, g, _ := benchMempool(b, 64)
	b.SetBytes(1 << 20)
	b.ReportAllocs()
	for b.Loop() {
		b.StopTimer()
		app := newTestApp(b, "", g)
		b.StartTimer()
		if code, log := checkTx(b, app, mempool[0]); code != chain.CodeOK {
			b.Fatal(log)
		}
	}
}

// BenchmarkRecheck measures the recheck CometBFT runs after every block
// over what stays in the mempool: a k=256 square's worth of 1 MiB blob
// txs, all admitted by CheckTx before.
func BenchmarkRecheck(b *testing.B) {
	mempool, g, _ := benchMempool(b, 256)
	app := newTestApp(b, "", g)
	for _, tx := range mempool {
		if code, log := checkTx(b, app, tx); code != chain.CodeOK {
			b.Fatal(log)
		}
	}
	ctx := context.Background()
	b.SetBytes(int64(len(mempool)) << 20)
	b.ReportAllocs()
	for b.Loop() {
		app.resetCheckState() // as Commit does
		for _, tx := range mempool {
			res, err := app.CheckTx(ctx, &abci.RequestCheckTx{Tx: tx, Type: abci.CheckTxType_Recheck})
			if err != nil || res.Code != chain.CodeOK {
				b.Fatal(err, res.Log)
			}
		}
	}
}

// BenchmarkPrepareBacklog measures PrepareProposal at k=256 when the
// mempool holds three squares' worth of checked 1 MiB blob txs (a chain
// under more load than it can include).
func BenchmarkPrepareBacklog(b *testing.B) {
	mempool, g, _ := benchMempool(b, 256)
	var more [][]byte
	for i := range 2 * len(mempool) {
		key := newKey(fmt.Sprintf("backlog-%d", i))
		g.Accounts = append(g.Accounts, GenesisAccount{Address: key.addr.String(), Balance: richBalance})
		more = append(more, pfbTx(b, key, 0, []*blobs.Blob{testBlob(b, byte(i%200+1), 1<<20)}))
	}
	mempool = append(mempool, more...)
	app := newTestApp(b, "", g)
	for _, tx := range mempool {
		if code, log := checkTx(b, app, tx); code != chain.CodeOK {
			b.Fatal(log)
		}
	}
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := app.PrepareProposal(ctx, &abci.RequestPrepareProposal{Txs: mempool, Height: 1, MaxTxBytes: 100 << 20}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkProposal measures the proposer (PrepareProposal) and a validator
// (ProcessProposal, which has already checked the txs in CheckTx) on a
// square about 90% full of 1 MiB blobs, and FinalizeBlock + Commit on a node
// that has checked the txs and processed the proposal.
func BenchmarkProposal(b *testing.B) {
	for _, k := range []int{64, 128, 256} {
		mempool, g, blobBytes := benchMempool(b, k)
		app := newTestApp(b, "", g)
		validator := newTestApp(b, "", g)
		for _, tx := range mempool {
			if code, log := checkTx(b, validator, tx); code != chain.CodeOK {
				b.Fatal(log)
			}
		}
		ctx := context.Background()
		prep, err := app.PrepareProposal(ctx, &abci.RequestPrepareProposal{Txs: mempool, Height: 1})
		if err != nil {
			b.Fatal(err)
		}
		if len(prep.Txs) != len(mempool)+1 {
			b.Fatalf("k=%d: proposal kept %d of %d txs", k, len(prep.Txs)-1, len(mempool))
		}
		b.Run(fmt.Sprintf("Prepare/k=%d", k), func(b *testing.B) {
			b.SetBytes(int64(blobBytes))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := app.PrepareProposal(ctx, &abci.RequestPrepareProposal{Txs: mempool, Height: 1}); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(fmt.Sprintf("ProcessOwn/k=%d", k), func(b *testing.B) {
			// The proposer's ProcessProposal of its own block, which
			// CometBFT hands back rebuilt from the block parts.
			txs := make([][]byte, len(prep.Txs))
			for i, tx := range prep.Txs {
				txs[i] = append([]byte(nil), tx...)
			}
			b.SetBytes(int64(blobBytes))
			for b.Loop() {
				res, err := app.ProcessProposal(ctx, &abci.RequestProcessProposal{Txs: txs, Height: 1, Hash: []byte("own")})
				if err != nil || res.Status != abci.ResponseProcessProposal_ACCEPT {
					b.Fatal("rejected", err)
				}
			}
		})
		b.Run(fmt.Sprintf("Process/k=%d", k), func(b *testing.B) {
			b.SetBytes(int64(blobBytes))
			b.ReportAllocs()
			for b.Loop() {
				res, err := validator.ProcessProposal(ctx, &abci.RequestProcessProposal{Txs: prep.Txs, Height: 1})
				if err != nil || res.Status != abci.ResponseProcessProposal_ACCEPT {
					b.Fatal("rejected", err)
				}
			}
		})
		b.Run(fmt.Sprintf("FinalizeCommit/k=%d", k), func(b *testing.B) {
			b.SetBytes(int64(blobBytes))
			b.ReportAllocs()
			for b.Loop() {
				b.StopTimer()
				fresh := newTestApp(b, "", g)
				for _, tx := range mempool { // as a live node: txs checked on arrival
					if code, log := checkTx(b, fresh, tx); code != chain.CodeOK {
						b.Fatal(log)
					}
				}
				// As a live node: the block was processed before.
				res, err := fresh.ProcessProposal(ctx, &abci.RequestProcessProposal{Txs: prep.Txs, Height: 1, Hash: []byte("block")})
				if err != nil || res.Status != abci.ResponseProcessProposal_ACCEPT {
					b.Fatal("rejected", err)
				}
				b.StartTimer()
				if _, err := fresh.FinalizeBlock(ctx, &abci.RequestFinalizeBlock{Txs: prep.Txs, Height: 1, Hash: []byte("block")}); err != nil {
					b.Fatal(err)
				}
				if _, err := fresh.Commit(ctx, &abci.RequestCommit{}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
