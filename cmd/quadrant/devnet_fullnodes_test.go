package main

import (
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/quadrant-da/quadrant/fullnode"
	"github.com/quadrant-da/quadrant/internal/wait"
)

// TestDevnetFullNodes runs `quadrant devnet --validators 1 --full-nodes 3`:
// beside the bridge, full-1 and full-2 run `quadrant full` in p2p mode on
// the next port slots, bootstrapped from the bridge and trusting validator
// 0's block 1, and both sync the chain from it. Then a bad --full-nodes
// and a withholding spec without a p2p full node to withhold are refused,
// and with one the last p2p full node runs with --fault-withhold.
func TestDevnetFullNodes(t *testing.T) {
	home := t.TempDir()
	base := pickBasePort(t, 4) // validator 0, the bridge, full-1, full-2
	devnet := startProc(t, filepath.Join(t.TempDir(), "devnet.out"), "devnet", "--home", home, "--validators", "1",
		"--full-nodes", "3", "--block-time", testBlockTime.String(), "--base-port", fmt.Sprint(base))
	var m *devnetManifest
	wait.For(t, startDeadline, "devnet manifest", func() bool {
		var err error
		m, err = loadManifest(home)
		return err == nil
	})
	if len(m.FullNodes) != 3 || m.FullNodes[0].Name != "bridge" {
		t.Fatalf("manifest full nodes: %+v", m.FullNodes)
	}
	for i, f := range m.FullNodes[1:] {
		slot := base + 10*(2+i)
		if f.Name != fmt.Sprintf("full-%d", i+1) || f.Mode != "p2p" || f.FaultWithhold != "" ||
			!strings.HasPrefix(f.PeerAddress, fmt.Sprintf("/ip4/127.0.0.1/tcp/%d/p2p/", slot)) ||
			f.Metrics != fmt.Sprintf("http://127.0.0.1:%d/metrics", slot+5) {
			t.Fatalf("full node %d: %+v", i+1, f)
		}
		cfg, err := fullnode.LoadConfig(f.Home)
		if err != nil || cfg.Mode != fullnode.ModeP2P || cfg.ChainID != m.ChainID || !slices.Equal(cfg.P2P.Bootstrap, []string{m.FullNodes[0].PeerAddress}) {
			t.Fatalf("%s config %+v: %v", f.Name, cfg, err)
		}
		if args := strings.Join(fullNodeArgs(f, adapterFlags{}), " "); !strings.Contains(args, "--trusted-rpc "+m.Validators[0].RPC) || strings.Contains(args, "fault") {
			t.Fatalf("%s runs as: %s", f.Name, args)
		}
	}
	for _, f := range m.FullNodes {
		wait.For(t, startDeadline, f.Name+" to store height 5", func() bool { return metricsHead(f.Metrics) >= 5 })
	}
	if err := devnet.stop(t, syscall.SIGINT, 30*time.Second); err != nil {
		t.Fatalf("devnet exit: %v", err)
	}

	for _, c := range []struct{ args, want string }{
		{"--full-nodes 17", "--full-nodes 17: want 1..16"},
		{"--full-nodes -1", "--full-nodes -1: want 1..16"},
	} {
		_, err := runCLIErr(append([]string{"devnet", "--init-only", "--home", t.TempDir(), "--validators", "1"}, strings.Fields(c.args)...)...)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Fatalf("devnet %s: %v, want %q", c.args, err, c.want)
		}
	}
	o := devnetOptions{Home: t.TempDir(), Validators: 1, BasePort: base, ChainID: "c", MaxSquareSize: 64, Withhold: "%2"}
	if _, err := createDevnet(o); err == nil || !strings.Contains(err.Error(), "needs --full-nodes ≥ 2") {
		t.Fatalf("withholding with the bridge alone: %v", err)
	}
	o.FullNodes = 3
	wm, err := createDevnet(o)
	if err != nil {
		t.Fatal(err)
	}
	if got := []string{wm.FullNodes[1].FaultWithhold, wm.FullNodes[2].FaultWithhold}; got[0] != "" || got[1] != "%2" ||
		!strings.HasSuffix(strings.Join(fullNodeArgs(wm.FullNodes[2], adapterFlags{}), " "), " --fault-withhold %2") {
		t.Fatalf("withholding: fault_withhold of full-1, full-2 %q; full-2 runs as %v", got, fullNodeArgs(wm.FullNodes[2], adapterFlags{}))
	}
}
