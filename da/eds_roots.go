package da

import (
	"bytes"
	"crypto/sha256"
	"fmt"
	"runtime"
	"sync/atomic"

	"golang.org/x/sync/errgroup"

	"github.com/quadrant-da/quadrant/erasure"
)

// The whole-square fast path. The square's rows are cut into bands of
// consecutive rows (a power of two each, so every band is a complete
// subtree of every column tree). A goroutine takes one band at a time and
// walks it row by row: it hashes each share once, pushes the leaf node into
// its row's tree and into its column's partial tree, so each row root is
// finished at the end of its row and each column has one subtree root per
// band. A second, short pass joins the band roots of every column. Leaves
// are never stored, and everything a goroutine touches (one row of shares,
// the column stacks of one band) stays in cache.

// maxBands is the number of row bands (fewer if the square is narrower):
// enough for both cores to stay busy when one is slowed down.
const maxBands = 8

// SquareRoots returns the row and column roots of the complete square eds,
// equal to those Root computes axis by axis. It implements
// erasure.SquareRooter, so erasure.Roots (and with it ComputeDAHeader and
// Repair) use it. It returns an error wrapping ErrPushOrder if the original
// quadrant's namespaces decrease along a row or a column.
func (NMTRooter) SquareRoots(eds *erasure.ExtendedSquare) (rowRoots, colRoots [][]byte, err error) {
	w := eds.Width()
	nb := min(w, maxBands)
	bs := w / nb
	levels := log2Width(bs) + 1
	rowBuf := make([]byte, w*NodeSize)
	colBuf := make([]byte, w*NodeSize)
	bandRoots := make([]byte, nb*w*NodeSize)

	var next atomic.Int64
	var g errgroup.Group
	for range min(runtime.GOMAXPROCS(0), nb) {
		g.Go(func() error {
			b := &bandBuilder{
				eds:        eds,
				levels:     levels,
				stacks:     make([]byte, w*levels*NodeSize),
				rowNodes:   make([]byte, w*NodeSize),
				pairHasher: newPairHasher(),
			}
			b.single[0] = NodePrefix
			for {
				band := int(next.Add(1)) - 1
				if band >= nb {
					return nil
				}
				if err := b.build(band*bs, bs, rowBuf, bandRoots[band*w*NodeSize:(band+1)*w*NodeSize]); err != nil {
					return err
				}
			}
		})
	}
	if err := g.Wait(); err != nil {
		return nil, nil, err
	}
	// Join the band roots of each column (nb−1 parents per column).
	if nb > 1 {
		next.Store(0)
		const colBatch = 32
		for range min(runtime.GOMAXPROCS(0), (w+colBatch-1)/colBatch) {
			g.Go(func() error {
				var buf [1 + 2*NodeSize]byte
				buf[0] = NodePrefix
				var stack [maxBands][NodeSize]byte
				for {
					lo := int(next.Add(colBatch)) - colBatch
					if lo >= w {
						return nil
					}
					for c := lo; c < min(lo+colBatch, w); c++ {
						for b := 0; b < nb; b++ {
							copy(stack[b][:], bandRoots[(b*w+c)*NodeSize:])
						}
						for n := nb; n > 1; n /= 2 {
							for i := 0; i < n/2; i++ {
								joinNodes(&buf, stack[2*i][:], stack[2*i+1][:])
								stack[i] = stack[2*i]
							}
						}
						copy(colBuf[c*NodeSize:], stack[0][:])
					}
				}
			})
		}
		if err := g.Wait(); err != nil {
			return nil, nil, err
		}
	} else {
		copy(colBuf, bandRoots)
	}
	return splitEvery(rowBuf, NodeSize), splitEvery(colBuf, NodeSize), nil
}

// joinNodes replaces l with the parent of NMT nodes l and r (Celestia's
// hashing, max namespace ignored for parity), using buf as hash input.
func joinNodes(buf *[1 + 2*NodeSize]byte, l, r []byte) {
	copy(buf[1:], l[:NodeSize])
	copy(buf[1+NodeSize:], r[:NodeSize])
	sum := sha256.Sum256(buf[:])
	if !bytes.Equal(r[:NamespaceSize], parityNS[:]) {
		copy(l[NamespaceSize:2*NamespaceSize], r[NamespaceSize:2*NamespaceSize])
	}
	copy(l[2*NamespaceSize:NodeSize], sum[:])
}

// bandBuilder is one goroutine's state for building bands. Every hash is
// computed two at a time (hashPair): pairs of adjacent leaves, pairs of
// adjacent parents in a row tree, and the same merge in two adjacent
// columns (every column receives one leaf per row, so all column stacks
// have the same shape and merge together).
type bandBuilder struct {
	eds    *erasure.ExtendedSquare
	levels int
	// stacks holds, per column, up to levels complete subtree roots; all
	// columns share top and height.
	stacks []byte
	top    int
	height [16]int
	// rowNodes holds the current row's leaf nodes, then its tree levels.
	rowNodes []byte
	pairHasher
	single [1 + 2*NodeSize]byte
}

// setParent writes into out the parent node of the children lr (left ‖
// right, copies) with hash sum.
func setParent(out, lr, sum []byte) {
	l, r := lr[:NodeSize], lr[NodeSize:]
	copy(out[:NamespaceSize], l[:NamespaceSize])
	if bytes.Equal(r[:NamespaceSize], parityNS[:]) {
		copy(out[NamespaceSize:2*NamespaceSize], l[NamespaceSize:2*NamespaceSize])
	} else {
		copy(out[NamespaceSize:2*NamespaceSize], r[NamespaceSize:2*NamespaceSize])
	}
	copy(out[2*NamespaceSize:NodeSize], sum)
}

// node returns node i of a flat buffer of nodes.
func node(buf []byte, i int) []byte { return buf[i*NodeSize : (i+1)*NodeSize] }

// build processes rows [r0, r0+n): it writes their roots into rowBuf and the
// root of each column's subtree over these rows into bandRoots.
func (b *bandBuilder) build(r0, n int, rowBuf, bandRoots []byte) error {
	eds := b.eds
	w, k := eds.Width(), eds.K()
	lv := b.levels
	b.top = 0
	for r := r0; r < r0+n; r++ {
		row := eds.RowBytes(r)
		// Order checks, as Celestia's NMT push does, for the original
		// quadrant: along the row and down the column.
		if r < k {
			for c := 0; c < k; c++ {
				ns := row[c*ShareSize : c*ShareSize+NamespaceSize]
				if c > 0 && bytes.Compare(ns, row[(c-1)*ShareSize:(c-1)*ShareSize+NamespaceSize]) < 0 {
					return fmt.Errorf("%w: row %d, share %d has namespace %x after %x",
						ErrPushOrder, r, c, ns, row[(c-1)*ShareSize:(c-1)*ShareSize+NamespaceSize])
				}
				if r > 0 {
					if above := eds.Share(r-1, c)[:NamespaceSize]; bytes.Compare(ns, above) < 0 {
						return fmt.Errorf("%w: col %d, share %d has namespace %x after %x", ErrPushOrder, c, r, ns, above)
					}
				}
			}
		}
		// Leaf nodes, two at a time.
		for c := 0; c < w; c += 2 {
			nsA := leafNamespace(row[c*ShareSize:], r, c, k)
			nsB := leafNamespace(row[(c+1)*ShareSize:], r, c+1, k)
			copy(b.leafA[1:], nsA)
			copy(b.leafA[1+NamespaceSize:], row[c*ShareSize:(c+1)*ShareSize])
			copy(b.leafB[1:], nsB)
			copy(b.leafB[1+NamespaceSize:], row[(c+1)*ShareSize:(c+2)*ShareSize])
			hashPair(b.digA[:], b.digB[:], b.leafA[:], b.leafB[:], leafMsgLen)
			a, bb := node(b.rowNodes, c), node(b.rowNodes, c+1)
			copy(a, nsA)
			copy(a[NamespaceSize:], nsA)
			copy(a[2*NamespaceSize:], b.digA[:])
			copy(bb, nsB)
			copy(bb[NamespaceSize:], nsB)
			copy(bb[2*NamespaceSize:], b.digB[:])
		}
		// Push every leaf onto its column's stack and merge equal heights,
		// the same merges in every column.
		t := b.top
		for c := 0; c < w; c++ {
			copy(node(b.stacks, c*lv+t), node(b.rowNodes, c))
		}
		b.height[t] = 0
		t++
		for t >= 2 && b.height[t-1] == b.height[t-2] {
			for c := 0; c < w; c += 2 {
				la, ra := node(b.stacks, c*lv+t-2), node(b.stacks, c*lv+t-1)
				lb, rb := node(b.stacks, (c+1)*lv+t-2), node(b.stacks, (c+1)*lv+t-1)
				b.joinPair(la, la, ra, lb, lb, rb)
			}
			b.height[t-2]++
			t--
		}
		b.top = t
		// The row tree, level by level in place.
		for m := w; m > 1; m /= 2 {
			half := m / 2
			if half == 1 {
				joinNodes(&b.single, node(b.rowNodes, 0), node(b.rowNodes, 1))
				break
			}
			for i := 0; i < half; i += 2 {
				b.joinPair(node(b.rowNodes, i), node(b.rowNodes, 2*i), node(b.rowNodes, 2*i+1),
					node(b.rowNodes, i+1), node(b.rowNodes, 2*i+2), node(b.rowNodes, 2*i+3))
			}
		}
		copy(rowBuf[r*NodeSize:], node(b.rowNodes, 0))
	}
	for c := 0; c < w; c++ {
		copy(bandRoots[c*NodeSize:], node(b.stacks, c*lv))
	}
	return nil
}
