package wallet

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/quadrant-da/quadrant/chain"
)

func TestKeyringAddLoadList(t *testing.T) {
	home := t.TempDir()
	kr := NewKeyring(home)
	a, err := kr.Add("alice", "")
	if err != nil {
		t.Fatal(err)
	}
	if a.Type != KeyTypeSecp256k1 {
		t.Fatalf("default type %q, want secp256k1", a.Type)
	}
	b, err := kr.Add("bob", KeyTypeEd25519)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := kr.Add("alice", ""); !errors.Is(err, errKeyExists) {
		t.Fatalf("second add: %v, want ErrKeyExists", err)
	}
	for _, k := range []*Key{a, b} {
		got, err := kr.Load(k.Name)
		if err != nil {
			t.Fatal(err)
		}
		if got.Address() != k.Address() || got.Type != k.Type {
			t.Fatalf("loaded %s: %s/%s, want %s/%s", k.Name, got.Address(), got.Type, k.Address(), k.Type)
		}
		if string(got.PubKey().Address()) != string(k.PubKey().Address()) {
			t.Fatal("address is not the cometbft address of the public key")
		}
		st, err := os.Stat(filepath.Join(kr.Dir(), k.Name+".json"))
		if err != nil {
			t.Fatal(err)
		}
		if st.Mode().Perm() != 0o600 {
			t.Fatalf("key file mode %v, want 0600", st.Mode().Perm())
		}
	}
	st, err := os.Stat(kr.Dir())
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o700 {
		t.Fatalf("keyring dir mode %v, want 0700", st.Mode().Perm())
	}
	list, err := kr.List()
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 2 || list[0].Name != "alice" || list[1].Name != "bob" || list[1].Address != b.Address().String() {
		t.Fatalf("list = %+v", list)
	}
	if _, err := kr.Load("carol"); !errors.Is(err, ErrKeyNotFound) {
		t.Fatalf("load missing: %v, want ErrKeyNotFound", err)
	}
}

func TestKeyringRejectsBadInput(t *testing.T) {
	kr := NewKeyring(t.TempDir())
	for _, name := range []string{"", "../x", "a/b", ".hidden"} {
		if _, err := kr.Add(name, ""); !errors.Is(err, errInvalidKeyArg) {
			t.Errorf("Add(%q): %v, want ErrInvalidKeyArg", name, err)
		}
	}
	if _, err := kr.Add("x", "rsa"); !errors.Is(err, errInvalidKeyArg) {
		t.Errorf("Add type rsa: %v, want ErrInvalidKeyArg", err)
	}
	a, err := kr.Add("tampered", "")
	if err != nil {
		t.Fatal(err)
	}
	other, _ := GenerateKey("x", KeyTypeSecp256k1)
	path := filepath.Join(kr.Dir(), "tampered.json")
	b, _ := os.ReadFile(path)
	b2 := []byte(replaceOnce(string(b), a.Address().String(), other.Address().String()))
	if err := os.WriteFile(path, b2, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := kr.Load("tampered"); !errors.Is(err, errInvalidKey) {
		t.Fatalf("load tampered: %v, want ErrInvalidKey", err)
	}
	if err := os.WriteFile(filepath.Join(kr.Dir(), "junk.json"), []byte("{"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := kr.Load("junk"); !errors.Is(err, errInvalidKey) {
		t.Fatalf("load junk: %v, want ErrInvalidKey", err)
	}
}

func replaceOnce(s, old, new string) string {
	for i := 0; i+len(old) <= len(s); i++ {
		if s[i:i+len(old)] == old {
			return s[:i] + new + s[i+len(old):]
		}
	}
	return s
}

// FuzzDecodeKeyFile: arbitrary key files never panic, and a key that loads
// has an address matching its private key.
func FuzzDecodeKeyFile(f *testing.F) {
	k, _ := GenerateKey("seed", KeyTypeSecp256k1)
	e, _ := GenerateKey("seed", KeyTypeEd25519)
	for _, key := range []*Key{k, e} {
		kr := NewKeyring(f.TempDir())
		_ = kr.Import(key)
		b, _ := os.ReadFile(filepath.Join(kr.Dir(), "seed.json"))
		f.Add(b)
	}
	f.Add([]byte(`{"type":"secp256k1","priv_key":"00"}`))
	f.Add([]byte(`{}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		key, err := decodeKeyFile("x", b)
		if err != nil {
			return
		}
		if key.PrivKey == nil || len(key.PubKey().Address()) != chain.AddressSize {
			t.Fatalf("decoded key without a usable private key: %+v", key)
		}
	})
}
