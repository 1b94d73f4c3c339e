package blobs

import (
	"bytes"
	"errors"
	"math/rand/v2"
	"testing"

	"github.com/quadrant-da/quadrant/da"
)

func TestBuildDropsAndConstructRefuses(t *testing.T) {
	priv := testKeys()[0]
	b := testBlob(t, 1, 3000)
	inner, _ := signedPFB(t, priv, b).Marshal()
	good, _ := MarshalBlobTx(inner, b)
	// a BlobTx whose blob uses the tx namespace: malformed
	bad := append([]byte(nil), good...)
	badBlob := &Blob{Namespace: da.TxNamespace(), Data: []byte("x")}
	bad = append(appendBytesField(nil, fieldEnvTx, inner), protowireBlob(badBlob)...)
	bad = appendBytesField(bad, fieldEnvTypeID, []byte(BlobTxTypeID))
	if _, isBlob, err := UnmarshalBlobTx(bad); !isBlob || err == nil {
		t.Fatalf("malformed blob tx: isBlob %v err %v", isBlob, err)
	}
	huge := testBlob(t, 2, MaxBlobSize(4, 0)+10)
	innerHuge, _ := signedPFB(t, priv, huge).Marshal()
	tooBig, _ := MarshalBlobTx(innerHuge, huge)

	sq, kept, err := Build([][]byte{[]byte("tx"), bad, tooBig, good}, 4)
	if err != nil {
		t.Fatal(err)
	}
	if len(kept) != 2 || !bytes.Equal(kept[0], []byte("tx")) || !bytes.Equal(kept[1], good) {
		t.Fatalf("kept %d txs, want the ordinary tx and the good blob tx", len(kept))
	}
	again, err := Construct(kept, 4)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(sq.Bytes(), again.Bytes()) {
		t.Fatal("Construct of the kept txs differs from Build")
	}
	if k, err := SquareSize(kept, 4); err != nil || k != sq.Size() {
		t.Fatalf("SquareSize = %d, %v; want %d", k, err, sq.Size())
	}
	for name, txs := range map[string][][]byte{
		"malformed blob tx":    {bad},
		"too big":              {tooBig},
		"ordinary after blobs": {good, []byte("tx")},
	} {
		if _, err := Construct(txs, 4); !errors.Is(err, ErrInvalidSquare) {
			t.Errorf("%s: Construct = %v", name, err)
		}
	}
	for _, k := range []int{0, 3, 512} {
		if _, err := Construct(nil, k); !errors.Is(err, ErrInvalidSquare) {
			t.Errorf("max square size %d accepted", k)
		}
	}
}

// protowireBlob encodes one blobs field of a BlobTx without validation.
func protowireBlob(b *Blob) []byte {
	inner := appendBlobProto(nil, b)
	return appendBytesField(nil, fieldEnvList, inner)
}

func TestParseSquareRoundTrip(t *testing.T) {
	x, bs := testBlock(t, 16)
	ps, err := ParseSquare(x.Square)
	if err != nil {
		t.Fatal(err)
	}
	if len(ps.Txs) != 1 || len(ps.PFBs) != 3 || len(ps.Blobs) != len(bs) {
		t.Fatalf("parsed %d txs, %d pfbs, %d blobs", len(ps.Txs), len(ps.PFBs), len(ps.Blobs))
	}
	for i := 1; i < len(ps.Blobs); i++ {
		if ps.Blobs[i-1].Blob.Namespace.Compare(ps.Blobs[i].Blob.Namespace) > 0 {
			t.Fatal("blobs not in namespace order")
		}
	}
	for _, pb := range ps.Blobs {
		want := bs[pb.PFB*2+pb.BlobIndex]
		if !bytes.Equal(pb.Blob.Data, want.Data) || pb.Index%SubTreeWidth(pb.Shares(), SubtreeRootThreshold) != 0 {
			t.Fatalf("blob at %d wrong or misaligned", pb.Index)
		}
	}
	// a share index that does not point at a blob start is caught
	var wrapped [][]byte
	for j, p := range ps.PFBs {
		idx := append([]uint32(nil), p.ShareIndexes...)
		if j == 0 {
			idx[0]++
		}
		w, _ := MarshalIndexWrapper(p.Tx, idx...)
		wrapped = append(wrapped, w)
	}
	sq := append(Square(nil), x.Square...)
	pfbShares := SplitPayForBlobs(wrapped)
	start := 0
	for sq[start].Namespace() != da.PayForBlobNamespace() {
		start++
	}
	copy(sq[start:], pfbShares)
	if _, err := ParseSquare(sq); !errors.Is(err, ErrInvalidShares) {
		t.Fatalf("wrong share index: ParseSquare = %v", err)
	}
}

// TestRandomSquaresParseAndProve: random blocks (share versions 0 and 1 of
// every size, including those go-square miscounts) build, parse back to
// the same blobs at aligned indexes, and every blob proves.
func TestRandomSquaresParseAndProve(t *testing.T) {
	priv := testKeys()[1]
	signer := priv.PubKey().Address().Bytes()
	rng := rand.New(rand.NewPCG(3, 4))
	for round := range 12 {
		var txs [][]byte
		want := map[int][]*Blob{}
		for range 2 + rng.IntN(8) {
			var bs []*Blob
			for range 1 + rng.IntN(3) {
				size := 1 + rng.IntN([]int{500, 3000, 40000}[round%3])
				b := testBlob(t, byte(1+rng.IntN(4)), size)
				if rng.IntN(2) == 0 {
					b.ShareVersion, b.Signer = 1, signer
				}
				bs = append(bs, b)
			}
			inner, err := signedPFB(t, priv, bs...).Marshal()
			if err != nil {
				t.Fatal(err)
			}
			raw, err := MarshalBlobTx(inner, bs...)
			if err != nil {
				t.Fatal(err)
			}
			want[len(txs)] = bs
			txs = append(txs, raw)
		}
		sq, kept, err := Build(txs, 64)
		if err != nil {
			t.Fatal(err)
		}
		if len(kept) != len(txs) {
			t.Fatalf("round %d: kept %d of %d", round, len(kept), len(txs))
		}
		x, err := sq.Extend()
		if err != nil {
			t.Fatal(err)
		}
		ps, err := ParseSquare(sq)
		if err != nil {
			t.Fatalf("round %d: %v", round, err)
		}
		var all []*Blob
		for _, pb := range ps.Blobs {
			all = append(all, pb.Blob)
		}
		checkStoredProofs(t, x, all)
		for _, pb := range ps.Blobs {
			w := want[pb.PFB][pb.BlobIndex]
			if !bytes.Equal(pb.Blob.Data, w.Data) || pb.Blob.ShareVersion != w.ShareVersion {
				t.Fatalf("round %d: blob %d/%d parsed wrong", round, pb.PFB, pb.BlobIndex)
			}
			if pb.Index%SubTreeWidth(pb.Shares(), SubtreeRootThreshold) != 0 {
				t.Fatalf("round %d: blob at %d not aligned", round, pb.Index)
			}
			p, err := x.ProveBlobAt(pb.Index, pb.Shares())
			if err != nil {
				t.Fatal(err)
			}
			c, _ := CreateCommitment(w)
			if err := p.Verify(x.DAH.Hash(), w, c); err != nil {
				t.Fatalf("round %d: %v", round, err)
			}
			if err := p.VerifyCommitment(x.DAH.Hash(), w.Namespace, c); err != nil {
				t.Fatalf("round %d: without data: %v", round, err)
			}
		}
	}
}
