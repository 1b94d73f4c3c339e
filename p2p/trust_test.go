package p2p_test

import (
	"bytes"
	"context"
	"errors"
	"testing"
	"time"

	"github.com/libp2p/go-libp2p/core/peer"

	"github.com/quadrant-da/quadrant/p2p"
)

// fakeHeader is a header form with a fixed hash that validates unless bad.
type fakeHeader struct {
	hash []byte
	bad  bool
}

func (h *fakeHeader) Hash() []byte { return h.hash }

func (h *fakeHeader) Validate(string) error {
	if h.bad {
		return errors.New("bad signatures")
	}
	return nil
}

// TestFetchTrustedPolicy: the one trust policy of full and light nodes. A
// peer serving another hash than the trusted one is scored down and
// refused; so is one serving an invalid header; trust on first use only
// when enabled, and never without a hash otherwise.
func TestFetchTrustedPolicy(t *testing.T) {
	trusted := bytes.Repeat([]byte{1}, 32)
	liar, forger, honest := peer.ID("liar"), peer.ID("forger"), peer.ID("honest")
	served := map[peer.ID]*fakeHeader{
		liar:   {hash: bytes.Repeat([]byte{2}, 32)},
		forger: {hash: trusted, bad: true},
		honest: {hash: trusted},
	}
	fetch := func(_ context.Context, p peer.ID, _ uint64) (*fakeHeader, error) { return served[p], nil }
	pol := p2p.TrustPolicy{ChainID: "c", Height: 5, Hash: trusted, RequestTimeout: time.Second, RetryAfter: time.Millisecond}
	ctx := context.Background()

	scores := p2p.NewScorer(p2p.DefaultScoreConfig(), time.Now)
	h, err := p2p.FetchTrusted(ctx, pol, func() []peer.ID { return []peer.ID{liar, forger, honest} }, fetch, scores, discard)
	if err != nil || h != served[honest] {
		t.Fatalf("got %v, %v; want the honest header", h, err)
	}
	if scores.Score(liar) != -p2p.PenaltyInvalid || scores.Score(forger) != -p2p.PenaltyInvalid || scores.Score(honest) != 0 {
		t.Fatalf("scores liar %d forger %d honest %d; want the liar and the forger penalised once", scores.Score(liar), scores.Score(forger), scores.Score(honest))
	}

	// Only a liar: an error once ctx ends, naming the mismatch.
	tctx, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
	defer cancel()
	_, err = p2p.FetchTrusted(tctx, pol, func() []peer.ID { return []peer.ID{liar} }, fetch, scores, discard)
	if !errors.Is(err, p2p.ErrTrustedHeader) || !errors.Is(err, context.DeadlineExceeded) || !bytes.Contains([]byte(err.Error()), []byte("not the trusted")) {
		t.Fatalf("only a liar: err %v", err)
	}

	// No hash: refused unless trust on first use is enabled.
	pol.Hash = nil
	if _, err := p2p.FetchTrusted(ctx, pol, func() []peer.ID { return []peer.ID{liar} }, fetch, scores, discard); !errors.Is(err, p2p.ErrTrustedHeader) {
		t.Fatalf("no hash, no trust on first use: err %v", err)
	}
	pol.TrustFirstUse = true
	if h, err := p2p.FetchTrusted(ctx, pol, func() []peer.ID { return []peer.ID{liar} }, fetch, scores, discard); err != nil || h != served[liar] {
		t.Fatalf("trust on first use: got %v, %v; want the first valid header", h, err)
	}
}
