package blobs

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"math/bits"

	"github.com/cometbft/cometbft/crypto"
	"github.com/cometbft/cometbft/crypto/ed25519"
	"github.com/cometbft/cometbft/crypto/secp256k1"

	"github.com/quadrant-da/quadrant/da"
)

// ErrBlobMismatch is wrapped when the blobs of a BlobTx do not match what
// its pay-for-blobs pays for.
var ErrBlobMismatch = errors.New("blobs: blobs do not match the pay-for-blobs")

// pubKey returns the CometBFT public key of the Tx; the key type and size
// must have been validated.
func (tx *Tx) pubKey() (crypto.PubKey, error) {
	size, _, err := pubKeySize(tx.KeyType)
	if err != nil {
		return nil, err
	}
	if len(tx.PubKey) != size {
		return nil, fmt.Errorf("%w: %s public key must be %d bytes, got %d", ErrInvalidTx, tx.KeyType, size, len(tx.PubKey))
	}
	if tx.KeyType == KeyTypeEd25519 {
		return ed25519.PubKey(tx.PubKey), nil
	}
	return secp256k1.PubKey(tx.PubKey), nil
}

// Sign sets the Tx's public key and key type from priv and signs
// SignBytes with it. priv must be a CometBFT ed25519 or secp256k1 key; both
// sign deterministically. The other fields must already be final.
func (tx *Tx) Sign(priv crypto.PrivKey) error {
	if priv == nil {
		return fmt.Errorf("%w: nil private key", ErrInvalidTx)
	}
	switch priv.Type() {
	case KeyTypeEd25519, KeyTypeSecp256k1:
	default:
		return fmt.Errorf("%w: key type %q (want %q or %q)", ErrInvalidTx, priv.Type(), KeyTypeEd25519, KeyTypeSecp256k1)
	}
	tx.KeyType = priv.Type()
	tx.PubKey = priv.PubKey().Bytes()
	tx.Signature = nil
	msg := tx.SignBytes()
	if msg == nil {
		return tx.ValidateBasic()
	}
	sig, err := priv.Sign(msg)
	if err != nil {
		return fmt.Errorf("blobs: signing tx: %w", err)
	}
	tx.Signature = sig
	return nil
}

// VerifySignature checks the Tx's structure and that Signature is a valid
// signature of SignBytes by PubKey. It does not check the chain id against
// any particular chain; callers compare tx.ChainID themselves.
func (tx *Tx) VerifySignature() error {
	if err := tx.ValidateBasic(); err != nil {
		return err
	}
	if len(tx.Signature) != signatureSize {
		return fmt.Errorf("%w: unsigned (signature must be %d bytes, got %d)", ErrBadSignature, signatureSize, len(tx.Signature))
	}
	pk, err := tx.pubKey()
	if err != nil {
		return err
	}
	if !pk.VerifySignature(tx.SignBytes(), tx.Signature) {
		return fmt.Errorf("%w: %s signature by %X", ErrBadSignature, tx.KeyType, tx.Signer())
	}
	return nil
}

// Signer returns the 20-byte address of the signer (CometBFT's address of
// PubKey: sha256-20 for ed25519, ripemd160(sha256) for secp256k1), or nil
// if the key type or size is wrong.
func (tx *Tx) Signer() []byte {
	pk, err := tx.pubKey()
	if err != nil {
		return nil
	}
	return pk.Address().Bytes()
}

// Fee returns GasLimit × GasPrice, the amount charged in full, or an error
// if the product overflows 64 bits.
func (tx *Tx) Fee() (uint64, error) {
	hi, lo := bits.Mul64(tx.GasLimit, tx.GasPrice)
	if hi != 0 {
		return 0, fmt.Errorf("%w: fee overflows: gas limit %d × gas price %d", ErrInvalidTx, tx.GasLimit, tx.GasPrice)
	}
	return lo, nil
}

// GasToConsume returns the gas a pay-for-blobs of blobs with the given
// sizes consumes: fixedGas + shares occupied × 512 × gasPerBlobByte, where
// the shares are counted for share version 0 (as Celestia does). It
// saturates at math.MaxUint64 instead of overflowing.
func GasToConsume(blobSizes []uint32, gasPerBlobByte, fixedGas uint64) uint64 {
	var shares uint64
	for _, s := range blobSizes {
		shares += uint64(SparseSharesNeeded(s, da.ShareVersionZero))
	}
	hi, perByte := bits.Mul64(shares, da.ShareSize)
	if hi != 0 {
		return math.MaxUint64
	}
	hi, gas := bits.Mul64(perByte, gasPerBlobByte)
	if hi != 0 {
		return math.MaxUint64
	}
	sum, carry := bits.Add64(gas, fixedGas, 0)
	if carry != 0 {
		return math.MaxUint64
	}
	return sum
}

// SharesOccupied returns the number of sparse shares the paid-for blobs
// occupy, each counted with its own share version.
func (p *PayForBlobs) SharesOccupied() int {
	n := 0
	for i, s := range p.BlobSizes {
		v := uint8(da.ShareVersionZero)
		if i < len(p.ShareVersions) {
			v = p.ShareVersions[i]
		}
		n += SparseSharesNeeded(s, v)
	}
	return n
}

// ValidateBlobs checks that blobs are exactly the blobs p pays for, in
// order: same count, and for each its namespace, size, share version and
// share commitment (recomputed from the data). A share-version-1 blob must
// name signer (the Tx's signer address) as its signer. Each blob must also
// fit a square of width maxSquareSize (ValidateForSquare).
func (p *PayForBlobs) ValidateBlobs(blobs []*Blob, signer []byte, maxSquareSize int) error {
	if err := p.ValidateBasic(); err != nil {
		return err
	}
	if len(blobs) != len(p.Namespaces) {
		return fmt.Errorf("%w: pays for %d blobs, %d carried", ErrBlobMismatch, len(p.Namespaces), len(blobs))
	}
	for i, b := range blobs {
		if err := b.ValidateForSquare(maxSquareSize); err != nil {
			return fmt.Errorf("blob %d: %w", i, err)
		}
		if b.Namespace != p.Namespaces[i] {
			return fmt.Errorf("%w: blob %d has namespace %s, the tx pays for %s", ErrBlobMismatch, i, b.Namespace, p.Namespaces[i])
		}
		if uint64(len(b.Data)) != uint64(p.BlobSizes[i]) {
			return fmt.Errorf("%w: blob %d has %d bytes, the tx pays for %d", ErrBlobMismatch, i, len(b.Data), p.BlobSizes[i])
		}
		if b.ShareVersion != p.ShareVersions[i] {
			return fmt.Errorf("%w: blob %d has share version %d, the tx says %d", ErrBlobMismatch, i, b.ShareVersion, p.ShareVersions[i])
		}
		if b.ShareVersion == da.ShareVersionOne && !bytes.Equal(b.Signer, signer) {
			return fmt.Errorf("%w: blob %d names signer %X, the tx is signed by %X", ErrBlobMismatch, i, b.Signer, signer)
		}
		c, err := CreateCommitment(b)
		if err != nil {
			return fmt.Errorf("blob %d: %w", i, err)
		}
		if !bytes.Equal(c, p.ShareCommitments[i]) {
			return fmt.Errorf("%w: blob %d: wrong share commitment: the tx says %X, the blob's data gives %X",
				ErrBlobMismatch, i, p.ShareCommitments[i], c)
		}
	}
	return nil
}

// NewPayForBlobs returns the pay-for-blobs of blobs, computing each share
// commitment. Every blob must be valid.
func NewPayForBlobs(blobs ...*Blob) (*PayForBlobs, error) {
	p := &PayForBlobs{
		Namespaces:       make([]da.Namespace, len(blobs)),
		BlobSizes:        make([]uint32, len(blobs)),
		ShareVersions:    make([]uint8, len(blobs)),
		ShareCommitments: make([][]byte, len(blobs)),
	}
	for i, b := range blobs {
		c, err := CreateCommitment(b)
		if err != nil {
			return nil, fmt.Errorf("blob %d: %w", i, err)
		}
		p.Namespaces[i] = b.Namespace
		p.BlobSizes[i] = uint32(len(b.Data))
		p.ShareVersions[i] = b.ShareVersion
		p.ShareCommitments[i] = c
	}
	if err := p.ValidateBasic(); err != nil {
		return nil, err
	}
	return p, nil
}
