package da

import (
	"bytes"
	"crypto/sha256"
	"fmt"
	"hash"
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
				eds:    eds,
				levels: levels,
				stacks: make([]byte, w*levels*NodeSize),
				height: make([]uint8, w*levels),
				top:    make([]uint8, w),
				h:      sha256.New(),
			}
			b.pre[0] = LeafPrefix
			b.inner[0] = NodePrefix
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
	if !bytes.Equal(r[:NamespaceSize], ParityNamespace[:]) {
		copy(l[NamespaceSize:2*NamespaceSize], r[NamespaceSize:2*NamespaceSize])
	}
	copy(l[2*NamespaceSize:NodeSize], sum[:])
}

// bandBuilder is one goroutine's state for building bands.
type bandBuilder struct {
	eds    *erasure.ExtendedSquare
	levels int
	stacks []byte  // per column: levels nodes
	height []uint8 // per column: levels heights
	top    []uint8 // per column: stack depth
	h      hash.Hash
	pre    [1 + NamespaceSize]byte
	inner  [1 + 2*NodeSize]byte
	// The row being built: a stack of complete subtrees.
	rowStack  [16][NodeSize]byte
	rowHeight [16]uint8
}

// build processes rows [r0, r0+n): it writes their roots into rowBuf and the
// root of each column's subtree over these rows into bandRoots.
func (b *bandBuilder) build(r0, n int, rowBuf, bandRoots []byte) error {
	eds := b.eds
	w, k := eds.Width(), eds.K()
	clear(b.top)
	rowStack, rowHeight := &b.rowStack, &b.rowHeight
	for r := r0; r < r0+n; r++ {
		row := eds.RowBytes(r)
		top := 0
		for c := 0; c < w; c++ {
			share := row[c*ShareSize : (c+1)*ShareSize]
			ns := leafNamespace(share, r, c, k)
			if r < k && c < k {
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
			// The leaf node, on top of the row stack.
			node := &rowStack[top]
			copy(node[:], ns)
			copy(node[NamespaceSize:], ns)
			copy(b.pre[1:], ns)
			b.h.Reset()
			b.h.Write(b.pre[:])
			b.h.Write(share)
			b.h.Sum(node[:2*NamespaceSize])
			// Into the column's stack.
			ct := int(b.top[c])
			base := c * b.levels
			copy(b.stacks[(base+ct)*NodeSize:], node[:])
			b.height[base+ct] = 0
			ct++
			for ct >= 2 && b.height[base+ct-1] == b.height[base+ct-2] {
				joinNodes(&b.inner, b.stacks[(base+ct-2)*NodeSize:], b.stacks[(base+ct-1)*NodeSize:])
				b.height[base+ct-2]++
				ct--
			}
			b.top[c] = uint8(ct)
			// Into the row's stack.
			rowHeight[top] = 0
			top++
			for top >= 2 && rowHeight[top-1] == rowHeight[top-2] {
				joinNodes(&b.inner, rowStack[top-2][:], rowStack[top-1][:])
				rowHeight[top-2]++
				top--
			}
		}
		copy(rowBuf[r*NodeSize:], rowStack[0][:])
	}
	for c := 0; c < w; c++ {
		copy(bandRoots[c*NodeSize:], b.stacks[c*b.levels*NodeSize:c*b.levels*NodeSize+NodeSize])
	}
	return nil
}
