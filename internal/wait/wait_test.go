package wait

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestUntil(t *testing.T) {
	n := 0
	if err := Until(10*time.Second, "three polls", func() (bool, error) { n++; return n == 3, nil }); err != nil || n != 3 {
		t.Fatalf("Until: %v after %d polls, want nil after 3", err, n)
	}
	last := errors.New("still starting")
	err := Until(50*time.Millisecond, "a never", func() (bool, error) { return false, last })
	if !errors.Is(err, last) || !strings.HasPrefix(err.Error(), "timed out after 50ms waiting for a never: ") {
		t.Fatalf("Until past its bound: %v", err)
	}
	if err := Until(0, "a never", func() (bool, error) { return false, nil }); err == nil || err.Error() != "timed out after 0s waiting for a never" {
		t.Fatalf("Until without an error: %v", err)
	}
}
