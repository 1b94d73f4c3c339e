package blobs

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/cometbft/cometbft/crypto"
	"github.com/cometbft/cometbft/crypto/ed25519"
	"github.com/cometbft/cometbft/crypto/secp256k1"

	"github.com/quadrant-da/quadrant/da"
)

func testNamespace(t testing.TB, b byte) da.Namespace {
	t.Helper()
	ns, err := da.NewNamespaceV0([]byte{b, 0, 0, 0, 0, 0, 0, 0, 0, 1})
	if err != nil {
		t.Fatal(err)
	}
	return ns
}

func testBlob(t testing.TB, ns byte, size int) *Blob {
	t.Helper()
	data := make([]byte, size)
	for i := range data {
		data[i] = byte(i*7 + int(ns))
	}
	return &Blob{Namespace: testNamespace(t, ns), Data: data}
}

func testKeys() []crypto.PrivKey {
	return []crypto.PrivKey{
		ed25519.GenPrivKeyFromSecret([]byte("tx-test-ed25519")),
		secp256k1.GenPrivKeySecp256k1([]byte("tx-test-secp256k1")),
	}
}

func signedPFB(t testing.TB, priv crypto.PrivKey, bs ...*Blob) *Tx {
	t.Helper()
	pfb, err := NewPayForBlobs(bs...)
	if err != nil {
		t.Fatal(err)
	}
	tx := &Tx{ChainID: "quadrant-test", Sequence: 7, GasLimit: 100000, GasPrice: 3, PayForBlobs: pfb}
	if err := tx.Sign(priv); err != nil {
		t.Fatal(err)
	}
	return tx
}

func TestTxRoundTripAndSignature(t *testing.T) {
	for _, priv := range testKeys() {
		t.Run(priv.Type(), func(t *testing.T) {
			tx := signedPFB(t, priv, testBlob(t, 1, 100), testBlob(t, 2, 5000))
			raw, err := tx.Marshal()
			if err != nil {
				t.Fatal(err)
			}
			got, err := DecodeTx(raw)
			if err != nil {
				t.Fatal(err)
			}
			if err := got.VerifySignature(); err != nil {
				t.Fatalf("decoded tx does not verify: %v", err)
			}
			again, _ := got.Marshal()
			if !bytes.Equal(raw, again) {
				t.Fatal("re-encoding differs")
			}
			if !bytes.Equal(got.Signer(), priv.PubKey().Address()) {
				t.Fatalf("signer %X, want %X", got.Signer(), priv.PubKey().Address())
			}
			if fee, err := got.Fee(); err != nil || fee != 300000 {
				t.Fatalf("fee = %d, %v", fee, err)
			}

			// any change to a signed field breaks the signature
			mut := *got
			mut.Sequence++
			if err := mut.VerifySignature(); !errors.Is(err, ErrBadSignature) {
				t.Fatalf("changed sequence: %v", err)
			}
			mut = *got
			mut.ChainID = "other-chain"
			if err := mut.VerifySignature(); !errors.Is(err, ErrBadSignature) {
				t.Fatalf("changed chain id: %v", err)
			}
			// a flipped bit anywhere in the encoding either fails to decode
			// or fails to verify
			for i := range raw {
				b := append([]byte(nil), raw...)
				b[i] ^= 0x01
				d, err := DecodeTx(b)
				if err == nil && d.VerifySignature() == nil {
					t.Fatalf("bit flip at byte %d still decodes and verifies", i)
				}
			}
		})
	}
}

func TestTransferTx(t *testing.T) {
	priv := testKeys()[0]
	tx := &Tx{ChainID: "c", GasLimit: 1, GasPrice: 1, Transfer: &Transfer{To: bytes.Repeat([]byte{9}, 20), Amount: 1 << 50}}
	if err := tx.Sign(priv); err != nil {
		t.Fatal(err)
	}
	raw, err := tx.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	got, err := DecodeTx(raw)
	if err != nil || got.Transfer == nil || got.Transfer.Amount != 1<<50 || got.PayForBlobs != nil {
		t.Fatalf("decode: %+v, %v", got, err)
	}
	if err := got.VerifySignature(); err != nil {
		t.Fatal(err)
	}
}

func TestDecodeTxStrict(t *testing.T) {
	priv := testKeys()[0]
	tx := signedPFB(t, priv, testBlob(t, 1, 10))
	raw, _ := tx.Marshal()
	cases := map[string][]byte{
		"empty":          nil,
		"trailing byte":  append(append([]byte(nil), raw...), 0),
		"truncated":      raw[:len(raw)-1],
		"bad magic":      append([]byte{1}, raw[1:]...),
		"bad version":    append(append([]byte(nil), raw[:4]...), append([]byte{2}, raw[5:]...)...),
		"too large":      make([]byte, MaxTxSize+1),
		"non-minimal id": append(append(append([]byte(nil), raw[:5]...), 0x80|raw[5], 0x00), raw[6:]...),
	}
	for name, b := range cases {
		if _, err := DecodeTx(b); err == nil {
			t.Errorf("%s: decoded", name)
		}
	}
	if _, err := DecodeTx(make([]byte, MaxTxSize+1)); !errors.Is(err, ErrTxTooLarge) {
		t.Errorf("too large: %v", err)
	}
}

func TestTxValidateBasic(t *testing.T) {
	priv := testKeys()[0]
	good := signedPFB(t, priv, testBlob(t, 1, 10))
	cases := map[string]func(tx *Tx){
		"no chain id":       func(tx *Tx) { tx.ChainID = "" },
		"long chain id":     func(tx *Tx) { tx.ChainID = strings.Repeat("x", MaxChainIDLen+1) },
		"bad key type":      func(tx *Tx) { tx.KeyType = "rsa" },
		"short key":         func(tx *Tx) { tx.PubKey = tx.PubKey[:31] },
		"no body":           func(tx *Tx) { tx.PayForBlobs = nil },
		"two bodies":        func(tx *Tx) { tx.Transfer = &Transfer{To: make([]byte, 20)} },
		"reserved ns":       func(tx *Tx) { tx.PayForBlobs.Namespaces[0] = da.TxNamespace() },
		"zero size":         func(tx *Tx) { tx.PayForBlobs.BlobSizes[0] = 0 },
		"share version 2":   func(tx *Tx) { tx.PayForBlobs.ShareVersions[0] = 2 },
		"short commitment":  func(tx *Tx) { tx.PayForBlobs.ShareCommitments[0] = make([]byte, 31) },
		"mismatched lists":  func(tx *Tx) { tx.PayForBlobs.BlobSizes = append(tx.PayForBlobs.BlobSizes, 1) },
		"oversized blob":    func(tx *Tx) { tx.PayForBlobs.BlobSizes[0] = 1 << 31 },
		"bad signature len": func(tx *Tx) { tx.Signature = tx.Signature[:10] },
	}
	for name, mutate := range cases {
		c := *good
		p := *good.PayForBlobs
		p.Namespaces = append([]da.Namespace(nil), p.Namespaces...)
		p.BlobSizes = append([]uint32(nil), p.BlobSizes...)
		p.ShareVersions = append([]uint8(nil), p.ShareVersions...)
		p.ShareCommitments = append([][]byte(nil), p.ShareCommitments...)
		c.PayForBlobs = &p
		mutate(&c)
		if err := c.ValidateBasic(); err == nil {
			t.Errorf("%s: ValidateBasic accepted", name)
		}
		if _, err := c.Marshal(); err == nil {
			t.Errorf("%s: Marshal accepted", name)
		}
	}
	big := *good
	p := *good.PayForBlobs
	p.BlobSizes = []uint32{1 << 31}
	big.PayForBlobs = &p
	if err := big.ValidateBasic(); err == nil || !strings.Contains(err.Error(), "blob: over size limit") {
		t.Errorf("oversized blob error %v does not say \"blob: over size limit\"", err)
	}
}

func TestFeeOverflow(t *testing.T) {
	tx := &Tx{GasLimit: 1 << 40, GasPrice: 1 << 30}
	if _, err := tx.Fee(); err == nil {
		t.Fatal("overflowing fee accepted")
	}
}

func TestGasToConsume(t *testing.T) {
	// 478 bytes = 1 share, 479 = 2 shares, 1 = 1 share: 4 shares.
	got := GasToConsume([]uint32{478, 479, 1}, 8, 1000)
	if want := uint64(1000 + 4*512*8); got != want {
		t.Fatalf("GasToConsume = %d, want %d", got, want)
	}
	if got := GasToConsume([]uint32{1 << 31}, 1<<62, 0); got != ^uint64(0) {
		t.Fatalf("overflow not saturated: %d", got)
	}
}

func TestValidateBlobs(t *testing.T) {
	priv := testKeys()[0]
	b1, b2 := testBlob(t, 1, 100), testBlob(t, 2, 3000)
	tx := signedPFB(t, priv, b1, b2)
	if err := tx.PayForBlobs.ValidateBlobs([]*Blob{b1, b2}, tx.Signer(), DefaultMaxSquareSize); err != nil {
		t.Fatal(err)
	}
	other := testBlob(t, 2, 3000)
	other.Data[5] ^= 1
	err := tx.PayForBlobs.ValidateBlobs([]*Blob{b1, other}, tx.Signer(), DefaultMaxSquareSize)
	if !errors.Is(err, ErrBlobMismatch) || !strings.Contains(err.Error(), "wrong share commitment") {
		t.Fatalf("altered data: %v", err)
	}
	if err := tx.PayForBlobs.ValidateBlobs([]*Blob{b2, b1}, tx.Signer(), DefaultMaxSquareSize); !errors.Is(err, ErrBlobMismatch) {
		t.Fatalf("swapped blobs: %v", err)
	}
	if err := tx.PayForBlobs.ValidateBlobs([]*Blob{b1}, tx.Signer(), DefaultMaxSquareSize); !errors.Is(err, ErrBlobMismatch) {
		t.Fatalf("missing blob: %v", err)
	}
	if err := tx.PayForBlobs.ValidateBlobs([]*Blob{b1, b2}, tx.Signer(), 1); !errors.Is(err, ErrBlobTooLarge) {
		t.Fatalf("blob over a 1×1 square: %v", err)
	}
	// version 1 blobs must name the tx signer
	v1 := &Blob{Namespace: testNamespace(t, 3), Data: []byte("hi"), ShareVersion: 1, Signer: make([]byte, 20)}
	tx1 := signedPFB(t, priv, v1)
	if err := tx1.PayForBlobs.ValidateBlobs([]*Blob{v1}, tx1.Signer(), 8); !errors.Is(err, ErrBlobMismatch) {
		t.Fatalf("foreign v1 signer: %v", err)
	}
}

func TestDataRootTx(t *testing.T) {
	d := &DataRootTx{DataRoot: bytes.Repeat([]byte{7}, 32), SquareSize: 64}
	raw, err := d.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	got, err := DecodeDataRootTx(raw)
	if err != nil || !bytes.Equal(got.DataRoot, d.DataRoot) || got.SquareSize != 64 {
		t.Fatalf("round trip: %+v, %v", got, err)
	}
	if !IsDataRootTx(raw) {
		t.Fatal("IsDataRootTx false")
	}
	// never a BlobTx, IndexWrapper or Tx
	if _, isBlob, _ := UnmarshalBlobTx(raw); isBlob {
		t.Fatal("data-root tx classified as a blob tx")
	}
	if _, err := UnmarshalIndexWrapper(raw); err == nil {
		t.Fatal("data-root tx decodes as an index wrapper")
	}
	if _, err := DecodeTx(raw); err == nil {
		t.Fatal("data-root tx decodes as a tx")
	}
	// and no Tx or BlobTx decodes as a data-root tx
	tx := signedPFB(t, testKeys()[1], testBlob(t, 1, 10))
	txRaw, _ := tx.Marshal()
	btx, _ := MarshalBlobTx(txRaw, testBlob(t, 1, 10))
	for _, b := range [][]byte{txRaw, btx} {
		if IsDataRootTx(b) {
			t.Fatal("user tx claims to be a data-root tx")
		}
		if _, err := DecodeDataRootTx(b); err == nil {
			t.Fatal("user tx decodes as a data-root tx")
		}
	}
	for _, bad := range []uint64{0, 3, 512} {
		d := &DataRootTx{DataRoot: make([]byte, 32), SquareSize: bad}
		if _, err := d.Marshal(); err == nil {
			t.Errorf("square size %d accepted", bad)
		}
	}
	// every valid data-root tx is neither a blob tx nor an index wrapper
	for k := uint64(1); k <= MaxSquareSizeUpperBound; k *= 2 {
		for _, fill := range []byte{0x00, 0xFF, 0x0A} {
			d := &DataRootTx{DataRoot: bytes.Repeat([]byte{fill}, 32), SquareSize: k}
			b, err := d.Marshal()
			if err != nil {
				t.Fatal(err)
			}
			if _, isBlob, _ := UnmarshalBlobTx(b); isBlob {
				t.Fatalf("k=%d: data-root tx classified as a blob tx", k)
			}
			if _, err := UnmarshalIndexWrapper(b); err == nil {
				t.Fatalf("k=%d: data-root tx decodes as an index wrapper", k)
			}
		}
	}
	if _, err := DecodeDataRootTx(append(raw, 0)); err == nil {
		t.Error("trailing byte accepted")
	}
}
