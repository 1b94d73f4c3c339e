package da

import (
	"context"
	"errors"
	"fmt"
	"time"

	cmtmath "github.com/cometbft/cometbft/libs/math"
)

// DefaultMaxBisectFetches bounds the headers one Bisect call fetches. A
// skip from a trusted header to a target needs about log₂(distance) pivots
// per time the validator set turns over by more than two thirds in
// between; 32 covers a trusting period's worth of full rotations on any
// realistic chain while keeping one announced head from costing a node
// more than 32 header requests (bisection must not amplify a peer's
// message into unbounded work).
const DefaultMaxBisectFetches = 32

var (
	// ErrTrustExpired is wrapped by TrustExpiredError: the trusted header
	// is older than the trusting period, so the validators that signed it
	// may have unbonded and no longer secure anything.
	ErrTrustExpired = errors.New("da: trusting period expired")
	// ErrBisect is wrapped when bisection cannot complete: the header
	// source failed or served a header of another height, or more than
	// MaxFetches headers would be needed.
	ErrBisect = errors.New("da: bisection failed")
)

// TrustExpiredError says that the trusted header a verification started
// from is older than the trusting period at Now. It wraps ErrTrustExpired.
type TrustExpiredError struct {
	Height         int64
	Time           time.Time
	TrustingPeriod time.Duration
	Now            time.Time
}

func (e *TrustExpiredError) Error() string {
	return fmt.Sprintf("%v: the trusted header (height %d, time %s) is %s old at %s, longer than the trusting period of %s; "+
		"its validators may have unbonded: a new trusted height and hash are needed",
		ErrTrustExpired, e.Height, e.Time.UTC().Format(time.RFC3339), e.Now.Sub(e.Time).Round(time.Second),
		e.Now.UTC().Format(time.RFC3339), e.TrustingPeriod)
}

// Unwrap returns ErrTrustExpired.
func (e *TrustExpiredError) Unwrap() error { return ErrTrustExpired }

// CheckTrustingPeriod returns a *TrustExpiredError when trusted is older
// than trustingPeriod at now, nil otherwise.
func CheckTrustingPeriod(trusted *LightHeader, trustingPeriod time.Duration, now time.Time) error {
	if now.Sub(trusted.Time()) <= trustingPeriod {
		return nil
	}
	return &TrustExpiredError{Height: trusted.Height(), Time: trusted.Time(), TrustingPeriod: trustingPeriod, Now: now}
}

// HeaderSource gives Bisect the light header at a height (from peers, in
// a node). It must return a header claiming that height or an error; the
// header need not be verified (Bisect verifies it).
type HeaderSource interface {
	LightHeader(ctx context.Context, height uint64) (*LightHeader, error)
}

// Bisection configures Bisect.
type Bisection struct {
	// TrustingPeriod: the trusted header must not be older than this.
	// Required (> 0).
	TrustingPeriod time.Duration
	// TrustLevel is the share of a verified set that must sign a header
	// skipped to; zero means DefaultTrustLevel.
	TrustLevel cmtmath.Fraction
	// MaxFetches bounds the headers fetched; 0 means
	// DefaultMaxBisectFetches.
	MaxFetches int
}

// Bisect verifies target against trusted (a verified header of the same
// chain at a lower height) as CometBFT's light client does when it skips:
// it tries VerifySkipping, and while that fails only because too little of
// the verified set signed (ErrNotEnoughTrust), it fetches the header
// halfway between the last verified header and the header it failed on
// from src, verifies towards that one first, and then tries the higher
// ones again. Adjacent steps follow NextValidatorsHash (Verify), so a
// validator set that rotates entirely is followed as long as some chain
// of headers from src links trusted to target.
//
// It first checks that trusted is within b.TrustingPeriod at now
// (*TrustExpiredError otherwise). It fetches at most b.MaxFetches headers
// (ErrBisect beyond, or when src fails or serves another height), so one
// target costs bounded work. A header that fails verification for another
// reason (invalid, or does not follow an adjacent verified header) stops
// it with that error: from target when target is at fault, otherwise from
// the pivot src served. On success it returns the headers it verified
// above trusted, in height order, target last. It takes no clock.
func Bisect(ctx context.Context, trusted, target *LightHeader, src HeaderSource, b Bisection, now time.Time) ([]*LightHeader, error) {
	if b.TrustingPeriod <= 0 {
		return nil, fmt.Errorf("%w: trusting period %s, want > 0", ErrBisect, b.TrustingPeriod)
	}
	if b.TrustLevel.Denominator == 0 {
		b.TrustLevel = DefaultTrustLevel()
	}
	if b.MaxFetches <= 0 {
		b.MaxFetches = DefaultMaxBisectFetches
	}
	if err := CheckTrustingPeriod(trusted, b.TrustingPeriod, now); err != nil {
		return nil, err
	}
	verified := trusted
	var trace []*LightHeader
	pending := []*LightHeader{target} // pending[0] is target; higher index, lower height
	fetches := 0
	for {
		top := pending[len(pending)-1]
		err := top.VerifySkipping(verified, b.TrustLevel)
		switch {
		case err == nil:
			verified = top
			trace = append(trace, top)
			pending = pending[:len(pending)-1]
			if len(pending) == 0 {
				return trace, nil
			}
			continue
		case !errors.Is(err, ErrNotEnoughTrust) || top.Height()-verified.Height() < 2:
			return nil, fmt.Errorf("verifying height %d from verified height %d: %w", top.Height(), verified.Height(), err)
		}
		if fetches >= b.MaxFetches {
			return nil, fmt.Errorf("%w: %d headers fetched between heights %d and %d without reaching %d (at most %d per target)",
				ErrBisect, fetches, trusted.Height(), target.Height(), target.Height(), b.MaxFetches)
		}
		pivot := verified.Height() + (top.Height()-verified.Height())/2
		fetches++
		h, err := src.LightHeader(ctx, uint64(pivot))
		if err != nil {
			return nil, fmt.Errorf("%w: fetch height %d: %w", ErrBisect, pivot, err)
		}
		if h == nil || h.SignedHeader == nil || h.SignedHeader.Header == nil || h.Height() != pivot {
			return nil, fmt.Errorf("%w: asked for height %d, got another", ErrBisect, pivot)
		}
		pending = append(pending, h)
	}
}
