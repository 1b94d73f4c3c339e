package main

import (
	"context"
	"log/slog"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// TestStartAdapterFailureReturnsError: an adapter that cannot start (here:
// the consensus RPC refuses connections) is an error for the caller, not a
// panic from undoing a half-started adapter through a nil stop function.
func TestStartAdapterFailureReturnsError(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close() // nothing listens there now
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	stop, _, err := startAdapter(ctx, nil, "http://"+addr, "", slog.New(slog.DiscardHandler),
		prometheus.NewRegistry(), t.TempDir(), adapterFlags{rpcAddr: "127.0.0.1:0"})
	if err == nil {
		stop()
		t.Fatal("startAdapter succeeded against a consensus RPC that is not there")
	}
	if !strings.Contains(err.Error(), "params") && !strings.Contains(err.Error(), addr) {
		t.Fatalf("error does not say what failed: %v", err)
	}
}
