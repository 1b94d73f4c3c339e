package bench

import (
	"math"
	"testing"

	gosquare "github.com/celestiaorg/go-square/v2"
	"github.com/celestiaorg/go-square/v2/inclusion"
	"github.com/cometbft/cometbft/crypto/merkle"

	"github.com/quadrant-da/quadrant/blobs"
)

// buildSquareInput returns the benchmark block for a k=128 square: blob
// txs (each with a signed Quadrant pay-for-blobs inside) carrying ~7 MiB of
// blobs, ≈90 % of the square, sizes log-uniform in 1 KiB–2 MiB over 16
// namespaces. It also returns the total blob bytes.
func buildSquareInput(b *testing.B) ([][]byte, int) {
	b.Helper()
	g := newSquareGen(128, 16)
	const target = 7 << 20
	var txs [][]byte
	total := 0
	for total < target {
		size := int(math.Exp(math.Log(1<<10) + g.rng.Float64()*(math.Log(2<<20)-math.Log(1<<10))))
		size = min(size, target-total+1024)
		bl := &blobs.Blob{Namespace: g.nss[g.rng.IntN(len(g.nss))], Data: g.bytes(size)}
		txs = append(txs, g.blobTx(b, bl))
		total += size
	}
	return txs, total
}

// BenchmarkBuildSquare measures the proposer's square construction
// (parse the blob txs, size the square, lay out every share) for Quadrant
// and go-square v2.3.1 on the same input.
func BenchmarkBuildSquare(b *testing.B) {
	txs, total := buildSquareInput(b)
	sq, kept, err := blobs.Build(txs, 128)
	if err != nil || sq.Size() != 128 {
		b.Fatalf("input does not build a k=128 square: k=%d, %v", sq.Size(), err)
	}
	b.Logf("%d blob txs, %d blob bytes, %d kept", len(txs), total, len(kept))
	b.Run("impl=quadrant/k=128", func(b *testing.B) {
		b.SetBytes(int64(total))
		b.ReportAllocs()
		for b.Loop() {
			if _, _, err := blobs.Build(txs, 128); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("impl=gosquare/k=128", func(b *testing.B) {
		b.SetBytes(int64(total))
		b.ReportAllocs()
		for b.Loop() {
			if _, _, err := gosquare.Build(txs, 128, blobs.SubtreeRootThreshold); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkBlobProof measures proving one blob of a k=128 square (row
// trees of the rows it spans, range proofs, row-root proofs) and verifying
// the proof from the data root (including the blob's share commitment).
func BenchmarkBlobProof(b *testing.B) {
	txs, _ := buildSquareInput(b)
	sq, _, err := blobs.Build(txs, 128)
	if err != nil {
		b.Fatal(err)
	}
	x, err := sq.Extend()
	if err != nil {
		b.Fatal(err)
	}
	root := x.DAH.Hash()
	ps, err := blobs.ParseSquare(sq)
	if err != nil {
		b.Fatal(err)
	}
	// the blob closest to 256 KiB
	pick := ps.Blobs[0]
	for _, pb := range ps.Blobs {
		if abs(len(pb.Blob.Data)-(256<<10)) < abs(len(pick.Blob.Data)-(256<<10)) {
			pick = pb
		}
	}
	b.Logf("blob of %d bytes, %d shares at share %d", len(pick.Blob.Data), pick.Shares(), pick.Index)
	commitment, err := blobs.CreateCommitment(pick.Blob)
	if err != nil {
		b.Fatal(err)
	}
	if p, err := x.ProveBlobAt(pick.Index, pick.Shares()); err != nil || p.VerifyCommitment(root, pick.Blob.Namespace, commitment) != nil {
		b.Fatalf("proof without data does not verify: %v", err)
	}
	b.Run("k=128", func(b *testing.B) {
		b.SetBytes(int64(len(pick.Blob.Data)))
		b.ReportAllocs()
		for b.Loop() {
			p, err := x.ProveBlobAt(pick.Index, pick.Shares())
			if err != nil {
				b.Fatal(err)
			}
			if err := p.Verify(root, pick.Blob, commitment); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}

// BenchmarkCreateCommitment measures the share commitment of one 2 MiB
// blob (what CheckTx recomputes for every blob) for Quadrant and go-square.
func BenchmarkCreateCommitment(b *testing.B) {
	g := newSquareGen(5, 1)
	bl := &blobs.Blob{Namespace: g.nss[0], Data: g.bytes(2 << 20)}
	gb := toGoSquareBlob(b, bl)
	b.Run("impl=quadrant/size=2MiB", func(b *testing.B) {
		b.SetBytes(int64(len(bl.Data)))
		b.ReportAllocs()
		for b.Loop() {
			if _, err := blobs.CreateCommitment(bl); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("impl=gosquare/size=2MiB", func(b *testing.B) {
		b.SetBytes(int64(len(bl.Data)))
		b.ReportAllocs()
		for b.Loop() {
			if _, err := inclusion.CreateCommitment(gb, merkle.HashFromByteSlices, blobs.SubtreeRootThreshold); err != nil {
				b.Fatal(err)
			}
		}
	})
}
