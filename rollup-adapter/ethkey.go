package rollupadapter

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/decred/dcrd/dcrec/secp256k1/v4"
	"github.com/decred/dcrd/dcrec/secp256k1/v4/ecdsa"
)

// ErrSignature is wrapped by Ethereum signature failures.
//
// Exported for Go clients of the DAC member, which check who signed a sequence.
var ErrSignature = errors.New("rollupadapter: invalid signature")

// errKeyFile is wrapped when a key file is unsafe on disk or unreadable as a
// key.
var errKeyFile = errors.New("rollupadapter: invalid key file")

// EthAddress is a 20-byte Ethereum address.
type EthAddress [20]byte

// Hex returns the address as 0x-prefixed lower-case hex.
func (a EthAddress) Hex() string { return "0x" + hex.EncodeToString(a[:]) }

// ParseEthAddress parses a 40-digit hex address, with or without "0x".
func ParseEthAddress(s string) (EthAddress, error) {
	var a EthAddress
	b, err := hex.DecodeString(strings.TrimPrefix(strings.TrimPrefix(s, "0x"), "0X"))
	if err != nil || len(b) != len(a) {
		return a, fmt.Errorf("rollupadapter: Ethereum address %q: want 40 hex digits", s)
	}
	copy(a[:], b)
	return a, nil
}

// EthKey is an Ethereum secp256k1 signing key.
type EthKey struct{ priv *secp256k1.PrivateKey }

// ParseEthKey parses a 32-byte private key in hex (with or without "0x").
func ParseEthKey(s string) (*EthKey, error) {
	b, err := hex.DecodeString(strings.TrimPrefix(strings.TrimSpace(s), "0x"))
	if err != nil || len(b) != 32 {
		return nil, errors.New("rollupadapter: Ethereum private key: want 64 hex digits")
	}
	return newEthKey(b)
}

// newEthKey returns the key with the given 32-byte secret.
func newEthKey(secret []byte) (*EthKey, error) {
	if len(secret) != 32 {
		return nil, errors.New("rollupadapter: Ethereum private key must be 32 bytes")
	}
	var s secp256k1.ModNScalar
	if overflow := s.SetByteSlice(secret); overflow || s.IsZero() {
		return nil, errors.New("rollupadapter: Ethereum private key out of range")
	}
	return &EthKey{secp256k1.NewPrivateKey(&s)}, nil
}

// Address returns the key's Ethereum address.
func (k *EthKey) Address() EthAddress { return pubAddress(k.priv.PubKey()) }

func pubAddress(p *secp256k1.PublicKey) EthAddress {
	var a EthAddress
	copy(a[:], Keccak256(p.SerializeUncompressed()[1:])[12:])
	return a
}

// Sign signs a 32-byte hash the way the CDK committee contract checks
// (go-ethereum crypto.Sign with V += 27): 65 bytes R ‖ S ‖ V, V ∈ {27, 28},
// low S.
func (k *EthKey) Sign(hash []byte) ([]byte, error) {
	if len(hash) != 32 {
		return nil, fmt.Errorf("%w: hash must be 32 bytes, got %d", ErrSignature, len(hash))
	}
	c := ecdsa.SignCompact(k.priv, hash, false) // V ‖ R ‖ S, V = 27 + recovery id
	return append(c[1:65:65], c[0]), nil
}

// RecoverEthSigner returns the address that made sig (65 bytes R ‖ S ‖ V,
// V ∈ {0, 1, 27, 28}) over hash.
//
// Exported for Go clients of the DAC member, which check who signed a sequence.
func RecoverEthSigner(hash, sig []byte) (EthAddress, error) {
	if len(hash) != 32 || len(sig) != 65 {
		return EthAddress{}, fmt.Errorf("%w: want a 32-byte hash and a 65-byte signature", ErrSignature)
	}
	v := sig[64]
	if v < 27 {
		v += 27
	}
	if v != 27 && v != 28 {
		return EthAddress{}, fmt.Errorf("%w: V must be 27 or 28, got %d", ErrSignature, sig[64])
	}
	c := append([]byte{v}, sig[:64]...)
	pub, _, err := ecdsa.RecoverCompact(c, hash)
	if err != nil {
		return EthAddress{}, fmt.Errorf("%w: %w", ErrSignature, err)
	}
	return pubAddress(pub), nil
}

// LoadOrCreateEthKey reads the hex secp256k1 secret at path (a DAC member's
// key), or creates one from crypto/rand (file mode 0600, parent directory
// 0700) if the file does not exist. A file readable or writable by group or
// others is refused with errKeyFile, saying to chmod 600 it: whoever reads
// the key can sign as a committee member.
func LoadOrCreateEthKey(path string) (*EthKey, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return createEthKey(path)
	}
	if err != nil {
		return nil, fmt.Errorf("rollupadapter: read key file: %w", err)
	}
	fi, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("rollupadapter: stat %s: %w", path, err)
	}
	if m := fi.Mode().Perm(); m&0o077 != 0 {
		return nil, fmt.Errorf("%w: %s has mode %v, readable or writable by others; want 0600 (chmod 600 %s)", errKeyFile, path, m, path)
	}
	k, err := ParseEthKey(string(b))
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %w", errKeyFile, path, err)
	}
	return k, nil
}

func createEthKey(path string) (*EthKey, error) {
	secret := make([]byte, 32)
	var k *EthKey
	for k == nil { // out of range is astronomically rare: draw again
		if _, err := rand.Read(secret); err != nil {
			return nil, fmt.Errorf("rollupadapter: generate key: %w", err)
		}
		k, _ = newEthKey(secret)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("rollupadapter: create directory for %s: %w", path, err)
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return nil, fmt.Errorf("rollupadapter: create %s: %w", path, err)
	}
	_, werr := f.WriteString(hex.EncodeToString(secret) + "\n")
	if cerr := f.Close(); werr == nil {
		werr = cerr
	}
	if werr != nil {
		return nil, fmt.Errorf("rollupadapter: write %s: %w", path, werr)
	}
	return k, nil
}
