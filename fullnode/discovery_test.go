package fullnode_test

import (
	"slices"
	"testing"
	"time"

	"github.com/quadrant-da/quadrant/da/headertest"
	"github.com/quadrant-da/quadrant/fullnode"
	"github.com/quadrant-da/quadrant/internal/wait"
)

// withDiscovery turns discovery on with the test's short intervals.
func withDiscovery(cfg fullnode.Config) fullnode.Config {
	cfg.Discovery.Enabled = true
	cfg.Discovery.FindEvery = 300 * time.Millisecond
	cfg.Discovery.RetryEvery = 100 * time.Millisecond
	cfg.Discovery.DialTimeout = 5 * time.Second
	return cfg
}

// TestP2PNodesDiscoverEachOther: p2p-mode full nodes advertise
// themselves; a node given only one bootstrap full node finds another
// through the DHT, and all sync the chain.
func TestP2PNodesDiscoverEachOther(t *testing.T) {
	c := headertest.NewChain("discover-full", 4, "disc")
	var blocks []signedBlock
	for i := range 3 {
		eds := headertest.ExtendedSquare(4, byte(i+1))
		h, err := c.NextSquare(eds)
		if err != nil {
			t.Fatal(err)
		}
		blocks = append(blocks, signedBlock{hdr: h, eds: eds})
	}
	src := servingHost(t, c.ChainID, blocks, nil)
	hash := blocks[0].hdr.Hash()
	a := startNode(t, t.TempDir(), withDiscovery(p2pConfig(c.ChainID, 1, hash, src.FullAddrs()[0])), "a")
	b := startNode(t, t.TempDir(), withDiscovery(p2pConfig(c.ChainID, 1, hash, a.Host().FullAddrs()[0])), "b")
	cn := startNode(t, t.TempDir(), withDiscovery(p2pConfig(c.ChainID, 1, hash, a.Host().FullAddrs()[0])), "c")
	wait.For(t, time.Minute, "c discovers a and b", func() bool {
		got := cn.DiscoveredPeers()
		return slices.Contains(got, a.Host().ID().String()) && slices.Contains(got, b.Host().ID().String())
	})
	wait.For(t, time.Minute, "every node synced", func() bool {
		return a.Store().HeadHeight() == 3 && b.Store().HeadHeight() == 3 && cn.Store().HeadHeight() == 3
	})
	wait.For(t, 10*time.Second, "quadrant_full_discovered_full_peers ≥ 2", func() bool {
		mfs, err := cn.Registry().Gather()
		if err != nil {
			t.Fatal(err)
		}
		for _, mf := range mfs {
			if mf.GetName() == "quadrant_full_discovered_full_peers" {
				return mf.Metric[0].GetGauge().GetValue() >= 2
			}
		}
		return false
	})
}
