package sampling

import (
	"errors"
	"math"
	"math/rand/v2"
	"testing"
)

func TestConfidenceKnownValues(t *testing.T) {
	// The usual figures: 16 samples ≈ 99 %, 24 ≈ 99.9 %, 32 ≈ 99.99 % for large k.
	for _, tc := range []struct {
		s       int
		atLeast float64
	}{{16, 0.99}, {24, 0.999}, {32, 0.9999}} {
		for _, k := range []int{64, 128, 256} {
			c := Confidence(k, tc.s)
			if c < tc.atLeast || c > 1-math.Pow(0.74, float64(tc.s)) {
				t.Errorf("Confidence(k=%d, s=%d) = %.6f, want in [%v, %.6f]", k, tc.s, c, tc.atLeast, 1-math.Pow(0.74, float64(tc.s)))
			}
			// Never worse than the (3/4)^s bound.
			if miss := MissProbability(k, tc.s); miss > math.Pow(0.75, float64(tc.s)) {
				t.Errorf("MissProbability(%d, %d) = %g exceeds (3/4)^s", k, tc.s, miss)
			}
		}
	}
	// Hand-computed exact values.
	for _, tc := range []struct {
		k, s int
		miss float64
	}{
		{2, 1, 7.0 / 16},
		{2, 4, 7.0 * 6 * 5 * 4 / (16 * 15 * 14 * 13)},
		{2, 7, 7.0 * 6 * 5 * 4 * 3 * 2 * 1 / (16 * 15 * 14 * 13 * 12 * 11 * 10)},
		{2, 8, 0},
		{1, 1, 0}, // k = 1: all 4 shares must be withheld
		{4, 2, 39.0 * 38 / (64 * 63)},
	} {
		if got := MissProbability(tc.k, tc.s); math.Abs(got-tc.miss) > 1e-15 {
			t.Errorf("MissProbability(%d, %d) = %.17g, want %.17g", tc.k, tc.s, got, tc.miss)
		}
	}
}

func TestSamplesForConfidence(t *testing.T) {
	for _, tc := range []struct {
		k    int
		c    float64
		want int
	}{
		{128, 0.99, 16}, {128, 0.999, 24}, {128, 0.9999, 32},
		{2, 0.99, 5}, {1, 0.5, 1}, {2, 0.9999999, 8},
	} {
		got, err := SamplesForConfidence(tc.k, tc.c)
		if err != nil || got != tc.want {
			t.Errorf("SamplesForConfidence(%d, %v) = %d, %v; want %d", tc.k, tc.c, got, err, tc.want)
		}
	}
	// Minimality for many (k, c).
	for _, k := range []int{1, 2, 3, 4, 8, 16, 32, 64, 128, 256} {
		for _, c := range []float64{0.5, 0.9, 0.99, 0.999, 0.9999, 0.999999} {
			s, err := SamplesForConfidence(k, c)
			if err != nil {
				t.Fatal(err)
			}
			if Confidence(k, s) < c || (s > 1 && Confidence(k, s-1) >= c) {
				t.Errorf("k=%d c=%v: s=%d not minimal (conf(s)=%v conf(s-1)=%v)", k, c, s, Confidence(k, s), Confidence(k, s-1))
			}
		}
	}
	for _, bad := range []float64{0, 1, -0.1, 1.5, math.NaN()} {
		if _, err := SamplesForConfidence(16, bad); !errors.Is(err, ErrConfidence) {
			t.Errorf("SamplesForConfidence(16, %v) error = %v, want ErrConfidence", bad, err)
		}
	}
	if _, err := SamplesForConfidence(0, 0.99); !errors.Is(err, ErrConfidence) {
		t.Errorf("k = 0 accepted")
	}
}

// TestMissProbabilityExhaustive checks the formula against a count over
// every s-subset of a small square with a withheld (k+1)×(k+1) sub-square.
func TestMissProbabilityExhaustive(t *testing.T) {
	const k = 2
	const n = 4 * k * k
	withheld := make([]bool, n)
	for r := 0; r <= k; r++ {
		for c := 0; c <= k; c++ {
			withheld[r*2*k+c] = true
		}
	}
	for s := 1; s <= 4; s++ {
		var total, miss int
		var rec func(start, left int, hit bool)
		rec = func(start, left int, hit bool) {
			if left == 0 {
				total++
				if !hit {
					miss++
				}
				return
			}
			for i := start; i < n; i++ {
				rec(i+1, left-1, hit || withheld[i])
			}
		}
		rec(0, s, false)
		if got, want := MissProbability(k, s), float64(miss)/float64(total); math.Abs(got-want) > 1e-12 {
			t.Errorf("s=%d: formula %v, enumeration %v", s, got, want)
		}
	}
}

// TestMissRateMonteCarlo draws coordinates with this package's own selection
// (fresh seeds from a seeded math/rand/v2 source) against a withheld
// (k+1)×(k+1) sub-square at a random position, and checks the observed miss
// rate against the exact probability within 5 standard deviations of the
// binomial count (a false failure has probability < 1e-6 per case). For
// small k it also checks the (3/4)^s approximation is rejected, so the test
// has the power to tell the two apart.
func TestMissRateMonteCarlo(t *testing.T) {
	trials := 20000
	if testing.Short() {
		trials = 4000
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for _, k := range []int{2, 4, 8, 16} {
		w := 2 * k
		for _, s := range []int{2, 3, 4} {
			misses := 0
			for i := 0; i < trials; i++ {
				var seed Seed
				for j := range seed {
					seed[j] = byte(rng.Uint32())
				}
				r0, c0 := rng.IntN(w-k), rng.IntN(w-k) // sub-square fits: r0+k ≤ 2k−1
				coords, err := Coordinates(seed, uint64(i+1), []byte{byte(i), byte(i >> 8)}, w, s)
				if err != nil {
					t.Fatal(err)
				}
				hit := false
				for _, c := range coords {
					if c.Row >= r0 && c.Row <= r0+k && c.Col >= c0 && c.Col <= c0+k {
						hit = true
					}
				}
				if !hit {
					misses++
				}
			}
			p := MissProbability(k, s)
			mean := p * float64(trials)
			sd := math.Sqrt(float64(trials) * p * (1 - p))
			if d := math.Abs(float64(misses) - mean); d > 5*sd+1 {
				t.Errorf("k=%d s=%d: %d misses in %d trials, expected %.1f ± %.1f (exact p=%.5f)", k, s, misses, trials, mean, 5*sd, p)
			}
			approx := math.Pow(0.75, float64(s))
			if k <= 8 {
				if d := math.Abs(float64(misses) - approx*float64(trials)); d <= 5*sd {
					t.Errorf("k=%d s=%d: observed rate %.4f cannot tell exact %.4f from (3/4)^s = %.4f",
						k, s, float64(misses)/float64(trials), p, approx)
				}
			}
			t.Logf("k=%d s=%d: observed miss rate %.4f, exact %.4f, (3/4)^s %.4f", k, s, float64(misses)/float64(trials), p, approx)
		}
	}
}
