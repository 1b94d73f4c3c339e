package rollupadapter

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/ipfs/go-datastore"
	dssync "github.com/ipfs/go-datastore/sync"

	"github.com/quadrant-da/quadrant/da"
	"github.com/quadrant-da/quadrant/erasure"
	"github.com/quadrant-da/quadrant/p2p"
)

// FuzzDecoders feeds arbitrary bytes to every decoder of untrusted input the
// adapter has: none may panic, and what decodes must re-encode consistently.
func FuzzDecoders(f *testing.F) {
	for _, s := range []string{`12`, `"12"`, `{"height":"5"}`, `{"header":{"height":"7"}}`, `"0x0a0b"`, `"0x"`, `null`, `[`, `{"sequence":["0x01"],"signature":"0x00"}`} {
		f.Add([]byte(s))
	}
	f.Add(MakeID(3, make([]byte, 32)))
	f.Add([]byte(`{"subtree_roots":["AAAA"],"subtree_root_proofs":[{"start":0,"end":1,"nodes":[]}],"namespace_id":"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA==","namespace_version":0,"row_proof":{"row_roots":["00"],"proofs":[{"total":"1","index":"0","leaf_hash":"","aunts":[]}],"start_row":0,"end_row":0}}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		var r headerRef
		_ = json.Unmarshal(b, &r)
		var hb ArgBytes
		if json.Unmarshal(b, &hb) == nil {
			out, _ := json.Marshal(hb)
			var again ArgBytes
			if err := json.Unmarshal(out, &again); err != nil || !bytes.Equal(again, hb) {
				t.Fatalf("ArgBytes round trip: %x -> %s", hb, out)
			}
		}
		var h Hash32
		_ = json.Unmarshal(b, &h)
		var u HexUint64
		_ = json.Unmarshal(b, &u)
		var ss SignedSequence
		if json.Unmarshal(b, &ss) == nil {
			_ = ss.HashToSign()
			_, _ = RecoverEthSigner(ss.HashToSign(), ss.Signature)
		}
		var sb SignedSequenceBanana
		if json.Unmarshal(b, &sb) == nil {
			_ = sb.HashToSign()
		}
		if hgt, c, err := SplitID(b); err == nil && !bytes.Equal(MakeID(hgt, c), b) {
			t.Fatalf("SplitID/MakeID round trip of %x", b)
		}
		var cp CommitmentProof
		if json.Unmarshal(b, &cp) == nil {
			// blob.GetCommitmentProof replies are decoded and verified by
			// clients: no reply may panic the verifier.
			_ = cp.Verify(make([]byte, 32), make([]byte, 32))
		}
		_, _ = decodeHexKey(string(b))
		if l, err := unmarshalLocation(b); err == nil && !bytes.Equal(l.marshal(), b) {
			t.Fatalf("location round trip of %x", b)
		}
	})
}

// FuzzDACRequest sends arbitrary bodies to the DAC member's JSON-RPC
// handler (with no chain behind it: nothing may reach it unauthenticated).
func FuzzDACRequest(f *testing.F) {
	f.Add([]byte(`{"jsonrpc":"2.0","id":1,"method":"status_getStatus","params":[]}`))
	f.Add([]byte(`[{"jsonrpc":"2.0","id":1,"method":"datacom_signSequence","params":[{"sequence":["0x01"],"signature":"0x00"}]}]`))
	f.Add([]byte(`{"method":"sync_listOffChainData","params":[["0x01","0x02"]]}`))
	cfg := DefaultConfig()
	cfg.DAC.RateLimit = 0 // the fuzzer calls far faster than a client may
	a, err := New(cfg, &nullNode{}, nil)
	if err != nil {
		f.Fatal(err)
	}
	secret := make([]byte, 32)
	secret[31] = 9
	key, _ := newEthKey(secret)
	secret[31] = 10
	seq, _ := newEthKey(secret)
	m, err := NewDACMember(a, DACConfig{Sequencer: seq.Address(), Key: key}, dssync.MutexWrap(datastore.NewMapDatastore()), nil)
	if err != nil {
		f.Fatal(err)
	}
	h := m.Handler()
	f.Fuzz(func(t *testing.T, b []byte) {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, httptest.NewRequest(http.MethodPost, "/", bytes.NewReader(b)))
		if w.Code != http.StatusOK {
			t.Fatalf("status %d", w.Code)
		}
	})
}

// nullNode holds nothing and refuses submissions.
type nullNode struct{}

func (nullNode) SubmitBlobs(context.Context, submitRequest) (Submission, error) {
	return nil, errors.New("nullnode: no chain")
}
func (nullNode) NetworkHeight(context.Context) (uint64, error) { return 0, nil }
func (nullNode) HeadHeight() uint64                            { return 0 }
func (nullNode) Head(context.Context) (*da.ExtendedHeader, error) {
	return nil, p2p.ErrNotFound
}
func (nullNode) HeaderByHeight(context.Context, uint64) (*da.ExtendedHeader, error) {
	return nil, p2p.ErrNotFound
}
func (nullNode) NamespaceData(context.Context, uint64, da.Namespace) (*p2p.NamespaceData, error) {
	return nil, p2p.ErrNotFound
}
func (nullNode) Square(context.Context, uint64) (*erasure.ExtendedSquare, error) {
	return nil, p2p.ErrNotFound
}
