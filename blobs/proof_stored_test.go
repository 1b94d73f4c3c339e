package blobs

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"testing"

	"github.com/quadrant-da/quadrant/da"
	"github.com/quadrant-da/quadrant/erasure"
)

// memRows is a RowReader over an in-memory extended square with the inner
// nodes of every row laid out as a full node stores them; read counts the
// bytes it hands out.
type memRows struct {
	eds   *erasure.ExtendedSquare
	trees [][]byte
	read  int64
}

func newMemRows(t testing.TB, eds *erasure.ExtendedSquare) *memRows {
	t.Helper()
	m := &memRows{eds: eds, trees: make([][]byte, eds.Width())}
	for r := range m.trees {
		level, err := da.AxisLeafNodes(erasure.Row, r, eds.Row(r))
		if err != nil {
			t.Fatal(err)
		}
		rec, err := da.InnerNodes(level)
		if err != nil {
			t.Fatal(err)
		}
		m.trees[r] = rec
	}
	return m
}

func (m *memRows) AppendRowShares(_ context.Context, dst []byte, _ uint64, r, from, to int) ([]byte, error) {
	if r < 0 || r >= m.eds.Width() || from < 0 || from > to || to > m.eds.Width() {
		return nil, fmt.Errorf("row %d [%d, %d) out of range", r, from, to)
	}
	b := m.eds.RowBytes(r)[from*da.ShareSize : to*da.ShareSize]
	m.read += int64(len(b))
	return append(dst, b...), nil
}

func (m *memRows) AppendRowNodes(_ context.Context, dst []byte, _ uint64, r int, idx []int) ([]byte, error) {
	for _, i := range idx {
		if i < 0 || (i+1)*da.NodeSize > len(m.trees[r]) {
			return nil, fmt.Errorf("node %d out of range", i)
		}
		dst = append(dst, m.trees[r][i*da.NodeSize:(i+1)*da.NodeSize]...)
		m.read += da.NodeSize
	}
	return dst, nil
}

// checkStoredProofs checks that ProveStoredBlob returns, for every blob,
// exactly what ProveBlob returns over the whole square.
func checkStoredProofs(t *testing.T, x *ExtendedSquare, bs []*Blob) {
	t.Helper()
	m := newMemRows(t, x.EDS)
	for i, b := range bs {
		c, err := CreateCommitment(b)
		if err != nil {
			t.Fatal(err)
		}
		wantBlob, want, err := x.ProveBlob(b.Namespace, c)
		if err != nil {
			t.Fatal(err)
		}
		gotBlob, got, err := ProveStoredBlob(context.Background(), m, 1, x.DAH, b.Namespace, c)
		if err != nil {
			t.Fatalf("blob %d: %v", i, err)
		}
		if !reflect.DeepEqual(gotBlob, wantBlob) {
			t.Fatalf("blob %d: stored path returned another blob", i)
		}
		wj, _ := json.Marshal(want)
		gj, _ := json.Marshal(got)
		if string(wj) != string(gj) || !reflect.DeepEqual(got, want) {
			t.Fatalf("blob %d: stored proof differs:\n got %s\nwant %s", i, gj, wj)
		}
		if err := got.Verify(x.DAH.Hash(), b, c); err != nil {
			t.Fatalf("blob %d: %v", i, err)
		}
	}
}

func TestProveStoredBlobMatchesProveBlob(t *testing.T) {
	t.Run("k=8", func(t *testing.T) {
		x, bs := testBlock(t, 64)
		checkStoredProofs(t, x, bs)
	})
	t.Run("k=32", func(t *testing.T) {
		x, bs := wideBlock(t)
		checkStoredProofs(t, x, bs)
	})
	t.Run("k=1", func(t *testing.T) {
		b := testBlob(t, 5, 10)
		priv := testKeys()[0]
		inner, err := signedPFB(t, priv, b).Marshal()
		if err != nil {
			t.Fatal(err)
		}
		raw, err := MarshalBlobTx(inner, b)
		if err != nil {
			t.Fatal(err)
		}
		sq, err := Construct([][]byte{raw}, 64)
		if err != nil {
			t.Fatal(err)
		}
		x, err := sq.Extend()
		if err != nil {
			t.Fatal(err)
		}
		checkStoredProofs(t, x, []*Blob{b})
	})
}

// wideBlock is a k=32 square with several blobs per namespace, of sizes
// that give one-share and multi-share subtrees and namespace padding.
func wideBlock(t *testing.T) (*ExtendedSquare, []*Blob) {
	t.Helper()
	priv := testKeys()[0]
	var txs [][]byte
	var bs []*Blob
	for i, size := range []int{30000, 700, 100, 60000, 4000, 1, 90000, 2500, 478, 479} {
		b := testBlob(t, byte(1+i%3), size)
		inner, err := signedPFB(t, priv, b).Marshal()
		if err != nil {
			t.Fatal(err)
		}
		raw, err := MarshalBlobTx(inner, b)
		if err != nil {
			t.Fatal(err)
		}
		txs = append(txs, raw)
		bs = append(bs, b)
	}
	x := extendTxs(t, txs, 64)
	if k := x.EDS.K(); k != 32 {
		t.Fatalf("square of width %d, want 32", k)
	}
	return x, bs
}

func TestProveStoredBlobNotFound(t *testing.T) {
	x, bs := wideBlock(t)
	m := newMemRows(t, x.EDS)
	c, _ := CreateCommitment(bs[1])
	between, err := da.NewNamespaceV0([]byte{1, 0, 0, 0, 0, 0, 0, 0, 0, 2}) // after namespace 1, before 2
	if err != nil {
		t.Fatal(err)
	}
	for _, ns := range []da.Namespace{testNamespace(t, 9), bs[0].Namespace, between} {
		_, _, err := ProveStoredBlob(context.Background(), m, 1, x.DAH, ns, c)
		if !errors.Is(err, ErrBlobNotFound) {
			t.Fatalf("namespace %s: %v, want ErrBlobNotFound", ns, err)
		}
	}
}

// BenchmarkBlobProof compares, on a k=128 square, the two ways a node
// proves a blob: reading the whole extended square and rehashing the rows
// the blob spans (old), and ProveStoredBlob over the stored inner nodes
// (stored). read-B/op is what the prover reads from the store.
func BenchmarkBlobProof(b *testing.B) {
	priv := testKeys()[0]
	var txs [][]byte
	var targets []*Blob
	// 11 blobs of 480 KB (namespaces 10..20) fill a k=128 square; the
	// targets are a 10 KB blob and one of the large ones.
	small := testBlob(b, 15, 10_000)
	targets = append(targets, small)
	for i := range 11 {
		big := testBlob(b, byte(10+i), 480_000)
		group := []*Blob{big}
		if i == 5 {
			group = append(group, small)
			targets = append(targets, big)
		}
		inner, err := signedPFB(b, priv, group...).Marshal()
		if err != nil {
			b.Fatal(err)
		}
		raw, err := MarshalBlobTx(inner, group...)
		if err != nil {
			b.Fatal(err)
		}
		txs = append(txs, raw)
	}
	x := extendTxs(b, txs, 128)
	if k := x.EDS.K(); k != 128 {
		b.Fatalf("square is %d wide, want 128", k)
	}
	m := newMemRows(b, x.EDS)
	for _, blob := range targets {
		c, err := CreateCommitment(blob)
		if err != nil {
			b.Fatal(err)
		}
		name := fmt.Sprintf("k=128/blob=%dKB", len(blob.Data)/1000)
		b.Run(name+"/old", func(b *testing.B) {
			b.ReportAllocs()
			w := x.EDS.Width()
			for b.Loop() {
				// Store.Square: every row of the extended square.
				buf := make([]byte, 0, w*w*da.ShareSize)
				for r := range w {
					buf = append(buf, x.EDS.RowBytes(r)...)
				}
				eds, err := erasure.Import(buf, w/2)
				if err != nil {
					b.Fatal(err)
				}
				sq, err := NewExtendedSquare(eds, x.DAH)
				if err != nil {
					b.Fatal(err)
				}
				if _, _, err := sq.ProveBlob(blob.Namespace, c); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(w*w*da.ShareSize), "read-B/op")
		})
		b.Run(name+"/stored", func(b *testing.B) {
			b.ReportAllocs()
			m.read = 0
			n := 0
			for b.Loop() {
				if _, _, err := ProveStoredBlob(context.Background(), m, 1, x.DAH, blob.Namespace, c); err != nil {
					b.Fatal(err)
				}
				n++
			}
			b.ReportMetric(float64(m.read)/float64(n), "read-B/op")
		})
	}
}
