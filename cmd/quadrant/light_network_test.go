package main

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/spf13/pflag"

	"github.com/quadrant-da/quadrant/manifest"
)

func TestLightNetworkFlag(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, manifest.FileName)
	boot := "/ip4/10.77.0.11/tcp/2121/p2p/12D3KooWGzxzKZYveHXtpG6AsrUJBcWxHBFS2HsEoGTxrMLvKXtf"
	hash := strings.Repeat("0b", 32)
	if err := manifest.Write(path, &manifest.Manifest{
		Version: manifest.Version, ChainID: "net-1", Bootstrap: []string{boot},
		UnbondingPeriod: manifest.Duration(21 * 24 * time.Hour),
		Checkpoint:      manifest.Checkpoint{Height: 5, Hash: hash},
	}); err != nil {
		t.Fatal(err)
	}
	parse := func(args ...string) error {
		var f lightFlags
		fs := pflag.NewFlagSet("light", pflag.ContinueOnError)
		f.register(fs)
		if err := fs.Parse(append([]string{"--home", t.TempDir()}, args...)); err != nil {
			t.Fatal(err)
		}
		cfg, _, err := f.config(fs)
		if err == nil && (cfg.ChainID != "net-1" || cfg.TrustedHeight != 5 || cfg.TrustedHash != hash ||
			cfg.TrustingPeriod != 14*24*time.Hour || len(cfg.P2P.Bootstrap) != 1 || cfg.P2P.Bootstrap[0] != boot) {
			t.Fatalf("config from the manifest: %+v", cfg)
		}
		return err
	}
	if err := parse("--network", path); err != nil {
		t.Fatal(err)
	}
	// An explicit flag wins over the manifest.
	var f lightFlags
	fs := pflag.NewFlagSet("light", pflag.ContinueOnError)
	f.register(fs)
	if err := fs.Parse([]string{"--home", t.TempDir(), "--network", path, "--trusted-height", "9", "--trusted-hash", strings.Repeat("0c", 32)}); err != nil {
		t.Fatal(err)
	}
	cfg, _, err := f.config(fs)
	if err != nil || cfg.TrustedHeight != 9 || cfg.ChainID != "net-1" {
		t.Fatalf("flags over the manifest: %+v %v", cfg, err)
	}
	if err := parse("--network", filepath.Join(dir, "missing.json")); err == nil || !strings.Contains(err.Error(), "missing.json") {
		t.Fatalf("missing manifest: %v, want an error naming the file", err)
	}
	// A manifest with minutes of unbonding (the devnet's) gives a matching
	// trusting period, and a longer one given by flag is refused with a
	// message that says why.
	short := filepath.Join(dir, "short.json")
	if err := manifest.Write(short, &manifest.Manifest{
		Version: manifest.Version, ChainID: "net-1", Bootstrap: []string{boot},
		UnbondingPeriod: manifest.Duration(devnetUnbonding),
		Checkpoint:      manifest.Checkpoint{Height: 5, Hash: hash},
	}); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		args    []string
		want    time.Duration
		wantErr string
	}{
		{args: nil, want: 200 * time.Second},
		{args: []string{"--trusting-period", "5m"}, wantErr: "not shorter than the unbonding period 5m0s"},
	} {
		var f lightFlags
		fs := pflag.NewFlagSet("light", pflag.ContinueOnError)
		f.register(fs)
		if err := fs.Parse(append([]string{"--home", t.TempDir(), "--network", short}, tc.args...)); err != nil {
			t.Fatal(err)
		}
		cfg, _, err := f.config(fs)
		switch {
		case tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)):
			t.Fatalf("%v: %v, want an error saying %q", tc.args, err, tc.wantErr)
		case tc.wantErr == "" && (err != nil || cfg.UnbondingPeriod != devnetUnbonding || cfg.Trusting() != tc.want):
			t.Fatalf("%v: unbonding %s trusting %s (%v), want %s and %s", tc.args, cfg.UnbondingPeriod, cfg.Trusting(), err, devnetUnbonding, tc.want)
		}
	}
}
