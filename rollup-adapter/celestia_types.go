package rollupadapter

import (
	"encoding/json"
	"fmt"
	"strconv"

	cmtjson "github.com/cometbft/cometbft/libs/json"

	"github.com/quadrant-da/quadrant/blobs"
	"github.com/quadrant-da/quadrant/da"
)

// Blob is celestia-node v0.28.4's blob JSON: base64 namespace (29 bytes),
// data, commitment and signer; index is the blob's first share in the
// extended square, row-major (-1 when unknown, as on submission).
type Blob struct {
	Namespace    []byte `json:"namespace"`
	Data         []byte `json:"data"`
	ShareVersion uint8  `json:"share_version"`
	Commitment   []byte `json:"commitment"`
	Signer       []byte `json:"signer,omitempty"`
	Index        int    `json:"index"`
}

// toBlob checks a submitted JSON blob and returns it as a blobs.Blob.
func (b *Blob) toBlob() (*blobs.Blob, error) {
	ns, err := ParseNamespace(b.Namespace)
	if err != nil {
		return nil, err
	}
	var signer []byte
	if len(b.Signer) > 0 {
		signer = b.Signer
	}
	return &blobs.Blob{Namespace: ns, Data: b.Data, ShareVersion: b.ShareVersion, Signer: signer}, nil
}

func wireBlob(p PlacedBlob) *Blob {
	return &Blob{
		Namespace: p.Blob.Namespace.Bytes(), Data: p.Blob.Data, ShareVersion: p.Blob.ShareVersion,
		Commitment: p.Commitment, Signer: p.Blob.Signer, Index: p.ExtendedIndex,
	}
}

// SubmitOptions is celestia-node v0.28.4's state.TxConfig JSON (as ev-node's
// client sends it). Quadrant uses KeyName and SignerAddress to pick the
// signing key and GasPrice (rounded up to a whole unit; ≤ 0 means the
// default); the other fields are accepted and ignored.
type SubmitOptions struct {
	GasPrice          float64 `json:"gas_price,omitempty"`
	IsGasPriceSet     bool    `json:"is_gas_price_set,omitempty"`
	MaxGasPrice       float64 `json:"max_gas_price,omitempty"`
	Gas               uint64  `json:"gas,omitempty"`
	TxPriority        int     `json:"tx_priority,omitempty"`
	KeyName           string  `json:"key_name,omitempty"`
	SignerAddress     string  `json:"signer_address,omitempty"`
	FeeGranterAddress string  `json:"fee_granter_address,omitempty"`
}

// gasPrice converts a client's decimal gas price to Quadrant's whole units.
func gasPrice(p float64) uint64 {
	if !(p > 0) || p > 1e18 {
		return 0
	}
	u := uint64(p)
	if float64(u) < p {
		u++
	}
	return u
}

// Proof is celestia-node's blob.Proof JSON: one NMT range proof per row the
// blob spans, each against that row's root in the extended square.
type Proof []*da.Proof

// CommitmentProof is celestia-node's blob.CommitmentProof JSON, with the
// fields Quadrant can fill: the blob's subtree roots (whose Merkle root is
// the share commitment), the namespace, and the rows' roots with their Merkle
// proofs to the data root. QuadrantProof is the complete proof that checks
// the commitment against the data root without the blob's data
// (blobs.BlobProof.VerifyCommitment).
type CommitmentProof struct {
	SubtreeRoots     [][]byte         `json:"subtree_roots"`
	NamespaceID      []byte           `json:"namespace_id"`
	NamespaceVersion uint8            `json:"namespace_version"`
	RowProof         RowProof         `json:"row_proof"`
	QuadrantProof    *blobs.BlobProof `json:"quadrant_proof"`
}

// RowProof is celestia-app's RowProof JSON: the row roots a blob spans and
// their Merkle proofs to the data root.
type RowProof struct {
	RowRoots [][]byte         `json:"row_roots"`
	Proofs   []da.MerkleProof `json:"proofs"`
	StartRow uint32           `json:"start_row"`
	EndRow   uint32           `json:"end_row"`
}

// SubscriptionResponse is celestia-node's blob subscription item.
type SubscriptionResponse struct {
	Blobs  []*Blob `json:"blobs"`
	Height uint64  `json:"height"`
}

// Header is the extended header in celestia-node's JSON shape: "header",
// "commit" and "validator_set" in CometBFT's JSON encoding (heights as
// decimal strings, as ev-node v1.0.0-rc.1 decodes them), "dah" with base64
// row and column roots, plus "height" (string) and Quadrant's canonical
// encoding of the whole header ("quadrant_header", da.ExtendedHeader.Marshal)
// from which Go clients rebuild and verify it.
type Header struct {
	Header       json.RawMessage `json:"header"`
	ValidatorSet json.RawMessage `json:"validator_set"`
	Commit       json.RawMessage `json:"commit"`
	DAH          *da.DAHeader    `json:"dah"`
	Height       string          `json:"height"`
	DataRoot     []byte          `json:"data_root"`
	Raw          []byte          `json:"quadrant_header"`
}

// NewHeader returns the JSON form of h.
func NewHeader(h *da.ExtendedHeader) (*Header, error) {
	hdr, err := cmtjson.Marshal(h.SignedHeader.Header)
	if err != nil {
		return nil, fmt.Errorf("rollupadapter: encoding header: %w", err)
	}
	commit, err := cmtjson.Marshal(h.SignedHeader.Commit)
	if err != nil {
		return nil, fmt.Errorf("rollupadapter: encoding commit: %w", err)
	}
	vals, err := cmtjson.Marshal(h.ValidatorSet)
	if err != nil {
		return nil, fmt.Errorf("rollupadapter: encoding validator set: %w", err)
	}
	raw, err := h.Marshal()
	if err != nil {
		return nil, fmt.Errorf("rollupadapter: encoding header: %w", err)
	}
	return &Header{
		Header: hdr, ValidatorSet: vals, Commit: commit, DAH: h.DAH,
		Height: strconv.FormatInt(h.Height(), 10), DataRoot: h.DataRoot(), Raw: raw,
	}, nil
}

// ExtendedHeader decodes the canonical header carried by h. It is not
// verified: check it with da.ExtendedHeader.Validate or Verify.
func (h *Header) ExtendedHeader() (*da.ExtendedHeader, error) {
	return da.UnmarshalExtendedHeader(h.Raw)
}

// HeaderRef is a share-module parameter naming a height: either a number,
// or a header object (as returned by header.GetByHeight) whose height is read.
type HeaderRef uint64

// UnmarshalJSON accepts a number, a decimal string, or a header object.
func (r *HeaderRef) UnmarshalJSON(b []byte) error {
	var n uint64
	if err := json.Unmarshal(b, &n); err == nil {
		*r = HeaderRef(n)
		return nil
	}
	var s string
	if err := json.Unmarshal(b, &s); err == nil {
		n, err := strconv.ParseUint(s, 10, 64)
		if err != nil {
			return fmt.Errorf("rollupadapter: height %q: %w", s, err)
		}
		*r = HeaderRef(n)
		return nil
	}
	var obj struct {
		Height string `json:"height"`
		Header struct {
			Height string `json:"height"`
		} `json:"header"`
	}
	if err := json.Unmarshal(b, &obj); err != nil {
		return fmt.Errorf("rollupadapter: want a height or a header: %w", err)
	}
	s = obj.Height
	if s == "" {
		s = obj.Header.Height
	}
	n, err := strconv.ParseUint(s, 10, 64)
	if err != nil {
		return fmt.Errorf("rollupadapter: header without a valid height: %w", err)
	}
	*r = HeaderRef(n)
	return nil
}

// NamespacedRow is celestia-node's share.NamespacedRow JSON: the shares of a
// namespace in one row of the original square and their NMT proof against
// the row root (an absence proof when there are none).
type NamespacedRow struct {
	Shares [][]byte  `json:"shares"`
	Proof  *da.Proof `json:"proof"`
	Row    int       `json:"row"`
}

// SyncState is celestia-node's header sync state JSON.
type SyncState struct {
	ID         uint64 `json:"id"`
	FromHeight uint64 `json:"from_height"`
	ToHeight   uint64 `json:"to_height"`
	Height     uint64 `json:"height"`
	Error      string `json:"error,omitempty"`
}
