package consensus

import (
	"bytes"
	"context"
	"strings"
	"testing"

	abci "github.com/cometbft/cometbft/abci/types"

	"github.com/quadrant-da/quadrant/blobs"
	"github.com/quadrant-da/quadrant/chain"
	"github.com/quadrant-da/quadrant/da"
)

func TestCheckTxRejections(t *testing.T) {
	params := chain.DefaultParams()
	params.MinGasPrice = 2
	params.MaxSquareSize = 16
	app := newTestApp(t, "", genesisFor(params, alice, bob))
	poor := newKey("poor")

	blob := testBlob(t, 1, 1000)
	pfb := func(opts ...txOpt) []byte {
		return pfbTx(t, alice, 0, []*blobs.Blob{blob}, append([]txOpt{withGasPrice(2)}, opts...)...)
	}

	// A blob tx whose blob differs from the one committed to.
	wrongCommitment := func() []byte {
		other := testBlob(t, 1, 1000)
		other.Data = bytes.Repeat([]byte{9}, 1000)
		p, err := blobs.NewPayForBlobs(blob)
		if err != nil {
			t.Fatal(err)
		}
		tx := &blobs.Tx{Sequence: 0, GasPrice: 2, PayForBlobs: p, GasLimit: 1 << 30}
		inner := signTx(t, alice, tx)
		raw, err := blobs.MarshalBlobTx(inner, other)
		if err != nil {
			t.Fatal(err)
		}
		return raw
	}
	// A signed transfer whose signature is then corrupted.
	badSig := func() []byte {
		tx := &blobs.Tx{Sequence: 0, GasLimit: params.FixedTxGas, GasPrice: 2, Transfer: &blobs.Transfer{To: bob.addr[:], Amount: 1}}
		signTx(t, alice, tx)
		tx.Signature[0] ^= 1
		raw, err := tx.Marshal()
		if err != nil {
			t.Fatal(err)
		}
		return raw
	}
	// A pay-for-blobs sent without its blobs.
	pfbWithoutBlobs := func() []byte {
		p, err := blobs.NewPayForBlobs(blob)
		if err != nil {
			t.Fatal(err)
		}
		return signTx(t, alice, &blobs.Tx{Sequence: 0, GasPrice: 2, PayForBlobs: p, GasLimit: 1 << 30})
	}
	// Blobs attached to a transfer.
	blobsWithoutPFB := func() []byte {
		inner := transferTx(t, alice, 0, bob.addr, 1, withGasPrice(2))
		raw, err := blobs.MarshalBlobTx(inner, blob)
		if err != nil {
			t.Fatal(err)
		}
		return raw
	}
	// A blob in a reserved namespace, built by hand (blobs.NewBlob refuses it).
	reservedNS := func(last bool) []byte {
		b := &blobs.Blob{Namespace: da.TxNamespace(), Data: []byte("x")}
		good := testBlob(t, 1, 1)
		p, err := blobs.NewPayForBlobs(good)
		if err != nil {
			t.Fatal(err)
		}
		inner := signTx(t, alice, &blobs.Tx{Sequence: 0, GasPrice: 2, PayForBlobs: p, GasLimit: 1 << 30})
		raw, err := blobs.MarshalBlobTx(inner, b)
		if err != nil {
			// The envelope encoder refuses it too: splice the namespace in.
			raw, err = blobs.MarshalBlobTx(inner, good)
			if err != nil {
				t.Fatal(err)
			}
			i := bytes.Index(raw, good.Namespace.ID()) // in the pay-for-blobs
			if last {
				i = bytes.LastIndex(raw, good.Namespace.ID()) // in the blob
			}
			if i < 0 {
				t.Fatal("namespace id not found in blob tx")
			}
			copy(raw[i:], da.TxNamespace().ID())
		}
		return raw
	}
	// A blob larger than a 16×16 square can hold.
	bigBlob := testBlob(t, 2, params.MaxBlobSize()+1)
	dataRoot, err := (&blobs.DataRootTx{DataRoot: make([]byte, 32), SquareSize: 1}).Marshal()
	if err != nil {
		t.Fatal(err)
	}

	tooLargeParams := params
	tooLargeParams.MaxTxBytes = 500
	tooLargeApp := newTestApp(t, "", genesisFor(tooLargeParams, alice))

	poorParams := params
	poorGenesis := GenesisState{Params: poorParams, Accounts: []GenesisAccount{
		{Address: poor.addr.String(), Balance: params.FixedTxGas*2 + 5}}}
	poorApp := newTestApp(t, "", poorGenesis)

	tests := []struct {
		name     string
		app      *App
		tx       []byte
		wantCode uint32
		wantLog  string
	}{
		{"garbage", app, []byte("hello"), chain.CodeDecode, "tx does not decode"},
		{"empty", app, nil, chain.CodeDecode, "tx does not decode"},
		{"data-root tx", app, dataRoot, chain.CodeDataRootTx, "data-root transaction"},
		{"tx too large", tooLargeApp, pfb(), chain.CodeTxTooLarge, "tx too large"},
		{"wrong chain id", app, transferTx(t, alice, 0, bob.addr, 1, withGasPrice(2), withChainID("other-chain")), chain.CodeChainID, `wrong chain id: tx is for chain "other-chain"`},
		{"bad signature", app, badSig(), chain.CodeSignature, "bad signature"},
		{"sequence too high", app, transferTx(t, alice, 1, bob.addr, 1, withGasPrice(2)), chain.CodeSequence, "incorrect account sequence: expected 0, got 1"},
		{"gas price below minimum", app, transferTx(t, alice, 0, bob.addr, 1, withGasPrice(1)), chain.CodeGasPrice, "gas price below minimum: gas price 1, the minimum is 2"},
		{"gas limit below required", app, pfb(withGasLimit(params.FixedTxGas)), chain.CodeGas, "gas limit below required gas"},
		{"transfer gas limit below fixed", app, transferTx(t, alice, 0, bob.addr, 1, withGasPrice(2), withGasLimit(10)), chain.CodeGas, "gas limit 10, the tx needs 65000"},
		{"insufficient funds for fee", poorApp, transferTx(t, poor, 0, bob.addr, 0, withGasPrice(3)), chain.CodeInsufficientFunds, "insufficient funds"},
		{"insufficient funds for transfer", poorApp, transferTx(t, poor, 0, bob.addr, 100, withGasPrice(2)), chain.CodeInsufficientFunds, "needs 130000 fee + 100 transfer"},
		{"unknown account", app, transferTx(t, carol, 0, bob.addr, 0, withGasPrice(2)), chain.CodeInsufficientFunds, "has 0"},
		{"reserved namespace in pay-for-blobs", app, reservedNS(false), chain.CodeNamespace, "reserved or malformed namespace"},
		{"reserved namespace in blob", app, reservedNS(true), chain.CodeNamespace, "reserved or malformed namespace"},
		{"blob over size limit", app, pfbTx(t, alice, 0, []*blobs.Blob{bigBlob}, withGasPrice(2)), chain.CodeBlobSize, "blob: over size limit"},
		{"commitment mismatch", app, wrongCommitment(), chain.CodeCommitment, "share commitment does not match blob"},
		{"pay-for-blobs without blobs", app, pfbWithoutBlobs(), chain.CodeMalformed, "pay-for-blobs without its blobs"},
		{"blobs without pay-for-blobs", app, blobsWithoutPFB(), chain.CodeMalformed, "blobs attached but the tx is not a pay-for-blobs"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, log := checkTx(t, tt.app, tt.tx)
			t.Logf("code %d: %s", code, log)
			if code != tt.wantCode || !strings.Contains(log, tt.wantLog) {
				t.Fatalf("CheckTx = code %d log %q, want code %d log containing %q", code, log, tt.wantCode, tt.wantLog)
			}
		})
	}
	// Nothing above was admitted: alice's next sequence is still 0.
	if code, log := checkTx(t, app, transferTx(t, alice, 0, bob.addr, 1, withGasPrice(2))); code != chain.CodeOK {
		t.Fatalf("valid transfer rejected after the table: %d %s", code, log)
	}
}

func TestCheckTxSequenceTracking(t *testing.T) {
	app := newTestApp(t, "", genesisFor(chain.DefaultParams(), alice, bob))
	// Several transactions from one account enter the mempool in order.
	for seq := range uint64(3) {
		if code, log := checkTx(t, app, transferTx(t, alice, seq, bob.addr, 1)); code != chain.CodeOK {
			t.Fatalf("seq %d: %d %s", seq, code, log)
		}
	}
	// A replay of an admitted sequence and a gap are both refused.
	for _, seq := range []uint64{1, 5} {
		code, log := checkTx(t, app, transferTx(t, alice, seq, bob.addr, 2))
		if code != chain.CodeSequence || !strings.Contains(log, "incorrect account sequence: expected 3") {
			t.Fatalf("seq %d: got %d %q", seq, code, log)
		}
	}

	// After a block with the first two, Commit resets the mempool view;
	// the recheck of the third passes, a recheck of an included one fails.
	produceBlock(t, app, 1, [][]byte{transferTx(t, alice, 0, bob.addr, 1), transferTx(t, alice, 1, bob.addr, 1)})
	recheck := func(raw []byte) *abci.ResponseCheckTx {
		res, err := app.CheckTx(context.Background(), &abci.RequestCheckTx{Tx: raw, Type: abci.CheckTxType_Recheck})
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	if res := recheck(transferTx(t, alice, 0, bob.addr, 1)); res.Code != chain.CodeSequence {
		t.Fatalf("recheck of an included tx: %d %s", res.Code, res.Log)
	}
	if res := recheck(transferTx(t, alice, 2, bob.addr, 1)); res.Code != chain.CodeOK {
		t.Fatalf("recheck of the pending tx: %d %s", res.Code, res.Log)
	}
	if code, log := checkTx(t, app, transferTx(t, alice, 3, bob.addr, 1)); code != chain.CodeOK {
		t.Fatalf("next tx after recheck: %d %s", code, log)
	}
}

// CheckTx runs the share-commitment check last: a blob tx that cannot apply
// (wrong sequence) is turned away before its blobs are hashed, and a blob tx
// that can apply is still checked fully.
func TestCheckTxChecksCommitmentsLast(t *testing.T) {
	app := newTestApp(t, "", genesisFor(chain.DefaultParams(), alice))
	blob := testBlob(t, 1, 2000)
	forged := func(seq uint64) []byte {
		p, err := blobs.NewPayForBlobs(blob)
		if err != nil {
			t.Fatal(err)
		}
		p.ShareCommitments[0] = bytes.Repeat([]byte{1}, 32)
		inner := signTx(t, alice, &blobs.Tx{Sequence: seq, GasPrice: 1, PayForBlobs: p, GasLimit: 1 << 30})
		raw, err := blobs.MarshalBlobTx(inner, blob)
		if err != nil {
			t.Fatal(err)
		}
		return raw
	}
	if code, log := checkTx(t, app, forged(3)); code != chain.CodeSequence {
		t.Fatalf("forged commitment with wrong sequence: code %d %s, want the sequence error", code, log)
	}
	if code, log := checkTx(t, app, forged(0)); code != chain.CodeCommitment {
		t.Fatalf("forged commitment with right sequence: code %d %s, want the commitment error", code, log)
	}
	// The failed dry run left the mempool view untouched.
	if code, log := checkTx(t, app, pfbTx(t, alice, 0, []*blobs.Blob{blob})); code != chain.CodeOK {
		t.Fatalf("valid tx after the rejections: %d %s", code, log)
	}
}
