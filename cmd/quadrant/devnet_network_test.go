package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	rpchttp "github.com/cometbft/cometbft/rpc/client/http"

	"github.com/quadrant-da/quadrant/internal/wait"
	"github.com/quadrant-da/quadrant/manifest"
)

// checkDevnetNetwork checks the running devnet's network.json (its full
// node as bootstrap, block 1 as checkpoint) and then runs the join command
// the devnet printed, literally: that light node must sample the chain.
func checkDevnetNetwork(t *testing.T, home, outPath string, m *devnetManifest) {
	t.Helper()
	path := filepath.Join(home, manifest.FileName)
	var nm *manifest.Manifest
	wait.For(t, startDeadline, "network.json", func() bool {
		var err error
		nm, err = manifest.Load(path)
		return err == nil
	})
	c, err := rpchttp.New(m.Validators[0].RPC, "/websocket")
	if err != nil {
		t.Fatal(err)
	}
	hash1, _ := blockID(t, c, 1)
	if nm.ChainID != m.ChainID || len(nm.Bootstrap) != 1 || nm.Bootstrap[0] != m.FullNodes[0].PeerAddress ||
		nm.Checkpoint.Height != 1 || !strings.EqualFold(nm.Checkpoint.Hash, hash1) {
		t.Fatalf("network.json %+v, want chain %s, bootstrap %s, checkpoint 1/%s", nm, m.ChainID, m.FullNodes[0].PeerAddress, hash1)
	}
	var join []string
	wait.For(t, startDeadline, "the join command in the devnet's output", func() bool {
		b, _ := os.ReadFile(outPath)
		for _, line := range strings.Split(string(b), "\n") {
			if rest, ok := strings.CutPrefix(line, "join:"); ok {
				join = strings.Fields(rest)
				return true
			}
		}
		return false
	})
	if len(join) < 2 || join[0] != "quadrant" || join[1] != "light" || !strings.Contains(strings.Join(join, " "), "--network "+path) {
		t.Fatalf("join command %q, want quadrant light … --network %s", join, path)
	}
	lightOut := filepath.Join(t.TempDir(), "light2.out")
	p := startProc(t, lightOut, join[1:]...)
	var url, lightHome string
	for i, a := range join {
		if a == "--home" && i+1 < len(join) {
			lightHome = join[i+1]
		}
	}
	wait.For(t, startDeadline, "the joined light node's JSON-RPC address", func() bool {
		b, _ := os.ReadFile(lightOut)
		for _, line := range strings.Split(string(b), "\n") {
			if u, ok := strings.CutPrefix(line, "json-rpc: "); ok {
				url = strings.TrimSpace(u)
				return true
			}
		}
		return false
	})
	wait.For(t, startDeadline, "the joined light node to sample height 3", func() bool {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		return lightStatus(ctx, "light2", lightHome, url).Height >= 3
	})
	if err := p.stop(t, syscall.SIGINT, 30*time.Second); err != nil {
		t.Fatalf("joined light node exit: %v", err)
	}
}
