package validator_test

import (
	"context"
	"testing"
	"time"

	"github.com/quadrant-da/quadrant/validator/validatortest"
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
}
