package bench

import (
	"crypto/sha256"
	"fmt"
	"math/rand"
	"testing"

	"github.com/celestiaorg/nmt"

	"github.com/quadrant-da/quadrant/da"
)

// nmtBenchLeaves returns n leaves (ns ‖ 512-byte share) of an extended row:
// the first half with sorted user namespaces, the second half parity.
func nmtBenchLeaves(n int) [][]byte {
	r := rand.New(rand.NewSource(int64(n)))
	leaves := make([][]byte, n)
	for i := range leaves {
		ns := da.ParityNamespace()
		if i < n/2 {
			ns = da.Namespace{}
			ns[da.NamespaceSize-2] = byte(i >> 8)
			ns[da.NamespaceSize-1] = byte(i)
		}
		leaves[i] = make([]byte, da.NamespaceSize+da.ShareSize)
		copy(leaves[i], ns[:])
		r.Read(leaves[i][da.NamespaceSize:])
	}
	return leaves
}

func nmtRefTree(b *testing.B, leaves [][]byte) *nmt.NamespacedMerkleTree {
	t := nmt.New(sha256.New(), nmt.NamespaceIDSize(da.NamespaceSize), nmt.IgnoreMaxNamespace(true), nmt.InitialCapacity(len(leaves)))
	for _, l := range leaves {
		if err := t.Push(l); err != nil {
			b.Fatal(err)
		}
	}
	return t
}

func nmtOurTree(b *testing.B, leaves [][]byte) *da.Tree {
	t := da.NewTree()
	for _, l := range leaves {
		if err := t.Push(l); err != nil {
			b.Fatal(err)
		}
	}
	return t
}

// BenchmarkNMTRoot: push a row of n shares and compute its root.
func BenchmarkNMTRoot(b *testing.B) {
	for _, n := range []int{64, 256, 512} {
		leaves := nmtBenchLeaves(n)
		b.Run(fmt.Sprintf("impl=quadrant/n=%d", n), func(b *testing.B) {
			b.SetBytes(int64(n * da.ShareSize))
			b.ReportAllocs()
			t := da.NewTree()
			for b.Loop() {
				t.Reset()
				for _, l := range leaves {
					if err := t.Push(l); err != nil {
						b.Fatal(err)
					}
				}
				_ = t.Root()
			}
		})
		b.Run(fmt.Sprintf("impl=nmt/n=%d", n), func(b *testing.B) {
			b.SetBytes(int64(n * da.ShareSize))
			b.ReportAllocs()
			for b.Loop() {
				t := nmtRefTree(b, leaves)
				if _, err := t.Root(); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkNMTProveShare: one single-share proof from a built tree.
func BenchmarkNMTProveShare(b *testing.B) {
	for _, n := range []int{256} {
		leaves := nmtBenchLeaves(n)
		b.Run(fmt.Sprintf("impl=quadrant/n=%d", n), func(b *testing.B) {
			b.ReportAllocs()
			t := nmtOurTree(b, leaves)
			i := 0
			for b.Loop() {
				if _, err := t.ProveRange(i%n, i%n+1); err != nil {
					b.Fatal(err)
				}
				i += 7
			}
		})
		b.Run(fmt.Sprintf("impl=nmt/n=%d", n), func(b *testing.B) {
			b.ReportAllocs()
			t := nmtRefTree(b, leaves)
			i := 0
			for b.Loop() {
				if _, err := t.ProveRange(i%n, i%n+1); err != nil {
					b.Fatal(err)
				}
				i += 7
			}
		})
	}
}

// BenchmarkNMTVerifyShare: verify one share's proof, what a light node does
// per sample.
func BenchmarkNMTVerifyShare(b *testing.B) {
	const n = 256
	leaves := nmtBenchLeaves(n)
	t := nmtOurTree(b, leaves)
	root := t.Root()
	const idx = 37
	p, err := t.ProveRange(idx, idx+1)
	if err != nil {
		b.Fatal(err)
	}
	b.Run(fmt.Sprintf("impl=quadrant/n=%d", n), func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if err := p.VerifyLeaves(root, leaves[idx:idx+1]); err != nil {
				b.Fatal(err)
			}
		}
	})
	ref := nmtToRef(p)
	ns := leaves[idx][:da.NamespaceSize]
	data := [][]byte{leaves[idx][da.NamespaceSize:]}
	b.Run(fmt.Sprintf("impl=nmt/n=%d", n), func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if !ref.VerifyInclusion(sha256.New(), ns, data, root) {
				b.Fatal("rejected")
			}
		}
	})
}

// BenchmarkNMTProveNamespace: a namespace proof (present namespace) from a
// built tree.
func BenchmarkNMTProveNamespace(b *testing.B) {
	const n = 256
	leaves := nmtBenchLeaves(n)
	var ns da.Namespace
	copy(ns[:], leaves[50])
	b.Run(fmt.Sprintf("impl=quadrant/n=%d", n), func(b *testing.B) {
		b.ReportAllocs()
		t := nmtOurTree(b, leaves)
		for b.Loop() {
			if _, err := t.ProveNamespace(ns); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run(fmt.Sprintf("impl=nmt/n=%d", n), func(b *testing.B) {
		b.ReportAllocs()
		t := nmtRefTree(b, leaves)
		for b.Loop() {
			if _, err := t.ProveNamespace(ns[:]); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkSampleVerify: what a light node does per sampled share (NMT
// proof to the row root, Merkle proof of the row root to the data root).
// Quadrant only: the reference libraries have no such object.
func BenchmarkSampleVerify(b *testing.B) {
	for _, k := range []int{32, 128} {
		w := 2 * k
		rows := make([][]byte, w)
		cols := make([][]byte, w)
		var rowTree *da.Tree
		var rowLeaves [][]byte
		for i := 0; i < w; i++ {
			leaves := nmtBenchLeaves(w)
			for j := 0; j < w/2; j++ {
				// Original-quadrant shares begin with their namespace.
				copy(leaves[j][da.NamespaceSize:], leaves[j][:da.NamespaceSize])
			}
			if i == 0 {
				rowTree, rowLeaves = nmtOurTree(b, leaves), leaves
				rows[i] = rowTree.Root()
			} else {
				rows[i] = nmtOurTree(b, leaves).Root()
			}
			cols[i] = rows[i]
		}
		dah, err := da.NewDAHeader(rows, cols)
		if err != nil {
			b.Fatal(err)
		}
		// Row 0 here is not a real extended row, so build the sample by hand.
		const col = 3
		p, _ := rowTree.ProveRange(col, col+1)
		rp, _ := dah.AxisRootProof(0, 0)
		s := &da.Sample{Row: 0, Col: col, Share: rowLeaves[col][da.NamespaceSize:], Proof: p, AxisRoot: rows[0], RootProof: rp}
		dataRoot := dah.Hash()
		if err := s.Verify(dataRoot, w); err != nil {
			b.Fatal(err)
		}
		b.Run(fmt.Sprintf("impl=quadrant/k=%d", k), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if err := s.Verify(dataRoot, w); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
