package discovery_test

import (
	"context"
	"os"
	"testing"
	"time"

	dht "github.com/libp2p/go-libp2p-kad-dht"
	"github.com/libp2p/go-libp2p/core/peer"
	"github.com/libp2p/go-libp2p/core/protocol"
	drouting "github.com/libp2p/go-libp2p/p2p/discovery/routing"

	"github.com/quadrant-da/quadrant/discovery"
)

// dhtSent is the DHT bytes all nodes have sent (each byte is also received
// once, so this is the traffic on the wire).
func dhtSent(nodes []*node) int64 {
	proto := protocol.ID(discovery.ProtocolPrefix(chainID) + "/kad/1.0.0")
	var sum int64
	for _, n := range nodes {
		sum += n.bw.GetBandwidthForProtocol(proto).TotalOut
	}
	return sum
}

// settledSent is dhtSent once the bandwidth meters have caught up: they
// fold new bytes into their totals once a second, so the read waits two
// seconds.
func settledSent(nodes []*node) int64 {
	time.Sleep(2 * time.Second) // the meters' update period, not a wait for an event
	return dhtSent(nodes)
}

// TestDHTTraffic measures the DHT's own traffic: at steady state (a full
// peer set, nothing to look up), for one routing-table refresh of every
// node, and for one advertisement round of every full node. It asserts
// only that steady state is quiet; the figures are logged (-v). Set
// QUADRANT_DHT_TRAFFIC_WINDOW (a Go duration) for a longer window.
func TestDHTTraffic(t *testing.T) {
	if testing.Short() {
		t.Skip("measurement; skipped with -short")
	}
	window := 3 * time.Second
	if w := os.Getenv("QUADRANT_DHT_TRAFFIC_WINDOW"); w != "" {
		var err error
		if window, err = time.ParseDuration(w); err != nil {
			t.Fatalf("QUADRANT_DHT_TRAFFIC_WINDOW=%q: %v", w, err)
		}
	}
	// Targets equal to what exists, so every set fills and no node keeps
	// looking: what remains is the DHT's own upkeep.
	full := startNetwork(t, 7, 7)
	light := startNode(t, testConfig(false, 8, full[0]))
	waitPeers(t, light, 8, 30*time.Second, "light node did not fill its set", func(ps []peer.ID) bool { return len(ps) == 8 })
	for _, n := range full {
		waitPeers(t, n, 7, 30*time.Second, "full node did not fill its set", func(ps []peer.ID) bool { return len(ps) == 7 })
	}
	all := append(full[:len(full):len(full)], light)

	before := settledSent(all)
	time.Sleep(window) // the measurement window itself, not a wait for an event
	steady := settledSent(all) - before
	perMin := float64(steady) / window.Minutes()
	t.Logf("steady state, %d full + 1 light: %d B DHT traffic in %v = %.0f B/min for the network", len(full), steady, window, perMin)
	if perMin > 64<<10 {
		t.Errorf("steady-state DHT traffic %.0f B/min, want ≤ 64 KiB/min with nothing to look up", perMin)
	}

	before = settledSent(all)
	for _, n := range all {
		if err := <-n.d.Routing().(*dht.IpfsDHT).RefreshRoutingTable(); err != nil {
			t.Fatalf("refresh: %v", err)
		}
	}
	refresh := settledSent(all) - before
	t.Logf("one routing-table refresh of every node: %d B (%d B/node; default period 10 min)", refresh, refresh/int64(len(all)))

	before = settledSent(all)
	for _, n := range full {
		if _, err := drouting.NewRoutingDiscovery(n.d.Routing()).Advertise(context.Background(), discovery.Rendezvous(chainID)); err != nil {
			t.Fatalf("advertise: %v", err)
		}
	}
	adv := settledSent(all) - before
	t.Logf("one advertisement of every full node: %d B (%d B/full node; default period 1 h)", adv, adv/int64(len(full)))

	before = settledSent(all)
	found, err := drouting.NewRoutingDiscovery(light.d.Routing()).FindPeers(context.Background(), discovery.Rendezvous(chainID))
	if err != nil {
		t.Fatal(err)
	}
	for range found {
	}
	t.Logf("one rendezvous lookup by the light node: %d B (made only while below target, at most every FindEvery = 1 min by default)", settledSent(all)-before)
}
