package rollupadapter

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"strconv"

	cmtbytes "github.com/cometbft/cometbft/libs/bytes"
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
	ns, err := parseNamespace(b.Namespace)
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

// CommitmentProof is celestia-node v0.28.4's blob.CommitmentProof JSON: the
// blob's subtree roots (whose Merkle root is the share commitment), one NMT
// proof per row the blob spans that the row's subtree roots are in the row
// root (start and end are the blob's shares in the row, as nmt's
// VerifySubtreeRootInclusion reads them), the namespace, and the rows' roots
// with their Merkle proofs to the data root. Verify checks it without the
// blob's data. QuadrantProof, an extra field, is the same proof in
// Quadrant's blobs.BlobProof form (blobs.BlobProof.VerifyCommitment).
type CommitmentProof struct {
	SubtreeRoots      [][]byte         `json:"subtree_roots"`
	SubtreeRootProofs []*da.Proof      `json:"subtree_root_proofs"`
	NamespaceID       []byte           `json:"namespace_id"`
	RowProof          RowProof         `json:"row_proof"`
	NamespaceVersion  uint8            `json:"namespace_version"`
	QuadrantProof     *blobs.BlobProof `json:"quadrant_proof,omitempty"`
}

// RowProof is celestia-app's proof.RowProof JSON as celestia-node encodes
// it: the row roots a blob spans (hex strings, CometBFT's HexBytes) and
// their Merkle proofs to the data root, rows StartRow..EndRow.
type RowProof struct {
	RowRoots []cmtbytes.HexBytes `json:"row_roots"`
	Proofs   []*MerkleProof      `json:"proofs"`
	StartRow uint32              `json:"start_row"`
	EndRow   uint32              `json:"end_row"`
}

// MerkleProof is CometBFT's crypto/merkle.Proof in the JSON celestia-node
// writes (CometBFT's encoder: 64-bit integers as decimal strings): the
// proof of leaf Index among Total, the leaf's RFC-6962 hash and the aunts
// from the leaf's sibling up.
type MerkleProof struct {
	Total    int64    `json:"total,string"`
	Index    int64    `json:"index,string"`
	LeafHash []byte   `json:"leaf_hash"`
	Aunts    [][]byte `json:"aunts,omitempty"`
}

// newCommitmentProof returns the JSON form of p; qp, if not nil, is carried
// as QuadrantProof.
func newCommitmentProof(p *blobs.CommitmentProof, qp *blobs.BlobProof) *CommitmentProof {
	cp := &CommitmentProof{
		SubtreeRoots:      p.SubtreeRoots,
		SubtreeRootProofs: make([]*da.Proof, len(p.SubtreeRootProofs)),
		NamespaceID:       p.Namespace.ID(),
		NamespaceVersion:  p.Namespace.Version(),
		RowProof: RowProof{
			RowRoots: make([]cmtbytes.HexBytes, len(p.RowRoots)),
			Proofs:   make([]*MerkleProof, len(p.RowRootProofs)),
			StartRow: uint32(p.StartRow),
			EndRow:   uint32(p.EndRow),
		},
		QuadrantProof: qp,
	}
	for i := range p.SubtreeRootProofs {
		cp.SubtreeRootProofs[i] = &p.SubtreeRootProofs[i]
	}
	for i, r := range p.RowRoots {
		cp.RowProof.RowRoots[i] = r
	}
	for i, mp := range p.RowRootProofs {
		cp.RowProof.Proofs[i] = &MerkleProof{
			Total: int64(mp.Total), Index: int64(mp.Index),
			LeafHash: da.MerkleLeafHash(p.RowRoots[i]), Aunts: mp.Aunts,
		}
	}
	return cp
}

// Proof decodes p into a blobs.CommitmentProof, checking what the JSON form
// carries twice: each row proof's leaf hash must be its row root's, and the
// row count must match StartRow..EndRow. It does not verify the proof.
func (p *CommitmentProof) Proof() (*blobs.CommitmentProof, error) {
	if p == nil {
		return nil, fmt.Errorf("%w: null commitment proof", errInvalidProof)
	}
	if len(p.NamespaceID) != da.NamespaceSize-1 {
		return nil, fmt.Errorf("%w: namespace id of %d bytes, want %d", errInvalidProof, len(p.NamespaceID), da.NamespaceSize-1)
	}
	ns, err := da.NamespaceFromBytes(append([]byte{p.NamespaceVersion}, p.NamespaceID...))
	if err != nil {
		return nil, fmt.Errorf("%w: namespace: %w", errInvalidProof, err)
	}
	rp := &p.RowProof
	rows := len(rp.RowRoots)
	if rows == 0 || len(rp.Proofs) != rows || len(p.SubtreeRootProofs) != rows ||
		rp.EndRow < rp.StartRow || int64(rp.EndRow)-int64(rp.StartRow)+1 != int64(rows) {
		return nil, fmt.Errorf("%w: rows %d..%d with %d row roots, %d row proofs and %d subtree root proofs",
			errInvalidProof, rp.StartRow, rp.EndRow, rows, len(rp.Proofs), len(p.SubtreeRootProofs))
	}
	out := &blobs.CommitmentProof{
		SubtreeRoots:      p.SubtreeRoots,
		SubtreeRootProofs: make([]da.Proof, rows),
		Namespace:         ns,
		StartRow:          int(rp.StartRow),
		EndRow:            int(rp.EndRow),
		RowRoots:          make([][]byte, rows),
		RowRootProofs:     make([]da.MerkleProof, rows),
	}
	for i := 0; i < rows; i++ {
		sp, mp := p.SubtreeRootProofs[i], rp.Proofs[i]
		if sp == nil || mp == nil {
			return nil, fmt.Errorf("%w: row %d: null proof", errInvalidProof, i)
		}
		if mp.Total < 0 || mp.Total > math.MaxInt32 || mp.Index < 0 || mp.Index >= mp.Total {
			return nil, fmt.Errorf("%w: row %d root proof of leaf %d of %d", errInvalidProof, i, mp.Index, mp.Total)
		}
		if !bytes.Equal(mp.LeafHash, da.MerkleLeafHash(rp.RowRoots[i])) {
			return nil, fmt.Errorf("%w: row %d root proof's leaf hash %X is not the row root's", errInvalidProof, i, mp.LeafHash)
		}
		out.SubtreeRootProofs[i] = *sp
		out.RowRoots[i] = rp.RowRoots[i]
		out.RowRootProofs[i] = da.MerkleProof{Index: int(mp.Index), Total: int(mp.Total), Aunts: mp.Aunts}
	}
	return out, nil
}

// Verify checks, from the data root alone, that p proves a blob with share
// commitment commitment in the committed square (blobs.CommitmentProof.Verify
// with Celestia's subtree root threshold). It returns nil or an error
// wrapping errInvalidProof or blobs.ErrInvalidProof.
func (p *CommitmentProof) Verify(dataRoot, commitment []byte) error {
	cp, err := p.Proof()
	if err != nil {
		return err
	}
	return cp.Verify(dataRoot, commitment, blobs.SubtreeRootThreshold)
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

// newHeader returns the JSON form of h.
func newHeader(h *da.ExtendedHeader) (*Header, error) {
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

// headerRef is a share-module parameter naming a height: either a number,
// or a header object (as returned by header.GetByHeight) whose height is read.
type headerRef uint64

// UnmarshalJSON accepts a number, a decimal string, or a header object.
func (r *headerRef) UnmarshalJSON(b []byte) error {
	var n uint64
	if err := json.Unmarshal(b, &n); err == nil {
		*r = headerRef(n)
		return nil
	}
	var s string
	if err := json.Unmarshal(b, &s); err == nil {
		n, err := strconv.ParseUint(s, 10, 64)
		if err != nil {
			return fmt.Errorf("rollupadapter: height %q: %w", s, err)
		}
		*r = headerRef(n)
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
	*r = headerRef(n)
	return nil
}

// namespacedRow is celestia-node's share.NamespacedRow JSON: the shares of a
// namespace in one row of the original square and their NMT proof against
// the row root (an absence proof when there are none).
type namespacedRow struct {
	Shares [][]byte  `json:"shares"`
	Proof  *da.Proof `json:"proof"`
	Row    int       `json:"row"`
}

// syncState is celestia-node's header sync state JSON.
type syncState struct {
	ID         uint64 `json:"id"`
	FromHeight uint64 `json:"from_height"`
	ToHeight   uint64 `json:"to_height"`
	Height     uint64 `json:"height"`
	Error      string `json:"error,omitempty"`
}
