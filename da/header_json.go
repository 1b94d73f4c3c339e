package da

import (
	"encoding/json"
	"fmt"

	cmtjson "github.com/cometbft/cometbft/libs/json"
	"github.com/cometbft/cometbft/types"
)

// headerJSON is the JSON form of a LightHeader or ExtendedHeader, shaped as
// celestia-node's ExtendedHeader: "header", "commit" and "validator_set" in
// CometBFT's own JSON encoding (type-tagged public keys, 64-bit integers as
// strings), "dah" for the full form, plus Quadrant's data-root transaction
// and its proof. encoding/json alone cannot decode CometBFT's validator set
// (its public keys are an interface), hence the custom codec.
type headerJSON struct {
	Header        json.RawMessage `json:"header"`
	Commit        json.RawMessage `json:"commit"`
	ValidatorSet  json.RawMessage `json:"validator_set"`
	DataRootTx    []byte          `json:"data_root_tx"`
	DataRootProof MerkleProof     `json:"data_root_proof"`
	DAH           *DAHeader       `json:"dah,omitempty"`
}

func (h *LightHeader) toJSON() (*headerJSON, error) {
	if h.SignedHeader == nil || h.SignedHeader.Header == nil || h.SignedHeader.Commit == nil || h.ValidatorSet == nil {
		return nil, fmt.Errorf("%w: encoding JSON: missing signed header, commit or validator set", ErrHeader)
	}
	var out headerJSON
	var err error
	if out.Header, err = cmtjson.Marshal(h.SignedHeader.Header); err != nil {
		return nil, fmt.Errorf("%w: encoding header JSON: %v", ErrHeader, err)
	}
	if out.Commit, err = cmtjson.Marshal(h.SignedHeader.Commit); err != nil {
		return nil, fmt.Errorf("%w: encoding commit JSON: %v", ErrHeader, err)
	}
	if out.ValidatorSet, err = cmtjson.Marshal(h.ValidatorSet); err != nil {
		return nil, fmt.Errorf("%w: encoding validator set JSON: %v", ErrHeader, err)
	}
	out.DataRootTx = h.DataRootTx
	out.DataRootProof = h.DataRootProof
	return &out, nil
}

func (h *LightHeader) fromJSON(in *headerJSON) error {
	if len(in.Header) == 0 || len(in.Commit) == 0 || len(in.ValidatorSet) == 0 {
		return fmt.Errorf("%w: JSON: header, commit and validator_set are required", ErrHeader)
	}
	var (
		hdr    types.Header
		commit types.Commit
		vals   types.ValidatorSet
	)
	if err := cmtjson.Unmarshal(in.Header, &hdr); err != nil {
		return fmt.Errorf("%w: JSON header: %v", ErrHeader, err)
	}
	if err := cmtjson.Unmarshal(in.Commit, &commit); err != nil {
		return fmt.Errorf("%w: JSON commit: %v", ErrHeader, err)
	}
	if err := cmtjson.Unmarshal(in.ValidatorSet, &vals); err != nil {
		return fmt.Errorf("%w: JSON validator_set: %v", ErrHeader, err)
	}
	if len(vals.Validators) > MaxValidators {
		return fmt.Errorf("%w: JSON validator_set: %d validators, at most %d", ErrHeader, len(vals.Validators), MaxValidators)
	}
	*h = LightHeader{
		SignedHeader:  &types.SignedHeader{Header: &hdr, Commit: &commit},
		ValidatorSet:  &vals,
		DataRootTx:    in.DataRootTx,
		DataRootProof: in.DataRootProof,
	}
	return nil
}

// MarshalJSON encodes h as celestia-node shapes a header (see headerJSON).
func (h *LightHeader) MarshalJSON() ([]byte, error) {
	out, err := h.toJSON()
	if err != nil {
		return nil, err
	}
	return json.Marshal(out)
}

// UnmarshalJSON decodes what MarshalJSON writes. The result is not verified:
// call Validate or Verify before trusting it.
func (h *LightHeader) UnmarshalJSON(b []byte) error {
	var in headerJSON
	if err := json.Unmarshal(b, &in); err != nil {
		return fmt.Errorf("%w: JSON: %v", ErrHeader, err)
	}
	return h.fromJSON(&in)
}

// MarshalJSON encodes h like LightHeader.MarshalJSON plus its "dah".
func (h *ExtendedHeader) MarshalJSON() ([]byte, error) {
	out, err := h.LightHeader.toJSON()
	if err != nil {
		return nil, err
	}
	out.DAH = h.DAH
	return json.Marshal(out)
}

// UnmarshalJSON decodes what MarshalJSON writes; "dah" is required. The
// result is not verified: call Validate or Verify before trusting it.
func (h *ExtendedHeader) UnmarshalJSON(b []byte) error {
	var in headerJSON
	if err := json.Unmarshal(b, &in); err != nil {
		return fmt.Errorf("%w: JSON: %v", ErrHeader, err)
	}
	if in.DAH == nil {
		return fmt.Errorf("%w: JSON: dah is required in an extended header", ErrHeader)
	}
	var lh LightHeader
	if err := lh.fromJSON(&in); err != nil {
		return err
	}
	*h = ExtendedHeader{LightHeader: lh, DAH: in.DAH}
	return nil
}
