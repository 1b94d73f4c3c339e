package fullnode_test

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/quadrant-da/quadrant/da"
	"github.com/quadrant-da/quadrant/fullnode"
	"github.com/quadrant-da/quadrant/internal/wait"
)

const (
	crashHomeEnv = "QUADRANT_FULLNODE_CRASH_HOME"
	crashCoreEnv = "QUADRANT_FULLNODE_CRASH_CORE"
	crashLogEnv  = "QUADRANT_FULLNODE_CRASH_LOG"
)

// TestBridgeCrashHelper is not a test: run by TestBridgeSurvivesSIGKILL in
// a child process, it runs a bridge node until it is killed.
func TestBridgeCrashHelper(t *testing.T) {
	home := os.Getenv(crashHomeEnv)
	if home == "" {
		t.Skip("helper process for TestBridgeSurvivesSIGKILL")
	}
	f, err := os.Create(os.Getenv(crashLogEnv))
	if err != nil {
		os.Exit(2)
	}
	cfg := bridgeConfig(os.Getenv(crashCoreEnv))
	cfg.Metrics.ListenAddress = ""
	n, err := fullnode.New(cfg, fullnode.Options{Home: home, Logger: slog.New(slog.NewTextHandler(f, nil))})
	if err == nil {
		err = n.Start(context.Background())
	}
	if err != nil {
		fmt.Fprintln(f, "start:", err)
		os.Exit(3)
	}
	// The sleep only bounds an orphan's life.
	time.Sleep(2 * time.Minute) // time is under test: the parent kills this process at a moment of its choosing
	os.Exit(4)
}

var storedRE = regexp.MustCompile(`msg="stored height" mode=bridge height=(\d+)`)

// storedHeights returns the heights a child logged as stored, in order.
func storedHeights(t testing.TB, logPath string) []uint64 {
	b, err := os.ReadFile(logPath)
	if err != nil {
		return nil
	}
	var out []uint64
	for _, m := range storedRE.FindAllSubmatch(b, -1) {
		h, _ := strconv.ParseUint(string(m[1]), 10, 64)
		out = append(out, h)
	}
	return out
}

// checkStore opens the store of a dead bridge and checks every height it
// holds: complete, its square hashes to its header's data root, and the
// headers form a verified chain. It returns the head.
func checkStore(t testing.TB, home string) uint64 {
	t.Helper()
	ctx := context.Background()
	st, err := fullnode.OpenStore(filepath.Join(home, fullnode.StoreDir), fullnode.DefaultStoreConfig(), discard)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	head, tail := st.HeadHeight(), st.TailHeight()
	var prev *da.ExtendedHeader
	for h := tail; h <= head && h > 0; h++ {
		hdr, err := st.HeaderByHeight(ctx, h)
		if err != nil {
			t.Fatalf("height %d of [%d, %d] missing after a crash: %v", h, tail, head, err)
		}
		if prev != nil {
			if err := hdr.Verify(prev.Light()); err != nil {
				t.Fatalf("header %d does not verify against %d: %v", h, h-1, err)
			}
		}
		eds, err := st.Square(ctx, h)
		if err != nil {
			t.Fatalf("square %d: %v", h, err)
		}
		dah, err := da.ComputeDAHeader(eds)
		if err != nil || !bytes.Equal(dah.Hash(), hdr.DataRoot()) {
			t.Fatalf("square %d does not hash to its data root (%v)", h, err)
		}
		prev = hdr
	}
	if ok, _ := st.Has(ctx, head+1); ok {
		t.Fatalf("height %d above the head is marked complete", head+1)
	}
	return head
}

// TestBridgeSurvivesSIGKILL runs a bridge node in a child process against
// a live chain carrying blobs, SIGKILLs it while it is catching up, checks
// the store is consistent, restarts it and checks it resumes at head + 1.
func TestBridgeSurvivesSIGKILL(t *testing.T) {
	if testing.Short() {
		t.Skip("spawns processes")
	}
	c := newChain(t, 100*time.Millisecond)
	c.start(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	// Keep blobs flowing so squares are not all empty.
	s := c.submitter(t)
	go func() {
		for i := 0; ctx.Err() == nil; i++ {
			_, _ = s.SubmitBlobs(ctx, testBlob(t, byte(i%7+1), 20_000+i%5*30_000))
			time.Sleep(60 * time.Millisecond) // the offered load is a rate in time: one blob per 60 ms
		}
	}()
	wait.For(t, 2*time.Minute, "the chain to reach height 30", func() bool {
		st, err := c.node.Client().Status(ctx)
		return err == nil && st.SyncInfo.LatestBlockHeight >= 30
	})

	home := t.TempDir()
	run := func(round int) (*exec.Cmd, string) {
		logPath := filepath.Join(home, fmt.Sprintf("child-%d.log", round))
		cmd := exec.Command(os.Args[0], "-test.run=^TestBridgeCrashHelper$", "-test.v")
		cmd.Env = append(os.Environ(), crashHomeEnv+"="+home, crashCoreEnv+"="+c.rpcURL(), crashLogEnv+"="+logPath)
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = cmd.Process.Kill(); _, _ = cmd.Process.Wait() })
		return cmd, logPath
	}
	var head uint64
	for round, after := range []int{4, 9, 3} {
		cmd, logPath := run(round)
		wait.For(t, 2*time.Minute, fmt.Sprintf("round %d to store %d heights", round, after), func() bool {
			return len(storedHeights(t, logPath)) >= after
		})
		got := storedHeights(t, logPath)
		if round > 0 && got[0] != head+1 {
			t.Fatalf("round %d resumed at height %d, want %d (head after the crash + 1)", round, got[0], head+1)
		}
		if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
		_, _ = cmd.Process.Wait()
		stored := storedHeights(t, logPath)
		head = checkStore(t, home)
		// Store.Put does not fsync, so the last heights the child logged may
		// be lost with the process (they are ingested again); never more
		// than it stored, and never a gap below the head (checkStore).
		if last := stored[len(stored)-1]; head > last+1 {
			t.Fatalf("round %d: store head %d after the kill, the child last logged %d", round, head, last)
		}
		t.Logf("round %d: killed after storing %d..%d; store head %d", round, stored[0], stored[len(stored)-1], head)
	}
}
