package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
	"time"

	rpchttp "github.com/cometbft/cometbft/rpc/client/http"

	"github.com/quadrant-da/quadrant/blobs"
	"github.com/quadrant-da/quadrant/chain"
	"github.com/quadrant-da/quadrant/coreapi"
	"github.com/quadrant-da/quadrant/da"
	"github.com/quadrant-da/quadrant/erasure"
	"github.com/quadrant-da/quadrant/internal/wait"
)

// binary is the quadrant binary built once for the whole test run.
var binary string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "quadrant-bin-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binary = filepath.Join(dir, "quadrant")
	build := exec.Command("go", "build", "-o", binary, ".")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "building quadrant:", err)
		os.RemoveAll(dir)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// testBlockTime is the block time of every test network.
const testBlockTime = 150 * time.Millisecond

// startDeadline bounds each wait for a network to reach a state (a height,
// a synced node, a listening port). It is an upper bound, not a measurement:
// passing tests return as soon as the state is reached, and on a 2-core
// machine busy with parallel builds a node's first blocks can take tens of
// seconds.
const startDeadline = 3 * time.Minute

// pickBasePort returns a base port for a devnet of n slots (validators and
// the bridge) whose ports (base+10i+{0,1,2,3,5}, and the light node's base+12)
// were all free a moment ago.
func pickBasePort(t *testing.T, n int) int {
	t.Helper()
	for range 50 {
		base := 20000 + 10*rand.IntN(3000)
		ports := map[int]bool{base + 12: true}
		for i := range n {
			for _, d := range []int{0, 1, 2, 3, 5} {
				ports[base+10*i+d] = true
			}
		}
		var ls []net.Listener
		ok := true
		for p := range ports {
			l, err := net.Listen("tcp", "127.0.0.1:"+strconv.Itoa(p))
			if err != nil {
				ok = false
				break
			}
			ls = append(ls, l)
		}
		for _, l := range ls {
			l.Close()
		}
		if ok {
			return base
		}
	}
	t.Fatal("no free port range found")
	return 0
}

// runCLI runs the quadrant binary and returns its stdout; a non-zero exit is
// a test failure that shows stderr.
func runCLI(t *testing.T, args ...string) []byte {
	t.Helper()
	out, err := runCLIErr(args...)
	if err != nil {
		t.Fatalf("quadrant %v: %v", args, err)
	}
	return out
}

func runCLIErr(args ...string) ([]byte, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, binary, args...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return stdout.Bytes(), fmt.Errorf("%w: %s", err, stderr.String())
	}
	return stdout.Bytes(), nil
}

// testNet is a devnet created with `quadrant devnet --init-only` whose
// validators the test starts and stops itself.
type testNet struct {
	t     *testing.T
	home  string
	m     *devnetManifest
	procs []*proc
}

func newTestNet(t *testing.T, validators int) *testNet {
	t.Helper()
	home := t.TempDir()
	base := pickBasePort(t, validators)
	runCLI(t, "devnet", "--init-only", "--home", home, "--validators", strconv.Itoa(validators),
		"--block-time", testBlockTime.String(), "--base-port", strconv.Itoa(base))
	m, err := loadManifest(home)
	if err != nil {
		t.Fatal(err)
	}
	return &testNet{t: t, home: home, m: m, procs: make([]*proc, validators)}
}

// start starts validator i with extra flags.
func (n *testNet) start(i int, extra ...string) {
	n.t.Helper()
	args := append([]string{"validator", "--home", n.m.Validators[i].Home}, extra...)
	n.procs[i] = startProc(n.t, n.m.Validators[i].Log, args...)
}

func (n *testNet) startAll() {
	for i := range n.m.Validators {
		n.start(i)
	}
}

func (n *testNet) client(i int) *rpchttp.HTTP {
	n.t.Helper()
	c, err := rpchttp.New(n.m.Validators[i].RPC, "/websocket")
	if err != nil {
		n.t.Fatal(err)
	}
	return c
}

// coreAPI dials a validator's core API at addr (host:port), closed when the
// test ends.
func coreAPI(t testing.TB, addr string) *coreapi.Client {
	t.Helper()
	c, err := coreapi.Dial(addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// proc is a child process of the test.
type proc struct {
	cmd  *exec.Cmd
	done chan struct{}
	err  error
}

func startProc(t *testing.T, logPath string, args ...string) *proc {
	t.Helper()
	logf, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	p := &proc{cmd: exec.Command(binary, args...), done: make(chan struct{})}
	p.cmd.Stdout, p.cmd.Stderr = logf, logf
	if err := p.cmd.Start(); err != nil {
		logf.Close()
		t.Fatal(err)
	}
	go func() {
		p.err = p.cmd.Wait()
		logf.Close()
		close(p.done)
	}()
	t.Cleanup(func() {
		_ = p.cmd.Process.Kill()
		<-p.done
	})
	return p
}

// stop sends sig and waits up to d for the process to exit.
func (p *proc) stop(t *testing.T, sig syscall.Signal, d time.Duration) error {
	t.Helper()
	_ = p.cmd.Process.Signal(sig)
	select {
	case <-p.done:
		return p.err
	case <-time.After(d):
		t.Fatalf("process %v did not exit within %v of %v", p.cmd.Args, d, sig)
		return nil
	}
}

func height(c *rpchttp.HTTP) int64 {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	st, err := c.Status(ctx)
	if err != nil {
		return -1
	}
	return st.SyncInfo.LatestBlockHeight
}

func waitHeight(t *testing.T, c *rpchttp.HTTP, h int64, within time.Duration) {
	t.Helper()
	wait.For(t, within, fmt.Sprintf("height %d at %s", h, c.Remote()), func() bool { return height(c) >= h })
}

// blockID returns the block hash and app hash a node reports for height h.
func blockID(t *testing.T, c *rpchttp.HTTP, h int64) (hash, appHash string) {
	t.Helper()
	b, err := c.Block(context.Background(), &h)
	if err != nil {
		t.Fatalf("block %d from %s: %v", h, c.Remote(), err)
	}
	return b.BlockID.Hash.String(), b.Block.AppHash.String()
}

// checkAgreement checks that every client reports the same block hash and
// app hash at each height in [1, upTo].
func checkAgreement(t *testing.T, clients []*rpchttp.HTTP, upTo int64) {
	t.Helper()
	for h := int64(1); h <= upTo; h++ {
		want, wantApp := blockID(t, clients[0], h)
		for _, c := range clients[1:] {
			got, gotApp := blockID(t, c, h)
			if got != want || gotApp != wantApp {
				t.Fatalf("height %d: %s has block %s app %s, %s has %s app %s", h, clients[0].Remote(), want, wantApp, c.Remote(), got, gotApp)
			}
		}
	}
}

// checkDataRoots checks that every block in [1, upTo] ends with exactly one
// data-root transaction whose data root and square size equal those
// recomputed from the block's other transactions (square construction,
// extension and DA header computed here, independently of the app).
func checkDataRoots(t *testing.T, c *rpchttp.HTTP, upTo int64, maxSquare int) {
	t.Helper()
	for h := int64(1); h <= upTo; h++ {
		b, err := c.Block(context.Background(), &h)
		if err != nil {
			t.Fatal(err)
		}
		txs := b.Block.Txs
		if len(txs) == 0 || !blobs.IsDataRootTx(txs[len(txs)-1]) {
			t.Fatalf("block %d: last tx is not a data-root tx (%d txs)", h, len(txs))
		}
		drt, err := blobs.DecodeDataRootTx(txs[len(txs)-1])
		if err != nil {
			t.Fatalf("block %d: %v", h, err)
		}
		rest := make([][]byte, len(txs)-1)
		for i := range rest {
			if blobs.IsDataRootTx(txs[i]) {
				t.Fatalf("block %d: tx %d is a second data-root tx", h, i)
			}
			rest[i] = txs[i]
		}
		sq, err := blobs.Construct(rest, maxSquare)
		if err != nil {
			t.Fatalf("block %d: constructing square: %v", h, err)
		}
		if len(sq) == 0 {
			sq = blobs.EmptySquare()
		}
		k := sq.Size()
		buf := make([]byte, 0, len(sq)*da.ShareSize)
		for i := range sq {
			buf = append(buf, sq[i][:]...)
		}
		eds, err := erasure.Extend(buf, k)
		if err != nil {
			t.Fatal(err)
		}
		dah, err := da.ComputeDAHeader(eds)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(dah.Hash(), drt.DataRoot) || drt.SquareSize != uint64(k) {
			t.Fatalf("block %d: data-root tx says %X (k=%d), recomputed %X (k=%d)", h, drt.DataRoot, drt.SquareSize, dah.Hash(), k)
		}
	}
}

// getBlobsCLI runs `quadrant blob get` against node and decodes its JSON.
func getBlobsCLI(t *testing.T, node string, h int64, ns string) []blobOut {
	t.Helper()
	out := runCLI(t, "blob", "get", "--node", node, "--height", strconv.FormatInt(h, 10), "--namespace", ns, "-o", "json")
	var bs []blobOut
	if err := json.Unmarshal(out, &bs); err != nil {
		t.Fatalf("blob get output %q: %v", out, err)
	}
	return bs
}

// accountBalance reads a balance through the CLI.
func accountBalance(t *testing.T, node, addr string) chain.AccountInfo {
	t.Helper()
	var info chain.AccountInfo
	out := runCLI(t, "account", "balance", addr, "--node", node, "-o", "json")
	if err := json.Unmarshal(out, &info); err != nil {
		t.Fatalf("account balance output %q: %v", out, err)
	}
	return info
}
