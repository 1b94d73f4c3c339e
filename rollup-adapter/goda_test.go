package rollupadapter

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/quadrant-da/quadrant/blobs"
	"github.com/quadrant-da/quadrant/chain"
	"github.com/quadrant-da/quadrant/wallet"
)

func wantCode(t *testing.T, err error, code int, msg string) {
	t.Helper()
	var ce *CodedError
	if !errors.As(err, &ce) || ce.Code != code || !strings.Contains(ce.Message, msg) {
		t.Fatalf("error %v (%T), want code %d with %q", err, err, code, msg)
	}
}

func TestGoDA(t *testing.T) {
	tn := network(t)
	var api DAAPI
	tn.client(t, "http", "da", tn.token(t, "write"), &api)
	ctx := context.Background()

	max, err := api.MaxBlobSize(ctx)
	if err != nil || max != uint64(blobs.MaxBlobSize(tn.adapter.Config().MaxSquareSize, 0)) || max == 0 {
		t.Fatalf("MaxBlobSize = %d, %v", max, err)
	}
	msgs := [][]byte{[]byte("msg1"), []byte("msg2")}
	ids, err := api.SubmitWithOptions(ctx, msgs, 0, []byte("test"), []byte("random options"))
	if err != nil || len(ids) != 2 {
		t.Fatalf("Submit: %v, %v", ids, err)
	}
	h, _, err := SplitID(ids[0])
	if err != nil {
		t.Fatal(err)
	}
	// "test" is not 29 bytes: it and the empty namespace both mean the
	// default namespace
	got, err := api.Get(ctx, ids, nil)
	if err != nil || len(got) != 2 || !bytes.Equal(got[0], msgs[0]) || !bytes.Equal(got[1], msgs[1]) {
		t.Fatalf("Get = %q, %v", got, err)
	}
	res, err := api.GetIDs(ctx, h, []byte{})
	if err != nil || len(res.IDs) != 2 || res.Timestamp.IsZero() {
		t.Fatalf("GetIDs(%d) = %+v, %v", h, res, err)
	}
	commits, err := api.Commit(ctx, msgs, nil)
	if err != nil || !bytes.Equal(commits[0], ids[0][8:]) {
		t.Fatalf("Commit = %X, %v; want the ID's commitment %X", commits, err, ids[0][8:])
	}
	proofs, err := api.GetProofs(ctx, ids, nil)
	if err != nil {
		t.Fatal(err)
	}
	oks, err := api.Validate(ctx, ids, proofs, nil)
	if err != nil || len(oks) != 2 || !oks[0] || !oks[1] {
		t.Fatalf("Validate = %v, %v", oks, err)
	}
	// proofs swapped: neither proves the other's commitment
	oks, err = api.Validate(ctx, ids, [][]byte{proofs[1], proofs[0]}, nil)
	if err != nil || oks[0] || oks[1] {
		t.Fatalf("Validate(swapped proofs) = %v, %v; want false, false", oks, err)
	}

	// a height with nothing in the namespace: an empty list and a timestamp
	// (nothing else submits to the default namespace while this test runs)
	if err := tn.adapter.WaitForHeight(ctx, h+1); err != nil {
		t.Fatal(err)
	}
	empty, err := api.GetIDs(ctx, h+1, nil)
	if err != nil || empty == nil || empty.IDs == nil || len(empty.IDs) != 0 || empty.Timestamp.IsZero() {
		t.Fatalf("GetIDs(empty height) = %+v, %v; want [] and a timestamp", empty, err)
	}

	_, err = api.GetIDs(ctx, 999999999, nil)
	wantCode(t, err, CodeFutureHeight, "given height is from the future")
	_, err = api.Get(ctx, [][]byte{[]byte("invalid blob id")}, nil)
	wantCode(t, err, CodeBlobNotFound, "blob: not found")
	_, err = api.Get(ctx, [][]byte{MakeID(h, make([]byte, 32))}, nil)
	wantCode(t, err, CodeBlobNotFound, "blob: not found")
	_, err = api.Get(ctx, [][]byte{MakeID(999999999, make([]byte, 32))}, nil)
	wantCode(t, err, CodeBlobNotFound, "blob: not found")
	_, err = api.Submit(ctx, [][]byte{make([]byte, max+1)}, 0, nil)
	wantCode(t, err, CodeBlobSizeOverLimit, "blob: over size limit")
	_, err = api.Submit(ctx, [][]byte{make([]byte, 8<<20), make([]byte, 8<<20)}, 0, nil)
	if err == nil {
		t.Fatal("two blobs over the mempool's tx limit were accepted")
	}

	var ro DAAPI
	tn.client(t, "http", "da", tn.token(t, "read"), &ro)
	if _, err := ro.Submit(ctx, msgs, 0, nil); err == nil || !strings.Contains(err.Error(), "need 'write'") {
		t.Fatalf("Submit with a read token: %v", err)
	}
}

// TestErrorCodes maps every adapter error with a go-da code to it.
func TestErrorCodes(t *testing.T) {
	for _, c := range codes {
		err := codedError(errors.Join(errors.New("context"), c.err))
		wantCode(t, err, c.code, c.msg)
		if !strings.Contains(c.err.Error(), c.msg) && c.err != context.DeadlineExceeded {
			t.Fatalf("%v does not carry its canonical message %q", c.err, c.msg)
		}
	}
	// Classified by code alone: the logs say nothing a parser could use.
	for _, c := range []struct {
		code uint32
		want error
	}{
		{chain.CodeSequence, errIncorrectSequence},
		{chain.CodeBlobSize, errBlobTooLarge},
		{chain.CodeTxTooLarge, errTxTooLarge},
		{chain.CodeInsufficientFunds, errRejected},
	} {
		in := &wallet.RejectedError{Code: c.code, Log: "lorem ipsum"}
		if err := mapSubmitError(in); !errors.Is(err, c.want) || !errors.Is(err, wallet.ErrRejected) {
			t.Fatalf("mapSubmitError(code %d) = %v, want %v", c.code, err, c.want)
		}
	}
	if id := MakeID(7, make([]byte, 32)); len(id) != 40 || id[0] != 7 {
		t.Fatalf("MakeID little-endian height: %x", id)
	}
}
