package manifest_test

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/quadrant-da/quadrant/manifest"
)

const (
	peerA = "12D3KooWGzxzKZYveHXtpG6AsrUJBcWxHBFS2HsEoGTxrMLvKXtf"
	peerB = "12D3KooWKnDdG3iXw9eTFijk3EWSunZcFi54Zka4wmtqtt6rPxc8"
	hash  = "0a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f9"
)

func valid() *manifest.Manifest {
	return &manifest.Manifest{
		Version: manifest.Version,
		ChainID: "quadrant-devnet",
		Bootstrap: []string{
			"/ip4/10.77.0.10/tcp/2121/p2p/" + peerA,
			"/ip4/10.77.0.10/udp/2121/quic-v1/p2p/" + peerA,
			"/dns4/boot.example.org/tcp/2121/p2p/" + peerB,
		},
		UnbondingPeriod: manifest.Duration(21 * 24 * time.Hour),
		Checkpoint:      manifest.Checkpoint{Height: 1, Hash: hash},
	}
}

func TestWriteLoadRoundTrip(t *testing.T) {
	path := filepath.Join(t.TempDir(), manifest.FileName)
	m := valid()
	if err := manifest.Write(path, m); err != nil {
		t.Fatal(err)
	}
	got, err := manifest.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, m) {
		t.Fatalf("loaded %+v, wrote %+v", got, m)
	}
	b, _ := os.ReadFile(path)
	if !strings.Contains(string(b), `"unbonding_period": "504h0m0s"`) {
		t.Fatalf("file does not state the unbonding period as a duration:\n%s", b)
	}
}

func TestJoin(t *testing.T) {
	m := valid()
	m.Checkpoint.Hash = strings.ToUpper(hash)
	j, err := m.Join()
	if err != nil {
		t.Fatal(err)
	}
	if j.ChainID != "quadrant-devnet" || j.TrustedHeight != 1 || j.TrustedHash != hash {
		t.Fatalf("join = %+v", j)
	}
	if j.TrustingPeriod != 14*24*time.Hour {
		t.Fatalf("trusting period %v, want 2/3 of 21 days = 336h", j.TrustingPeriod)
	}
	if len(j.Bootstrap) != 2 || j.Bootstrap[0].ID.String() != peerA || len(j.Bootstrap[0].Addrs) != 2 || j.Bootstrap[1].ID.String() != peerB {
		t.Fatalf("bootstrap grouped by peer = %v, want %s with 2 addresses then %s", j.Bootstrap, peerA, peerB)
	}
	if len(j.BootstrapAddrs) != 3 {
		t.Fatalf("bootstrap addresses %v, want all 3", j.BootstrapAddrs)
	}
}

func TestInvalid(t *testing.T) {
	cases := []struct {
		name   string
		mutate func(*manifest.Manifest)
		want   error
	}{
		{"version", func(m *manifest.Manifest) { m.Version = 2 }, manifest.ErrVersion},
		{"empty chain id", func(m *manifest.Manifest) { m.ChainID = "" }, manifest.ErrChainID},
		{"slash in chain id", func(m *manifest.Manifest) { m.ChainID = "a/b" }, manifest.ErrChainID},
		{"long chain id", func(m *manifest.Manifest) { m.ChainID = strings.Repeat("a", 65) }, manifest.ErrChainID},
		{"no bootstrap", func(m *manifest.Manifest) { m.Bootstrap = nil }, manifest.ErrBootstrap},
		{"no peer id", func(m *manifest.Manifest) { m.Bootstrap = []string{"/ip4/1.2.3.4/tcp/1"} }, manifest.ErrBootstrap},
		{"peer id only", func(m *manifest.Manifest) { m.Bootstrap = []string{"/p2p/" + peerA} }, manifest.ErrBootstrap},
		{"garbage address", func(m *manifest.Manifest) { m.Bootstrap = []string{"not an address"} }, manifest.ErrBootstrap},
		{"duplicate", func(m *manifest.Manifest) { m.Bootstrap = append(m.Bootstrap, m.Bootstrap[0]) }, manifest.ErrBootstrap},
		{"zero unbonding", func(m *manifest.Manifest) { m.UnbondingPeriod = 0 }, manifest.ErrUnbonding},
		{"huge unbonding", func(m *manifest.Manifest) { m.UnbondingPeriod = manifest.Duration(400 * 24 * time.Hour) }, manifest.ErrUnbonding},
		{"height 0", func(m *manifest.Manifest) { m.Checkpoint.Height = 0 }, manifest.ErrCheckpoint},
		{"short hash", func(m *manifest.Manifest) { m.Checkpoint.Hash = "abcd" }, manifest.ErrCheckpoint},
		{"non-hex hash", func(m *manifest.Manifest) { m.Checkpoint.Hash = strings.Repeat("z", 64) }, manifest.ErrCheckpoint},
	}
	for _, c := range cases {
		m := valid()
		c.mutate(m)
		err := m.Validate()
		if !errors.Is(err, c.want) {
			t.Errorf("%s: Validate = %v, want %v", c.name, err, c.want)
		}
		if err := manifest.Write(filepath.Join(t.TempDir(), "n.json"), m); !errors.Is(err, c.want) {
			t.Errorf("%s: Write = %v, want %v", c.name, err, c.want)
		}
	}
}

func TestParseRejects(t *testing.T) {
	good := `{"version":1,"chain_id":"c","bootstrap":["/ip4/1.2.3.4/tcp/1/p2p/` + peerA + `"],"unbonding_period":"1h","trusted_checkpoint":{"height":1,"hash":"` + hash + `"}}`
	if _, err := manifest.Parse([]byte(good)); err != nil {
		t.Fatalf("good manifest: %v", err)
	}
	for name, in := range map[string]string{
		"unknown field": strings.Replace(good, `"version":1`, `"version":1,"genesis":"x"`, 1),
		"trailing data": good + `{}`,
		"not an object": `[]`,
		"bad duration":  strings.Replace(good, `"1h"`, `"21 days"`, 1),
		"too large":     good + strings.Repeat(" ", manifest.MaxSize),
		"empty":         ``,
	} {
		if _, err := manifest.Parse([]byte(in)); err == nil {
			t.Errorf("%s: Parse accepted it", name)
		}
	}
	if _, err := manifest.Load(filepath.Join(t.TempDir(), "missing.json")); err == nil || !strings.Contains(err.Error(), "missing.json") {
		t.Errorf("Load of a missing file: %v, want an error naming the file", err)
	}
}

// FuzzParse: Parse never panics, and whatever it accepts writes and loads
// back to the same manifest.
func FuzzParse(f *testing.F) {
	f.Add([]byte(`{"version":1,"chain_id":"c","bootstrap":["/ip4/1.2.3.4/tcp/1/p2p/` + peerA + `"],"unbonding_period":"1h","trusted_checkpoint":{"height":1,"hash":"` + hash + `"}}`))
	f.Add([]byte(`{"version":1,"bootstrap":["/dns4/x/tcp/1/p2p/` + peerB + `","/ip6/::1/udp/2/quic-v1/p2p/` + peerB + `"]}`))
	f.Add([]byte(`{}`))
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := manifest.Parse(b)
		if err != nil {
			return
		}
		path := filepath.Join(dir, "fuzz.json")
		if err := manifest.Write(path, m); err != nil {
			t.Fatalf("accepted manifest does not write: %v", err)
		}
		back, err := manifest.Load(path)
		if err != nil {
			t.Fatalf("written manifest does not load: %v", err)
		}
		if !reflect.DeepEqual(back, m) {
			t.Fatalf("round trip changed %+v to %+v", m, back)
		}
		if _, err := m.Join(); err != nil {
			t.Fatalf("accepted manifest does not join: %v", err)
		}
	})
}
