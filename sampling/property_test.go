package sampling

import (
	"math/rand/v2"
	"testing"
	"time"
)

// TestSchedulerProperties drives schedulers with random interleavings of new
// heads, job completions (available, unavailable, failed), clock jumps and
// restarts from a marshalled checkpoint, and checks against a naive oracle:
//   - a height is never in flight twice, nor handed out after it was
//     decided available or out of window (also across restarts);
//   - worker limits hold;
//   - a new head is the first job handed out when a recent worker is free;
//   - in the end every height from the start to the head has exactly one
//     decision: available once, or skipped by one out-of-window verdict.
func TestSchedulerProperties(t *testing.T) {
	runs := 300
	if testing.Short() {
		runs = 60
	}
	for run := 0; run < runs; run++ {
		rng := rand.New(rand.NewPCG(uint64(run), 99))
		withWindow := run%3 == 0
		propertyRun(t, rng, withWindow)
		if t.Failed() {
			t.Fatalf("run %d (window %v) failed", run, withWindow)
		}
	}
}

func propertyRun(t *testing.T, rng *rand.Rand, withWindow bool) {
	cfg := Config{
		Workers:       1 + rng.IntN(4),
		RecentWorkers: 1 + rng.IntN(2),
		CatchUpRange:  1 + rng.IntN(7),
		RetryBase:     time.Second,
		RetryMax:      8 * time.Second,
	}
	const step = time.Second // header h has time base + h·step
	base := t0
	if withWindow {
		cfg.Window = 40 * step
	}
	headerTime := func(h uint64) time.Time { return base.Add(time.Duration(h) * step) }
	start := uint64(1 + rng.IntN(5))
	s, err := New(cfg, start, nil)
	if err != nil {
		t.Fatal(err)
	}
	now := base
	var head uint64
	inFlight := map[uint64]Job{}
	available := map[uint64]int{}
	oow := map[uint64]int{}
	everOut := map[uint64]bool{}  // handed out at least once
	attempts := map[uint64]int{}  // failed attempts so far
	due := map[uint64]time.Time{} // earliest retry
	backoff := func(a int) time.Duration { return min(cfg.RetryBase<<(min(a, 10)-1), cfg.RetryMax) }
	fail := func(h uint64) {
		attempts[h]++
		due[h] = now.Add(backoff(attempts[h]))
	}
	headPending := false // the head moved and no Next has run since

	collect := func() {
		for _, v := range s.Verdicts() {
			switch v.Status {
			case StatusAvailable:
				available[v.Height]++
			case StatusOutOfWindow:
				for h := v.Height; h <= v.To; h++ {
					oow[h]++
				}
			}
		}
	}
	next := func() {
		recentBusy := 0
		for _, j := range inFlight {
			if j.Type == JobRecent {
				recentBusy++
			}
		}
		jobs := s.Next(now)
		collect()
		if headPending && recentBusy < cfg.RecentWorkers && head >= start && oow[head] == 0 && !everOut[head] {
			if len(jobs) == 0 || jobs[0].Type != JobRecent || jobs[0].Height != head {
				t.Fatalf("head %d not first after it moved: %v", head, jobs)
			}
		}
		headPending = false
		for _, j := range jobs {
			if _, dup := inFlight[j.Height]; dup {
				t.Fatalf("height %d handed out while in flight", j.Height)
			}
			if available[j.Height] > 0 || oow[j.Height] > 0 {
				t.Fatalf("height %d handed out after it was decided", j.Height)
			}
			if j.Height < start || j.Height > max(head, j.Height) {
				t.Fatalf("height %d outside [%d, head %d]", j.Height, start, head)
			}
			if j.Attempt != attempts[j.Height]+1 {
				t.Fatalf("height %d: attempt %d, want %d", j.Height, j.Attempt, attempts[j.Height]+1)
			}
			if now.Before(due[j.Height]) {
				t.Fatalf("height %d retried at %v, before its backoff ends at %v", j.Height, now, due[j.Height])
			}
			inFlight[j.Height] = j
			everOut[j.Height] = true
		}
		var recent, other int
		for _, j := range inFlight {
			if j.Type == JobRecent {
				recent++
			} else {
				other++
			}
		}
		if recent > cfg.RecentWorkers || other > cfg.Workers {
			t.Fatalf("limits exceeded: %d recent, %d others (config %+v)", recent, other, cfg)
		}
	}
	complete := func(h uint64, available bool) {
		delete(inFlight, h)
		in, err := s.Admit(h, headerTime(h), now)
		if err != nil {
			t.Fatal(err)
		}
		if !in {
			collect()
			return
		}
		r := Result{K: 2, Samples: 4}
		if !available {
			r.Failed = []Coord{{Row: 1, Col: 1}}
		}
		if err := s.Done(h, r, now); err != nil {
			t.Fatal(err)
		}
		if !available {
			fail(h)
		}
		collect()
	}
	for stepN := 0; stepN < 400; stepN++ {
		switch x := rng.IntN(100); {
		case x < 12:
			head += uint64(rng.IntN(6))
			if head > 0 {
				before := s.Stats().NetworkHead
				s.SetHead(head, headerTime(head))
				if head > before {
					headPending = true
				}
			}
		case x < 35:
			next()
		case x < 80:
			for h := range inFlight {
				complete(h, rng.IntN(10) < 8)
				break
			}
		case x < 88:
			for h := range inFlight {
				delete(inFlight, h)
				if err := s.Failed(h, "timeout", now); err != nil {
					t.Fatal(err)
				}
				fail(h)
				break
			}
		case x < 95:
			now = now.Add(time.Duration(rng.IntN(3)) * step)
		default:
			// Restart: the checkpoint survives, in-flight work does not.
			cp := s.Checkpoint()
			b, err := cp.Marshal()
			if err != nil {
				t.Fatal(err)
			}
			cp2, err := UnmarshalCheckpoint(b)
			if err != nil {
				t.Fatal(err)
			}
			collect()
			s, err = New(cfg, start, cp2)
			if err != nil {
				t.Fatal(err)
			}
			clear(inFlight)
			clear(due) // restored failures are retried at once
			if head > 0 {
				s.SetHead(head, headerTime(head))
				headPending = true
			}
		}
	}
	// Settle: everything eventually available.
	for i := 0; i < 100000; i++ {
		now = now.Add(cfg.RetryMax)
		next()
		if len(inFlight) == 0 && s.Stats().CatchUpDone && len(s.Stats().Failed) == 0 {
			break
		}
		for h := range inFlight {
			complete(h, true)
		}
	}
	for h := start; h <= head; h++ {
		if available[h]+oow[h] != 1 {
			t.Fatalf("height %d: available %d times, out of window %d times (head %d, window %v)", h, available[h], oow[h], head, cfg.Window)
		}
	}
	if st := s.Stats(); head >= start && st.SampledChainHead != head {
		t.Fatalf("sampled chain head %d, want %d: %+v", st.SampledChainHead, head, st)
	}
}
