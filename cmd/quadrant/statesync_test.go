package main

import (
	"io"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/quadrant-da/quadrant/chain"
	"github.com/quadrant-da/quadrant/validator"
)

// runInit runs `quadrant init args...` in process.
func runInit(t *testing.T, args ...string) error {
	t.Helper()
	cmd := newInitCmd()
	cmd.SetArgs(args)
	cmd.SetOut(io.Discard)
	cmd.SetErr(io.Discard)
	cmd.SilenceUsage, cmd.SilenceErrors = true, true
	return cmd.Execute()
}

// TestInitStateSync: init writes the [statesync] section from its flags,
// with two thirds of the unbonding period as trust period, and refuses,
// saying what to pass, without a trusted block, RPC servers or genesis.
func TestInitStateSync(t *testing.T) {
	dir := t.TempDir()
	chainHome := filepath.Join(dir, "chain")
	if err := runInit(t, "--home", chainHome, "--chain-id", "ss-test"); err != nil {
		t.Fatal(err)
	}
	genesis := validator.GenesisPath(chainHome)
	hash := strings.Repeat("AB", 32)
	for name, tc := range map[string]struct {
		args []string
		want string
	}{
		"no trusted block":   {[]string{"--genesis", genesis, "--state-sync", "--state-sync-rpc", "a:1,a:1"}, "pass --trust-height H and --trust-hash HEX"},
		"no trust hash":      {[]string{"--genesis", genesis, "--state-sync", "--trust-height", "5"}, "pass --trust-height H and --trust-hash HEX"},
		"no rpc servers":     {[]string{"--genesis", genesis, "--state-sync", "--trust-height", "5", "--trust-hash", hash}, "--state-sync-rpc host:port,host:port"},
		"one rpc server":     {[]string{"--genesis", genesis, "--state-sync-rpc", "a:1", "--trust-height", "5", "--trust-hash", hash}, "want 2 or more"},
		"bad trust hash":     {[]string{"--genesis", genesis, "--state-sync-rpc", "a:1,a:1", "--trust-height", "5", "--trust-hash", "xyz"}, "64 hex digits"},
		"no genesis to join": {[]string{"--state-sync", "--trust-height", "5", "--trust-hash", hash}, "--genesis"},
	} {
		home := filepath.Join(dir, strings.ReplaceAll(name, " ", "-"))
		err := runInit(t, append([]string{"--home", home}, tc.args...)...)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: err %v, want one saying %q", name, err, tc.want)
		}
		if _, err := validator.LoadNodeConfig(home); err == nil {
			t.Errorf("%s: a home was written despite the error", name)
		}
	}

	joiner := filepath.Join(dir, "joiner")
	err := runInit(t, "--home", joiner, "--genesis", genesis, "--state-sync", "--state-sync-rpc", "127.0.0.1:26657,127.0.0.1:26657",
		"--trust-height", "42", "--trust-hash", hash, "--retain-blocks", "100", "--snapshot-interval", "50", "--snapshot-keep-recent", "3")
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := validator.LoadNodeConfig(joiner)
	if err != nil {
		t.Fatal(err)
	}
	ss := cfg.StateSync
	wantPeriod := time.Duration(chain.DefaultUnbondingSeconds) * time.Second * 2 / 3
	if !ss.Enable || ss.RPCServers != "127.0.0.1:26657,127.0.0.1:26657" || ss.TrustHeight != 42 || ss.TrustHash != hash || ss.TrustPeriod != wantPeriod {
		t.Fatalf("statesync section %+v, want enabled at 42 with trust period %v", ss, wantPeriod)
	}
	if st := cfg.Storage; st.RetainBlocks != 100 || st.SnapshotInterval != 50 || st.SnapshotKeepRecent != 3 {
		t.Fatalf("storage section %+v", st)
	}
	if cc := cfg.CometConfig(joiner); !cc.StateSync.Enable || cc.StateSync.ValidateBasic() != nil {
		t.Fatalf("CometBFT statesync config %+v: %v", cc.StateSync, cc.StateSync.ValidateBasic())
	}
}
