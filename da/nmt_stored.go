package da

import "fmt"

// A full node keeps, for every row and column of an extended square, the
// inner nodes of the axis' perfect NMT in one record: level by level from
// just above the leaves (level 1) up to the root, left to right, NodeSize
// bytes each — w−1 nodes for an axis of w leaves. InnerNodeIndex and
// RangeProofPositions let a prover assemble a proof from that record
// instead of rehashing the axis; the proof is the one Tree.ProveRange
// returns.

// NodePos names one node of a perfect NMT: Level 0 is the leaves, Index
// counts from the left within the level.
type NodePos struct {
	Level, Index int
}

// InnerNodeIndex returns the position (in nodes, not bytes) of node j of
// level l ≥ 1 in the inner-node record of a perfect NMT of w leaves (w a
// power of two). The caller keeps l and j in range.
func InnerNodeIndex(w, l, j int) int {
	off := 0
	for i := 1; i < l; i++ {
		off += w >> i
	}
	return off + j
}

// RangeProofPositions returns, left to right, the positions of the nodes of
// the NMT range proof of leaves [start, end) in a perfect tree of w leaves
// (w a power of two, 0 ≤ start < end ≤ w): the roots of the maximal
// subtrees that do not overlap the range, exactly the nodes
// Tree.ProveRange returns.
func RangeProofPositions(w, start, end int) []NodePos {
	var out []NodePos
	var visit func(l, j int)
	visit = func(l, j int) {
		lo, hi := j<<l, (j+1)<<l
		if hi <= start || lo >= end {
			out = append(out, NodePos{Level: l, Index: j})
			return
		}
		if l == 0 {
			return
		}
		visit(l-1, 2*j)
		visit(l-1, 2*j+1)
	}
	levels := 0
	for 1<<levels < w {
		levels++
	}
	visit(levels, 0)
	return out
}

// InnerNodes returns the inner-node record (the layout InnerNodeIndex
// describes) of the perfect NMT over leafNodes, a power of two ≥ 2 of
// NodeSize-byte leaf nodes; its last node is the root.
func InnerNodes(leafNodes [][]byte) ([]byte, error) {
	n := len(leafNodes)
	if n < 2 || n&(n-1) != 0 {
		return nil, fmt.Errorf("%w: %d leaves, want a power of two ≥ 2", ErrInvalidRange, n)
	}
	out := make([]byte, 0, (n-1)*NodeSize)
	level := leafNodes
	for len(level) > 1 {
		start := len(out)
		for i := 0; i < len(level); i += 2 {
			var err error
			if out, err = HashNode(out, level[i], level[i+1]); err != nil {
				return nil, err
			}
		}
		next := make([][]byte, len(level)/2)
		for i := range next {
			o := start + i*NodeSize
			next[i] = out[o : o+NodeSize : o+NodeSize]
		}
		level = next
	}
	return out, nil
}
