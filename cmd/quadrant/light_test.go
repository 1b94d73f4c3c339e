package main

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/spf13/pflag"

	"github.com/quadrant-da/quadrant/lightnode"
)

func TestLightFlagsConfig(t *testing.T) {
	home := t.TempDir()
	hash := strings.Repeat("0a", 32)
	parse := func(args ...string) (lightnode.Config, bool, error) {
		var f lightFlags
		fs := pflag.NewFlagSet("light", pflag.ContinueOnError)
		f.register(fs)
		if err := fs.Parse(append([]string{"--home", home}, args...)); err != nil {
			t.Fatal(err)
		}
		return f.config(fs)
	}
	if _, _, err := parse("--chain-id", "c1"); err == nil || !strings.Contains(err.Error(), "trusted") {
		t.Fatalf("no trusted height/hash accepted: %v", err)
	}
	cfg, existed, err := parse("--chain-id", "c1", "--trusted-height", "7", "--trusted-hash", hash, "--confidence", "0.999", "--rpc-addr", "127.0.0.1:26668")
	if err != nil || existed {
		t.Fatal(err, existed)
	}
	if cfg.TrustedHeight != 7 || cfg.TrustedHash != hash || cfg.Confidence != 0.999 || cfg.RPC.ListenAddr != "127.0.0.1:26668" || cfg.Sampling.Window != 30*24*time.Hour {
		t.Fatalf("config %+v", cfg)
	}
	if err := lightnode.WriteConfig(cfg); err != nil {
		t.Fatal(err)
	}
	again, existed, err := parse("--samples", "24")
	if err != nil || !existed || again.TrustedHeight != 7 || again.Samples != 24 || again.Confidence != 0.999 {
		t.Fatalf("second run: %+v %v %v", again, existed, err)
	}
}

func TestTrustedHashFromRPC(t *testing.T) {
	calls := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls++
		if r.URL.Path != "/commit" || r.URL.Query().Get("height") != "5" {
			http.Error(w, "bad", 400)
			return
		}
		if calls < 2 { // the height does not exist yet
			w.Write([]byte(`{"jsonrpc":"2.0","id":-1,"error":{"code":-32603,"message":"height 5 must be less than or equal to the current blockchain height 1"}}`))
			return
		}
		w.Write([]byte(`{"jsonrpc":"2.0","id":-1,"result":{"signed_header":{"commit":{"block_id":{"hash":"` + strings.Repeat("AB", 32) + `"}}}}}`))
	}))
	defer srv.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	h, err := trustedHashFromRPC(ctx, srv.URL, 5)
	if err != nil || h != strings.Repeat("ab", 32) || calls != 2 {
		t.Fatalf("hash %q, err %v, calls %d", h, err, calls)
	}
	short, cancel2 := context.WithTimeout(context.Background(), 700*time.Millisecond)
	defer cancel2()
	if _, err := trustedHashFromRPC(short, srv.URL, 6); err == nil {
		t.Fatal("a height the RPC refuses gave a hash")
	}
}
