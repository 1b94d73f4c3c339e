package bindings

import (
	"math/big"

	"github.com/ethereum/go-ethereum/common"

	"github.com/quadrant-da/quadrant/contracts/blobstream"
)

func bigUint(v uint64) *big.Int { return new(big.Int).SetUint64(v) }

// FromDataRootTuple converts a data root tuple to its ABI type.
func FromDataRootTuple(t blobstream.DataRootTuple) DataRootTuple {
	return DataRootTuple{Height: bigUint(t.Height), DataRoot: t.DataRoot}
}

// FromBinaryMerkleProof converts a binary Merkle proof to its ABI type.
func FromBinaryMerkleProof(p blobstream.BinaryMerkleProof) BinaryMerkleProof {
	return BinaryMerkleProof{
		SideNodes: append(make([][32]byte, 0, len(p.SideNodes)), p.SideNodes...),
		Key:       bigUint(p.Key),
		NumLeaves: bigUint(p.NumLeaves),
	}
}

// FromAttestationProof converts an attestation proof to its ABI type.
func FromAttestationProof(p blobstream.AttestationProof) AttestationProof {
	return AttestationProof{
		TupleRootNonce: bigUint(p.TupleRootNonce),
		Tuple:          FromDataRootTuple(p.Tuple),
		Proof:          FromBinaryMerkleProof(p.Proof),
	}
}

// FromNamespace converts a namespace to its ABI type.
func FromNamespace(n blobstream.Namespace) Namespace {
	return Namespace{Version: [1]byte{n.Version}, Id: n.ID}
}

// FromNamespaceNode converts an NMT node to its ABI type.
func FromNamespaceNode(n blobstream.NamespaceNode) NamespaceNode {
	return NamespaceNode{Min: FromNamespace(n.Min), Max: FromNamespace(n.Max), Digest: n.Digest}
}

// FromSharesProof converts a shares proof to its ABI type. The share data
// is not copied.
func FromSharesProof(p *blobstream.SharesProof) SharesProof {
	out := SharesProof{
		Data:             p.Data,
		Namespace:        FromNamespace(p.Namespace),
		AttestationProof: FromAttestationProof(p.AttestationProof),
	}
	for _, sp := range p.ShareProofs {
		mp := NamespaceMerkleMultiproof{BeginKey: bigUint(sp.BeginKey), EndKey: bigUint(sp.EndKey)}
		for _, n := range sp.SideNodes {
			mp.SideNodes = append(mp.SideNodes, FromNamespaceNode(n))
		}
		out.ShareProofs = append(out.ShareProofs, mp)
	}
	for _, n := range p.RowRoots {
		out.RowRoots = append(out.RowRoots, FromNamespaceNode(n))
	}
	for _, rp := range p.RowProofs {
		out.RowProofs = append(out.RowProofs, FromBinaryMerkleProof(rp))
	}
	return out
}

// FromValidators converts a validator set to its ABI type.
func FromValidators(vals []blobstream.Validator) []Validator {
	out := make([]Validator, len(vals))
	for i, v := range vals {
		out[i] = Validator{Addr: common.Address(v.Address), Power: bigUint(v.Power)}
	}
	return out
}

// FromSignatures converts signatures to their ABI type.
func FromSignatures(sigs []blobstream.Signature) []Signature {
	out := make([]Signature, len(sigs))
	for i, s := range sigs {
		out[i] = Signature{V: s.V, R: s.R, S: s.S}
	}
	return out
}
