package main

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/libp2p/go-libp2p/core/peer"

	"github.com/quadrant-da/quadrant/internal/netns"
	"github.com/quadrant-da/quadrant/internal/wait"
	"github.com/quadrant-da/quadrant/lightnode"
	"github.com/quadrant-da/quadrant/p2p"
)

// peerIDOf creates the libp2p identity of a node home and returns its id.
func peerIDOf(t *testing.T, home string) peer.ID {
	t.Helper()
	key, err := p2p.LoadOrCreateIdentity(filepath.Join(home, p2p.IdentityFile))
	if err != nil {
		t.Fatal(err)
	}
	id, err := peer.IDFromPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	return id
}

// dashboardIn reads a light node's dashboard state through its JSON-RPC
// address inside h, with a read token (nil when it does not answer).
func dashboardIn(h *netns.Host, token, addr string) *lightnode.DashboardState {
	ctx, cancel := context.WithTimeout(context.Background(), statusTimeout)
	defer cancel()
	out, err := h.Command(ctx, "curl", "-sf", "-H", "Authorization: Bearer "+token, "http://"+addr+lightnode.DashboardStatePath).Output()
	if err != nil {
		return nil
	}
	var st lightnode.DashboardState
	if json.Unmarshal(out, &st) != nil {
		return nil
	}
	return &st
}

// TestNetnsLightNodeDiscovery runs a validator, two bridge full nodes
// (the second knows only the first) and two light nodes given only the
// first full node's address, as real processes on separate hosts: the
// light node with discovery finds the second full node and samples from
// both; the one with --discovery=false samples from the first only. Their
// traffic per header is measured from veth counters over the same heights.
func TestNetnsLightNodeDiscovery(t *testing.T) {
	n := netns.New(t, 12)
	vh, f1h, f2h, lh, l0h := n.AddHost(), n.AddHost(), n.AddHost(), n.AddHost(), n.AddHost()
	dir := t.TempDir()
	home := func(name string) string { return filepath.Join(dir, name) }
	runCLI(t, "init", "--home", home("validator"), "--chain-id", "netns-disc", "--moniker", "v0",
		"--p2p-laddr", "tcp://"+vh.IP.String()+":26656", "--rpc-laddr", "tcp://0.0.0.0:26657", "--block-time", "300ms")
	id1, id2 := peerIDOf(t, home("full1")), peerIDOf(t, home("full2"))
	coreRPC := fmt.Sprintf("http://%s:26657", vh.IP)
	boot1 := fmt.Sprintf("/ip4/%s/tcp/2121/p2p/%s", f1h.IP, id1)
	startIn(t, vh, home("validator.log"), "validator", "--home", home("validator"))
	wait.For(t, netnsDeadline, "the validator at height 2", func() bool { return statusIn(vh, home("validator")) >= 2 })
	startIn(t, f1h, home("full1.log"), "full", "--home", home("full1"), "--core-rpc", coreRPC,
		"--p2p-listen", "/ip4/0.0.0.0/tcp/2121", "--adapter-rpc", "", "--altda", "")
	startIn(t, f2h, home("full2.log"), "full", "--home", home("full2"), "--core-rpc", coreRPC, "--bootstrap", boot1,
		"--p2p-listen", "/ip4/0.0.0.0/tcp/2121", "--adapter-rpc", "", "--altda", "")
	wait.For(t, netnsDeadline, "both full nodes at height 2", func() bool {
		return statusIn(f1h, home("full1")) >= 2 && statusIn(f2h, home("full2")) >= 2
	})
	light := func(h *netns.Host, name string, extra ...string) {
		startIn(t, h, home(name+".log"), append([]string{"light", "--home", home(name), "--chain-id", "netns-disc",
			"--bootstrap", boot1, "--trusted-height", "1", "--trusted-rpc", coreRPC,
			"--p2p-listen", "/ip4/0.0.0.0/tcp/0", "--rpc-addr", "127.0.0.1:26668"}, extra...)...)
	}
	light(lh, "light")
	light(l0h, "light-nodisc", "--discovery=false")
	token := strings.TrimSpace(string(runCLI(t, "auth", "read", "--home", home("light"))))

	var last *lightnode.DashboardState
	wait.For(t, startDeadline, "the light node sampling from both full nodes", func() bool {
		st := dashboardIn(lh, token, "127.0.0.1:26668")
		if st == nil {
			return false
		}
		last = st
		served := map[string]bool{}
		for _, p := range st.Peers {
			served[p.Peer] = p.Samples > 0
		}
		return served[id1.String()] && served[id2.String()]
	})
	t.Logf("light node with discovery: samples per peer over the dashboard strip: %+v", last.Peers)
	wait.For(t, netnsDeadline, "the light node without discovery at height 5", func() bool { return statusIn(l0h, home("light-nodisc")) >= 5 })

	// Traffic per header over the same 20 heights, discovery on and off.
	h1, on1, off1 := statusIn(vh, home("validator")), counters(t, lh), counters(t, l0h)
	wait.For(t, startDeadline, "20 more heights sampled by both light nodes", func() bool {
		return statusIn(lh, home("light")) >= h1+20 && statusIn(l0h, home("light-nodisc")) >= h1+20
	})
	h2, on2, off2 := statusIn(vh, home("validator")), counters(t, lh), counters(t, l0h)
	per := func(a, b uint64) uint64 { return (b - a) / uint64(h2-h1) }
	t.Logf("light node per header over %d headers (empty blocks, k=1, 16 samples): discovery on: %d B received, %d B sent; off: %d B received, %d B sent",
		h2-h1, per(on1.ReceivedBytes, on2.ReceivedBytes), per(on1.SentBytes, on2.SentBytes), per(off1.ReceivedBytes, off2.ReceivedBytes), per(off1.SentBytes, off2.SentBytes))
	if st := dashboardIn(lh, token, "127.0.0.1:26668"); st != nil {
		t.Logf("light node with discovery: samples per peer over the last %d headers: %+v", len(st.Headers), st.Peers)
	}
	if st := dashboardIn(l0h, strings.TrimSpace(string(runCLI(t, "auth", "read", "--home", home("light-nodisc")))), "127.0.0.1:26668"); st != nil {
		for _, p := range st.Peers {
			if p.Peer == id2.String() {
				t.Fatalf("the light node without discovery sampled from the full node it was not given: %+v", st.Peers)
			}
		}
	}
}
