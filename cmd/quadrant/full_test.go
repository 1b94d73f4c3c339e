package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"syscall"
	"testing"
	"time"

	rpchttp "github.com/cometbft/cometbft/rpc/client/http"

	"github.com/quadrant-da/quadrant/fullnode"
	"github.com/quadrant-da/quadrant/internal/wait"
)

var headMetricRE = regexp.MustCompile(`(?m)^quadrant_full_head_height (\d+)`)

// metricsHead scrapes a full node's /metrics for its head height (-1 if
// unreachable).
func metricsHead(url string) int {
	resp, err := http.Get(url)
	if err != nil {
		return -1
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	m := headMetricRE.FindSubmatch(b)
	if m == nil {
		return -1
	}
	h, _ := strconv.Atoi(string(m[1]))
	return h
}

// TestDevnetBridgeAndFullP2P runs `quadrant devnet` with one validator: its
// bridge full node must ingest blocks; then `quadrant full --mode p2p`,
// given only the bridge's printed peer address and the hash of height 1,
// must sync from it. Both stop cleanly on SIGINT.
func TestDevnetBridgeAndFullP2P(t *testing.T) {
	home := t.TempDir()
	base := pickBasePort(t, 2) // validator 0 and the full node's slot
	devnet := startProc(t, filepath.Join(t.TempDir(), "devnet.out"), "devnet", "--home", home, "--validators", "1",
		"--block-time", testBlockTime.String(), "--base-port", fmt.Sprint(base))
	var m *devnetManifest
	wait.For(t, startDeadline, "devnet manifest", func() bool {
		var err error
		m, err = loadManifest(home)
		return err == nil
	})
	if len(m.FullNodes) != 1 || m.FullNodes[0].Mode != "bridge" {
		t.Fatalf("manifest full nodes: %+v", m.FullNodes)
	}
	bridge := m.FullNodes[0]
	if want := fmt.Sprintf("127.0.0.1:%d", base+3); bridge.CoreGRPC != want {
		t.Fatalf("bridge core_grpc %q, want validator 0's gRPC %s", bridge.CoreGRPC, want)
	}
	if want := fmt.Sprintf("/ip4/127.0.0.1/tcp/%d/p2p/", base+10); len(bridge.PeerAddress) <= len(want) || bridge.PeerAddress[:len(want)] != want {
		t.Fatalf("bridge peer address %s, want %s<id>", bridge.PeerAddress, want)
	}
	wait.For(t, startDeadline, "the bridge to store height 3", func() bool { return metricsHead(bridge.Metrics) >= 3 })

	c, err := rpchttp.New(m.Validators[0].RPC, "/websocket")
	if err != nil {
		t.Fatal(err)
	}
	one := int64(1)
	blk, err := c.Block(context.Background(), &one)
	if err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	metricsAddr := l.Addr().String()
	l.Close()
	fullHome := t.TempDir()
	full := startProc(t, filepath.Join(fullHome, "full.out"), "full", "--home", fullHome, "--mode", "p2p",
		"--chain-id", m.ChainID, "--bootstrap", bridge.PeerAddress, "--p2p-listen", "/ip4/127.0.0.1/tcp/0",
		"--trusted-height", "1", "--trusted-hash", blk.BlockID.Hash.String(), "--metrics-addr", metricsAddr)
	wait.For(t, startDeadline, "the p2p full node to sync 5 heights", func() bool {
		return metricsHead("http://"+metricsAddr+"/metrics") >= 5
	})
	if err := full.stop(t, syscall.SIGINT, 20*time.Second); err != nil {
		t.Fatalf("full node exit: %v", err)
	}
	cfg, err := fullnode.LoadConfig(fullHome)
	if err != nil || cfg.Mode != fullnode.ModeP2P || cfg.Sync.TrustedHash == "" {
		t.Fatalf("written config %+v: %v", cfg, err)
	}
	if _, err := os.Stat(filepath.Join(fullHome, fullnode.StoreDir)); err != nil {
		t.Fatal(err)
	}
	if err := devnet.stop(t, syscall.SIGINT, 30*time.Second); err != nil {
		t.Fatalf("devnet exit: %v", err)
	}
	if metricsHead(bridge.Metrics) >= 0 {
		t.Fatal("the bridge still answers after the devnet stopped")
	}
}
