package da_test

import (
	"context"
	"errors"
	"fmt"
	"math/bits"
	"strings"
	"testing"
	"time"

	"github.com/quadrant-da/quadrant/da"
	"github.com/quadrant-da/quadrant/da/headertest"
)

// rotatingChain returns a chain of n headers whose 4 validators are
// replaced one at a time, one every `every` heights, by keys of seeds
// "rot1", "rot2", ... in turn: after 4 replacements none of the set that
// signed 4·every heights earlier is left.
func rotatingChain(t testing.TB, n, every int) *headertest.Chain {
	t.Helper()
	c := headertest.NewChain("quadrant-test", 4, "rot0")
	for h := 1; h <= n; h++ {
		if h%every == 0 {
			r := h / every // replacement number
			c.Replace((r-1)%4, headertest.Key(fmt.Sprintf("rot%d", 1+(r-1)/4), (r-1)%4))
		}
		if _, err := c.Next(headertest.FakeDAH(4, fmt.Sprint("rot", h)), []byte{byte(h)}); err != nil {
			t.Fatalf("height %d: %v", h, err)
		}
	}
	return c
}

// countingSource serves a chain's headers by height and counts requests.
type countingSource struct {
	hs      []*da.ExtendedHeader
	fetched []uint64
}

func (s *countingSource) LightHeader(_ context.Context, height uint64) (*da.LightHeader, error) {
	s.fetched = append(s.fetched, height)
	if height < 1 || height > uint64(len(s.hs)) {
		return nil, fmt.Errorf("no header at height %d", height)
	}
	return s.hs[height-1].Light(), nil
}

const testTrustingPeriod = time.Hour

func testBisection() da.Bisection { return da.Bisection{TrustingPeriod: testTrustingPeriod} }

// TestRotatingChainFollowsAdjacent: header by header, Verify follows the
// set through every replacement (NextValidatorsHash), while skipping from
// height 1 straight to the end is refused for lack of trust.
func TestRotatingChainFollowsAdjacent(t *testing.T) {
	hs := rotatingChain(t, 40, 3).Headers()
	first, last := hs[0].Light(), hs[len(hs)-1].Light()
	if first.SignedHeader.ValidatorsHash.String() == last.SignedHeader.ValidatorsHash.String() {
		t.Fatal("the chain's set did not change")
	}
	for i := 1; i < len(hs); i++ {
		if err := hs[i].Verify(hs[i-1].Light()); err != nil {
			t.Fatalf("height %d: %v", i+1, err)
		}
	}
	err := last.VerifySkipping(first, da.DefaultTrustLevel())
	if !errors.Is(err, da.ErrNotEnoughTrust) || !errors.Is(err, da.ErrHeaderNotAdjacent) {
		t.Fatalf("skipping 1 -> 40 across a full rotation: %v, want ErrNotEnoughTrust", err)
	}
	// Skipping across fewer than two replacements keeps enough trust.
	if err := hs[5].Light().VerifySkipping(first, da.DefaultTrustLevel()); err != nil {
		t.Fatalf("skipping 1 -> 6: %v", err)
	}
}

// TestBisectAcrossRotation: from height 1 to the end of chains whose set
// turns over fully (several times), bisection verifies the target with a
// number of fetched headers of the order of log₂ of the distance per
// rotation, and returns the verified trace ending at the target.
func TestBisectAcrossRotation(t *testing.T) {
	for _, tc := range []struct{ n, every int }{{40, 3}, {200, 5}, {1000, 20}} {
		t.Run(fmt.Sprintf("n=%d/every=%d", tc.n, tc.every), func(t *testing.T) {
			hs := rotatingChain(t, tc.n, tc.every).Headers()
			src := &countingSource{hs: hs}
			first, last := hs[0].Light(), hs[len(hs)-1].Light()
			now := last.Time().Add(time.Minute)
			trace, err := da.Bisect(context.Background(), first, last, src, testBisection(), now)
			if err != nil {
				t.Fatal(err)
			}
			if got := trace[len(trace)-1]; got != last {
				t.Fatalf("trace ends at %d, want the target %d", got.Height(), last.Height())
			}
			for i := 1; i < len(trace); i++ {
				if trace[i].Height() <= trace[i-1].Height() {
					t.Fatalf("trace not ascending: %d after %d", trace[i].Height(), trace[i-1].Height())
				}
			}
			// Each full turnover of the set (4 replacements) needs at most
			// ⌈log₂ n⌉ pivots, plus one more turnover for the partial one.
			turnovers := tc.n/(4*tc.every) + 1
			bound := turnovers * bits.Len(uint(tc.n))
			if len(src.fetched) == 0 || len(src.fetched) > bound {
				t.Fatalf("fetched %d headers %v, want 1..%d", len(src.fetched), src.fetched, bound)
			}
			t.Logf("%d heights, %d turnovers: %d fetched, trace %d", tc.n, turnovers, len(src.fetched), len(trace))
		})
	}
}

// TestBisectTrustExpired: a trusted header older than the trusting period
// stops bisection before any fetch, with an error naming its height, time
// and the trusting period.
func TestBisectTrustExpired(t *testing.T) {
	hs := rotatingChain(t, 40, 3).Headers()
	src := &countingSource{hs: hs}
	first, last := hs[0].Light(), hs[len(hs)-1].Light()
	now := first.Time().Add(testTrustingPeriod + time.Second)
	_, err := da.Bisect(context.Background(), first, last, src, testBisection(), now)
	var te *da.TrustExpiredError
	if !errors.Is(err, da.ErrTrustExpired) || !errors.As(err, &te) {
		t.Fatalf("got %v, want a TrustExpiredError", err)
	}
	for _, want := range []string{"height 1", first.Time().UTC().Format(time.RFC3339), "trusting period of 1h0m0s"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not say %q", err, want)
		}
	}
	if len(src.fetched) != 0 {
		t.Fatalf("fetched %v with expired trust", src.fetched)
	}
	// At the edge of the period it still verifies.
	if _, err := da.Bisect(context.Background(), first, last, src, testBisection(), first.Time().Add(testTrustingPeriod)); err != nil {
		t.Fatalf("at the end of the trusting period: %v", err)
	}
}

// TestBisectRefusesForgedTarget: a header at the target height signed by
// a set with no overlap with any verified set, and no chain of headers
// leading to it, is refused — whether the source serves the honest chain
// or the forger's own chain — within the fetch bound.
func TestBisectRefusesForgedTarget(t *testing.T) {
	honest := rotatingChain(t, 40, 3).Headers()
	forger := headertest.NewChain("quadrant-test", 4, "forger")
	for h := 1; h <= 40; h++ {
		if _, err := forger.Next(headertest.FakeDAH(4, fmt.Sprint("forged", h)), []byte{byte(h)}); err != nil {
			t.Fatal(err)
		}
	}
	forged := forger.Head().Light()
	trusted := honest[0].Light()
	now := forged.Time().Add(time.Minute)
	for name, hs := range map[string][]*da.ExtendedHeader{"honest source": honest, "forger's source": forger.Headers()} {
		src := &countingSource{hs: hs}
		_, err := da.Bisect(context.Background(), trusted, forged, src, testBisection(), now)
		if err == nil {
			t.Fatalf("%s: forged header accepted", name)
		}
		if len(src.fetched) > da.DefaultMaxBisectFetches {
			t.Fatalf("%s: fetched %d headers, more than the bound %d", name, len(src.fetched), da.DefaultMaxBisectFetches)
		}
		t.Logf("%s: %v (%d fetched)", name, err, len(src.fetched))
	}
}

// TestBisectBounded: MaxFetches caps the headers fetched for one target,
// and a source serving another height than asked is refused.
func TestBisectBounded(t *testing.T) {
	hs := rotatingChain(t, 200, 5).Headers()
	first, last := hs[0].Light(), hs[len(hs)-1].Light()
	now := last.Time()
	src := &countingSource{hs: hs}
	b := testBisection()
	b.MaxFetches = 2
	if _, err := da.Bisect(context.Background(), first, last, src, b, now); !errors.Is(err, da.ErrBisect) || len(src.fetched) != 2 {
		t.Fatalf("MaxFetches 2: %v after %d fetches, want ErrBisect after 2", err, len(src.fetched))
	}
	shifted := &countingSource{hs: hs[1:]} // serves height h+1 when asked for h
	if _, err := da.Bisect(context.Background(), first, last, shifted, testBisection(), now); !errors.Is(err, da.ErrBisect) {
		t.Fatalf("wrong heights served: %v, want ErrBisect", err)
	}
}
