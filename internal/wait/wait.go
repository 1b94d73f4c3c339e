// Package wait is the one way Quadrant's tests wait for an event they
// cannot receive on a channel: For polls a condition until it holds or a
// stated deadline passes. Tests wait for events, not for time; the bound a
// test states is the bound it gets, with no hidden multiplier.
//
// It is a test helper (it takes a testing.TB) imported only by _test.go
// files; it sits outside the layering (layering_test.go).
package wait

import (
	"fmt"
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
	if err := Until(within, what, func() (bool, error) { return cond(), nil }); err != nil {
		t.Fatal(err)
	}
}

// Until polls cond every PollEvery until it reports done and returns nil;
// by within it returns "timed out after <within> waiting for <what>",
// followed by the last error cond returned, if any. It is For for callers
// without a test to fail (TestMain) or that report the timeout their own
// way. cond runs on the caller's goroutine.
func Until(within time.Duration, what string, cond func() (done bool, err error)) error {
	deadline := time.Now().Add(within)
	tick := time.NewTicker(PollEvery)
	defer tick.Stop()
	for {
		done, err := cond()
		if done {
			return nil
		}
		if time.Now().After(deadline) {
			if err != nil {
				return fmt.Errorf("timed out after %v waiting for %s: %w", within, what, err)
			}
			return fmt.Errorf("timed out after %v waiting for %s", within, what)
		}
		<-tick.C
	}
}
