package da

import (
	"bytes"
	"encoding/hex"
	"errors"
	"fmt"
	"math/rand/v2"
	"sort"
	"testing"

	"github.com/quadrant-da/quadrant/erasure"
)

// randSortedOriginal returns a k×k original square whose shares carry
// random version-0 namespaces sorted in row-major order (so sorted along
// every row and column), and random data.
func randSortedOriginal(rng *rand.Rand, k int) []byte {
	nss := make([]Namespace, k*k)
	for i := range nss {
		var id [10]byte
		for j := range id {
			id[j] = byte(rng.IntN(4)) // few distinct values: runs of equal namespaces
		}
		ns, err := NewNamespaceV0(id[:])
		if err != nil {
			panic(err)
		}
		nss[i] = ns
	}
	sort.Slice(nss, func(a, b int) bool { return nss[a].Compare(nss[b]) < 0 })
	out := make([]byte, k*k*ShareSize)
	for i := range nss {
		s := out[i*ShareSize : (i+1)*ShareSize]
		for j := range s {
			s[j] = byte(rng.Uint32())
		}
		copy(s, nss[i][:])
	}
	return out
}

// treeRoot computes an axis root the slow way: push ns ‖ share into a Tree.
func treeRoot(t testing.TB, eds *erasure.ExtendedSquare, a erasure.Axis, i int) []byte {
	t.Helper()
	tr := NewTree()
	k := eds.K()
	for j := 0; j < eds.Width(); j++ {
		s := eds.AxisShare(a, i, j)
		if err := tr.Push(append(append([]byte(nil), leafNamespace(s, i, j, k)...), s...)); err != nil {
			t.Fatal(err)
		}
	}
	return tr.Root()
}

func TestComputeDAHeaderMatchesTree(t *testing.T) {
	rng := rand.New(rand.NewPCG(21, 22))
	for _, k := range []int{1, 2, 4, 16, 64} {
		t.Run(fmt.Sprintf("k=%d", k), func(t *testing.T) {
			eds, err := erasure.Extend(randSortedOriginal(rng, k), k)
			if err != nil {
				t.Fatal(err)
			}
			dah, err := ComputeDAHeader(eds)
			if err != nil {
				t.Fatal(err)
			}
			var rows, cols [][]byte
			for i := 0; i < 2*k; i++ {
				rows = append(rows, treeRoot(t, eds, erasure.Row, i))
				cols = append(cols, treeRoot(t, eds, erasure.Col, i))
				r, err := AxisRoot(erasure.Row, i, eds.Row(i))
				if err != nil || !bytes.Equal(r, rows[i]) {
					t.Fatalf("AxisRoot(row %d) = %x, %v; want %x", i, r, err, rows[i])
				}
			}
			want, err := NewDAHeader(rows, cols)
			if err != nil {
				t.Fatal(err)
			}
			if !dah.Equal(want) || !bytes.Equal(dah.Hash(), want.Hash()) {
				t.Fatal("ComputeDAHeader differs from roots built with Tree")
			}
		})
	}
}

func TestComputeDAHeaderRejectsUnsortedNamespaces(t *testing.T) {
	rng := rand.New(rand.NewPCG(23, 24))
	k := 4
	orig := randSortedOriginal(rng, k)
	// Swap the namespaces of two shares of row 1 so the row is unsorted.
	a, b := orig[(1*k+0)*ShareSize:], orig[(1*k+3)*ShareSize:]
	copy(a[:NamespaceSize], bytes.Repeat([]byte{0}, NamespaceSize))
	a[NamespaceSize-1] = 0xF0
	b[NamespaceSize-1] = 0x00
	copy(b[:NamespaceSize-1], make([]byte, NamespaceSize-1))
	eds, err := erasure.Extend(orig, k)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ComputeDAHeader(eds); !errors.Is(err, ErrPushOrder) {
		t.Fatalf("err %v, want ErrPushOrder", err)
	}
}

func TestEmptyDAHeader(t *testing.T) {
	h := EmptyDAHeader()
	if h.SquareWidth() != 2 {
		t.Fatalf("width %d, want 2", h.SquareWidth())
	}
	// Celestia's empty-block data root (celestia-app's
	// MinDataAvailabilityHeader, also the hash of every empty block).
	const want = "3d96b7d238e7e0456f6af8e7cdf0a67bd6cf9c2089ecb559c659dcaa1f880353"
	if got := hex.EncodeToString(h.Hash()); got != want {
		t.Fatalf("empty data root %s, want %s", got, want)
	}
	s := TailPaddingShare()
	if s.Namespace() != TailPaddingNamespace() || !s.IsSequenceStart() || s.Version() != 0 || s.SequenceLen() != 0 {
		t.Fatal("tail padding share layout is wrong")
	}
}

func TestRepairSquare(t *testing.T) {
	rng := rand.New(rand.NewPCG(25, 26))
	k := 16
	w := 2 * k
	eds, err := erasure.Extend(randSortedOriginal(rng, k), k)
	if err != nil {
		t.Fatal(err)
	}
	dah, err := ComputeDAHeader(eds)
	if err != nil {
		t.Fatal(err)
	}
	shares := eds.Flattened()
	partial := make([][]byte, len(shares))
	for i := range shares {
		if i/w >= k || i%w >= k { // parity quadrants only
			partial[i] = shares[i]
		}
	}
	sq, present, err := erasure.FromShares(partial)
	if err != nil {
		t.Fatal(err)
	}
	if err := RepairSquare(sq, present, dah); err != nil {
		t.Fatal(err)
	}
	if !sq.Equal(eds) {
		t.Fatal("repaired square differs")
	}
	// A header of another width is refused.
	other := EmptyDAHeader()
	if err := RepairSquare(sq, present, other); !errors.Is(err, ErrDAHeader) {
		t.Fatalf("err %v, want ErrDAHeader", err)
	}
	// Roots over another square make the repair fail as byzantine.
	eds2, err := erasure.Extend(randSortedOriginal(rng, k), k)
	if err != nil {
		t.Fatal(err)
	}
	dah2, err := ComputeDAHeader(eds2)
	if err != nil {
		t.Fatal(err)
	}
	sq, present, err = erasure.FromShares(partial)
	if err != nil {
		t.Fatal(err)
	}
	var byz *erasure.ErrByzantineData
	if err := RepairSquare(sq, present, dah2); !errors.As(err, &byz) {
		t.Fatalf("err %v, want ErrByzantineData", err)
	}
}

func TestNMTRooterAllocations(t *testing.T) {
	rng := rand.New(rand.NewPCG(27, 28))
	k := 8
	eds, err := erasure.Extend(randSortedOriginal(rng, k), k)
	if err != nil {
		t.Fatal(err)
	}
	shares := eds.Row(0)
	leaves := make([][]byte, 2*k)
	buf := make([]byte, 2*k*HashSize)
	var r NMTRooter
	for j := range leaves {
		leaves[j] = buf[j*HashSize : (j+1)*HashSize]
	}
	allocs := testing.AllocsPerRun(20, func() {
		r.HashLeaves(erasure.Row, 0, k, shares, leaves)
		if _, err := r.Root(erasure.Row, 0, k, shares, leaves); err != nil {
			t.Fatal(err)
		}
	})
	if allocs > 2 {
		t.Fatalf("%v allocations per axis (leaf hashes + root), want at most 2 (hasher and result)", allocs)
	}
}

// axisRooter hides NMTRooter's SquareRoots, so erasure.Roots takes its
// generic, tree-by-tree path.
type axisRooter struct{ NMTRooter }

func (axisRooter) SquareRoots() {}

func TestSquareRootsMatchesAxisRoots(t *testing.T) {
	rng := rand.New(rand.NewPCG(29, 30))
	for _, k := range []int{1, 2, 8, 32, 128} {
		eds, err := erasure.Extend(randSortedOriginal(rng, k), k)
		if err != nil {
			t.Fatal(err)
		}
		rows, cols, err := NMTRooter{}.SquareRoots(eds)
		if err != nil {
			t.Fatal(err)
		}
		wantRows, wantCols, err := erasure.Roots(eds, axisRooter{})
		if err != nil {
			t.Fatal(err)
		}
		if !rootsEqual(rows, wantRows) || !rootsEqual(cols, wantCols) {
			t.Fatalf("k=%d: SquareRoots differs from the axis-by-axis roots", k)
		}
	}
	// Unsorted namespaces along a column only (rows stay sorted): both
	// paths must refuse.
	k := 4
	orig := randSortedOriginal(rng, k)
	for r := 0; r < k; r++ {
		s := orig[(r*k+1)*ShareSize:]
		copy(s[:NamespaceSize], make([]byte, NamespaceSize))
		s[NamespaceSize-1] = byte(10 - r) // column 1 decreases
		for c := 0; c < k; c++ {
			t := orig[(r*k+c)*ShareSize:]
			if c > 1 {
				copy(t[:NamespaceSize], bytes.Repeat([]byte{0}, NamespaceSize-1))
				t[NamespaceSize-1] = 0xF0
			} else if c == 0 {
				copy(t[:NamespaceSize], make([]byte, NamespaceSize))
			}
		}
	}
	eds, err := erasure.Extend(orig, k)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := (NMTRooter{}).SquareRoots(eds); !errors.Is(err, ErrPushOrder) {
		t.Fatalf("SquareRoots: err %v, want ErrPushOrder", err)
	}
	if _, _, err := erasure.Roots(eds, axisRooter{}); !errors.Is(err, ErrPushOrder) {
		t.Fatalf("axis roots: err %v, want ErrPushOrder", err)
	}
}
