package sampling

import (
	"fmt"
	"testing"
)

func BenchmarkCoordinates(b *testing.B) {
	hash := make([]byte, 32)
	for _, k := range []int{32, 128} {
		for _, s := range []int{16, 32} {
			b.Run(fmt.Sprintf("k=%d/s=%d", k, s), func(b *testing.B) {
				b.ReportAllocs()
				for i := 0; i < b.N; i++ {
					if _, err := Coordinates(testSeed(1), uint64(i), hash, 2*k, s); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}

// BenchmarkSchedulerCatchUp measures the scheduler's own cost per height
// during catch-up (Next + Admit + Done), which must be negligible next to
// sampling a header.
func BenchmarkSchedulerCatchUp(b *testing.B) {
	b.ReportAllocs()
	s, err := New(DefaultConfig(), 1, nil)
	if err != nil {
		b.Fatal(err)
	}
	s.SetHead(uint64(b.N)+1, t0)
	var pending []uint64
	n := 0
	for n < b.N {
		for _, j := range s.Next(t0) {
			pending = append(pending, j.Height)
		}
		for _, h := range pending {
			s.Admit(h, t0, t0)
			s.Done(h, Result{K: 128, Samples: 16}, t0)
			n++
		}
		pending = pending[:0]
		s.Verdicts()
	}
}
