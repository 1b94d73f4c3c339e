package blobs

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/quadrant-da/quadrant/da"
)

func fuzzSeedTxs(f testing.TB) [][]byte {
	var out [][]byte
	for _, priv := range testKeys() {
		tx := signedPFB(f, priv, testBlob(f, 1, 10), testBlob(f, 2, 1000))
		raw, err := tx.Marshal()
		if err != nil {
			f.Fatal(err)
		}
		out = append(out, raw)
		tr := &Tx{ChainID: "c", Transfer: &Transfer{To: make([]byte, 20), Amount: 5}}
		if err := tr.Sign(priv); err != nil {
			f.Fatal(err)
		}
		raw, _ = tr.Marshal()
		out = append(out, raw)
	}
	return out
}

// FuzzDecodeTx: DecodeTx never panics; whatever it accepts re-encodes to
// the same bytes (one byte form per Tx) and is never a data-root tx or a
// blob tx.
func FuzzDecodeTx(f *testing.F) {
	for _, raw := range fuzzSeedTxs(f) {
		f.Add(raw)
		f.Add(raw[:len(raw)/2])
	}
	f.Add([]byte("\x00QTX\x01"))
	f.Fuzz(func(t *testing.T, b []byte) {
		tx, err := DecodeTx(b)
		if err != nil {
			return
		}
		again, err := tx.Marshal()
		if err != nil {
			t.Fatalf("decoded tx does not re-encode: %v", err)
		}
		if !bytes.Equal(again, b) {
			t.Fatalf("non-canonical encoding accepted:\n in %x\nout %x", b, again)
		}
		_ = tx.VerifySignature()
		_ = tx.Signer()
		if IsDataRootTx(b) {
			t.Fatal("a Tx is also a data-root tx")
		}
		if _, isBlob, _ := UnmarshalBlobTx(b); isBlob {
			t.Fatal("a Tx is also a blob tx")
		}
	})
}

// FuzzUnmarshalBlobTx: never panics; an accepted BlobTx has valid blobs and
// its canonical re-encoding decodes to the same value; DecodeBlobTx accepts
// exactly the canonical encodings.
func FuzzUnmarshalBlobTx(f *testing.F) {
	for _, raw := range fuzzSeedTxs(f) {
		btx, err := MarshalBlobTx(raw, testBlob(f, 3, 700))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(btx)
	}
	f.Add([]byte{0x1a, 4, 'B', 'L', 'O', 'B'})
	f.Fuzz(func(t *testing.T, b []byte) {
		btx, isBlob, err := UnmarshalBlobTx(b)
		if err != nil {
			if btx != nil {
				t.Fatal("value returned with an error")
			}
			return
		}
		if !isBlob || len(btx.Blobs) == 0 {
			t.Fatal("accepted without blobs")
		}
		for _, bl := range btx.Blobs {
			if err := bl.Validate(); err != nil {
				t.Fatalf("accepted an invalid blob: %v", err)
			}
		}
		enc, err := btx.Marshal()
		if err != nil {
			t.Fatal(err)
		}
		again, isBlob, err := UnmarshalBlobTx(enc)
		if err != nil || !isBlob || !bytes.Equal(again.Tx, btx.Tx) || len(again.Blobs) != len(btx.Blobs) {
			t.Fatalf("canonical form does not round trip: %v", err)
		}
		_, strictErr := DecodeBlobTx(b)
		if (strictErr == nil) != bytes.Equal(enc, b) {
			t.Fatalf("DecodeBlobTx err %v, canonical %v", strictErr, bytes.Equal(enc, b))
		}
	})
}

// FuzzUnmarshalIndexWrapper: never panics; accepted values re-encode to
// something that decodes to the same value.
func FuzzUnmarshalIndexWrapper(f *testing.F) {
	iw, _ := MarshalIndexWrapper([]byte("tx"), 0, 1, 16384, 1<<31)
	f.Add(iw)
	f.Add([]byte{0x10, 5, 0x1a, 4, 'I', 'N', 'D', 'X'})
	f.Fuzz(func(t *testing.T, b []byte) {
		w, err := UnmarshalIndexWrapper(b)
		if err != nil {
			return
		}
		enc, _ := MarshalIndexWrapper(w.Tx, w.ShareIndexes...)
		again, err := UnmarshalIndexWrapper(enc)
		if err != nil || !bytes.Equal(again.Tx, w.Tx) || len(again.ShareIndexes) != len(w.ShareIndexes) {
			t.Fatalf("re-encoding does not round trip: %v", err)
		}
		for i := range w.ShareIndexes {
			if again.ShareIndexes[i] != w.ShareIndexes[i] {
				t.Fatal("share index changed")
			}
		}
	})
}

// FuzzDecodeDataRootTx: never panics; accepted bytes re-encode exactly and
// are never a Tx or a blob tx.
func FuzzDecodeDataRootTx(f *testing.F) {
	d := &DataRootTx{DataRoot: bytes.Repeat([]byte{1}, 32), SquareSize: 128}
	raw, _ := d.Marshal()
	f.Add(raw)
	f.Add(raw[:10])
	for _, tx := range fuzzSeedTxs(f) {
		f.Add(tx)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		d, err := DecodeDataRootTx(b)
		if err != nil {
			return
		}
		enc, err := d.Marshal()
		if err != nil || !bytes.Equal(enc, b) {
			t.Fatalf("accepted data-root tx does not re-encode: %v", err)
		}
		if _, err := DecodeTx(b); err == nil {
			t.Fatal("a data-root tx is also a Tx")
		}
		if _, isBlob, _ := UnmarshalBlobTx(b); isBlob {
			t.Fatal("a data-root tx is also a blob tx")
		}
		if _, err := UnmarshalIndexWrapper(b); err == nil {
			t.Fatal("a data-root tx is also an index wrapper")
		}
	})
}

func sharesFromBytes(b []byte) []da.Share {
	out := make([]da.Share, (len(b)+da.ShareSize-1)/da.ShareSize)
	for i := range out {
		copy(out[i][:], b[i*da.ShareSize:])
	}
	return out
}

func flatten(shares []da.Share) []byte {
	var out []byte
	for i := range shares {
		out = append(out, shares[i][:]...)
	}
	return out
}

// FuzzParseCompactShares: never panics; whatever parses re-splits to the
// same shares (compact shares have one canonical form).
func FuzzParseCompactShares(f *testing.F) {
	f.Add(flatten(SplitTxs([][]byte{[]byte("a"), bytes.Repeat([]byte{7}, 600)})))
	f.Add(flatten(SplitPayForBlobs([][]byte{bytes.Repeat([]byte{1}, 474), {2}})))
	f.Fuzz(func(t *testing.T, b []byte) {
		if len(b) > 16*da.ShareSize {
			return
		}
		shares := sharesFromBytes(b)
		txs, err := ParseCompactShares(shares)
		if err != nil || len(shares) == 0 {
			return
		}
		again := splitCompact(shares[0].Namespace(), txs)
		if !bytes.Equal(flatten(again), flatten(shares)) {
			t.Fatal("parsed compact shares do not re-split to the same bytes")
		}
	})
}

// FuzzParseSparseShares: never panics; parsed blobs are valid.
func FuzzParseSparseShares(f *testing.F) {
	b := testBlob(f, 4, 1500)
	shares, _ := SplitBlob(b)
	f.Add(flatten(append(shares, NamespacePaddingShare(b.Namespace, 0))))
	f.Fuzz(func(t *testing.T, raw []byte) {
		if len(raw) > 16*da.ShareSize {
			return
		}
		got, err := ParseSparseShares(sharesFromBytes(raw))
		if err != nil {
			return
		}
		for _, bl := range got {
			if err := bl.Validate(); err != nil {
				t.Fatalf("parsed an invalid blob: %v", err)
			}
		}
	})
}

// FuzzParseSquare: never panics on arbitrary squares; in a square that
// parses, every pay-for-blob's blobs are found and re-encode as a BlobTx.
func FuzzParseSquare(f *testing.F) {
	priv := testKeys()[0]
	tx := signedPFB(f, priv, testBlob(f, 1, 600), testBlob(f, 2, 100))
	inner, _ := tx.Marshal()
	btx, _ := MarshalBlobTx(inner, testBlob(f, 1, 600), testBlob(f, 2, 100))
	sq, err := Construct([][]byte{[]byte("hello"), btx}, 4)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(flatten(sq))
	f.Add(flatten(EmptySquare()))
	f.Fuzz(func(t *testing.T, raw []byte) {
		if len(raw) > 64*da.ShareSize {
			return
		}
		sq := Square(sharesFromBytes(raw))
		ps, err := ParseSquare(sq)
		if err != nil {
			return
		}
		// every pay-for-blob's blobs were found and re-encode as a BlobTx
		for j, p := range ps.PFBs {
			bs := make([]*Blob, len(p.ShareIndexes))
			for _, pb := range ps.Blobs {
				if pb.PFB == j {
					bs[pb.BlobIndex] = pb.Blob
				}
			}
			if _, err := MarshalBlobTx(p.Tx, bs...); err != nil {
				t.Fatalf("parsed pay-for-blob %d does not re-encode: %v", j, err)
			}
		}
	})
}

// FuzzProofVerify: blob and namespace proofs decoded from arbitrary JSON
// never make verification panic, and a proof that verifies is for the
// right blob.
func FuzzProofVerify(f *testing.F) {
	x, bs := testBlock(f, 8)
	root := x.DAH.Hash()
	c, err := CreateCommitment(bs[0])
	if err != nil {
		f.Fatal(err)
	}
	_, bp, err := x.ProveBlob(bs[0].Namespace, c)
	if err != nil {
		f.Fatal(err)
	}
	np, err := x.ProveNamespace(bs[0].Namespace)
	if err != nil {
		f.Fatal(err)
	}
	bj, _ := json.Marshal(bp)
	nj, _ := json.Marshal(np)
	f.Add(bj, false)
	f.Add(nj, true)
	f.Fuzz(func(t *testing.T, b []byte, namespace bool) {
		if namespace {
			var p NamespaceProof
			if json.Unmarshal(b, &p) == nil {
				_, _ = p.Verify(root, bs[0].Namespace)
			}
			return
		}
		var p BlobProof
		if json.Unmarshal(b, &p) != nil {
			return
		}
		if p.Verify(root, bs[0], c) == nil && p.Start != bp.Start {
			t.Fatalf("proof at %d verified for the blob at %d", p.Start, bp.Start)
		}
		if p.VerifyCommitment(root, bs[0].Namespace, c) == nil && p.Start != bp.Start {
			t.Fatalf("commitment proof at %d verified for the blob at %d", p.Start, bp.Start)
		}
	})
}
