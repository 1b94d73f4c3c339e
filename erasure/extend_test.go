package erasure

import (
	"bytes"
	"errors"
	"fmt"
	"math/rand/v2"
	"testing"
)

func randOriginal(rng *rand.Rand, k int) []byte {
	b := make([]byte, k*k*ShareSize)
	for i := range b {
		b[i] = byte(rng.Uint32())
	}
	return b
}

// naiveExtend is the oracle: rsmt2d's order, one axis at a time, each share
// in its own buffer — rows of Q0 → Q1, columns of Q0 → Q2, rows of Q2 → Q3.
func naiveExtend(t testing.TB, original []byte, k int) [][]byte {
	t.Helper()
	w := 2 * k
	sq := make([][]byte, w*w)
	for r := 0; r < w; r++ {
		for c := 0; c < w; c++ {
			sq[r*w+c] = make([]byte, ShareSize)
			if r < k && c < k {
				copy(sq[r*w+c], original[(r*k+c)*ShareSize:])
			}
		}
	}
	encode := func(axis []int) {
		data := make([][]byte, k)
		parity := make([][]byte, k)
		for i := 0; i < k; i++ {
			data[i] = sq[axis[i]]
			parity[i] = sq[axis[k+i]]
		}
		if err := EncodeAxis(data, parity); err != nil {
			t.Fatal(err)
		}
	}
	idx := func(a Axis, i int) []int {
		out := make([]int, w)
		for j := range out {
			if a == Row {
				out[j] = i*w + j
			} else {
				out[j] = j*w + i
			}
		}
		return out
	}
	for i := 0; i < k; i++ {
		encode(idx(Row, i))
		encode(idx(Col, i))
	}
	for i := k; i < w; i++ {
		encode(idx(Row, i))
	}
	return sq
}

func TestMaxLogK(t *testing.T) {
	if 1<<maxLogK != MaxK {
		t.Fatalf("maxLogK %d does not match MaxK %d", maxLogK, MaxK)
	}
}

func TestExtendMatchesNaive(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, k := range []int{1, 2, 4, 8, 16, 32, 64, 128} {
		t.Run(fmt.Sprintf("k=%d", k), func(t *testing.T) {
			orig := randOriginal(rng, k)
			eds, err := Extend(orig, k)
			if err != nil {
				t.Fatal(err)
			}
			if eds.K() != k || eds.Width() != 2*k {
				t.Fatalf("K %d Width %d, want %d %d", eds.K(), eds.Width(), k, 2*k)
			}
			want := naiveExtend(t, orig, k)
			for i, s := range eds.Flattened() {
				if !bytes.Equal(s, want[i]) {
					t.Fatalf("share (%d, %d) differs from the naive extension", i/(2*k), i%(2*k))
				}
			}
			if !bytes.Equal(eds.Original(), orig) {
				t.Fatal("Original() does not return the input")
			}
			ok, err := eds.isCodeword(nil)
			if err != nil || !ok {
				t.Fatalf("isCodeword = %v, %v on a fresh extension", ok, err)
			}
			// Every axis of the result is a codeword of its own data half.
			for _, a := range []Axis{Row, Col} {
				for i := 0; i < 2*k; i++ {
					shares := eds.Axis(a, i)
					cw, err := DecodeAxis(shares)
					if err != nil || !consistent(shares, cw) {
						t.Fatalf("%s %d is not a codeword (%v)", a, i, err)
					}
				}
			}
		})
	}
}

// ExtendInto into a buffer full of leftovers of another square gives the
// same bytes as Extend into a fresh one: no step may rely on zeroed parity.
func TestExtendIntoDirtyBuffer(t *testing.T) {
	rng := rand.New(rand.NewPCG(21, 22))
	for _, k := range []int{1, 4, 32} {
		orig := randOriginal(rng, k)
		want, err := Extend(orig, k)
		if err != nil {
			t.Fatal(err)
		}
		dirty := make([]byte, 4*k*k*ShareSize)
		for i := range dirty {
			dirty[i] = byte(rng.Uint32())
		}
		rowLen := k * ShareSize
		got, err := ExtendInto(dirty, k, func(r int, dst []byte) {
			if len(dst) != rowLen {
				t.Errorf("row %d: fill gets %d bytes, want %d", r, len(dst), rowLen)
			}
			copy(dst, orig[r*rowLen:])
		})
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got.Bytes(), want.Bytes()) {
			t.Fatalf("k=%d: ExtendInto over a dirty buffer differs from Extend", k)
		}
		if &got.Bytes()[0] != &dirty[0] {
			t.Fatalf("k=%d: ExtendInto did not extend in the given buffer", k)
		}
	}
	if _, err := ExtendInto(make([]byte, 10), 2, func(int, []byte) {}); !errors.Is(err, ErrSquareSize) {
		t.Errorf("ExtendInto short buffer: err %v, want ErrSquareSize", err)
	}
}

func TestExtendRejects(t *testing.T) {
	for _, k := range []int{0, -1, 3, 6, MaxK * 2} {
		if _, err := Extend(make([]byte, max(0, k*k*ShareSize)), k); !errors.Is(err, ErrSquareSize) {
			t.Errorf("k=%d: err %v, want ErrSquareSize", k, err)
		}
	}
	if _, err := Extend(make([]byte, 4*ShareSize-1), 2); !errors.Is(err, ErrSquareSize) {
		t.Errorf("short original: err %v, want ErrSquareSize", err)
	}
	if _, err := Import(make([]byte, 10), 2); !errors.Is(err, ErrSquareSize) {
		t.Errorf("Import short: err %v, want ErrSquareSize", err)
	}
	if _, _, err := FromShares(make([][]byte, 8)); !errors.Is(err, ErrSquareSize) {
		t.Errorf("FromShares of 8: err %v, want ErrSquareSize", err)
	}
	if _, _, err := FromShares([][]byte{{1}, nil, nil, nil}); !errors.Is(err, ErrSquareSize) {
		t.Errorf("FromShares short share: err %v, want ErrSquareSize", err)
	}
}

func TestSquareAccessors(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	k := 4
	eds, err := Extend(randOriginal(rng, k), k)
	if err != nil {
		t.Fatal(err)
	}
	w := eds.Width()
	for i := 0; i < w; i++ {
		row, col := eds.Row(i), eds.Col(i)
		for j := 0; j < w; j++ {
			if !bytes.Equal(row[j], eds.Share(i, j)) || !bytes.Equal(col[j], eds.Share(j, i)) {
				t.Fatalf("Row/Col disagree with Share at %d,%d", i, j)
			}
			if !bytes.Equal(eds.AxisShare(Row, i, j), eds.Share(i, j)) || !bytes.Equal(eds.AxisShare(Col, i, j), eds.Share(j, i)) {
				t.Fatalf("AxisShare disagrees with Share at %d,%d", i, j)
			}
		}
		if !bytes.Equal(eds.RowBytes(i), bytes.Join(row, nil)) {
			t.Fatalf("RowBytes(%d) differs from Row", i)
		}
	}
	// Views alias the buffer; Clone does not.
	cl := eds.Clone()
	eds.Share(1, 2)[0] ^= 1
	if eds.Equal(cl) {
		t.Fatal("writing through Share did not change the square, or Clone aliases it")
	}
	imp, err := Import(cl.Bytes(), k)
	if err != nil || !imp.Equal(cl) {
		t.Fatalf("Import of a clone's bytes: %v", err)
	}
	sq, present, err := FromShares(cl.Flattened())
	if err != nil || !sq.Equal(cl) {
		t.Fatalf("FromShares of a complete square: %v", err)
	}
	for i, p := range present {
		if !p {
			t.Fatalf("share %d not present", i)
		}
	}
}

func TestDecodeAxis(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	k := 16
	eds, err := Extend(randOriginal(rng, k), k)
	if err != nil {
		t.Fatal(err)
	}
	row := eds.Row(3)
	partial := make([][]byte, len(row))
	for _, j := range rng.Perm(2 * k)[:k] {
		partial[j] = row[j]
	}
	got, err := DecodeAxis(partial)
	if err != nil {
		t.Fatal(err)
	}
	for j := range got {
		if !bytes.Equal(got[j], row[j]) {
			t.Fatalf("decoded share %d differs", j)
		}
	}
	// One share fewer than k cannot be decoded.
	for j := range partial {
		if partial[j] != nil {
			partial[j] = nil
			break
		}
	}
	if _, err := DecodeAxis(partial); !errors.Is(err, ErrTooFewShares) {
		t.Fatalf("err %v, want ErrTooFewShares", err)
	}
	// A corrupted share makes the known shares inconsistent with the
	// codeword they decode to.
	bad := append([][]byte(nil), row...)
	bad[2*k-1] = append([]byte(nil), bad[2*k-1]...)
	bad[2*k-1][7] ^= 0x80
	cw, err := DecodeAxis(bad)
	if err != nil {
		t.Fatal(err)
	}
	if consistent(bad, cw) {
		t.Fatal("a corrupted axis is consistent with its decoding")
	}
	if _, err := DecodeAxis(make([][]byte, 3)); !errors.Is(err, ErrSquareSize) {
		t.Fatalf("odd axis: err %v, want ErrSquareSize", err)
	}
}

func TestParallelStopsOnError(t *testing.T) {
	boom := errors.New("boom")
	err := parallel(100, 1, func(_, lo, _ int) error {
		if lo == 50 {
			return boom
		}
		return nil
	})
	if !errors.Is(err, boom) {
		t.Fatalf("err %v, want boom", err)
	}
	seen := make([]bool, 1000)
	if err := parallel(1000, 7, func(_, lo, hi int) error {
		for i := lo; i < hi; i++ {
			seen[i] = true
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	for i, s := range seen {
		if !s {
			t.Fatalf("item %d not visited", i)
		}
	}
}

// TestDecodeAxisManyPatterns decodes one row under many erasure patterns
// in a row, with full and data-only patterns mixed: a decoder cache keyed
// on part of the pattern (reedsolomon's inversion cache) would hand later
// decodes a wrong error locator.
func TestDecodeAxisManyPatterns(t *testing.T) {
	rng := rand.New(rand.NewPCG(15, 16))
	for _, k := range []int{4, 8, 32} {
		eds, err := Extend(randOriginal(rng, k), k)
		if err != nil {
			t.Fatal(err)
		}
		row := eds.Row(1)
		for trial := 0; trial < 200; trial++ {
			partial := make([][]byte, 2*k)
			for _, j := range rng.Perm(2 * k)[:k+rng.IntN(k)] {
				partial[j] = row[j]
			}
			got, err := DecodeAxis(partial)
			if err != nil {
				t.Fatal(err)
			}
			for j := range got {
				if !bytes.Equal(got[j], row[j]) {
					t.Fatalf("k=%d trial %d: decoded share %d differs", k, trial, j)
				}
			}
			sq, present, err := FromShares(eds.Flattened())
			if err != nil {
				t.Fatal(err)
			}
			for j := range partial {
				present[1*2*k+j] = partial[j] != nil
			}
			if _, err := sq.decodeAll(present, newCodewords(2*k)); err != nil || !sq.Equal(eds) {
				t.Fatalf("k=%d trial %d: decodeAll: %v", k, trial, err)
			}
		}
	}
}
