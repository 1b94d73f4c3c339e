package lightnode_test

import (
	"context"
	"encoding/hex"
	"errors"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/quadrant-da/quadrant/da/headertest"
	"github.com/quadrant-da/quadrant/internal/wait"
	"github.com/quadrant-da/quadrant/lightnode"
)

func TestConfigValidateAndTOML(t *testing.T) {
	cfg := lightnode.DefaultConfig()
	if err := cfg.Validate(); !errors.Is(err, lightnode.ErrConfig) {
		t.Fatalf("default config without chain/home/trust validated: %v", err)
	}
	cfg.ChainID, cfg.Home, cfg.TrustedHeight = "c", t.TempDir(), 5
	cfg.TrustedHash = strings.Repeat("ab", 32)
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	if cfg.Sampling.Window != 30*24*time.Hour || cfg.Samples != 16 {
		t.Fatalf("defaults: window %s samples %d", cfg.Sampling.Window, cfg.Samples)
	}
	for _, bad := range []func(*lightnode.Config){
		func(c *lightnode.Config) { c.TrustedHash = "xyz" },
		func(c *lightnode.Config) { c.TrustedHeight = 0 },
		func(c *lightnode.Config) { c.Samples = 0 },
		func(c *lightnode.Config) { c.Confidence = 1 },
		func(c *lightnode.Config) { c.ChainID = "a/b" },
		func(c *lightnode.Config) { c.RPC.ListenAddr = "nope" },
	} {
		c := cfg
		bad(&c)
		if err := c.Validate(); !errors.Is(err, lightnode.ErrConfig) {
			t.Fatalf("bad config accepted: %+v", c)
		}
	}
	// The trusting period derives from the unbonding period and must be
	// shorter than it.
	if cfg.UnbondingPeriod != 21*24*time.Hour || cfg.Trusting() != 14*24*time.Hour {
		t.Fatalf("defaults: unbonding %s trusting %s, want 21 and 14 days", cfg.UnbondingPeriod, cfg.Trusting())
	}
	c := cfg
	c.UnbondingPeriod = 300 * time.Second
	if err := c.Validate(); err != nil || c.Trusting() != 200*time.Second {
		t.Fatalf("unbonding 300 s: trusting %s, %v; want 200 s", c.Trusting(), err)
	}
	for _, tp := range []time.Duration{300 * time.Second, time.Hour} {
		c.TrustingPeriod = tp
		if err := c.Validate(); !errors.Is(err, lightnode.ErrConfig) || !strings.Contains(err.Error(), "is not shorter than the unbonding period 5m0s") {
			t.Fatalf("trusting %s with unbonding 5m: %v, want a refusal naming the unbonding period", tp, err)
		}
	}
	c.TrustingPeriod = 199 * time.Second
	if err := c.Validate(); err != nil {
		t.Fatalf("trusting 199 s, unbonding 300 s: %v", err)
	}
	c = cfg
	c.Confidence = 0.999
	if s, err := c.SamplesFor(128); err != nil || s < 20 || s > 26 {
		t.Fatalf("SamplesFor(128) at 0.999 = %d, %v", s, err)
	}
	if err := lightnode.WriteConfig(cfg); err != nil {
		t.Fatal(err)
	}
	got, err := lightnode.LoadConfig(cfg.Home)
	if err != nil {
		t.Fatal(err)
	}
	if got.TrustedHash != cfg.TrustedHash || got.TrustingPeriod != cfg.TrustingPeriod || got.Sampling != cfg.Sampling {
		t.Fatalf("round trip: %+v", got)
	}
}

// TestTrust: a wrong trusted hash is refused; a node whose newest header is
// older than the trusting period refuses to start and asks for a new
// trusted hash.
func TestTrust(t *testing.T) {
	const id = "trust-test"
	_, blocks := chain(t, id, 3, 2)
	f, _ := serve(t, id, blocks)

	cfg := lightConfig(t.TempDir(), id, blocks[0].hdr, f)
	cfg.TrustedHash = hex.EncodeToString(blocks[1].hdr.Hash())
	n, err := lightnode.New(cfg, lightnode.Options{Logger: discard, Now: testClock})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if err := n.Start(ctx); !errors.Is(err, lightnode.ErrTrust) {
		t.Fatalf("wrong trusted hash: Start = %v, want ErrTrust", err)
	}
	n.Close()

	cfg = lightConfig(t.TempDir(), id, blocks[0].hdr, f)
	late := func() time.Time { return headertest.Genesis().Add(15 * 24 * time.Hour) }
	n, err = lightnode.New(cfg, lightnode.Options{Logger: discard, Now: late})
	if err != nil {
		t.Fatal(err)
	}
	ctx2, cancel2 := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel2()
	err = n.Start(ctx2)
	if !errors.Is(err, lightnode.ErrTrustExpired) || !strings.Contains(err.Error(), "--trusted-hash") {
		t.Fatalf("expired trust: Start = %v", err)
	}
	n.Close()
}

// TestTrustedHashBelowAnchor: restarted with a trusted height below the
// stored anchor, whose header it never held, the node cannot check the
// configured hash: it follows the stored chain and says so in a warning
// instead of ignoring the setting silently; a stored height with another
// hash is still refused.
func TestTrustedHashBelowAnchor(t *testing.T) {
	const id = "trust-below-test"
	_, blocks := chain(t, id, 4, 2)
	f, _ := serve(t, id, blocks)
	home := t.TempDir()
	n := startLight(t, lightConfig(home, id, blocks[2].hdr, f))
	wait.For(t, 40*time.Second, "synced to 4", func() bool { return n.LocalHead().Height() == 4 })
	if err := n.Close(); err != nil {
		t.Fatal(err)
	}

	var logs logBuffer
	n, err := lightnode.New(lightConfig(home, id, blocks[0].hdr, f), lightnode.Options{Logger: slog.New(slog.NewTextHandler(&logs, nil)), Now: testClock})
	if err != nil {
		t.Fatal(err)
	}
	startNode(t, n)
	if n.LocalHead().Height() != 4 {
		t.Fatalf("local head %d, want the stored 4", n.LocalHead().Height())
	}
	if !strings.Contains(logs.String(), "level=WARN") || !strings.Contains(logs.String(), "below the stored trust anchor") {
		t.Fatalf("no warning about the unchecked trusted hash:\n%s", logs.String())
	}
	if err := n.Close(); err != nil {
		t.Fatal(err)
	}

	cfg := lightConfig(home, id, blocks[3].hdr, f)
	cfg.TrustedHash = hex.EncodeToString(blocks[2].hdr.Hash())
	wrong, err := lightnode.New(cfg, lightnode.Options{Logger: discard, Now: testClock})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := wrong.Start(ctx); !errors.Is(err, lightnode.ErrTrust) {
		t.Fatalf("stored height with another hash: Start = %v, want ErrTrust", err)
	}
	wrong.Close()
}
