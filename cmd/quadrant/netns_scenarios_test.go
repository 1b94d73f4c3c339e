package main

import (
	"fmt"
	"slices"
	"testing"
	"time"

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
	for now := time.Now(); now.Before(end); now = time.Now() {
		h := c.maxValHeight()
		if now.Before(settled) {
			held = h
		} else if h > held {
			c.t.Fatalf("a block at height %d during a 2/2 partition (held at %d)", h, held)
		}
		time.Sleep(250 * time.Millisecond) // the observation's poll interval
	}
	c.t.Logf("partitioned 2/2: no validator passed height %d in %v", held, 8*c.cfg.BlockTime)
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
}
