package blobs

import (
	"bytes"

	"github.com/quadrant-da/quadrant/da"
)

// Verifying a blob proof without the blob's data.
//
// A blob's share commitment is the Merkle root of the NMT roots of its
// subtrees (SubtreeRoots). Because a blob starts at a multiple of its
// subtree width w, w divides k, and each later mountain of the range is no
// wider than the ones before it, every subtree is an aligned, complete
// subtree of one row's NMT. So a row's range proof can be checked with the
// blob's subtree roots standing in for its leaves: whoever holds only the
// commitment (a rollup contract, a light client) can check that the blob is
// in the square without downloading it.

// VerifyCommitment checks, from the data root alone and without the blob's
// data, that the blob of namespace ns with share commitment commitment sits
// at p.Start in the committed square. It needs p.SubtreeRoots (filled by
// ProveBlob and ProveBlobAt). It returns nil or an error wrapping
// ErrInvalidProof; it never panics.
func (p *BlobProof) VerifyCommitment(dataRoot []byte, ns da.Namespace, commitment []byte) error {
	if p == nil {
		return proofErr("nil proof")
	}
	if err := ns.ValidateForBlob(); err != nil {
		return proofErr("namespace: %v", err)
	}
	k := p.SquareSize
	if !validSquareSize(k) {
		return proofErr("square size %d is not a power of two in [1, %d]", k, MaxSquareSizeUpperBound)
	}
	if len(p.Rows) == 0 || len(p.Rows) > k {
		return proofErr("%d row proofs for a square of %d rows", len(p.Rows), k)
	}
	// The blob's share count is the sum of the proven ranges, which must
	// tile [Start, Start+n) row by row.
	n := 0
	for i := range p.Rows {
		r := &p.Rows[i].Proof
		if r.Start < 0 || r.End > k || r.Start >= r.End {
			return proofErr("row proof %d proves [%d, %d), outside the original half of a row of %d", i, r.Start, r.End, 2*k)
		}
		n += r.End - r.Start
	}
	if p.Start < 0 || p.Start+n > k*k {
		return proofErr("blob of %d shares at %d does not fit a %d-share square", n, p.Start, k*k)
	}
	first, last := p.Start/k, (p.Start+n-1)/k
	if len(p.Rows) != last-first+1 {
		return proofErr("%d row proofs for a blob spanning rows %d..%d", len(p.Rows), first, last)
	}
	w := SubTreeWidth(n, SubtreeRootThreshold)
	if p.Start%w != 0 {
		return proofErr("blob of %d shares starts at %d, not a multiple of its subtree width %d", n, p.Start, w)
	}
	sizes := mountainRangeSizes(n, w)
	if len(p.SubtreeRoots) != len(sizes) {
		return proofErr("%d subtree roots, a blob of %d shares has %d", len(p.SubtreeRoots), n, len(sizes))
	}
	for i, r := range p.SubtreeRoots {
		if len(r) != da.NodeSize || da.NodeMin(r) != ns || da.NodeMax(r) != ns {
			return proofErr("subtree root %d is not a node of namespace %s", i, ns)
		}
	}
	if got := da.MerkleRoot(p.SubtreeRoots); !bytes.Equal(got, commitment) {
		return proofErr("subtree roots give commitment %X, want %X", got, commitment)
	}
	// place every subtree (absolute share index → its root)
	type block struct{ start, size int }
	blocks := make([]block, len(sizes))
	off := p.Start
	for i, s := range sizes {
		blocks[i] = block{off, s}
		off += s
	}
	bi := 0
	for i := range p.Rows {
		rp := &p.Rows[i]
		row := first + i
		if err := checkRootProof(dataRoot, k, rp, row); err != nil {
			return err
		}
		s, e := max(p.Start, row*k)-row*k, min(p.Start+n, (row+1)*k)-row*k
		if rp.Proof.Start != s || rp.Proof.End != e || rp.Proof.IsOfAbsence() {
			return proofErr("row %d proves shares [%d, %d), the blob occupies [%d, %d)", row, rp.Proof.Start, rp.Proof.End, s, e)
		}
		if want := rangeProofNodes(s, e, 0, 2*k); len(rp.Proof.Nodes) != want {
			return proofErr("row %d proof has %d nodes, want %d", row, len(rp.Proof.Nodes), want)
		}
		// the subtrees of this row, keyed by their start within the row
		known := map[[2]int][]byte{}
		for bi < len(blocks) && blocks[bi].start < (row+1)*k {
			b := blocks[bi]
			if b.start+b.size > (row+1)*k {
				return proofErr("subtree %d crosses the end of row %d", bi, row)
			}
			known[[2]int{b.start - row*k, b.size}] = p.SubtreeRoots[bi]
			bi++
		}
		c := &subtreeRootWalker{start: s, end: e, nodes: rp.Proof.Nodes, known: known}
		root, err := c.walk(0, 2*k)
		if err != nil {
			return proofErr("row %d: %v", row, err)
		}
		if c.next != len(rp.Proof.Nodes) {
			return proofErr("row %d: %d proof nodes left unused", row, len(rp.Proof.Nodes)-c.next)
		}
		if !bytes.Equal(root, rp.RowRoot) {
			return proofErr("row %d: the blob's subtree roots and the proof lead to %X, not the row root", row, root)
		}
	}
	if bi != len(blocks) {
		return proofErr("%d subtree roots outside the proven rows", len(blocks)-bi)
	}
	return nil
}

// subtreeRootWalker recomputes a row root from a range proof whose range
// [start, end) is covered by known aligned subtree roots.
type subtreeRootWalker struct {
	start, end int
	nodes      [][]byte
	next       int
	known      map[[2]int][]byte
}

func (c *subtreeRootWalker) walk(lo, hi int) ([]byte, error) {
	switch {
	case hi <= c.start || lo >= c.end:
		if c.next >= len(c.nodes) {
			return nil, proofErr("too few proof nodes")
		}
		n := c.nodes[c.next]
		c.next++
		if err := da.ValidateNode(n); err != nil {
			return nil, proofErr("proof node: %v", err)
		}
		return n, nil
	case c.start <= lo && hi <= c.end:
		if r, ok := c.known[[2]int{lo, hi - lo}]; ok {
			return r, nil
		}
	}
	if hi-lo == 1 {
		return nil, proofErr("share %d is covered by no subtree root", lo)
	}
	mid := (lo + hi) / 2
	l, err := c.walk(lo, mid)
	if err != nil {
		return nil, err
	}
	r, err := c.walk(mid, hi)
	if err != nil {
		return nil, err
	}
	node, err := da.HashNode(make([]byte, 0, da.NodeSize), l, r)
	if err != nil {
		return nil, proofErr("%v", err)
	}
	return node, nil
}
