package sampling

import "slices"

// Stats has the JSON shape of celestia-node's das.SamplingStats (plus an
// optional "quadrant" object), so that tools reading das.SamplingStats from
// a Celestia light node read Quadrant's too. It is the one sampling-stats
// type: the light node's API and the rollup adapter's das module both
// return it.
type Stats struct {
	// SampledChainHead: every header from the trusted start up to it is
	// decided (available, or older than the sampling window).
	SampledChainHead uint64 `json:"head_of_sampled_chain"`
	// CatchupHead: every header up to it was handed to a worker; it may be
	// sampled, failed or still in progress (see Workers).
	CatchupHead uint64 `json:"head_of_catchup"`
	// NetworkHead is the most recent header known.
	NetworkHead uint64 `json:"network_head_height"`
	// Failed maps each height whose last attempt did not end available to
	// its number of attempts.
	Failed map[uint64]int `json:"failed,omitempty"`
	// Workers describes each running job.
	Workers []WorkerStats `json:"workers,omitempty"`
	// Concurrency is the number of running jobs.
	Concurrency int `json:"concurrency"`
	// CatchUpDone: every known header has been handed out and nothing is in
	// progress (failed heights are retried separately).
	CatchUpDone bool `json:"catch_up_done"`
	// IsRunning: the scheduler is not halted. A driver that is not started
	// reports false.
	IsRunning bool `json:"is_running"`
	// Extra holds Quadrant's own notes for operators (the scheduler sets
	// none; a node that does not sample says so here); tools that expect
	// celestia-node's shape ignore the field.
	Extra map[string]string `json:"quadrant,omitempty"`
}

// WorkerStats is one running job, as celestia-node's das.WorkerStats.
type WorkerStats struct {
	JobType JobType `json:"job_type"`
	Curr    uint64  `json:"current"`
	From    uint64  `json:"from"`
	To      uint64  `json:"to"`
	ErrMsg  string  `json:"error,omitempty"`
}

// Stats returns the scheduler's progress.
func (s *Scheduler) Stats() Stats {
	st := Stats{
		SampledChainHead: s.sampledUpTo,
		CatchupHead:      s.catchUpNext - 1,
		NetworkHead:      s.head,
		Concurrency:      len(s.workers),
		IsRunning:        !s.halted,
	}
	if len(s.failed) > 0 {
		st.Failed = make(map[uint64]int, len(s.failed))
		for h, f := range s.failed {
			st.Failed[h] = f.attempts
		}
	}
	for _, w := range s.workers {
		ws := WorkerStats{JobType: w.typ, Curr: w.cur, From: w.from, To: w.to}
		if w.typ == JobRetry {
			if f := s.failed[w.cur]; f != nil {
				ws.ErrMsg = f.reason
			}
		}
		st.Workers = append(st.Workers, ws)
	}
	slices.SortFunc(st.Workers, func(a, b WorkerStats) int {
		if c := cmpU64(a.From, b.From); c != 0 {
			return c
		}
		return cmpU64(a.Curr, b.Curr)
	})
	st.CatchUpDone = s.head > 0 && s.catchUpNext > s.head && len(s.workers) == 0 && s.pendingHead == 0
	return st
}
