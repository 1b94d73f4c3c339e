package fullnode

import (
	"context"
	"fmt"
	"iter"

	"github.com/quadrant-da/quadrant/da"
	"github.com/quadrant-da/quadrant/erasure"
	"github.com/quadrant-da/quadrant/p2p"
)

// Reads per request, whichever quadrant the data falls in (see doc.go):
// a sample reads the 8-share chunk holding its share, the chunk holding its
// sibling along the proof axis when that axis is a column, and the axis'
// tree record: at most 3 reads; a half row k/8 reads (≤ 16), a half column
// k reads; namespace data 2k/8 reads per row it spans; header and root
// proofs come from an in-memory cache after the first read of a height.

// Samples implements p2p.SquareSource: one sample per coordinate, with the
// share, its NMT proof to the root of coord.Axis, that root and its Merkle
// proof to the data root. Proofs are assembled from the stored inner nodes;
// only the sibling leaf is hashed.
func (s *Store) Samples(ctx context.Context, height uint64, coords []p2p.Coord) ([]*da.Sample, error) {
	c, err := s.height(ctx, height)
	if err != nil {
		return nil, err
	}
	dah := c.hdr.DAH
	w := dah.SquareWidth()
	for _, co := range coords {
		if co.Row < 0 || co.Col < 0 || co.Row >= w || co.Col >= w || co.Axis > erasure.Col {
			return nil, fmt.Errorf("%w: coordinate (%d, %d) axis %d outside the %d-wide square of height %d",
				p2p.ErrInvalidRequest, co.Row, co.Col, co.Axis, w, height)
		}
	}
	_, cw := rowChunks(w)
	// share copies share (r, col) out of its chunk without copying the chunk.
	share := func(r, col int) ([]byte, error) {
		var out []byte
		err := s.view(keyChunk(height, r, col/cw), func(b []byte) error {
			if len(b) != cw*da.ShareSize {
				return fmt.Errorf("chunk of %d bytes, want %d", len(b), cw*da.ShareSize)
			}
			o := (col % cw) * da.ShareSize
			out = append([]byte(nil), b[o:o+da.ShareSize]...)
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("fullnode: read share (%d, %d) of height %d: %w", r, col, height, err)
		}
		return out, nil
	}
	// proofNodes copies the stored inner nodes a leaf proof needs.
	proofNodes := func(a erasure.Axis, i, leaf int) ([][]byte, error) {
		var nodes [][]byte
		err := s.view(keyTree(height, a, i), func(b []byte) error {
			if len(b) != (w-1)*da.NodeSize {
				return fmt.Errorf("tree record of %d bytes, want %d", len(b), (w-1)*da.NodeSize)
			}
			for l := 1; w>>l > 1; l++ {
				nodes = append(nodes, append([]byte(nil), treeNode(b, w, l, (leaf>>l)^1)...))
			}
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("fullnode: read tree %d/%d of height %d: %w", a, i, height, err)
		}
		return nodes, nil
	}
	out := make([]*da.Sample, len(coords))
	for i, co := range coords {
		sh, err := share(co.Row, co.Col)
		if err != nil {
			return nil, err
		}
		axisIdx, leaf := co.Row, co.Col
		sibR, sibC := co.Row, co.Col^1
		if co.Axis == erasure.Col {
			axisIdx, leaf = co.Col, co.Row
			sibR, sibC = co.Row^1, co.Col
		}
		sib, err := share(sibR, sibC)
		if err != nil {
			return nil, err
		}
		upper, err := proofNodes(co.Axis, axisIdx, leaf)
		if err != nil {
			return nil, err
		}
		ridx := axisIdx
		if co.Axis == erasure.Col {
			ridx += w
		}
		out[i] = &da.Sample{
			Row: co.Row, Col: co.Col, Axis: co.Axis,
			Share:     sh,
			Proof:     leafProof(leaf, da.HashLeaf(nil, leafNamespace(sib, sibR, sibC, w/2), sib), upper),
			AxisRoot:  dah.AxisRoot(co.Axis, axisIdx),
			RootProof: c.proofs[ridx],
		}
	}
	return out, nil
}

// leafNamespace is the namespace a share is hashed under in its row and
// column trees: its own in the original quadrant, the parity one elsewhere.
func leafNamespace(share []byte, r, c, k int) da.Namespace {
	if r < k && c < k {
		var ns da.Namespace
		copy(ns[:], share)
		return ns
	}
	return da.ParityNamespace()
}

// leafProof returns the NMT inclusion proof of leaf idx in a perfect tree
// given the sibling nodes on its path: sib (the leaf idx^1) and upper (the
// siblings at levels 1, 2, … below the root). Celestia's proof nodes are the
// roots of the maximal subtrees left of the leaf (from the top down) and
// then right of it (from the bottom up).
func leafProof(idx int, sib []byte, upper [][]byte) da.Proof {
	var left, right [][]byte
	levels := 1 + len(upper)
	for l := 0; l < levels; l++ {
		node := sib
		if l > 0 {
			node = upper[l-1]
		}
		if (idx>>l)&1 == 1 {
			left = append(left, node) // bottom-up; reversed below
		} else {
			right = append(right, node)
		}
	}
	nodes := make([][]byte, 0, levels)
	for i := len(left) - 1; i >= 0; i-- {
		nodes = append(nodes, left[i])
	}
	nodes = append(nodes, right...)
	return da.Proof{Start: idx, End: idx + 1, Nodes: nodes, IsMaxNamespaceIgnored: true}
}

// HalfAxis implements p2p.SquareSource: the k shares of one half of a row
// (one read) or column (k reads).
func (s *Store) HalfAxis(ctx context.Context, height uint64, axis erasure.Axis, index, half int) ([][]byte, error) {
	c, err := s.height(ctx, height)
	if err != nil {
		return nil, err
	}
	w := c.hdr.DAH.SquareWidth()
	k := w / 2
	if index < 0 || index >= w || half < 0 || half > 1 || axis > erasure.Col {
		return nil, fmt.Errorf("%w: axis %d index %d half %d for width %d", p2p.ErrInvalidRequest, axis, index, half, w)
	}
	out := make([][]byte, k)
	if axis == erasure.Row {
		b, err := s.shares(ctx, height, w, index, half*k, (half+1)*k)
		if err != nil {
			return nil, err
		}
		for i := range out {
			o := i * da.ShareSize
			out[i] = b[o : o+da.ShareSize : o+da.ShareSize]
		}
		return out, nil
	}
	for i := range out {
		b, err := s.shares(ctx, height, w, half*k+i, index, index+1)
		if err != nil {
			return nil, err
		}
		out[i] = b
	}
	return out, nil
}

// NamespaceData implements p2p.SquareSource: for every row of the original
// square whose root range contains ns, the shares of ns and their
// namespace proof (one read per row).
func (s *Store) NamespaceData(ctx context.Context, height uint64, ns da.Namespace) (*p2p.NamespaceData, error) {
	c, err := s.height(ctx, height)
	if err != nil {
		return nil, err
	}
	w := c.hdr.DAH.SquareWidth()
	d := &p2p.NamespaceData{}
	for _, r := range p2p.NamespaceRows(c.hdr.DAH, ns) {
		b, err := s.row(ctx, height, w, r)
		if err != nil {
			return nil, err
		}
		shares := make([][]byte, w)
		for i := range shares {
			shares[i] = b[i*da.ShareSize : (i+1)*da.ShareSize : (i+1)*da.ShareSize]
		}
		row, err := p2p.BuildNamespaceRow(r, shares, nil, ns)
		if err != nil {
			return nil, fmt.Errorf("fullnode: namespace proof for row %d of height %d: %w", r, height, err)
		}
		d.Rows = append(d.Rows, row)
	}
	return d, nil
}

// OriginalSquare returns k and the original square's k·k shares (k reads),
// all in one buffer: for callers in the process (tests, tools). The p2p
// server streams it row by row instead (OriginalRows).
func (s *Store) OriginalSquare(ctx context.Context, height uint64) (int, []byte, error) {
	k, rows, err := s.OriginalRows(ctx, height)
	if err != nil {
		return 0, nil, err
	}
	out := make([]byte, 0, k*k*da.ShareSize)
	for row, err := range rows {
		if err != nil {
			return 0, nil, err
		}
		out = append(out, row...)
	}
	return k, out, nil
}

// OriginalRows implements p2p.SquareSource: k and the k rows of the
// original square, each read (k/8 chunk reads) when the iteration reaches
// it into one buffer of k·512 bytes reused for every row.
func (s *Store) OriginalRows(ctx context.Context, height uint64) (int, iter.Seq2[[]byte, error], error) {
	c, err := s.height(ctx, height)
	if err != nil {
		return 0, nil, err
	}
	w := c.hdr.DAH.SquareWidth()
	k := w / 2
	rows := func(yield func([]byte, error) bool) {
		buf := make([]byte, 0, k*da.ShareSize)
		for r := 0; r < k; r++ {
			row, err := s.appendShares(ctx, buf[:0], height, w, r, 0, k)
			if !yield(row, err) || err != nil {
				return
			}
		}
	}
	return k, rows, nil
}

// NamespaceRows implements p2p.SquareSource in two passes, so that a
// response holds one row at a time whatever the namespace's size: first
// the head (share range and proof) of every row whose root range contains
// ns, reading each whole row (one read per chunk) into a reused buffer;
// then, as the iteration reaches it, the namespace's shares of each row,
// read again into another reused buffer.
func (s *Store) NamespaceRows(ctx context.Context, height uint64, ns da.Namespace) ([]p2p.NamespaceRowHead, iter.Seq2[[]byte, error], error) {
	c, err := s.height(ctx, height)
	if err != nil {
		return nil, nil, err
	}
	w := c.hdr.DAH.SquareWidth()
	rows := p2p.NamespaceRows(c.hdr.DAH, ns)
	heads := make([]p2p.NamespaceRowHead, 0, len(rows))
	buf := make([]byte, 0, w*da.ShareSize)
	shares := make([][]byte, w)
	for _, r := range rows {
		b, err := s.appendShares(ctx, buf[:0], height, w, r, 0, w)
		if err != nil {
			return nil, nil, err
		}
		for i := range shares {
			shares[i] = b[i*da.ShareSize : (i+1)*da.ShareSize : (i+1)*da.ShareSize]
		}
		h, err := p2p.BuildNamespaceRowHead(r, shares, nil, ns)
		if err != nil {
			return nil, nil, fmt.Errorf("fullnode: namespace proof for row %d of height %d: %w", r, height, err)
		}
		heads = append(heads, h)
	}
	seq := func(yield func([]byte, error) bool) {
		buf := make([]byte, 0, w*da.ShareSize)
		for _, h := range heads {
			b, err := s.appendShares(ctx, buf[:0], height, w, h.Row, h.Start, h.Start+h.Count)
			if !yield(b, err) || err != nil {
				return
			}
		}
	}
	return heads, seq, nil
}
