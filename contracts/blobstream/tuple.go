package blobstream

import (
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/quadrant-da/quadrant/da"
)

// TupleSize is the size of an ABI-encoded DataRootTuple: two 32-byte words.
const TupleSize = 64

// MaxWindow bounds the number of tuples in one data commitment (Celestia's
// data commitment windows are at most 10 000 blocks).
const MaxWindow = 10_000

// ErrDataCommitment is wrapped by every error building or proving a data
// commitment.
var ErrDataCommitment = errors.New("blobstream: invalid data commitment")

// DataRootTuple is Blobstream's DataRootTuple: a Quadrant height and the
// data root of its square (the root over its row and column roots, as in
// the block's data-root transaction).
type DataRootTuple struct {
	Height   uint64
	DataRoot [32]byte
}

// Encode returns abi.encode(tuple): the height as a big-endian uint256
// followed by the data root.
func (t DataRootTuple) Encode() []byte {
	var b [TupleSize]byte
	binary.BigEndian.PutUint64(b[24:32], t.Height)
	copy(b[32:], t.DataRoot[:])
	return b[:]
}

// BinaryMerkleProof is Blobstream's BinaryMerkleProof: an RFC-6962
// inclusion proof of leaf Key among NumLeaves, with the sibling hashes
// from the leaf up (the same order as da.MerkleProof's aunts).
type BinaryMerkleProof struct {
	SideNodes [][32]byte
	Key       uint64
	NumLeaves uint64
}

// binaryMerkleProof converts a well-formed da.MerkleProof (32-byte aunts,
// non-negative index and total).
func binaryMerkleProof(p da.MerkleProof) BinaryMerkleProof {
	out := BinaryMerkleProof{Key: uint64(p.Index), NumLeaves: uint64(p.Total), SideNodes: make([][32]byte, len(p.Aunts))}
	for i, a := range p.Aunts {
		copy(out.SideNodes[i][:], a)
	}
	return out
}

// DataCommitment is the data commitment of one window: the tuples of
// consecutive heights and the RFC-6962 root over their encodings (the
// "data root tuple root" validators sign and the contract stores).
type DataCommitment struct {
	tuples []DataRootTuple
	root   [32]byte
	proofs []da.MerkleProof
}

// NewDataCommitment returns the data commitment over tuples, which must be
// 1..MaxWindow tuples of consecutive increasing heights. The tuples are
// copied.
func NewDataCommitment(tuples []DataRootTuple) (*DataCommitment, error) {
	if len(tuples) == 0 || len(tuples) > MaxWindow {
		return nil, fmt.Errorf("%w: %d tuples, want 1 to %d", ErrDataCommitment, len(tuples), MaxWindow)
	}
	leaves := make([][]byte, len(tuples))
	for i, t := range tuples {
		if i > 0 && t.Height != tuples[i-1].Height+1 {
			return nil, fmt.Errorf("%w: tuple %d has height %d after height %d, want consecutive heights",
				ErrDataCommitment, i, t.Height, tuples[i-1].Height)
		}
		leaves[i] = t.Encode()
	}
	c := &DataCommitment{tuples: append([]DataRootTuple(nil), tuples...)}
	root, proofs := da.MerkleProofs(leaves)
	copy(c.root[:], root)
	c.proofs = proofs
	return c, nil
}

// Root returns the data root tuple root.
func (c *DataCommitment) Root() [32]byte { return c.root }

// BeginHeight returns the window's first height.
func (c *DataCommitment) BeginHeight() uint64 { return c.tuples[0].Height }

// EndHeight returns the window's last height (inclusive).
func (c *DataCommitment) EndHeight() uint64 { return c.tuples[len(c.tuples)-1].Height }

// Prove returns the tuple of height and its proof against Root, or an
// error wrapping ErrDataCommitment if height is outside the window.
func (c *DataCommitment) Prove(height uint64) (DataRootTuple, BinaryMerkleProof, error) {
	if height < c.BeginHeight() || height > c.EndHeight() {
		return DataRootTuple{}, BinaryMerkleProof{}, fmt.Errorf("%w: height %d outside the window [%d, %d]",
			ErrDataCommitment, height, c.BeginHeight(), c.EndHeight())
	}
	i := height - c.BeginHeight()
	return c.tuples[i], binaryMerkleProof(c.proofs[i]), nil
}

// AttestationProof returns Blobstream's AttestationProof of height against
// this commitment attested at nonce.
func (c *DataCommitment) AttestationProof(nonce, height uint64) (AttestationProof, error) {
	t, p, err := c.Prove(height)
	if err != nil {
		return AttestationProof{}, err
	}
	return AttestationProof{TupleRootNonce: nonce, Tuple: t, Proof: p}, nil
}

// AttestationProof is Blobstream's AttestationProof: a tuple and its proof
// against the data commitment attested at TupleRootNonce.
type AttestationProof struct {
	TupleRootNonce uint64
	Tuple          DataRootTuple
	Proof          BinaryMerkleProof
}
