package main

import (
	"fmt"
	"regexp"
	"runtime"
	"strconv"
	"testing"
	"time"
)

// TestBenchSoakWithhold runs `quadrant bench soak --full-nodes 3 --withhold
// %2` through the real binary: full-2 withholds the square data of every
// even height, the bridge and full-1 stay honest, and the light node (which
// samples from all three) must still judge every height available while
// nothing acknowledged is lost; full-2 must have refused requests, or the
// run proves nothing. About a minute; runCLIErr bounds it at two.
func TestBenchSoakWithhold(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("the soak finds its nodes and their memory through /proc")
	}
	base := pickBasePort(t, 5) // 2 validators, the bridge, full-1, full-2
	start := time.Now()
	out, err := runCLIErr("bench", "soak", "--duration", "30s", "--kill-every", "15s", "--validators", "2",
		"--full-nodes", "3", "--withhold", "%2", "--block-time", "500ms", "--sample-every", "3s", "--seed", "9", "--base-port", fmt.Sprint(base))
	t.Logf("bench soak took %v:\n%s", time.Since(start).Round(time.Second), out)
	if err != nil {
		t.Fatalf("bench soak: %v", err)
	}
	s := string(out)
	m := regexp.MustCompile(`result soak duration=\S+ acked=(\d+) lost=(\d+) kills=(\d+) panics=(\d+) light_unaccounted=(\d+)`).FindStringSubmatch(s)
	if m == nil {
		t.Fatal("no result line in the summary")
	}
	n := func(i int) int { v, _ := strconv.Atoi(m[i]); return v }
	if n(1) == 0 || n(2) != 0 || n(4) != 0 || n(5) != 0 {
		t.Fatalf("result: acked %d lost %d panics %d light unaccounted %d; want acked > 0 and the rest 0", n(1), n(2), n(4), n(5))
	}
	if !regexp.MustCompile(`(?m)^light node: heights 1\.\.\d+: sampled through \d+, 0 marked failed, 0 unavailable, 0 unaccounted`).MatchString(s) {
		t.Fatal("the light node did not judge every height available beside one withholding full node")
	}
	w := regexp.MustCompile(`(?m)^withholding: full-2 \(heights %2\) answered (\d+) square-data requests NOT_FOUND`).FindStringSubmatch(s)
	if w == nil || w[1] == "0" {
		t.Fatalf("full-2 withheld nothing (%v): the soak did not exercise the withholding node", w)
	}
}
