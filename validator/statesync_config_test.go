package validator

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestStateSyncSectionValidate(t *testing.T) {
	good := StateSyncSection{Enable: true, RPCServers: "127.0.0.1:26657,127.0.0.1:26657", TrustHeight: 10,
		TrustHash: strings.Repeat("AB", 32), TrustPeriod: time.Hour, DiscoveryTime: 5 * time.Second, ChunkRequestTimeout: 5 * time.Second}
	if err := good.Validate(); err != nil {
		t.Fatal(err)
	}
	if err := (StateSyncSection{}).Validate(); err != nil {
		t.Fatalf("disabled section: %v", err)
	}
	for name, tc := range map[string]struct {
		mod  func(*StateSyncSection)
		want string
	}{
		"one rpc server":  {func(s *StateSyncSection) { s.RPCServers = "127.0.0.1:26657" }, "want 2 or more"},
		"no trust height": {func(s *StateSyncSection) { s.TrustHeight = 0 }, "trust_height and trust_hash"},
		"no trust hash":   {func(s *StateSyncSection) { s.TrustHash = "" }, "trust_height and trust_hash"},
		"short hash":      {func(s *StateSyncSection) { s.TrustHash = "ABCD" }, "64 hex digits"},
		"no trust period": {func(s *StateSyncSection) { s.TrustPeriod = 0 }, "trust_period"},
		"fast discovery":  {func(s *StateSyncSection) { s.DiscoveryTime = time.Second }, "at least 5s"},
	} {
		s := good
		tc.mod(&s)
		err := s.Validate()
		if !errors.Is(err, errInvalidConfig) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: err %v, want errInvalidConfig saying %q", name, err, tc.want)
		}
	}
}

// TestStateSyncCometConfig: the section and the snapshot settings reach
// CometBFT's config and round-trip through config.toml.
func TestStateSyncCometConfig(t *testing.T) {
	c := DefaultNodeConfig()
	c.StateSync = StateSyncSection{Enable: true, RPCServers: "a:1, b:2", TrustHeight: 7, TrustHash: strings.Repeat("0F", 32),
		TrustPeriod: 2 * time.Hour, DiscoveryTime: 6 * time.Second, ChunkRequestTimeout: 7 * time.Second}
	c.Storage.RetainBlocks, c.Storage.SnapshotInterval = 100, 50
	home := t.TempDir()
	if err := SaveNodeConfig(home, c); err != nil {
		t.Fatal(err)
	}
	got, err := LoadNodeConfig(home)
	if err != nil {
		t.Fatal(err)
	}
	if got != c {
		t.Fatalf("config.toml round trip: %+v, want %+v", got, c)
	}
	cc := got.CometConfig(home)
	if err := cc.ValidateBasic(); err != nil {
		t.Fatal(err)
	}
	ss := cc.StateSync
	if !ss.Enable || len(ss.RPCServers) != 2 || ss.RPCServers[1] != "b:2" || ss.TrustHeight != 7 || ss.TrustPeriod != 2*time.Hour ||
		ss.DiscoveryTime != 6*time.Second || ss.ChunkRequestTimeout != 7*time.Second {
		t.Fatalf("CometBFT statesync config %+v", ss)
	}
	if sc := got.Storage.snapshotConfig(home); sc.Interval != 50 || sc.KeepRecent != 2 || sc.Dir != snapshotDir(home) {
		t.Fatalf("snapshot config %+v", sc)
	}
	d := DefaultNodeConfig().Storage
	if d.SnapshotInterval != 1000 || d.SnapshotKeepRecent != 2 {
		t.Fatalf("default snapshot settings %+v, want every 1000 heights, keep 2", d)
	}
}

// TestSnapshotJoinWindow: a pruning node must keep the blocks after its
// newest snapshot for minSnapshotJoinWindow, or a node that restores it may
// find the next block gone and stall in blocksync.
func TestSnapshotJoinWindow(t *testing.T) {
	for name, tc := range map[string]struct {
		retain, interval uint64
		keep             uint32
		blockTime        time.Duration
		ok               bool
	}{
		"defaults, pruning":          {100, 1000, 2, time.Second, true},
		"no pruning":                 {0, 10, 1, 10 * time.Millisecond, true},
		"no snapshots":               {20, 0, 2, 10 * time.Millisecond, true},
		"issue scale at 200 ms":      {100, 50, 4, 200 * time.Millisecond, true},
		"retain covers it":           {400, 50, 1, 100 * time.Millisecond, true},
		"block_time 0, some heights": {20, 10, 2, 0, true},
		"40 heights at 200 ms":       {20, 10, 5, 200 * time.Millisecond, false},
		"keep 1, retain ≤ interval":  {100, 1000, 1, 0, false},
		"one interval at 1 s":        {20, 25, 2, time.Second, false},
	} {
		s := StorageSection{RetainBlocks: tc.retain, SnapshotInterval: tc.interval, SnapshotKeepRecent: tc.keep}
		err := s.validateSnapshots(tc.blockTime)
		switch {
		case tc.ok && err != nil:
			t.Errorf("%s: %v", name, err)
		case !tc.ok && (!errors.Is(err, errInvalidConfig) || !strings.Contains(err.Error(), "blocks after the newest snapshot")):
			t.Errorf("%s: err %v, want errInvalidConfig about the blocks after the newest snapshot", name, err)
		}
	}
	c := DefaultNodeConfig()
	c.Consensus.BlockTime = 200 * time.Millisecond
	c.Storage = StorageSection{RetainBlocks: 20, SnapshotInterval: 10, SnapshotKeepRecent: 5}
	if err := c.Validate(); !errors.Is(err, errInvalidConfig) {
		t.Fatalf("NodeConfig.Validate with a 40-height join window: %v, want errInvalidConfig", err)
	}
}
