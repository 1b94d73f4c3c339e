package blobstream

import (
	"bytes"
	"errors"
	"fmt"

	"github.com/quadrant-da/quadrant/blobs"
	"github.com/quadrant-da/quadrant/da"
)

// ErrSharesProof is wrapped by every error building a SharesProof.
var ErrSharesProof = errors.New("blobstream: cannot build shares proof")

// Namespace is Blobstream's Namespace: version and 28-byte id.
type Namespace struct {
	Version byte
	ID      [28]byte
}

// NamespaceFrom splits a Quadrant namespace into version and id.
func NamespaceFrom(ns da.Namespace) Namespace {
	n := Namespace{Version: ns[0]}
	copy(n.ID[:], ns[1:])
	return n
}

// NamespaceNode is Blobstream's NamespaceNode: an NMT node's min and max
// namespaces and digest.
type NamespaceNode struct {
	Min, Max Namespace
	Digest   [32]byte
}

// namespaceNode splits a 90-byte NMT node (checked by the caller).
func namespaceNode(node []byte) NamespaceNode {
	var n NamespaceNode
	n.Min = NamespaceFrom(da.NodeMin(node))
	n.Max = NamespaceFrom(da.NodeMax(node))
	copy(n.Digest[:], node[2*da.NamespaceSize:])
	return n
}

// NamespaceMerkleMultiproof is Blobstream's NamespaceMerkleMultiproof: an
// NMT range proof of leaves [BeginKey, EndKey) of one row.
type NamespaceMerkleMultiproof struct {
	BeginKey, EndKey uint64
	SideNodes        []NamespaceNode
}

// SharesProof is Blobstream's SharesProof: shares of one namespace, their
// NMT proofs against the roots of the rows they span, those row roots'
// proofs against the data root, and the data root tuple's proof against an
// attested data commitment.
type SharesProof struct {
	Data             [][]byte
	ShareProofs      []NamespaceMerkleMultiproof
	Namespace        Namespace
	RowRoots         []NamespaceNode
	RowProofs        []BinaryMerkleProof
	AttestationProof AttestationProof
}

// NewSharesProof returns the SharesProof of the original-square shares
// [start, end) of x (row-major indexes), which must all be of one
// namespace, against the attestation att, whose tuple must carry x's data
// root. The shares are copied.
func NewSharesProof(x *blobs.ExtendedSquare, start, end int, att AttestationProof) (*SharesProof, error) {
	if !bytes.Equal(att.Tuple.DataRoot[:], x.DAH.Hash()) {
		return nil, fmt.Errorf("%w: the attested tuple's data root %x is not the square's %x",
			ErrSharesProof, att.Tuple.DataRoot, x.DAH.Hash())
	}
	rows, err := x.ProveShares(start, end)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrSharesProof, err)
	}
	first := x.Square[start]
	ns := da.Namespace(first[:da.NamespaceSize])
	p := &SharesProof{Namespace: NamespaceFrom(ns), AttestationProof: att}
	for i := start; i < end; i++ {
		s := x.Square[i]
		if !bytes.Equal(s[:da.NamespaceSize], ns[:]) {
			return nil, fmt.Errorf("%w: share %d is in namespace %x, not %s like share %d", ErrSharesProof, i, s[:da.NamespaceSize], ns, start)
		}
		p.Data = append(p.Data, append([]byte(nil), s[:]...))
	}
	for _, r := range rows {
		mp := NamespaceMerkleMultiproof{BeginKey: uint64(r.Proof.Start), EndKey: uint64(r.Proof.End)}
		for _, n := range r.Proof.Nodes {
			mp.SideNodes = append(mp.SideNodes, namespaceNode(n))
		}
		p.ShareProofs = append(p.ShareProofs, mp)
		p.RowRoots = append(p.RowRoots, namespaceNode(r.RowRoot))
		p.RowProofs = append(p.RowProofs, binaryMerkleProof(r.RootProof))
	}
	return p, nil
}

// ProveBlob returns the SharesProof of all the shares of the blob of
// namespace ns with the given share commitment in x, against att.
func ProveBlob(x *blobs.ExtendedSquare, ns da.Namespace, commitment []byte, att AttestationProof) (*SharesProof, error) {
	pb, err := x.FindBlob(ns, commitment)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrSharesProof, err)
	}
	return NewSharesProof(x, pb.Index, pb.Index+pb.Shares(), att)
}
