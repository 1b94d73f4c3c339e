package relay

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/quadrant-da/quadrant/chain"
)

// errNotYet is returned by a Source for a nonce that does not exist yet.
var errNotYet = errors.New("relay: no attestation at this nonce yet")

// source serves the chain's attestations by nonce.
type source interface {
	// Attestation returns the attestation at nonce, or an error wrapping
	// errNotYet if the chain has not reached it.
	Attestation(ctx context.Context, nonce uint64) (*chain.Attestation, error)
}

// sink is the contract side.
type sink interface {
	// Nonce returns the contract's state_eventNonce.
	Nonce(ctx context.Context) (uint64, error)
	// Submit lands a (a data commitment or valset checkpoint) signed by
	// the set signer installed it (signer.Nonce == a.SignerNonce) and
	// waits for it to be mined; an error means it may or may not have.
	Submit(ctx context.Context, a, signer *chain.Attestation) error
}

// Config tunes a Relay.
type Config struct {
	// Poll is how long to wait for the next attestation; default 1 s.
	Poll time.Duration
	// MinBackoff and MaxBackoff bound the wait after a failure, doubled
	// per consecutive failure; defaults 500 ms and 30 s.
	MinBackoff, MaxBackoff time.Duration
	// Logger receives progress; nil discards it.
	Logger *slog.Logger
}

func (c Config) withDefaults() Config {
	if c.Poll <= 0 {
		c.Poll = time.Second
	}
	if c.MinBackoff <= 0 {
		c.MinBackoff = 500 * time.Millisecond
	}
	if c.MaxBackoff < c.MinBackoff {
		c.MaxBackoff = max(30*time.Second, c.MinBackoff)
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	return c
}

// Relay submits a Source's attestations to a Sink in nonce order.
type Relay struct {
	cfg  Config
	src  source
	sink sink
}

// New returns a Relay from src to sink.
func New(cfg Config, src source, sink sink) (*Relay, error) {
	if src == nil || sink == nil {
		return nil, errors.New("relay: New needs a Source and a Sink")
	}
	return &Relay{cfg: cfg.withDefaults(), src: src, sink: sink}, nil
}

// Step submits the contract's next nonce if the chain has it complete. It
// returns the nonce submitted, or 0 with a nil error when there is nothing
// to do yet.
func (r *Relay) Step(ctx context.Context) (uint64, error) {
	cur, err := r.sink.Nonce(ctx)
	if err != nil {
		return 0, fmt.Errorf("relay: reading the contract's nonce: %w", err)
	}
	next := cur + 1
	a, err := r.src.Attestation(ctx, next)
	if errors.Is(err, errNotYet) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("relay: reading attestation %d: %w", next, err)
	}
	if a.Nonce != next {
		return 0, fmt.Errorf("relay: asked for attestation %d, got %d", next, a.Nonce)
	}
	if !a.Complete() {
		return 0, nil
	}
	signer, err := r.src.Attestation(ctx, a.SignerNonce)
	if err != nil {
		return 0, fmt.Errorf("relay: reading signing set %d of attestation %d: %w", a.SignerNonce, next, err)
	}
	if signer.Kind != chain.AttestationValset || signer.Nonce != a.SignerNonce {
		return 0, fmt.Errorf("relay: attestation %d names signing set %d, which is a %s", next, a.SignerNonce, signer.Kind)
	}
	start := time.Now()
	if err := r.sink.Submit(ctx, a, signer); err != nil {
		return 0, fmt.Errorf("relay: submitting attestation %d (%s): %w", next, a.Kind, err)
	}
	r.cfg.Logger.Info("relay: submitted", "nonce", next, "kind", a.Kind, "begin", a.BeginHeight, "end", a.EndHeight,
		"signatures", len(a.Signatures), "took", time.Since(start).Round(time.Millisecond))
	return next, nil
}

// Run steps until ctx ends, waiting Poll when there is nothing to submit
// and backing off after a failure. It returns ctx's error.
func (r *Relay) Run(ctx context.Context) error {
	backoff := r.cfg.MinBackoff
	for {
		n, err := r.Step(ctx)
		wait := time.Duration(0)
		switch {
		case err != nil:
			r.cfg.Logger.Warn("relay: step failed; retrying", "err", err, "in", backoff)
			wait, backoff = backoff, min(2*backoff, r.cfg.MaxBackoff)
		case n == 0:
			wait, backoff = r.cfg.Poll, r.cfg.MinBackoff
		default:
			backoff = r.cfg.MinBackoff
		}
		if wait > 0 {
			t := time.NewTimer(wait)
			select {
			case <-ctx.Done():
				t.Stop()
				return ctx.Err()
			case <-t.C:
			}
		} else if ctx.Err() != nil {
			return ctx.Err()
		}
	}
}
