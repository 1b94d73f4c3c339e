package rpc

import (
	"encoding/base64"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/filecoin-project/go-jsonrpc/auth"
)

var testSecret = []byte("0123456789abcdef0123456789abcdef")

func TestTokenRoundTrip(t *testing.T) {
	now := time.Unix(1_800_000_000, 0)
	for _, perms := range [][]auth.Permission{readPerms, readWritePerms, allPerms, {permWrite}} {
		tok, err := NewToken(testSecret, perms, time.Time{})
		if err != nil {
			t.Fatal(err)
		}
		got, err := verifyToken(testSecret, tok, now)
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range perms {
			if !slices.Contains(got, p) {
				t.Errorf("token for %v verified as %v", perms, got)
			}
		}
		if !slices.Contains(got, permPublic) {
			t.Errorf("verified perms %v lack public", got)
		}
	}
}

func TestTokenRefused(t *testing.T) {
	now := time.Unix(1_800_000_000, 0)
	good, _ := NewToken(testSecret, readPerms, time.Time{})
	expired, _ := NewToken(testSecret, readPerms, now.Add(-time.Second))
	other, _ := NewToken([]byte("another secret of at least 32 bytes!"), allPerms, time.Time{})
	parts := strings.Split(good, ".")
	enc := base64.RawURLEncoding.EncodeToString
	forgedPayload := parts[0] + "." + enc([]byte(`{"Allow":["public","read","write","admin"]}`)) + "." + parts[2]
	none := enc([]byte(`{"alg":"none","typ":"JWT"}`)) + "." + parts[1] + "."
	hs512 := enc([]byte(`{"alg":"HS512","typ":"JWT"}`)) + "." + parts[1] + "." + parts[2]
	padded := good + "="
	unknownPerm := func() string {
		signing := parts[0] + "." + enc([]byte(`{"Allow":["root"]}`))
		return signing + "." + enc(sign(testSecret, signing))
	}()
	for name, tok := range map[string]string{
		"empty": "", "garbage": "not.a.token", "two parts": "a.b", "expired": expired,
		"wrong secret": other, "forged payload": forgedPayload, "alg none": none, "alg HS512": hs512,
		"padded": padded, "unknown permission": unknownPerm, "huge": strings.Repeat("a", maxTokenSize+1),
	} {
		if _, err := verifyToken(testSecret, tok, now); !errors.Is(err, errToken) {
			t.Errorf("%s: VerifyToken error = %v, want ErrToken", name, err)
		}
	}
	if _, err := verifyToken(testSecret, expired, now.Add(-time.Hour)); err != nil {
		t.Errorf("token refused before its expiry: %v", err)
	}
	if _, err := NewToken(testSecret[:31], readPerms, time.Time{}); !errors.Is(err, errSecret) {
		t.Errorf("short secret accepted: %v", err)
	}
	if _, err := NewToken(testSecret, []auth.Permission{"root"}, time.Time{}); !errors.Is(err, errToken) {
		t.Errorf("unknown permission accepted: %v", err)
	}
}

func TestPermsForLevel(t *testing.T) {
	for level, want := range map[string][]auth.Permission{"public": defaultPerms, "read": readPerms, "write": readWritePerms, "admin": allPerms} {
		got, err := PermsForLevel(level)
		if err != nil || !slices.Equal(got, want) {
			t.Errorf("PermsForLevel(%q) = %v, %v", level, got, err)
		}
	}
	if _, err := PermsForLevel("root"); err == nil {
		t.Error("unknown level accepted")
	}
}

func TestLoadOrCreateSecret(t *testing.T) {
	path := filepath.Join(t.TempDir(), "home", SecretFile)
	s1, err := LoadOrCreateSecret(path)
	if err != nil || len(s1) != SecretSize {
		t.Fatalf("create: %x, %v", s1, err)
	}
	fi, _ := os.Stat(path)
	if fi.Mode().Perm() != 0o600 {
		t.Fatalf("mode %v, want 0600", fi.Mode().Perm())
	}
	s2, err := LoadOrCreateSecret(path)
	if err != nil || !slices.Equal(s1, s2) {
		t.Fatalf("reload: %x, %v", s2, err)
	}
	os.Chmod(path, 0o644)
	if _, err := LoadOrCreateSecret(path); !errors.Is(err, errSecret) {
		t.Fatalf("world-readable secret accepted: %v", err)
	}
	os.WriteFile(path, []byte("abcd\n"), 0o600)
	os.Chmod(path, 0o600)
	if _, err := LoadOrCreateSecret(path); !errors.Is(err, errSecret) {
		t.Fatalf("short secret accepted: %v", err)
	}
}

func FuzzVerifyToken(f *testing.F) {
	good, _ := NewToken(testSecret, allPerms, time.Unix(2_000_000_000, 0))
	f.Add(good)
	f.Add("")
	f.Add("eyJhbGciOiJub25lIn0.e30.")
	f.Add(good[:len(good)-3])
	now := time.Unix(1_800_000_000, 0)
	f.Fuzz(func(t *testing.T, tok string) {
		perms, err := verifyToken(testSecret, tok, now)
		if err != nil {
			if !errors.Is(err, errToken) {
				t.Fatalf("error %v does not wrap ErrToken", err)
			}
			return
		}
		// Anything accepted carries a valid signature over known permissions.
		for _, p := range perms {
			if !slices.Contains(allPerms, p) {
				t.Fatalf("accepted unknown permission %q", p)
			}
		}
		parts := strings.Split(tok, ".")
		if sig, _ := base64.RawURLEncoding.DecodeString(parts[2]); !slices.Equal(sig, sign(testSecret, parts[0]+"."+parts[1])) {
			t.Fatalf("accepted a token without a valid signature: %q", tok)
		}
	})
}
