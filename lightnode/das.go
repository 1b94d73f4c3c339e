package lightnode

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/libp2p/go-libp2p/core/peer"

	"github.com/quadrant-da/quadrant/da"
	"github.com/quadrant-da/quadrant/p2p"
	"github.com/quadrant-da/quadrant/sampling"
)

// recentVerdicts is how many verdicts the API keeps.
const recentVerdicts = 256

// runDAS drives the sampling scheduler: it starts the jobs Next hands out,
// feeds back their outcomes, reports verdicts and persists the checkpoint.
func (n *Node) runDAS(ctx context.Context) error {
	var wg sync.WaitGroup
	defer wg.Wait()
	tick := time.NewTicker(250 * time.Millisecond)
	defer tick.Stop()
	lastSave := n.now()
	for {
		n.mu.Lock()
		jobs := n.sched.Next(n.now())
		n.mu.Unlock()
		for _, j := range jobs {
			wg.Add(1)
			go func() {
				defer wg.Done()
				n.runJob(ctx, j)
				n.nudge()
			}()
		}
		n.reportVerdicts()
		n.trackProgress()
		if n.now().Sub(lastSave) >= time.Second || ctx.Err() != nil {
			if err := n.saveCheckpoint(); err != nil {
				n.log.Error("lightnode: save sampling checkpoint", "err", err)
			}
			lastSave = n.now()
		}
		select {
		case <-ctx.Done():
			return nil
		case <-n.wake:
		case <-tick.C:
		}
	}
}

// saveCheckpoint persists the scheduler's checkpoint when it changed.
func (n *Node) saveCheckpoint() error {
	n.mu.Lock()
	if !n.cpDirty {
		n.mu.Unlock()
		return nil
	}
	cp := n.sched.Checkpoint()
	n.cpDirty = false
	n.mu.Unlock()
	return n.store.saveCheckpoint(context.Background(), cp)
}

// runJob samples one height. An attempt cut short by Close reports nothing,
// so the height stays out of the checkpoint and is sampled after a restart.
func (n *Node) runJob(ctx context.Context, j sampling.Job) {
	hctx, cancel := context.WithTimeout(ctx, n.cfg.HeaderDeadline)
	defer cancel()
	start := time.Now()
	hdr, err := n.waitHeader(hctx, j.Height)
	if err != nil {
		if ctx.Err() != nil {
			return
		}
		n.mu.Lock()
		ferr := n.sched.Failed(j.Height, err.Error(), n.now())
		n.cpDirty = true
		n.mu.Unlock()
		n.log.Warn("lightnode: cannot sample height: header not available", "height", j.Height, "err", err, "scheduler_err", ferr)
		return
	}
	n.mu.Lock()
	ok, err := n.sched.Admit(j.Height, hdr.Time(), n.now())
	n.cpDirty = true
	n.mu.Unlock()
	if err != nil || !ok {
		return
	}
	res, err := n.sampleHeader(hctx, hdr)
	if ctx.Err() != nil {
		return
	}
	n.mu.Lock()
	if err != nil {
		err = n.sched.Failed(j.Height, err.Error(), n.now())
	} else {
		err = n.sched.Done(j.Height, res, n.now())
	}
	n.cpDirty = true
	n.mu.Unlock()
	if err != nil {
		n.log.Error("lightnode: scheduler refused a result", "height", j.Height, "err", err)
	}
	n.metrics.headerSeconds.Observe(time.Since(start).Seconds())
}

// sampleHeader requests the header's coordinates from several full nodes
// in parallel under a samplePlan; each sample is verified by the p2p client
// down to the data root of hdr. A peer that fails, serves a bad proof or
// does not serve a coordinate is dropped from this header's plan and its
// coordinates are asked of the others as soon as its answer is in; a peer
// that has not answered after hedgeAfter has its coordinates asked
// of another free peer as well. This goes on until the context's
// deadline; what is still missing then makes the header unavailable. So
// one honest reachable full node is enough, and a stalled one costs a
// header a fraction of the request timeout, not all of it.
func (n *Node) sampleHeader(ctx context.Context, hdr *da.LightHeader) (sampling.Result, error) {
	width := hdr.SquareWidth()
	k := width / 2
	s, err := n.cfg.SamplesFor(k)
	if err != nil {
		return sampling.Result{}, fmt.Errorf("lightnode: samples for k=%d: %w", k, err)
	}
	coords, err := sampling.Coordinates(n.seed, uint64(hdr.Height()), hdr.Hash(), width, s)
	if err != nil {
		return sampling.Result{}, fmt.Errorf("lightnode: coordinates of height %d: %w", hdr.Height(), err)
	}
	n.samplelog.begin(uint64(hdr.Height()), width, coords, n.now())
	plan := newSamplePlan(len(coords))
	rctx, cancel := context.WithCancel(ctx)
	results := make(chan batchAnswer)
	flights := map[peer.ID]*batchFlight{}
	defer func() { // cancel what is still asked and wait for it
		cancel()
		for range flights {
			<-results
		}
	}()
	hedge := time.NewTimer(time.Hour)
	defer hedge.Stop()
	for !plan.done() && ctx.Err() == nil {
		peers := n.fullPeers()
		if len(peers) > 1 { // spread headers over peers: start at a height-dependent one
			off := int(hdr.Height() % int64(len(peers)))
			peers = append(peers[off:], peers[:off]...)
		}
		for p, idx := range plan.assign(peers, n.cfg.PeersPerHeader) {
			flights[p] = &batchFlight{idx: idx, since: time.Now()}
			go func() { results <- batchAnswer{p, n.requestBatch(rctx, hdr, coords, p, idx)} }()
		}
		if len(flights) == 0 {
			select {
			case <-ctx.Done():
			case <-time.After(250 * time.Millisecond):
			}
			continue
		}
		hedge.Reset(n.nextHedge(flights))
		select {
		case <-ctx.Done():
		case a := <-results:
			f := flights[a.peer]
			delete(flights, a.peer)
			plan.report(a.peer, f.idx, a.got, f.slow)
		case <-hedge.C:
			for _, f := range flights {
				if !f.slow && time.Since(f.since) >= n.hedgeAfter() {
					f.slow = true
					plan.slow(f.idx)
					n.metrics.slowSampleRequests.Inc()
				}
			}
		}
	}
	return n.result(k, coords, plan.missing()), nil
}

// batchFlight is one outstanding sample request of a header.
type batchFlight struct {
	idx   []int
	since time.Time
	slow  bool // its coordinates were handed to other peers too
}

// batchAnswer is which coordinate indices one peer's batch obtained.
type batchAnswer struct {
	peer peer.ID
	got  map[int]bool
}

// hedgeAfter is how long a sample request may stay unanswered before its
// coordinates are also asked of another peer: a quarter of the request
// timeout (2.5 s by default), many round trips even on slow links.
func (n *Node) hedgeAfter() time.Duration { return n.cfg.RequestTimeout / 4 }

// nextHedge is how long until the first of flights that is not slow yet
// becomes slow (an hour when all already are: only answers matter then).
func (n *Node) nextHedge(flights map[peer.ID]*batchFlight) time.Duration {
	next := time.Hour
	for _, f := range flights {
		if !f.slow {
			next = min(next, max(0, n.hedgeAfter()-time.Since(f.since)))
		}
	}
	return next
}

// requestBatch asks peer p for the coordinates idx of hdr and returns
// which of them were obtained and verified.
func (n *Node) requestBatch(ctx context.Context, hdr *da.LightHeader, coords []sampling.Coord, p peer.ID, idx []int) map[int]bool {
	req := make([]p2p.Coord, len(idx))
	for j, i := range idx {
		req[j] = p2p.Coord(coords[i])
	}
	rctx, cancel := context.WithTimeout(ctx, n.cfg.RequestTimeout)
	samples, err := n.client.Samples(rctx, p, hdr, req)
	cancel()
	n.metrics.sampleRequests.Inc()
	if err != nil && errors.Is(ctx.Err(), context.Canceled) {
		return nil // withdrawn: the header was decided without this answer
	}
	n.samplelog.served(uint64(hdr.Height()), p, idx, samples, err)
	if err != nil {
		n.metrics.samples.WithLabelValues("error").Add(float64(len(idx)))
		n.log.Debug("lightnode: sample request failed", "peer", p, "height", hdr.Height(), "err", err)
		return nil
	}
	got := map[int]bool{}
	for j, sm := range samples {
		if sm != nil {
			got[idx[j]] = true
			n.metrics.samples.WithLabelValues("verified").Inc()
		} else {
			n.metrics.samples.WithLabelValues("not_found").Inc()
		}
	}
	return got
}

func (n *Node) result(k int, coords []sampling.Coord, pending []int) sampling.Result {
	r := sampling.Result{K: k, Samples: len(coords)}
	for _, i := range pending {
		r.Failed = append(r.Failed, coords[i])
	}
	return r
}

// reportVerdicts logs, counts and keeps the scheduler's new verdicts.
func (n *Node) reportVerdicts() {
	n.mu.Lock()
	vs := n.sched.Verdicts()
	for _, v := range vs {
		switch v.Status {
		case sampling.StatusAvailable:
			delete(n.unavailable, v.Height)
		case sampling.StatusUnavailable:
			n.unavailable[v.Height] = v
		}
		n.recent = append(n.recent, v)
	}
	if len(n.recent) > recentVerdicts {
		n.recent = append([]sampling.Verdict(nil), n.recent[len(n.recent)-recentVerdicts:]...)
	}
	st := n.sched.Stats()
	n.mu.Unlock()
	for _, v := range vs {
		n.metrics.verdicts.WithLabelValues(string(v.Status)).Inc()
		switch v.Status {
		case sampling.StatusAvailable:
			n.metrics.confidence.Set(v.Confidence)
			n.log.Debug("lightnode: header available", "height", v.Height, "samples", v.Samples, "confidence", v.Confidence)
		case sampling.StatusUnavailable:
			n.log.Warn("lightnode: header UNAVAILABLE: samples could not be obtained and verified before the deadline; will retry",
				"height", v.Height, "attempt", v.Attempt, "samples", v.Samples, "verified", v.Verified, "failed_coords", len(v.Failed))
		case sampling.StatusOutOfWindow:
			n.log.Info("lightnode: headers older than the sampling window are not sampled", "from", v.Height, "to", v.To)
		}
	}
	n.metrics.sampledHead.Set(float64(st.SampledChainHead))
	n.metrics.failedHeights.Set(float64(len(st.Failed)))
	n.metrics.unavailableHeights.Set(float64(len(n.Unavailable())))
}
