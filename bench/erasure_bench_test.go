package bench

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/celestiaorg/rsmt2d"

	"github.com/quadrant-da/quadrant/da"
	"github.com/quadrant-da/quadrant/erasure"
)

// benchOriginal returns the same random original square for a given k to
// every benchmark and implementation.
func benchOriginal(k int) []byte {
	return randOriginal(rand.New(rand.NewPCG(uint64(k), 99)), k)
}

// BenchmarkExtendAndRoots measures original shares → extended square → DA
// header → data root, for Quadrant (erasure.Extend + da.ComputeDAHeader) and
// the reference (rsmt2d with its Leopard codec and the nmt adapter, as
// celestia-app does it). Bytes are the original square's.
func BenchmarkExtendAndRoots(b *testing.B) {
	// Both implementations run back to back for each k, so that a change in
	// the machine's load affects both alike; the names are
	// impl=<impl>/k=<k>.
	for _, k := range []int{32, 64, 128, 256} {
		orig := benchOriginal(k)
		shares := splitShares(orig)
		b.Run(fmt.Sprintf("impl=quadrant/k=%d", k), func(b *testing.B) {
			b.SetBytes(int64(len(orig)))
			b.ReportAllocs()
			for b.Loop() {
				eds, err := erasure.Extend(orig, k)
				if err != nil {
					b.Fatal(err)
				}
				dah, err := da.ComputeDAHeader(eds)
				if err != nil {
					b.Fatal(err)
				}
				_ = dah.Hash()
			}
		})
		b.Run(fmt.Sprintf("impl=rsmt2d/k=%d", k), func(b *testing.B) {
			b.SetBytes(int64(len(orig)))
			b.ReportAllocs()
			for b.Loop() {
				eds, err := rsmt2d.ComputeExtendedDataSquare(shares, rsmt2d.NewLeoRSCodec(), refTreeFn(k))
				if err != nil {
					b.Fatal(err)
				}
				rows, cols := refRoots(b, eds)
				_ = refDataRoot(rows, cols)
			}
		})
	}
}

// repairInput is the benchmark's repair case: an extended square whose
// original quadrant is missing, with its DA header.
type repairInput struct {
	k      int
	full   *erasure.ExtendedSquare
	dah    *da.DAHeader
	shares [][]byte // (2k)² shares, nil in Q0
}

func newRepairInput(b *testing.B, k int) *repairInput {
	eds, err := erasure.Extend(benchOriginal(k), k)
	if err != nil {
		b.Fatal(err)
	}
	dah, err := da.ComputeDAHeader(eds)
	if err != nil {
		b.Fatal(err)
	}
	w := 2 * k
	shares := make([][]byte, w*w)
	for i := range shares {
		if i/w >= k || i%w >= k {
			shares[i] = append([]byte(nil), eds.Share(i/w, i%w)...)
		}
	}
	return &repairInput{k: k, full: eds, dah: dah, shares: shares}
}

// BenchmarkRepair measures repairing a square whose whole original quadrant
// is missing and checking it against the DA header, for Quadrant
// (da.RepairSquare) and the reference (rsmt2d's Repair). Each iteration
// starts from the same partial square in the implementation's own form
// (Quadrant: one buffer plus a presence map; rsmt2d: a [][]byte with nil for
// missing shares), prepared with the timer stopped. Bytes are the original
// square's.
func BenchmarkRepair(b *testing.B) {
	for _, k := range []int{128, 256} {
		in := newRepairInput(b, k)
		partial, present0, err := erasure.FromShares(in.shares)
		if err != nil {
			b.Fatal(err)
		}
		b.Run(fmt.Sprintf("impl=quadrant/k=%d", k), func(b *testing.B) {
			b.SetBytes(int64(k * k * da.ShareSize))
			b.ReportAllocs()
			for b.Loop() {
				b.StopTimer()
				sq := partial.Clone()
				present := append([]bool(nil), present0...)
				b.StartTimer()
				if err := da.RepairSquare(sq, present, in.dah); err != nil {
					b.Fatal(err)
				}
			}
			b.StopTimer()
			// The last repair must be exact (outside the timing).
			sq := partial.Clone()
			if err := da.RepairSquare(sq, append([]bool(nil), present0...), in.dah); err != nil || !bytes.Equal(sq.Bytes(), in.full.Bytes()) {
				b.Fatalf("repair is not exact: %v", err)
			}
		})
		b.Run(fmt.Sprintf("impl=rsmt2d/k=%d", k), func(b *testing.B) {
			b.SetBytes(int64(k * k * da.ShareSize))
			b.ReportAllocs()
			for b.Loop() {
				b.StopTimer()
				shares := append([][]byte(nil), in.shares...)
				b.StartTimer()
				eds, err := rsmt2d.ImportExtendedDataSquare(shares, rsmt2d.NewLeoRSCodec(), refTreeFn(k))
				if err != nil {
					b.Fatal(err)
				}
				if err := eds.Repair(in.dah.RowRoots, in.dah.ColumnRoots); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
