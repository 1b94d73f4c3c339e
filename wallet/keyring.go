package wallet

import (
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"

	"github.com/cometbft/cometbft/crypto"
	"github.com/cometbft/cometbft/crypto/ed25519"
	"github.com/cometbft/cometbft/crypto/secp256k1"
	"github.com/quadrant-da/quadrant/chain"
)

// Account key types.
const (
	KeyTypeSecp256k1 = "secp256k1"
	KeyTypeEd25519   = "ed25519"
)

// Keyring errors.
var (
	ErrKeyNotFound   = errors.New("wallet: key not found")
	errKeyExists     = errors.New("wallet: key already exists")
	errInvalidKey    = errors.New("wallet: invalid key file")
	errInvalidKeyArg = errors.New("wallet: invalid key name or type")
)

var keyNameRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$`)

// Keyring stores account keys as JSON files <dir>/<name>.json, readable only
// by their owner (files 0600, directory 0700). It is safe for concurrent use
// by readers; Add creates files exclusively, so two writers of one name do
// not overwrite each other.
type Keyring struct {
	dir string
}

// NewKeyring returns the keyring of a home directory (<home>/keys).
func NewKeyring(home string) *Keyring { return &Keyring{dir: KeysDir(home)} }

// KeysDir returns the account key directory inside a home: <home>/keys.
func KeysDir(home string) string { return filepath.Join(home, "keys") }

// Dir returns the directory the keyring stores its files in.
func (k *Keyring) Dir() string { return k.dir }

// Key is one account key.
type Key struct {
	Name    string
	Type    string
	PrivKey crypto.PrivKey
}

// PubKey returns the key's public key.
func (k *Key) PubKey() crypto.PubKey { return k.PrivKey.PubKey() }

// Address returns the 20-byte account address of the key.
func (k *Key) Address() chain.Address {
	var a chain.Address
	copy(a[:], k.PrivKey.PubKey().Address())
	return a
}

// KeyInfo is the public part of a key, as listed and shown.
type KeyInfo struct {
	Name    string `json:"name"`
	Type    string `json:"type"`
	Address string `json:"address"`
	PubKey  string `json:"pub_key"`
}

// Info returns the public part of k.
func (k *Key) Info() KeyInfo {
	return KeyInfo{Name: k.Name, Type: k.Type, Address: k.Address().String(), PubKey: hex.EncodeToString(k.PubKey().Bytes())}
}

type keyFile struct {
	Name    string `json:"name"`
	Type    string `json:"type"`
	Address string `json:"address"`
	PubKey  string `json:"pub_key"`
	PrivKey string `json:"priv_key"`
}

// GenerateKey returns a fresh key of the given type (KeyTypeSecp256k1 or
// KeyTypeEd25519; "" means secp256k1), drawn from crypto/rand.
func GenerateKey(name, keyType string) (*Key, error) {
	if !keyNameRE.MatchString(name) {
		return nil, fmt.Errorf("%w: name %q, want 1-64 of [A-Za-z0-9._-] starting with a letter or digit", errInvalidKeyArg, name)
	}
	switch keyType {
	case "", KeyTypeSecp256k1:
		return &Key{Name: name, Type: KeyTypeSecp256k1, PrivKey: secp256k1.GenPrivKey()}, nil
	case KeyTypeEd25519:
		return &Key{Name: name, Type: KeyTypeEd25519, PrivKey: ed25519.GenPrivKey()}, nil
	default:
		return nil, fmt.Errorf("%w: key type %q, want %s or %s", errInvalidKeyArg, keyType, KeyTypeSecp256k1, KeyTypeEd25519)
	}
}

// Add generates a key named name of the given type and stores it. It fails
// with errKeyExists if the name is taken.
func (k *Keyring) Add(name, keyType string) (*Key, error) {
	key, err := GenerateKey(name, keyType)
	if err != nil {
		return nil, err
	}
	if err := k.Import(key); err != nil {
		return nil, err
	}
	return key, nil
}

// Import stores key under key.Name. It fails with errKeyExists if the name is
// taken.
func (k *Keyring) Import(key *Key) error {
	if !keyNameRE.MatchString(key.Name) {
		return fmt.Errorf("%w: name %q", errInvalidKeyArg, key.Name)
	}
	if err := os.MkdirAll(k.dir, 0o700); err != nil {
		return fmt.Errorf("wallet: creating keyring %s: %w", k.dir, err)
	}
	// MkdirAll leaves an existing directory's mode alone; tighten it.
	if err := os.Chmod(k.dir, 0o700); err != nil {
		return fmt.Errorf("wallet: keyring %s: %w", k.dir, err)
	}
	kf := keyFile{
		Name:    key.Name,
		Type:    key.Type,
		Address: key.Address().String(),
		PubKey:  hex.EncodeToString(key.PubKey().Bytes()),
		PrivKey: hex.EncodeToString(key.PrivKey.Bytes()),
	}
	b, err := json.MarshalIndent(kf, "", "  ")
	if err != nil {
		return fmt.Errorf("wallet: encoding key: %w", err)
	}
	path := k.path(key.Name)
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, fs.ErrExist) {
		return fmt.Errorf("%w: %q in %s", errKeyExists, key.Name, k.dir)
	}
	if err != nil {
		return fmt.Errorf("wallet: writing key %s: %w", path, err)
	}
	if _, err := f.Write(append(b, '\n')); err != nil {
		f.Close()
		os.Remove(path)
		return fmt.Errorf("wallet: writing key %s: %w", path, err)
	}
	return f.Close()
}

func (k *Keyring) path(name string) string { return filepath.Join(k.dir, name+".json") }

// Load reads the key called name, checking that its stored address and public
// key match the private key.
func (k *Keyring) Load(name string) (*Key, error) {
	if !keyNameRE.MatchString(name) {
		return nil, fmt.Errorf("%w: name %q", errInvalidKeyArg, name)
	}
	b, err := os.ReadFile(k.path(name))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("%w: %q in %s", ErrKeyNotFound, name, k.dir)
	}
	if err != nil {
		return nil, fmt.Errorf("wallet: reading key: %w", err)
	}
	return decodeKeyFile(name, b)
}

func decodeKeyFile(name string, b []byte) (*Key, error) {
	var kf keyFile
	if err := json.Unmarshal(b, &kf); err != nil {
		return nil, fmt.Errorf("%w: %q: %w", errInvalidKey, name, err)
	}
	raw, err := hex.DecodeString(kf.PrivKey)
	if err != nil {
		return nil, fmt.Errorf("%w: %q: private key is not hex", errInvalidKey, name)
	}
	key := &Key{Name: name, Type: kf.Type}
	switch kf.Type {
	case KeyTypeSecp256k1:
		if len(raw) != secp256k1.PrivKeySize {
			return nil, fmt.Errorf("%w: %q: secp256k1 key of %d bytes, want %d", errInvalidKey, name, len(raw), secp256k1.PrivKeySize)
		}
		key.PrivKey = secp256k1.PrivKey(raw)
	case KeyTypeEd25519:
		if len(raw) != ed25519.PrivateKeySize {
			return nil, fmt.Errorf("%w: %q: ed25519 key of %d bytes, want %d", errInvalidKey, name, len(raw), ed25519.PrivateKeySize)
		}
		key.PrivKey = ed25519.PrivKey(raw)
	default:
		return nil, fmt.Errorf("%w: %q: key type %q, want %s or %s", errInvalidKey, name, kf.Type, KeyTypeSecp256k1, KeyTypeEd25519)
	}
	if kf.Address != "" && !strings.EqualFold(kf.Address, key.Address().String()) {
		return nil, fmt.Errorf("%w: %q: stored address %s does not match the private key's %s", errInvalidKey, name, kf.Address, key.Address())
	}
	return key, nil
}

// List returns the public part of every key, sorted by name. A missing
// keyring directory is an empty list.
func (k *Keyring) List() ([]KeyInfo, error) {
	entries, err := os.ReadDir(k.dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("wallet: listing keys: %w", err)
	}
	var out []KeyInfo
	for _, e := range entries {
		name, ok := strings.CutSuffix(e.Name(), ".json")
		if !ok || e.IsDir() || !keyNameRE.MatchString(name) {
			continue
		}
		key, err := k.Load(name)
		if err != nil {
			return nil, err
		}
		out = append(out, key.Info())
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}
