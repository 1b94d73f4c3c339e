// Command quadrant is Quadrant's one binary: it initialises node homes, runs
// a validator or a whole local devnet, manages account keys and talks to a
// running chain (blob submit/get, tx send, account balance).
//
// This is the only package that wires concrete parts together.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/spf13/cobra"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	root := newRootCmd()
	if err := root.ExecuteContext(ctx); err != nil {
		fmt.Fprintln(os.Stderr, "Error:", err)
		stop()
		os.Exit(1)
	}
}

func newRootCmd() *cobra.Command {
	root := &cobra.Command{
		Use:           "quadrant",
		Short:         "Quadrant: a modular data-availability network",
		SilenceUsage:  true,
		SilenceErrors: true,
		Version:       readVersion().Version,
	}
	root.SetVersionTemplate(readVersion().String())
	root.AddCommand(
		newInitCmd(),
		newKeysCmd(),
		newValidatorCmd(),
		newDevnetCmd(),
		newBlobCmd(),
		newTxCmd(),
		newAccountCmd(),
		newValidatorsCmd(),
		newBenchCmd(),
		newFullCmd(),
		newLightCmd(),
		newAuthCmd(),
		newVersionCmd(),
		newStatusCmd(),
		newRelayCmd(),
		newAttestationsCmd(),
	)
	return root
}

// defaultHome returns ~/.quadrant/<name>, or a relative .quadrant/<name> if
// the home directory is unknown.
func defaultHome(name string) string {
	h, err := os.UserHomeDir()
	if err != nil {
		return filepath.Join(".quadrant", name)
	}
	return filepath.Join(h, ".quadrant", name)
}

// clientHome is the default home of commands that only need keys and a node
// address: $QUADRANT_HOME, else the devnet's home.
func clientHome() string {
	if h := os.Getenv("QUADRANT_HOME"); h != "" {
		return h
	}
	return defaultHome("devnet")
}

// newLogger returns a slog logger writing to w at level ("debug", "info",
// "warn", "error") in format ("text" or "json").
func newLogger(w io.Writer, level, format string) (*slog.Logger, error) {
	var lv slog.Level
	if err := lv.UnmarshalText([]byte(level)); err != nil {
		return nil, fmt.Errorf("log level %q: want debug, info, warn or error", level)
	}
	opts := &slog.HandlerOptions{Level: lv}
	switch strings.ToLower(format) {
	case "text", "":
		return slog.New(slog.NewTextHandler(w, opts)), nil
	case "json":
		return slog.New(slog.NewJSONHandler(w, opts)), nil
	}
	return nil, errors.New("log format " + format + ": want text or json")
}
