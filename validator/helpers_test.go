package validator_test

import (
	"context"
	"testing"
	"time"

	"github.com/quadrant-da/quadrant/validator"
	"github.com/quadrant-da/quadrant/wallet"
)

// startSubmitter starts a submission queue for key through node n until
// ctx ends or the test stops it.
func startSubmitter(t *testing.T, ctx context.Context, n *validator.Node, key *wallet.Key) *wallet.Submitter {
	t.Helper()
	s, err := wallet.NewSubmitter(wallet.SubmitterConfig{Client: n.Client(), Mempool: n.Mempool(), Key: key, PollInterval: 50 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	s.Start(ctx)
	t.Cleanup(s.Stop)
	return s
}
