package blobs

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/quadrant-da/quadrant/da"
)

func TestBlobValidate(t *testing.T) {
	ns := testNamespace(t, 1)
	signer := make([]byte, 20)
	cases := []struct {
		name string
		b    Blob
		ok   bool
	}{
		{"v0", Blob{Namespace: ns, Data: []byte{1}}, true},
		{"v1", Blob{Namespace: ns, Data: []byte{1}, ShareVersion: 1, Signer: signer}, true},
		{"empty data", Blob{Namespace: ns}, false},
		{"v0 with signer", Blob{Namespace: ns, Data: []byte{1}, Signer: signer}, false},
		{"v1 short signer", Blob{Namespace: ns, Data: []byte{1}, ShareVersion: 1, Signer: signer[:19]}, false},
		{"v2", Blob{Namespace: ns, Data: []byte{1}, ShareVersion: 2}, false},
		{"tx namespace", Blob{Namespace: da.TxNamespace(), Data: []byte{1}}, false},
		{"tail padding namespace", Blob{Namespace: da.TailPaddingNamespace(), Data: []byte{1}}, false},
	}
	for _, c := range cases {
		if err := c.b.Validate(); (err == nil) != c.ok {
			t.Errorf("%s: Validate = %v, want ok=%v", c.name, err, c.ok)
		}
	}
	big := &Blob{Namespace: ns, Data: make([]byte, MaxBlobSize(8, 0)+1)}
	err := big.ValidateForSquare(8)
	if !errors.Is(err, ErrBlobTooLarge) || !strings.Contains(err.Error(), "blob: over size limit") {
		t.Fatalf("oversized blob: %v", err)
	}
	big.Data = big.Data[:len(big.Data)-1]
	if err := big.ValidateForSquare(8); err != nil {
		t.Fatalf("blob at the limit: %v", err)
	}
}

func TestMaxBlobSizeFitsAlone(t *testing.T) {
	priv := testKeys()[0]
	for _, k := range []int{2, 4, 8, 16, 64} {
		for _, v := range []uint8{0, 1} {
			max := MaxBlobSize(k, v)
			b := &Blob{Namespace: testNamespace(t, 5), Data: make([]byte, max), ShareVersion: v}
			if v == 1 {
				b.Signer = priv.PubKey().Address()
			}
			// a small inner tx, as the bound assumes a one-share pay-for-blob
			raw, err := MarshalBlobTx([]byte("tx"), b)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := Construct([][]byte{raw}, k); err != nil {
				t.Errorf("k=%d v%d: the max blob (%d bytes) does not fit alone: %v", k, v, max, err)
			}
			b.Data = make([]byte, max+1)
			raw, _ = MarshalBlobTx([]byte("tx"), b)
			if _, err := Construct([][]byte{raw}, k); err == nil {
				t.Errorf("k=%d v%d: max+1 bytes still fit alone: the bound is not tight", k, v)
			}
		}
	}
}

// naiveSubTreeWidth is SubTreeWidth with float math, as the spec states it.
func naiveSubTreeWidth(n, threshold int) int {
	a := roundUpPowerOfTwo((n + threshold - 1) / threshold)
	s := 1
	for s*s < n {
		s++
	}
	return min(a, roundUpPowerOfTwo(s))
}

func TestSubTreeWidthAndSharesNeeded(t *testing.T) {
	for n := 0; n < 70000; n++ {
		if got, want := SubTreeWidth(n, 64), naiveSubTreeWidth(n, 64); got != want {
			t.Fatalf("SubTreeWidth(%d) = %d, want %d", n, got, want)
		}
	}
	for size := uint32(0); size < 5000; size++ {
		for _, v := range []uint8{0, 1} {
			n := SparseSharesNeeded(size, v)
			if size > 0 && (sparseCapacity(n, v) < int(size) || sparseCapacity(n-1, v) >= int(size)) {
				t.Fatalf("SparseSharesNeeded(%d, v%d) = %d is not minimal", size, v, n)
			}
		}
	}
}

func TestSplitBlobLayout(t *testing.T) {
	signer := bytes.Repeat([]byte{0xAB}, 20)
	b := &Blob{Namespace: testNamespace(t, 9), Data: bytes.Repeat([]byte{0xCD}, 1000), ShareVersion: 1, Signer: signer}
	shares, err := SplitBlob(b)
	if err != nil {
		t.Fatal(err)
	}
	if len(shares) != 3 { // 458 + 482 + 60
		t.Fatalf("%d shares, want 3", len(shares))
	}
	s0 := shares[0]
	if s0.Namespace() != b.Namespace || s0.InfoByte() != 0b11 || s0.SequenceLen() != 1000 {
		t.Fatalf("first share header wrong: info %#x len %d", s0.InfoByte(), s0.SequenceLen())
	}
	if !bytes.Equal(s0[34:54], signer) || s0[54] != 0xCD {
		t.Fatal("signer or data misplaced in the first share")
	}
	if shares[1].InfoByte() != 0b10 || shares[1][30] != 0xCD {
		t.Fatal("continuation share wrong")
	}
	if last := shares[2]; last[30+59] != 0xCD || last[30+60] != 0 {
		t.Fatal("last share not zero padded after the data")
	}
	got, err := ParseSparseShares(append(shares, NamespacePaddingShare(b.Namespace, 1)))
	if err != nil || len(got) != 1 || !bytes.Equal(got[0].Data, b.Data) || !bytes.Equal(got[0].Signer, signer) {
		t.Fatalf("parse back: %v", err)
	}
}

func TestCompactSharesRoundTrip(t *testing.T) {
	// sizes chosen to land unit boundaries on and around share boundaries
	var txs [][]byte
	for i, size := range []int{0, 1, 472, 473, 474, 475, 476, 477, 478, 479, 127, 128, 16383, 16384, 5, 3000} {
		txs = append(txs, bytes.Repeat([]byte{byte(i + 1)}, size))
	}
	for start := range txs {
		in := txs[start:]
		shares := SplitTxs(in)
		size := 0
		for _, tx := range in {
			size += unitLen(len(tx))
		}
		if len(shares) != compactSharesNeeded(size) {
			t.Fatalf("start %d: %d shares, want %d", start, len(shares), compactSharesNeeded(size))
		}
		out, err := ParseCompactShares(shares)
		if err != nil {
			t.Fatalf("start %d: %v", start, err)
		}
		if len(out) != len(in) {
			t.Fatalf("start %d: parsed %d txs, want %d", start, len(out), len(in))
		}
		for i := range in {
			if !bytes.Equal(out[i], in[i]) {
				t.Fatalf("start %d: tx %d differs", start, i)
			}
		}
	}
}

func TestPaddingShares(t *testing.T) {
	for _, s := range []da.Share{ReservedPaddingShare(), TailPaddingShare(), NamespacePaddingShare(testNamespace(t, 1), 1)} {
		if !s.IsSequenceStart() || s.SequenceLen() != 0 || !allZero(s[30:]) {
			t.Fatalf("bad padding share %x", s[:40])
		}
	}
	if p := NamespacePaddingShare(testNamespace(t, 1), 1); p.Version() != 1 {
		t.Fatal("namespace padding lost the share version")
	}
}
