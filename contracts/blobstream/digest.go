package blobstream

import (
	"encoding/binary"

	"golang.org/x/crypto/sha3"
)

// DataRootTupleRootDomainSeparator is Blobstream's
// bytes32("transactionBatch"): the string right-padded to 32 bytes. A
// function, not a variable, so no program can change what is signed.
func DataRootTupleRootDomainSeparator() [32]byte { return padRight("transactionBatch") }

// ValidatorSetDomainSeparator is Blobstream's bytes32("checkpoint"): the
// string right-padded to 32 bytes.
func ValidatorSetDomainSeparator() [32]byte { return padRight("checkpoint") }

func padRight(s string) [32]byte {
	var b [32]byte
	copy(b[:], s)
	return b
}

func keccak(parts ...[]byte) [32]byte {
	h := sha3.NewLegacyKeccak256()
	for _, p := range parts {
		h.Write(p)
	}
	var out [32]byte
	h.Sum(out[:0])
	return out
}

// uint256 returns v as a big-endian 32-byte word.
func uint256(v uint64) []byte {
	var w [32]byte
	binary.BigEndian.PutUint64(w[24:], v)
	return w[:]
}

// DataCommitmentDigest returns what validators sign for the data
// commitment root attested at nonce:
// keccak256(abi.encode(bytes32("transactionBatch"), nonce, root)).
func DataCommitmentDigest(nonce uint64, root [32]byte) [32]byte {
	sep := DataRootTupleRootDomainSeparator()
	return keccak(sep[:], uint256(nonce), root[:])
}

// ValidatorSetCheckpoint returns what validators sign for a validator set
// installed at nonce: keccak256(abi.encode(bytes32("checkpoint"), nonce,
// powerThreshold, validatorSetHash)). The contract stores the latest one.
func ValidatorSetCheckpoint(nonce, powerThreshold uint64, validatorSetHash [32]byte) [32]byte {
	sep := ValidatorSetDomainSeparator()
	return keccak(sep[:], uint256(nonce), uint256(powerThreshold), validatorSetHash[:])
}

// EthSignedMessageHash returns the EIP-191 hash of a 32-byte digest,
// keccak256("\x19Ethereum Signed Message:\n32" ‖ digest): the hash a
// validator's secp256k1 key signs and the contract recovers from.
func EthSignedMessageHash(digest [32]byte) [32]byte {
	return keccak([]byte("\x19Ethereum Signed Message:\n32"), digest[:])
}
