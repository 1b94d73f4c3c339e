package fullnode_test

import (
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/quadrant-da/quadrant/fullnode"
)

func TestConfigRoundTripAndDefaults(t *testing.T) {
	home := t.TempDir()
	if _, err := fullnode.LoadConfig(home); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("missing config: %v, want ErrNotExist", err)
	}
	cfg := fullnode.DefaultConfig()
	if err := cfg.Validate(); err != nil {
		t.Fatalf("default config invalid: %v", err)
	}
	cfg.Mode = fullnode.ModeP2P
	cfg.ChainID = "c"
	cfg.Sync.TrustedHash = strings.Repeat("ab", 32)
	cfg.Store.Retention = 49 * time.Hour
	if err := fullnode.SaveConfig(home, cfg); err != nil {
		t.Fatal(err)
	}
	got, err := fullnode.LoadConfig(home)
	if err != nil {
		t.Fatal(err)
	}
	if got.Mode != cfg.Mode || got.ChainID != "c" || got.Sync.TrustedHash != cfg.Sync.TrustedHash ||
		got.Store.Retention != 49*time.Hour || got.P2P.Score != cfg.P2P.Score || len(got.P2P.ListenAddrs) != 2 {
		t.Fatalf("round trip: %+v", got)
	}
	if st, _ := os.Stat(fullnode.ConfigPath(home)); st.Mode().Perm() != 0o600 {
		t.Fatalf("config mode %v", st.Mode())
	}
}

func TestConfigRejects(t *testing.T) {
	cases := map[string]func(c *fullnode.Config){
		"mode":             func(c *fullnode.Config) { c.Mode = "light" },
		"core rpc":         func(c *fullnode.Config) { c.Bridge.CoreRPC = "127.0.0.1:26657" },
		"core grpc scheme": func(c *fullnode.Config) { c.Bridge.CoreGRPC = "tcp://127.0.0.1:26659" },
		"core grpc port":   func(c *fullnode.Config) { c.Bridge.CoreGRPC = "127.0.0.1:0" },
		"poll interval":    func(c *fullnode.Config) { c.Bridge.PollInterval = 0 },
		"p2p chain id":     func(c *fullnode.Config) { c.Mode = fullnode.ModeP2P },
		"trusted hash":     func(c *fullnode.Config) { c.Mode, c.ChainID, c.Sync.TrustedHash = fullnode.ModeP2P, "c", "abcd" },
		"trusted height":   func(c *fullnode.Config) { c.Mode, c.ChainID, c.Sync.TrustedHeight = fullnode.ModeP2P, "c", 0 },
		"concurrency": func(c *fullnode.Config) {
			c.Mode, c.ChainID, c.Sync.TrustedHash, c.Sync.Concurrency = fullnode.ModeP2P, "c", strings.Repeat("ab", 32), 0
		},
		"no trusted hash":  func(c *fullnode.Config) { c.Mode, c.ChainID = fullnode.ModeP2P, "c" },
		"chain id slash":   func(c *fullnode.Config) { c.ChainID = "a/b" },
		"metrics address":  func(c *fullnode.Config) { c.Metrics.ListenAddress = "nope" },
		"prune every":      func(c *fullnode.Config) { c.PruneEvery = 0 },
		"retention":        func(c *fullnode.Config) { c.Store.Retention = -1 },
		"p2p listen addrs": func(c *fullnode.Config) { c.P2P.ListenAddrs = []string{"not a multiaddr"} },
	}
	for name, mutate := range cases {
		c := fullnode.DefaultConfig()
		mutate(&c)
		if err := c.Validate(); !errors.Is(err, fullnode.ErrConfig) {
			t.Errorf("%s: Validate = %v, want ErrConfig", name, err)
		}
	}
	if _, err := fullnode.ParseConfig([]byte("mode = \"bridge\"\nunknown_key = 1\n")); err == nil || !strings.Contains(err.Error(), "unknown_key") {
		t.Errorf("unknown key: %v", err)
	}
	if _, err := fullnode.New(fullnode.DefaultConfig(), fullnode.Options{}); !errors.Is(err, fullnode.ErrConfig) {
		t.Errorf("New without a home: %v", err)
	}
}

// FuzzParseConfig: ParseConfig never panics, and a configuration it
// accepts and that validates survives a save/load round trip unchanged in
// what it validates to.
func FuzzParseConfig(f *testing.F) {
	f.Add([]byte(""))
	f.Add([]byte("mode = \"p2p\"\nchain_id = \"x\"\n[sync]\ntrusted_height = 3\n"))
	f.Add([]byte("[p2p]\nlisten_addrs = [\"/ip4/127.0.0.1/tcp/1\"]\n[p2p.score]\nBlockThreshold = -5\n"))
	f.Add([]byte("prune_every = \"1s\"\n[store]\nretention = \"1h\"\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		c, err := fullnode.ParseConfig(b)
		if err != nil || c.Validate() != nil {
			return
		}
		home := t.TempDir()
		if err := fullnode.SaveConfig(home, c); err != nil {
			t.Fatal(err)
		}
		d, err := fullnode.LoadConfig(home)
		if err != nil {
			t.Fatalf("reloading a valid config: %v", err)
		}
		if err := d.Validate(); err != nil {
			t.Fatalf("reloaded config no longer validates: %v", err)
		}
	})
}
