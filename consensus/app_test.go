package consensus

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"testing"

	abci "github.com/cometbft/cometbft/abci/types"

	"github.com/quadrant-da/quadrant/blobs"
	"github.com/quadrant-da/quadrant/chain"
	"github.com/quadrant-da/quadrant/da"
)

func attrs(ev abci.Event) map[string]string {
	m := make(map[string]string)
	for _, a := range ev.Attributes {
		m[a.Key] = a.Value
	}
	return m
}

func queryBlobs(t *testing.T, app *App, height int64, ns da.Namespace) []BlobRecord {
	t.Helper()
	res, err := app.Query(context.Background(), &abci.RequestQuery{Path: fmt.Sprintf("/blobs/%d/%s", height, ns)})
	if err != nil || res.Code != chain.CodeOK {
		t.Fatalf("query blobs: %v %+v", err, res)
	}
	var recs []BlobRecord
	if err := json.Unmarshal(res.Value, &recs); err != nil {
		t.Fatal(err)
	}
	return recs
}

func TestFinalizeBlockAppliesTxs(t *testing.T) {
	params := chain.DefaultParams()
	app := newTestApp(t, "", genesisFor(params, alice, bob))
	blobA := testBlob(t, 7, 3000)
	blobB := testBlob(t, 7, 20) // same namespace, second blob of the block
	blobC := testBlob(t, 3, 500)
	transfer := transferTx(t, alice, 0, carol.addr, 1234, withGasPrice(3))
	pfbA := pfbTx(t, alice, 1, []*blobs.Blob{blobA, blobC}, withGasPrice(2))
	pfbB := pfbTx(t, bob, 0, []*blobs.Blob{blobB}, withGasPrice(5), withGasLimit(500_000))
	txs, fin := produceBlock(t, app, 1, [][]byte{transfer, pfbA, pfbB})
	if len(txs) != 4 || len(fin.TxResults) != 4 {
		t.Fatalf("block has %d txs, %d results; want 4", len(txs), len(fin.TxResults))
	}
	for i, r := range fin.TxResults {
		if r.Code != chain.CodeOK {
			t.Fatalf("tx %d: code %d %s", i, r.Code, r.Log)
		}
	}

	// Fees are gas limit × gas price, charged in full.
	gasA := blobs.GasToConsume([]uint32{3000, 500}, params.GasPerBlobByte, params.FixedTxGas)
	wantAlice := uint64(richBalance) - params.FixedTxGas*3 - 1234 - gasA*2
	wantBob := uint64(richBalance) - 500_000*5
	for _, c := range []struct {
		k        testKey
		bal, seq uint64
	}{{alice, wantAlice, 2}, {bob, wantBob, 1}, {carol, 1234, 0}} {
		got := queryAccount(t, app, c.k.addr)
		if got.Balance != c.bal || got.Sequence != c.seq {
			t.Errorf("account %s: balance %d sequence %d, want %d %d", c.k.addr, got.Balance, got.Sequence, c.bal, c.seq)
		}
	}

	// One blob event per blob, and the index agrees with the square itself.
	sq, err := blobs.Construct(txs[:3], params.MaxSquareSize)
	if err != nil {
		t.Fatal(err)
	}
	parsed, err := blobs.ParseSquare(sq)
	if err != nil {
		t.Fatal(err)
	}
	wantIndex := make(map[string]int) // commitment hex -> share index
	for _, pb := range parsed.Blobs {
		c, err := blobs.CreateCommitment(pb.Blob)
		if err != nil {
			t.Fatal(err)
		}
		wantIndex[fmt.Sprintf("%x", c)] = pb.Index
	}
	var events []map[string]string
	for _, r := range fin.TxResults {
		for _, ev := range r.Events {
			if ev.Type == chain.EventTypeBlob {
				events = append(events, attrs(ev))
			}
		}
	}
	if len(events) != 3 {
		t.Fatalf("%d blob events, want 3", len(events))
	}
	for _, ev := range events {
		idx, ok := wantIndex[ev[chain.AttrBlobCommitment]]
		if !ok {
			t.Fatalf("event commitment %s not in the square", ev[chain.AttrBlobCommitment])
		}
		if ev[chain.AttrBlobIndex] != strconv.Itoa(idx) || ev[chain.AttrBlobHeight] != "1" {
			t.Errorf("event %v, want index %d height 1", ev, idx)
		}
	}
	// bob's blob tx pays the higher gas price, so it comes first.
	if events[0][chain.AttrBlobSigner] != bob.addr.String() || events[2][chain.AttrBlobSigner] != alice.addr.String() {
		t.Errorf("event signers %s, %s", events[0][chain.AttrBlobSigner], events[2][chain.AttrBlobSigner])
	}

	// The blob index answers per height and namespace, in block order.
	recs := queryBlobs(t, app, 1, testNamespace(7))
	if len(recs) != 2 {
		t.Fatalf("%d records in namespace 7, want 2", len(recs))
	}
	commitA, _ := blobs.CreateCommitment(blobA)
	rec := recs[1] // bob's blob B (tx 1) comes first
	if !bytes.Equal(rec.Commitment, commitA) || rec.Size != 3000 || rec.TxIndex != 2 ||
		!bytes.Equal(rec.Signer, alice.addr[:]) || !bytes.Equal(rec.Namespace, blobA.Namespace.Bytes()) ||
		rec.Index != wantIndex[fmt.Sprintf("%x", commitA)] || rec.SquareSize != sq.Size() ||
		rec.ExtendedIndex != extendedIndex(rec.Index, sq.Size()) || rec.Shares != blobA.SharesNeeded() {
		t.Errorf("record %+v does not describe blob A", rec)
	}
	if recs[0].TxIndex != 1 || !bytes.Equal(recs[0].Signer, bob.addr[:]) {
		t.Errorf("record %+v does not describe blob B", recs[0])
	}
	if got := queryBlobs(t, app, 1, testNamespace(99)); len(got) != 0 {
		t.Errorf("unknown namespace: %d records", len(got))
	}
	if got := queryBlobs(t, app, 2, testNamespace(7)); len(got) != 0 {
		t.Errorf("future height: %d records", len(got))
	}
}

func TestFinalizeBlockInvalidTxsChangeNothing(t *testing.T) {
	app := newTestApp(t, "", genesisFor(chain.DefaultParams(), alice))
	before := queryAccount(t, app, alice.addr)
	// A decided block can only hold invalid txs if more than a third of the
	// voting power is faulty; FinalizeBlock must still be deterministic.
	txs := [][]byte{
		transferTx(t, alice, 1, bob.addr, 1), // wrong sequence
		[]byte("junk"),
		transferTx(t, carol, 0, bob.addr, 1), // unfunded
	}
	fin, err := app.FinalizeBlock(context.Background(), &abci.RequestFinalizeBlock{Txs: txs, Height: 1})
	if err != nil {
		t.Fatal(err)
	}
	for i, r := range fin.TxResults {
		if r.Code == chain.CodeOK {
			t.Errorf("invalid tx %d succeeded", i)
		}
	}
	if _, err := app.Commit(context.Background(), &abci.RequestCommit{}); err != nil {
		t.Fatal(err)
	}
	if after := queryAccount(t, app, alice.addr); accountOf(after) != accountOf(before) {
		t.Fatalf("account changed: %+v -> %+v", before, after)
	}
	// FinalizeBlock refuses a height that does not follow the committed one.
	if _, err := app.FinalizeBlock(context.Background(), &abci.RequestFinalizeBlock{Height: 5}); err == nil {
		t.Fatal("FinalizeBlock at height 5 after height 1 succeeded")
	}
}

func TestQuery(t *testing.T) {
	params := chain.DefaultParams()
	params.MaxSquareSize = 64
	app := newTestApp(t, "", genesisFor(params, alice))
	if got := queryAccount(t, app, alice.addr); got.Balance != richBalance || got.Sequence != 0 || !bytes.Equal(got.Address, alice.addr[:]) {
		t.Fatalf("alice: %+v", got)
	}
	if got := queryAccount(t, app, dave.addr); got.Balance != 0 || got.Sequence != 0 {
		t.Fatalf("unknown account: %+v", got)
	}
	res, err := app.Query(context.Background(), &abci.RequestQuery{Path: "/params"})
	if err != nil || res.Code != chain.CodeOK {
		t.Fatal(err, res)
	}
	var p chain.Params
	if err := json.Unmarshal(res.Value, &p); err != nil || p != params {
		t.Fatalf("/params = %s (%v), want %+v", res.Value, err, params)
	}
	if res, _ := app.Query(context.Background(), &abci.RequestQuery{Path: "/params", Height: 7}); res.Code == chain.CodeOK {
		t.Error("query of a past height succeeded; only the latest state is kept")
	}
	for _, path := range []string{"/account/zz", "/account/" + strings.Repeat("a", 38), "/blobs/x/01", "/blobs/0/01",
		"/blobs/1/nothex", "/nope", "", "/account"} {
		res, err := app.Query(context.Background(), &abci.RequestQuery{Path: path})
		if err != nil {
			t.Fatal(err)
		}
		if res.Code == chain.CodeOK || res.Log == "" {
			t.Errorf("query %q: code %d log %q, want an error", path, res.Code, res.Log)
		}
	}
}

// mempoolFor returns a few blocks' worth of transactions from two signers.
func mempoolFor(t *testing.T, height int64) [][]byte {
	seq := uint64(height - 1)
	return [][]byte{
		transferTx(t, alice, seq, bob.addr, uint64(height)),
		pfbTx(t, bob, seq, []*blobs.Blob{testBlob(t, byte(height), 100*int(height))}),
	}
}

func TestPersistenceAcrossRestart(t *testing.T) {
	dir := t.TempDir()
	g := genesisFor(chain.DefaultParams(), alice, bob)
	app := newTestApp(t, dir, g)
	var hashes [][]byte
	for h := int64(1); h <= 3; h++ {
		_, fin := produceBlock(t, app, h, mempoolFor(t, h))
		hashes = append(hashes, fin.AppHash)
	}
	info, _ := app.Info(context.Background(), &abci.RequestInfo{})
	aliceBefore := queryAccount(t, app, alice.addr)
	recsBefore := queryBlobs(t, app, 2, testNamespace(2))
	if err := app.Close(); err != nil {
		t.Fatal(err)
	}

	app2 := reopen(t, dir)
	info2, _ := app2.Info(context.Background(), &abci.RequestInfo{})
	if info2.LastBlockHeight != 3 || !bytes.Equal(info2.LastBlockAppHash, hashes[2]) || !bytes.Equal(info.LastBlockAppHash, info2.LastBlockAppHash) {
		t.Fatalf("after restart Info = height %d hash %X, want 3 %X", info2.LastBlockHeight, info2.LastBlockAppHash, hashes[2])
	}
	if got := queryAccount(t, app2, alice.addr); accountOf(got) != accountOf(aliceBefore) {
		t.Fatalf("alice after restart %+v, want %+v", got, aliceBefore)
	}
	if got := queryBlobs(t, app2, 2, testNamespace(2)); len(got) != 1 || len(recsBefore) != 1 || !bytes.Equal(got[0].Commitment, recsBefore[0].Commitment) {
		t.Fatalf("blob index after restart: %+v, want %+v", got, recsBefore)
	}
	// The chain continues: the reopened app accepts the next sequences.
	produceBlock(t, app2, 4, mempoolFor(t, 4))
	if got := queryAccount(t, app2, alice.addr); got.Sequence != 4 {
		t.Fatalf("alice sequence %d after 4 blocks", got.Sequence)
	}
}

func TestCrashBetweenFinalizeAndCommit(t *testing.T) {
	g := genesisFor(chain.DefaultParams(), alice, bob)

	// Reference run without a crash.
	ref := newTestApp(t, "", g)
	var refHashes [][]byte
	var blocks [][][]byte
	for h := int64(1); h <= 3; h++ {
		txs, fin := produceBlock(t, ref, h, mempoolFor(t, h))
		blocks = append(blocks, txs)
		refHashes = append(refHashes, fin.AppHash)
	}

	// Crashing run: block 1 committed, block 2 finalized but not committed.
	dir := t.TempDir()
	app := newTestApp(t, dir, g)
	ctx := context.Background()
	fin := func(a *App, h int64) *abci.ResponseFinalizeBlock {
		res, err := a.FinalizeBlock(ctx, &abci.RequestFinalizeBlock{Txs: blocks[h-1], Height: h})
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	fin(app, 1)
	if _, err := app.Commit(ctx, &abci.RequestCommit{}); err != nil {
		t.Fatal(err)
	}
	if got := fin(app, 2).AppHash; !bytes.Equal(got, refHashes[1]) {
		t.Fatalf("height 2 app hash %X, reference %X", got, refHashes[1])
	}
	_ = app.Close() // "crash": the finalized block is lost with the process

	// CometBFT's handshake sees height 1 and replays block 2 (FinalizeBlock
	// without Prepare/ProcessProposal, so the square is rebuilt), then 3.
	app2 := reopen(t, dir)
	info, _ := app2.Info(ctx, &abci.RequestInfo{})
	if info.LastBlockHeight != 1 || !bytes.Equal(info.LastBlockAppHash, refHashes[0]) {
		t.Fatalf("after crash Info = %d %X, want 1 %X", info.LastBlockHeight, info.LastBlockAppHash, refHashes[0])
	}
	for h := int64(2); h <= 3; h++ {
		res := fin(app2, h)
		if !bytes.Equal(res.AppHash, refHashes[h-1]) {
			t.Fatalf("replayed height %d app hash %X, reference %X", h, res.AppHash, refHashes[h-1])
		}
		if _, err := app2.Commit(ctx, &abci.RequestCommit{}); err != nil {
			t.Fatal(err)
		}
	}
	// Nothing lost or applied twice: same accounts and blob index as the reference.
	for _, k := range []testKey{alice, bob} {
		if got, want := queryAccount(t, app2, k.addr), queryAccount(t, ref, k.addr); accountOf(got) != accountOf(want) {
			t.Fatalf("account %s after replay %+v, reference %+v", k.addr, got, want)
		}
	}
	for h := int64(1); h <= 3; h++ {
		got, want := queryBlobs(t, app2, h, testNamespace(byte(h))), queryBlobs(t, ref, h, testNamespace(byte(h)))
		if len(got) != 1 || len(want) != 1 || got[0].Index != want[0].Index || !bytes.Equal(got[0].Commitment, want[0].Commitment) {
			t.Fatalf("height %d blob index after replay %+v, reference %+v", h, got, want)
		}
	}
}

func TestCommitWithoutFinalize(t *testing.T) {
	app := newTestApp(t, "", genesisFor(chain.DefaultParams(), alice))
	if _, err := app.Commit(context.Background(), &abci.RequestCommit{}); err == nil {
		t.Fatal("Commit without FinalizeBlock succeeded")
	}
}

func TestInitChainIsRepeatableAtGenesis(t *testing.T) {
	dir := t.TempDir()
	g := genesisFor(chain.DefaultParams(), alice)
	app := newTestApp(t, dir, g)
	info1, _ := app.Info(context.Background(), &abci.RequestInfo{})
	_ = app.Close()
	// Restart before any block: CometBFT calls InitChain again.
	app2 := newTestApp(t, dir, g)
	info2, _ := app2.Info(context.Background(), &abci.RequestInfo{})
	if info2.LastBlockHeight != 0 || !bytes.Equal(info1.LastBlockAppHash, info2.LastBlockAppHash) {
		t.Fatalf("genesis app hash changed across InitChain: %X vs %X", info1.LastBlockAppHash, info2.LastBlockAppHash)
	}
	produceBlock(t, app2, 1, nil)
	// After a block, a second InitChain is refused.
	state, _ := json.Marshal(g)
	if _, err := app2.InitChain(context.Background(), &abci.RequestInitChain{ChainId: testChainID, AppStateBytes: state}); err == nil {
		t.Fatal("InitChain after a committed block succeeded")
	}
}

func TestRetainHeightPrunesIndex(t *testing.T) {
	app := newTestApp(t, "", genesisFor(chain.DefaultParams(), alice, bob), func(c *AppConfig) { c.RetainBlocks = 2 })
	ctx := context.Background()
	for h := int64(1); h <= 4; h++ {
		prep, err := app.PrepareProposal(ctx, &abci.RequestPrepareProposal{Txs: mempoolFor(t, h), Height: h})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := app.FinalizeBlock(ctx, &abci.RequestFinalizeBlock{Txs: prep.Txs, Height: h}); err != nil {
			t.Fatal(err)
		}
		res, err := app.Commit(ctx, &abci.RequestCommit{})
		if err != nil {
			t.Fatal(err)
		}
		want := max(h-1, 0)
		if h <= 2 {
			want = 0
		}
		if res.RetainHeight != want {
			t.Fatalf("height %d: retain height %d, want %d", h, res.RetainHeight, want)
		}
	}
	for h := int64(1); h <= 4; h++ {
		got := len(queryBlobs(t, app, h, testNamespace(byte(h))))
		if want := map[bool]int{true: 1, false: 0}[h >= 3]; got != want {
			t.Errorf("height %d: %d index records, want %d", h, got, want)
		}
	}
}

func TestIdenticalAppsAgree(t *testing.T) {
	g := genesisFor(chain.DefaultParams(), alice, bob)
	a, b := newTestApp(t, "", g), newTestApp(t, "", g)
	for h := int64(1); h <= 3; h++ {
		txs, finA := produceBlock(t, a, h, mempoolFor(t, h))
		// b only processes and finalizes a's block.
		ctx := context.Background()
		proc, _ := b.ProcessProposal(ctx, &abci.RequestProcessProposal{Txs: txs, Height: h})
		if proc.Status != abci.ResponseProcessProposal_ACCEPT {
			t.Fatalf("height %d: b rejects a's proposal", h)
		}
		finB, err := b.FinalizeBlock(ctx, &abci.RequestFinalizeBlock{Txs: txs, Height: h})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := b.Commit(ctx, &abci.RequestCommit{}); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(finA.AppHash, finB.AppHash) {
			t.Fatalf("height %d: app hashes differ %X vs %X", h, finA.AppHash, finB.AppHash)
		}
	}
}

// TestConcurrentConnections drives the mempool, query and consensus
// connections at once, as CometBFT does with one lock per connection; run
// with -race.
func TestConcurrentConnections(t *testing.T) {
	app := newTestApp(t, "", genesisFor(chain.DefaultParams(), alice, bob, carol))
	ctx := context.Background()
	done := make(chan struct{})
	errs := make(chan error, 2)
	go func() {
		defer func() { errs <- nil }()
		for seq := uint64(0); ; seq++ {
			select {
			case <-done:
				return
			default:
			}
			_, _ = app.CheckTx(ctx, &abci.RequestCheckTx{Tx: transferTx(t, carol, seq%4, dave.addr, 1), Type: abci.CheckTxType_New})
		}
	}()
	go func() {
		defer func() { errs <- nil }()
		for {
			select {
			case <-done:
				return
			default:
			}
			_, _ = app.Query(ctx, &abci.RequestQuery{Path: "/account/" + alice.addr.String()})
			_, _ = app.Info(ctx, &abci.RequestInfo{})
		}
	}()
	for h := int64(1); h <= 4; h++ {
		produceBlock(t, app, h, mempoolFor(t, h))
	}
	close(done)
	<-errs
	<-errs
	if got := queryAccount(t, app, alice.addr); got.Sequence != 4 {
		t.Fatalf("alice sequence %d, want 4", got.Sequence)
	}
}

func TestValidCacheEvictsOldest(t *testing.T) {
	var c validCache
	key := func(i int) [32]byte { var k [32]byte; binary.BigEndian.PutUint64(k[:], uint64(i)); return k }
	for i := range validCacheSize + 10 {
		c.add(key(i))
		c.add(key(i)) // duplicates do not take room
	}
	for i := range 10 {
		if c.has(key(i)) {
			t.Fatalf("entry %d not evicted", i)
		}
	}
	for _, i := range []int{10, validCacheSize, validCacheSize + 9} {
		if !c.has(key(i)) {
			t.Fatalf("entry %d evicted too early", i)
		}
	}
	if len(c.set) != validCacheSize {
		t.Fatalf("cache holds %d entries, want %d", len(c.set), validCacheSize)
	}
	c.reset()
	if c.has(key(validCacheSize)) {
		t.Fatal("reset kept an entry")
	}
}
