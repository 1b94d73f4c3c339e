package sampling

import (
	"encoding/json"
	"errors"
	"slices"
	"testing"
	"time"
)

var t0 = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

func smallConfig() Config {
	c := DefaultConfig()
	c.Workers, c.RecentWorkers, c.CatchUpRange = 2, 1, 10
	return c
}

func mustNew(t *testing.T, cfg Config, start uint64, cp *Checkpoint) *Scheduler {
	t.Helper()
	s, err := New(cfg, start, cp)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func ok(k int) Result { return Result{K: k, Samples: 16} }

func heights(jobs []Job) []uint64 {
	var hs []uint64
	for _, j := range jobs {
		hs = append(hs, j.Height)
	}
	return hs
}

func TestHeadFirstThenCatchUpRanges(t *testing.T) {
	s := mustNew(t, smallConfig(), 1, nil)
	if jobs := s.Next(t0); len(jobs) != 0 {
		t.Fatalf("jobs before any head: %v", jobs)
	}
	s.SetHead(25, t0)
	jobs := s.Next(t0)
	want := []Job{{JobRecent, 25, 1}, {JobCatchUp, 1, 1}, {JobCatchUp, 11, 1}}
	if !slices.Equal(jobs, want) {
		t.Fatalf("Next = %v, want %v", jobs, want)
	}
	stats, _ := json.Marshal(s.Stats())
	golden := `{"head_of_sampled_chain":0,"head_of_catchup":20,"network_head_height":25,` +
		`"workers":[{"job_type":"catchup","current":1,"from":1,"to":10},{"job_type":"catchup","current":11,"from":11,"to":20},` +
		`{"job_type":"recent","current":25,"from":25,"to":25}],"concurrency":3,"catch_up_done":false,"is_running":true}`
	if string(stats) != golden {
		t.Fatalf("stats JSON\n got %s\nwant %s", stats, golden)
	}
	// A new head jumps the queue even while catch-up workers are busy.
	if err := s.Done(25, ok(4), t0); err != nil {
		t.Fatal(err)
	}
	s.SetHead(30, t0)
	if jobs := s.Next(t0); !slices.Equal(jobs, []Job{{JobRecent, 30, 1}}) {
		t.Fatalf("after new head: %v", jobs)
	}
	// Workers continue their range in ascending order.
	for _, h := range []uint64{1, 11, 30} {
		if err := s.Done(h, ok(4), t0); err != nil {
			t.Fatal(err)
		}
	}
	if jobs := s.Next(t0); !slices.Equal(heights(jobs), []uint64{2, 12}) {
		t.Fatalf("continuation = %v, want heights 2 and 12", jobs)
	}
	// Run to the end: every height 1..30 decided, catch-up done.
	drain(t, s, t0)
	st := s.Stats()
	if st.SampledChainHead != 30 || !st.CatchUpDone || st.Concurrency != 0 || len(st.Failed) != 0 {
		t.Fatalf("final stats %+v", st)
	}
	// Verdicts carry the confidence reached.
	for _, v := range s.Verdicts() {
		if v.Status != StatusAvailable || v.Confidence != Confidence(4, 16) {
			t.Fatalf("verdict %+v", v)
		}
	}
}

// Headers that arrive together (a gap of a few heights below a new head)
// are sampled in parallel, one height per free worker, not queued on one
// worker: under 100 ms round trips and loss a single worker fell behind
// 1 s blocks. A long gap still goes out in CatchUpRange pieces.
func TestShortGapSplitsOverFreeWorkers(t *testing.T) {
	cfg := DefaultConfig() // 16 workers, ranges of 100
	s := mustNew(t, cfg, 1, nil)
	s.SetHead(1, t0)
	drain(t, s, t0)
	s.SetHead(8, t0) // 2..7 arrived with it
	want := []Job{{JobRecent, 8, 1}}
	for h := uint64(2); h <= 7; h++ {
		want = append(want, Job{JobCatchUp, h, 1})
	}
	if jobs := s.Next(t0); !slices.Equal(jobs, want) {
		t.Fatalf("Next = %v, want %v", jobs, want)
	}
	// 3,000 heights behind: 16 ranges of 100, none longer.
	drain(t, s, t0)
	s.SetHead(3008, t0)
	jobs := s.Next(t0)
	if len(jobs) != 1+cfg.Workers {
		t.Fatalf("%d jobs for a long gap, want the head and %d ranges", len(jobs), cfg.Workers)
	}
	for _, w := range s.Stats().Workers {
		if w.JobType == JobCatchUp && w.To-w.From+1 != uint64(cfg.CatchUpRange) {
			t.Fatalf("catch-up range %d..%d, want %d heights", w.From, w.To, cfg.CatchUpRange)
		}
	}
	// 40 behind with 16 free workers: every worker busy, none with more than
	// 3 heights (40/16 rounded up).
	drain(t, s, t0)
	s.SetHead(3049, t0)
	s.Next(t0)
	var n int
	for _, w := range s.Stats().Workers {
		if w.JobType == JobCatchUp {
			n++
			if w.To-w.From+1 > 3 {
				t.Fatalf("catch-up range %d..%d longer than 40/16 rounded up", w.From, w.To)
			}
		}
	}
	if n != cfg.Workers {
		t.Fatalf("%d catch-up ranges for 40 heights, want %d", n, cfg.Workers)
	}
}

// drain completes every job in flight as available until no job is left.
func drain(t *testing.T, s *Scheduler, now time.Time) {
	t.Helper()
	for i := 0; i < 10000; i++ {
		s.Next(now)
		if len(s.inFlight) == 0 {
			return
		}
		for h := range s.inFlight {
			if err := s.Done(h, ok(4), now); err != nil {
				t.Fatal(err)
			}
		}
	}
	t.Fatal("did not drain")
}

func TestFailedRetriesWithBackoff(t *testing.T) {
	s := mustNew(t, smallConfig(), 1, nil)
	s.SetHead(3, t0)
	s.Next(t0) // 3 (recent), 1 (catch-up 1..3)
	if err := s.Failed(3, "no peers", t0); err != nil {
		t.Fatal(err)
	}
	if err := s.Failed(99, "x", t0); !errors.Is(err, ErrNotInFlight) {
		t.Fatalf("Failed of a height not in flight: %v", err)
	}
	if err := s.Done(1, ok(2), t0); err != nil {
		t.Fatal(err)
	}
	// 2 continues the range; 3 is failed, so the range skips it.
	if jobs := s.Next(t0); !slices.Equal(jobs, []Job{{JobCatchUp, 2, 1}}) {
		t.Fatalf("Next = %v", jobs)
	}
	if got := s.Stats().Failed; len(got) != 1 || got[3] != 1 {
		t.Fatalf("failed map %v", got)
	}
	s.Done(2, ok(2), t0)
	if jobs := s.Next(t0.Add(9 * time.Second)); len(jobs) != 0 {
		t.Fatalf("retry before the backoff: %v", jobs)
	}
	jobs := s.Next(t0.Add(10 * time.Second))
	if !slices.Equal(jobs, []Job{{JobRetry, 3, 2}}) {
		t.Fatalf("retry = %v", jobs)
	}
	// Unavailable: reported with the failed coordinates, retried after 20 s.
	failed := []Coord{{Row: 1, Col: 2}}
	now := t0.Add(10 * time.Second)
	if err := s.Done(3, Result{K: 2, Samples: 16, Failed: failed}, now); err != nil {
		t.Fatal(err)
	}
	vs := s.Verdicts()
	last := vs[len(vs)-1]
	if last.Status != StatusUnavailable || last.Height != 3 || !slices.Equal(last.Failed, failed) || last.Verified != 15 || last.Attempt != 2 {
		t.Fatalf("unavailable verdict %+v", last)
	}
	if s.Stats().SampledChainHead != 2 || s.Stats().Failed[3] != 2 {
		t.Fatalf("stats %+v", s.Stats())
	}
	if jobs := s.Next(now.Add(19 * time.Second)); len(jobs) != 0 {
		t.Fatalf("second retry too early: %v", jobs)
	}
	if jobs := s.Next(now.Add(20 * time.Second)); !slices.Equal(jobs, []Job{{JobRetry, 3, 3}}) {
		t.Fatalf("second retry = %v", jobs)
	}
	s.Done(3, ok(2), now)
	if st := s.Stats(); st.SampledChainHead != 3 || len(st.Failed) != 0 {
		t.Fatalf("after success: %+v", st)
	}
	if err := s.Done(3, ok(2), now); !errors.Is(err, ErrNotInFlight) {
		t.Fatalf("double Done accepted: %v", err)
	}
}

func TestBackoffCaps(t *testing.T) {
	s := mustNew(t, DefaultConfig(), 1, nil)
	for a, want := range map[int]time.Duration{1: 10 * time.Second, 2: 20 * time.Second, 9: 2560 * time.Second, 10: time.Hour, 1000: time.Hour} {
		if got := s.backoff(a); got != want {
			t.Errorf("backoff(%d) = %v, want %v", a, got, want)
		}
	}
}

func TestInvalidResult(t *testing.T) {
	s := mustNew(t, smallConfig(), 1, nil)
	s.SetHead(1, t0)
	s.Next(t0)
	for _, r := range []Result{{K: 0, Samples: 1}, {K: 1, Samples: 5}, {K: 2, Samples: 1, Failed: make([]Coord, 2)}} {
		if err := s.Done(1, r, t0); !errors.Is(err, ErrResult) {
			t.Errorf("Done(%+v) error = %v, want ErrResult", r, err)
		}
	}
	if err := s.Done(1, Result{K: 1, Samples: 4}, t0); err != nil {
		t.Fatalf("valid result refused after invalid ones: %v", err)
	}
}

func TestSamplingWindow(t *testing.T) {
	cfg := smallConfig()
	cfg.Window = time.Hour
	s := mustNew(t, cfg, 1, nil)
	now := t0.Add(10 * time.Hour)
	s.SetHead(100, now.Add(-time.Minute))
	jobs := s.Next(now) // 100, 1, 11
	if !slices.Equal(heights(jobs), []uint64{100, 1, 11}) {
		t.Fatalf("jobs %v", jobs)
	}
	// Height 11 is 2 h old: it and every undecided height below it that is
	// not in flight are skipped, with verdicts.
	in, err := s.Admit(11, now.Add(-2*time.Hour), now)
	if err != nil || in {
		t.Fatalf("Admit(old) = %v, %v", in, err)
	}
	vs := s.Verdicts()
	want := []Verdict{{Status: StatusOutOfWindow, Height: 2, To: 11}}
	if !slices.EqualFunc(vs, want, func(a, b Verdict) bool { return a.Status == b.Status && a.Height == b.Height && a.To == b.To }) {
		t.Fatalf("verdicts %+v, want %+v", vs, want)
	}
	// Height 1 is still in flight; once it lands, the sampled chain folds.
	if in, _ := s.Admit(1, now.Add(-3*time.Hour), now); in {
		t.Fatal("height 1 admitted")
	}
	if st := s.Stats(); st.SampledChainHead != 11 {
		t.Fatalf("sampled chain head %d, want 11", st.SampledChainHead)
	}
	if in, _ := s.Admit(100, now.Add(-time.Minute), now); !in {
		t.Fatal("head refused")
	}
	// Nothing at or below 11 is ever handed out again.
	for _, j := range s.Next(now) {
		if j.Height <= 11 {
			t.Fatalf("out-of-window height handed out: %v", j)
		}
	}
	// A failed height whose header time leaves the window is dropped, with
	// a verdict, at the next Next.
	s2 := mustNew(t, cfg, 1, nil)
	s2.SetHead(5, t0)
	s2.Next(t0)
	s2.Admit(5, t0, t0)
	s2.Failed(5, "timeout", t0)
	s2.Verdicts()
	s2.Next(t0.Add(2 * time.Hour)) // head time (t0) is now out of window too
	st := s2.Stats()
	if len(st.Failed) != 0 {
		t.Fatalf("expired failed height kept: %+v", st)
	}
	vs = s2.Verdicts()
	if len(vs) == 0 || vs[len(vs)-1].Status != StatusOutOfWindow {
		t.Fatalf("no out-of-window verdict: %+v", vs)
	}
}

func TestHaltStopsJobs(t *testing.T) {
	s := mustNew(t, smallConfig(), 1, nil)
	s.SetHead(5, t0)
	jobs := s.Next(t0)
	s.Halt()
	if !s.Halted() || s.Stats().IsRunning {
		t.Fatal("not halted")
	}
	s.SetHead(6, t0)
	if got := s.Next(t0); got != nil {
		t.Fatalf("jobs after Halt: %v", got)
	}
	if err := s.Done(jobs[0].Height, ok(2), t0); err != nil {
		t.Fatalf("in-flight result refused after Halt: %v", err)
	}
}

func TestRestartFromCheckpointResamplesNothing(t *testing.T) {
	s := mustNew(t, smallConfig(), 1, nil)
	s.SetHead(40, t0)
	sampled := map[uint64]int{}
	// Sample some heights, fail one, leave some in flight.
	for round := 0; round < 3; round++ {
		for _, j := range s.Next(t0) {
			if j.Height == 2 {
				s.Failed(2, "x", t0)
				continue
			}
			if round == 2 {
				continue // left in flight: not finished, to be sampled again
			}
			s.Done(j.Height, ok(4), t0)
			sampled[j.Height]++
		}
	}
	cp := s.Checkpoint()
	b, err := cp.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	cp2, err := UnmarshalCheckpoint(b)
	if err != nil {
		t.Fatal(err)
	}
	r := mustNew(t, smallConfig(), 1, cp2)
	if got := r.Stats().Failed; got[2] != 1 {
		t.Fatalf("failed attempts lost: %v", got)
	}
	r.SetHead(40, t0)
	for i := 0; i < 1000; i++ {
		jobs := r.Next(t0)
		if len(jobs) == 0 {
			break
		}
		for _, j := range jobs {
			if j.Height == 2 && j.Attempt != 2 {
				t.Fatalf("retry of 2 has attempt %d, want 2", j.Attempt)
			}
			sampled[j.Height]++
			r.Done(j.Height, ok(4), t0)
		}
	}
	for h := uint64(1); h <= 40; h++ {
		if sampled[h] != 1 {
			t.Errorf("height %d sampled %d times across the restart", h, sampled[h])
		}
	}
	if r.Stats().SampledChainHead != 40 {
		t.Fatalf("stats %+v", r.Stats())
	}
}

func TestStartAboveCheckpointAndConfig(t *testing.T) {
	cp := &Checkpoint{SampledUpTo: 5, Done: []Range{{From: 8, To: 9}}, Failed: []FailedHeight{{Height: 7, Attempts: 2}, {Height: 20, Attempts: 1}}}
	s := mustNew(t, smallConfig(), 10, cp)
	st := s.Stats()
	if st.SampledChainHead != 9 || len(st.Failed) != 1 || st.Failed[20] != 1 {
		t.Fatalf("stats %+v", st)
	}
	bad := smallConfig()
	bad.RetryMax = time.Second
	if _, err := New(bad, 1, nil); !errors.Is(err, ErrConfig) {
		t.Fatalf("bad config accepted: %v", err)
	}
	if _, err := New(smallConfig(), 0, nil); !errors.Is(err, ErrConfig) {
		t.Fatalf("start 0 accepted: %v", err)
	}
	if err := DefaultConfig().Validate(); err != nil {
		t.Fatal(err)
	}
}
