package netns_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"net"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/quadrant-da/quadrant/internal/netns"
)

func TestMain(m *testing.M) {
	if mode := os.Getenv("NETNS_HELPER"); mode != "" {
		os.Exit(runHelper(mode, os.Args[1:]))
	}
	os.Exit(m.Run())
}

// helper returns a command that runs the helper mode inside h.
func helper(t *testing.T, ctx context.Context, h *netns.Host, mode string, args ...string) *exec.Cmd {
	t.Helper()
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd := h.Command(ctx, self, args...)
	cmd.Env = append(os.Environ(), "NETNS_HELPER="+mode)
	return cmd
}

// startServer runs the echo server on h and waits until it listens.
func startServer(t *testing.T, h *netns.Host) string {
	t.Helper()
	cmd := helper(t, context.Background(), h, "serve")
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})
	ready := make(chan bool, 1)
	go func() {
		line, _ := bufio.NewReader(out).ReadString('\n')
		ready <- strings.TrimSpace(line) == "ready"
	}()
	select {
	case ok := <-ready:
		if !ok {
			t.Fatalf("echo server on %s did not start: %s", h.Name, stderr.String())
		}
	case <-time.After(10 * time.Second):
		t.Fatalf("echo server on %s: not ready after 10 s", h.Name)
	}
	return net.JoinHostPort(h.IP.String(), "7000")
}

// run runs a probe inside h and decodes its result.
func run(t *testing.T, h *netns.Host, mode string, args ...string) (probeResult, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var stdout, stderr bytes.Buffer
	cmd := helper(t, ctx, h, mode, args...)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return probeResult{}, fmt.Errorf("%s %v on %s: %v: %s", mode, args, h.Name, err, strings.TrimSpace(stderr.String()))
	}
	var r probeResult
	if err := json.Unmarshal(stdout.Bytes(), &r); err != nil {
		return probeResult{}, fmt.Errorf("%s on %s: output %q: %v", mode, h.Name, stdout.String(), err)
	}
	return r, nil
}

func counters(t *testing.T, h *netns.Host) netns.Counters {
	t.Helper()
	c, err := h.Counters()
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestConnectivityAndCounters(t *testing.T) {
	n := netns.New(t, 1)
	a, b, c := n.AddHost(), n.AddHost(), n.AddHost()
	addr := startServer(t, a)
	before := counters(t, b)
	// 4 MiB over TCP: segmentation offload and checksums survive the
	// forwarder, and the counters see the bytes.
	if _, err := run(t, b, "bulk", addr, fmt.Sprint(4<<20)); err != nil {
		t.Fatal(err)
	}
	after := counters(t, b)
	if sent, recv := after.SentBytes-before.SentBytes, after.ReceivedBytes-before.ReceivedBytes; sent < 4<<20 || recv < 4<<20 {
		t.Fatalf("b's counters grew by %d sent, %d received; want ≥ 4 MiB each", sent, recv)
	}
	if _, err := run(t, c, "tcp", addr, "5s"); err != nil {
		t.Fatal(err)
	}
}

func TestPartitionAndHeal(t *testing.T) {
	n := netns.New(t, 2)
	a, b, c := n.AddHost(), n.AddHost(), n.AddHost()
	addr := startServer(t, a)
	if _, err := run(t, b, "tcp", addr, "5s"); err != nil {
		t.Fatalf("before the partition: %v", err)
	}
	n.Partition([]*netns.Host{a, c}, []*netns.Host{b})
	if _, err := run(t, b, "tcp", addr, "1s"); err == nil {
		t.Fatal("b reached a across the partition")
	}
	if _, err := run(t, c, "tcp", addr, "5s"); err != nil {
		t.Fatalf("c is on a's side of the partition: %v", err)
	}
	n.Heal()
	if _, err := run(t, b, "tcp", addr, "5s"); err != nil {
		t.Fatalf("after healing: %v", err)
	}
}

func TestLatency(t *testing.T) {
	n := netns.New(t, 3)
	a, b := n.AddHost(), n.AddHost()
	addr := startServer(t, a)
	base, err := run(t, b, "udp", addr, "20", "5ms")
	if err != nil {
		t.Fatal(err)
	}
	const delay = 40 * time.Millisecond
	b.Impair(netns.Impairment{Delay: delay})
	slow, err := run(t, b, "udp", addr, "20", "5ms")
	if err != nil {
		t.Fatal(err)
	}
	got := slow.medianRTT()
	t.Logf("median RTT %v without delay, %v with %v on b's link", base.medianRTT(), got, delay)
	if got < delay || got > base.medianRTT()+delay+15*time.Millisecond {
		t.Fatalf("median RTT %v with %v on b's link, want ≥ %v and ≤ %v (the RTT without delay + the delay + 15 ms)",
			got, delay, delay, base.medianRTT()+delay+15*time.Millisecond)
	}
}

func TestLoss(t *testing.T) {
	n := netns.New(t, 4)
	a, b := n.AddHost(), n.AddHost()
	addr := startServer(t, a)
	const loss, probes = 0.2, 1000
	b.Impair(netns.Impairment{Loss: loss})
	r, err := run(t, b, "udp", addr, fmt.Sprint(probes), "1ms")
	if err != nil {
		t.Fatal(err)
	}
	got := 1 - float64(r.Received)/float64(r.Sent)
	// Binomial: σ = √(p(1-p)/n) ≈ 0.013; allow 4σ.
	sigma := math.Sqrt(loss * (1 - loss) / probes)
	t.Logf("%d of %d probes came back: loss %.3f, configured %.2f", r.Received, r.Sent, got, loss)
	if math.Abs(got-loss) > 4*sigma {
		t.Fatalf("measured loss %.3f, want %.2f ± %.3f", got, loss, 4*sigma)
	}
}

// ours lists the namespaces and links whose names start with "qn" and
// the given PID, as this package names them.
func ours(t *testing.T, pid int) []string {
	t.Helper()
	mark := fmt.Sprintf("qn%06x", pid)
	var found []string
	for _, args := range [][]string{{"netns", "list"}, {"-o", "link", "show"}} {
		out, err := exec.Command("ip", args...).Output()
		if err != nil {
			t.Fatal(err)
		}
		for _, line := range strings.Split(string(out), "\n") {
			for _, f := range strings.Fields(line) {
				if strings.HasPrefix(f, mark) {
					found = append(found, f)
				}
			}
		}
	}
	return found
}

func TestCleanupAndStaleSweep(t *testing.T) {
	// A Net leaves nothing behind once its test ends, failed or not.
	t.Run("net", func(t *testing.T) {
		n := netns.New(t, 5)
		startServer(t, n.AddHost())
		n.AddHost()
	})
	if left := ours(t, os.Getpid()); len(left) > 0 {
		t.Fatalf("left behind after the test: %v", left)
	}
	// Objects of a process that died without cleaning up are swept by
	// the next New.
	dead := exec.Command("true")
	if err := dead.Run(); err != nil {
		t.Fatal(err)
	}
	pid := dead.Process.Pid
	stale := fmt.Sprintf("qn%06x00", pid)
	for _, args := range [][]string{{"netns", "add", stale + "-0"}, {"link", "add", stale + "br", "type", "bridge"}} {
		if out, err := exec.Command("ip", args...).CombinedOutput(); err != nil {
			t.Skipf("cannot create the stale objects (needs root and iproute2): %v: %s", err, out)
		}
	}
	netns.New(t, 6)
	if left := ours(t, pid); len(left) > 0 {
		t.Fatalf("stale objects of dead PID %d not swept: %v", pid, left)
	}
}
