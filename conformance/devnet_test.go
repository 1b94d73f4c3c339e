package conformance

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/quadrant-da/quadrant/internal/wait"
)

// The devnet contract these tests drive (what `quadrant devnet` must offer
// once the rollup adapter is wired in; see /work/notes/H.md):
//
//	--adapter-rpc ADDR  Celestia-style + go-da JSON-RPC (HTTP and WebSocket)
//	--altda ADDR        OP Stack Alt-DA HTTP server
//	--dac ADDR          Polygon CDK DAC member JSON-RPC
//	<home>/tokens/{read,write,admin}   JWT tokens for --adapter-rpc
//	<home>/dac/sequencer.key           hex secp256k1 key of the trusted sequencer
//	<home>/dac/member.address          0x address of the DAC member key
const adapterFlag = "--adapter-rpc"

type devnet struct {
	home                string
	rpcAddr, altda, dac string
	lightRPC            string // the light node's JSON-RPC (base port + 12)
	chainID             string
	cmd                 *exec.Cmd
	skip                string // why the tests cannot run yet
	err                 error
}

var dn devnet

func freeAddr() string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// freeBase finds a base port with the 40 ports above it free.
func freeBase() int {
	for p := 30000 + os.Getpid()%2000*10; p < 60000; p += 97 {
		ok := true
		for i := 0; i < 40 && ok; i++ {
			l, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", p+i))
			if err != nil {
				ok = false
				continue
			}
			l.Close()
		}
		if ok {
			return p
		}
	}
	panic("no free port range")
}

func TestMain(m *testing.M) {
	tmp, err := os.MkdirTemp("", "quadrant-conformance-")
	if err != nil {
		panic(err)
	}
	code := func() int {
		bin := filepath.Join(tmp, "quadrant")
		build := exec.Command("go", "build", "-o", bin, "./cmd/quadrant")
		build.Dir = ".."
		build.Env = append(os.Environ(), "GOWORK=off")
		if out, err := build.CombinedOutput(); err != nil {
			dn.err = fmt.Errorf("building quadrant: %v\n%s", err, out)
			return m.Run()
		}
		help, err := exec.Command(bin, "devnet", "--help").CombinedOutput()
		if err != nil {
			dn.err = fmt.Errorf("quadrant devnet --help: %v\n%s", err, help)
			return m.Run()
		}
		if !bytes.Contains(help, []byte(adapterFlag)) {
			dn.skip = "quadrant devnet does not start the rollup adapter yet (no " + adapterFlag + " flag); wire it as /work/notes/H.md describes"
			return m.Run()
		}
		dn.home = filepath.Join(tmp, "devnet")
		dn.rpcAddr, dn.altda, dn.dac = freeAddr(), freeAddr(), freeAddr()
		dn.chainID = "conformance"
		base := freeBase()
		dn.lightRPC = fmt.Sprintf("127.0.0.1:%d", base+12)
		logf, _ := os.Create(filepath.Join(tmp, "devnet.log"))
		dn.cmd = exec.Command(bin, "devnet", "--home", dn.home, "--reset", "--chain-id", dn.chainID,
			"--validators", "1", "--block-time", "300ms", "--base-port", fmt.Sprint(base),
			adapterFlag, dn.rpcAddr, "--altda", dn.altda, "--dac", dn.dac)
		dn.cmd.Stdout, dn.cmd.Stderr = logf, logf
		if err := dn.cmd.Start(); err != nil {
			dn.err = err
			return m.Run()
		}
		defer func() {
			dn.cmd.Process.Signal(syscall.SIGINT)
			done := make(chan struct{})
			go func() { dn.cmd.Wait(); close(done) }()
			select {
			case <-done:
			case <-time.After(30 * time.Second):
				dn.cmd.Process.Kill()
				<-done
			}
		}()
		if err := waitHealthy(2*time.Minute, "http://"+dn.rpcAddr+"/health", "http://"+dn.altda+"/health"); err != nil {
			log, _ := os.ReadFile(filepath.Join(tmp, "devnet.log"))
			dn.err = fmt.Errorf("devnet did not become healthy: %v\n%s", err, log)
		}
		return m.Run()
	}()
	os.RemoveAll(tmp)
	os.Exit(code)
}

func waitHealthy(within time.Duration, urls ...string) error {
	deadline := time.Now().Add(within)
	for _, u := range urls {
		if err := wait.Until(time.Until(deadline), u+" healthy", func() (bool, error) {
			resp, err := http.Get(u)
			if err != nil {
				return false, err
			}
			resp.Body.Close()
			if resp.StatusCode != 200 {
				return false, fmt.Errorf("%s: %s", u, resp.Status)
			}
			return true, nil
		}); err != nil {
			return err
		}
	}
	return nil
}

// need returns the running devnet or ends the test: skipped (with the
// reason) only while the binary has no adapter flag, failed on any other
// problem.
func need(t *testing.T) *devnet {
	t.Helper()
	if dn.err != nil {
		t.Fatal(dn.err)
	}
	if dn.skip != "" {
		t.Skip(dn.skip)
	}
	return &dn
}

func (d *devnet) token(t *testing.T, level string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(d.home, "tokens", level))
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(string(b))
}

func (d *devnet) file(t *testing.T, rel string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(d.home, rel))
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(string(b))
}

func ctxFor(t *testing.T, d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}
