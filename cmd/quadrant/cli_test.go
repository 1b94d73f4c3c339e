package main

import (
	"bytes"
	"encoding/json"
	"io"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/quadrant-da/quadrant/da"
	"github.com/quadrant-da/quadrant/wallet"
)

// TestParseNamespace: names and 0x-prefixed hex are told apart, and every
// malformed input says what was wrong.
func TestParseNamespace(t *testing.T) {
	name := func(s string) da.Namespace {
		ns, err := da.NewNamespaceV0([]byte(s))
		if err != nil {
			t.Fatal(err)
		}
		return ns
	}
	for _, c := range []struct {
		in      string
		want    da.Namespace
		wantErr string
	}{
		{in: "cafe", want: name("cafe")},
		{in: "123456", want: name("123456")},
		{in: "0xcafe", want: name("\xca\xfe")},
		{in: "myrollup", want: name("myrollup")},
		{in: name("myrollup").String(), want: name("myrollup")}, // as quadrant prints it
		{in: "", wantErr: "namespace is required"},
		{in: "0xzz", wantErr: "invalid hex after 0x"},
		{in: "0x", wantErr: "no hex digits after 0x"},
		{in: "0x" + strings.Repeat("ab", 11), wantErr: "11 bytes, want 29"},
		{in: "elevenchars", wantErr: "at most 10 characters"},
		{in: "tab\there", wantErr: "printable ASCII"},
		{in: "0x" + strings.Repeat("00", 28) + "01", wantErr: "reserved"},
	} {
		got, err := parseNamespace(c.in)
		switch {
		case c.wantErr != "" && (err == nil || !strings.Contains(err.Error(), c.wantErr)):
			t.Errorf("parseNamespace(%q) = %v, %v; want error containing %q", c.in, got, err, c.wantErr)
		case c.wantErr == "" && (err != nil || got != c.want):
			t.Errorf("parseNamespace(%q) = %v, %v; want %v", c.in, got, err, c.want)
		}
	}
}

// TestVersion: `quadrant version -o json` names the CometBFT module version
// linked into the binary, from the build info.
func TestVersion(t *testing.T) {
	root := newRootCmd()
	var out bytes.Buffer
	root.SetOut(&out)
	root.SetArgs([]string{"version", "-o", "json"})
	if err := root.Execute(); err != nil {
		t.Fatal(err)
	}
	var v versionInfo
	if err := json.Unmarshal(out.Bytes(), &v); err != nil {
		t.Fatalf("%v: %s", err, out.Bytes())
	}
	if v.CometBFT != "v0.40.0" || !strings.HasPrefix(v.Go, "go1.") || v.Version == "" {
		t.Fatalf("version %+v: want cometbft v0.40.0 and a Go version", v)
	}
	out.Reset()
	root = newRootCmd()
	root.SetOut(&out)
	root.SetArgs([]string{"--version"})
	if err := root.Execute(); err != nil || !strings.Contains(out.String(), "cometbft  v0.40.0") {
		t.Fatalf("--version: %v %q", err, out.String())
	}
}

// TestSubmitWithoutNode: with no node running, blob submit fails at once
// with a message saying so (it used to wait out its whole --timeout).
func TestSubmitWithoutNode(t *testing.T) {
	home := t.TempDir()
	if _, err := wallet.NewKeyring(home).Add("faucet", ""); err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close() // nothing listens there now
	root := newRootCmd()
	root.SetArgs([]string{"blob", "submit", "--home", home, "--node", "http://" + addr, "--grpc", addr,
		"--namespace", "myrollup", "--data", "x", "--timeout", "1h"})
	root.SetOut(io.Discard)
	err = root.Execute()
	if err == nil || !strings.Contains(err.Error(), "no node answers at http://"+addr) {
		t.Fatalf("submit with no node: %v", err)
	}
}

// TestDevnetLock: a devnet home in use is refused at once, naming the pid
// that holds it; once released it can be taken again.
func TestDevnetLock(t *testing.T) {
	home := filepath.Join(t.TempDir(), "devnet")
	release, err := lockDevnet(home)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := lockDevnet(home); err == nil || !strings.Contains(err.Error(), "in use by a running quadrant devnet (pid "+strconv.Itoa(os.Getpid())+")") {
		t.Fatalf("second lock: %v", err)
	}
	release()
	again, err := lockDevnet(home)
	if err != nil {
		t.Fatalf("lock after release: %v", err)
	}
	again()
}
