package da

import (
	"bytes"
	"fmt"
)

// Subtree-root proofs.
//
// A blob's share commitment is built from the NMT roots of aligned
// power-of-two runs of its shares (its subtree roots). Those runs are
// complete subtrees of the rows' NMTs, so a row's range proof of the blob's
// shares also proves the blob's subtree roots in that row: the verifier
// stands each subtree root in for the leaves below it. This is celestia-node's
// blob.CommitmentProof check (nmt's Proof.VerifySubtreeRootInclusion), which
// lets a holder of the commitment alone check inclusion.

// MaxSubtreeRanges bounds the number of subtree ranges SubtreeRanges
// returns; a range that would need more is rejected before any allocation.
const MaxSubtreeRanges = 1 << 16

// LeafRange is the half-open range of leaves [Start, End).
type LeafRange struct {
	Start, End int
}

// SubtreeRanges splits the leaves [start, end) into the subtrees whose roots
// a subtree-root proof of that range carries, as nmt's ToLeafRanges does:
// from start on, each range is the largest power of two not above the
// leaves left nor above subtreeWidth, and must begin at a multiple of its
// size (be a complete subtree). subtreeWidth must be a power of two. It
// returns an error (wrapping ErrInvalidRange) for an empty or negative
// range, a bad width, a misaligned subtree, or more than MaxSubtreeRanges
// ranges.
func SubtreeRanges(start, end, subtreeWidth int) ([]LeafRange, error) {
	return subtreeRanges(start, end, subtreeWidth, MaxSubtreeRanges)
}

// subtreeRanges is SubtreeRanges returning an error once more than limit
// ranges are needed.
func subtreeRanges(start, end, width, limit int) ([]LeafRange, error) {
	if start < 0 || start >= end || end > MaxProofEnd {
		return nil, fmt.Errorf("%w: subtree ranges of [%d, %d), want 0 ≤ start < end ≤ %d", ErrInvalidRange, start, end, MaxProofEnd)
	}
	if width <= 0 || width&(width-1) != 0 {
		return nil, fmt.Errorf("%w: subtree width %d is not a positive power of two", ErrInvalidRange, width)
	}
	// At most (end-start)/width full-width ranges, then one per bit of the
	// remainder.
	if n := (end - start) / width; n > limit {
		return nil, fmt.Errorf("%w: [%d, %d) needs over %d subtree ranges of width %d", ErrInvalidRange, start, end, limit, width)
	}
	var out []LeafRange
	for at := start; at < end; {
		size := min(end-at, width)
		for size&(size-1) != 0 {
			size &= size - 1 // keep the highest bit
		}
		if at%size != 0 {
			return nil, fmt.Errorf("%w: subtree [%d, %d) of width %d is not aligned to its size", ErrInvalidRange, at, at+size, width)
		}
		if len(out) == limit {
			return nil, fmt.Errorf("%w: [%d, %d) needs over %d subtree ranges of width %d", ErrInvalidRange, start, end, limit, width)
		}
		out = append(out, LeafRange{Start: at, End: at + size})
		at += size
	}
	return out, nil
}

// ProveSubtreeRoots returns the proof of the leaves [start, end) split into
// subtrees of at most subtreeWidth leaves (SubtreeRanges), with the roots of
// those subtrees in order. The proof is the range proof of [start, end);
// check it with Proof.VerifySubtreeRoots. The roots are fresh slices.
func (t *Tree) ProveSubtreeRoots(start, end, subtreeWidth int) (Proof, [][]byte, error) {
	if end > t.n {
		return Proof{IsMaxNamespaceIgnored: true}, nil, fmt.Errorf("%w: [%d, %d) of a tree of %d leaves", ErrInvalidRange, start, end, t.n)
	}
	ranges, err := SubtreeRanges(start, end, subtreeWidth)
	if err != nil {
		return Proof{IsMaxNamespaceIgnored: true}, nil, err
	}
	p, err := t.ProveRange(start, end)
	if err != nil {
		return p, nil, err
	}
	t.build()
	buf := make([]byte, 0, len(ranges)*NodeSize)
	roots := make([][]byte, len(ranges))
	for i, r := range ranges {
		// A complete aligned subtree of 2^l leaves is node r.Start>>l of
		// level l.
		l := 0
		for 1<<l < r.End-r.Start {
			l++
		}
		buf = append(buf, t.node(l, r.Start>>l)...)
		roots[i] = buf[i*NodeSize : (i+1)*NodeSize : (i+1)*NodeSize]
	}
	return p, roots, nil
}

// VerifySubtreeRoots checks that subtreeRoots are, in order, the roots of
// the subtrees SubtreeRanges(p.Start, p.End, subtreeWidth) splits the
// proven range into, in the tree with the given root, as nmt's
// VerifySubtreeRootInclusion does. Like every Quadrant proof it must ignore
// the max namespace and carry at most MaxProofNodes nodes; an absence proof
// is refused. Like nmt's, the proof does not commit to the tree's size: a
// caller that knows it must also check that len(p.Nodes) is the node count
// of a range proof of [Start, End) in that tree, or a proof of [0, 1) may
// pass for [0, 2). It returns nil or an error wrapping ErrNMTProof (ErrNMTProofRoot
// when the proof is well formed but leads to another root); it never panics.
func (p Proof) VerifySubtreeRoots(root []byte, subtreeRoots [][]byte, subtreeWidth int) error {
	if err := ValidateNode(root); err != nil {
		return proofErrorf("root: %w", err)
	}
	if p.IsOfAbsence() {
		return proofErrorf("an absence proof proves no subtree roots")
	}
	if !p.IsMaxNamespaceIgnored {
		return proofErrorf("proof does not ignore the max namespace, as every Quadrant tree does")
	}
	if len(p.Nodes) > MaxProofNodes {
		return proofErrorf("%d nodes, at most %d allowed", len(p.Nodes), MaxProofNodes)
	}
	if len(subtreeRoots) == 0 {
		return proofErrorf("no subtree roots")
	}
	ranges, err := subtreeRanges(p.Start, p.End, subtreeWidth, len(subtreeRoots))
	if err != nil {
		return proofErrorf("%w", err)
	}
	if len(ranges) != len(subtreeRoots) {
		return proofErrorf("%d subtree roots for range [%d, %d) in subtrees of width %d, want %d",
			len(subtreeRoots), p.Start, p.End, subtreeWidth, len(ranges))
	}
	for i, n := range p.Nodes {
		if err := ValidateNode(n); err != nil {
			return proofErrorf("node %d: %w", i, err)
		}
	}
	for i, n := range subtreeRoots {
		if err := ValidateNode(n); err != nil {
			return proofErrorf("subtree root %d: %w", i, err)
		}
	}
	w := subtreeWalker{
		rootWalker: rootWalker{
			start: p.Start, end: p.End, nodes: p.Nodes,
			arena: make([]byte, 0, (len(subtreeRoots)+len(p.Nodes)+1)*NodeSize),
		},
		ranges: ranges,
		roots:  subtreeRoots,
	}
	size := 1
	for size < p.End {
		size *= 2
	}
	got, err := w.walk(0, size)
	if err != nil {
		return err
	}
	if got == nil {
		return proofErrorf("proof too short")
	}
	if len(w.ranges) != 0 {
		return proofErrorf("%d subtree roots left unused", len(w.ranges))
	}
	// the remaining nodes are right siblings on the way up
	for _, n := range w.nodes {
		if got, err = w.hash(got, n); err != nil {
			return err
		}
	}
	if !bytes.Equal(got, root) {
		return fmt.Errorf("%w: computed %x, want %x", ErrNMTProofRoot, got, root)
	}
	return nil
}

// subtreeWalker recomputes a root from a proof whose range is covered by
// subtree roots: rootWalker with a subtree root standing in for each
// subtree of ranges.
type subtreeWalker struct {
	rootWalker
	ranges []LeafRange
	roots  [][]byte
}

// walk returns the root of the subtree [lo, lo+size) of the padded tree
// (size a power of two), or nil if the subtree holds no leaf.
func (w *subtreeWalker) walk(lo, size int) ([]byte, error) {
	hi := lo + size
	if hi <= w.start || lo >= w.end {
		return w.popNode(), nil
	}
	if len(w.ranges) > 0 && w.ranges[0].Start == lo && w.ranges[0].End == hi {
		r := w.roots[0]
		w.ranges, w.roots = w.ranges[1:], w.roots[1:]
		return r, nil
	}
	if size == 1 {
		return nil, proofErrorf("leaf %d of [%d, %d) is under no subtree root", lo, w.start, w.end)
	}
	half := size / 2
	left, err := w.walk(lo, half)
	if err != nil {
		return nil, err
	}
	right, err := w.walk(lo+half, half)
	if err != nil {
		return nil, err
	}
	if right == nil {
		return left, nil
	}
	return w.hash(left, right)
}
