package bench

import (
	"bytes"
	"errors"
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/celestiaorg/rsmt2d"

	"github.com/quadrant-da/quadrant/da"
	"github.com/quadrant-da/quadrant/erasure"
)

// checkExtendAndRoots extends one random square of original width k with
// both implementations and requires byte-identical shares, roots and data
// root.
func checkExtendAndRoots(t *testing.T, rng *rand.Rand, k int) {
	orig := randOriginal(rng, k)
	ref := refExtend(t, orig, k)
	refRows, refCols := refRoots(t, ref)

	eds, err := erasure.Extend(orig, k)
	if err != nil {
		t.Fatal(err)
	}
	w := 2 * k
	for r := 0; r < w; r++ {
		refRow := ref.Row(uint(r))
		for c := 0; c < w; c++ {
			if !bytes.Equal(eds.Share(r, c), refRow[c]) {
				t.Fatalf("k=%d: share (%d, %d) differs from rsmt2d", k, r, c)
			}
		}
	}
	dah, err := da.ComputeDAHeader(eds)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < w; i++ {
		if !bytes.Equal(dah.RowRoots[i], refRows[i]) {
			t.Fatalf("k=%d: row root %d differs from rsmt2d+nmt", k, i)
		}
		if !bytes.Equal(dah.ColumnRoots[i], refCols[i]) {
			t.Fatalf("k=%d: column root %d differs from rsmt2d+nmt", k, i)
		}
	}
	if !bytes.Equal(dah.Hash(), refDataRoot(refRows, refCols)) {
		t.Fatalf("k=%d: data root differs from the reference", k)
	}
}

func TestExtendAndRootsMatchRsmt2d(t *testing.T) {
	rng := rand.New(rand.NewPCG(43, 44))
	for _, k := range []int{1, 2, 4, 8, 16, 32, 64, 128} {
		t.Run(fmt.Sprintf("k=%d", k), func(t *testing.T) { checkExtendAndRoots(t, rng, k) })
	}
	// k=256: 512 shards, where reedsolomon switches from GF(2^8) to GF(2^16).
	t.Run("k=256", func(t *testing.T) { checkExtendAndRoots(t, rng, 256) })
}

// withhold returns the shares of eds with those where keep is false set to
// nil, for both implementations (rsmt2d takes nil for missing shares).
func withhold(eds *erasure.ExtendedSquare, keep func(r, c int) bool) [][]byte {
	w := eds.Width()
	out := make([][]byte, w*w)
	for r := 0; r < w; r++ {
		for c := 0; c < w; c++ {
			if keep(r, c) {
				out[r*w+c] = append([]byte(nil), eds.Share(r, c)...)
			}
		}
	}
	return out
}

// repairBoth repairs the same partial square with both implementations and
// returns their errors; on success it checks both against the original.
func repairBoth(t *testing.T, want *erasure.ExtendedSquare, dah *da.DAHeader, shares [][]byte) (quadrantErr, refErr error) {
	t.Helper()
	k := want.K()
	sq, present, err := erasure.FromShares(shares)
	if err != nil {
		t.Fatal(err)
	}
	quadrantErr = da.RepairSquare(sq, present, dah)
	if quadrantErr == nil && !sq.Equal(want) {
		t.Fatal("quadrant repaired a different square")
	}
	refShares := make([][]byte, len(shares))
	for i, s := range shares {
		if s != nil {
			refShares[i] = append([]byte(nil), s...)
		}
	}
	ref, err := rsmt2d.ImportExtendedDataSquare(refShares, rsmt2d.NewLeoRSCodec(), refTreeFn(k))
	if err != nil {
		t.Fatal(err)
	}
	refErr = ref.Repair(dah.RowRoots, dah.ColumnRoots)
	if refErr == nil {
		w := want.Width()
		for r := 0; r < w; r++ {
			for c, s := range ref.Row(uint(r)) {
				if !bytes.Equal(s, want.Share(r, c)) {
					t.Fatal("rsmt2d repaired a different square")
				}
			}
		}
	}
	return quadrantErr, refErr
}

func TestRepairMatchesRsmt2d(t *testing.T) {
	rng := rand.New(rand.NewPCG(45, 46))
	for _, k := range []int{2, 8, 32} {
		t.Run(fmt.Sprintf("k=%d", k), func(t *testing.T) {
			eds, err := erasure.Extend(randOriginal(rng, k), k)
			if err != nil {
				t.Fatal(err)
			}
			dah, err := da.ComputeDAHeader(eds)
			if err != nil {
				t.Fatal(err)
			}
			w := 2 * k
			// Random patterns: both implementations must agree on whether
			// the square can be repaired, and both must repair it exactly.
			agreedOK, agreedFail := 0, 0
			for trial := 0; trial < 12; trial++ {
				p := 0.3 + 0.4*rng.Float64()
				keep := make([]bool, w*w)
				for i := range keep {
					keep[i] = rng.Float64() < p
				}
				qErr, rErr := repairBoth(t, eds, dah, withhold(eds, func(r, c int) bool { return keep[r*w+c] }))
				switch {
				case qErr == nil && rErr == nil:
					agreedOK++
				case errors.Is(qErr, erasure.ErrUnrecoverable) && errors.Is(rErr, rsmt2d.ErrUnrepairableDataSquare):
					agreedFail++
				default:
					t.Fatalf("trial %d (keep %.2f): quadrant %v, rsmt2d %v", trial, p, qErr, rErr)
				}
			}
			t.Logf("k=%d: %d repaired, %d unrecoverable, both implementations agreeing", k, agreedOK, agreedFail)

			// Only the parity quadrants.
			qErr, rErr := repairBoth(t, eds, dah, withhold(eds, func(r, c int) bool { return r >= k || c >= k }))
			if qErr != nil || rErr != nil {
				t.Fatalf("parity quadrants only: quadrant %v, rsmt2d %v", qErr, rErr)
			}
			// A withheld (k+1)×(k+1) sub-square cannot be repaired.
			qErr, rErr = repairBoth(t, eds, dah, withhold(eds, func(r, c int) bool { return r > k || c > k }))
			if !errors.Is(qErr, erasure.ErrUnrecoverable) || !errors.Is(rErr, rsmt2d.ErrUnrepairableDataSquare) {
				t.Fatalf("withheld (k+1)² sub-square: quadrant %v, rsmt2d %v", qErr, rErr)
			}
		})
	}
}

func TestRepairParityOnlyLarge(t *testing.T) {
	// The benchmark's pattern at k=128, checked against the reference once.
	rng := rand.New(rand.NewPCG(47, 48))
	k := 128
	eds, err := erasure.Extend(randOriginal(rng, k), k)
	if err != nil {
		t.Fatal(err)
	}
	dah, err := da.ComputeDAHeader(eds)
	if err != nil {
		t.Fatal(err)
	}
	qErr, rErr := repairBoth(t, eds, dah, withhold(eds, func(r, c int) bool { return r >= k || c >= k }))
	if qErr != nil || rErr != nil {
		t.Fatalf("quadrant %v, rsmt2d %v", qErr, rErr)
	}
}

func TestRepairDetectsCorruptedParity(t *testing.T) {
	// One corrupted parity share, with the DA header computed over the
	// corrupted square: both implementations must report bad encoding.
	rng := rand.New(rand.NewPCG(49, 50))
	k := 16
	eds, err := erasure.Extend(randOriginal(rng, k), k)
	if err != nil {
		t.Fatal(err)
	}
	eds.Share(k+2, 3)[200] ^= 0xA5
	dah, err := da.ComputeDAHeader(eds)
	if err != nil {
		t.Fatal(err)
	}
	qErr, rErr := repairBoth(t, eds, dah, withhold(eds, func(r, c int) bool { return true }))
	var qByz *erasure.ErrByzantineData
	var rByz *rsmt2d.ErrByzantineData
	if !errors.As(qErr, &qByz) || !errors.As(rErr, &rByz) {
		t.Fatalf("quadrant %v, rsmt2d %v; want byzantine data from both", qErr, rErr)
	}
	if !(qByz.Axis == erasure.Row && qByz.Index == k+2) && !(qByz.Axis == erasure.Col && qByz.Index == 3) {
		t.Fatalf("quadrant blamed %s %d, want row %d or col 3", qByz.Axis, qByz.Index, k+2)
	}
}

func TestBEFPAgainstReferenceRoots(t *testing.T) {
	// One corrupted parity share, with the row and column roots computed by
	// the reference (rsmt2d + nmt) over the corrupted square: the fraud
	// proof built from the repair evidence verifies against the reference
	// data root, and so does one built from rsmt2d's own evidence; a proof
	// about an axis of a correct square is refused.
	rng := rand.New(rand.NewPCG(51, 52))
	k := 16
	w := 2 * k
	orig := randOriginal(rng, k)
	ref := refExtend(t, orig, k)
	flat := ref.Flattened()
	br, bc := k+4, k+9
	flat[br*w+bc][100] ^= 0x3C
	corrupted, err := rsmt2d.ImportExtendedDataSquare(flat, rsmt2d.NewLeoRSCodec(), refTreeFn(k))
	if err != nil {
		t.Fatal(err)
	}
	rows, cols := refRoots(t, corrupted)
	dah, err := da.NewDAHeader(rows, cols)
	if err != nil {
		t.Fatal(err)
	}
	dataRoot := refDataRoot(rows, cols)
	if !bytes.Equal(dah.Hash(), dataRoot) {
		t.Fatal("data root differs from the reference")
	}

	// Quadrant's own repair evidence, from the parity quadrants only.
	partial := make([][]byte, w*w)
	for i := range partial {
		if i/w >= k || i%w >= k {
			partial[i] = flat[i]
		}
	}
	sq, present, err := erasure.FromShares(partial)
	if err != nil {
		t.Fatal(err)
	}
	var byz *erasure.ErrByzantineData
	if err := da.RepairSquare(sq, present, dah); !errors.As(err, &byz) {
		t.Fatalf("repair err %v, want ErrByzantineData", err)
	}
	p, err := da.NewBadEncodingProof(10, dah, sq, present, byz)
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Verify(dataRoot); err != nil {
		t.Fatalf("BEFP from quadrant's evidence does not verify: %v", err)
	}

	// rsmt2d's evidence for the same square, converted.
	refErr := corrupted.Repair(rows, cols)
	var rByz *rsmt2d.ErrByzantineData
	if !errors.As(refErr, &rByz) {
		t.Fatalf("rsmt2d repair err %v, want ErrByzantineData", refErr)
	}
	eds, _, err := erasure.FromShares(flat)
	if err != nil {
		t.Fatal(err)
	}
	conv := &erasure.ErrByzantineData{Axis: erasure.Axis(rByz.Axis), Index: int(rByz.Index), Shares: rByz.Shares}
	p2, err := da.NewBadEncodingProof(10, dah, eds, nil, conv)
	if err != nil {
		t.Fatal(err)
	}
	if err := p2.Verify(dataRoot); err != nil {
		t.Fatalf("BEFP from rsmt2d's evidence does not verify: %v", err)
	}

	// A proof about a correctly encoded axis of a correct square.
	good, err := erasure.Extend(orig, k)
	if err != nil {
		t.Fatal(err)
	}
	goodRows, goodCols := refRoots(t, ref)
	goodDAH, err := da.NewDAHeader(goodRows, goodCols)
	if err != nil {
		t.Fatal(err)
	}
	honest := &erasure.ErrByzantineData{Axis: erasure.Row, Index: br, Shares: good.Row(br)}
	p3, err := da.NewBadEncodingProof(10, goodDAH, good, nil, honest)
	if err != nil {
		t.Fatal(err)
	}
	if err := p3.Verify(refDataRoot(goodRows, goodCols)); !errors.Is(err, da.ErrBEFPHonestAxis) {
		t.Fatalf("BEFP against a correct square: err %v, want ErrBEFPHonestAxis", err)
	}
}
