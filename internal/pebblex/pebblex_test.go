package pebblex

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"testing"

	ds "github.com/ipfs/go-datastore"
)

func TestGetU64(t *testing.T) {
	ctx := context.Background()
	m := ds.NewMapDatastore()
	k := ds.NewKey("/meta/head")
	if v, err := GetU64(ctx, m, k); err != nil || v != 0 {
		t.Fatalf("missing key: %d, %v; want 0, nil", v, err)
	}
	if err := m.Put(ctx, k, U64(1<<40+7)); err != nil {
		t.Fatal(err)
	}
	if v, err := GetU64(ctx, m, k); err != nil || v != 1<<40+7 {
		t.Fatalf("got %d, %v", v, err)
	}
	if err := m.Put(ctx, k, []byte{1, 2, 3}); err != nil {
		t.Fatal(err)
	}
	if _, err := GetU64(ctx, m, k); err == nil || !strings.Contains(err.Error(), "/meta/head") {
		t.Fatalf("short value: %v, want an error naming the key", err)
	}
}

func TestLogger(t *testing.T) {
	var buf bytes.Buffer
	log := slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	exited := -1
	l := logger{log: log, exit: func(c int) { exited = c }}
	l.Infof("compacted %d", 3)
	l.Errorf("disk %s", "full")
	l.Fatalf("corrupt")
	out := buf.String()
	for _, want := range []string{"level=DEBUG msg=\"pebble: compacted 3\"", "level=ERROR msg=\"pebble: disk full\"", "pebble: fatal: corrupt"} {
		if !strings.Contains(out, want) {
			t.Errorf("log lacks %q:\n%s", want, out)
		}
	}
	if exited != 1 {
		t.Errorf("Fatalf exit code %d, want 1", exited)
	}
	_ = Logger(nil) // a nil logger is allowed
}
