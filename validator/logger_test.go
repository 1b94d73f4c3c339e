package validator

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
)

// TestCometLoggerLevels: CometBFT's errors stay errors, except a peer that
// closed its connection (an ordinary event) and anything once the node is
// stopping on purpose, which become info — so a clean devnet shutdown, in
// which validators stop one after the other, logs no ERROR line.
func TestCometLoggerLevels(t *testing.T) {
	for _, c := range []struct {
		name     string
		stopping bool
		kv       []any
		want     string
	}{
		{"a real error", false, []any{"err", errors.New("invalid block part")}, "level=ERROR"},
		{"no err attribute", false, []any{"peer", "x"}, "level=ERROR"},
		{"peer closed: EOF", false, []any{"peer", "x", "err", io.EOF}, "level=INFO"},
		{"peer closed: wrapped EOF", false, []any{"err", fmt.Errorf("read: %w", io.EOF)}, "level=INFO"},
		{"peer reset", false, []any{"err", fmt.Errorf("read tcp: %w", syscall.ECONNRESET)}, "level=INFO"},
		{"an err that is not an error value", false, []any{"err", "EOF"}, "level=ERROR"},
		{"any error while stopping", true, []any{"err", errors.New("listener closed")}, "level=INFO"},
	} {
		var buf bytes.Buffer
		stopping := new(atomic.Bool)
		stopping.Store(c.stopping)
		newCometLogger(slog.New(slog.NewTextHandler(&buf, nil)), stopping).Error("Stopping peer for error", c.kv...)
		if !strings.Contains(buf.String(), c.want) {
			t.Errorf("%s: logged %q, want %s", c.name, buf.String(), c.want)
		}
	}
}
