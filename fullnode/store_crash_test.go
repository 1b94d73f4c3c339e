package fullnode

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"syscall"
	"testing"
	"time"

	"github.com/quadrant-da/quadrant/p2p"
)

const crashEnv = "QUADRANT_STORE_CRASH_DIR"

// crashBlocks is the chain the crash helper ingests (k alternating 8/16).
func crashBlocks(t testing.TB, n int) []testBlock {
	ks := make([]int, n)
	for i := range ks {
		ks[i] = 8 << (i % 2)
	}
	return testChain(t, ks...)
}

// TestStoreCrashHelper is not a test: run by TestStoreSurvivesSIGKILL in a
// child process, it ingests heights from the store's head + 1 until killed.
func TestStoreCrashHelper(t *testing.T) {
	dir := os.Getenv(crashEnv)
	if dir == "" {
		t.Skip("helper process for TestStoreSurvivesSIGKILL")
	}
	blocks := crashBlocks(t, 400)
	s, err := OpenStore(dir, DefaultStoreConfig(), discardLog)
	if err != nil {
		fmt.Println("open:", err)
		os.Exit(2)
	}
	fmt.Println("ready")
	for h := s.HeadHeight() + 1; h <= uint64(len(blocks)); h++ {
		if err := s.Put(context.Background(), blocks[h-1].hdr, blocks[h-1].eds); err != nil {
			fmt.Println("put:", err)
			os.Exit(3)
		}
	}
	os.Exit(0)
}

// TestStoreSurvivesSIGKILL kills a process ingesting squares at random
// moments, reopens the store, checks every height it reports is complete
// and correct, and resumes ingestion at head + 1.
func TestStoreSurvivesSIGKILL(t *testing.T) {
	if testing.Short() {
		t.Skip("spawns processes")
	}
	dir := t.TempDir()
	blocks := crashBlocks(t, 400)
	ctx := context.Background()
	var prevHead uint64
	for round, wait := range []time.Duration{150 * time.Millisecond, 400 * time.Millisecond, 250 * time.Millisecond} {
		cmd := exec.Command(os.Args[0], "-test.run=^TestStoreCrashHelper$")
		cmd.Env = append(os.Environ(), crashEnv+"="+dir)
		out, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		buf := make([]byte, 6)
		if _, err := out.Read(buf); err != nil || string(buf[:5]) != "ready" {
			t.Fatalf("helper did not start: %q %v", buf, err)
		}
		time.Sleep(wait) // time is under test: the kill lands this far into the writes
		if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
		_ = cmd.Wait()

		s := openTestStore(t, dir, DefaultStoreConfig())
		head := s.HeadHeight()
		if head <= prevHead {
			t.Logf("round %d: no progress (head %d)", round, head)
		}
		for h := uint64(1); h <= head; h++ {
			hdr, err := s.HeaderByHeight(ctx, h)
			if err != nil {
				t.Fatalf("round %d: height %d ≤ head %d: %v", round, h, head, err)
			}
			if h+2 < head && h%7 != 0 {
				continue // check every square near the head, a sample of the rest
			}
			sq, err := s.Square(ctx, h)
			if err != nil || !sq.Equal(blocks[h-1].eds) {
				t.Fatalf("round %d: height %d square differs (err %v)", round, h, err)
			}
			w := hdr.DAH.SquareWidth()
			smp, err := s.Samples(ctx, h, []p2p.Coord{{Row: w - 1, Col: w - 2, Axis: 1}})
			if err != nil || smp[0].Verify(hdr.DataRoot(), w) != nil {
				t.Fatalf("round %d: height %d sample: %v", round, h, err)
			}
		}
		// Nothing above the head is visible.
		if ok, _ := s.Has(ctx, head+1); ok {
			t.Fatalf("round %d: height %d beyond head %d is marked complete", round, head+1, head)
		}
		t.Logf("round %d: killed after %v at head %d", round, wait, head)
		prevHead = head
		s.Close()
	}
	// Resume in-process at head + 1 up to a few more heights.
	s := openTestStore(t, dir, DefaultStoreConfig())
	defer s.Close()
	for h := s.HeadHeight() + 1; h <= prevHead+3 && h <= uint64(len(blocks)); h++ {
		if err := s.Put(ctx, blocks[h-1].hdr, blocks[h-1].eds); err != nil {
			t.Fatalf("resume at %d: %v", h, err)
		}
	}
	if got := s.HeadHeight(); got != min(prevHead+3, uint64(len(blocks))) {
		t.Fatalf("head %d after resuming, want %d", got, min(prevHead+3, uint64(len(blocks))))
	}
}
