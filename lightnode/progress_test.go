package lightnode

import (
	"testing"
	"time"
)

// TestProgressMeter: percent from the start of the run, rate over the
// window, ETA from the rate, unknown until something moved, done at the
// target.
func TestProgressMeter(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	var m progressMeter
	p := m.observe(t0, 100, 1100)
	if p.Percent != 0 || p.Rate != 0 || p.ETASeconds != -1 || p.CaughtUp {
		t.Fatalf("first observation %+v, want 0%%, no rate, unknown ETA", p)
	}
	p = m.observe(t0.Add(10*time.Second), 300, 1100)
	if p.Percent != 20 || p.Rate != 20 || p.ETASeconds != 40 {
		t.Fatalf("after 200 heights in 10 s: %+v, want 20%%, 20/s, ETA 40 s", p)
	}
	// The rate forgets what is older than the window: 40 s later only the
	// last 30 s count.
	for i := 2; i <= 5; i++ {
		p = m.observe(t0.Add(time.Duration(i)*10*time.Second), uint64(300+(i-1)*10), 1100)
	}
	if p.Done != 340 || p.Rate != 1 || p.ETASeconds != 760 {
		t.Fatalf("after slowing to 1/s: %+v, want 340 done, 1/s, ETA 760 s", p)
	}
	p = m.observe(t0.Add(60*time.Second), 1200, 1150) // the target is never below done
	if !p.CaughtUp || p.Percent != 100 || p.ETASeconds != 0 || p.Target != 1200 {
		t.Fatalf("at the target: %+v", p)
	}
}
