package validator

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// engineVersion names the consensus engine whose on-disk format a node home
// holds. It is written to engineFile when a node first runs, and a home
// whose CometBFT data carries another engine (or none: homes written before
// the file existed ran CometBFT v1.0.1) is refused, since CometBFT v0.40
// cannot read v1's stores (it fails deep inside with "fromproto: key type
// <nil> is not supported").
const engineVersion = "cometbft v0.40"

// engineFile is the engine marker inside a node home.
const engineFile = "engine"

// errEngineMismatch is wrapped by CheckEngine's error for a home written by
// another consensus engine.
var errEngineMismatch = errors.New("validator: node home written by another consensus engine")

// CheckEngine reports whether the node home can be run by this engine: it
// holds no CometBFT data yet, or data marked with engineVersion. The error
// for an older home says how to start afresh.
func CheckEngine(home string) error {
	b, err := os.ReadFile(filepath.Join(home, engineFile))
	switch {
	case err == nil:
		if got := strings.TrimSpace(string(b)); got != engineVersion {
			return fmt.Errorf("%w: %s holds %s data; this quadrant runs %s: start afresh with `quadrant devnet --reset` (a devnet home) or delete %s and %s (a node home; the chain restarts from genesis)",
				errEngineMismatch, home, got, engineVersion, filepath.Join(cometHome(home), "data"), appDir(home))
		}
		return nil
	case !errors.Is(err, os.ErrNotExist):
		return fmt.Errorf("validator: reading %s: %w", filepath.Join(home, engineFile), err)
	}
	if _, err := os.Stat(filepath.Join(cometHome(home), "data", "blockstore.db")); err == nil {
		return fmt.Errorf("%w: %s holds blocks written by an older quadrant (CometBFT v1.0.1), which %s cannot read: start afresh with `quadrant devnet --reset` (a devnet home) or delete %s and %s (a node home; the chain restarts from genesis)",
			errEngineMismatch, home, engineVersion, filepath.Join(cometHome(home), "data"), appDir(home))
	}
	return nil
}

// markEngine records engineVersion in the home.
func markEngine(home string) error {
	if err := os.WriteFile(filepath.Join(home, engineFile), []byte(engineVersion+"\n"), 0o600); err != nil {
		return fmt.Errorf("validator: writing %s: %w", filepath.Join(home, engineFile), err)
	}
	return nil
}
