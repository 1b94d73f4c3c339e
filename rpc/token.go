package rpc

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/filecoin-project/go-jsonrpc/auth"
)

// SecretFile is the name of the JWT signing secret in a node's home. It is
// the node's own secret, separate from its p2p and consensus keys.
const SecretFile = "jwt_secret"

// SecretSize is the size of a generated secret; shorter secrets are refused.
const SecretSize = 32

// maxTokenSize bounds the length of a token accepted by verifyToken.
const maxTokenSize = 4096

// errToken is wrapped by every token verification failure.
var errToken = errors.New("rpc: invalid token")

// errSecret is wrapped when a secret is missing, short or unsafe on disk.
var errSecret = errors.New("rpc: invalid jwt secret")

// jwtHeader is the only header Quadrant issues and accepts.
var jwtHeader = base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"HS256","typ":"JWT"}`))

// claims is a token's payload: the permissions it grants, as celestia-node's
// ("Allow"), and an optional expiry (RFC 7519 "exp", seconds since the
// epoch).
type claims struct {
	Allow     []auth.Permission `json:"Allow"`
	ExpiresAt int64             `json:"exp,omitempty"`
	IssuedAt  int64             `json:"iat,omitempty"`
}

// NewToken returns an HS256 JWT granting perms, signed with secret. A zero
// expiresAt never expires. Every permission must be one of allPerms.
func NewToken(secret []byte, perms []auth.Permission, expiresAt time.Time) (string, error) {
	if len(secret) < SecretSize {
		return "", fmt.Errorf("%w: %d bytes, want at least %d", errSecret, len(secret), SecretSize)
	}
	if len(perms) == 0 {
		return "", fmt.Errorf("%w: no permissions to grant", errToken)
	}
	for _, p := range perms {
		if !slices.Contains(allPerms, p) {
			return "", fmt.Errorf("%w: unknown permission %q, want one of %v", errToken, p, allPerms)
		}
	}
	c := claims{Allow: perms}
	if !expiresAt.IsZero() {
		c.ExpiresAt = expiresAt.Unix()
	}
	payload, err := json.Marshal(c)
	if err != nil {
		return "", fmt.Errorf("rpc: encode claims: %w", err)
	}
	signing := jwtHeader + "." + base64.RawURLEncoding.EncodeToString(payload)
	return signing + "." + base64.RawURLEncoding.EncodeToString(sign(secret, signing)), nil
}

func sign(secret []byte, signing string) []byte {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte(signing))
	return m.Sum(nil)
}

// verifyToken checks token's HS256 signature against secret and its expiry
// against now, and returns the permissions it grants, always including
// "public" (an authenticated caller may do what an anonymous one may). It
// accepts only alg HS256 (never "none" or another algorithm named by the
// token), unpadded base64url, known permissions, and tokens of at most
// maxTokenSize bytes.
func verifyToken(secret []byte, token string, now time.Time) ([]auth.Permission, error) {
	if len(token) > maxTokenSize {
		return nil, fmt.Errorf("%w: %d bytes, limit %d", errToken, len(token), maxTokenSize)
	}
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return nil, fmt.Errorf("%w: %d dot-separated parts, want 3 (header.payload.signature)", errToken, len(parts))
	}
	hdr, err := decodeSegment(parts[0])
	if err != nil {
		return nil, fmt.Errorf("%w: header: %v", errToken, err)
	}
	var h struct {
		Alg  string          `json:"alg"`
		Typ  string          `json:"typ"`
		Crit json.RawMessage `json:"crit"`
	}
	if err := json.Unmarshal(hdr, &h); err != nil {
		return nil, fmt.Errorf("%w: header is not JSON: %v", errToken, err)
	}
	if h.Alg != "HS256" || (h.Typ != "" && h.Typ != "JWT") || h.Crit != nil {
		return nil, fmt.Errorf("%w: alg %q typ %q, want HS256 JWT without critical extensions", errToken, h.Alg, h.Typ)
	}
	sig, err := decodeSegment(parts[2])
	if err != nil {
		return nil, fmt.Errorf("%w: signature: %v", errToken, err)
	}
	if len(secret) < SecretSize {
		return nil, fmt.Errorf("%w: server secret too short", errSecret)
	}
	if !hmac.Equal(sig, sign(secret, parts[0]+"."+parts[1])) {
		return nil, fmt.Errorf("%w: bad signature", errToken)
	}
	payload, err := decodeSegment(parts[1])
	if err != nil {
		return nil, fmt.Errorf("%w: payload: %v", errToken, err)
	}
	var c claims
	if err := json.Unmarshal(payload, &c); err != nil {
		return nil, fmt.Errorf("%w: claims: %v", errToken, err)
	}
	if c.ExpiresAt != 0 && now.Unix() >= c.ExpiresAt {
		return nil, fmt.Errorf("%w: expired at %s", errToken, time.Unix(c.ExpiresAt, 0).UTC().Format(time.RFC3339))
	}
	perms := []auth.Permission{permPublic}
	for _, p := range c.Allow {
		if !slices.Contains(allPerms, p) {
			return nil, fmt.Errorf("%w: unknown permission %q", errToken, p)
		}
		if !slices.Contains(perms, p) {
			perms = append(perms, p)
		}
	}
	return perms, nil
}

func decodeSegment(s string) ([]byte, error) {
	return base64.RawURLEncoding.Strict().DecodeString(s)
}

// LoadOrCreateSecret reads the hex-encoded secret at path, or creates one
// from crypto/rand (file mode 0600, parent directory 0700) if the file does
// not exist. A file readable or writable by others is refused, as is a secret
// shorter than SecretSize.
func LoadOrCreateSecret(path string) ([]byte, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		secret := make([]byte, SecretSize)
		if _, err := rand.Read(secret); err != nil {
			return nil, fmt.Errorf("rpc: generate jwt secret: %w", err)
		}
		if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
			return nil, fmt.Errorf("rpc: create directory for %s: %w", path, err)
		}
		f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if err != nil {
			return nil, fmt.Errorf("rpc: create %s: %w", path, err)
		}
		_, werr := f.WriteString(hex.EncodeToString(secret) + "\n")
		if cerr := f.Close(); werr == nil {
			werr = cerr
		}
		if werr != nil {
			return nil, fmt.Errorf("rpc: write %s: %w", path, werr)
		}
		return secret, nil
	}
	if err != nil {
		return nil, fmt.Errorf("rpc: read jwt secret: %w", err)
	}
	fi, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("rpc: stat %s: %w", path, err)
	}
	if fi.Mode().Perm()&0o077 != 0 {
		return nil, fmt.Errorf("%w: %s has mode %v, want 0600 (chmod 600 it)", errSecret, path, fi.Mode().Perm())
	}
	secret, err := hex.DecodeString(strings.TrimSpace(string(b)))
	if err != nil {
		return nil, fmt.Errorf("%w: %s is not hex: %v", errSecret, path, err)
	}
	if len(secret) < SecretSize {
		return nil, fmt.Errorf("%w: %s holds %d bytes, want at least %d", errSecret, path, len(secret), SecretSize)
	}
	return secret, nil
}
