package validator

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestNodeConfigRoundTrip(t *testing.T) {
	home := t.TempDir()
	c := LoopbackConfig("val-1", 30010, 30011, 30012, 150*time.Millisecond)
	c.Storage.RetainBlocks = 1000
	c.P2P.PersistentPeers = "abcd@127.0.0.1:30000"
	c.RPC.PprofListenAddress = "127.0.0.1:30017"
	if c.RPC.GRPCListenAddress != "" {
		t.Fatalf("LoopbackConfig serves gRPC on %q, want off unless asked", c.RPC.GRPCListenAddress)
	}
	c.RPC.GRPCListenAddress = fmt.Sprintf("tcp://127.0.0.1:%d", LoopbackGRPCPort(30011))
	if err := SaveNodeConfig(home, c); err != nil {
		t.Fatal(err)
	}
	got, err := LoadNodeConfig(home)
	if err != nil {
		t.Fatal(err)
	}
	if got != c {
		t.Fatalf("round trip:\n got %+v\nwant %+v", got, c)
	}
	cc := got.CometConfig(home)
	if err := cc.ValidateBasic(); err != nil {
		t.Fatalf("derived CometBFT config invalid: %v", err)
	}
	if cc.Consensus.TimeoutCommit != 150*time.Millisecond || cc.TxIndex.Indexer != "null" ||
		cc.Mempool.MaxTxBytes != defaultMempoolMaxTxBytes || cc.RPC.MaxBodyBytes != defaultRPCMaxBodyBytes ||
		cc.P2P.SendRate != loopbackP2PRate || cc.Consensus.PeerGossipSleepDuration != 5*time.Millisecond || cc.P2P.AddrBookStrict || !cc.P2P.AllowDuplicateIP ||
		cc.RPC.ListenAddress != "tcp://127.0.0.1:30011" || cc.RPC.PprofListenAddress != "127.0.0.1:30017" || cc.RootDir != cometHome(home) {
		t.Fatalf("derived CometBFT config does not carry the node config: %+v", cc)
	}
	if cc.RPC.GRPCListenAddress != "" {
		t.Fatalf("CometBFT's legacy gRPC broadcast API is on at %q; Quadrant's core API replaces it", cc.RPC.GRPCListenAddress)
	}
	if err := EnsureCometDirs(cc); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(cc.RootDir + "/config/config.toml")
	if err != nil || !strings.Contains(string(b), `indexer = "null"`) {
		t.Fatalf("written CometBFT config: %v", err)
	}
}

func TestNodeConfigRejects(t *testing.T) {
	home := t.TempDir()
	if err := os.WriteFile(ConfigPath(home), []byte("moniker = \"x\"\nblok_time = \"1s\"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadNodeConfig(home); !errors.Is(err, errInvalidConfig) || !strings.Contains(err.Error(), "blok_time") {
		t.Fatalf("unknown key: %v", err)
	}
	bad := DefaultNodeConfig()
	bad.LogLevel = "loud"
	if err := bad.Validate(); !errors.Is(err, errInvalidConfig) {
		t.Fatalf("bad log level: %v", err)
	}
	bad = DefaultNodeConfig()
	bad.P2P.PersistentPeers = "127.0.0.1:26656"
	if err := bad.Validate(); !errors.Is(err, errInvalidConfig) {
		t.Fatalf("peer without id: %v", err)
	}
	for _, a := range []string{"127.0.0.1:9090", "tcp://127.0.0.1", "tcp://:9090", "tcp://127.0.0.1:x", "tcp://127.0.0.1:70000", "unix:///tmp/g.sock", DefaultNodeConfig().RPC.ListenAddress} {
		bad = DefaultNodeConfig()
		bad.RPC.GRPCListenAddress = a
		if err := bad.Validate(); !errors.Is(err, errInvalidConfig) || !strings.Contains(err.Error(), "grpc_listen_address") {
			t.Fatalf("grpc_listen_address %q: %v", a, err)
		}
	}
	good := DefaultNodeConfig()
	good.RPC.GRPCListenAddress = "tcp://127.0.0.1:9090"
	if err := good.Validate(); err != nil {
		t.Fatalf("grpc_listen_address tcp://127.0.0.1:9090: %v", err)
	}
}

// FuzzParseNodeConfig: arbitrary TOML never panics; what parses validates
// and survives a save/load round trip.
func FuzzParseNodeConfig(f *testing.F) {
	home := f.TempDir()
	_ = SaveNodeConfig(home, LoopbackConfig("x", 1, 2, 3, time.Second))
	b, _ := os.ReadFile(ConfigPath(home))
	f.Add(b)
	f.Add([]byte("moniker = \"a\"\n[consensus]\nblock_time = \"5ms\"\n"))
	f.Add([]byte("[p2p]\npersistent_peers = \"x\"\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		c, err := parseNodeConfig(b)
		if err != nil {
			return
		}
		if err := c.Validate(); err != nil {
			t.Fatalf("parsed config does not validate: %v", err)
		}
	})
}

// TestCheckEngine: a fresh home and one marked by this engine pass; a home
// with CometBFT data but no marker (written by CometBFT v1.0.1) and one
// marked by another engine are refused with a message naming --reset.
func TestCheckEngine(t *testing.T) {
	home := t.TempDir()
	if err := CheckEngine(home); err != nil {
		t.Fatalf("fresh home: %v", err)
	}
	if err := os.MkdirAll(filepath.Join(cometHome(home), "data", "blockstore.db"), 0o700); err != nil {
		t.Fatal(err)
	}
	err := CheckEngine(home)
	if !errors.Is(err, errEngineMismatch) || !strings.Contains(err.Error(), "--reset") || !strings.Contains(err.Error(), "CometBFT v1.0.1") {
		t.Fatalf("v1 home: %v, want ErrEngineMismatch naming --reset", err)
	}
	if err := markEngine(home); err != nil {
		t.Fatal(err)
	}
	if err := CheckEngine(home); err != nil {
		t.Fatalf("marked home: %v", err)
	}
	if err := os.WriteFile(filepath.Join(home, engineFile), []byte("cometbft v2.0\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := CheckEngine(home); !errors.Is(err, errEngineMismatch) || !strings.Contains(err.Error(), "cometbft v2.0") {
		t.Fatalf("other engine: %v", err)
	}
}
