package rollupadapter

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

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
			var hapi HeaderAPI
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
			_, err := api.Submit(ctx, []*Blob{{Namespace: da.TxNamespace.Bytes(), Data: []byte("x")}}, nil)
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
