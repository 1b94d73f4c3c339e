package lightnode

import (
	"context"
	"math"
	"sync"
	"time"
)

// Catch-up progress reporting: how far header sync and sampling are from
// the network head, how fast they move and when they will arrive. The
// DAS loop feeds the meters (trackProgress) a few times a second; a log
// line is written every progressLogEvery while either is behind.
const (
	progressLogEvery = 10 * time.Second
	// progressWindow is the span the rate is measured over.
	progressWindow = 30 * time.Second
)

// Progress is one catch-up's position: From is where it started (this
// run), Done where it is, Target where the network is. Rate is in heights
// per second over the last progressWindow; ETASeconds is -1 while unknown
// (no movement measured yet) and 0 once caught up.
type Progress struct {
	From       uint64  `json:"from"`
	Done       uint64  `json:"done"`
	Target     uint64  `json:"target"`
	Percent    float64 `json:"percent"`
	Rate       float64 `json:"rate"`
	ETASeconds float64 `json:"eta_seconds"`
	CaughtUp   bool    `json:"caught_up"`
}

// CatchUpProgress is the light node's catch-up: verified headers (local
// head towards the sync target) and sampled headers (sampled head towards
// the network head).
type CatchUpProgress struct {
	Headers  Progress `json:"headers"`
	Sampling Progress `json:"sampling"`
}

// progressMeter measures one catch-up from observations (now, done,
// target). It is pure: time comes in as a parameter.
type progressMeter struct {
	started bool
	from    uint64
	obs     []progressObs // within progressWindow of the newest, oldest first
	last    Progress
}

type progressObs struct {
	t    time.Time
	done uint64
}

// observe records done and target at now and returns the progress.
func (m *progressMeter) observe(now time.Time, done, target uint64) Progress {
	if !m.started {
		m.started, m.from = true, done
	}
	target = max(target, done)
	m.obs = append(m.obs, progressObs{now, done})
	for len(m.obs) > 2 && now.Sub(m.obs[1].t) >= progressWindow {
		m.obs = m.obs[1:]
	}
	p := Progress{From: m.from, Done: done, Target: target, ETASeconds: -1, Percent: 100}
	if target > m.from {
		p.Percent = math.Round(1000*float64(done-min(done, m.from))/float64(target-m.from)) / 10
	}
	first := m.obs[0]
	if dt := now.Sub(first.t).Seconds(); dt > 0 && done >= first.done {
		p.Rate = math.Round(100*float64(done-first.done)/dt) / 100
	}
	switch {
	case done >= target:
		p.CaughtUp, p.ETASeconds, p.Percent = true, 0, 100
	case p.Rate > 0:
		p.ETASeconds = math.Ceil(float64(target-done) / p.Rate)
	}
	m.last = p
	return p
}

// catchUp holds the node's two meters and when progress was last logged.
// Its zero value is ready; it is safe for concurrent use.
type catchUp struct {
	mu        sync.Mutex
	every     time.Duration // 0: progressLogEvery
	headers   progressMeter
	sampling  progressMeter
	lastLog   time.Time
	wasBehind bool
}

// trackProgress feeds the meters from the node's state and logs the
// progress every progressLogEvery while behind (and once when caught up).
// The DAS loop calls it on each turn.
func (n *Node) trackProgress() {
	now := n.now()
	n.mu.Lock()
	if n.sched == nil {
		n.mu.Unlock()
		return
	}
	local, target := uint64(n.local.Height()), max(n.targetHeight, uint64(n.netHead.Height()))
	st := n.sched.Stats()
	n.mu.Unlock()
	c := &n.catchup
	c.mu.Lock()
	h := c.headers.observe(now, local, target)
	s := c.sampling.observe(now, st.SampledChainHead, st.NetworkHead)
	behind := !h.CaughtUp || !s.CaughtUp
	every := c.every
	if every == 0 {
		every = progressLogEvery
	}
	due := now.Sub(c.lastLog) >= every
	logIt := (behind && due) || (!behind && c.wasBehind)
	if logIt {
		c.lastLog = now
		c.wasBehind = behind
	}
	c.mu.Unlock()
	if !logIt {
		return
	}
	if !behind {
		n.log.Info("lightnode: caught up", "local_head", h.Done, "sampled_head", s.Done, "network_head", s.Target)
		return
	}
	n.log.Info("lightnode: catching up",
		"headers", h.Done, "headers_target", h.Target, "headers_pct", h.Percent, "headers_per_s", h.Rate, "headers_eta", eta(h),
		"sampled", s.Done, "sampling_target", s.Target, "sampled_pct", s.Percent, "sampled_per_s", s.Rate, "sampling_eta", eta(s))
}

func eta(p Progress) string {
	if p.ETASeconds < 0 {
		return "unknown"
	}
	return (time.Duration(p.ETASeconds) * time.Second).String()
}

// CatchUp returns the latest catch-up progress (zero before Start).
func (n *Node) CatchUp() CatchUpProgress {
	n.catchup.mu.Lock()
	defer n.catchup.mu.Unlock()
	return CatchUpProgress{Headers: n.catchup.headers.last, Sampling: n.catchup.sampling.last}
}

// catchUpAPI is the "catchup" JSON-RPC module.
type catchUpAPI struct {
	Internal struct {
		Progress func(context.Context) (CatchUpProgress, error) `perm:"read"`
	}
}

// Progress forwards to Internal.
func (a *catchUpAPI) Progress(ctx context.Context) (CatchUpProgress, error) {
	return a.Internal.Progress(ctx)
}

func (a apiImpl) Progress(context.Context) (CatchUpProgress, error) { return a.n.CatchUp(), nil }
