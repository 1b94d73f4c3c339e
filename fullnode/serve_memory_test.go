package fullnode_test

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"iter"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/libp2p/go-libp2p/core/network"
	"github.com/libp2p/go-libp2p/core/peer"

	"github.com/quadrant-da/quadrant/da"
	"github.com/quadrant-da/quadrant/da/headertest"
	"github.com/quadrant-da/quadrant/erasure"
	"github.com/quadrant-da/quadrant/fullnode"
	"github.com/quadrant-da/quadrant/internal/wait"
	"github.com/quadrant-da/quadrant/p2p"
)

// heapInUse returns the live heap after collections (two: finalizers run
// after the first).
func heapInUse() uint64 {
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}

// countingSquares counts the bulk responses the server started: those
// whose source call returned (a namespace-data one has computed every
// row's proof), so that what is left is writing them out.
type countingSquares struct {
	*fullnode.Store
	started *atomic.Int32
}

func (c countingSquares) OriginalRows(ctx context.Context, height uint64) (int, iter.Seq2[[]byte, error], error) {
	defer c.started.Add(1)
	return c.Store.OriginalRows(ctx, height)
}

func (c countingSquares) NamespaceRows(ctx context.Context, height uint64, ns da.Namespace) ([]p2p.NamespaceRowHead, iter.Seq2[[]byte, error], error) {
	defer c.started.Add(1)
	return c.Store.NamespaceRows(ctx, height, ns)
}

// oneNamespaceSquare returns the extension of a k×k square whose shares
// all belong to ns: its namespace data is the whole original square.
func oneNamespaceSquare(t testing.TB, k int, ns da.Namespace) *erasure.ExtendedSquare {
	t.Helper()
	orig := make([]byte, 0, k*k*da.ShareSize)
	for i := range k * k {
		var s da.Share
		copy(s[:], ns[:])
		s[da.NamespaceSize] = 1
		for j := da.NamespaceSize + 1; j < da.ShareSize; j++ {
			s[j] = byte(i + j)
		}
		orig = append(orig, s[:]...)
	}
	eds, err := erasure.Extend(orig, k)
	if err != nil {
		t.Fatal(err)
	}
	return eds
}

// bulkMemoryEnv makes TestBulkMemoryHelper run (in a child process).
const bulkMemoryEnv = "QUADRANT_BULK_MEMORY_HELPER"

// TestBulkRepliesHoldBoundedMemory: a peer that opens as many whole-square
// or namespace-data streams as it can (at k=64, with one namespace filling
// the square: 2 MiB of shares each) and never reads them pins little
// memory: a peer gets at most MaxBulkPerPeer of them at once (the others
// are reset), and each streams from the store one 32 KiB row at a time
// instead of holding the whole response; an honest peer is served
// meanwhile. The attack runs in a child process (TestBulkMemoryHelper) so
// that the heap it measures is its own, not that of the package's other
// tests still winding down.
func TestBulkRepliesHoldBoundedMemory(t *testing.T) {
	cmd := exec.Command(os.Args[0], "-test.run=^TestBulkMemoryHelper$", "-test.v")
	cmd.Env = append(os.Environ(), bulkMemoryEnv+"=1")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("helper: %v\n%s", err, out)
	}
	seen := 0
	for _, line := range strings.Split(string(out), "\n") {
		var proto string
		var answered, refused int
		var held int64
		if _, err := fmt.Sscanf(strings.TrimSpace(line), "RESULT %s %d %d %d", &proto, &answered, &refused, &held); err != nil {
			continue
		}
		seen++
		t.Logf("%s: %d stalled streams answered, %d refused; heap grew by %.2f MiB (one response is 2 MiB)",
			proto, answered, refused, float64(held)/(1<<20))
		if limit := p2p.DefaultServerConfig().MaxBulkPerPeer; answered > limit {
			t.Errorf("%s: %d stalled streams answered to one peer, limit %d", proto, answered, limit)
		}
		if limit := int64(4 << 20); held > limit { // four whole responses would be 8 MiB
			t.Errorf("%s: stalled responses hold %.1f MiB, want under %.0f MiB", proto, float64(held)/(1<<20), float64(limit)/(1<<20))
		}
	}
	if seen != 2 {
		t.Fatalf("helper reported %d results, want 2:\n%s", seen, out)
	}
}

// TestBulkMemoryHelper is not a test: run by
// TestBulkRepliesHoldBoundedMemory in a child process, it makes the attack
// on each bulk protocol and prints "RESULT <protocol> <answered>
// <refused> <heap growth in bytes>".
func TestBulkMemoryHelper(t *testing.T) {
	if os.Getenv(bulkMemoryEnv) == "" {
		t.Skip("helper process for TestBulkRepliesHoldBoundedMemory")
	}
	const id, k, attempts = "bulk-memory", 64, 32
	ns, err := da.NewNamespaceV0([]byte("bulk"))
	if err != nil {
		t.Fatal(err)
	}
	c := headertest.NewChain(id, 4, "bulk")
	eds := oneNamespaceSquare(t, k, ns)
	h, err := c.NextSquare(eds)
	if err != nil {
		t.Fatal(err)
	}
	var started atomic.Int32
	server := servingHost(t, id, []signedBlock{{hdr: h, eds: eds}}, func(s *fullnode.Store) p2p.SquareSource {
		return countingSquares{s, &started}
	})
	newPeer := func() *p2p.Host {
		p, err := p2p.NewHost(loopbackP2P(), t.TempDir(), discard, time.Now)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { p.Close() })
		if err := p.Connect(context.Background(), peer.AddrInfo{ID: server.ID(), Addrs: server.Addrs()}); err != nil {
			t.Fatal(err)
		}
		// Once identify told it the server's protocols, a stream's protocol
		// is negotiated with its first write: all requests go out before
		// any response can fill the connection's flow-control window.
		wait.For(t, 40*time.Second, "identify", func() bool {
			ok, _ := p.Peerstore().SupportsProtocols(server.ID(), p2p.ProtocolID(id, p2p.ProtoSquare))
			return len(ok) == 1
		})
		return p
	}
	honest := newPeer()
	cl, err := p2p.NewClient(p2p.DefaultClientConfig(), p2p.ClientOptions{Host: honest, ChainID: id, Scores: honest.Scores})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		proto  string
		req    []byte
		honest func(ctx context.Context) error
	}{
		{p2p.ProtoSquare, p2p.SquareRequest{Height: 1}.Marshal(), func(ctx context.Context) error {
			_, _, err := cl.Square(ctx, server.ID(), h.Light())
			return err
		}},
		{p2p.ProtoNamespace, p2p.NamespaceRequest{Height: 1, Namespace: ns}.Marshal(), func(ctx context.Context) error {
			d, err := cl.NamespaceData(ctx, server.ID(), h, ns)
			if err == nil && len(d.Rows) != k {
				err = fmt.Errorf("%d rows of namespace data, want %d", len(d.Rows), k)
			}
			return err
		}},
	} {
		t.Run(tc.proto, func(t *testing.T) {
			attacker := newPeer()
			honestRequest := func() {
				t.Helper()
				ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
				defer cancel()
				if err := tc.honest(ctx); err != nil {
					t.Fatalf("honest peer refused: %v", err)
				}
			}
			honestRequest() // warms the store's and the transports' buffers
			started.Store(0)

			base := heapInUse()
			req := append(binary.BigEndian.AppendUint32(nil, uint32(len(tc.req))), tc.req...)
			var reset atomic.Int32
			for range attempts {
				st, err := attacker.NewStream(context.Background(), server.ID(), p2p.ProtocolID(id, tc.proto))
				if err != nil {
					t.Fatal(err)
				}
				defer st.Reset()
				if _, err := st.Write(req); err != nil {
					t.Fatal(err)
				}
				_ = st.CloseWrite()
				go func() {
					var b [1]byte
					if _, err := st.Read(b[:]); errors.Is(err, network.ErrReset) {
						reset.Add(1)
					}
				}()
			}
			// Every request is either being answered (the source was asked)
			// or was refused (its stream reset).
			wait.For(t, 80*time.Second, "every stalled request answered or refused", func() bool {
				return int(started.Load()+reset.Load()) == attempts
			})
			held := int64(heapInUse()) - int64(base)
			runtime.KeepAlive(eds) // live through both measurements
			fmt.Printf("RESULT %s %d %d %d\n", tc.proto, started.Load(), reset.Load(), held)
			honestRequest() // during the attack
		})
	}
}
