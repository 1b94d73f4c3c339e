package rollupadapter

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestLoadOrCreateEthKey covers issue 14 item 9 (key file): the DAC
// member's key file was read whatever its permissions. A key file that
// group or others can read or write is now refused, saying to chmod 600 it.
func TestLoadOrCreateEthKey(t *testing.T) {
	path := filepath.Join(t.TempDir(), "dac", "member.key")
	k, err := LoadOrCreateEthKey(path)
	if err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(path)
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("created key file: %v %v, want mode 0600", fi.Mode(), err)
	}
	if di, err := os.Stat(filepath.Dir(path)); err != nil || di.Mode().Perm() != 0o700 {
		t.Fatalf("created key directory: %v %v, want mode 0700", di.Mode(), err)
	}
	again, err := LoadOrCreateEthKey(path)
	if err != nil || again.Address() != k.Address() {
		t.Fatalf("reloaded key: %v, %v", again, err)
	}
	for _, mode := range []os.FileMode{0o640, 0o604, 0o620, 0o644} {
		if err := os.Chmod(path, mode); err != nil {
			t.Fatal(err)
		}
		_, err := LoadOrCreateEthKey(path)
		if !errors.Is(err, errKeyFile) || !strings.Contains(err.Error(), "chmod 600") {
			t.Errorf("mode %v: %v, want ErrKeyFile saying chmod 600", mode, err)
		}
	}
	if err := os.Chmod(path, 0o400); err != nil {
		t.Fatal(err)
	}
	if got, err := LoadOrCreateEthKey(path); err != nil || got.Address() != k.Address() {
		t.Fatalf("read-only for its owner: %v", err)
	}
	bad := filepath.Join(t.TempDir(), "bad.key")
	if err := os.WriteFile(bad, []byte("not hex\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadOrCreateEthKey(bad); !errors.Is(err, errKeyFile) {
		t.Fatalf("garbage key file: %v, want ErrKeyFile", err)
	}
}
