package p2p

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/libp2p/go-libp2p/core/peer"
)

// errTrustedHeader is wrapped by FetchTrusted's errors: the trusted header
// could not be obtained.
var errTrustedHeader = errors.New("p2p: trusted header not obtained")

// TrustedHeader is a header form FetchTrusted can anchor trust in
// (*da.LightHeader, *da.ExtendedHeader).
type TrustedHeader interface {
	Hash() []byte
	Validate(chainID string) error
}

// TrustPolicy is how a node obtains the header it anchors trust in: the
// one policy of full and light nodes.
type TrustPolicy struct {
	// ChainID the header must be for.
	ChainID string
	// Height of the trusted header.
	Height uint64
	// Hash is the trusted block hash. A peer serving another hash at
	// Height is scored down (PenaltyInvalid) and its header refused.
	Hash []byte
	// TrustFirstUse, only when Hash is nil, accepts the first header peers
	// give at Height that validates on its own (a peer can then feed the
	// node a chain of its own). Without Hash and without it, nothing is
	// trusted.
	TrustFirstUse bool
	// RequestTimeout bounds one request; RetryAfter is the pause after
	// every peer was asked in vain. Both must be positive.
	RequestTimeout, RetryAfter time.Duration
}

// FetchTrusted asks peers() in turn for the header at pol.Height (fetch
// returns what a peer served there) until one serves a header with the
// trusted hash (or, under trust on first use, any) that validates for the
// chain; a peer serving another hash or an invalid header is scored down
// on scores. It returns when such a header is found or ctx ends (an error
// wrapping errTrustedHeader that says what peers served).
func FetchTrusted[H TrustedHeader](ctx context.Context, pol TrustPolicy, peers func() []peer.ID, fetch func(context.Context, peer.ID, uint64) (H, error), scores *Scorer, log *slog.Logger) (H, error) {
	var zero H
	if pol.Hash == nil && !pol.TrustFirstUse {
		return zero, fmt.Errorf("%w: no trusted hash for height %d, and trust on first use is not enabled", errTrustedHeader, pol.Height)
	}
	if pol.RequestTimeout <= 0 || pol.RetryAfter <= 0 {
		return zero, fmt.Errorf("%w: request timeout %v and retry pause %v must be positive", errTrustedHeader, pol.RequestTimeout, pol.RetryAfter)
	}
	if pol.Hash == nil {
		log.Warn("trust on first use: trusting the first valid header peers give for the trusted height", "height", pol.Height)
	}
	last := errors.New("no peer connected yet")
	for {
		for _, p := range peers() {
			h, err := fetchOne(ctx, pol, p, fetch)
			if err == nil {
				log.Info("trusted header established", "height", pol.Height, "hash", fmt.Sprintf("%X", h.Hash()), "peer", p)
				return h, nil
			}
			last = err
			var bad *untrustedError
			if errors.As(err, &bad) {
				scores.Penalize(p, PenaltyInvalid)
				log.Warn("peer served an untrusted header", "peer", p, "height", pol.Height, "err", err)
			}
		}
		t := time.NewTimer(pol.RetryAfter)
		select {
		case <-ctx.Done():
			t.Stop()
			return zero, fmt.Errorf("%w: height %d from no peer: %v (%w)", errTrustedHeader, pol.Height, last, ctx.Err())
		case <-t.C:
		}
	}
}

// untrustedError is a header a peer served that the policy refuses: the
// peer is to blame.
type untrustedError struct{ reason string }

func (e *untrustedError) Error() string { return e.reason }

// fetchOne asks p for the trusted header and checks it against pol.
func fetchOne[H TrustedHeader](ctx context.Context, pol TrustPolicy, p peer.ID, fetch func(context.Context, peer.ID, uint64) (H, error)) (H, error) {
	var zero H
	rctx, cancel := context.WithTimeout(ctx, pol.RequestTimeout)
	h, err := fetch(rctx, p, pol.Height)
	cancel()
	if err != nil {
		return zero, fmt.Errorf("peer %s: %w", p, err)
	}
	// The hash first: it is cheap, and a header with another hash is
	// refused whoever signed it.
	if pol.Hash != nil && !bytes.Equal(h.Hash(), pol.Hash) {
		return zero, &untrustedError{fmt.Sprintf("peer %s serves hash %X at height %d, not the trusted %X", p, h.Hash(), pol.Height, pol.Hash)}
	}
	if err := h.Validate(pol.ChainID); err != nil {
		return zero, &untrustedError{fmt.Sprintf("peer %s served an invalid header at height %d: %v", p, pol.Height, err)}
	}
	return h, nil
}
