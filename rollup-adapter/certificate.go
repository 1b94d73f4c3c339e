package rollupadapter

import (
	"bytes"
	"context"
	"errors"
	"fmt"

	cmttypes "github.com/cometbft/cometbft/types"

	"github.com/quadrant-da/quadrant/blobs"
	"github.com/quadrant-da/quadrant/da"
)

// ErrCertificate is wrapped by every certificate verification failure.
//
// Exported for a DAC consumer (a rollup node or bridge) verifying Quadrant availability certificates in Go.
var ErrCertificate = errors.New("rollupadapter: invalid availability certificate")

// Certificate proves, to anyone who knows the chain's validator set, that a
// blob is included on Quadrant: the light header of its height (signed
// header with the validators' commit, the validator set, the data-root
// transaction and its proof against the header's data hash) and the blob's
// inclusion proof against that data root, checkable from the share
// commitment alone.
type Certificate struct {
	Height     uint64           `json:"height"`
	DataRoot   []byte           `json:"data_root"`
	Namespace  []byte           `json:"namespace"`
	Commitment []byte           `json:"commitment"`
	Proof      *blobs.BlobProof `json:"proof"`
	// Header is the canonical encoding of the height's da.LightHeader.
	Header []byte `json:"header"`
}

// NewCertificate builds the certificate of the blob of ns with commitment at
// height.
//
// Exported for a DAC consumer (a rollup node or bridge) verifying Quadrant availability certificates in Go.
func NewCertificate(ctx context.Context, a *Adapter, height uint64, ns da.Namespace, commitment []byte) (*Certificate, error) {
	_, p, hdr, err := a.Proof(ctx, height, ns, commitment)
	if err != nil {
		return nil, err
	}
	lh, err := hdr.Light().Marshal()
	if err != nil {
		return nil, fmt.Errorf("rollupadapter: encoding header %d: %w", height, err)
	}
	return &Certificate{
		Height: height, DataRoot: hdr.DataRoot(), Namespace: ns.Bytes(),
		Commitment: append([]byte(nil), commitment...), Proof: p, Header: lh,
	}, nil
}

// VerifyCertificate checks c without trusting whoever produced it: the header
// must be a valid block of chainID, committed by more than 2/3 of its own
// validator set, and that set must be trusted itself or validators holding
// more than 1/3 of trusted's voting power (da.DefaultTrustLevel) must have
// signed it — the light client's skipping rule, so a certificate stays
// checkable while the set changes through staking. trusted is a validator
// set the caller trusts (from its light node, say), and a trust that is
// only as good as its age: refresh it well within the unbonding period.
// The header must carry c's data root, and the proof must put a blob of c's
// namespace with c's commitment in the square of that data root. If data is
// not nil, it must be the blob's data (its share commitment is recomputed).
// It returns nil or an error wrapping ErrCertificate.
//
// Exported for a DAC consumer (a rollup node or bridge) verifying Quadrant availability certificates in Go.
func VerifyCertificate(c *Certificate, chainID string, trusted *cmttypes.ValidatorSet, data []byte) error {
	if c == nil || c.Proof == nil || trusted == nil {
		return fmt.Errorf("%w: missing certificate, proof or trusted validator set", ErrCertificate)
	}
	lh, err := da.UnmarshalLightHeader(c.Header)
	if err != nil {
		return fmt.Errorf("%w: header: %w", ErrCertificate, err)
	}
	if err := lh.Validate(chainID); err != nil {
		return fmt.Errorf("%w: header: %w", ErrCertificate, err)
	}
	if !bytes.Equal(lh.ValidatorSet.Hash(), trusted.Hash()) {
		if err := cmttypes.VerifyCommitLightTrusting(chainID, trusted, lh.SignedHeader.Commit, da.DefaultTrustLevel()); err != nil {
			return fmt.Errorf("%w: header signed by validator set %X, not the trusted %X, and not by more than 1/3 of the trusted power: %w",
				ErrCertificate, lh.ValidatorSet.Hash(), trusted.Hash(), err)
		}
	}
	if uint64(lh.Height()) != c.Height {
		return fmt.Errorf("%w: header is height %d, certificate says %d", ErrCertificate, lh.Height(), c.Height)
	}
	root := lh.DataRoot()
	if root == nil || !bytes.Equal(root, c.DataRoot) {
		return fmt.Errorf("%w: header's data root %X differs from the certificate's %X", ErrCertificate, root, c.DataRoot)
	}
	ns, err := da.NamespaceFromBytes(c.Namespace)
	if err != nil {
		return fmt.Errorf("%w: namespace: %w", ErrCertificate, err)
	}
	if err := c.Proof.VerifyCommitment(root, ns, c.Commitment); err != nil {
		return fmt.Errorf("%w: %w", ErrCertificate, err)
	}
	if data != nil {
		got, err := blobs.CreateCommitment(&blobs.Blob{Namespace: ns, Data: data})
		if err != nil || !bytes.Equal(got, c.Commitment) {
			return fmt.Errorf("%w: the data does not match the certified commitment", ErrCertificate)
		}
	}
	return nil
}
