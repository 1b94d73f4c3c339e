package validator_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/quadrant-da/quadrant/blobs"
	"github.com/quadrant-da/quadrant/da"
	"github.com/quadrant-da/quadrant/validator/validatortest"
	"github.com/quadrant-da/quadrant/wallet"
)

// TestNodeRestartKeepsState stops a node and starts a new one on the same
// home: the chain continues from where it was with the same app hashes.
func TestNodeRestartKeepsState(t *testing.T) {
	tc := validatortest.NewChain(t, 100*time.Millisecond, 1)
	n := tc.Start(t)
	c := n.Client()
	validatortest.WaitHeight(t, c, 5, 20*time.Second)
	ctx := context.Background()
	h := int64(4)
	before, err := c.Block(ctx, &h)
	if err != nil {
		t.Fatal(err)
	}
	if err := n.Stop(); err != nil {
		t.Fatal(err)
	}
	select {
	case <-n.Done():
	default:
		t.Fatal("Done not closed after Stop")
	}
	n2 := tc.Start(t)
	c2 := n2.Client()
	st, err := c2.Status(ctx)
	if err != nil {
		t.Fatal(err)
	}
	start := st.SyncInfo.LatestBlockHeight
	if start < 5 {
		t.Fatalf("restarted node at height %d, want ≥ 5", start)
	}
	validatortest.WaitHeight(t, c2, start+3, 20*time.Second)
	after, err := c2.Block(ctx, &h)
	if err != nil {
		t.Fatal(err)
	}
	if before.BlockID.Hash.String() != after.BlockID.Hash.String() || before.Block.AppHash.String() != after.Block.AppHash.String() {
		t.Fatalf("block 4 changed across restart: %v/%v vs %v/%v", before.BlockID.Hash, before.Block.AppHash, after.BlockID.Hash, after.Block.AppHash)
	}
	if err := n2.Stop(); err != nil {
		t.Fatal(err)
	}
	// Two clean stops: the operator's log holds no ERROR line.
	logb, err := os.ReadFile(filepath.Join(tc.Home, "node.log"))
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(logb), "\n") {
		if strings.Contains(line, "level=ERROR") {
			t.Errorf("clean run and shutdown logged an error: %s", line)
		}
	}
}

// TestNodeAppMempool: with mempool.type = "app" CometBFT keeps no
// transactions; blobs submitted through the node's mempool (the core API's
// path) still land, from the application's own pool, in sequence order.
func TestNodeAppMempool(t *testing.T) {
	tc := validatortest.NewChain(t, 100*time.Millisecond, 1)
	tc.Config.Mempool.Type = "app"
	n := tc.Start(t)
	c := n.Client()
	validatortest.WaitHeight(t, c, 1, 20*time.Second)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	s := startSubmitter(t, ctx, n, tc.Keys[0])
	ns, err := da.NewNamespaceV0([]byte("appmp"))
	if err != nil {
		t.Fatal(err)
	}
	var subs []*wallet.Submission
	for i := range 6 {
		b, err := blobs.NewBlob(ns, bytes.Repeat([]byte{byte(i)}, 10_000*(i+1)), 0, nil)
		if err != nil {
			t.Fatal(err)
		}
		sub, err := s.SubmitBlobs(ctx, b)
		if err != nil {
			t.Fatal(err)
		}
		subs = append(subs, sub)
	}
	for i, sub := range subs {
		st, err := sub.Wait(ctx)
		if err != nil || st.Code != 0 || st.Sequence != uint64(i) {
			t.Fatalf("blob %d: %+v %v", i, st, err)
		}
	}
}
