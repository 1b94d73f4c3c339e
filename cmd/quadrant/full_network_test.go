package main

import (
	"context"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/spf13/pflag"

	"github.com/quadrant-da/quadrant/da/headertest"
	"github.com/quadrant-da/quadrant/fullnode"
	"github.com/quadrant-da/quadrant/manifest"
)

// writeManifest writes a manifest for chain id with checkpoint (height,
// hash) and returns its path.
func writeManifest(t *testing.T, id string, height uint64, hash string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), manifest.FileName)
	boot := "/ip4/10.77.0.11/tcp/2121/p2p/12D3KooWGzxzKZYveHXtpG6AsrUJBcWxHBFS2HsEoGTxrMLvKXtf"
	if err := manifest.Write(path, &manifest.Manifest{
		Version: manifest.Version, ChainID: id, Bootstrap: []string{boot},
		UnbondingPeriod: manifest.Duration(21 * 24 * time.Hour),
		Checkpoint:      manifest.Checkpoint{Height: height, Hash: hash},
	}); err != nil {
		t.Fatal(err)
	}
	return path
}

func fullConfigFrom(t *testing.T, args ...string) (fullnode.Config, error) {
	t.Helper()
	var f fullFlags
	fs := pflag.NewFlagSet("full", pflag.ContinueOnError)
	f.register(fs)
	if err := fs.Parse(append([]string{"--home", t.TempDir()}, args...)); err != nil {
		t.Fatal(err)
	}
	cfg, _, err := f.config(fs)
	return cfg, err
}

// TestFullNetworkFlag: `quadrant full --network` takes the chain id and
// bootstrap peers from the manifest and, in p2p mode, its checkpoint;
// flags win; without any checkpoint a p2p node refuses and says what to
// pass.
func TestFullNetworkFlag(t *testing.T) {
	hash := strings.Repeat("0b", 32)
	path := writeManifest(t, "net-1", 5, hash)
	cfg, err := fullConfigFrom(t, "--mode", "p2p", "--network", path)
	if err != nil || cfg.ChainID != "net-1" || cfg.Sync.TrustedHeight != 5 || cfg.Sync.TrustedHash != hash || len(cfg.P2P.Bootstrap) != 1 || !cfg.Discovery.Enabled {
		t.Fatalf("p2p config from the manifest: %+v %v", cfg, err)
	}
	other := strings.Repeat("0c", 32)
	cfg, err = fullConfigFrom(t, "--mode", "p2p", "--network", path, "--trusted-height", "9", "--trusted-hash", other, "--discovery=false")
	if err != nil || cfg.Sync.TrustedHeight != 9 || cfg.Sync.TrustedHash != other || cfg.ChainID != "net-1" || cfg.Discovery.Enabled {
		t.Fatalf("flags over the manifest: %+v %v", cfg, err)
	}
	cfg, err = fullConfigFrom(t, "--network", path)
	if err != nil || cfg.Mode != fullnode.ModeBridge || cfg.ChainID != "net-1" || cfg.Sync.TrustedHash != "" {
		t.Fatalf("bridge config from the manifest: %+v %v", cfg, err)
	}

	_, err = fullConfigFrom(t, "--mode", "p2p", "--chain-id", "net-1")
	if err == nil || !strings.Contains(err.Error(), "--trusted-hash") || !strings.Contains(err.Error(), "--network") {
		t.Fatalf("p2p mode without a checkpoint: %v, want a refusal naming --network and --trusted-hash", err)
	}
	bad := filepath.Join(t.TempDir(), manifest.FileName)
	raw := `{"version":1,"chain_id":"net-1","bootstrap":["/ip4/10.77.0.11/tcp/2121/p2p/12D3KooWGzxzKZYveHXtpG6AsrUJBcWxHBFS2HsEoGTxrMLvKXtf"],"unbonding_period":"504h0m0s","trusted_checkpoint":{"height":0,"hash":""}}`
	if err := os.WriteFile(bad, []byte(raw), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err = fullConfigFrom(t, "--mode", "p2p", "--network", bad)
	if err == nil || !strings.Contains(err.Error(), "trusted_checkpoint") || !strings.Contains(err.Error(), "--trusted-hash") {
		t.Fatalf("manifest without a checkpoint: %v, want a refusal naming trusted_checkpoint and --trusted-hash", err)
	}
}

// TestFullCheckpointDisagreesWithStoredChain: `quadrant full --network`
// whose checkpoint names another block than the chain the node has synced
// at that height stops with a message saying so.
func TestFullCheckpointDisagreesWithStoredChain(t *testing.T) {
	c := headertest.NewChain("cp-test", 4, "cp")
	home := t.TempDir()
	st, err := fullnode.OpenStore(filepath.Join(home, fullnode.StoreDir), fullnode.DefaultStoreConfig(), nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 2 {
		eds := headertest.ExtendedSquare(4, byte(i+1))
		h, err := c.NextSquare(eds)
		if err != nil {
			t.Fatal(err)
		}
		if err := st.Put(context.Background(), h, eds); err != nil {
			t.Fatal(err)
		}
	}
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	wrong := hex.EncodeToString(make([]byte, 32))
	path := writeManifest(t, c.ChainID, 2, wrong)
	root := newRootCmd()
	root.SetOut(os.Stderr)
	root.SetArgs([]string{"full", "--home", home, "--mode", "p2p", "--network", path,
		"--p2p-listen", "/ip4/127.0.0.1/tcp/0", "--metrics-addr", "", "--discovery=false", "--log-level", "error"})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	err = root.ExecuteContext(ctx)
	if err == nil || !strings.Contains(err.Error(), "stored chain has") || !strings.Contains(strings.ToLower(err.Error()), wrong) {
		t.Fatalf("full node with a checkpoint off the stored chain: %v, want a refusal naming the stored and trusted hashes", err)
	}
}
