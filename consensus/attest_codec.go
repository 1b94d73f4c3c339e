package consensus

import (
	"bytes"
	"encoding/binary"
	"fmt"

	"github.com/ethereum/go-ethereum/crypto"

	"github.com/quadrant-da/quadrant/chain"
	"github.com/quadrant-da/quadrant/contracts/blobstream"
)

// Vote extension and attestation transaction bounds.
const (
	// maxExtensionEntries is how many attestations one vote extension
	// signs (the lowest pending nonces).
	maxExtensionEntries = 8
	// sigSize is a secp256k1 signature r ‖ s ‖ v.
	sigSize = 65
	// extEntrySize is nonce (8) ‖ signature.
	extEntrySize = 8 + sigSize
	// maxVoteExtensionSize bounds a vote extension: version, count and
	// maxExtensionEntries entries.
	maxVoteExtensionSize = 2 + maxExtensionEntries*extEntrySize
	// maxAttestTxEntries bounds an attestation transaction's entries.
	maxAttestTxEntries = 4096
	// attestEntrySize is consensus address (20) ‖ nonce (8) ‖ signature.
	attestEntrySize = chain.AddressSize + extEntrySize
	voteExtVersion  = 0x01
)

// attestTxMagic opens every attestation transaction. Like the staking
// magic its first byte is 0x00, which no protobuf blob envelope or plain
// transaction starts with.
var attestTxMagic = [5]byte{0x00, 'Q', 'A', 'T', 0x01}

// extEntry is one signature of a vote extension: the signer's signature
// over the attestation at Nonce.
type extEntry struct {
	Nonce     uint64
	Signature []byte
}

// attestEntry is one signature recorded by an attestation transaction: the
// validator (consensus address) whose vote extension carried it.
type attestEntry struct {
	Validator chain.Address
	extEntry
}

// encodeVoteExtension encodes entries: version 0x01 ‖ count (1 byte) ‖
// count × (nonce, big-endian uint64 ‖ 65-byte signature). None: empty.
func encodeVoteExtension(entries []extEntry) []byte {
	if len(entries) == 0 {
		return nil
	}
	b := []byte{voteExtVersion, byte(len(entries))}
	for _, e := range entries {
		b = binary.BigEndian.AppendUint64(b, e.Nonce)
		b = append(b, e.Signature...)
	}
	return b
}

// decodeVoteExtension decodes a vote extension; empty decodes to none. It
// rejects anything over maxVoteExtensionSize before reading it, a wrong
// version, count or length, and a nonce given twice.
func decodeVoteExtension(b []byte) ([]extEntry, error) {
	if len(b) == 0 {
		return nil, nil
	}
	if len(b) > maxVoteExtensionSize {
		return nil, fmt.Errorf("%w: vote extension of %d bytes, the limit is %d", errAttestation, len(b), maxVoteExtensionSize)
	}
	if len(b) < 2 || b[0] != voteExtVersion {
		return nil, fmt.Errorf("%w: vote extension does not start with version %d and a count", errAttestation, voteExtVersion)
	}
	n := int(b[1])
	if n == 0 || n > maxExtensionEntries || len(b) != 2+n*extEntrySize {
		return nil, fmt.Errorf("%w: vote extension of %d bytes with count %d, want 1..%d entries of %d bytes", errAttestation, len(b), n, maxExtensionEntries, extEntrySize)
	}
	out := make([]extEntry, n)
	for i := range out {
		e := b[2+i*extEntrySize:]
		out[i] = extEntry{Nonce: binary.BigEndian.Uint64(e), Signature: bytes.Clone(e[8:extEntrySize])}
		if i > 0 && out[i].Nonce <= out[i-1].Nonce {
			return nil, fmt.Errorf("%w: vote extension nonces not increasing (%d after %d)", errAttestation, out[i].Nonce, out[i-1].Nonce)
		}
	}
	return out, nil
}

// isAttestTx reports whether b starts like an attestation transaction.
func isAttestTx(b []byte) bool { return bytes.HasPrefix(b, attestTxMagic[:]) }

// encodeAttestTx encodes entries: magic ‖ count (big-endian uint16) ‖
// count × (consensus address ‖ nonce ‖ signature).
func encodeAttestTx(entries []attestEntry) []byte {
	b := append([]byte(nil), attestTxMagic[:]...)
	b = binary.BigEndian.AppendUint16(b, uint16(len(entries)))
	for _, e := range entries {
		b = append(b, e.Validator[:]...)
		b = binary.BigEndian.AppendUint64(b, e.Nonce)
		b = append(b, e.Signature...)
	}
	return b
}

// decodeAttestTx decodes an attestation transaction, bounded by
// maxAttestTxEntries; it rejects an empty one.
func decodeAttestTx(b []byte) ([]attestEntry, error) {
	if !isAttestTx(b) || len(b) < len(attestTxMagic)+2 {
		return nil, fmt.Errorf("%w: not an attestation transaction (magic %x)", errAttestation, attestTxMagic)
	}
	n := int(binary.BigEndian.Uint16(b[len(attestTxMagic):]))
	body := b[len(attestTxMagic)+2:]
	if n == 0 || n > maxAttestTxEntries || len(body) != n*attestEntrySize {
		return nil, fmt.Errorf("%w: attestation transaction with count %d and %d bytes of entries, want 1..%d entries of %d bytes",
			errAttestation, n, len(body), maxAttestTxEntries, attestEntrySize)
	}
	out := make([]attestEntry, n)
	for i := range out {
		e := body[i*attestEntrySize:]
		copy(out[i].Validator[:], e)
		out[i].Nonce = binary.BigEndian.Uint64(e[chain.AddressSize:])
		out[i].Signature = bytes.Clone(e[chain.AddressSize+8 : attestEntrySize])
	}
	return out, nil
}

// signAttestation signs a's digest as an EIP-191 message with key and
// returns r ‖ s ‖ v with v ∈ {27, 28}.
func signAttestation(key AttestationKey, a *chain.Attestation) ([]byte, error) {
	h := blobstream.EthSignedMessageHash(attestationDigest(a))
	sig, err := crypto.Sign(h[:], key)
	if err != nil {
		return nil, fmt.Errorf("consensus: signing attestation %d: %w", a.Nonce, err)
	}
	sig[64] += 27
	return sig, nil
}

// verifyAttestSig checks that sig is eth's signature over the attestation
// at nonce and may be recorded: the attestation exists and is incomplete,
// eth is in its signing set and has not signed it yet. It returns eth's
// power in the signing set.
func verifyAttestSig(s *attestations, nonce uint64, eth []byte, sig []byte) (uint64, error) {
	power, err := signable(s, nonce, eth)
	if err != nil {
		return 0, err
	}
	a := s.Items[nonce]
	if _, err := blobstream.SignatureFromBytes(sig); err != nil || (sig[64] != 27 && sig[64] != 28) {
		return 0, fmt.Errorf("%w: signature of %x on attestation %d: want 65 bytes with v 27 or 28 and low s", errAttestation, eth, nonce)
	}
	h := blobstream.EthSignedMessageHash(attestationDigest(a))
	raw := bytes.Clone(sig)
	raw[64] -= 27
	pub, err := crypto.SigToPub(h[:], raw)
	if err != nil {
		return 0, fmt.Errorf("%w: signature on attestation %d does not recover: %w", errAttestation, nonce, err)
	}
	if got := crypto.PubkeyToAddress(*pub); !bytes.Equal(got[:], eth) {
		return 0, fmt.Errorf("%w: signature on attestation %d recovers to %x, not the validator's %x (wrong key or digest)", errAttestation, nonce, got, eth)
	}
	return power, nil
}

// signable checks that eth may sign the attestation at nonce: it exists
// and is incomplete, eth is in its signing set and has not signed it yet.
// It returns eth's power in the signing set.
func signable(s *attestations, nonce uint64, eth []byte) (uint64, error) {
	a := s.get(nonce)
	if a == nil || a.Nonce == 0 {
		return 0, fmt.Errorf("%w: no attestation to sign at nonce %d (latest %d)", errAttestation, nonce, len(s.Items)-1)
	}
	if a.Complete() {
		return 0, fmt.Errorf("%w: attestation %d is already complete", errAttestation, nonce)
	}
	if len(eth) != chain.EthAddressSize {
		return 0, fmt.Errorf("%w: the validator has no Ethereum address registered", errAttestation)
	}
	var power uint64
	for _, v := range signerSet(s, a) {
		if bytes.Equal(v.Address[:], eth) {
			power = v.Power
		}
	}
	if power == 0 {
		return 0, fmt.Errorf("%w: signer %x is not in the set of nonce %d that signs attestation %d", errAttestation, eth, a.SignerNonce, nonce)
	}
	for _, s := range a.Signatures {
		if bytes.Equal(s.Signer, eth) {
			return 0, fmt.Errorf("%w: signer %x already signed attestation %d", errAttestation, eth, nonce)
		}
	}
	return power, nil
}

// recordAttestSig adds a verified signature to the attestation at nonce.
func (s *attestations) recordAttestSig(nonce uint64, eth []byte, power uint64, sig []byte) {
	a := s.Items[nonce]
	a.Signatures = append(a.Signatures, chain.AttestationSignature{Signer: bytes.Clone(eth), Power: power, Signature: bytes.Clone(sig)})
	a.SignedPower += power
}
