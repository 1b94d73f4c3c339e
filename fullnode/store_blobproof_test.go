package fullnode_test

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"

	"github.com/quadrant-da/quadrant/blobs"
	"github.com/quadrant-da/quadrant/da"
	"github.com/quadrant-da/quadrant/da/headertest"
	"github.com/quadrant-da/quadrant/fullnode"
)

// storedBlock stores the square of txs (at most maxK wide) at height 1 of a
// fresh store and returns the store, the header and the blobs of the square.
func storedBlock(t testing.TB, txs [][]byte, maxK int) (*fullnode.Store, *da.ExtendedHeader, []*blobs.Blob) {
	t.Helper()
	sq, err := blobs.Construct(txs, maxK)
	if err != nil {
		t.Fatal(err)
	}
	x, err := sq.Extend()
	if err != nil {
		t.Fatal(err)
	}
	hdr, err := headertest.NewChain("blobproof", 4, "blobproof").NextSquare(x.EDS)
	if err != nil {
		t.Fatal(err)
	}
	st, err := fullnode.OpenStore(t.TempDir(), fullnode.DefaultStoreConfig(), discard)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if err := st.Put(context.Background(), hdr, x.EDS); err != nil {
		t.Fatal(err)
	}
	ps, err := blobs.ParseSquare(sq)
	if err != nil {
		t.Fatal(err)
	}
	var bs []*blobs.Blob
	for _, pb := range ps.Blobs {
		bs = append(bs, pb.Blob)
	}
	return st, hdr, bs
}

// proveFromSquare is the old path: the whole square, rows rehashed.
func proveFromSquare(ctx context.Context, st *fullnode.Store, hdr *da.ExtendedHeader, ns da.Namespace, c []byte) (*blobs.Blob, *blobs.BlobProof, error) {
	eds, err := st.Square(ctx, uint64(hdr.Height()))
	if err != nil {
		return nil, nil, err
	}
	x, err := blobs.NewExtendedSquare(eds, hdr.DAH)
	if err != nil {
		return nil, nil, err
	}
	return x.ProveBlob(ns, c)
}

func TestStoredBlobProofEqualsSquareProof(t *testing.T) {
	ctx := context.Background()
	st, hdr, bs := storedBlock(t, fullBlockTxs(t)[:3], 128)
	if len(bs) != 3 {
		t.Fatalf("%d blobs in the square, want 3", len(bs))
	}
	for i, b := range bs {
		c, err := blobs.CreateCommitment(b)
		if err != nil {
			t.Fatal(err)
		}
		_, want, err := proveFromSquare(ctx, st, hdr, b.Namespace, c)
		if err != nil {
			t.Fatal(err)
		}
		_, got, err := blobs.ProveStoredBlob(ctx, st, uint64(hdr.Height()), hdr.DAH, b.Namespace, c)
		if err != nil {
			t.Fatal(err)
		}
		wj, _ := json.Marshal(want)
		gj, _ := json.Marshal(got)
		if string(wj) != string(gj) {
			t.Fatalf("blob %d: the proof from stored nodes differs from the proof from the square", i)
		}
		if err := got.Verify(hdr.DAH.Hash(), b, c); err != nil {
			t.Fatalf("blob %d: %v", i, err)
		}
	}
}

// countingRows counts the bytes a RowReader hands out.
type countingRows struct {
	*fullnode.Store
	read int64
}

func (c *countingRows) AppendRowShares(ctx context.Context, dst []byte, height uint64, r, from, to int) ([]byte, error) {
	n := len(dst)
	dst, err := c.Store.AppendRowShares(ctx, dst, height, r, from, to)
	c.read += int64(len(dst) - n)
	return dst, err
}

func (c *countingRows) AppendRowNodes(ctx context.Context, dst []byte, height uint64, r int, idx []int) ([]byte, error) {
	n := len(dst)
	dst, err := c.Store.AppendRowNodes(ctx, dst, height, r, idx)
	c.read += int64(len(dst) - n)
	return dst, err
}

// BenchmarkStoredBlobProof measures blob.GetProof's store work on a k=128
// square of 12 blobs of 512 KiB in Pebble: the old path (Store.Square, then
// every spanned row rehashed) against blobs.ProveStoredBlob over the stored
// row trees. read-B/op is the bytes read out of the store per proof.
func BenchmarkStoredBlobProof(b *testing.B) {
	ctx := context.Background()
	st, hdr, bs := storedBlock(b, fullBlockTxs(b), 128)
	if w := hdr.DAH.SquareWidth(); w != 256 {
		b.Fatalf("square width %d, want 256", w)
	}
	target := bs[len(bs)/2]
	c, err := blobs.CreateCommitment(target)
	if err != nil {
		b.Fatal(err)
	}
	name := fmt.Sprintf("k=128/blob=%dKiB", len(target.Data)>>10)
	b.Run(name+"/square", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, _, err := proveFromSquare(ctx, st, hdr, target.Namespace, c); err != nil {
				b.Fatal(err)
			}
		}
		w := hdr.DAH.SquareWidth()
		b.ReportMetric(float64(w*w*da.ShareSize), "read-B/op")
	})
	b.Run(name+"/stored", func(b *testing.B) {
		b.ReportAllocs()
		cr := &countingRows{Store: st}
		n := 0
		for b.Loop() {
			if _, _, err := blobs.ProveStoredBlob(ctx, cr, uint64(hdr.Height()), hdr.DAH, target.Namespace, c); err != nil {
				b.Fatal(err)
			}
			n++
		}
		b.ReportMetric(float64(cr.read)/float64(n), "read-B/op")
	})
}
