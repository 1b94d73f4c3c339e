package da

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"hash"
	"math"
)

// MaxMerkleAunts bounds the number of aunts a MerkleProof may carry (as
// CometBFT's crypto/merkle.MaxAunts); a proof with more is rejected before
// any hashing.
const MaxMerkleAunts = 100

// ErrMerkleProof is wrapped by every MerkleProof verification failure.
var ErrMerkleProof = errors.New("da: invalid merkle proof")

// MerkleProof is an RFC-6962 inclusion proof of leaf Index among Total
// leaves, with the same semantics as CometBFT's crypto/merkle.Proof: Aunts
// are the sibling hashes from the leaf up to the root (Aunts[0] is the
// leaf's sibling, the last aunt the root's child). The leaf hash is not
// carried: the verifier recomputes it from the leaf.
type MerkleProof struct {
	Index int      `json:"index"`
	Total int      `json:"total"`
	Aunts [][]byte `json:"aunts"`
}

// MerkleProofs returns the RFC-6962 root of leaves and one proof per leaf,
// like CometBFT's merkle.ProofsFromByteSlices. The proofs' aunts are fresh
// slices; leaves are not retained.
func MerkleProofs(leaves [][]byte) (root []byte, proofs []MerkleProof) {
	proofs = make([]MerkleProof, len(leaves))
	depth := 0
	for n := len(leaves); n > 1; n = (n + 1) / 2 {
		depth++
	}
	for i := range proofs {
		proofs[i] = MerkleProof{Index: i, Total: len(leaves), Aunts: make([][]byte, 0, depth)}
	}
	if len(leaves) == 0 {
		h := sha256.Sum256(nil)
		return h[:], proofs
	}
	m := newMerkleHasher()
	root = m.proofs(leaves, proofs, 0)
	return root, proofs
}

// merkleProof returns the proof of leaf i among leaves (0 ≤ i < len(leaves))
// with O(n) hashing and without computing the other proofs.
func merkleProof(leaves [][]byte, i int) MerkleProof {
	p := MerkleProof{Index: i, Total: len(leaves)}
	m := newMerkleHasher()
	var rev [][]byte // aunts from the root down
	lo, hi := 0, len(leaves)
	for hi-lo > 1 {
		k := merkleSplit(hi - lo)
		if i < lo+k {
			rev = append(rev, m.root(leaves[lo+k:hi]))
			hi = lo + k
		} else {
			rev = append(rev, m.root(leaves[lo:lo+k]))
			lo += k
		}
	}
	p.Aunts = make([][]byte, len(rev))
	for j := range rev {
		p.Aunts[j] = rev[len(rev)-1-j]
	}
	return p
}

// merkleHasher reuses one SHA-256 state for many RFC-6962 hashes.
type merkleHasher struct {
	h hash.Hash
}

func newMerkleHasher() *merkleHasher { return &merkleHasher{h: sha256.New()} }

func (m *merkleHasher) leaf(dst, leaf []byte) []byte {
	m.h.Reset()
	m.h.Write([]byte{0})
	m.h.Write(leaf)
	return m.h.Sum(dst)
}

func (m *merkleHasher) inner(dst, l, r []byte) []byte {
	m.h.Reset()
	m.h.Write([]byte{1})
	m.h.Write(l)
	m.h.Write(r)
	return m.h.Sum(dst)
}

// root returns the RFC-6962 root of a non-empty list of leaves.
func (m *merkleHasher) root(leaves [][]byte) []byte {
	if len(leaves) == 1 {
		return m.leaf(nil, leaves[0])
	}
	k := merkleSplit(len(leaves))
	l := m.root(leaves[:k])
	r := m.root(leaves[k:])
	return m.inner(l[:0], l, r)
}

// proofs returns the root of leaves (non-empty) and appends, bottom-up, each
// leaf's aunts to proofs[off+j].
func (m *merkleHasher) proofs(leaves [][]byte, proofs []MerkleProof, off int) []byte {
	if len(leaves) == 1 {
		return m.leaf(nil, leaves[0])
	}
	k := merkleSplit(len(leaves))
	l := m.proofs(leaves[:k], proofs, off)
	r := m.proofs(leaves[k:], proofs, off+k)
	for j := off; j < off+k; j++ {
		proofs[j].Aunts = append(proofs[j].Aunts, r)
	}
	for j := off + k; j < off+len(leaves); j++ {
		proofs[j].Aunts = append(proofs[j].Aunts, l)
	}
	return m.inner(nil, l, r)
}

// Verify checks that leaf is leaf p.Index of p.Total leaves whose RFC-6962
// root is root. It returns nil on success, or an error wrapping
// ErrMerkleProof that says what was wrong. It never panics.
func (p MerkleProof) Verify(root, leaf []byte) error {
	got, err := p.ComputeRoot(leaf)
	if err != nil {
		return err
	}
	if !bytes.Equal(got, root) {
		return fmt.Errorf("%w: computed root %x, want %x", ErrMerkleProof, got, root)
	}
	return nil
}

// ComputeRoot returns the root that leaf and p's aunts lead to, or an error
// wrapping ErrMerkleProof if the proof is malformed (index out of range,
// wrong number of aunts, aunts not 32 bytes).
func (p MerkleProof) ComputeRoot(leaf []byte) ([]byte, error) {
	if p.Total <= 0 {
		return nil, fmt.Errorf("%w: total %d, want > 0", ErrMerkleProof, p.Total)
	}
	if p.Index < 0 || p.Index >= p.Total {
		return nil, fmt.Errorf("%w: index %d out of range [0, %d)", ErrMerkleProof, p.Index, p.Total)
	}
	if len(p.Aunts) > MaxMerkleAunts {
		return nil, fmt.Errorf("%w: %d aunts, at most %d allowed", ErrMerkleProof, len(p.Aunts), MaxMerkleAunts)
	}
	// Walk down from the root to record on which side the path goes.
	var leftChild [64]bool // leftChild[d]: at depth d the path goes left
	depth := 0
	idx, total := p.Index, p.Total
	for total > 1 {
		k := merkleSplit(total)
		if idx < k {
			leftChild[depth] = true
			total = k
		} else {
			idx -= k
			total -= k
		}
		depth++
	}
	if depth != len(p.Aunts) {
		return nil, fmt.Errorf("%w: %d aunts for index %d of %d leaves, want %d",
			ErrMerkleProof, len(p.Aunts), p.Index, p.Total, depth)
	}
	for i, a := range p.Aunts {
		if len(a) != HashSize {
			return nil, fmt.Errorf("%w: aunt %d is %d bytes, want %d", ErrMerkleProof, i, len(a), HashSize)
		}
	}
	var h [HashSize]byte
	if len(leaf) < 128 {
		// Axis roots (90 bytes) and other small leaves: no allocation.
		var lb [128]byte
		lb[0] = 0
		n := 1 + copy(lb[1:], leaf)
		h = sha256.Sum256(lb[:n])
	} else {
		newMerkleHasher().leaf(h[:0], leaf)
	}
	var in [1 + 2*HashSize]byte
	in[0] = 1
	for i, a := range p.Aunts {
		if leftChild[depth-1-i] {
			copy(in[1:], h[:])
			copy(in[1+HashSize:], a)
		} else {
			copy(in[1:], a)
			copy(in[1+HashSize:], h[:])
		}
		h = sha256.Sum256(in[:])
	}
	return append([]byte(nil), h[:]...), nil
}

// MaxMerkleProofSize bounds an encoded MerkleProof.
const MaxMerkleProofSize = 4 + 4 + 1 + MaxMerkleAunts*HashSize

// MarshalBinary returns the canonical encoding of p: Index and Total as
// big-endian uint32, the aunt count (1 byte), then the 32-byte aunts.
func (p MerkleProof) MarshalBinary() ([]byte, error) {
	return p.appendBinary(make([]byte, 0, 9+len(p.Aunts)*HashSize))
}

func (p MerkleProof) appendBinary(out []byte) ([]byte, error) {
	if p.Index < 0 || p.Total < 0 || uint64(p.Index) > math.MaxUint32 || uint64(p.Total) > math.MaxUint32 {
		return nil, fmt.Errorf("%w: index %d and total %d cannot be encoded", ErrMerkleProof, p.Index, p.Total)
	}
	if len(p.Aunts) > MaxMerkleAunts {
		return nil, fmt.Errorf("%w: %d aunts, at most %d allowed", ErrMerkleProof, len(p.Aunts), MaxMerkleAunts)
	}
	out = binary.BigEndian.AppendUint32(out, uint32(p.Index))
	out = binary.BigEndian.AppendUint32(out, uint32(p.Total))
	out = append(out, byte(len(p.Aunts)))
	for i, a := range p.Aunts {
		if len(a) != HashSize {
			return nil, fmt.Errorf("%w: aunt %d is %d bytes, want %d", ErrMerkleProof, i, len(a), HashSize)
		}
		out = append(out, a...)
	}
	return out, nil
}

// UnmarshalMerkleProof decodes a proof encoded by MarshalBinary, rejecting
// oversized or trailing input. It does not verify the proof. The result
// does not alias b.
func UnmarshalMerkleProof(b []byte) (MerkleProof, error) {
	if len(b) > MaxMerkleProofSize {
		return MerkleProof{}, fmt.Errorf("%w: encoding is %d bytes, over the limit of %d", ErrMerkleProof, len(b), MaxMerkleProofSize)
	}
	r := &wireReader{b: append([]byte(nil), b...)}
	p := r.merkleProof()
	if err := r.finish(); err != nil {
		return MerkleProof{}, fmt.Errorf("%w: decoding: %w", ErrMerkleProof, err)
	}
	return p, nil
}

// merkleProof reads one encoded MerkleProof.
func (r *wireReader) merkleProof() MerkleProof {
	var p MerkleProof
	p.Index, p.Total = int(r.u32()), int(r.u32())
	n := int(r.u8())
	if n > MaxMerkleAunts {
		r.failf("%d aunts, at most %d allowed", n, MaxMerkleAunts)
	}
	if r.err != nil {
		return MerkleProof{}
	}
	if n > 0 {
		p.Aunts = make([][]byte, n)
		for i := range p.Aunts {
			p.Aunts[i] = r.take(HashSize)
		}
	}
	return p
}
