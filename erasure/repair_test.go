package erasure

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"fmt"
	"math/rand/v2"
	"testing"
)

// testRooter is a simple position-aware Rooter: a leaf is
// sha256(inQ0 ‖ share), an axis root is sha256 over its leaves. It rejects
// (as an NMT rejects unordered namespaces) any axis whose share 0 starts
// with four 0xEE bytes.
type testRooter struct{}

func (testRooter) LeafSize() int { return sha256.Size }

func (testRooter) HashLeaves(_ Axis, index, k int, shares, dst [][]byte) {
	for j, share := range shares {
		h := sha256.New()
		if index < k && j < k {
			h.Write([]byte{1})
		} else {
			h.Write([]byte{0})
		}
		h.Write(share)
		h.Sum(dst[j][:0])
	}
}

func (testRooter) Root(axis Axis, index, k int, shares, leaves [][]byte) ([]byte, error) {
	if len(shares) != 2*k || len(leaves) != 2*k {
		return nil, fmt.Errorf("got %d shares and %d leaves for k=%d", len(shares), len(leaves), k)
	}
	if bytes.Equal(shares[0][:4], []byte{0xEE, 0xEE, 0xEE, 0xEE}) {
		return nil, errors.New("rejected")
	}
	h := sha256.New()
	h.Write([]byte{byte(axis)})
	for _, l := range leaves {
		h.Write(l)
	}
	return h.Sum(nil), nil
}

// naiveRoots computes the roots one axis at a time.
func naiveRoots(t testing.TB, eds *ExtendedSquare) (rows, cols [][]byte) {
	t.Helper()
	for i := 0; i < eds.Width(); i++ {
		r, err := AxisRoot(testRooter{}, Row, i, eds.Row(i))
		if err != nil {
			t.Fatal(err)
		}
		c, err := AxisRoot(testRooter{}, Col, i, eds.Col(i))
		if err != nil {
			t.Fatal(err)
		}
		rows, cols = append(rows, r), append(cols, c)
	}
	return rows, cols
}

func TestRootsMatchAxisRoot(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	for _, k := range []int{1, 4, 32} {
		eds, err := Extend(randOriginal(rng, k), k)
		if err != nil {
			t.Fatal(err)
		}
		rows, cols, err := Roots(eds, testRooter{})
		if err != nil {
			t.Fatal(err)
		}
		wr, wc := naiveRoots(t, eds)
		if !rootsEqual(rows, wr) || !rootsEqual(cols, wc) {
			t.Fatalf("k=%d: Roots differs from AxisRoot", k)
		}
	}
}

// closure computes, from presence alone, whether iterative row/column
// decoding completes the square: the oracle for recoverability.
func closure(present []bool, k int) bool {
	w := 2 * k
	p := append([]bool(nil), present...)
	for {
		moved := false
		for i := 0; i < w; i++ {
			for _, a := range []Axis{Row, Col} {
				n := 0
				for j := 0; j < w; j++ {
					if a == Row && p[i*w+j] || a == Col && p[j*w+i] {
						n++
					}
				}
				if n >= k && n < w {
					for j := 0; j < w; j++ {
						if a == Row {
							p[i*w+j] = true
						} else {
							p[j*w+i] = true
						}
					}
					moved = true
				}
			}
		}
		if !moved {
			break
		}
	}
	for _, x := range p {
		if !x {
			return false
		}
	}
	return true
}

// withhold returns a copy of eds with the shares where keep is false
// scrambled, as a repairer would hold them.
func withhold(rng *rand.Rand, eds *ExtendedSquare, keep []bool) *ExtendedSquare {
	out := eds.Clone()
	for i, p := range keep {
		if !p {
			s := out.Share(i/out.Width(), i%out.Width())
			for j := range s {
				s[j] = byte(rng.Uint32())
			}
		}
	}
	return out
}

func TestRepairRandomPatterns(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 10))
	for _, k := range []int{1, 2, 4, 8, 16} {
		eds, err := Extend(randOriginal(rng, k), k)
		if err != nil {
			t.Fatal(err)
		}
		rows, cols := naiveRoots(t, eds)
		w := 2 * k
		recovered, failed := 0, 0
		for trial := 0; trial < 40; trial++ {
			keepP := 0.25 + 0.5*rng.Float64()
			keep := make([]bool, w*w)
			for i := range keep {
				keep[i] = rng.Float64() < keepP
			}
			sq := withhold(rng, eds, keep)
			present := append([]bool(nil), keep...)
			err := Repair(sq, present, rows, cols, testRooter{})
			if closure(keep, k) {
				recovered++
				if err != nil {
					t.Fatalf("k=%d trial %d: recoverable pattern failed: %v", k, trial, err)
				}
				if !sq.Equal(eds) {
					t.Fatalf("k=%d trial %d: repaired square differs", k, trial)
				}
				for i, p := range present {
					if !p {
						t.Fatalf("k=%d trial %d: share %d not marked present", k, trial, i)
					}
				}
			} else {
				failed++
				if !errors.Is(err, ErrUnrecoverable) {
					t.Fatalf("k=%d trial %d: unrecoverable pattern: err %v, want ErrUnrecoverable", k, trial, err)
				}
				// Whatever was repaired is correct.
				for i, p := range present {
					if p && !bytes.Equal(sq.Share(i/w, i%w), eds.Share(i/w, i%w)) {
						t.Fatalf("k=%d trial %d: share %d marked present but wrong", k, trial, i)
					}
				}
			}
		}
		if k > 1 && (recovered == 0 || failed == 0) {
			t.Logf("k=%d: %d recovered, %d failed (patterns not varied enough)", k, recovered, failed)
		}
	}
}

func TestRepairQuadrants(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	for _, k := range []int{1, 8, 64} {
		eds, err := Extend(randOriginal(rng, k), k)
		if err != nil {
			t.Fatal(err)
		}
		rows, cols, err := Roots(eds, testRooter{})
		if err != nil {
			t.Fatal(err)
		}
		w := 2 * k
		patterns := map[string]func(r, c int) bool{
			"parity only": func(r, c int) bool { return r >= k || c >= k },
			"Q0 only":     func(r, c int) bool { return r < k && c < k },
			"Q3 only":     func(r, c int) bool { return r >= k && c >= k },
			"left half":   func(r, c int) bool { return c < k },
			"diagonal Q1 and Q2": func(r, c int) bool {
				return (r < k) != (c < k)
			},
			"complete": func(r, c int) bool { return true },
		}
		for name, keepFn := range patterns {
			keep := make([]bool, w*w)
			for i := range keep {
				keep[i] = keepFn(i/w, i%w)
			}
			sq := withhold(rng, eds, keep)
			if err := Repair(sq, keep, rows, cols, testRooter{}); err != nil {
				t.Fatalf("k=%d %s: %v", k, name, err)
			}
			if !sq.Equal(eds) {
				t.Fatalf("k=%d %s: repaired square differs", k, name)
			}
		}
		// Withholding a (k+1)×(k+1) sub-square makes it unrecoverable.
		keep := make([]bool, w*w)
		for i := range keep {
			keep[i] = i/w > k || i%w > k
		}
		sq := withhold(rng, eds, keep)
		err = Repair(sq, keep, rows, cols, testRooter{})
		if !errors.Is(err, ErrUnrecoverable) {
			t.Fatalf("k=%d withheld (k+1)²: err %v, want ErrUnrecoverable", k, err)
		}
	}
}

func TestRepairByzantine(t *testing.T) {
	rng := rand.New(rand.NewPCG(13, 14))
	k := 8
	w := 2 * k
	eds, err := Extend(randOriginal(rng, k), k)
	if err != nil {
		t.Fatal(err)
	}
	goodRows, goodCols, err := Roots(eds, testRooter{})
	if err != nil {
		t.Fatal(err)
	}

	// One corrupted parity share, roots committed over the corrupted square:
	// the complete row through it is not a codeword.
	bad := eds.Clone()
	br, bc := k+3, k+5
	bad.Share(br, bc)[100] ^= 0x55
	badRows, badCols, err := Roots(bad, testRooter{})
	if err != nil {
		t.Fatal(err)
	}
	all := make([]bool, w*w)
	for i := range all {
		all[i] = true
	}
	sq := bad.Clone()
	err = Repair(sq, append([]bool(nil), all...), badRows, badCols, testRooter{})
	var byz *ErrByzantineData
	if !errors.As(err, &byz) {
		t.Fatalf("complete corrupted square: err %v, want ErrByzantineData", err)
	}
	if byz.Axis != Row || byz.Index != br {
		t.Fatalf("blamed %s %d, want row %d", byz.Axis, byz.Index, br)
	}
	for j, s := range byz.Shares {
		if !bytes.Equal(s, bad.Share(br, j)) {
			t.Fatalf("evidence share %d differs from the square", j)
		}
	}

	// Only the parity quadrants are given: the corrupted row still cannot
	// hide.
	keep := make([]bool, w*w)
	for i := range keep {
		keep[i] = i/w >= k || i%w >= k
	}
	sq = withhold(rng, bad, keep)
	err = Repair(sq, keep, badRows, badCols, testRooter{})
	if !errors.As(err, &byz) {
		t.Fatalf("parity-only corrupted square: err %v, want ErrByzantineData", err)
	}
	if !(byz.Axis == Row && byz.Index == br) && !(byz.Axis == Col && byz.Index == bc) {
		t.Fatalf("blamed %s %d, want row %d or col %d", byz.Axis, byz.Index, br, bc)
	}

	// Correct roots but a given share is wrong, and no axis is complete
	// from the start: decoding an axis through it cannot match its root.
	keep = make([]bool, w*w)
	for i := range keep {
		keep[i] = (i/w < k) != (i%w < k) // Q1 and Q2
	}
	sq = withhold(rng, eds, keep)
	sq.Share(k+1, 2)[0] ^= 1
	given := sq.Clone()
	err = Repair(sq, append([]bool(nil), keep...), goodRows, goodCols, testRooter{})
	if !errors.As(err, &byz) {
		t.Fatalf("wrong given share: err %v, want ErrByzantineData", err)
	}
	if !(byz.Axis == Row && byz.Index == k+1) && !(byz.Axis == Col && byz.Index == 2) {
		t.Fatalf("blamed %s %d, want row %d or col 2", byz.Axis, byz.Index, k+1)
	}
	known := 0
	for j, s := range byz.Shares {
		if s == nil {
			continue
		}
		known++
		r, c := byz.Index, j
		if byz.Axis == Col {
			r, c = j, byz.Index
		}
		if keep[r*w+c] && !bytes.Equal(s, given.Share(r, c)) || !keep[r*w+c] && !bytes.Equal(s, eds.Share(r, c)) {
			t.Fatalf("evidence share %d is neither the given share nor a correctly repaired one", j)
		}
	}
	if known < k || len(byz.Shares) != w {
		t.Fatalf("evidence holds %d of %d shares, want at least %d", known, len(byz.Shares), k)
	}

	// A root the rooter rejects counts as a mismatch.
	rej := eds.Clone()
	copy(rej.Share(0, 0), []byte{0xEE, 0xEE, 0xEE, 0xEE})
	rr, rc := naiveRoots(t, eds) // committed roots of the unmodified square
	err = Repair(rej, append([]bool(nil), all...), rr, rc, testRooter{})
	if !errors.As(err, &byz) {
		t.Fatalf("rejected root: err %v, want ErrByzantineData", err)
	}

	// Wrong arguments are errors, not panics.
	if err := Repair(eds.Clone(), all[:3], goodRows, goodCols, testRooter{}); !errors.Is(err, ErrSquareSize) {
		t.Fatalf("short presence: err %v", err)
	}
	if err := Repair(eds.Clone(), all, goodRows[:1], goodCols, testRooter{}); err == nil {
		t.Fatal("short roots accepted")
	}
}
