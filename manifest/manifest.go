package manifest

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/libp2p/go-libp2p/core/peer"
	ma "github.com/multiformats/go-multiaddr"
)

// Limits of a manifest; Parse rejects anything beyond them.
const (
	// maxSize is the largest manifest file, in bytes.
	maxSize = 64 << 10
	// maxBootstrap is the most bootstrap addresses a manifest may list.
	maxBootstrap = 64
	// maxChainID is the longest chain id.
	maxChainID = 64
	// maxUnbonding bounds the unbonding period (a sanity bound: a year).
	maxUnbonding = 366 * 24 * time.Hour
)

// Version is the manifest format this package reads and writes.
const Version = 1

// FileName is the conventional name of a manifest in a network's home.
const FileName = "network.json"

// Manifest is a network manifest. Fields are as in the JSON form.
type Manifest struct {
	Version   int      `json:"version"`
	ChainID   string   `json:"chain_id"`
	Bootstrap []string `json:"bootstrap"`
	// UnbondingPeriod is the chain's unbonding period.
	UnbondingPeriod Duration `json:"unbonding_period"`
	// Checkpoint is the trusted block new light nodes start from.
	Checkpoint Checkpoint `json:"trusted_checkpoint"`
}

// Checkpoint is a trusted block: its height and CometBFT block hash
// (64 hex digits, as in /commit's block_id.hash; written in lower case).
type Checkpoint struct {
	Height uint64 `json:"height"`
	Hash   string `json:"hash"`
}

// Duration is a time.Duration written as Go's duration string ("504h0m0s").
type Duration time.Duration

// MarshalText writes d as a Go duration string.
func (d Duration) MarshalText() ([]byte, error) { return []byte(time.Duration(d).String()), nil }

// UnmarshalText parses a Go duration string.
func (d *Duration) UnmarshalText(b []byte) error {
	v, err := time.ParseDuration(string(b))
	if err != nil {
		return fmt.Errorf("want a duration such as \"504h\": %w", err)
	}
	*d = Duration(v)
	return nil
}

// Sentinel errors; Parse and Validate wrap them with the offending value.
var (
	errTooLarge   = errors.New("manifest: file too large")
	errVersion    = errors.New("manifest: unsupported version")
	errChainID    = errors.New("manifest: invalid chain_id")
	errBootstrap  = errors.New("manifest: invalid bootstrap address")
	errUnbonding  = errors.New("manifest: invalid unbonding_period")
	ErrCheckpoint = errors.New("manifest: invalid trusted_checkpoint")
)

// parse decodes and validates a manifest. It rejects input over maxSize,
// unknown fields, trailing data and any invalid field, naming the field
// and what was expected.
func parse(b []byte) (*Manifest, error) {
	if len(b) > maxSize {
		return nil, fmt.Errorf("%w: %d bytes, want ≤ %d", errTooLarge, len(b), maxSize)
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	var m Manifest
	if err := dec.Decode(&m); err != nil {
		return nil, fmt.Errorf("manifest: decode JSON: %w", err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errors.New("manifest: decode JSON: trailing data after the manifest object")
	}
	if err := m.Validate(); err != nil {
		return nil, err
	}
	return &m, nil
}

// Load reads and parses the manifest at path.
func Load(path string) (*Manifest, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("manifest: %w", err)
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, maxSize+1))
	if err != nil {
		return nil, fmt.Errorf("manifest: read %s: %w", path, err)
	}
	m, err := parse(b)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return m, nil
}

// Write validates m and writes it to path (indented JSON, mode 0644),
// replacing any file there atomically.
func Write(path string, m *Manifest) error {
	if err := m.Validate(); err != nil {
		return err
	}
	b, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return fmt.Errorf("manifest: encode: %w", err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".network-*.json")
	if err != nil {
		return fmt.Errorf("manifest: %w", err)
	}
	defer os.Remove(tmp.Name()) // fails harmlessly after the rename
	if _, err := tmp.Write(append(b, '\n')); err != nil {
		tmp.Close()
		return fmt.Errorf("manifest: write %s: %w", tmp.Name(), err)
	}
	if err := tmp.Chmod(0o644); err != nil {
		tmp.Close()
		return fmt.Errorf("manifest: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("manifest: write %s: %w", tmp.Name(), err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("manifest: %w", err)
	}
	return nil
}

// Validate reports the first invalid field of m.
func (m *Manifest) Validate() error {
	if m.Version != Version {
		return fmt.Errorf("%w %d, want %d", errVersion, m.Version, Version)
	}
	if err := validChainID(m.ChainID); err != nil {
		return err
	}
	if _, err := parseBootstrap(m.Bootstrap); err != nil {
		return err
	}
	if u := time.Duration(m.UnbondingPeriod); u <= 0 || u > maxUnbonding {
		return fmt.Errorf("%w %v, want > 0 and ≤ %v", errUnbonding, u, maxUnbonding)
	}
	c := m.Checkpoint
	if c.Height < 1 || c.Height > 1<<62 {
		return fmt.Errorf("%w: height %d, want ≥ 1", ErrCheckpoint, c.Height)
	}
	if len(c.Hash) != 64 {
		return fmt.Errorf("%w: hash %q has %d characters, want 64 hex digits", ErrCheckpoint, truncate(c.Hash), len(c.Hash))
	}
	if _, err := hex.DecodeString(c.Hash); err != nil {
		return fmt.Errorf("%w: hash %q is not hex", ErrCheckpoint, c.Hash)
	}
	return nil
}

func validChainID(id string) error {
	if id == "" || len(id) > maxChainID {
		return fmt.Errorf("%w %q: want 1 to %d characters", errChainID, truncate(id), maxChainID)
	}
	for _, r := range id {
		ok := r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' || r == '.'
		if !ok {
			return fmt.Errorf("%w %q: want only letters, digits, '-', '_' and '.'", errChainID, id)
		}
	}
	return nil
}

// parseBootstrap parses the addresses and groups them by peer, in order of
// first appearance.
func parseBootstrap(addrs []string) ([]peer.AddrInfo, error) {
	if len(addrs) == 0 || len(addrs) > maxBootstrap {
		return nil, fmt.Errorf("%w: %d addresses, want 1 to %d", errBootstrap, len(addrs), maxBootstrap)
	}
	var out []peer.AddrInfo
	index := map[peer.ID]int{}
	seen := map[string]bool{}
	for _, s := range addrs {
		if seen[s] {
			return nil, fmt.Errorf("%w %q: listed twice", errBootstrap, s)
		}
		seen[s] = true
		a, err := ma.NewMultiaddr(s)
		if err != nil {
			return nil, fmt.Errorf("%w %q: %v", errBootstrap, truncate(s), err)
		}
		info, err := peer.AddrInfoFromP2pAddr(a)
		if err != nil || len(info.Addrs) == 0 {
			return nil, fmt.Errorf("%w %q: want a transport address ending in /p2p/<peer id>", errBootstrap, s)
		}
		if i, ok := index[info.ID]; ok {
			out[i].Addrs = append(out[i].Addrs, info.Addrs...)
			continue
		}
		index[info.ID] = len(out)
		out = append(out, *info)
	}
	return out, nil
}

func truncate(s string) string {
	if len(s) > 80 {
		return s[:80] + "…"
	}
	return s
}
