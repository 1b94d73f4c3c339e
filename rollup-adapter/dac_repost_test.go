package rollupadapter

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http/httptest"
	"testing"

	"github.com/ipfs/go-datastore"
	dssync "github.com/ipfs/go-datastore/sync"
)

// TestDACRepostsPrunedBatch reproduces issue 14 item 6: a batch found in
// the member's keccak index was signed without checking that its data was
// still held, so after retention pruning the member signed data it could no
// longer serve. Now an index hit is confirmed by reading the blob, and a
// batch that is no longer readable is posted again before signing.
func TestDACRepostsPrunedBatch(t *testing.T) {
	tn := network(t)
	seq := ethKey(t, 31)
	m, err := NewDACMember(tn.adapter, DACConfig{Sequencer: seq.Address(), Key: ethKey(t, 32)}, dssync.MutexWrap(datastore.NewMapDatastore()), nil)
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(m.Handler())
	defer hs.Close()
	data := []byte("pruned batch " + t.Name())
	ss := SignedSequence{Sequence: []ArgBytes{data}}
	ss.Signature, _ = seq.Sign(ss.HashToSign())
	if _, e := rpcCall(t, hs.URL, "datacom_signSequence", ss); e != nil {
		t.Fatal(e.Message)
	}
	ctx := context.Background()
	first, ok, err := m.idx.get(ctx, Keccak256(data))
	if err != nil || !ok {
		t.Fatalf("index after signing: %v %v", ok, err)
	}
	// Submit returns at inclusion; the height is pruned once it was stored.
	if err := tn.adapter.WaitForHeight(ctx, first.height); err != nil {
		t.Fatal(err)
	}
	tn.store.forget(first.height) // retention pruning
	if _, e := rpcCall(t, hs.URL, "sync_getOffChainData", ArgBytes(Keccak256(data))); e == nil {
		t.Fatal("the pruned batch is still served: the test cannot tell")
	}

	// The sequencer asks again (a resubmitted sequence): the member must not
	// sign data it cannot serve.
	if _, e := rpcCall(t, hs.URL, "datacom_signSequence", ss); e != nil {
		t.Fatal(e.Message)
	}
	res, e := rpcCall(t, hs.URL, "sync_getOffChainData", ArgBytes(Keccak256(data)))
	var got ArgBytes
	if e != nil || json.Unmarshal(res, &got) != nil || !bytes.Equal(got, data) {
		t.Fatalf("after signing again, the batch is not served: %s %+v", res, e)
	}
	again, _, _ := m.idx.get(ctx, Keccak256(data))
	if again.height <= first.height {
		t.Fatalf("index points at height %d, want a new posting after the pruned height %d", again.height, first.height)
	}
	if st := m.Status(); st.KeyCount != 1 {
		t.Fatalf("key count %d after re-posting one batch, want 1", st.KeyCount)
	}
}
