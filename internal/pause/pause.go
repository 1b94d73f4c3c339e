// Package pause waits out a duration unless a context ends first: the
// retry and poll loops of long-running services, and commands whose
// waits are part of what they measure, stop at once when told to.
package pause

import (
	"context"
	"time"
)

// For waits d or until ctx ends, whichever is first; it reports whether
// ctx is still alive.
func For(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}
