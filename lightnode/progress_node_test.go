package lightnode_test

import (
	"encoding/json"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/quadrant-da/quadrant/internal/wait"
	"github.com/quadrant-da/quadrant/lightnode"
)

// logRecords returns the JSON log records of b whose message is msg.
func logRecords(b *logBuffer, msg string) []map[string]any {
	var out []map[string]any
	for _, line := range strings.Split(b.String(), "\n") {
		var r map[string]any
		if json.Unmarshal([]byte(line), &r) == nil && r["msg"] == msg {
			out = append(out, r)
		}
	}
	return out
}

// TestCatchUpProgressLogged: a light node catching up on 60 heights from
// a slow full node logs its progress (percent, rate, ETA) at the set
// cadence, serves it as CatchUp, and says when it has caught up.
func TestCatchUpProgressLogged(t *testing.T) {
	const id, every = "progress-test", 400 * time.Millisecond
	_, blocks := chain(t, id, 60, 2)
	f, src := serve(t, id, blocks)
	src.delay = 30 * time.Millisecond
	cfg := lightConfig(t.TempDir(), id, blocks[0].hdr, f)
	cfg.Sampling.Workers = 1
	cfg.Sampling.RecentWorkers = 1
	logs := &logBuffer{}
	n, err := lightnode.New(cfg, lightnode.Options{Logger: slog.New(slog.NewJSONHandler(logs, nil)), Now: testClock})
	if err != nil {
		t.Fatal(err)
	}
	n.SetProgressEvery(every)
	startNode(t, n)
	wait.For(t, 60*time.Second, "caught up", func() bool { return len(logRecords(logs, "lightnode: caught up")) > 0 })
	recs := logRecords(logs, "lightnode: catching up")
	if len(recs) < 2 {
		t.Fatalf("%d progress lines while catching up, want at least 2", len(recs))
	}
	var moving bool
	var last time.Time
	for i, r := range recs {
		at, _ := time.Parse(time.RFC3339Nano, r["time"].(string))
		if i > 0 && at.Sub(last) < every-50*time.Millisecond {
			t.Errorf("progress line %d only %s after the previous, want every %s", i, at.Sub(last), every)
		}
		last = at
		pct, _ := r["sampled_pct"].(float64)
		if pct < 0 || pct > 100 {
			t.Errorf("progress line %v: percent out of range", r)
		}
		if rate, _ := r["sampled_per_s"].(float64); rate > 0 && r["sampling_eta"] != "unknown" {
			moving = true
		}
	}
	if !moving {
		t.Errorf("no progress line with a rate and an ETA: %v", recs)
	}
	cu := n.CatchUp()
	if !cu.Sampling.CaughtUp || cu.Sampling.Done != 60 || cu.Sampling.Percent != 100 || !cu.Headers.CaughtUp {
		t.Fatalf("CatchUp after catching up: %+v", cu)
	}
}
