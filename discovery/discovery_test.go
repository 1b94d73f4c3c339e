package discovery_test

import (
	"context"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/libp2p/go-libp2p"
	"github.com/libp2p/go-libp2p/core/host"
	"github.com/libp2p/go-libp2p/core/metrics"
	"github.com/libp2p/go-libp2p/core/peer"

	"github.com/quadrant-da/quadrant/discovery"
)

const chainID = "quadrant-test"

type node struct {
	h    host.Host
	d    *discovery.Discovery
	bw   *metrics.BandwidthCounter
	once sync.Once
}

func (n *node) close(t *testing.T) {
	n.once.Do(func() {
		if err := n.d.Close(); err != nil {
			t.Errorf("discovery close: %v", err)
		}
		if err := n.h.Close(); err != nil {
			t.Errorf("host close: %v", err)
		}
	})
}

func (n *node) info() peer.AddrInfo { return peer.AddrInfo{ID: n.h.ID(), Addrs: n.h.Addrs()} }

// testConfig is a configuration with the test's short intervals.
func testConfig(full bool, target int, bootstrap ...*node) discovery.Config {
	cfg := discovery.DefaultConfig(chainID)
	if full {
		cfg.Mode, cfg.Advertise = discovery.ModeServer, true
	}
	cfg.TargetPeers = target
	cfg.FindEvery = 300 * time.Millisecond
	cfg.RetryEvery = 100 * time.Millisecond
	cfg.DialTimeout = 5 * time.Second
	for _, b := range bootstrap {
		cfg.Bootstrap = append(cfg.Bootstrap, b.info())
	}
	return cfg
}

func startNode(t *testing.T, cfg discovery.Config) *node {
	t.Helper()
	bw := metrics.NewBandwidthCounter()
	h, err := libp2p.New(
		libp2p.ListenAddrStrings("/ip4/127.0.0.1/tcp/0"),
		libp2p.BandwidthReporter(bw),
		libp2p.DisableRelay(),
	)
	if err != nil {
		t.Fatal(err)
	}
	d, err := discovery.New(h, cfg, nil)
	if err != nil {
		_ = h.Close()
		t.Fatal(err)
	}
	n := &node{h: h, d: d, bw: bw}
	t.Cleanup(func() { n.close(t) })
	if err := d.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	return n
}

// startNetwork starts one bootstrap full node and n more full nodes that
// know only the bootstrap node, all with target peers fullTarget.
func startNetwork(t *testing.T, n, fullTarget int) []*node {
	boot := startNode(t, testConfig(true, fullTarget))
	nodes := []*node{boot}
	for range n {
		nodes = append(nodes, startNode(t, testConfig(true, fullTarget, boot)))
	}
	return nodes
}

// waitPeers waits until cond holds for n's peer set, failing after
// timeout; every intermediate set is checked against the target bound.
func waitPeers(t *testing.T, n *node, target int, timeout time.Duration, what string, cond func([]peer.ID) bool) []peer.ID {
	t.Helper()
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	for {
		changed := n.d.Changed()
		ps := n.d.Peers()
		if len(ps) > target {
			t.Fatalf("%d peers %v exceed the target %d", len(ps), ps, target)
		}
		if cond(ps) {
			return ps
		}
		select {
		case <-changed:
		case <-deadline.C:
			t.Fatalf("after %v: %s; peers %v", timeout, what, ps)
		}
	}
}

func ids(nodes []*node) []peer.ID {
	var out []peer.ID
	for _, n := range nodes {
		out = append(out, n.h.ID())
	}
	slices.Sort(out)
	return out
}

func TestLightNodeFindsAllFullNodes(t *testing.T) {
	full := startNetwork(t, 5, 8)
	light := startNode(t, testConfig(false, 8, full[0]))
	want := ids(full)
	waitPeers(t, light, 8, 30*time.Second, "light node did not find all 6 full nodes", func(ps []peer.ID) bool {
		return slices.Equal(ps, want)
	})
	// A full node in p2p mode finds the others the same way (not itself,
	// and never the light node, which does not advertise).
	others := ids(full[:len(full)-1])
	waitPeers(t, full[len(full)-1], 8, 30*time.Second, "full node did not find the other full nodes", func(ps []peer.ID) bool {
		return slices.Equal(ps, others)
	})
	// The DHT is the chain's own, not the public IPFS one.
	protos := full[0].h.Mux().Protocols()
	if !slices.Contains(protos, "/quadrant/"+chainID+"/kad/1.0.0") || slices.Contains(protos, "/ipfs/kad/1.0.0") {
		t.Fatalf("bootstrap node speaks %v, want /quadrant/%s/kad/1.0.0 and not /ipfs/kad/1.0.0", protos, chainID)
	}
}

func TestTargetPenaliseAndDisconnect(t *testing.T) {
	const target = 3
	full := startNetwork(t, 5, 8)
	byID := map[peer.ID]*node{}
	for _, n := range full {
		byID[n.h.ID()] = n
	}
	light := startNode(t, testConfig(false, target, full[0]))
	ps := waitPeers(t, light, target, 30*time.Second, "light node did not reach its target", func(ps []peer.ID) bool {
		return len(ps) == target
	})

	bad := ps[0]
	light.d.Penalise(bad)
	ps = waitPeers(t, light, target, 30*time.Second, "penalised peer not replaced", func(ps []peer.ID) bool {
		return len(ps) == target && !slices.Contains(ps, bad)
	})

	gone := ps[0]
	byID[gone].close(t)
	waitPeers(t, light, target, 30*time.Second, "disconnected peer not replaced", func(ps []peer.ID) bool {
		return len(ps) == target && !slices.Contains(ps, gone) && !slices.Contains(ps, bad)
	})
}
