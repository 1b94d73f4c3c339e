package validator

import (
	"crypto/ecdsa"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	ethcrypto "github.com/ethereum/go-ethereum/crypto"
)

// ethKeyFileName is the validator's Ethereum attestation key in a node
// home: the secp256k1 secret as hex (go-ethereum's SaveECDSA format), 0600.
const ethKeyFileName = "eth_key"

// ethKeyPath returns the path of the validator's Ethereum attestation key.
func ethKeyPath(home string) string { return filepath.Join(home, ethKeyFileName) }

// loadEthKey reads the home's Ethereum attestation key; a home without one
// gives nil and no error (the node then signs no attestations).
func loadEthKey(home string) (*ecdsa.PrivateKey, error) {
	k, err := ethcrypto.LoadECDSA(ethKeyPath(home))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("validator: Ethereum key %s: %w", ethKeyPath(home), err)
	}
	return k, nil
}

// LoadOrGenEthKey reads the home's Ethereum attestation key, creating one
// (mode 0600) if there is none, and returns it with its address.
func LoadOrGenEthKey(home string) (*ecdsa.PrivateKey, [20]byte, error) {
	k, err := loadEthKey(home)
	if err == nil && k == nil {
		if k, err = ethcrypto.GenerateKey(); err == nil {
			if err = os.MkdirAll(home, 0o700); err == nil {
				err = ethcrypto.SaveECDSA(ethKeyPath(home), k)
			}
		}
	}
	if err != nil {
		return nil, [20]byte{}, fmt.Errorf("validator: Ethereum key in %s: %w", home, err)
	}
	return k, ethcrypto.PubkeyToAddress(k.PublicKey), nil
}
