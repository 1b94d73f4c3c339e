package sampling

import (
	"bytes"
	"errors"
	"math"
	"slices"
	"testing"

	"github.com/quadrant-da/quadrant/erasure"
)

func testSeed(b byte) Seed {
	var s Seed
	for i := range s {
		s[i] = b + byte(i)
	}
	return s
}

func TestCoordinatesDeterministicDistinctSorted(t *testing.T) {
	seed := testSeed(7)
	hash := bytes.Repeat([]byte{0xab}, 32)
	for _, width := range []int{2, 4, 16, 256} {
		for _, s := range []int{1, 3, 16, 64} {
			a, err := Coordinates(seed, 42, hash, width, s)
			if err != nil {
				t.Fatal(err)
			}
			b, _ := Coordinates(seed, 42, hash, width, s)
			if !slices.Equal(a, b) {
				t.Fatalf("width %d s %d: not deterministic", width, s)
			}
			want := min(s, width*width)
			if len(a) != want {
				t.Fatalf("width %d s %d: %d coordinates, want %d", width, s, len(a), want)
			}
			for i, c := range a {
				if c.Row < 0 || c.Row >= width || c.Col < 0 || c.Col >= width || !c.Axis.Valid() {
					t.Fatalf("coordinate %+v outside a %d-wide square", c, width)
				}
				if i > 0 {
					p := a[i-1]
					if p.Row*width+p.Col >= c.Row*width+c.Col {
						t.Fatalf("coordinates not strictly increasing row-major: %+v then %+v", p, c)
					}
				}
			}
		}
	}
}

func TestCoordinatesDependOnSeedHeightAndHash(t *testing.T) {
	hash := []byte("header-hash")
	base, _ := Coordinates(testSeed(1), 10, hash, 256, 16)
	for name, f := range map[string]func() ([]Coord, error){
		"seed":   func() ([]Coord, error) { return Coordinates(testSeed(2), 10, hash, 256, 16) },
		"height": func() ([]Coord, error) { return Coordinates(testSeed(1), 11, hash, 256, 16) },
		"hash":   func() ([]Coord, error) { return Coordinates(testSeed(1), 10, []byte("header-hasi"), 256, 16) },
	} {
		other, err := f()
		if err != nil {
			t.Fatal(err)
		}
		if slices.Equal(base, other) {
			t.Errorf("changing the %s did not change the coordinates", name)
		}
	}
}

// A golden value pins the derivation: changing it would make every light
// node re-sample different shares after an upgrade, so it must be deliberate.
func TestCoordinatesGolden(t *testing.T) {
	got, err := Coordinates(testSeed(0), 1, []byte{1, 2, 3}, 8, 4)
	if err != nil {
		t.Fatal(err)
	}
	// Computed by an independent Python implementation of the derivation
	// (hmac, Lemire's bounded draw, Floyd's subset).
	want := []Coord{{Row: 2, Col: 7, Axis: erasure.Col}, {Row: 3, Col: 0, Axis: erasure.Col}, {Row: 4, Col: 3, Axis: erasure.Col}, {Row: 5, Col: 5, Axis: erasure.Row}}
	if !slices.Equal(got, want) {
		t.Errorf("Coordinates golden = %+v, want %+v", got, want)
	}
}

func TestCoordinatesErrors(t *testing.T) {
	for _, tc := range []struct {
		width, s int
		hash     []byte
	}{
		{0, 1, []byte{1}}, {3, 1, []byte{1}}, {1024, 1, []byte{1}}, {4, 0, []byte{1}}, {4, 1, nil}, {4, 1, make([]byte, 256)},
	} {
		if _, err := Coordinates(Seed{}, 1, tc.hash, tc.width, tc.s); !errors.Is(err, ErrCoordinates) {
			t.Errorf("Coordinates(width=%d, s=%d, hash %d B) error = %v, want ErrCoordinates", tc.width, tc.s, len(tc.hash), err)
		}
	}
	if _, err := NewSeed(bytes.NewReader(make([]byte, 31))); err == nil {
		t.Error("NewSeed accepted a short read")
	}
	s, err := NewSeed(bytes.NewReader(bytes.Repeat([]byte{9}, 40)))
	if err != nil || s != Seed(bytes.Repeat([]byte{9}, 32)) {
		t.Errorf("NewSeed = %x, %v", s, err)
	}
}

// TestCoordinatesUniform: a chi-square test of the frequency of every cell of
// a 4×4 square over many headers, and of the axis bit.
func TestCoordinatesUniform(t *testing.T) {
	const width, s, headers = 4, 3, 16000
	counts := make([]float64, width*width)
	axes := 0
	for h := uint64(1); h <= headers; h++ {
		cs, err := Coordinates(testSeed(3), h, []byte{byte(h)}, width, s)
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range cs {
			counts[c.Row*width+c.Col]++
			if c.Axis == erasure.Col {
				axes++
			}
		}
	}
	expected := float64(headers*s) / float64(width*width)
	chi := 0.0
	for _, c := range counts {
		chi += (c - expected) * (c - expected) / expected
	}
	// 15 degrees of freedom: P(χ² > 44) ≈ 1e-4.
	if chi > 44 {
		t.Errorf("cell frequencies not uniform: χ² = %.1f (15 dof), counts %v", chi, counts)
	}
	n := float64(headers * s)
	if d := math.Abs(float64(axes) - n/2); d > 5*math.Sqrt(n/4) {
		t.Errorf("axis bit biased: %d column axes of %.0f", axes, n)
	}
}
