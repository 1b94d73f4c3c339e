package chain

// Attestation kinds: a data commitment over a window of heights, or a new
// Ethereum validator set (checkpoint). One nonce counts both.
const (
	AttestationDataCommitment = "data_commitment"
	AttestationValset         = "valset"
)

// EthValidator is one member of an attested Ethereum validator set: the
// validator's registered 20-byte Ethereum address and its power.
type EthValidator struct {
	Address HexBytes `json:"address"`
	Power   uint64   `json:"power"`
}

// AttestationSignature is one validator's EIP-191 secp256k1 signature
// (65 bytes, r ‖ s ‖ v with v ∈ {27, 28}) over an attestation's digest,
// with the signer's Ethereum address and its power in the signing set.
type AttestationSignature struct {
	Signer    HexBytes `json:"signer"`
	Power     uint64   `json:"power"`
	Signature HexBytes `json:"signature"`
}

// Attestation is what the validators attest at one nonce and the
// signatures recorded for it so far; it is the answer of the
// "/attestation/<nonce>" and "/attestation/latest" queries.
//
// A data commitment covers heights [BeginHeight, EndHeight] and carries
// the RFC-6962 root of their ABI-encoded (height, data root) tuples; a
// valset attestation carries the new set (sorted by power, then address),
// its power threshold and hash. SignerNonce is the nonce of the valset
// attestation whose set signs this one (Blobstream's _validatorSetNonce /
// _oldNonce); SignerThreshold is that set's threshold, and the attestation
// is complete once SignedPower reaches it. Nonce 0 is the genesis set.
type Attestation struct {
	Nonce           uint64                 `json:"nonce"`
	Kind            string                 `json:"kind"`
	Height          int64                  `json:"height"`
	BeginHeight     uint64                 `json:"begin_height,omitempty"`
	EndHeight       uint64                 `json:"end_height,omitempty"`
	TupleRoot       HexBytes               `json:"tuple_root,omitempty"`
	Valset          []EthValidator         `json:"valset,omitempty"`
	PowerThreshold  uint64                 `json:"power_threshold,omitempty"`
	ValsetHash      HexBytes               `json:"valset_hash,omitempty"`
	SignerNonce     uint64                 `json:"signer_nonce"`
	SignerThreshold uint64                 `json:"signer_threshold"`
	SignedPower     uint64                 `json:"signed_power"`
	Signatures      []AttestationSignature `json:"signatures"`
}

// Complete reports whether signatures of at least the signing set's
// threshold are recorded (always true for the genesis set, nonce 0).
func (a *Attestation) Complete() bool {
	return a.Nonce == 0 || a.SignedPower >= a.SignerThreshold
}
