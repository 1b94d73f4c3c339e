package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"iter"
	"log/slog"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/quadrant-da/quadrant/da"
	"github.com/quadrant-da/quadrant/da/headertest"
	"github.com/quadrant-da/quadrant/erasure"
	"github.com/quadrant-da/quadrant/fullnode"
	"github.com/quadrant-da/quadrant/internal/wait"
	"github.com/quadrant-da/quadrant/p2p"
)

// BenchmarkLightProcess/k=K/heights=N measures a real `quadrant light`
// process (the binary TestMain builds) catching up N signed headers of k×k
// squares from one full node's p2p server over loopback, with the command's
// defaults (16 samples per header, 16 workers). It reports headers per
// second, the light process's CPU time per header (user + system: less
// sensitive than headers/s to what else the machine runs), its peak
// resident set (VmHWM of /proc/<pid>/status, read before it is stopped) and
// its resident set at the end (VmRSS).
//
// The server runs in the benchmark process: the chain's headers are really
// signed (headertest) and all commit to the same square, which the full
// node's store holds once and serves for every height (lightBenchSource),
// so the disk holds one square instead of N. The light process cannot tell:
// each height is a distinct header it verifies, and every sample is proven
// to that header's data root. Headers are dated from headertest.Genesis, so
// the process gets a trusting period and sampling window long enough to
// cover them.
func BenchmarkLightProcess(b *testing.B) {
	// heights=2000 shows whether the resident set grows with the length
	// of the catch-up.
	for _, tc := range []struct{ k, heights int }{{64, 500}, {128, 500}, {128, 2000}} {
		k, heights := tc.k, tc.heights
		b.Run(fmt.Sprintf("k=%d/heights=%d", k, heights), func(b *testing.B) {
			chainID := fmt.Sprintf("bench-light-%d-%d", k, heights)
			hdrs, eds := lightBenchChain(b, chainID, k, heights)
			server := lightBenchServe(b, chainID, hdrs, eds)
			for b.Loop() {
				r := lightBenchRun(b, chainID, hdrs[0], server, heights)
				b.ReportMetric(float64(heights)/r.elapsed.Seconds(), "headers/s")
				b.ReportMetric(float64(r.hwmKiB)/1024, "peak-RSS-MiB")
				b.ReportMetric(float64(r.rssKiB)/1024, "end-RSS-MiB")
				b.ReportMetric(r.cpu.Seconds()*1000/float64(heights), "light-CPU-ms/header")
				b.Logf("k=%d: light process caught up %d headers in %s (%.0f headers/s) using %s of CPU (%.2f ms per header); peak RSS (VmHWM) %.1f MiB, RSS at the end %.1f MiB; %.0f samples verified",
					k, heights, r.elapsed.Round(time.Millisecond), float64(heights)/r.elapsed.Seconds(), r.cpu,
					r.cpu.Seconds()*1000/float64(heights), float64(r.hwmKiB)/1024, float64(r.rssKiB)/1024, r.verified)
			}
		})
	}
}

type lightBenchResult struct {
	elapsed        time.Duration
	hwmKiB, rssKiB int64
	cpu            time.Duration // user + system time of the light process
	verified       float64
}

// lightBenchRun starts a light process with a fresh home trusting first,
// waits until every height up to heights is sampled available, reads its
// memory figures and stops it with SIGTERM.
func lightBenchRun(b *testing.B, chainID string, first *da.ExtendedHeader, server *p2p.Host, heights int) lightBenchResult {
	b.Helper()
	home := b.TempDir()
	logPath := filepath.Join(home, "light.log")
	logf, err := os.Create(logPath)
	if err != nil {
		b.Fatal(err)
	}
	defer logf.Close()
	cmd := exec.Command(binary, "light", "--home", filepath.Join(home, "light"),
		"--chain-id", chainID,
		"--trusted-height", strconv.FormatInt(first.Height(), 10),
		"--trusted-hash", hex.EncodeToString(first.Hash()),
		"--bootstrap", server.FullAddrs()[0],
		"--p2p-listen", "/ip4/127.0.0.1/tcp/0",
		"--rpc-addr", "127.0.0.1:0",
		"--metrics-addr", "127.0.0.1:0",
		"--unbonding-period", "1000000h",
		"--trusting-period", "876000h",
		"--sampling-window", "876000h",
		"--log-format", "json")
	cmd.Stdout, cmd.Stderr = logf, logf
	t0 := time.Now()
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	stopped := false
	defer func() {
		if !stopped {
			_ = cmd.Process.Kill()
			<-done
		}
	}()

	metrics := ""
	lightBenchPoll(b, 30*time.Second, "the light process's metrics address", done, logPath, func() bool {
		metrics = lightBenchMetricsAddr(logPath)
		return metrics != ""
	})
	var m map[string]float64
	lightBenchPoll(b, 600*time.Second, "catch-up", done, logPath, func() bool {
		m = lightBenchScrape(metrics)
		return m["quadrant_light_sampled_chain_head"] >= float64(heights)
	})
	elapsed := time.Since(t0)
	hwm, rss, err := lightBenchStatus(cmd.Process.Pid)
	if err != nil {
		b.Fatal(err)
	}
	cpu, err := lightBenchCPU(cmd.Process.Pid)
	if err != nil {
		b.Fatal(err)
	}
	if u := m["quadrant_light_unavailable_heights"]; u != 0 {
		b.Fatalf("%v heights found unavailable", u)
	}
	if avail := m[`quadrant_light_verdicts_total{status="available"}`]; avail < float64(heights-1) {
		b.Fatalf("%v heights found available, want ≥ %d (metrics %v)", avail, heights-1, m)
	}
	_ = cmd.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-done:
		stopped = true
		if err != nil {
			b.Fatalf("light process exited with %v after SIGTERM; log:\n%s", err, lightBenchTail(logPath))
		}
	case <-time.After(30 * time.Second):
		b.Fatalf("light process did not stop within 30s of SIGTERM")
	}
	return lightBenchResult{elapsed: elapsed, hwmKiB: hwm, rssKiB: rss, cpu: cpu, verified: m[`quadrant_light_samples_total{result="verified"}`]}
}

// lightBenchPoll waits (wait.For) until cond holds; the process exiting
// or the deadline passing fails the benchmark with the log's tail.
func lightBenchPoll(b *testing.B, within time.Duration, what string, done chan error, logPath string, cond func() bool) {
	b.Helper()
	ok := false
	defer func() {
		if !ok {
			b.Logf("light process log:\n%s", lightBenchTail(logPath))
		}
	}()
	wait.For(b, within, what, func() bool {
		select {
		case err := <-done:
			done <- err
			b.Fatalf("light process exited (%v) while waiting for %s", err, what)
		default:
		}
		return cond()
	})
	ok = true
}

// lightBenchMetricsAddr returns the metrics address the light process logged
// ("rpc: serving" with a "metrics" attribute), or "".
func lightBenchMetricsAddr(logPath string) string {
	f, err := os.Open(logPath)
	if err != nil {
		return ""
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var rec struct {
			Msg     string `json:"msg"`
			Metrics string `json:"metrics"`
		}
		if json.Unmarshal(sc.Bytes(), &rec) == nil && rec.Msg == "rpc: serving" && rec.Metrics != "" {
			return rec.Metrics
		}
	}
	return ""
}

var lightBenchMetricRE = regexp.MustCompile(`(?m)^(quadrant_light_[a-z_]+(?:\{[^}]*\})?) (\S+)$`)

// lightBenchScrape reads the quadrant_light_* samples of a Prometheus
// endpoint (nil on any error: the caller polls).
func lightBenchScrape(addr string) map[string]float64 {
	resp, err := http.Get("http://" + addr + "/metrics")
	if err != nil {
		return nil
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil || resp.StatusCode != http.StatusOK {
		return nil
	}
	m := map[string]float64{}
	for _, g := range lightBenchMetricRE.FindAllSubmatch(body, -1) {
		if v, err := strconv.ParseFloat(string(g[2]), 64); err == nil {
			m[string(g[1])] = v
		}
	}
	return m
}

// lightBenchStatus returns VmHWM and VmRSS (KiB) of a process.
func lightBenchStatus(pid int) (hwm, rss int64, err error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, 0, err
	}
	field := func(name string) (int64, error) {
		for _, l := range strings.Split(string(b), "\n") {
			if rest, ok := strings.CutPrefix(l, name+":"); ok {
				return strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			}
		}
		return 0, fmt.Errorf("/proc/%d/status has no %s", pid, name)
	}
	if hwm, err = field("VmHWM"); err != nil {
		return 0, 0, err
	}
	rss, err = field("VmRSS")
	return hwm, rss, err
}

// lightBenchCPU returns the user + system time of a process so far, from
// /proc/<pid>/stat (fields 14 and 15, in USER_HZ = 100 ticks per second).
func lightBenchCPU(pid int) (time.Duration, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, err
	}
	// Fields after the command name, which is in parentheses and may
	// contain spaces: state is field 3, utime 14, stime 15.
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return 0, fmt.Errorf("/proc/%d/stat: no command name", pid)
	}
	f := strings.Fields(string(b[i+1:]))
	if len(f) < 13 {
		return 0, fmt.Errorf("/proc/%d/stat: %d fields after the command name", pid, len(f))
	}
	var ticks int64
	for _, s := range f[11:13] {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return 0, fmt.Errorf("/proc/%d/stat: %w", pid, err)
		}
		ticks += n
	}
	return time.Duration(ticks) * 10 * time.Millisecond, nil
}

func lightBenchTail(logPath string) string {
	b, _ := os.ReadFile(logPath)
	if len(b) > 4000 {
		b = b[len(b)-4000:]
	}
	return string(b)
}

// lightBenchChain returns n really signed headers (heights 1..n) all
// committing to one k×k square, and that square extended.
func lightBenchChain(b *testing.B, chainID string, k, n int) ([]*da.ExtendedHeader, *erasure.ExtendedSquare) {
	b.Helper()
	orig := make([]byte, 0, k*k*da.ShareSize)
	for i := range k * k {
		// Namespaces increase along the square (every 4 shares), as a
		// real square's do.
		ns, err := da.NewNamespaceV0([]byte{7, byte(i / 4 >> 8), byte(i / 4)})
		if err != nil {
			b.Fatal(err)
		}
		var s da.Share
		copy(s[:], ns[:])
		s[da.NamespaceSize] = 1
		for j := da.NamespaceSize + 1; j < da.ShareSize; j++ {
			s[j] = byte(i*31 + j)
		}
		orig = append(orig, s[:]...)
	}
	eds, err := erasure.Extend(orig, k)
	if err != nil {
		b.Fatal(err)
	}
	dah, err := da.ComputeDAHeader(eds)
	if err != nil {
		b.Fatal(err)
	}
	c := headertest.NewChain(chainID, 4, "bench-light")
	for range n {
		if _, err := c.Next(dah); err != nil {
			b.Fatal(err)
		}
	}
	return c.Headers(), eds
}

// lightBenchServe stands up a full node's store and p2p server for hdrs,
// storing their shared square eds once (at height 1).
func lightBenchServe(b *testing.B, chainID string, hdrs []*da.ExtendedHeader, eds *erasure.ExtendedSquare) *p2p.Host {
	b.Helper()
	ctx := context.Background()
	log := slog.New(slog.DiscardHandler)
	st, err := fullnode.OpenStore(b.TempDir(), fullnode.DefaultStoreConfig(), log)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { st.Close() })
	if err := st.Put(ctx, hdrs[0], eds); err != nil {
		b.Fatal(err)
	}
	for _, h := range hdrs {
		if !bytes.Equal(h.DAH.Hash(), hdrs[0].DAH.Hash()) {
			b.Fatalf("height %d commits to another square", h.Height())
		}
	}
	src := &lightBenchSource{Store: st, hdrs: hdrs}
	cfg := p2p.DefaultConfig()
	cfg.ListenAddrs = []string{"/ip4/127.0.0.1/tcp/0"}
	host, err := p2p.NewHost(cfg, b.TempDir(), log, time.Now)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { host.Close() })
	srv, err := p2p.NewServer(p2p.DefaultServerConfig(), p2p.ServerOptions{Host: host, ChainID: chainID, Headers: src, Squares: src, Scores: host.Scores, Logger: log})
	if err != nil {
		b.Fatal(err)
	}
	if err := srv.Start(ctx); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = srv.Close() })
	return host
}

// lightBenchSource serves heights 1..len(hdrs), whose headers all commit to
// the square the store holds at height 1, answering every height's square
// requests from it.
type lightBenchSource struct {
	*fullnode.Store
	hdrs []*da.ExtendedHeader // hdrs[i] has height i+1
}

func (s *lightBenchSource) stored(height uint64) (uint64, error) {
	if height < 1 || height > uint64(len(s.hdrs)) {
		return 0, fmt.Errorf("height %d: %w", height, p2p.ErrNotFound)
	}
	return 1, nil
}

func (s *lightBenchSource) Head(context.Context) (*da.ExtendedHeader, error) {
	return s.hdrs[len(s.hdrs)-1], nil
}

func (s *lightBenchSource) HeaderByHeight(_ context.Context, height uint64) (*da.ExtendedHeader, error) {
	if _, err := s.stored(height); err != nil {
		return nil, err
	}
	return s.hdrs[height-1], nil
}

func (s *lightBenchSource) Samples(ctx context.Context, height uint64, coords []p2p.Coord) ([]*da.Sample, error) {
	h, err := s.stored(height)
	if err != nil {
		return nil, err
	}
	return s.Store.Samples(ctx, h, coords)
}

func (s *lightBenchSource) HalfAxis(ctx context.Context, height uint64, axis erasure.Axis, index, half int) ([][]byte, error) {
	h, err := s.stored(height)
	if err != nil {
		return nil, err
	}
	return s.Store.HalfAxis(ctx, h, axis, index, half)
}

func (s *lightBenchSource) NamespaceRows(ctx context.Context, height uint64, ns da.Namespace) ([]p2p.NamespaceRowHead, iter.Seq2[[]byte, error], error) {
	h, err := s.stored(height)
	if err != nil {
		return nil, nil, err
	}
	return s.Store.NamespaceRows(ctx, h, ns)
}

func (s *lightBenchSource) OriginalRows(ctx context.Context, height uint64) (int, iter.Seq2[[]byte, error], error) {
	h, err := s.stored(height)
	if err != nil {
		return 0, nil, err
	}
	return s.Store.OriginalRows(ctx, h)
}
