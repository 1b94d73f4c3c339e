package rollupadapter

import (
	"context"
	"encoding/hex"
	"fmt"
	"strings"

	"github.com/quadrant-da/quadrant/contracts/blobstream"
	"github.com/quadrant-da/quadrant/da"
)

// BlobstreamAPI is the "blobstream" module: celestia-node's
// GetDataRootTupleRoot and GetDataRootTupleInclusionProof (ranges end
// exclusive, as there), served from the validators' attestations — a range
// must be exactly one attested, fully signed window — plus Quadrant's
// GetSharesProof, the whole input of Blobstream's DAVerifier for a blob.
type BlobstreamAPI struct {
	Internal struct {
		GetDataRootTupleRoot           func(context.Context, uint64, uint64) (*DataRootTupleRoot, error)                   `perm:"read"`
		GetDataRootTupleInclusionProof func(context.Context, uint64, uint64, uint64) (*DataRootTupleInclusionProof, error) `perm:"read"`
		GetSharesProof                 func(context.Context, uint64, []byte, []byte) (*SharesProof, error)                 `perm:"read"`
	}
}

func (a *BlobstreamAPI) GetDataRootTupleRoot(ctx context.Context, start, end uint64) (*DataRootTupleRoot, error) {
	return a.Internal.GetDataRootTupleRoot(ctx, start, end)
}
func (a *BlobstreamAPI) GetDataRootTupleInclusionProof(ctx context.Context, height, start, end uint64) (*DataRootTupleInclusionProof, error) {
	return a.Internal.GetDataRootTupleInclusionProof(ctx, height, start, end)
}
func (a *BlobstreamAPI) GetSharesProof(ctx context.Context, height uint64, ns, commitment []byte) (*SharesProof, error) {
	return a.Internal.GetSharesProof(ctx, height, ns, commitment)
}

// DataRootTupleRoot is celestia-node's blobstream.DataRootTupleRoot: the
// 32-byte root (base64 in JSON).
type DataRootTupleRoot []byte

// DataRootTupleInclusionProof is celestia-node's: CometBFT's Merkle proof
// of a data root tuple (its ABI encoding is the leaf) against the root.
type DataRootTupleInclusionProof = MerkleProof

type blobstreamModule struct{ a *Adapter }

func (m blobstreamModule) GetDataRootTupleRoot(ctx context.Context, start, end uint64) (*DataRootTupleRoot, error) {
	root, err := m.a.DataRootTupleRoot(ctx, start, end)
	if err != nil {
		return nil, err
	}
	out := DataRootTupleRoot(root[:])
	return &out, nil
}

func (m blobstreamModule) GetDataRootTupleInclusionProof(ctx context.Context, height, start, end uint64) (*DataRootTupleInclusionProof, error) {
	p, err := m.a.DataRootTupleInclusionProof(ctx, height, start, end)
	if err != nil {
		return nil, err
	}
	aunts := make([][]byte, len(p.Proof.SideNodes))
	for i := range p.Proof.SideNodes {
		aunts[i] = p.Proof.SideNodes[i][:]
	}
	return &MerkleProof{Total: int64(p.Proof.NumLeaves), Index: int64(p.Proof.Key),
		LeafHash: da.MerkleLeafHash(p.Tuple.Encode()), Aunts: aunts}, nil
}

func (m blobstreamModule) GetSharesProof(ctx context.Context, height uint64, nsb, commitment []byte) (*SharesProof, error) {
	ns, err := parseNamespace(nsb)
	if err != nil {
		return nil, err
	}
	p, err := m.a.SharesProof(ctx, height, ns, commitment)
	if err != nil {
		return nil, err
	}
	return sharesProofJSON(p), nil
}

// EthBytes is a byte string in JSON as 0x-prefixed hex, as Ethereum tools
// (cast, ethers, go-ethereum's hexutil) write bytes and bytesN.
type EthBytes []byte

// MarshalText writes 0x-prefixed lower-case hex.
func (b EthBytes) MarshalText() ([]byte, error) {
	return []byte("0x" + hex.EncodeToString(b)), nil
}

// UnmarshalText reads hex with or without 0x.
func (b *EthBytes) UnmarshalText(text []byte) error {
	v, err := hex.DecodeString(strings.TrimPrefix(string(text), "0x"))
	if err != nil {
		return fmt.Errorf("rollupadapter: hex field: %w", err)
	}
	*b = v
	return nil
}

// SharesProof is Blobstream's SharesProof struct in JSON, field for field
// as the Solidity struct names them (bytes and bytesN as 0x hex, integers
// as numbers), ready for abi.encode.
type SharesProof struct {
	Data             []EthBytes                  `json:"data"`
	ShareProofs      []NamespaceMerkleMultiproof `json:"shareProofs"`
	Namespace        BlobstreamNamespace         `json:"namespace"`
	RowRoots         []NamespaceNode             `json:"rowRoots"`
	RowProofs        []BinaryMerkleProof         `json:"rowProofs"`
	AttestationProof AttestationProof            `json:"attestationProof"`
}

// BlobstreamNamespace is Blobstream's Namespace (bytes1 version, bytes28 id).
type BlobstreamNamespace struct {
	Version EthBytes `json:"version"`
	ID      EthBytes `json:"id"`
}

// NamespaceNode is Blobstream's NamespaceNode.
type NamespaceNode struct {
	Min    BlobstreamNamespace `json:"min"`
	Max    BlobstreamNamespace `json:"max"`
	Digest EthBytes            `json:"digest"`
}

// NamespaceMerkleMultiproof is Blobstream's NamespaceMerkleMultiproof.
type NamespaceMerkleMultiproof struct {
	BeginKey  uint64          `json:"beginKey"`
	EndKey    uint64          `json:"endKey"`
	SideNodes []NamespaceNode `json:"sideNodes"`
}

// BinaryMerkleProof is Blobstream's BinaryMerkleProof.
type BinaryMerkleProof struct {
	SideNodes []EthBytes `json:"sideNodes"`
	Key       uint64     `json:"key"`
	NumLeaves uint64     `json:"numLeaves"`
}

// DataRootTuple is Blobstream's DataRootTuple.
type DataRootTuple struct {
	Height   uint64   `json:"height"`
	DataRoot EthBytes `json:"dataRoot"`
}

// AttestationProof is Blobstream's AttestationProof.
type AttestationProof struct {
	TupleRootNonce uint64            `json:"tupleRootNonce"`
	Tuple          DataRootTuple     `json:"tuple"`
	Proof          BinaryMerkleProof `json:"proof"`
}

// sharesProofJSON returns the JSON form of p.
func sharesProofJSON(p *blobstream.SharesProof) *SharesProof {
	out := &SharesProof{
		Namespace: wireNamespace(p.Namespace),
		AttestationProof: AttestationProof{TupleRootNonce: p.AttestationProof.TupleRootNonce,
			Tuple: DataRootTuple{Height: p.AttestationProof.Tuple.Height, DataRoot: EthBytes(p.AttestationProof.Tuple.DataRoot[:])},
			Proof: wireBinaryProof(p.AttestationProof.Proof)},
	}
	for _, d := range p.Data {
		out.Data = append(out.Data, EthBytes(d))
	}
	for _, sp := range p.ShareProofs {
		mp := NamespaceMerkleMultiproof{BeginKey: sp.BeginKey, EndKey: sp.EndKey, SideNodes: []NamespaceNode{}}
		for _, n := range sp.SideNodes {
			mp.SideNodes = append(mp.SideNodes, wireNode(n))
		}
		out.ShareProofs = append(out.ShareProofs, mp)
	}
	for _, n := range p.RowRoots {
		out.RowRoots = append(out.RowRoots, wireNode(n))
	}
	for _, rp := range p.RowProofs {
		out.RowProofs = append(out.RowProofs, wireBinaryProof(rp))
	}
	return out
}

func wireNamespace(n blobstream.Namespace) BlobstreamNamespace {
	return BlobstreamNamespace{Version: EthBytes{n.Version}, ID: EthBytes(n.ID[:])}
}

func wireNode(n blobstream.NamespaceNode) NamespaceNode {
	return NamespaceNode{Min: wireNamespace(n.Min), Max: wireNamespace(n.Max), Digest: EthBytes(n.Digest[:])}
}

func wireBinaryProof(p blobstream.BinaryMerkleProof) BinaryMerkleProof {
	out := BinaryMerkleProof{Key: p.Key, NumLeaves: p.NumLeaves, SideNodes: make([]EthBytes, len(p.SideNodes))}
	for i := range p.SideNodes {
		out.SideNodes[i] = EthBytes(p.SideNodes[i][:])
	}
	return out
}

// Blobstream converts p back, checking every fixed-size field's length and
// that the proof lists are consistent (one share proof, row root and row
// proof per row).
func (p *SharesProof) Blobstream() (*blobstream.SharesProof, error) {
	out := &blobstream.SharesProof{}
	var err error
	if out.Namespace, err = p.Namespace.blobstream(); err != nil {
		return nil, err
	}
	if len(p.ShareProofs) != len(p.RowRoots) || len(p.RowRoots) != len(p.RowProofs) || len(p.Data) == 0 {
		return nil, fmt.Errorf("%w: %d shares, %d share proofs, %d row roots, %d row proofs: want shares and one of each per row",
			errInvalidProof, len(p.Data), len(p.ShareProofs), len(p.RowRoots), len(p.RowProofs))
	}
	for i, d := range p.Data {
		if len(d) != da.ShareSize {
			return nil, fmt.Errorf("%w: share %d has %d bytes, want %d", errInvalidProof, i, len(d), da.ShareSize)
		}
		out.Data = append(out.Data, []byte(d))
	}
	for _, sp := range p.ShareProofs {
		mp := blobstream.NamespaceMerkleMultiproof{BeginKey: sp.BeginKey, EndKey: sp.EndKey}
		for _, n := range sp.SideNodes {
			bn, err := n.blobstream()
			if err != nil {
				return nil, err
			}
			mp.SideNodes = append(mp.SideNodes, bn)
		}
		out.ShareProofs = append(out.ShareProofs, mp)
	}
	for i := range p.RowRoots {
		bn, err := p.RowRoots[i].blobstream()
		if err != nil {
			return nil, err
		}
		out.RowRoots = append(out.RowRoots, bn)
		rp, err := p.RowProofs[i].blobstream()
		if err != nil {
			return nil, err
		}
		out.RowProofs = append(out.RowProofs, rp)
	}
	ap := p.AttestationProof
	if len(ap.Tuple.DataRoot) != 32 {
		return nil, fmt.Errorf("%w: data root of %d bytes, want 32", errInvalidProof, len(ap.Tuple.DataRoot))
	}
	tp, err := ap.Proof.blobstream()
	if err != nil {
		return nil, err
	}
	out.AttestationProof = blobstream.AttestationProof{TupleRootNonce: ap.TupleRootNonce,
		Tuple: blobstream.DataRootTuple{Height: ap.Tuple.Height, DataRoot: [32]byte(ap.Tuple.DataRoot)}, Proof: tp}
	return out, nil
}

func (n BlobstreamNamespace) blobstream() (blobstream.Namespace, error) {
	if len(n.Version) != 1 || len(n.ID) != 28 {
		return blobstream.Namespace{}, fmt.Errorf("%w: namespace of a %d-byte version and %d-byte id, want 1 and 28", errInvalidProof, len(n.Version), len(n.ID))
	}
	return blobstream.Namespace{Version: n.Version[0], ID: [28]byte(n.ID)}, nil
}

func (n NamespaceNode) blobstream() (blobstream.NamespaceNode, error) {
	lo, err := n.Min.blobstream()
	if err != nil {
		return blobstream.NamespaceNode{}, err
	}
	hi, err := n.Max.blobstream()
	if err != nil {
		return blobstream.NamespaceNode{}, err
	}
	if len(n.Digest) != 32 {
		return blobstream.NamespaceNode{}, fmt.Errorf("%w: node digest of %d bytes, want 32", errInvalidProof, len(n.Digest))
	}
	return blobstream.NamespaceNode{Min: lo, Max: hi, Digest: [32]byte(n.Digest)}, nil
}

func (p BinaryMerkleProof) blobstream() (blobstream.BinaryMerkleProof, error) {
	out := blobstream.BinaryMerkleProof{Key: p.Key, NumLeaves: p.NumLeaves, SideNodes: make([][32]byte, len(p.SideNodes))}
	for i, s := range p.SideNodes {
		if len(s) != 32 {
			return out, fmt.Errorf("%w: side node %d of %d bytes, want 32", errInvalidProof, i, len(s))
		}
		out.SideNodes[i] = [32]byte(s)
	}
	return out, nil
}
