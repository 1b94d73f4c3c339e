package fullnode_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"testing"
	"time"

	cmthttp "github.com/cometbft/cometbft/rpc/client/http"
	coretypes "github.com/cometbft/cometbft/rpc/core/types"
	"google.golang.org/grpc"

	"github.com/quadrant-da/quadrant/fullnode"
	"github.com/quadrant-da/quadrant/internal/wait"
	"github.com/quadrant-da/quadrant/validator/validatortest"
)

// jsonWithoutBlocks is the bridge's JSON RPC client with Block refused, so
// a bridge that stores blocks with it must have fetched them over gRPC.
type jsonWithoutBlocks struct{ fullnode.CoreClient }

func (jsonWithoutBlocks) Block(context.Context, *int64) (*coretypes.ResultBlock, error) {
	return nil, errors.New("test: Block over JSON RPC")
}

// withGRPC gives the chain's validator a gRPC server on a free port and
// returns its host:port.
func (c *chain) withGRPC(t testing.TB) string {
	t.Helper()
	addr := fmt.Sprintf("127.0.0.1:%d", validatortest.FreePort(t))
	c.cfg.RPC.GRPCListenAddress = "tcp://" + addr
	return addr
}

// TestBridgeOverCoreGRPC: a bridge fetching blocks over the consensus
// node's gRPC block service stores the same headers and extended squares,
// byte for byte, as a bridge fetching them over JSON RPC.
func TestBridgeOverCoreGRPC(t *testing.T) {
	if testing.Short() {
		t.Skip("runs a chain and two bridges")
	}
	c := newChain(t, 150*time.Millisecond)
	grpcAddr := c.withGRPC(t)
	c.start(t)
	// Start-up, submissions and their inclusion (a 5 MB blob, under the
	// race detector on a possibly busy 2-core machine) share one bound.
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()

	jsonBridge := startNode(t, t.TempDir(), bridgeConfig(c.rpcURL()), "bridge-json")

	home := t.TempDir()
	cfg := bridgeConfig(c.rpcURL())
	cfg.Bridge.CoreGRPC = grpcAddr
	httpc, err := cmthttp.New(c.rpcURL(), "/websocket")
	if err != nil {
		t.Fatal(err)
	}
	grpcBridge, err := fullnode.New(cfg, fullnode.Options{Home: home, Logger: fileLogger(t, home, "bridge-grpc"), Core: jsonWithoutBlocks{httpc}})
	if err != nil {
		t.Fatal(err)
	}
	if err := grpcBridge.Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := grpcBridge.Close(); err != nil {
			t.Errorf("stop gRPC bridge: %v", err)
		}
	})

	heights := submitSizes(t, ctx, c, []int{100, 60_000, 700_000, 5_000_000})
	top := uint64(0)
	for _, h := range heights {
		top = max(top, uint64(h)+1)
	}
	wait.For(t, 3*time.Minute, "both bridges to store the blobs' heights", func() bool {
		return jsonBridge.Store().HeadHeight() >= top && grpcBridge.Store().HeadHeight() >= top
	})
	// The submissions' bound is partly spent: the comparison gets its own.
	ctx, cancel = context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	maxK := sameStores(t, ctx, jsonBridge, grpcBridge, top)
	t.Logf("compared heights 1..%d (blobs at %v), largest k=%d", top, heights, maxK)
	if maxK < 64 {
		t.Fatalf("largest square k=%d: the blobs did not make a large square", maxK)
	}
}

// TestBridgeCoreGRPCUnreachable: a bridge whose core_grpc does not answer
// (no gRPC server on the consensus node, or one still starting) keeps
// retrying with an error that names it, and ingests nothing.
func TestBridgeCoreGRPCUnreachable(t *testing.T) {
	if testing.Short() {
		t.Skip("runs a chain")
	}
	c := newChain(t, 150*time.Millisecond)
	c.start(t)
	cfg := bridgeConfig(c.rpcURL())
	cfg.Bridge.CoreGRPC = fmt.Sprintf("127.0.0.1:%d", validatortest.FreePort(t))
	n := startNode(t, t.TempDir(), cfg, "bridge")
	want := "fullnode: core gRPC " + cfg.Bridge.CoreGRPC + ": core API unreachable"
	wait.For(t, 80*time.Second, "the bridge to report the unreachable block service", func() bool {
		return strings.Contains(n.Status().LastError, want)
	})
	if st := n.Status(); st.Halted || n.Store().HeadHeight() != 0 {
		t.Fatalf("bridge without its block service: halted %v (%s), head %d", st.Halted, st.Alert, n.Store().HeadHeight())
	}
}

// TestBridgeCoreGRPCWithoutBlockService: a bridge whose core_grpc is a
// gRPC server without Quadrant's core API halts with a config alert.
func TestBridgeCoreGRPCWithoutBlockService(t *testing.T) {
	if testing.Short() {
		t.Skip("runs a chain")
	}
	c := newChain(t, 150*time.Millisecond)
	c.start(t)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := grpc.NewServer()
	go func() { _ = srv.Serve(l) }()
	t.Cleanup(srv.Stop)
	cfg := bridgeConfig(c.rpcURL())
	cfg.Bridge.CoreGRPC = l.Addr().String()
	n := startNode(t, t.TempDir(), cfg, "bridge")
	wait.For(t, 80*time.Second, "the bridge to halt", func() bool { return n.Status().Halted })
	want := "config: " + fullnode.ErrConfig.Error() + ": core gRPC " + cfg.Bridge.CoreGRPC + ": no Quadrant core API there"
	if st := n.Status(); !strings.HasPrefix(st.Alert, want) || n.Store().HeadHeight() != 0 {
		t.Fatalf("alert %q (want prefix %q), head %d", st.Alert, want, n.Store().HeadHeight())
	}
}
