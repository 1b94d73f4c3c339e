package da

import (
	"bytes"
	"errors"
	"math/rand"
	"testing"

	"github.com/cometbft/cometbft/crypto/merkle"
)

// randRoot returns a random well-formed NMT node (min ≤ max).
func randRoot(r *rand.Rand) []byte {
	n := make([]byte, NodeSize)
	r.Read(n)
	if bytes.Compare(n[:NamespaceSize], n[NamespaceSize:2*NamespaceSize]) > 0 {
		var tmp [NamespaceSize]byte
		copy(tmp[:], n[:NamespaceSize])
		copy(n[:NamespaceSize], n[NamespaceSize:2*NamespaceSize])
		copy(n[NamespaceSize:2*NamespaceSize], tmp[:])
	}
	return n
}

func randDAHeader(t testing.TB, r *rand.Rand, w int) *DAHeader {
	rows := make([][]byte, w)
	cols := make([][]byte, w)
	for i := 0; i < w; i++ {
		rows[i] = randRoot(r)
		cols[i] = randRoot(r)
	}
	h, err := NewDAHeader(rows, cols)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

func TestDAHeaderHashMatchesCometBFT(t *testing.T) {
	r := rand.New(rand.NewSource(3))
	for w := 2; w <= MaxSquareWidth; w *= 2 {
		h := randDAHeader(t, r, w)
		want := merkle.HashFromByteSlices(append(append([][]byte{}, h.RowRoots...), h.ColumnRoots...))
		if got := h.Hash(); !bytes.Equal(got, want) {
			t.Fatalf("w=%d: data root %x, want %x", w, got, want)
		}
		if h.SquareWidth() != w {
			t.Fatalf("SquareWidth %d, want %d", h.SquareWidth(), w)
		}
	}
}

func TestDAHeaderValidate(t *testing.T) {
	r := rand.New(rand.NewSource(4))
	good := randDAHeader(t, r, 4)
	bad := map[string]func() ([][]byte, [][]byte){
		"counts":  func() ([][]byte, [][]byte) { return good.RowRoots, good.ColumnRoots[:2] },
		"width 1": func() ([][]byte, [][]byte) { return good.RowRoots[:1], good.ColumnRoots[:1] },
		"width 3": func() ([][]byte, [][]byte) { return good.RowRoots[:3], good.ColumnRoots[:3] },
		"empty":   func() ([][]byte, [][]byte) { return nil, nil },
		"root size": func() ([][]byte, [][]byte) {
			rows := append([][]byte{}, good.RowRoots...)
			rows[2] = rows[2][:NodeSize-1]
			return rows, good.ColumnRoots
		},
		"min > max": func() ([][]byte, [][]byte) {
			cols := append([][]byte{}, good.ColumnRoots...)
			n := make([]byte, NodeSize)
			n[0] = 1
			cols[1] = n
			return good.RowRoots, cols
		},
		"too wide": func() ([][]byte, [][]byte) {
			rows := make([][]byte, 2*MaxSquareWidth)
			for i := range rows {
				rows[i] = good.RowRoots[0]
			}
			return rows, rows
		},
	}
	for name, c := range bad {
		rows, cols := c()
		if _, err := NewDAHeader(rows, cols); !errors.Is(err, ErrDAHeader) {
			t.Errorf("%s: got %v, want ErrDAHeader", name, err)
		}
	}
}

func TestDAHeaderMarshalRoundTrip(t *testing.T) {
	r := rand.New(rand.NewSource(5))
	for w := 2; w <= MaxSquareWidth; w *= 2 {
		h := randDAHeader(t, r, w)
		b, err := h.Marshal()
		if err != nil {
			t.Fatal(err)
		}
		if len(b) != 2+2*w*NodeSize {
			t.Fatalf("w=%d: encoded %d bytes", w, len(b))
		}
		g, err := UnmarshalDAHeader(b)
		if err != nil {
			t.Fatalf("w=%d: %v", w, err)
		}
		if !g.Equal(h) || !bytes.Equal(g.Hash(), h.Hash()) {
			t.Fatalf("w=%d: round trip differs", w)
		}
		// Decoded roots do not alias the input.
		b[10] ^= 1
		if !g.Equal(h) {
			t.Fatal("decoded header aliases its input")
		}
		b[10] ^= 1
		for _, cut := range []int{0, 1, 2, len(b) - 1} {
			if _, err := UnmarshalDAHeader(b[:cut]); !errors.Is(err, ErrDAHeader) {
				t.Fatalf("w=%d: truncated to %d: %v", w, cut, err)
			}
		}
		if _, err := UnmarshalDAHeader(append(b, 0)); !errors.Is(err, ErrDAHeader) {
			t.Fatalf("w=%d: trailing byte accepted", w)
		}
	}
	if h := (*DAHeader)(nil); h.Equal(&DAHeader{}) || !h.Equal(nil) {
		t.Fatal("nil Equal")
	}
}

func FuzzUnmarshalDAHeader(f *testing.F) {
	r := rand.New(rand.NewSource(6))
	for _, w := range []int{2, 4} {
		b, _ := randDAHeader(f, r, w).Marshal()
		f.Add(b)
	}
	f.Add([]byte{0, 2})
	f.Add([]byte{0xff, 0xff, 1})
	f.Fuzz(func(t *testing.T, b []byte) {
		h, err := UnmarshalDAHeader(b)
		if err != nil {
			return
		}
		out, err := h.Marshal()
		if err != nil {
			t.Fatalf("decoded header does not marshal: %v", err)
		}
		if !bytes.Equal(out, b) {
			t.Fatal("encoding is not canonical")
		}
		_ = h.Hash()
	})
}
