package rollupadapter

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"

	"github.com/quadrant-da/quadrant/blobs"
	"github.com/quadrant-da/quadrant/chain"
	"github.com/quadrant-da/quadrant/contracts/blobstream"
	"github.com/quadrant-da/quadrant/da"
	"github.com/quadrant-da/quadrant/p2p"
)

// Blobstream errors.
var (
	// errNotAttested is wrapped when a height is not (yet) in a data
	// commitment the validators have signed with more than 2/3 of the
	// signing set's power, or when a range is not such a window.
	errNotAttested = errors.New("rollupadapter: not attested")
	// errNoAttestations is returned by a node that cannot read the
	// chain's attestations (a light node).
	errNoAttestations = errors.New("rollupadapter: this node does not serve attestations")
	// errAttestationMismatch is wrapped when the data roots this node
	// holds for a window do not hash to the root the validators attested.
	errAttestationMismatch = errors.New("rollupadapter: stored data roots disagree with the attested data commitment")
)

// attestationReader is implemented by nodes that can read the chain's
// attestations (the "/attestation/<nonce>" and "/attestation/latest"
// queries); BridgeNode does, through its consensus client.
type attestationReader interface {
	// Attestation returns the attestation at nonce.
	Attestation(ctx context.Context, nonce uint64) (*chain.Attestation, error)
	// LatestAttestation returns the attestation of the highest nonce.
	LatestAttestation(ctx context.Context) (*chain.Attestation, error)
}

// Attestation implements attestationReader through an ABCI query.
func (b *BridgeNode) Attestation(ctx context.Context, nonce uint64) (*chain.Attestation, error) {
	return b.queryAttestation(ctx, strconv.FormatUint(nonce, 10))
}

// LatestAttestation implements attestationReader through an ABCI query.
func (b *BridgeNode) LatestAttestation(ctx context.Context) (*chain.Attestation, error) {
	return b.queryAttestation(ctx, "latest")
}

func (b *BridgeNode) queryAttestation(ctx context.Context, which string) (*chain.Attestation, error) {
	res, err := b.cfg.Chain.ABCIQuery(ctx, "/attestation/"+which, nil)
	if err != nil {
		return nil, fmt.Errorf("rollupadapter: query /attestation/%s: %w", which, err)
	}
	if res.Response.Code != chain.CodeOK {
		return nil, fmt.Errorf("%w: query /attestation/%s: %s", errNotAttested, which, res.Response.Log)
	}
	var a chain.Attestation
	if err := json.Unmarshal(res.Response.Value, &a); err != nil {
		return nil, fmt.Errorf("rollupadapter: decoding attestation %s: %w", which, err)
	}
	return &a, nil
}

var _ attestationReader = (*BridgeNode)(nil)

// attestations returns the node's attestationReader.
func (a *Adapter) attestations() (attestationReader, error) {
	if r, ok := a.node.(attestationReader); ok {
		return r, nil
	}
	return nil, errNoAttestations
}

// AttestedWindow returns the complete data commitment whose window holds
// height. It finds it by binary search over nonces (attestation heights
// grow with the nonce), a handful of queries. The error wraps
// errNotAttested if the window of height is not attested yet, or not
// signed by enough power yet.
func (a *Adapter) AttestedWindow(ctx context.Context, height uint64) (*chain.Attestation, error) {
	if height == 0 {
		return nil, errInvalidHeight
	}
	r, err := a.attestations()
	if err != nil {
		return nil, err
	}
	latest, err := r.LatestAttestation(ctx)
	if err != nil {
		return nil, err
	}
	if latest.Height < 0 || uint64(latest.Height) < height {
		return nil, fmt.Errorf("%w: height %d is not attested yet: the latest attestation (nonce %d) is of height %d",
			errNotAttested, height, latest.Nonce, latest.Height)
	}
	// Lowest nonce in [1, latest] whose attestation height is ≥ height: the
	// data commitment of the window ending there (a valset attestation of
	// the same height comes after it).
	lo, hi := uint64(1), latest.Nonce
	var found *chain.Attestation
	for lo <= hi {
		mid := lo + (hi-lo)/2
		m, err := r.Attestation(ctx, mid)
		if err != nil {
			return nil, err
		}
		if m.Height >= 0 && uint64(m.Height) >= height {
			found, hi = m, mid-1
		} else {
			lo = mid + 1
		}
	}
	if found == nil || found.Kind != chain.AttestationDataCommitment || found.BeginHeight > height || found.EndHeight < height {
		return nil, fmt.Errorf("%w: height %d is in no attested window (attestations began after it)", errNotAttested, height)
	}
	if !found.Complete() {
		return nil, fmt.Errorf("%w: the window [%d, %d] of height %d (nonce %d) is signed by power %d of the %d needed so far",
			errNotAttested, found.BeginHeight, found.EndHeight, height, found.Nonce, found.SignedPower, found.SignerThreshold)
	}
	return found, nil
}

// window returns the attested data commitment of exactly the heights
// [start, end) (end exclusive, as celestia-node's blobstream module),
// rebuilt from this node's headers and checked against the attested root.
func (a *Adapter) window(ctx context.Context, start, end uint64) (*chain.Attestation, *blobstream.DataCommitment, error) {
	if start == 0 || end <= start {
		return nil, nil, fmt.Errorf("%w: range [%d, %d): want 1 ≤ start < end", errInvalidHeight, start, end)
	}
	if end-start > blobstream.MaxWindow {
		return nil, nil, fmt.Errorf("%w: range [%d, %d) spans %d heights, more than %d", errInvalidHeight, start, end, end-start, blobstream.MaxWindow)
	}
	att, err := a.AttestedWindow(ctx, start)
	if err != nil {
		return nil, nil, err
	}
	if att.BeginHeight != start || att.EndHeight != end-1 {
		return nil, nil, fmt.Errorf("%w: range [%d, %d) is not an attested window: height %d is in the window [%d, %d) (nonce %d)",
			errNotAttested, start, end, start, att.BeginHeight, att.EndHeight+1, att.Nonce)
	}
	dc, err := a.dataCommitment(ctx, att)
	if err != nil {
		return nil, nil, err
	}
	return att, dc, nil
}

// dataCommitment rebuilds att's data commitment from this node's headers.
func (a *Adapter) dataCommitment(ctx context.Context, att *chain.Attestation) (*blobstream.DataCommitment, error) {
	if att.EndHeight < att.BeginHeight || att.EndHeight-att.BeginHeight >= blobstream.MaxWindow {
		return nil, fmt.Errorf("rollupadapter: attestation %d has the window [%d, %d]", att.Nonce, att.BeginHeight, att.EndHeight)
	}
	tuples := make([]blobstream.DataRootTuple, 0, att.EndHeight-att.BeginHeight+1)
	for h := att.BeginHeight; h <= att.EndHeight; h++ {
		hdr, err := a.Header(ctx, h)
		if err != nil {
			return nil, err
		}
		tuples = append(tuples, blobstream.DataRootTuple{Height: h, DataRoot: [32]byte(hdr.DAH.Hash())})
	}
	dc, err := blobstream.NewDataCommitment(tuples)
	if err != nil {
		return nil, err
	}
	if root := dc.Root(); !bytes.Equal(root[:], att.TupleRoot) {
		return nil, fmt.Errorf("%w: window [%d, %d] (nonce %d): attested %x, this node's headers give %x",
			errAttestationMismatch, att.BeginHeight, att.EndHeight, att.Nonce, []byte(att.TupleRoot), root)
	}
	return dc, nil
}

// DataRootTupleRoot returns the attested data root tuple root of the
// window [start, end) (end exclusive).
func (a *Adapter) DataRootTupleRoot(ctx context.Context, start, end uint64) ([32]byte, error) {
	_, dc, err := a.window(ctx, start, end)
	if err != nil {
		return [32]byte{}, err
	}
	return dc.Root(), nil
}

// DataRootTupleInclusionProof returns the proof of height's data root
// tuple against the attested root of the window [start, end).
func (a *Adapter) DataRootTupleInclusionProof(ctx context.Context, height, start, end uint64) (blobstream.AttestationProof, error) {
	if height < start || height >= end {
		return blobstream.AttestationProof{}, fmt.Errorf("%w: height %d is outside the range [%d, %d)", errInvalidHeight, height, start, end)
	}
	att, dc, err := a.window(ctx, start, end)
	if err != nil {
		return blobstream.AttestationProof{}, err
	}
	return dc.AttestationProof(att.Nonce, height)
}

// SharesProof returns what a Blobstream DAVerifier needs to prove the blob
// of ns with the given commitment at height: its shares, their NMT proofs
// to the row roots, the row roots' proofs to the data root, and the data
// root tuple's proof to the data commitment attested at its nonce. The
// height must be attested (AttestedWindow).
func (a *Adapter) SharesProof(ctx context.Context, height uint64, ns da.Namespace, commitment []byte) (*blobstream.SharesProof, error) {
	if len(commitment) != blobs.CommitmentSize {
		return nil, fmt.Errorf("%w: commitment of %d bytes, want %d", errInvalidBlob, len(commitment), blobs.CommitmentSize)
	}
	att, err := a.AttestedWindow(ctx, height)
	if err != nil {
		return nil, err
	}
	dc, err := a.dataCommitment(ctx, att)
	if err != nil {
		return nil, err
	}
	ap, err := dc.AttestationProof(att.Nonce, height)
	if err != nil {
		return nil, err
	}
	hdr, err := a.Header(ctx, height)
	if err != nil {
		return nil, err
	}
	eds, err := a.node.Square(ctx, height)
	if errors.Is(err, p2p.ErrNotFound) {
		return nil, fmt.Errorf("%w: square of height %d is not held by this node: %w", errBlobNotFound, height, err)
	}
	if err != nil {
		return nil, fmt.Errorf("rollupadapter: square of height %d: %w", height, err)
	}
	x, err := blobs.NewExtendedSquare(eds, hdr.DAH)
	if err != nil {
		return nil, fmt.Errorf("rollupadapter: square of height %d: %w", height, err)
	}
	if _, err := x.FindBlob(ns, commitment); errors.Is(err, blobs.ErrBlobNotFound) {
		return nil, fmt.Errorf("%w: no blob of namespace %s with commitment %X at height %d", errBlobNotFound, ns, commitment, height)
	}
	return blobstream.ProveBlob(x, ns, commitment, ap)
}
