package sampling

import (
	"errors"
	"fmt"
	"slices"
	"time"
)

// JobType says why a height is being sampled; the values are celestia-node's.
type JobType string

// Job types.
const (
	// JobRecent samples a new network head, ahead of everything else.
	JobRecent JobType = "recent"
	// JobCatchUp samples past heights, ascending, in bounded ranges.
	JobCatchUp JobType = "catchup"
	// JobRetry samples again a height whose last attempt failed.
	JobRetry JobType = "retry"
)

// Job asks the driver to sample one height.
type Job struct {
	Type   JobType
	Height uint64
	// Attempt is 1 for a height's first attempt, then counts up.
	Attempt int
}

// Result is the driver's outcome of one sampling attempt that reached a
// verdict: the header was fetched and verified, and each coordinate was
// requested (from several peers, until a deadline).
type Result struct {
	// K is the original square width of the header (the square is 2k×2k).
	K int
	// Samples is how many distinct coordinates were sampled.
	Samples int
	// Failed are the coordinates whose share could not be obtained and
	// verified before their deadline, after retries with other peers. Empty
	// means the header is available.
	Failed []Coord
}

func (r Result) validate() error {
	switch {
	case r.K < 1:
		return fmt.Errorf("%w: k = %d, want ≥ 1", ErrResult, r.K)
	case r.Samples < 1 || uint64(r.Samples) > 4*uint64(r.K)*uint64(r.K):
		return fmt.Errorf("%w: %d samples, want 1..%d for k = %d", ErrResult, r.Samples, 4*r.K*r.K, r.K)
	case len(r.Failed) > r.Samples:
		return fmt.Errorf("%w: %d failed of %d samples", ErrResult, len(r.Failed), r.Samples)
	}
	return nil
}

// Status is a verdict on a header (or on a range of headers, for
// StatusOutOfWindow).
type Status string

// Verdict statuses.
const (
	// StatusAvailable: every sample verified.
	StatusAvailable Status = "available"
	// StatusUnavailable: at least one sample could not be obtained and
	// verified; the height is retried later with backoff.
	StatusUnavailable Status = "unavailable"
	// StatusOutOfWindow: the heights are older than the sampling window and
	// are not sampled.
	StatusOutOfWindow Status = "out_of_window"
)

// Verdict reports what the scheduler decided about a height, or a range of
// heights. Nothing is skipped without one.
type Verdict struct {
	Status Status `json:"status"`
	// Height is the height, or the first height of an out-of-window range.
	Height uint64 `json:"height"`
	// To is the last height of an out-of-window range, else Height.
	To uint64 `json:"to"`
	// Attempt is the attempt that reached the verdict (0 for out of window).
	Attempt int `json:"attempt,omitempty"`
	// Samples and Verified count the coordinates sampled and verified.
	Samples  int `json:"samples,omitempty"`
	Verified int `json:"verified,omitempty"`
	// Confidence is Confidence(k, Verified): for an available header the
	// confidence that its data is available; for an unavailable one what the
	// verified samples alone would have given.
	Confidence float64 `json:"confidence,omitempty"`
	// Failed lists the coordinates that failed (unavailable only).
	Failed []Coord `json:"failed,omitempty"`
}

// Errors returned by the scheduler's inputs; they are driver bugs and leave
// the state unchanged.
var (
	ErrNotInFlight = errors.New("sampling: height is not being sampled")
	ErrResult      = errors.New("sampling: invalid result")
	ErrConfig      = errors.New("sampling: invalid config")
)

// Config tunes a Scheduler.
type Config struct {
	// Workers bounds concurrent catch-up and retry jobs.
	Workers int `toml:"workers"`
	// RecentWorkers bounds concurrent head jobs, on top of Workers.
	RecentWorkers int `toml:"recent_workers"`
	// CatchUpRange is how many heights one catch-up job covers.
	CatchUpRange int `toml:"catch_up_range"`
	// Window is the sampling window: headers older than it (header time vs
	// the now given to the scheduler) are not sampled. 0 samples everything.
	Window time.Duration `toml:"window"`
	// RetryBase and RetryMax bound the exponential backoff between attempts
	// of a failed height: RetryBase·2^(attempts−1), at most RetryMax.
	RetryBase time.Duration `toml:"retry_base"`
	RetryMax  time.Duration `toml:"retry_max"`
}

// DefaultConfig is celestia-node's shape: 16 workers over ranges of 100
// headers, a 30-day window; retries from 10 s doubling up to an hour.
func DefaultConfig() Config {
	return Config{
		Workers:       16,
		RecentWorkers: 4,
		CatchUpRange:  100,
		Window:        30 * 24 * time.Hour,
		RetryBase:     10 * time.Second,
		RetryMax:      time.Hour,
	}
}

// Validate checks the configuration.
func (c Config) Validate() error {
	switch {
	case c.Workers < 1:
		return fmt.Errorf("%w: workers = %d, want ≥ 1", ErrConfig, c.Workers)
	case c.RecentWorkers < 1:
		return fmt.Errorf("%w: recent_workers = %d, want ≥ 1", ErrConfig, c.RecentWorkers)
	case c.CatchUpRange < 1:
		return fmt.Errorf("%w: catch_up_range = %d, want ≥ 1", ErrConfig, c.CatchUpRange)
	case c.Window < 0:
		return fmt.Errorf("%w: window = %v, want ≥ 0", ErrConfig, c.Window)
	case c.RetryBase <= 0 || c.RetryMax < c.RetryBase:
		return fmt.Errorf("%w: retry_base = %v, retry_max = %v, want 0 < base ≤ max", ErrConfig, c.RetryBase, c.RetryMax)
	}
	return nil
}

type worker struct {
	typ      JobType
	from, to uint64
	cur      uint64 // height in flight, or the last one handed out
	busy     bool   // cur is in flight
}

type flight struct {
	w          *worker
	attempt    int
	headerTime time.Time // set by Admit
}

type failure struct {
	attempts   int
	next       time.Time // earliest retry
	headerTime time.Time // zero if unknown
	reason     string
}

// Scheduler is the data-availability sampling state machine of a light node.
// It does no I/O and reads no clock: the driver feeds it the network head
// (SetHead), asks for work (Next), reports the header time of each job
// (Admit) and its outcome (Done, Failed), drains Verdicts, and persists
// Checkpoint. It is not safe for concurrent use; the driver serializes calls.
//
// Guarantees (checked by property tests): a height is never in flight twice,
// a height decided available is never handed out again (also across a
// restart from its Checkpoint), no height in [start, head] is left without a
// verdict, and a new head is the first job handed out after SetHead whenever
// a recent worker is free.
type Scheduler struct {
	cfg   Config
	start uint64

	sampledUpTo uint64   // every height in [start, sampledUpTo] is decided
	done        rangeSet // decided heights above sampledUpTo+1
	failed      map[uint64]*failure
	inFlight    map[uint64]*flight
	workers     []*worker

	head        uint64
	headTime    time.Time
	catchUpNext uint64 // lowest height not yet given to a catch-up range
	pendingHead uint64 // a head waiting for a recent worker (0: none)

	verdicts []Verdict
	halted   bool
}

// New returns a scheduler sampling from the trusted start height (≥ 1) on,
// resuming from cp when it is not nil (heights below start are ignored).
func New(cfg Config, start uint64, cp *Checkpoint) (*Scheduler, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if start < 1 {
		return nil, fmt.Errorf("%w: start height 0, want ≥ 1", ErrConfig)
	}
	s := &Scheduler{
		cfg:         cfg,
		start:       start,
		sampledUpTo: start - 1,
		failed:      map[uint64]*failure{},
		inFlight:    map[uint64]*flight{},
	}
	if cp != nil {
		if err := cp.Validate(); err != nil {
			return nil, err
		}
		s.sampledUpTo = max(s.sampledUpTo, cp.SampledUpTo)
		for _, r := range cp.Done {
			if r.To > s.sampledUpTo {
				s.done.add(max(r.From, s.sampledUpTo+1), r.To)
			}
		}
		s.sampledUpTo = s.done.fold(s.sampledUpTo)
		for _, f := range cp.Failed {
			if !s.decided(f.Height) {
				s.failed[f.Height] = &failure{attempts: f.Attempts, reason: "failed before restart"}
			}
		}
	}
	s.catchUpNext = s.sampledUpTo + 1
	return s, nil
}

// SetHead tells the scheduler the network head (a verified header's height
// and time). A head at or below the known one is ignored (never step back). A
// new head is handed out first by the next call to Next if a recent worker is
// free; the heights between the previous head and it are caught up.
func (s *Scheduler) SetHead(height uint64, headerTime time.Time) {
	if height <= s.head {
		return
	}
	s.head, s.headTime = height, headerTime
	s.pendingHead = 0 // an older head still waiting is caught up instead
	if s.eligible(height) {
		s.pendingHead = height
	}
}

// Halt stops handing out jobs for good (a valid bad-encoding fraud proof was
// seen: the chain is not to be trusted). Results of jobs in flight are still
// accepted.
func (s *Scheduler) Halt() { s.halted = true }

// Halted reports whether Halt was called.
func (s *Scheduler) Halted() bool { return s.halted }

// Next returns the jobs to start now: the new head first, then heights whose
// retry is due, then catch-up heights in ascending order, within the worker
// limits. It also skips, with an out-of-window verdict, heights whose known
// header time is older than the window at now.
func (s *Scheduler) Next(now time.Time) []Job {
	if s.halted {
		return nil
	}
	s.expire(now)
	var jobs []Job
	if h := s.pendingHead; h != 0 {
		if !s.eligible(h) {
			s.pendingHead = 0
		} else if s.count(JobRecent) < s.cfg.RecentWorkers {
			s.pendingHead = 0
			jobs = append(jobs, s.launch(&worker{typ: JobRecent, from: h, to: h}, h, true))
		}
	}
	// Catch-up workers continue their range.
	var cont []Job
	kept := s.workers[:0]
	for _, w := range s.workers {
		if w.typ == JobCatchUp && !w.busy {
			first := w.from
			if w.cur != 0 {
				first = w.cur + 1
			}
			h, ok := s.firstEligible(first, w.to)
			if !ok {
				continue // range finished: the worker retires
			}
			cont = append(cont, s.launch(w, h, false))
		}
		kept = append(kept, w)
	}
	clear(s.workers[len(kept):])
	s.workers = kept
	free := s.cfg.Workers - s.count(JobCatchUp) - s.count(JobRetry)
	// Due retries, lowest height first.
	if free > 0 {
		var due []uint64
		for h, f := range s.failed {
			if !f.next.After(now) && s.inFlight[h] == nil {
				due = append(due, h)
			}
		}
		slices.Sort(due)
		for _, h := range due {
			if free == 0 {
				break
			}
			jobs = append(jobs, s.launch(&worker{typ: JobRetry, from: h, to: h}, h, true))
			free--
		}
	}
	jobs = append(jobs, cont...)
	// New catch-up ranges.
	for free > 0 && s.head > 0 && s.catchUpNext <= s.head {
		from, ok := s.firstEligible(s.catchUpNext, s.head)
		if !ok {
			s.catchUpNext = s.head + 1
			break
		}
		// A worker samples its range one height at a time, so a short gap
		// (headers that arrived together, under loss or after a stall) is
		// split over the free workers instead of queueing on one worker's
		// round trips; a long one still goes out in CatchUpRange pieces.
		size := min(uint64(s.cfg.CatchUpRange), (s.head-from+uint64(free))/uint64(free))
		to := from + size - 1
		s.catchUpNext = to + 1
		jobs = append(jobs, s.launch(&worker{typ: JobCatchUp, from: from, to: to}, from, true))
		free--
	}
	return jobs
}

// Admit is called once the driver has the job's verified header: it reports
// whether the header is inside the sampling window at now. If not, the job
// ends, the height and every undecided height below it (header times only
// grow with height) get an out-of-window verdict, and the driver must not
// sample it.
func (s *Scheduler) Admit(height uint64, headerTime, now time.Time) (bool, error) {
	f := s.inFlight[height]
	if f == nil {
		return false, fmt.Errorf("%w: admit height %d", ErrNotInFlight, height)
	}
	if s.outOfWindow(headerTime, now) {
		s.land(height, f)
		s.markOutOfWindow(height)
		return false, nil
	}
	f.headerTime = headerTime
	return true, nil
}

// Done records the verdict of an attempt on height: available when r.Failed
// is empty, else unavailable (queued as a Verdict with the failed
// coordinates, and retried with backoff from now).
func (s *Scheduler) Done(height uint64, r Result, now time.Time) error {
	f := s.inFlight[height]
	if f == nil {
		return fmt.Errorf("%w: done height %d", ErrNotInFlight, height)
	}
	if err := r.validate(); err != nil {
		return fmt.Errorf("height %d: %w", height, err)
	}
	s.land(height, f)
	verified := r.Samples - len(r.Failed)
	v := Verdict{Height: height, To: height, Attempt: f.attempt, Samples: r.Samples, Verified: verified,
		Confidence: Confidence(r.K, verified)}
	if len(r.Failed) == 0 {
		v.Status = StatusAvailable
		delete(s.failed, height)
		s.decide(height, height)
	} else {
		v.Status = StatusUnavailable
		v.Failed = slices.Clone(r.Failed)
		if !s.decided(height) {
			s.fail(height, f, fmt.Sprintf("unavailable: %d of %d samples failed", len(r.Failed), r.Samples), now)
		}
	}
	s.verdicts = append(s.verdicts, v)
	return nil
}

// Failed records an attempt on height that reached no verdict (the header
// could not be fetched, no peer answered, the driver was stopped...). The
// height is retried with backoff from now; Stats lists it with its attempts.
func (s *Scheduler) Failed(height uint64, reason string, now time.Time) error {
	f := s.inFlight[height]
	if f == nil {
		return fmt.Errorf("%w: failed height %d", ErrNotInFlight, height)
	}
	s.land(height, f)
	if !s.decided(height) {
		s.fail(height, f, reason, now)
	}
	return nil
}

// Verdicts returns, and forgets, the verdicts reached since the last call,
// in the order they were reached.
func (s *Scheduler) Verdicts() []Verdict {
	v := s.verdicts
	s.verdicts = nil
	return v
}

// Sampled reports whether height has been decided available or out of
// window (it will not be sampled again).
func (s *Scheduler) Sampled(height uint64) bool { return s.decided(height) }

// Checkpoint returns the state to persist.
func (s *Scheduler) Checkpoint() Checkpoint {
	cp := Checkpoint{SampledUpTo: s.sampledUpTo, Done: s.done.ranges()}
	for h, f := range s.failed {
		cp.Failed = append(cp.Failed, FailedHeight{Height: h, Attempts: min(f.attempts, MaxAttempts)})
	}
	slices.SortFunc(cp.Failed, func(a, b FailedHeight) int { return cmpU64(a.Height, b.Height) })
	return cp
}

func cmpU64(a, b uint64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// --- internals ---

func (s *Scheduler) decided(h uint64) bool {
	return h <= s.sampledUpTo || s.done.contains(h)
}

// eligible: may be handed out by a catch-up or head job.
func (s *Scheduler) eligible(h uint64) bool {
	return !s.decided(h) && s.inFlight[h] == nil && s.failed[h] == nil
}

// firstEligible returns the lowest eligible height in [from, to].
func (s *Scheduler) firstEligible(from, to uint64) (uint64, bool) {
	h := max(from, s.sampledUpTo+1)
	for h <= to && h != 0 {
		if i := s.done.search(h); i < len(s.done.r) && s.done.r[i].From <= h {
			h = s.done.r[i].To + 1
			continue
		}
		if s.inFlight[h] != nil || s.failed[h] != nil {
			h++
			continue
		}
		return h, true
	}
	return 0, false
}

func (s *Scheduler) count(t JobType) int {
	n := 0
	for _, w := range s.workers {
		if w.typ == t {
			n++
		}
	}
	return n
}

func (s *Scheduler) launch(w *worker, h uint64, isNew bool) Job {
	if isNew {
		s.workers = append(s.workers, w)
	}
	w.cur, w.busy = h, true
	attempt := 1
	if f := s.failed[h]; f != nil {
		attempt = f.attempts + 1
	}
	s.inFlight[h] = &flight{w: w, attempt: attempt}
	return Job{Type: w.typ, Height: h, Attempt: attempt}
}

// land ends the flight of h; single-height workers retire.
func (s *Scheduler) land(h uint64, f *flight) {
	delete(s.inFlight, h)
	f.w.busy = false
	if f.w.typ != JobCatchUp {
		s.workers = slices.DeleteFunc(s.workers, func(w *worker) bool { return w == f.w })
	}
}

func (s *Scheduler) fail(h uint64, f *flight, reason string, now time.Time) {
	e := s.failed[h]
	if e == nil {
		e = &failure{}
		s.failed[h] = e
	}
	if e.attempts < MaxAttempts {
		e.attempts++
	}
	e.reason = reason
	if !f.headerTime.IsZero() {
		e.headerTime = f.headerTime
	}
	e.next = now.Add(s.backoff(e.attempts))
}

func (s *Scheduler) backoff(attempts int) time.Duration {
	d := s.cfg.RetryBase
	for i := 1; i < attempts && d < s.cfg.RetryMax; i++ {
		d *= 2
	}
	return min(d, s.cfg.RetryMax)
}

func (s *Scheduler) decide(from, to uint64) {
	if to <= s.sampledUpTo {
		return
	}
	s.done.add(max(from, s.sampledUpTo+1), to)
	s.sampledUpTo = s.done.fold(s.sampledUpTo)
}

func (s *Scheduler) outOfWindow(t, now time.Time) bool {
	return s.cfg.Window > 0 && now.Sub(t) > s.cfg.Window
}

// expire marks out of window everything at or below the highest height whose
// known header time has left the window.
func (s *Scheduler) expire(now time.Time) {
	if s.cfg.Window == 0 {
		return
	}
	var top uint64
	if s.head > 0 && s.outOfWindow(s.headTime, now) {
		top = s.head
	}
	for h, f := range s.failed {
		if h > top && !f.headerTime.IsZero() && s.outOfWindow(f.headerTime, now) {
			top = h
		}
	}
	if top > 0 {
		s.markOutOfWindow(top)
	}
}

// markOutOfWindow decides every undecided height in [start, top] that is not
// in flight, with one out-of-window verdict per contiguous run.
func (s *Scheduler) markOutOfWindow(top uint64) {
	if top <= s.sampledUpTo {
		return
	}
	var flying []uint64
	for h := range s.inFlight {
		if h <= top {
			flying = append(flying, h)
		}
	}
	slices.Sort(flying)
	for _, g := range s.done.gaps(s.sampledUpTo+1, top) {
		from := g.From
		for _, h := range flying {
			if h < from || h > g.To {
				continue
			}
			if h > from {
				s.skip(from, h-1)
			}
			from = h + 1
		}
		if from <= g.To {
			s.skip(from, g.To)
		}
	}
	if s.pendingHead != 0 && s.pendingHead <= top {
		s.pendingHead = 0
	}
	s.catchUpNext = max(s.catchUpNext, top+1)
	s.sampledUpTo = s.done.fold(s.sampledUpTo)
}

func (s *Scheduler) skip(from, to uint64) {
	for h := range s.failed {
		if h >= from && h <= to {
			delete(s.failed, h)
		}
	}
	s.done.add(from, to)
	s.verdicts = append(s.verdicts, Verdict{Status: StatusOutOfWindow, Height: from, To: to})
}
