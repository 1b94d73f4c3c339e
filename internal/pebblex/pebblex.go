package pebblex

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"log/slog"
	"os"

	"github.com/cockroachdb/pebble/v2"
	ds "github.com/ipfs/go-datastore"
)

// Logger returns a pebble.Logger writing to log: Pebble's chatty
// informational messages at debug level, its errors at error level. Fatalf
// logs and then exits the process, as Pebble expects of it. A nil log
// discards everything but still exits on Fatalf.
func Logger(log *slog.Logger) pebble.Logger {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return logger{log: log, exit: os.Exit}
}

type logger struct {
	log  *slog.Logger
	exit func(int)
}

func (l logger) Infof(format string, args ...any) {
	l.log.Debug("pebble: " + fmt.Sprintf(format, args...))
}

func (l logger) Errorf(format string, args ...any) {
	l.log.Error("pebble: " + fmt.Sprintf(format, args...))
}

func (l logger) Fatalf(format string, args ...any) {
	l.log.Error("pebble: fatal: " + fmt.Sprintf(format, args...))
	l.exit(1)
}

// U64 returns the 8-byte big-endian encoding of v, the form stored
// counters and heights take.
func U64(v uint64) []byte { return binary.BigEndian.AppendUint64(nil, v) }

// GetU64 reads the counter stored at k with U64; a missing key reads as 0.
// A value of another length is an error naming the key.
func GetU64(ctx context.Context, r ds.Read, k ds.Key) (uint64, error) {
	b, err := r.Get(ctx, k)
	if errors.Is(err, ds.ErrNotFound) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("read %s: %w", k, err)
	}
	if len(b) != 8 {
		return 0, fmt.Errorf("corrupt %s: %d bytes, want 8", k, len(b))
	}
	return binary.BigEndian.Uint64(b), nil
}
