package rollupadapter

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cometbft/cometbft/crypto/merkle"
	cmtbytes "github.com/cometbft/cometbft/libs/bytes"
	cmtjson "github.com/cometbft/cometbft/libs/json"

	"github.com/quadrant-da/quadrant/blobs"
	"github.com/quadrant-da/quadrant/da"
)

func testNS(t testing.TB, s string) da.Namespace {
	t.Helper()
	ns, err := da.NewNamespaceV0([]byte(s))
	if err != nil {
		t.Fatal(err)
	}
	return ns
}

func mustCommit(t testing.TB, ns da.Namespace, data []byte) []byte {
	t.Helper()
	c, err := blobs.CreateCommitment(&blobs.Blob{Namespace: ns, Data: data})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestBlobRoundTripHTTPAndWS(t *testing.T) {
	tn := network(t)
	for _, scheme := range []string{"http", "ws"} {
		t.Run(scheme, func(t *testing.T) {
			var api BlobAPI
			tn.client(t, scheme, "blob", tn.token(t, "write"), &api)
			var hapi headerAPI
			tn.client(t, scheme, "header", tn.token(t, "read"), &hapi)
			ctx := context.Background()
			ns := testNS(t, "rt-"+scheme)
			data1 := bytes.Repeat([]byte("quadrant "), 300) // spans several shares
			data2 := []byte("second blob")
			in := []*Blob{
				{Namespace: ns.Bytes(), Data: data1, Index: -1},
				{Namespace: ns.Bytes(), Data: data2, Commitment: mustCommit(t, ns, data2), Index: -1},
			}
			h, err := api.Submit(ctx, in, &SubmitOptions{KeyName: "rollup"})
			if err != nil {
				t.Fatal(err)
			}
			all, err := api.GetAll(ctx, h, [][]byte{ns.Bytes()})
			if err != nil {
				t.Fatal(err)
			}
			if len(all) != 2 || !bytes.Equal(all[0].Data, data1) || !bytes.Equal(all[1].Data, data2) {
				t.Fatalf("GetAll(%d) returned %d blobs, want the 2 submitted", h, len(all))
			}
			hdr, err := hapi.GetByHeight(ctx, h)
			if err != nil {
				t.Fatal(err)
			}
			eh, err := hdr.ExtendedHeader()
			if err != nil {
				t.Fatal(err)
			}
			if err := eh.Validate("adapter-test"); err != nil {
				t.Fatalf("served header does not validate: %v", err)
			}
			k := eh.DAH.SquareWidth() / 2
			for i, b := range all {
				if want := mustCommit(t, ns, b.Data); !bytes.Equal(b.Commitment, want) {
					t.Fatalf("blob %d commitment %X, want %X", i, b.Commitment, want)
				}
				got, err := api.Get(ctx, h, ns.Bytes(), b.Commitment)
				if err != nil || !bytes.Equal(got.Data, b.Data) || got.Index != b.Index {
					t.Fatalf("Get blob %d: %+v, %v", i, got, err)
				}
				// index is in the extended square: its column is < k and
				// the original index it maps back to holds the blob's
				// first share.
				if b.Index < 0 || b.Index%(2*k) >= k {
					t.Fatalf("blob %d index %d is not an extended-square index of the original quadrant (k=%d)", i, b.Index, k)
				}
				orig := (b.Index/(2*k))*k + b.Index%(2*k)
				_, bp, _, err := tn.adapter.Proof(ctx, h, ns, b.Commitment)
				if err != nil {
					t.Fatal(err)
				}
				if bp.Start != orig {
					t.Fatalf("blob %d: index %d maps to original share %d, proof says it starts at %d", i, b.Index, orig, bp.Start)
				}
				if err := bp.Verify(eh.DataRoot(), &blobs.Blob{Namespace: ns, Data: b.Data}, b.Commitment); err != nil {
					t.Fatalf("blob %d proof against the header's data root: %v", i, err)
				}
				proof, err := api.GetProof(ctx, h, ns.Bytes(), b.Commitment)
				if err != nil {
					t.Fatal(err)
				}
				ok, err := api.Included(ctx, h, ns.Bytes(), proof, b.Commitment)
				if err != nil || !ok {
					t.Fatalf("Included(own proof) = %v, %v", ok, err)
				}
				// a proof of the other blob does not prove this one
				other := all[1-i]
				op, err := api.GetProof(ctx, h, ns.Bytes(), other.Commitment)
				if err != nil {
					t.Fatal(err)
				}
				if ok, err := api.Included(ctx, h, ns.Bytes(), op, b.Commitment); err != nil || ok {
					t.Fatalf("Included(other blob's proof) = %v, %v; want false", ok, err)
				}
				cp, err := api.GetCommitmentProof(ctx, h, ns.Bytes(), b.Commitment)
				if err != nil {
					t.Fatal(err)
				}
				if err := cp.QuadrantProof.VerifyCommitment(eh.DataRoot(), ns, b.Commitment); err != nil {
					t.Fatalf("commitment proof: %v", err)
				}
				checkCommitmentProof(t, cp, eh.DataRoot(), ns, b.Commitment, other.Commitment)
			}
		})
	}
}

func TestBlobErrors(t *testing.T) {
	tn := network(t)
	var api BlobAPI
	tn.client(t, "http", "blob", tn.token(t, "write"), &api)
	ctx := context.Background()
	ns := testNS(t, "errors")
	h, err := api.Submit(ctx, []*Blob{{Namespace: ns.Bytes(), Data: []byte("x")}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name string
		call func() error
		want string
	}{
		{"unknown commitment", func() error {
			_, err := api.Get(ctx, h, ns.Bytes(), make([]byte, 32))
			return err
		}, "blob: not found"},
		{"unknown commitment proof", func() error {
			_, err := api.GetProof(ctx, h, ns.Bytes(), make([]byte, 32))
			return err
		}, "blob: not found"},
		{"future height", func() error {
			_, err := api.GetAll(ctx, h+100000, [][]byte{ns.Bytes()})
			return err
		}, "given height is from the future"},
		{"short namespace", func() error {
			_, err := api.GetAll(ctx, h, [][]byte{[]byte("short")})
			return err
		}, "invalid namespace"},
		{"reserved namespace submit", func() error {
			_, err := api.Submit(ctx, []*Blob{{Namespace: da.TxNamespace().Bytes(), Data: []byte("x")}}, nil)
			return err
		}, "invalid namespace"},
		{"oversized blob", func() error {
			_, err := api.Submit(ctx, []*Blob{{Namespace: ns.Bytes(), Data: make([]byte, tn.adapter.MaxBlobSize()+1)}}, nil)
			return err
		}, "blob: over size limit"},
		{"wrong commitment", func() error {
			_, err := api.Submit(ctx, []*Blob{{Namespace: ns.Bytes(), Data: []byte("y"), Commitment: make([]byte, 32)}}, nil)
			return err
		}, "invalid blob"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := c.call()
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("error %v, want one containing %q", err, c.want)
			}
		})
	}
	// an empty height for the namespace is an empty list, not an error
	other := testNS(t, "nothing")
	got, err := api.GetAll(ctx, h, [][]byte{other.Bytes()})
	if err != nil || got == nil || len(got) != 0 {
		t.Fatalf("GetAll of an empty namespace = %v, %v; want [] and no error", got, err)
	}
}

// TestConcurrentSubmitsOneKey: 32 concurrent blob.Submit calls through one key
// all land; the chain's CheckTx refuses any out-of-order sequence, so this
// passes only because every call goes through the account's queue.
func TestConcurrentSubmitsOneKey(t *testing.T) {
	tn := network(t)
	var api BlobAPI
	tn.client(t, "http", "blob", tn.token(t, "write"), &api)
	ctx := context.Background()
	ns := testNS(t, "concurrent")
	const n = 32
	heights := make([]uint64, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			heights[i], errs[i] = api.Submit(ctx, []*Blob{{Namespace: ns.Bytes(), Data: []byte(fmt.Sprintf("blob %02d", i))}}, &SubmitOptions{KeyName: "other"})
		}()
	}
	wg.Wait()
	for i := range n {
		if errs[i] != nil {
			t.Fatalf("submit %d: %v", i, errs[i])
		}
		all, err := api.GetAll(ctx, heights[i], [][]byte{ns.Bytes()})
		if err != nil {
			t.Fatal(err)
		}
		want := fmt.Sprintf("blob %02d", i)
		found := false
		for _, b := range all {
			found = found || string(b.Data) == want
		}
		if !found {
			t.Fatalf("submit %d reported height %d, where %q is not", i, heights[i], want)
		}
	}
}

func TestAuth(t *testing.T) {
	tn := network(t)
	ctx := context.Background()
	ns := testNS(t, "auth")
	blob := []*Blob{{Namespace: ns.Bytes(), Data: []byte("x")}}
	for _, c := range []struct {
		token, want string
	}{
		{"", "need 'write'"},
		{tn.token(t, "read"), "need 'write'"},
		{"not-a-token", "401"},
	} {
		var api BlobAPI
		tn.client(t, "http", "blob", c.token, &api)
		if _, err := api.Submit(ctx, blob, nil); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Fatalf("Submit with token %q: %v, want %q", c.token, err, c.want)
		}
	}
	var api BlobAPI
	tn.client(t, "http", "blob", "", &api)
	if _, err := api.GetAll(ctx, 1, [][]byte{ns.Bytes()}); err == nil || !strings.Contains(err.Error(), "need 'read'") {
		t.Fatalf("GetAll without a token: %v, want a read-permission error", err)
	}
}

func TestSubscribe(t *testing.T) {
	tn := network(t)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	ns := testNS(t, "subscribe")
	var ws, httpAPI BlobAPI
	tn.client(t, "ws", "blob", tn.token(t, "write"), &ws)
	tn.client(t, "http", "blob", tn.token(t, "write"), &httpAPI)
	if _, err := httpAPI.Subscribe(ctx, ns.Bytes()); err == nil || !strings.Contains(err.Error(), "not supported") {
		t.Fatalf("Subscribe over HTTP: %v, want go-jsonrpc's not-supported error", err)
	}
	sub, err := ws.Subscribe(ctx, ns.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	h, err := ws.Submit(ctx, []*Blob{{Namespace: ns.Bytes(), Data: []byte("live")}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	last := uint64(0)
	for r := range sub {
		if last != 0 && r.Height != last+1 {
			t.Fatalf("subscription jumped from %d to %d", last, r.Height)
		}
		last = r.Height
		if r.Height == h {
			if len(r.Blobs) != 1 || string(r.Blobs[0].Data) != "live" {
				t.Fatalf("height %d: %d blobs", h, len(r.Blobs))
			}
			break
		}
	}
	if last != h {
		t.Fatalf("subscription ended at %d before height %d", last, h)
	}
	// resume from an earlier height: the first item is exactly that height
	from, err := ws.SubscribeFrom(ctx, ns.Bytes(), h)
	if err != nil {
		t.Fatal(err)
	}
	r := <-from
	if r == nil || r.Height != h || len(r.Blobs) != 1 {
		t.Fatalf("SubscribeFrom(%d) first item %+v", h, r)
	}
}

// refRowProof is celestia-app's proof.RowProof with CometBFT's own types,
// decoded and encoded with CometBFT's JSON codec as celestia-node does.
type refRowProof struct {
	RowRoots []cmtbytes.HexBytes `json:"row_roots"`
	Proofs   []*merkle.Proof     `json:"proofs"`
	StartRow uint32              `json:"start_row"`
	EndRow   uint32              `json:"end_row"`
}

// checkCommitmentProof checks a commitment proof served over JSON-RPC: it
// verifies against the data root and the commitment (and not against
// another blob's commitment or an altered proof), its JSON has
// celestia-node's field names and shapes, and its row proofs, decoded by
// CometBFT's codec into CometBFT's types, verify with CometBFT's merkle
// package.
func checkCommitmentProof(t *testing.T, cp *CommitmentProof, dataRoot []byte, ns da.Namespace, commitment, other []byte) {
	t.Helper()
	if err := cp.Verify(dataRoot, commitment); err != nil {
		t.Fatalf("commitment proof against the data root: %v", err)
	}
	if !bytes.Equal(cp.NamespaceID, ns.ID()) || cp.NamespaceVersion != ns.Version() {
		t.Fatalf("commitment proof of namespace %d/%X, want %s", cp.NamespaceVersion, cp.NamespaceID, ns)
	}
	if len(cp.SubtreeRootProofs) != len(cp.RowProof.RowRoots) || len(cp.SubtreeRootProofs) == 0 {
		t.Fatalf("%d subtree root proofs for %d rows", len(cp.SubtreeRootProofs), len(cp.RowProof.RowRoots))
	}
	if err := cp.Verify(dataRoot, other); err == nil {
		t.Fatal("commitment proof verifies against another blob's commitment")
	}
	// altered copies are rejected
	raw, err := json.Marshal(cp)
	if err != nil {
		t.Fatal(err)
	}
	alter := func(what string, f func(q *CommitmentProof)) {
		t.Helper()
		var q CommitmentProof
		if err := json.Unmarshal(raw, &q); err != nil {
			t.Fatal(err)
		}
		f(&q)
		if err := q.Verify(dataRoot, commitment); !errors.Is(err, errInvalidProof) && !errors.Is(err, blobs.ErrInvalidProof) {
			t.Fatalf("%s altered: Verify = %v, want an invalid-proof error", what, err)
		}
	}
	alter("subtree root", func(q *CommitmentProof) { q.SubtreeRoots[0][da.NodeSize-1] ^= 1 })
	alter("subtree root proof range", func(q *CommitmentProof) { q.SubtreeRootProofs[0].Start++ })
	alter("row root", func(q *CommitmentProof) { q.RowProof.RowRoots[0][da.NodeSize-1] ^= 1 })
	alter("row leaf hash", func(q *CommitmentProof) { q.RowProof.Proofs[0].LeafHash[0] ^= 1 })
	alter("start row", func(q *CommitmentProof) { q.RowProof.StartRow++; q.RowProof.EndRow++ })
	alter("namespace", func(q *CommitmentProof) { q.NamespaceID[len(q.NamespaceID)-1] ^= 1 })
	alter("missing subtree root proof", func(q *CommitmentProof) { q.SubtreeRootProofs = q.SubtreeRootProofs[1:] })

	// JSON shape: celestia-node's fields, nmt.Proof's shape for the
	// subtree root proofs
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(raw, &fields); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"subtree_roots", "subtree_root_proofs", "namespace_id", "row_proof", "namespace_version"} {
		if _, ok := fields[f]; !ok {
			t.Fatalf("commitment proof JSON lacks %q: %s", f, raw)
		}
	}
	var proofs []map[string]any
	if err := json.Unmarshal(fields["subtree_root_proofs"], &proofs); err != nil {
		t.Fatal(err)
	}
	for i, p := range proofs {
		if _, ok := p["end"].(float64); !ok {
			t.Fatalf("subtree root proof %d: end is not a JSON number: %v", i, p)
		}
		if p["is_max_namespace_ignored"] != true {
			t.Fatalf("subtree root proof %d does not ignore the max namespace: %v", i, p)
		}
	}
	// row_proof: CometBFT's codec decodes it into celestia-app's types,
	// re-encodes it byte for byte, and CometBFT verifies every row root
	var ref refRowProof
	if err := cmtjson.Unmarshal(fields["row_proof"], &ref); err != nil {
		t.Fatalf("CometBFT's codec cannot decode row_proof %s: %v", fields["row_proof"], err)
	}
	again, err := cmtjson.Marshal(ref)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(again, fields["row_proof"]) {
		t.Fatalf("row_proof is not in CometBFT's encoding:\n got %s\nwant %s", fields["row_proof"], again)
	}
	if int(ref.EndRow-ref.StartRow)+1 != len(ref.RowRoots) || len(ref.Proofs) != len(ref.RowRoots) {
		t.Fatalf("row_proof rows %d..%d with %d roots and %d proofs", ref.StartRow, ref.EndRow, len(ref.RowRoots), len(ref.Proofs))
	}
	for i, p := range ref.Proofs {
		if err := p.Verify(dataRoot, ref.RowRoots[i]); err != nil {
			t.Fatalf("CometBFT rejects row %d's root proof: %v", int(ref.StartRow)+i, err)
		}
		if p.Index != int64(ref.StartRow)+int64(i) {
			t.Fatalf("row %d's root proof is for leaf %d", int(ref.StartRow)+i, p.Index)
		}
	}
}

// TestCommitmentProofMultiRow proves the commitment of a blob wide enough
// to span several rows with subtree width 2, next to a one-share blob.
func TestCommitmentProofMultiRow(t *testing.T) {
	tn := network(t)
	var api BlobAPI
	tn.client(t, "http", "blob", tn.token(t, "write"), &api)
	var hapi headerAPI
	tn.client(t, "http", "header", tn.token(t, "read"), &hapi)
	ctx := context.Background()
	ns := testNS(t, "cp-wide")
	wide := bytes.Repeat([]byte("wide blob "), 4000) // 40 kB: ~84 shares
	small := []byte("one share")
	h, err := api.Submit(ctx, []*Blob{{Namespace: ns.Bytes(), Data: wide, Index: -1}, {Namespace: ns.Bytes(), Data: small, Index: -1}}, &SubmitOptions{KeyName: "rollup"})
	if err != nil {
		t.Fatal(err)
	}
	hdr, err := hapi.GetByHeight(ctx, h)
	if err != nil {
		t.Fatal(err)
	}
	eh, err := hdr.ExtendedHeader()
	if err != nil {
		t.Fatal(err)
	}
	cw, cs := mustCommit(t, ns, wide), mustCommit(t, ns, small)
	cp, err := api.GetCommitmentProof(ctx, h, ns.Bytes(), cw)
	if err != nil {
		t.Fatal(err)
	}
	n := (&blobs.Blob{Namespace: ns, Data: wide}).SharesNeeded()
	if w := blobs.SubTreeWidth(n, blobs.SubtreeRootThreshold); w < 2 || len(cp.RowProof.RowRoots) < 2 {
		t.Fatalf("wide blob: %d shares, subtree width %d, %d rows; want width ≥ 2 over several rows", n, w, len(cp.RowProof.RowRoots))
	}
	checkCommitmentProof(t, cp, eh.DataRoot(), ns, cw, cs)
	sp, err := api.GetCommitmentProof(ctx, h, ns.Bytes(), cs)
	if err != nil {
		t.Fatal(err)
	}
	if len(sp.SubtreeRoots) != 1 || len(sp.SubtreeRootProofs) != 1 {
		t.Fatalf("one-share blob: %d subtree roots, %d proofs", len(sp.SubtreeRoots), len(sp.SubtreeRootProofs))
	}
	checkCommitmentProof(t, sp, eh.DataRoot(), ns, cs, cw)
}
