package lightnode_test

import (
	"slices"
	"testing"
	"time"

	"github.com/libp2p/go-libp2p/core/peer"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/quadrant-da/quadrant/discovery"
	"github.com/quadrant-da/quadrant/internal/wait"
	"github.com/quadrant-da/quadrant/lightnode"
	"github.com/quadrant-da/quadrant/p2p"
)

// fastDiscovery is discovery with the test's short intervals.
func fastDiscovery(cfg discovery.Config) discovery.Config {
	cfg.FindEvery = 300 * time.Millisecond
	cfg.RetryEvery = 100 * time.Millisecond
	cfg.DialTimeout = 5 * time.Second
	return cfg
}

// advertise runs discovery in server mode on a full node's host, entered
// through boot, until the test ends.
func advertise(t *testing.T, chainID string, h *p2p.Host, boot ...*p2p.Host) {
	t.Helper()
	cfg := fastDiscovery(discovery.DefaultConfig(chainID))
	cfg.Mode, cfg.Advertise = discovery.ModeServer, true
	for _, b := range boot {
		cfg.Bootstrap = append(cfg.Bootstrap, peer.AddrInfo{ID: b.ID(), Addrs: b.Addrs()})
	}
	d, err := discovery.New(h, cfg, discard)
	if err != nil {
		t.Fatal(err)
	}
	if err := d.Start(t.Context()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = d.Close() })
}

// TestLightNodeDiscoversFullNodes: a light node given one bootstrap full
// node finds the two others through the DHT and spreads its samples over
// them, no one serving more than half of a header's samples.
func TestLightNodeDiscoversFullNodes(t *testing.T) {
	const id, heights, k = "discover-test", 6, 4
	_, blocks := chain(t, id, heights, k)
	f1, _ := serve(t, id, blocks)
	f2, _ := serve(t, id, blocks)
	f3, _ := serve(t, id, blocks)
	advertise(t, id, f1)
	advertise(t, id, f2, f1)
	advertise(t, id, f3, f1)
	cfg := lightConfig(t.TempDir(), id, blocks[0].hdr, f1)
	cfg.Discovery.Enabled = true
	cfg.Discovery = fastDiscovery(cfg.Discovery)
	reg := prometheus.NewRegistry()
	ln, err := lightnode.New(cfg, lightnode.Options{Logger: discard, Now: testClock, Registry: reg})
	if err != nil {
		t.Fatal(err)
	}
	n := startNode(t, ln)
	wait.For(t, time.Minute, "the three full nodes discovered", func() bool {
		got := n.DiscoveredPeers()
		return slices.Contains(got, f2.ID().String()) && slices.Contains(got, f3.ID().String())
	})
	wait.For(t, 2*time.Minute, "every height sampled", func() bool {
		return n.SamplingStats().SampledChainHead == heights
	})
	wait.For(t, 10*time.Second, "quadrant_light_discovered_full_peers ≥ 2", func() bool {
		mfs, err := reg.Gather()
		if err != nil {
			t.Fatal(err)
		}
		for _, mf := range mfs {
			if mf.GetName() == "quadrant_light_discovered_full_peers" {
				return mf.Metric[0].GetGauge().GetValue() >= 2
			}
		}
		return false
	})
	servers := map[string]bool{}
	for _, m := range peerShares(n.SampleLog()) {
		for p, c := range m {
			servers[p] = true
			if 2*c > 16 {
				t.Fatalf("one peer served %d of 16 samples: %v", c, m)
			}
		}
	}
	if !servers[f2.ID().String()] && !servers[f3.ID().String()] {
		t.Fatalf("no sample from a discovered full node: %v", servers)
	}
}
