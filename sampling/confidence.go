package sampling

import (
	"errors"
	"fmt"
	"math"
)

// ErrConfidence is wrapped by SamplesForConfidence when the target cannot be
// met or is not a probability.
var ErrConfidence = errors.New("sampling: invalid confidence target")

// Withheld returns the fewest shares of a 2k×2k extended square an adversary
// must withhold to make it unrecoverable: (k+1)² (a (k+1)×(k+1) sub-square).
func Withheld(k int) int { return (k + 1) * (k + 1) }

// MissProbability returns the exact probability that s distinct uniformly
// random shares of a 2k×2k square all avoid a withheld set of (k+1)² shares:
//
//	∏_{i<s} (N − W − i) / (N − i),  N = 4k², W = (k+1)²
//
// (sampling without replacement, the hypergeometric case; not the (3/4)^s
// approximation, which it never exceeds). It is 0 once s > N − W, and 1 for
// s ≤ 0 or k < 1.
func MissProbability(k, s int) float64 {
	if k < 1 || s <= 0 {
		return 1
	}
	n := 4 * float64(k) * float64(k)
	w := float64(Withheld(k))
	if float64(s) > n-w {
		return 0
	}
	p := 1.0
	for i := 0; i < s; i++ {
		fi := float64(i)
		p *= (n - w - fi) / (n - fi)
	}
	return p
}

// Confidence returns 1 − MissProbability(k, s): the probability that s
// samples would have hit a withheld share had the square been made
// unrecoverable, i.e. the confidence that the data is available when all s
// samples verify.
func Confidence(k, s int) float64 { return 1 - MissProbability(k, s) }

// SamplesForConfidence returns the smallest s with Confidence(k, s) ≥ c. c
// must be in (0, 1); k ≥ 1. Because sampling is without replacement, s never
// exceeds the 4k² shares of the square (at s = 4k² − (k+1)² + 1 the miss
// probability is exactly 0).
func SamplesForConfidence(k int, c float64) (int, error) {
	if k < 1 {
		return 0, fmt.Errorf("%w: k = %d, want k ≥ 1", ErrConfidence, k)
	}
	if !(c > 0 && c < 1) || math.IsNaN(c) {
		return 0, fmt.Errorf("%w: %v, want a probability strictly between 0 and 1", ErrConfidence, c)
	}
	n := 4 * float64(k) * float64(k)
	w := float64(Withheld(k))
	target := 1 - c
	p := 1.0
	for s := 1; ; s++ {
		fi := float64(s - 1)
		if n-w-fi <= 0 {
			return s, nil
		}
		p *= (n - w - fi) / (n - fi)
		if p <= target {
			return s, nil
		}
	}
}
