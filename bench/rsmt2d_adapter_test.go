package bench

import (
	"bytes"
	"crypto/sha256"
	"fmt"
	"math/rand/v2"
	"sort"
	"testing"

	"github.com/celestiaorg/merkletree"
	"github.com/celestiaorg/nmt"
	"github.com/celestiaorg/rsmt2d"

	"github.com/quadrant-da/quadrant/da"
)

// refTree is the reference rsmt2d.Tree: an NMT wrapper that behaves like
// celestia-app's ErasuredNamespacedMerkleTree (pkg/wrapper, not importable
// here). A share of the original quadrant (axis index and share index both
// < k) is pushed as its own namespace ‖ share, every other share as the
// parity namespace ‖ share.
type refTree struct {
	k          uint
	axisIndex  uint
	shareIndex uint
	tree       *nmt.NamespacedMerkleTree
}

// refTreeFn returns the rsmt2d tree constructor for squares of original
// width k.
func refTreeFn(k int) rsmt2d.TreeConstructorFn {
	return func(_ rsmt2d.Axis, index uint) rsmt2d.Tree {
		return &refTree{
			k:         uint(k),
			axisIndex: index,
			tree: nmt.New(sha256.New(), nmt.NamespaceIDSize(da.NamespaceSize),
				nmt.IgnoreMaxNamespace(true), nmt.InitialCapacity(2*k)),
		}
	}
}

// Push implements rsmt2d.Tree.
func (t *refTree) Push(data []byte) error {
	if t.shareIndex >= 2*t.k || t.axisIndex >= 2*t.k {
		return fmt.Errorf("refTree: push past the square: axis %d share %d, width %d", t.axisIndex, t.shareIndex, 2*t.k)
	}
	if len(data) < da.NamespaceSize {
		return fmt.Errorf("refTree: share of %d bytes is shorter than a namespace", len(data))
	}
	leaf := make([]byte, 0, da.NamespaceSize+len(data))
	if t.shareIndex < t.k && t.axisIndex < t.k {
		leaf = append(leaf, data[:da.NamespaceSize]...)
	} else {
		leaf = append(leaf, da.ParityNamespace().Bytes()...)
	}
	leaf = append(leaf, data...)
	if err := t.tree.Push(leaf); err != nil {
		return err
	}
	t.shareIndex++
	return nil
}

// Root implements rsmt2d.Tree.
func (t *refTree) Root() ([]byte, error) { return t.tree.Root() }

// refDataRoot is the reference data root: the binary Merkle root (leaf
// prefix 0, inner prefix 1) over the row roots then the column roots, here
// computed with celestiaorg/merkletree (the 4k roots are a power of two, so
// it agrees with CometBFT's RFC-6962 tree that Celestia uses).
func refDataRoot(rows, cols [][]byte) []byte {
	t := merkletree.New(sha256.New())
	for _, r := range rows {
		t.Push(r)
	}
	for _, c := range cols {
		t.Push(c)
	}
	return t.Root()
}

// randOriginal returns a random k×k original square, row-major, whose
// shares carry random version-0 namespaces sorted in row-major order (hence
// along every row and column) and random data; a few shares use the tail
// padding namespace at the end, as real squares do.
func randOriginal(rng *rand.Rand, k int) []byte {
	n := k * k
	nss := make([]da.Namespace, n)
	for i := range nss {
		var ns da.Namespace
		ns[da.NamespaceSize-2] = byte(rng.IntN(3))
		ns[da.NamespaceSize-1] = byte(rng.IntN(256))
		if rng.IntN(10) == 0 {
			ns = da.TailPaddingNamespace()
		}
		nss[i] = ns
	}
	sort.Slice(nss, func(a, b int) bool { return nss[a].Compare(nss[b]) < 0 })
	out := make([]byte, n*da.ShareSize)
	for i := range nss {
		s := out[i*da.ShareSize : (i+1)*da.ShareSize]
		for j := range s {
			s[j] = byte(rng.Uint32())
		}
		copy(s, nss[i][:])
	}
	return out
}

// splitShares returns views of the shares of a flat buffer.
func splitShares(b []byte) [][]byte {
	out := make([][]byte, len(b)/da.ShareSize)
	for i := range out {
		out[i] = b[i*da.ShareSize : (i+1)*da.ShareSize]
	}
	return out
}

// refExtend extends original with rsmt2d and the reference tree.
func refExtend(t testing.TB, original []byte, k int) *rsmt2d.ExtendedDataSquare {
	t.Helper()
	eds, err := rsmt2d.ComputeExtendedDataSquare(splitShares(original), rsmt2d.NewLeoRSCodec(), refTreeFn(k))
	if err != nil {
		t.Fatal(err)
	}
	return eds
}

// refRoots returns rsmt2d's row and column roots.
func refRoots(t testing.TB, eds *rsmt2d.ExtendedDataSquare) (rows, cols [][]byte) {
	t.Helper()
	rows, err := eds.RowRoots()
	if err != nil {
		t.Fatal(err)
	}
	cols, err = eds.ColRoots()
	if err != nil {
		t.Fatal(err)
	}
	return rows, cols
}

func TestRefTreeMatchesDATree(t *testing.T) {
	// The adapter must agree with da.Tree fed the same ns ‖ share leaves,
	// or every differential test below would compare against the wrong
	// thing.
	rng := rand.New(rand.NewPCG(41, 42))
	k := 4
	orig := splitShares(randOriginal(rng, k))
	for axis := uint(0); axis < uint(2*k); axis++ {
		ref := refTreeFn(k)(rsmt2d.Row, axis)
		tr := da.NewTree()
		for j := 0; j < 2*k; j++ {
			share := orig[j%k] // any bytes will do for parity positions
			if axis < uint(k) && j < k {
				share = orig[int(axis)*k+j]
			}
			if err := ref.Push(share); err != nil {
				t.Fatal(err)
			}
			ns := da.ParityNamespace().Bytes()
			if axis < uint(k) && j < k {
				ns = share[:da.NamespaceSize]
			}
			if err := tr.Push(append(append([]byte(nil), ns...), share...)); err != nil {
				t.Fatal(err)
			}
		}
		want, err := ref.Root()
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(tr.Root(), want) {
			t.Fatalf("axis %d: da.Tree root differs from the reference tree", axis)
		}
	}
}
