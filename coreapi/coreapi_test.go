package coreapi

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"testing"
	"time"

	"github.com/cometbft/cometbft/types"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// memBackend serves one block and records submissions.
type memBackend struct {
	height  int64
	id      []byte
	block   []byte
	results map[string]*SubmitResult
}

func (m *memBackend) Block(_ context.Context, h int64) ([]byte, []byte, error) {
	if h != m.height {
		return nil, nil, fmt.Errorf("%w: height %d", ErrNotFound, h)
	}
	return m.id, m.block, nil
}

func (m *memBackend) Submit(_ context.Context, tx []byte) (*SubmitResult, error) {
	if r, ok := m.results[string(tx)]; ok {
		return r, nil
	}
	return nil, errors.New("backend stopping")
}

func testBlock(t testing.TB, height int64, txs ...[]byte) (*types.Block, []byte, []byte) {
	t.Helper()
	var ts types.Txs
	for _, tx := range txs {
		ts = append(ts, tx)
	}
	// Height 1 needs no signed last commit, so the block validates on its own.
	b := types.MakeBlock(height, ts, &types.Commit{}, nil)
	b.ChainID = "coreapi-test"
	b.ProposerAddress = bytes.Repeat([]byte{7}, 20)
	b.ValidatorsHash = bytes.Repeat([]byte{8}, 32) // a header without it has no hash
	b.NextValidatorsHash = b.ValidatorsHash
	b.Time = time.Unix(1700000000, 0).UTC()
	ps, err := b.MakePartSet(types.BlockPartSizeBytes)
	if err != nil {
		t.Fatal(err)
	}
	id := types.BlockID{Hash: b.Hash(), PartSetHeader: ps.Header()}
	pid := id.ToProto()
	idb, err := pid.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	pb, err := b.ToProto()
	if err != nil {
		t.Fatal(err)
	}
	bb, err := pb.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	return b, idb, bb
}

func serve(t testing.TB, b Backend, maxTx int) *Client {
	t.Helper()
	srv, err := NewServer(b, ServerConfig{MaxTxBytes: maxTx})
	if err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = srv.Serve(l) }()
	t.Cleanup(srv.Stop)
	c, err := Dial(l.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func TestBlockAndSubmit(t *testing.T) {
	want, idb, bb := testBlock(t, 1, []byte("tx-a"), bytes.Repeat([]byte{9}, 100_000))
	admitted := &SubmitResult{Code: 0, Hash: []byte{1}}
	seq := &SubmitResult{Code: 6, Data: []byte{0, 0, 0, 0, 0, 0, 0, 3}, Log: "incorrect account sequence"}
	cached := &SubmitResult{Refusal: RefusalInCache, Log: "tx already exists in cache"}
	full := &SubmitResult{Refusal: RefusalMempoolFull}
	be := &memBackend{height: 1, id: idb, block: bb, results: map[string]*SubmitResult{
		"ok": admitted, "seq": seq, "cached": cached, "full": full,
	}}
	c := serve(t, be, 1<<10)
	ctx := context.Background()

	if err := c.Check(ctx); err != nil {
		t.Fatalf("Check: %v", err)
	}
	id, got, err := c.Block(ctx, 1)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got.Hash(), want.Hash()) || !bytes.Equal(id.Hash, want.Hash()) || len(got.Txs) != 2 || !bytes.Equal(got.Txs[1], want.Txs[1]) {
		t.Fatalf("block round trip: hash %X id %X, want %X", got.Hash(), id.Hash, want.Hash())
	}
	if _, _, err := c.Block(ctx, 2); !isCode(err, codes.NotFound) {
		t.Fatalf("missing height: %v, want NotFound", err)
	}

	for tx, want := range be.results {
		res, err := c.Submit(ctx, []byte(tx))
		if err != nil {
			t.Fatalf("submit %s: %v", tx, err)
		}
		if res.Refusal != want.Refusal || res.Code != want.Code || !bytes.Equal(res.Data, want.Data) || res.Log != want.Log {
			t.Fatalf("submit %s: %+v, want %+v", tx, res, want)
		}
		if admitted := res.Admitted(); admitted != (tx == "ok" || tx == "cached") {
			t.Fatalf("submit %s: Admitted() = %v", tx, admitted)
		}
		if res.Refusal.Retryable() != (tx == "full") {
			t.Fatalf("submit %s: Retryable() = %v", tx, res.Refusal.Retryable())
		}
	}
	if _, err := c.Submit(ctx, []byte("unknown")); !isCode(err, codes.Unavailable) {
		t.Fatalf("backend error: %v, want Unavailable", err)
	}
	if _, err := c.Submit(ctx, nil); !isCode(err, codes.InvalidArgument) {
		t.Fatalf("empty tx: %v, want InvalidArgument", err)
	}
	if _, err := c.Submit(ctx, make([]byte, 4<<10)); !isCode(err, codes.ResourceExhausted) {
		t.Fatalf("tx over MaxTxBytes: %v, want ResourceExhausted", err)
	}
}

func isCode(err error, c codes.Code) bool {
	for e := err; e != nil; e = errors.Unwrap(e) {
		if s, ok := status.FromError(e); ok && s.Code() == c {
			return true
		}
	}
	return false
}

// TestCheckOtherServer: a gRPC server without the core API answers
// Unimplemented, which Check passes on for the caller to classify.
func TestCheckOtherServer(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := grpc.NewServer()
	go func() { _ = srv.Serve(l) }()
	t.Cleanup(srv.Stop)
	c, err := Dial(l.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.Check(context.Background()); status.Code(err) != codes.Unimplemented {
		t.Fatalf("Check against another server: %v, want Unimplemented", err)
	}
}

// TestDecodeVerifiedBlockRejects: a reply whose block is not the one asked for, or
// does not hash to its id, is refused.
func TestDecodeVerifiedBlockRejects(t *testing.T) {
	_, idb, bb := testBlock(t, 1, []byte("x"))
	if _, _, err := decodeVerifiedBlock(encodeBlock(idb, bb), 1); err != nil {
		t.Fatal(err)
	}
	if _, _, err := decodeVerifiedBlock(encodeBlock(idb, bb), 2); !errors.Is(err, errMessage) {
		t.Fatalf("wrong height: %v", err)
	}
	_, otherID, _ := testBlock(t, 1, []byte("y"))
	if _, _, err := decodeVerifiedBlock(encodeBlock(otherID, bb), 1); !errors.Is(err, errMessage) {
		t.Fatalf("id of another block: %v", err)
	}
	if _, _, err := decodeVerifiedBlock([]byte{0, 0, 1}, 5); !errors.Is(err, errMessage) {
		t.Fatalf("short reply: %v", err)
	}
	if _, _, err := decodeVerifiedBlock([]byte{0xff, 0xff, 0xff, 0xff, 1}, 5); !errors.Is(err, errMessage) {
		t.Fatalf("id length past the end: %v", err)
	}
}

func FuzzDecodeBlock(f *testing.F) {
	_, idb, bb := testBlock(f, 1, []byte("seed"))
	f.Add(encodeBlock(idb, bb), int64(1))
	f.Add([]byte{0, 0, 0, 0}, int64(1))
	f.Fuzz(func(t *testing.T, b []byte, h int64) {
		if h <= 0 {
			h = 1
		}
		id, blk, err := decodeVerifiedBlock(b, h)
		if err == nil && (blk == nil || id == nil || blk.Height != h) {
			t.Fatalf("accepted %d bytes as block %v (id %v)", len(b), blk, id)
		}
	})
}

func FuzzDecodeResult(f *testing.F) {
	b, _ := encodeResult(&SubmitResult{Refusal: RefusalInCache, Code: 6, Data: []byte{1}, Log: "x", Hash: []byte{2}})
	f.Add(b)
	f.Add([]byte(`{"refusal":99}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := decodeResult(b)
		if err != nil {
			return
		}
		again, err := encodeResult(r)
		if err != nil {
			t.Fatal(err)
		}
		if r2, err := decodeResult(again); err != nil || r2.Code != r.Code || r2.Refusal != r.Refusal {
			t.Fatalf("re-encoded result does not decode the same: %v", err)
		}
	})
}

func FuzzDecodeHeight(f *testing.F) {
	f.Add(encodeHeight(5))
	f.Fuzz(func(t *testing.T, b []byte) {
		h, err := decodeHeight(b)
		if err == nil && !bytes.Equal(encodeHeight(h), b) {
			t.Fatalf("height %d from %x does not re-encode", h, b)
		}
	})
}
