package rollupadapter

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/quadrant-da/quadrant/blobs"
	"github.com/quadrant-da/quadrant/chain"
	"github.com/quadrant-da/quadrant/consensus"
	"github.com/quadrant-da/quadrant/contracts/blobstream"
	"github.com/quadrant-da/quadrant/da"
	"github.com/quadrant-da/quadrant/erasure"
	"github.com/quadrant-da/quadrant/internal/wait"
	"github.com/quadrant-da/quadrant/rpc"
	"github.com/quadrant-da/quadrant/validator/validatortest"
	"github.com/quadrant-da/quadrant/wallet"
)

// attestingNet starts one CometBFT validator that registers an Ethereum key
// at genesis and attests every 4 heights, a memStore following it, and the
// adapter's JSON-RPC server over a BridgeNode (which reads attestations
// through the validator's RPC client).
func attestingNet(t *testing.T) *testNet {
	t.Helper()
	nw := validatortest.NewNetwork(t, 1, 0, 150*time.Millisecond, 10*chain.DefaultPowerReduction, func(g *consensus.GenesisState) {
		g.Attestation.DataCommitmentWindow = 4
	})
	node := nw.Start(t, 0)
	m := nw.Members[0]
	ctx, cancel := context.WithCancel(context.Background())
	tn := &testNet{home: m.Home, chain: node,
		store: &memStore{headers: map[uint64]*da.ExtendedHeader{}, squares: map[uint64]*erasure.ExtendedSquare{}}}
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { defer wg.Done(); tn.store.ingest(ctx, node, chain.DefaultParams().MaxSquareSize) }()
	logger := validatortest.Logger(t, m.Home)
	subs := wallet.NewSubmitters(ctx, node.Client(), node.Mempool(), logger, 20*time.Millisecond)
	t.Cleanup(func() { subs.Stop(); cancel(); wg.Wait() })
	var err error
	tn.bridge, err = NewBridgeNode(BridgeNodeConfig{Store: tn.store, Chain: node.Client(), Submitters: subs,
		Keys: wallet.NewKeyring(m.Home), DefaultKey: "operator"})
	if err != nil {
		t.Fatal(err)
	}
	acfg := DefaultConfig()
	acfg.SubmitTimeout, acfg.PollInterval = 30*time.Second, 10*time.Millisecond
	if tn.adapter, err = New(acfg, tn.bridge, logger); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(tn.adapter.Close)
	tn.secret = make([]byte, rpc.SecretSize)
	rand.Read(tn.secret)
	rcfg := rpc.DefaultConfig()
	rcfg.ListenAddr, rcfg.RateLimit = "127.0.0.1:0", 0
	if tn.srv, err = rpc.NewServer(rcfg, tn.secret, append(RPCOptions(), rpc.WithLogger(logger))...); err != nil {
		t.Fatal(err)
	}
	if err := tn.adapter.Register(tn.srv); err != nil {
		t.Fatal(err)
	}
	if err := tn.srv.Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { tn.srv.Stop(context.Background()) })
	tn.url = "http://" + tn.srv.Addr()
	return tn
}

// TestBlobstreamProofsOverRPC submits a blob, waits for its window to be
// attested, and checks through the JSON-RPC client what the blobstream
// module serves: the window's tuple root equals the attested one, the tuple
// inclusion proof and the SharesProof's attestation proof verify against
// it, and the SharesProof carries exactly the blob's shares and equals the
// proof built independently from the stored square. Then every bad argument
// gets its error.
func TestBlobstreamProofsOverRPC(t *testing.T) {
	tn := attestingNet(t)
	var bapi BlobAPI
	tn.client(t, "http", "blob", tn.token(t, "write"), &bapi)
	var api BlobstreamAPI
	tn.client(t, "http", "blobstream", tn.token(t, "read"), &api)
	ctx := context.Background()
	ns := testNS(t, "blobstream")
	data := bytes.Repeat([]byte("attested "), 200)
	h, err := bapi.Submit(ctx, []*Blob{{Namespace: ns.Bytes(), Data: data, Index: -1}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	commitment := mustCommit(t, ns, data)

	var sp *SharesProof
	wait.For(t, time.Minute, "the blob's window to be attested and fully signed", func() bool {
		sp, err = api.GetSharesProof(ctx, h, ns.Bytes(), commitment)
		if err != nil && !strings.Contains(err.Error(), "not attested") {
			t.Fatalf("GetSharesProof(%d): %v", h, err)
		}
		return err == nil
	})
	att, err := tn.adapter.AttestedWindow(ctx, h)
	if err != nil {
		t.Fatal(err)
	}
	if att.BeginHeight > h || att.EndHeight < h || att.EndHeight-att.BeginHeight+1 != 4 || !att.Complete() {
		t.Fatalf("window of height %d: %+v", h, att)
	}
	start, end := att.BeginHeight, att.EndHeight+1

	root, err := api.GetDataRootTupleRoot(ctx, start, end)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(*root, att.TupleRoot) {
		t.Fatalf("GetDataRootTupleRoot(%d, %d) = %x, attested %x", start, end, []byte(*root), []byte(att.TupleRoot))
	}
	hdr, err := tn.adapter.Header(ctx, h)
	if err != nil {
		t.Fatal(err)
	}
	tuple := blobstream.DataRootTuple{Height: h, DataRoot: [32]byte(hdr.DAH.Hash())}
	ip, err := api.GetDataRootTupleInclusionProof(ctx, h, start, end)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(ip.LeafHash, da.MerkleLeafHash(tuple.Encode())) || ip.Index != int64(h-start) || ip.Total != 4 {
		t.Fatalf("inclusion proof of %d: index %d of %d, leaf %x", h, ip.Index, ip.Total, ip.LeafHash)
	}
	mp := da.MerkleProof{Index: int(ip.Index), Total: int(ip.Total), Aunts: ip.Aunts}
	if err := mp.Verify(att.TupleRoot, tuple.Encode()); err != nil {
		t.Fatalf("tuple inclusion proof does not verify against the attested root: %v", err)
	}

	checkSharesProof(t, tn, sp, att, tuple, ns, data, commitment)
	checkBlobstreamErrors(t, tn, &api, h, ns, commitment, start, end)
}

// checkSharesProof checks sp (as served over JSON-RPC) against att, the
// blob and an independent proof from the stored square.
func checkSharesProof(t *testing.T, tn *testNet, sp *SharesProof, att *chain.Attestation, tuple blobstream.DataRootTuple,
	ns da.Namespace, data, commitment []byte) {
	t.Helper()
	raw, err := json.Marshal(sp)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(raw), `"attestationProof":{"tupleRootNonce":`) || !strings.Contains(string(raw), `"dataRoot":"0x`) {
		t.Fatalf("SharesProof JSON is not in the Solidity struct's shape: %.300s", raw)
	}
	got, err := sp.Blobstream()
	if err != nil {
		t.Fatal(err)
	}
	ap := got.AttestationProof
	if ap.TupleRootNonce != att.Nonce || ap.Tuple != tuple {
		t.Fatalf("attestation proof of nonce %d, tuple %+v; want nonce %d, tuple %+v", ap.TupleRootNonce, ap.Tuple, att.Nonce, tuple)
	}
	aunts := make([][]byte, len(ap.Proof.SideNodes))
	for i := range ap.Proof.SideNodes {
		aunts[i] = ap.Proof.SideNodes[i][:]
	}
	mp := da.MerkleProof{Index: int(ap.Proof.Key), Total: int(ap.Proof.NumLeaves), Aunts: aunts}
	if err := mp.Verify(att.TupleRoot, tuple.Encode()); err != nil {
		t.Fatalf("SharesProof's attestation proof does not verify: %v", err)
	}
	shares, err := blobs.SplitBlob(&blobs.Blob{Namespace: ns, Data: data})
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Data) != len(shares) {
		t.Fatalf("%d shares proved, the blob has %d", len(got.Data), len(shares))
	}
	for i := range shares {
		if !bytes.Equal(got.Data[i], shares[i][:]) {
			t.Fatalf("share %d differs from the blob's", i)
		}
	}
	ctx := context.Background()
	eds, err := tn.store.Square(ctx, tuple.Height)
	if err != nil {
		t.Fatal(err)
	}
	hdr, err := tn.store.HeaderByHeight(ctx, tuple.Height)
	if err != nil {
		t.Fatal(err)
	}
	x, err := blobs.NewExtendedSquare(eds, hdr.DAH)
	if err != nil {
		t.Fatal(err)
	}
	want, err := blobstream.ProveBlob(x, ns, commitment, ap)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatal("the SharesProof served over JSON-RPC differs from the one built from the stored square")
	}
}

// checkBlobstreamErrors calls the blobstream module with bad arguments;
// [start, end) is h's attested window.
func checkBlobstreamErrors(t *testing.T, tn *testNet, api *BlobstreamAPI, h uint64, ns da.Namespace, commitment []byte, start, end uint64) {
	t.Helper()
	ctx := context.Background()
	future := tn.store.HeadHeight() + 1000
	for name, c := range map[string]struct {
		call func() error
		want string
	}{
		"zero start":          {func() error { _, err := api.GetDataRootTupleRoot(ctx, 0, 4); return err }, "want 1 ≤ start < end"},
		"empty range":         {func() error { _, err := api.GetDataRootTupleRoot(ctx, start, start); return err }, "want 1 ≤ start < end"},
		"range too long":      {func() error { _, err := api.GetDataRootTupleRoot(ctx, 1, 2+blobstream.MaxWindow); return err }, "more than"},
		"range shorter":       {func() error { _, err := api.GetDataRootTupleRoot(ctx, start, end-1); return err }, "is not an attested window"},
		"range shifted":       {func() error { _, err := api.GetDataRootTupleRoot(ctx, start+1, end+1); return err }, "is not an attested window"},
		"range not attested":  {func() error { _, err := api.GetDataRootTupleRoot(ctx, future, future+4); return err }, "is not attested yet"},
		"height outside":      {func() error { _, err := api.GetDataRootTupleInclusionProof(ctx, end, start, end); return err }, "outside the range"},
		"height not attested": {func() error { _, err := api.GetSharesProof(ctx, future, ns.Bytes(), commitment); return err }, "is not attested yet"},
		"height zero":         {func() error { _, err := api.GetSharesProof(ctx, 0, ns.Bytes(), commitment); return err }, "heights start at 1"},
		"no such blob": {func() error {
			_, err := api.GetSharesProof(ctx, h, ns.Bytes(), bytes.Repeat([]byte{7}, 32))
			return err
		}, "blob: not found"},
		"empty commitment": {func() error { _, err := api.GetSharesProof(ctx, h, ns.Bytes(), nil); return err }, "commitment of 0 bytes"},
		"short commitment": {func() error { _, err := api.GetSharesProof(ctx, h, ns.Bytes(), commitment[:31]); return err }, "commitment of 31 bytes"},
		"bad namespace":    {func() error { _, err := api.GetSharesProof(ctx, h, []byte{1, 2}, commitment); return err }, "namespace"},
	} {
		err := c.call()
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: err %v, want one containing %q", name, err, c.want)
		}
	}
	// A node that cannot read attestations (a light node) says so.
	light, err := New(tn.adapter.Config(), struct{ Node }{tn.bridge}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer light.Close()
	if _, err := light.SharesProof(ctx, h, ns, commitment); !errors.Is(err, errNoAttestations) {
		t.Errorf("node without attestations: err %v, want errNoAttestations", err)
	}
}

// TestSharesProofJSON round-trips a real SharesProof (of two shares) through its JSON form
// and checks that Blobstream refuses malformed fields.
func TestSharesProofJSON(t *testing.T) {
	// Two shares of the transaction namespace: any namespace's shares
	// take the same JSON form.
	sq, err := blobs.Construct([][]byte{bytes.Repeat([]byte("tx"), 600)}, 8)
	if err != nil {
		t.Fatal(err)
	}
	x, err := sq.Extend()
	if err != nil {
		t.Fatal(err)
	}
	dc, err := blobstream.NewDataCommitment([]blobstream.DataRootTuple{{Height: 7, DataRoot: [32]byte(x.DAH.Hash())}, {Height: 8}})
	if err != nil {
		t.Fatal(err)
	}
	ap, err := dc.AttestationProof(3, 7)
	if err != nil {
		t.Fatal(err)
	}
	want, err := blobstream.NewSharesProof(x, 0, 2, ap)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := json.Marshal(sharesProofJSON(want))
	if err != nil {
		t.Fatal(err)
	}
	var back SharesProof
	if err := json.Unmarshal(raw, &back); err != nil {
		t.Fatal(err)
	}
	got, err := back.Blobstream()
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("round trip changed the proof:\n%s", raw)
	}
	for name, spoil := range map[string]func(p *SharesProof){
		"short share":        func(p *SharesProof) { p.Data[0] = p.Data[0][:10] },
		"no shares":          func(p *SharesProof) { p.Data = nil },
		"row roots missing":  func(p *SharesProof) { p.RowRoots = nil },
		"long namespace id":  func(p *SharesProof) { p.Namespace.ID = append(p.Namespace.ID, 0) },
		"short digest":       func(p *SharesProof) { p.RowRoots[0].Digest = p.RowRoots[0].Digest[:31] },
		"short data root":    func(p *SharesProof) { p.AttestationProof.Tuple.DataRoot = nil },
		"short side node":    func(p *SharesProof) { p.AttestationProof.Proof.SideNodes[0] = EthBytes{1} },
		"two-byte version":   func(p *SharesProof) { p.Namespace.Version = EthBytes{0, 0} },
		"short row min node": func(p *SharesProof) { p.RowRoots[0].Min.ID = nil },
	} {
		var p SharesProof
		if err := json.Unmarshal(raw, &p); err != nil {
			t.Fatal(err)
		}
		spoil(&p)
		if _, err := p.Blobstream(); !errors.Is(err, errInvalidProof) {
			t.Errorf("%s: err %v, want errInvalidProof", name, err)
		}
	}
}

// FuzzSharesProofJSON decodes arbitrary JSON as a SharesProof: Blobstream
// never panics, and a proof it accepts survives another round trip.
func FuzzSharesProofJSON(f *testing.F) {
	f.Add([]byte(`{"data":["0x00"],"shareProofs":[{"beginKey":0,"endKey":1,"sideNodes":[]}],"namespace":{"version":"0x00","id":"0x00"}}`))
	f.Add([]byte(`{"data":[],"rowRoots":[{"min":{"version":"0x","id":"0x"},"digest":"0x01"}],"attestationProof":{"tupleRootNonce":1}}`))
	f.Fuzz(func(t *testing.T, raw []byte) {
		var p SharesProof
		if json.Unmarshal(raw, &p) != nil {
			return
		}
		bp, err := p.Blobstream()
		if err != nil {
			if !errors.Is(err, errInvalidProof) {
				t.Fatalf("error %v does not wrap errInvalidProof", err)
			}
			return
		}
		again, err := sharesProofJSON(bp).Blobstream()
		if err != nil || !reflect.DeepEqual(again, bp) {
			t.Fatalf("accepted proof does not round-trip: %v", err)
		}
	})
}
