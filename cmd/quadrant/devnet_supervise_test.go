package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	rpchttp "github.com/cometbft/cometbft/rpc/client/http"
	"github.com/quadrant-da/quadrant/internal/wait"
)

// TestRestartPolicy: the backoff doubles with each recent death up to the
// maximum, deaths older than the window are forgotten, and the policy
// gives up at the GiveUpAt-th death inside the window.
func TestRestartPolicy(t *testing.T) {
	p := restartPolicy{Min: time.Second, Max: 3 * time.Second, Window: time.Minute, GiveUpAt: 4}
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	var deaths []time.Time
	for i, want := range []time.Duration{time.Second, 2 * time.Second, 3 * time.Second} {
		var wait time.Duration
		var giveUp bool
		deaths, wait, giveUp = p.next(deaths, t0.Add(time.Duration(i)*time.Second))
		if wait != want || giveUp {
			t.Fatalf("death %d: wait %s give up %v, want %s and no", i+1, wait, giveUp, want)
		}
	}
	if _, _, giveUp := p.next(deaths, t0.Add(10*time.Second)); !giveUp {
		t.Fatal("the 4th death within a minute does not give up")
	}
	// Two minutes later the old deaths no longer count.
	kept, wait, giveUp := p.next(deaths, t0.Add(2*time.Minute))
	if len(kept) != 1 || wait != time.Second || giveUp {
		t.Fatalf("after the window: %d deaths kept, wait %s, give up %v", len(kept), wait, giveUp)
	}
}

// childPID returns the pid of the child of parent whose command line
// contains every one of want (Linux /proc), or 0.
func childPID(parent int, want ...string) int {
	tasks, _ := filepath.Glob(fmt.Sprintf("/proc/%d/task/*/children", parent))
	for _, f := range tasks {
		b, _ := os.ReadFile(f)
		for _, s := range strings.Fields(string(b)) {
			pid, _ := strconv.Atoi(s)
			cl, _ := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
			line := strings.ReplaceAll(string(cl), "\x00", " ")
			ok := true
			for _, w := range want {
				ok = ok && strings.Contains(line, w)
			}
			if ok {
				return pid
			}
		}
	}
	return 0
}

// TestDevnetSurvivesKilledNodes: while blobs are being submitted, the
// bridge and validator 1 of a running `quadrant devnet` are SIGKILLed.
// The devnet reports both deaths and restarts them while the rest keeps
// running; the chain and the light node move on, every node is ok again,
// and every blob whose submission was acknowledged is still readable from
// both validators.
func TestDevnetSurvivesKilledNodes(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("finds the devnet's children through /proc")
	}
	home, outDir := t.TempDir(), t.TempDir()
	base := pickBasePort(t, 2)
	outPath := filepath.Join(outDir, "devnet.out")
	p := startProc(t, outPath, "devnet", "--home", home, "--validators", "2",
		"--block-time", testBlockTime.String(), "--base-port", fmt.Sprint(base))
	var m *devnetManifest
	wait.For(t, startDeadline, "devnet manifest", func() bool {
		var err error
		m, err = loadManifest(home)
		return err == nil
	})
	clients := make([]*rpchttp.HTTP, len(m.Validators))
	for i, v := range m.Validators {
		clients[i], _ = rpchttp.New(v.RPC, "/websocket")
		waitHeight(t, clients[i], 3, startDeadline)
	}

	load := startBlobLoad(home, m.Validators[0].RPC)
	t.Cleanup(load.stop)
	wait.For(t, startDeadline, "a first acknowledged blob", func() bool { return load.count() >= 1 })

	bridgePID := childPID(p.cmd.Process.Pid, "full", filepath.Join(home, "bridge"))
	valPID := childPID(p.cmd.Process.Pid, "validator", m.Validators[1].Home)
	if bridgePID == 0 || valPID == 0 {
		t.Fatalf("bridge pid %d, validator-1 pid %d: not found among the devnet's children", bridgePID, valPID)
	}
	killedAt := height(clients[0])
	for _, pid := range []int{bridgePID, valPID} {
		if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
	}
	t.Logf("killed the bridge (pid %d) and validator-1 (pid %d) at height %d", bridgePID, valPID, killedAt)
	wait.For(t, time.Minute, "both deaths reported and both nodes restarted", func() bool {
		b, _ := os.ReadFile(outPath)
		s := string(b)
		return strings.Contains(s, "bridge exited unexpectedly") && strings.Contains(s, "validator-1 exited unexpectedly") &&
			strings.Contains(s, "bridge restarted") && strings.Contains(s, "validator-1 restarted")
	})
	if nb, nv := childPID(p.cmd.Process.Pid, "full", filepath.Join(home, "bridge")), childPID(p.cmd.Process.Pid, "validator", m.Validators[1].Home); nb == 0 || nv == 0 || nb == bridgePID || nv == valPID {
		t.Fatalf("after the restarts: bridge pid %d (was %d), validator-1 pid %d (was %d)", nb, bridgePID, nv, valPID)
	}
	before := load.count()
	for _, c := range clients {
		waitHeight(t, c, killedAt+10, startDeadline)
	}
	wait.For(t, startDeadline, "more blobs acknowledged after the restarts", func() bool { return load.count() >= before+3 })
	var nodes []nodeStatus
	wait.For(t, startDeadline, "every node ok, the light node sampling past the kill height", func() bool {
		out, err := runCLIErr("status", "--json", "--home", home)
		nodes = nil
		if json.Unmarshal(out, &nodes) != nil || err != nil || len(nodes) != 4 {
			return false
		}
		for _, n := range nodes {
			if !n.OK || (n.Role == "light" && n.Height < killedAt+5) {
				return false
			}
		}
		return true
	})
	for _, n := range nodes {
		if n.Role == "light" && (n.Dashboard != fmt.Sprintf("http://127.0.0.1:%d/", base+12) || n.CatchUp == nil || n.CatchUp.Sampling.Target < uint64(killedAt)) {
			t.Fatalf("status of the light node: dashboard %q, catch-up %+v", n.Dashboard, n.CatchUp)
		}
	}
	load.stop()
	select {
	case <-p.done:
		t.Fatalf("the devnet exited: %v", p.err)
	default:
	}
	t.Logf("%d blobs acknowledged, %d submissions failed while nodes were down", len(load.acked), load.fails)
	for i, l := range load.acked {
		v := m.Validators[i%2]
		found := false
		for _, b := range getBlobsCLI(t, v.RPC, l.height, l.ns) {
			found = found || (b.Commitment == l.commit && bytes.Equal(b.Data, []byte(l.data)))
		}
		if !found {
			t.Fatalf("acknowledged blob %s (height %d) is not readable from %s", l.commit, l.height, v.Name)
		}
	}
	if err := p.stop(t, syscall.SIGINT, 30*time.Second); err != nil {
		t.Fatalf("devnet exit: %v", err)
	}
}

// blobLoad submits blobs from a devnet's faucet one after another, through
// the CLI, and records those whose submission was acknowledged.
type blobLoad struct {
	quit, done chan struct{}
	stopOnce   sync.Once
	mu         sync.Mutex
	acked      []ackedBlob // guarded by mu until stop
	fails      int
}

type ackedBlob struct {
	height           int64
	ns, commit, data string
}

func startBlobLoad(home, node string) *blobLoad {
	l := &blobLoad{quit: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(l.done)
		for i := 0; ; i++ {
			select {
			case <-l.quit:
				return
			default:
			}
			data := fmt.Sprintf("supervised blob %d %s", i, strings.Repeat("x", i%700))
			out, err := runCLIErr("blob", "submit", "--home", home, "--key", "faucet", "--node", node,
				"--namespace", "survive", "--data", data, "-o", "json")
			var res submitResult
			l.mu.Lock()
			if err == nil && json.Unmarshal(out, &res) == nil {
				l.acked = append(l.acked, ackedBlob{res.Height, res.Namespace, res.Commitment, data})
			} else {
				l.fails++
			}
			l.mu.Unlock()
		}
	}()
	return l
}

func (l *blobLoad) count() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.acked)
}

// stop waits for the submission in flight; acked and fails are then final.
// It may be called more than once.
func (l *blobLoad) stop() {
	l.stopOnce.Do(func() { close(l.quit) })
	<-l.done
}
