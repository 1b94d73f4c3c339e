package blobs

import (
	"encoding/binary"
	"errors"
	"fmt"
	"unicode/utf8"

	"github.com/cometbft/cometbft/crypto/ed25519"
	"github.com/cometbft/cometbft/crypto/secp256k1"

	"github.com/quadrant-da/quadrant/da"
	"github.com/quadrant-da/quadrant/internal/wire"
)

// Transaction format limits.
const (
	// MaxTxSize is the largest encoded Tx (the inner transaction, without
	// the blobs a BlobTx carries next to it).
	MaxTxSize = 32 << 10
	// MaxChainIDLen is the longest chain id a Tx may name.
	MaxChainIDLen = 64
	// MaxBlobsPerTx is the largest number of blobs one pay-for-blobs pays for.
	MaxBlobsPerTx = 256
	// AddressSize is the size of an account address (CometBFT's).
	AddressSize = 20
	// CommitmentSize is the size of a share commitment.
	CommitmentSize = 32
)

// Key types a Tx may be signed with.
const (
	KeyTypeEd25519   = ed25519.KeyType
	KeyTypeSecp256k1 = secp256k1.KeyType
)

// Wire constants of the Tx encoding.
var txMagic = [4]byte{0x00, 'Q', 'T', 'X'}

const (
	txVersion = 1

	keyCodeEd25519   = 1
	keyCodeSecp256k1 = 2

	bodyPayForBlobs = 1
	bodyTransfer    = 2

	signatureSize = 64 // ed25519 and CometBFT's secp256k1 (R ‖ S)
)

// Tx errors.
var (
	// ErrInvalidTx is wrapped by every Tx encoding or validation failure.
	ErrInvalidTx = errors.New("blobs: invalid tx")
	// ErrTxTooLarge is wrapped when an encoded Tx exceeds MaxTxSize.
	ErrTxTooLarge = errors.New("blobs: tx too large")
	// ErrBadSignature is wrapped when a Tx signature does not verify.
	ErrBadSignature = errors.New("blobs: signature does not verify")
)

// Tx is Quadrant's signed transaction. Exactly one of PayForBlobs and
// Transfer is set. The signature covers every other field (SignBytes),
// including the chain id, so a Tx cannot be replayed on another chain.
//
// Encoding (deterministic, one byte form per value; all integers are
// minimal unsigned varints):
//
//	"\x00QTX" ‖ version (1) ‖ varint len ‖ chain id ‖ key type (1 ed25519,
//	2 secp256k1) ‖ public key (32 or 33 bytes) ‖ sequence ‖ gas limit ‖
//	gas price ‖ body ‖ signature (64 bytes)
//	body = 1 ‖ varint n ‖ n × (namespace (29) ‖ size ‖ share version (1) ‖ commitment (32))
//	     | 2 ‖ to (20) ‖ amount
type Tx struct {
	ChainID     string
	PubKey      []byte
	KeyType     string // KeyTypeEd25519 or KeyTypeSecp256k1
	Sequence    uint64
	GasLimit    uint64
	GasPrice    uint64
	PayForBlobs *PayForBlobs
	Transfer    *Transfer
	Signature   []byte
}

// PayForBlobs pays for the blobs carried next to the Tx in a BlobTx: for
// each blob (in order) its namespace, size in bytes, share version and
// share commitment. All four slices have the same length.
type PayForBlobs struct {
	Namespaces       []da.Namespace
	BlobSizes        []uint32
	ShareVersions    []uint8
	ShareCommitments [][]byte
}

// Transfer moves Amount from the signer's account to To (a 20-byte address).
type Transfer struct {
	To     []byte
	Amount uint64
}

func pubKeySize(keyType string) (int, byte, error) {
	switch keyType {
	case KeyTypeEd25519:
		return ed25519.PubKeySize, keyCodeEd25519, nil
	case KeyTypeSecp256k1:
		return secp256k1.PubKeySize, keyCodeSecp256k1, nil
	}
	return 0, 0, fmt.Errorf("%w: key type %q (want %q or %q)", ErrInvalidTx, keyType, KeyTypeEd25519, KeyTypeSecp256k1)
}

// ValidateBasic checks the transaction's structure without verifying the
// signature: chain id, key type and public key size, exactly one body and
// that body's own rules. A missing signature is accepted (ValidateBasic is
// also used before signing).
func (tx *Tx) ValidateBasic() error {
	if tx == nil {
		return fmt.Errorf("%w: nil tx", ErrInvalidTx)
	}
	if tx.ChainID == "" || len(tx.ChainID) > MaxChainIDLen || !utf8.ValidString(tx.ChainID) {
		return fmt.Errorf("%w: chain id must be 1 to %d bytes of UTF-8, got %d bytes", ErrInvalidTx, MaxChainIDLen, len(tx.ChainID))
	}
	size, _, err := pubKeySize(tx.KeyType)
	if err != nil {
		return err
	}
	if len(tx.PubKey) != size {
		return fmt.Errorf("%w: %s public key must be %d bytes, got %d", ErrInvalidTx, tx.KeyType, size, len(tx.PubKey))
	}
	if tx.KeyType == KeyTypeSecp256k1 && tx.PubKey[0] != 2 && tx.PubKey[0] != 3 {
		return fmt.Errorf("%w: secp256k1 public key must be compressed (prefix 0x02 or 0x03), got prefix %#x", ErrInvalidTx, tx.PubKey[0])
	}
	if len(tx.Signature) != 0 && len(tx.Signature) != signatureSize {
		return fmt.Errorf("%w: signature must be %d bytes, got %d", ErrInvalidTx, signatureSize, len(tx.Signature))
	}
	switch {
	case tx.PayForBlobs != nil && tx.Transfer != nil:
		return fmt.Errorf("%w: a tx carries one body, got both pay-for-blobs and transfer", ErrInvalidTx)
	case tx.PayForBlobs != nil:
		return tx.PayForBlobs.ValidateBasic()
	case tx.Transfer != nil:
		if len(tx.Transfer.To) != AddressSize {
			return fmt.Errorf("%w: transfer recipient must be a %d-byte address, got %d bytes", ErrInvalidTx, AddressSize, len(tx.Transfer.To))
		}
		return nil
	}
	return fmt.Errorf("%w: no body (want pay-for-blobs or transfer)", ErrInvalidTx)
}

// ValidateBasic checks the pay-for-blobs on its own: 1 to MaxBlobsPerTx
// blobs, equally long lists, namespaces valid for blobs, sizes within
// MaxBlobSize(MaxSquareSizeUpperBound), share versions 0 or 1, 32-byte
// commitments.
func (p *PayForBlobs) ValidateBasic() error {
	n := len(p.Namespaces)
	if n == 0 || n > MaxBlobsPerTx {
		return fmt.Errorf("%w: pay-for-blobs must pay for 1 to %d blobs, got %d", ErrInvalidTx, MaxBlobsPerTx, n)
	}
	if len(p.BlobSizes) != n || len(p.ShareVersions) != n || len(p.ShareCommitments) != n {
		return fmt.Errorf("%w: pay-for-blobs lists differ in length: %d namespaces, %d sizes, %d share versions, %d commitments",
			ErrInvalidTx, n, len(p.BlobSizes), len(p.ShareVersions), len(p.ShareCommitments))
	}
	for i := range n {
		if err := p.Namespaces[i].ValidateForBlob(); err != nil {
			return fmt.Errorf("%w: blob %d: %w", ErrInvalidTx, i, err)
		}
		if v := p.ShareVersions[i]; v != da.ShareVersionZero && v != da.ShareVersionOne {
			return fmt.Errorf("%w: blob %d: share version %d (want 0 or 1)", ErrInvalidTx, i, v)
		}
		if p.BlobSizes[i] == 0 {
			return fmt.Errorf("%w: blob %d: size 0 (a blob needs at least one byte)", ErrInvalidTx, i)
		}
		if max := MaxBlobSize(MaxSquareSizeUpperBound, p.ShareVersions[i]); int64(p.BlobSizes[i]) > int64(max) {
			return fmt.Errorf("%w: blob %d: %d bytes, the largest blob any square can hold is %d bytes", ErrBlobTooLarge, i, p.BlobSizes[i], max)
		}
		if len(p.ShareCommitments[i]) != CommitmentSize {
			return fmt.Errorf("%w: blob %d: share commitment must be %d bytes, got %d", ErrInvalidTx, i, CommitmentSize, len(p.ShareCommitments[i]))
		}
	}
	return nil
}

// appendUvarint appends v as an unsigned varint.
func appendUvarint(b []byte, v uint64) []byte { return binary.AppendUvarint(b, v) }

// appendUnsigned appends every field but the signature.
func (tx *Tx) appendUnsigned(b []byte) ([]byte, error) {
	if err := tx.ValidateBasic(); err != nil {
		return nil, err
	}
	_, code, _ := pubKeySize(tx.KeyType)
	b = append(b, txMagic[:]...)
	b = append(b, txVersion)
	b = appendUvarint(b, uint64(len(tx.ChainID)))
	b = append(b, tx.ChainID...)
	b = append(b, code)
	b = append(b, tx.PubKey...)
	b = appendUvarint(b, tx.Sequence)
	b = appendUvarint(b, tx.GasLimit)
	b = appendUvarint(b, tx.GasPrice)
	if p := tx.PayForBlobs; p != nil {
		b = append(b, bodyPayForBlobs)
		b = appendUvarint(b, uint64(len(p.Namespaces)))
		for i := range p.Namespaces {
			b = append(b, p.Namespaces[i][:]...)
			b = appendUvarint(b, uint64(p.BlobSizes[i]))
			b = append(b, p.ShareVersions[i])
			b = append(b, p.ShareCommitments[i]...)
		}
	} else {
		b = append(b, bodyTransfer)
		b = append(b, tx.Transfer.To...)
		b = appendUvarint(b, tx.Transfer.Amount)
	}
	return b, nil
}

// signDomain separates Quadrant Tx signatures from any other signed bytes.
const signDomain = "quadrant/tx/v1\x00"

// SignBytes returns the bytes a signature covers: a domain separator
// followed by the encoding of every field except the signature. It returns
// nil if the Tx is structurally invalid (see ValidateBasic).
func (tx *Tx) SignBytes() []byte {
	b, err := tx.appendUnsigned([]byte(signDomain))
	if err != nil {
		return nil
	}
	return b
}

// Marshal returns the Tx's canonical encoding. The Tx must be valid (see
// ValidateBasic), signed, and encode to at most MaxTxSize bytes.
func (tx *Tx) Marshal() ([]byte, error) {
	if len(tx.Signature) != signatureSize {
		return nil, fmt.Errorf("%w: unsigned (signature must be %d bytes, got %d)", ErrInvalidTx, signatureSize, len(tx.Signature))
	}
	b, err := tx.appendUnsigned(nil)
	if err != nil {
		return nil, err
	}
	b = append(b, tx.Signature...)
	if len(b) > MaxTxSize {
		return nil, fmt.Errorf("%w: %d bytes, the limit is %d", ErrTxTooLarge, len(b), MaxTxSize)
	}
	return b, nil
}

// IsTx reports whether b starts with the Tx magic (it may still be invalid).
func IsTx(b []byte) bool {
	return len(b) >= len(txMagic) && [4]byte(b[:4]) == txMagic
}

// txReader reads the encoding strictly; the first failure sticks.
type txReader struct{ wire.Reader }

// DecodeTx decodes a Tx strictly: magic and version, every field in order,
// minimal varints, known key and body types, exact key and signature
// sizes, no trailing bytes, at most MaxTxSize bytes, and ValidateBasic. The
// decoded Tx does not alias b. It does not verify the signature.
func DecodeTx(b []byte) (*Tx, error) {
	if len(b) > MaxTxSize {
		return nil, fmt.Errorf("%w: %d bytes, the limit is %d", ErrTxTooLarge, len(b), MaxTxSize)
	}
	if !IsTx(b) {
		return nil, fmt.Errorf("%w: missing the %q magic", ErrInvalidTx, txMagic[:])
	}
	r := &txReader{wire.Reader{B: b[len(txMagic):], Invalid: ErrInvalidTx}}
	if v := r.Byte("version"); r.Err == nil && v != txVersion {
		return nil, fmt.Errorf("%w: version %d (want %d)", ErrInvalidTx, v, txVersion)
	}
	tx := &Tx{}
	idLen := r.Uvarint("chain id length")
	if r.Err == nil && idLen > MaxChainIDLen {
		return nil, fmt.Errorf("%w: chain id of %d bytes, the limit is %d", ErrInvalidTx, idLen, MaxChainIDLen)
	}
	tx.ChainID = string(r.Bytes(int(idLen), "chain id"))
	switch code := r.Byte("key type"); {
	case r.Err != nil:
	case code == keyCodeEd25519:
		tx.KeyType = KeyTypeEd25519
	case code == keyCodeSecp256k1:
		tx.KeyType = KeyTypeSecp256k1
	default:
		return nil, fmt.Errorf("%w: unknown key type %d (want 1 ed25519 or 2 secp256k1)", ErrInvalidTx, code)
	}
	if r.Err == nil {
		size, _, _ := pubKeySize(tx.KeyType)
		tx.PubKey = append([]byte(nil), r.Bytes(size, "public key")...)
	}
	tx.Sequence = r.Uvarint("sequence")
	tx.GasLimit = r.Uvarint("gas limit")
	tx.GasPrice = r.Uvarint("gas price")
	switch body := r.Byte("body type"); {
	case r.Err != nil:
	case body == bodyPayForBlobs:
		tx.PayForBlobs = decodePayForBlobs(r)
	case body == bodyTransfer:
		tx.Transfer = &Transfer{To: append([]byte(nil), r.Bytes(AddressSize, "transfer recipient")...)}
		tx.Transfer.Amount = r.Uvarint("transfer amount")
	default:
		return nil, fmt.Errorf("%w: unknown body type %d (want 1 pay-for-blobs or 2 transfer)", ErrInvalidTx, body)
	}
	tx.Signature = append([]byte(nil), r.Bytes(signatureSize, "signature")...)
	if r.Err != nil {
		return nil, r.Err
	}
	if len(r.B) != 0 {
		return nil, fmt.Errorf("%w: %d trailing bytes after the signature", ErrInvalidTx, len(r.B))
	}
	if err := tx.ValidateBasic(); err != nil {
		return nil, err
	}
	return tx, nil
}

func decodePayForBlobs(r *txReader) *PayForBlobs {
	n := r.Uvarint("blob count")
	if r.Err != nil {
		return nil
	}
	if n == 0 || n > MaxBlobsPerTx {
		r.Fail("pay-for-blobs must pay for 1 to %d blobs, got %d", MaxBlobsPerTx, n)
		return nil
	}
	p := &PayForBlobs{
		Namespaces:       make([]da.Namespace, n),
		BlobSizes:        make([]uint32, n),
		ShareVersions:    make([]uint8, n),
		ShareCommitments: make([][]byte, n),
	}
	for i := range int(n) {
		copy(p.Namespaces[i][:], r.Bytes(da.NamespaceSize, "namespace"))
		size := r.Uvarint("blob size")
		if r.Err == nil && size > 1<<32-1 {
			r.Fail("blob %d size %d does not fit 32 bits", i, size)
		}
		p.BlobSizes[i] = uint32(size)
		p.ShareVersions[i] = r.Byte("share version")
		p.ShareCommitments[i] = append([]byte(nil), r.Bytes(CommitmentSize, "share commitment")...)
		if r.Err != nil {
			return nil
		}
	}
	return p
}
