// Package wait is the one way Quadrant's tests wait for an event they
// cannot receive on a channel: For polls a condition until it holds or a
// stated deadline passes. Tests wait for events, not for time; the bound a
// test states is the bound it gets, with no hidden multiplier.
//
// It is a test helper (it takes a testing.TB) imported only by _test.go
// files; it sits outside the layering (layering_test.go).
package wait

import (
	"testing"
	"time"
)

// PollEvery is how often For evaluates its condition.
const PollEvery = 20 * time.Millisecond

// For polls cond every PollEvery until it returns true, and fails the test
// with "timed out after <within> waiting for <what>" if it has not by
// within. cond runs on the caller's goroutine.
func For(t testing.TB, within time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(within)
	tick := time.NewTicker(PollEvery)
	defer tick.Stop()
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s", within, what)
		}
		<-tick.C
	}
}
