package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/quadrant-da/quadrant/lightnode"
)

// packagePrefix matches a package prefix in an error message.
var packagePrefix = regexp.MustCompile(`\b(consensus|wallet|chain|blobs|coreapi|fullnode|lightnode|p2p|da|rpc|validator|rollupadapter): `)

// repeatedPrefix returns a package prefix the message carries more than
// once ("consensus: transaction rejected (code 9): consensus: …", the
// stumble issue 16 names), or "".
func repeatedPrefix(msg string) string {
	seen := map[string]bool{}
	for _, p := range packagePrefix.FindAllString(msg, -1) {
		if seen[p] {
			return p
		}
		seen[p] = true
	}
	return ""
}

// checkCLIStumbles runs, against a running devnet, every CLI stumble of
// issue 16 that needs a live chain, each as a table row asserting the
// message a user now sees (the ones that need no chain are in cli_test.go:
// TestParseNamespace, TestSubmitWithoutNode, TestDevnetLock). Each row
// runs the real binary.
func checkCLIStumbles(t *testing.T, home string, m *devnetManifest) {
	t.Helper()
	dir := t.TempDir()
	// A blob to read back: its height is the chain's at submission.
	payload := bytes.Repeat([]byte{0x00, 0xff, 'q', '\n'}, 300) // not text: -o raw must pass bytes through
	blobFile := filepath.Join(dir, "blob.bin")
	if err := os.WriteFile(blobFile, payload, 0o600); err != nil {
		t.Fatal(err)
	}
	var height int64
	out := runCLI(t, "blob", "submit", "--home", home, "--namespace", "stumbles", "--file", blobFile)
	if _, err := fmt.Sscanf(string(out), "height: %d", &height); err != nil || height < 1 {
		t.Fatalf("blob submit printed %q: %v", out, err)
	}
	// The largest blob that fits in the devnet's square, plus one byte.
	tooBig := filepath.Join(dir, "big.bin")
	max := m.Params.MaxBlobSize() // the per-transaction limit
	if err := os.WriteFile(tooBig, make([]byte, max+1), 0o600); err != nil {
		t.Fatal(err)
	}
	h := fmt.Sprint(height)
	for _, c := range []struct {
		name    string
		args    []string
		wantErr string // empty: must succeed
		check   func(out []byte) error
	}{
		{name: "future height is an error naming the head",
			args:    []string{"blob", "get", "--home", home, "--namespace", "stumbles", "--height", "999999999"},
			wantErr: "height 999999999 is above the network head"},
		{name: "height 0 is an error",
			args:    []string{"blob", "get", "--home", home, "--namespace", "stumbles", "--height", "0"},
			wantErr: "heights start at 1"},
		{name: "empty namespace is required, not reserved",
			args:    []string{"blob", "get", "--home", home, "--namespace", "", "--height", h},
			wantErr: "namespace is required"},
		{name: "invalid hex after 0x",
			args:    []string{"blob", "get", "--home", home, "--namespace", "0xzz", "--height", h},
			wantErr: "invalid hex after 0x"},
		{name: "-o raw writes the blob's bytes alone",
			args: []string{"blob", "get", "--home", home, "--namespace", "stumbles", "--height", h, "-o", "raw"},
			check: func(out []byte) error {
				if !bytes.Equal(out, payload) {
					return fmt.Errorf("-o raw wrote %d bytes, want the blob's %d", len(out), len(payload))
				}
				return nil
			}},
		{name: "-o raw of a namespace with no blob there says so",
			args:    []string{"blob", "get", "--home", home, "--namespace", "nothing", "--height", h, "-o", "raw"},
			wantErr: "no blobs in namespace"},
		{name: "a blob that cannot fit names the largest size that would",
			args:    []string{"blob", "submit", "--home", home, "--namespace", "stumbles", "--file", tooBig},
			wantErr: fmt.Sprintf("the largest that fits is %d bytes", max)},
		{name: "an unfunded key is refused with one prefix per package",
			args:    []string{"tx", "send", "--home", home, "--key", "broke", "--to", strings.Repeat("ab", 20), "--amount", "1"},
			wantErr: "insufficient"},
	} {
		if c.name == "an unfunded key is refused with one prefix per package" {
			runCLI(t, "keys", "add", "broke", "--home", home)
		}
		out, err := runCLIErr(c.args...)
		switch {
		case c.wantErr == "" && err != nil:
			t.Errorf("%s: quadrant %v: %v", c.name, c.args, err)
		case c.wantErr != "" && (err == nil || !strings.Contains(err.Error(), c.wantErr)):
			t.Errorf("%s: quadrant %v: got %v (stdout %.200q), want an error containing %q", c.name, c.args, err, out, c.wantErr)
		case err != nil && repeatedPrefix(err.Error()) != "":
			t.Errorf("%s: the message repeats the prefix %q: %v", c.name, repeatedPrefix(err.Error()), err)
		case c.check != nil:
			if cerr := c.check(out); cerr != nil {
				t.Errorf("%s: %v", c.name, cerr)
			}
		}
	}
}

// checkCleanShutdownLogs: after a normal Ctrl-C of the devnet, no node
// wrote an ERROR line (issue 16: a clean shutdown used to log errors).
func checkCleanShutdownLogs(t *testing.T, m *devnetManifest) {
	t.Helper()
	var logs []string
	for _, v := range m.Validators {
		logs = append(logs, v.Log)
	}
	for _, f := range m.FullNodes {
		logs = append(logs, f.Log)
	}
	logs = append(logs, filepath.Join(filepath.Dir(m.Validators[0].Home), "light", "node.log"))
	for _, path := range logs {
		b, err := os.ReadFile(path)
		if err != nil {
			t.Errorf("log %s: %v", path, err)
			continue
		}
		for _, line := range strings.Split(string(b), "\n") {
			if strings.Contains(line, "level=ERROR") || strings.HasPrefix(line, "E[") || strings.Contains(line, " ERROR ") {
				t.Errorf("%s after a clean shutdown: %s", filepath.Base(filepath.Dir(path)), line)
			}
		}
	}
}

// TestStandaloneLightPort: a standalone light node's default RPC port is
// neither the adapter's (26658) nor the devnet light node's (26668).
func TestStandaloneLightPort(t *testing.T) {
	addr := lightnode.DefaultConfig().RPC.ListenAddr
	if addr != lightnode.DefaultRPCAddress {
		t.Fatalf("DefaultConfig serves RPC on %s, DefaultRPCAddress is %s", addr, lightnode.DefaultRPCAddress)
	}
	for _, taken := range []string{":26658", ":26668"} {
		if strings.HasSuffix(addr, taken) {
			t.Fatalf("light node default RPC address %s clashes with %s", addr, taken)
		}
	}
}
