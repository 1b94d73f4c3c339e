package main

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/quadrant-da/quadrant/fullnode"
	"github.com/quadrant-da/quadrant/internal/netns"
	"github.com/quadrant-da/quadrant/internal/wait"
	"github.com/quadrant-da/quadrant/lightnode"
)

// clusterHeaderDeadline is the light nodes' header deadline in the
// cluster: shorter than the default 30 s, so "before the deadline" and
// "within the deadline" are claims about seconds.
const clusterHeaderDeadline = 15 * time.Second

// TestNetnsCluster runs 4 validators, 3 bridge full nodes and 3 light
// nodes as real processes, each on its own netns host, and takes the one
// cluster through the multi-host scenarios in turn; each phase leaves the
// cluster healthy for the next.
func TestNetnsCluster(t *testing.T) {
	c := newCluster(t, clusterConfig{Validators: 4, Full: 3, Light: 3, BlockTime: time.Second,
		MaxSquare: 128, HeaderDeadline: clusterHeaderDeadline, Seed: 21})
	for _, p := range []struct {
		name string
		run  func(*nsCluster)
	}{
		{"discovery", clusterDiscovery},
		{"validator-partition", clusterValidatorPartition},
		{"full-node-cut", clusterFullNodeCut},
		{"latency-loss-k64", clusterLatencyLoss},
		{"traffic-k128", clusterTraffic},
		{"withholding", clusterWithholding},
	} {
		ok := t.Run(p.name, func(t *testing.T) {
			c.t = t
			defer func() { c.t = c.root }()
			start := time.Now()
			p.run(c)
			t.Logf("phase %s took %v", p.name, time.Since(start).Round(time.Second))
		})
		if !ok {
			t.FailNow()
		}
	}
}

// hostsOf returns the hosts of nodes.
func hostsOf(nodes ...[]*nsNode) []*netns.Host {
	var hs []*netns.Host
	for _, ns := range nodes {
		for _, n := range ns {
			hs = append(hs, n.host)
		}
	}
	return hs
}

// servedBy returns the full nodes (by index) that served light node state
// st any sample over its strip.
func (c *nsCluster) servedBy(st *lightnode.DashboardState) []int {
	var out []int
	for i, f := range c.fulls {
		for _, p := range st.Peers {
			if p.Peer == f.id.String() && p.Samples > 0 {
				out = append(out, i)
			}
		}
	}
	return out
}

// clusterDiscovery: each light node, given one full node's address,
// finds all three through the DHT and samples from at least two.
func clusterDiscovery(c *nsCluster) {
	for j := range c.lights {
		var served []int
		var found float64
		wait.For(c.t, startDeadline, fmt.Sprintf("light node %d to discover %d full nodes and sample from two", j, len(c.fulls)), func() bool {
			found = c.lightMetrics(j)["quadrant_light_discovered_full_peers"]
			st := c.lightState(j)
			if st == nil {
				return false
			}
			served = c.servedBy(st)
			return int(found) >= len(c.fulls) && len(served) >= 2
		})
		c.t.Logf("light node %d (bootstrap: full node %d): %v full nodes discovered, samples served by full nodes %v", j, j%len(c.fulls), found, served)
	}
}

// clusterValidatorPartition: validators split 2/2 stop making blocks;
// healed, they resume on one chain and the light nodes catch up.
func clusterValidatorPartition(c *nsCluster) {
	c.net.Partition(hostsOf(c.vals[:2]), hostsOf(c.vals[2:]))
	// A block whose precommits were already on the wire may still commit
	// after the cut: the height the partition holds at is taken once it
	// has settled, a few block times later.
	settled := time.Now().Add(3 * c.cfg.BlockTime)
	held := c.maxValHeight()
	// Blocks stopping is the absence of an event, so it is observed over
	// a bounded window: 8 block times, in which an unsplit chain makes 8
	// blocks. Neither half holds more than 2/3 of the power, so none may
	// commit. The window is time under test; polling is the observation.
	end := settled.Add(8 * c.cfg.BlockTime)
	var quiet []netns.Counters // the light nodes' counters once settled
	var quietFrom time.Time
	for now := time.Now(); now.Before(end); now = time.Now() {
		h := c.maxValHeight()
		if now.Before(settled) {
			held = h
		} else if h > held {
			c.t.Fatalf("a block at height %d during a 2/2 partition (held at %d)", h, held)
		} else if quiet == nil {
			quietFrom = time.Now()
			for _, l := range c.lights {
				quiet = append(quiet, counters(c.t, l.host))
			}
		}
		time.Sleep(250 * time.Millisecond) // the observation's poll interval
	}
	c.t.Logf("partitioned 2/2: no validator passed height %d in %v", held, 8*c.cfg.BlockTime)
	// With no new header, what a light node sends and receives is its
	// background: DHT upkeep, gossip heartbeats, identify and pings.
	secs := time.Since(quietFrom).Seconds()
	for j, l := range c.lights {
		now := counters(c.t, l.host)
		c.t.Logf("light node %d with no new headers for %.1f s: %.0f B/s received, %.0f B/s sent", j, secs,
			float64(now.ReceivedBytes-quiet[j].ReceivedBytes)/secs, float64(now.SentBytes-quiet[j].SentBytes)/secs)
	}
	c.net.Heal()
	resumed := held + 3
	wait.For(c.t, startDeadline, fmt.Sprintf("every validator at height %d after healing", resumed), func() bool {
		for i := range c.vals {
			if c.valHeight(i) < resumed {
				return false
			}
		}
		return true
	})
	want := c.blockHashes(0, 1, resumed)
	for i := 1; i < len(c.vals); i++ {
		got := c.blockHashes(i, 1, resumed)
		for h := int64(1); h <= resumed; h++ {
			if got[h] == "" || got[h] != want[h] {
				c.t.Fatalf("height %d: validator 0 has block %q, validator %d has %q", h, want[h], i, got[h])
			}
		}
	}
	head := uint64(c.maxValHeight())
	c.waitLightsSampled(head)
	c.t.Logf("healed: blocks resumed past %d with the same hash on all %d validators at heights 1..%d; light nodes sampled up to %d",
		held, len(c.vals), resumed, head)
}

// waitLightsSampled waits until every light node's sampled head reaches
// head.
func (c *nsCluster) waitLightsSampled(head uint64) {
	wait.For(c.t, startDeadline, fmt.Sprintf("every light node's sampled head at %d", head), func() bool {
		for j := range c.lights {
			if st := c.lightState(j); st == nil || st.SampledHead < head {
				return false
			}
		}
		return true
	})
}

// clusterFullNodeCut: full node 1 (light node 1's only bootstrap address)
// is cut off from every other host; the light nodes sample the following
// heights from the other two before the header deadline, and none is
// marked unavailable.
func clusterFullNodeCut(c *nsCluster) {
	const cut = 1
	before := make([]float64, len(c.lights))
	for j := range c.lights {
		before[j] = c.unavailableVerdicts(j)
	}
	others := slices.Concat(c.vals, c.fulls[:cut], c.fulls[cut+1:], c.lights)
	c.net.Partition([]*netns.Host{c.fulls[cut].host}, hostsOf(others))
	from := uint64(c.maxValHeight()) + 1
	to := from + 14
	c.waitLightsSampled(to)
	for j := range c.lights {
		if u := c.unavailableVerdicts(j); u != before[j] {
			c.t.Errorf("light node %d: %v unavailable verdicts while full node %d was cut off (%v before)", j, u, cut, before[j])
		}
		st := c.lightState(j)
		if st == nil {
			c.t.Fatalf("light node %d does not answer", j)
		}
		peers := map[int]int{}
		for _, hr := range st.Headers {
			if hr.Height < from || hr.Height > to {
				continue
			}
			if hr.Status != "available" {
				c.t.Errorf("light node %d: height %d is %q while full node %d was cut off", j, hr.Height, hr.Status, cut)
			}
			peers[hr.Peers]++
		}
		c.t.Logf("light node %d over heights %d..%d, full node %d cut off: all available; headers by count of serving peers: %v; served by full nodes %v over the strip",
			j, from, to, cut, peers, c.servedBy(st))
	}
	c.net.Heal()
	head := c.maxValHeight()
	wait.For(c.t, startDeadline, fmt.Sprintf("full node %d back at height %d", cut, head), func() bool {
		return statusIn(c.fulls[cut].host, c.fulls[cut].home) >= head
	})
	// Healed, the light nodes are at the chain's head again: the next
	// phase measures keeping up, not catching up.
	healed := time.Now()
	head = c.maxValHeight()
	c.waitLightsSampled(uint64(head))
	c.t.Logf("healed: every light node sampled up to height %d %v after full node %d was back", head, time.Since(healed).Round(time.Millisecond), cut)
}

// stripOf returns light node j's strip records for heights in [from, to]
// by height.
func (c *nsCluster) stripOf(j int, from, to uint64) map[uint64]lightnode.HeaderRecord {
	st := c.lightState(j)
	if st == nil {
		c.t.Fatalf("light node %d does not answer", j)
	}
	out := map[uint64]lightnode.HeaderRecord{}
	for _, hr := range st.Headers {
		if hr.Height >= from && hr.Height <= to {
			out[hr.Height] = hr
		}
	}
	return out
}

// followLights waits until every light node has sampled n heights past
// the current chain head, and returns the first of those heights, the
// largest lag (chain head minus sampled head) each light node showed
// meanwhile and the largest behind its own network head (the newest
// header full nodes gave it), how long the chain took to make the n
// heights, and how long after that the last light node had sampled them
// all.
func (c *nsCluster) followLights(n uint64) (from uint64, lag, own []uint64, took, behind time.Duration) {
	from = uint64(c.maxValHeight()) + 1
	to := from + n - 1
	lag, own = make([]uint64, len(c.lights)), make([]uint64, len(c.lights))
	start := time.Now()
	wait.For(c.t, startDeadline, fmt.Sprintf("every light node to sample heights %d..%d", from, to), func() bool {
		head := c.maxValHeight()
		if head >= int64(to) && took == 0 {
			took = time.Since(start)
		}
		done := head >= int64(to)
		for j := range c.lights {
			st := c.lightState(j)
			if st == nil {
				return false
			}
			if head > int64(st.SampledHead) {
				lag[j] = max(lag[j], uint64(head)-st.SampledHead)
			}
			if st.NetworkHead > st.SampledHead {
				own[j] = max(own[j], st.NetworkHead-st.SampledHead)
			}
			done = done && st.SampledHead >= to
		}
		return done
	})
	return from, lag, own, took, time.Since(start) - took
}

// clusterLatencyLoss: with 50 ms added to everything each host sends (a
// 100 ms round trip between any two) and 1 % of it lost, and blobs that
// make k=64 squares, the light nodes keep up with the 1 s blocks.
func clusterLatencyLoss(c *nsCluster) {
	all := hostsOf(c.vals, c.fulls, c.lights)
	for _, h := range all {
		h.Impair(netns.Impairment{Delay: 50 * time.Millisecond, Loss: 0.01})
	}
	defer func() {
		for _, h := range all {
			h.Impair(netns.Impairment{})
		}
	}()
	// 520 KiB is ≈ 1,100 shares: one blob alone makes a k=64 square, three
	// together (≈ 3,300) still fit one.
	stop := c.blobLoad(520<<10, 3, false)
	defer stop()
	wait.For(c.t, startDeadline, "light node 0 to sample a k=64 square", func() bool {
		st := c.lightState(0)
		return st != nil && st.Square != nil && st.Square.Width == 128
	})
	before := make([]float64, len(c.lights))
	for j := range c.lights {
		before[j] = c.unavailableVerdicts(j)
	}
	const n = 20
	from, lag, own, took, behind := c.followLights(n)
	c.t.Logf("100 ms round trip, 1%% loss: %d heights in %v (%.2f s per block), %d blobs of 520 KiB landed meanwhile; every light node had sampled them %v after the chain made the last",
		n, took.Round(time.Millisecond), took.Seconds()/n, stop(), behind.Round(time.Millisecond))
	for j := range c.lights {
		widths := map[int]int{}
		for h, hr := range c.stripOf(j, from, from+n-1) {
			if hr.Status != "available" {
				c.t.Errorf("light node %d: height %d is %q", j, h, hr.Status)
			}
			widths[hr.Width/2]++
		}
		if u := c.unavailableVerdicts(j); u != before[j] {
			c.t.Errorf("light node %d: %v unavailable verdicts over the lossy links (%v before)", j, u, before[j])
		}
		c.t.Logf("light node %d: largest lag behind the validators' head %d heights, behind its own network head %d; heights by k: %v", j, lag[j], own[j], widths)
		// Keeping up: the light node samples each header as the full nodes
		// hand it over, never more than a few behind, and each within its
		// deadline (no unavailable verdict above). Its lag behind the
		// validators also counts the full nodes' ingest of each k=64
		// block, which on a busy 2-core machine takes seconds: logged.
		if own[j] > 4 {
			c.t.Errorf("light node %d fell %d heights behind the newest header it had", j, own[j])
		}
		if widths[64] < n/2 {
			c.t.Errorf("light node %d: only %d of %d heights carried k=64 squares (%v): the load did not fill them", j, widths[64], n, widths)
		}
	}
}

// trafficWindow is each light node's traffic over a run of sampled
// heights.
type trafficWindow struct {
	from, to []uint64 // sampled head at the start and end
	delta    []netns.Counters
	protos   [][]protocolBytes // per light node, from its p2p byte counter
	took     time.Duration
}

// perHeader returns light node j's received and sent bytes per header.
func (w trafficWindow) perHeader(j int) (recv, sent uint64) {
	n := w.to[j] - w.from[j]
	return w.delta[j].ReceivedBytes / n, w.delta[j].SentBytes / n
}

// measureTraffic reads every light node's veth counters while it samples
// n more heights.
func (c *nsCluster) measureTraffic(n uint64) trafficWindow {
	w := trafficWindow{from: make([]uint64, len(c.lights)), to: make([]uint64, len(c.lights)), delta: make([]netns.Counters, len(c.lights))}
	start := make([]netns.Counters, len(c.lights))
	startMetrics := make([]map[string]float64, len(c.lights))
	w.protos = make([][]protocolBytes, len(c.lights))
	for j, l := range c.lights {
		if st := c.lightState(j); st != nil {
			w.from[j] = st.SampledHead
		}
		start[j] = counters(c.t, l.host)
		startMetrics[j] = c.lightMetrics(j)
	}
	t0 := time.Now()
	wait.For(c.t, startDeadline, fmt.Sprintf("every light node to sample %d more heights", n), func() bool {
		for j := range c.lights {
			if st := c.lightState(j); st == nil || st.SampledHead < w.from[j]+n {
				return false
			}
		}
		return true
	})
	w.took = time.Since(t0)
	c.t.Logf("traffic window of %d heights took %v; load average %s", n, w.took.Round(time.Second), loadAverage())
	for j, l := range c.lights {
		end := counters(c.t, l.host)
		if st := c.lightState(j); st != nil {
			w.to[j] = st.SampledHead
		}
		w.delta[j] = netns.Counters{ReceivedBytes: end.ReceivedBytes - start[j].ReceivedBytes, SentBytes: end.SentBytes - start[j].SentBytes}
		w.protos[j] = protocolDelta(startMetrics[j], c.lightMetrics(j))
	}
	return w
}

// clusterTraffic measures each light node's traffic per header with 16
// samples from its veth counters — everything it sent and received: DHT,
// gossip, headers, samples — at steady state with discovery on and three
// full nodes to sample from: first over empty blocks, then over k=128
// squares.
func clusterTraffic(c *nsCluster) {
	// Steady state first: whatever an earlier phase left (catch-up, blobs
	// still in the mempool) is sampled before the counters start.
	c.waitLightsSampled(uint64(c.maxValHeight()) + 2)
	empty := c.measureTraffic(10)
	for j := range c.lights {
		widths := map[int]int{}
		for _, hr := range c.stripOf(j, empty.from[j]+1, empty.to[j]) {
			widths[hr.Width/2]++
		}
		recv, sent := empty.perHeader(j)
		c.t.Logf("light node %d, no blob load, %d headers in %v (heights by k: %v): per header %d B received, %d B sent",
			j, empty.to[j]-empty.from[j], empty.took.Round(time.Second), widths, recv, sent)
		c.t.Logf("light node %d, no blob load: %s", j, formatPerHeader(empty.protos[j], empty.to[j]-empty.from[j]))
	}
	// 2.2 MiB is ≈ 4,800 shares: one blob alone makes a k=128 square,
	// three together (≈ 14,400) still fit one; five submitters keep one
	// waiting in the mempool for the next block.
	stop := c.blobLoad(2200<<10, 4, true)
	defer stop()
	wait.For(c.t, startDeadline, "every light node to sample a k=128 square", func() bool {
		for j := range c.lights {
			if st := c.lightState(j); st == nil || st.Square == nil || st.Square.Width != 256 {
				return false
			}
		}
		return true
	})
	const n = 8
	full := c.measureTraffic(n)
	c.t.Logf("%d blobs of 2.2 MiB landed; %d heights took %v", stop(), n, full.took.Round(time.Second))
	for j := range c.lights {
		widths := map[int]int{}
		var sampleBytes, k128 int64
		for _, hr := range c.stripOf(j, full.from[j]+1, full.to[j]) {
			widths[hr.Width/2]++
			if hr.Width == 256 {
				sampleBytes += hr.Bytes
				k128++
			}
		}
		recv, sent := full.perHeader(j)
		c.t.Logf("light node %d over %d headers (heights by k: %v): per header %d B received, %d B sent, %.1f KiB in all; sample payload %d B per k=128 header; samples served by full nodes %v",
			j, full.to[j]-full.from[j], widths, recv, sent, float64(recv+sent)/1024, sampleBytes/max(k128, 1), c.servedBy(c.lightState(j)))
		c.t.Logf("light node %d, k=128 load: %s", j, formatPerHeader(full.protos[j], full.to[j]-full.from[j]))
		if widths[128] < n*3/4 {
			c.t.Errorf("light node %d: only %d of %d heights carried k=128 squares (%v): the figure would not be k=128's", j, widths[128], n, widths)
		}
	}
}

// withholdEvery is N of the --fault-withhold %N spec the withholding phase
// gives full nodes: every height divisible by it is withheld.
const withholdEvery = 3

// restartWithholding restarts full node i with --fault-withhold %N and
// waits until it follows the chain again.
func (c *nsCluster) restartWithholding(i int) {
	c.fulls[i].proc.stop()
	c.startFull(i, "--fault-withhold", fmt.Sprintf("%%%d", withholdEvery))
	head := c.maxValHeight()
	wait.For(c.t, startDeadline, fmt.Sprintf("withholding full node %d back at height %d", i, head), func() bool {
		return statusIn(c.fulls[i].host, c.fulls[i].home) >= head
	})
}

// verdictsOver polls every light node until each height in [from, to]
// has a verdict, and returns per light node and height whether it was
// ever seen unavailable, and for each height how long after the chain
// made it the last light node's verdict came.
func (c *nsCluster) verdictsOver(from, to uint64) (unavailable []map[uint64]bool, took map[uint64]time.Duration) {
	unavailable = make([]map[uint64]bool, len(c.lights))
	available := make([]map[uint64]bool, len(c.lights))
	for j := range c.lights {
		unavailable[j], available[j] = map[uint64]bool{}, map[uint64]bool{}
	}
	made, took := map[uint64]time.Time{}, map[uint64]time.Duration{}
	wait.For(c.t, startDeadline+c.cfg.HeaderDeadline, fmt.Sprintf("every light node's verdicts on heights %d..%d", from, to), func() bool {
		head := uint64(max(c.maxValHeight(), 0))
		for h := from; h <= min(head, to); h++ {
			if _, ok := made[h]; !ok {
				made[h] = time.Now()
			}
		}
		done := true
		for j := range c.lights {
			st := c.lightState(j)
			if st == nil {
				return false
			}
			for _, hr := range st.Headers {
				switch {
				case hr.Height < from || hr.Height > to:
				case hr.Status == "unavailable":
					unavailable[j][hr.Height] = true
				case hr.Status == "available":
					available[j][hr.Height] = true
				}
			}
			for h := from; h <= to; h++ {
				decided := unavailable[j][h] || available[j][h]
				if decided && took[h] == 0 && !made[h].IsZero() && j == len(c.lights)-1 {
					took[h] = time.Since(made[h])
				}
				done = done && decided
			}
		}
		return done
	})
	return unavailable, took
}

// clusterWithholding: one full node withholding every third height does
// not make light nodes doubt it (two honest peers serve it); every full
// node withholding it makes them mark exactly those heights unavailable,
// within the header deadline.
func clusterWithholding(c *nsCluster) {
	c.restartWithholding(0)
	wait.For(c.t, startDeadline, "full node 0 to answer a light node's request for a withheld height", func() bool {
		return metricsIn(c.fulls[0].host, fullnode.DefaultMetricsAddress)["quadrant_full_withheld_requests_total"] > 0
	})
	from := uint64(c.maxValHeight()) + 1
	to := from + 2*withholdEvery - 1
	unavailable, _ := c.verdictsOver(from, to)
	for j := range c.lights {
		for h := from; h <= to; h++ {
			if unavailable[j][h] {
				c.t.Errorf("light node %d marked height %d unavailable with one of three full nodes withholding it", j, h)
			}
		}
	}
	withheld := metricsIn(c.fulls[0].host, fullnode.DefaultMetricsAddress)["quadrant_full_withheld_requests_total"]
	c.t.Logf("full node 0 withholding %%%d: heights %d..%d all available at every light node; full node 0 answered %v requests NOT_FOUND", withholdEvery, from, to, withheld)

	c.restartWithholding(1)
	c.restartWithholding(2)
	from = uint64(c.maxValHeight()) + 1
	to = from + 2*withholdEvery - 1
	unavailable, took := c.verdictsOver(from, to)
	for j := range c.lights {
		for h := from; h <= to; h++ {
			if want := h%withholdEvery == 0; unavailable[j][h] != want {
				c.t.Errorf("light node %d: height %d unavailable = %v with every full node withholding %%%d", j, h, unavailable[j][h], withholdEvery)
			}
		}
	}
	for h := from; h <= to; h++ {
		// took is measured from the first poll that saw the height at a
		// validator; the light nodes learn it from the full nodes after
		// that, so it bounds the time from header to verdict from above.
		if h%withholdEvery == 0 && took[h] > c.cfg.HeaderDeadline+10*time.Second {
			c.t.Errorf("height %d marked unavailable %v after it was made: the deadline is %v", h, took[h], c.cfg.HeaderDeadline)
		}
	}
	c.t.Logf("every full node withholding %%%d: heights %d..%d, verdicts of the last light node after (withheld heights unavailable): %v", withholdEvery, from, to, took)
}
