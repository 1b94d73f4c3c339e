package da_test

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"testing"

	"github.com/cometbft/cometbft/types"

	"github.com/quadrant-da/quadrant/da"
	"github.com/quadrant-da/quadrant/da/headertest"
)

func buildChain(t testing.TB, seed string, n int) *headertest.Chain {
	t.Helper()
	c := headertest.NewChain("quadrant-test", 4, seed)
	for h := 1; h <= n; h++ {
		w := 2 << (h % 4)
		if _, err := c.Next(headertest.FakeDAH(w, seed+string(rune('a'+h))), []byte("user tx"), []byte{byte(h)}); err != nil {
			t.Fatalf("height %d: %v", h, err)
		}
	}
	return c
}

func TestHeaderChainVerifies(t *testing.T) {
	c := buildChain(t, "s", 5)
	hs := c.Headers()
	for i, h := range hs {
		if err := h.Validate(c.ChainID); err != nil {
			t.Fatalf("height %d Validate: %v", i+1, err)
		}
		if err := h.Light().Validate(c.ChainID); err != nil {
			t.Fatalf("height %d light Validate: %v", i+1, err)
		}
		if i > 0 {
			if err := h.Verify(hs[i-1].Light()); err != nil {
				t.Fatalf("height %d Verify: %v", i+1, err)
			}
			if err := h.Light().Verify(hs[i-1].Light()); err != nil {
				t.Fatalf("height %d light Verify: %v", i+1, err)
			}
		}
		if got, want := h.DataRoot(), h.DAH.Hash(); !bytes.Equal(got, want) {
			t.Fatalf("height %d DataRoot %x, want %x", i+1, got, want)
		}
		if h.SquareWidth() != h.DAH.SquareWidth() {
			t.Fatalf("height %d SquareWidth %d, want %d", i+1, h.SquareWidth(), h.DAH.SquareWidth())
		}
		if p := h.DataRootProof; p.Index != p.Total-1 || p.Total != 3 {
			t.Fatalf("height %d proof index %d total %d, want 2 of 3", i+1, p.Index, p.Total)
		}
	}
	// The proof matches CometBFT's own TxProof for the last tx.
	h := hs[2]
	txs := types.Txs{[]byte("user tx"), []byte{3}, h.DataRootTx}
	cp := txs.Proof(2)
	if err := cp.Validate(h.SignedHeader.DataHash); err != nil {
		t.Fatalf("cometbft tx proof: %v", err)
	}
	if len(cp.Proof.Aunts) != len(h.DataRootProof.Aunts) {
		t.Fatalf("aunts %d, cometbft has %d", len(h.DataRootProof.Aunts), len(cp.Proof.Aunts))
	}
	for i := range cp.Proof.Aunts {
		if !bytes.Equal(cp.Proof.Aunts[i], h.DataRootProof.Aunts[i]) {
			t.Fatalf("aunt %d differs from cometbft's", i)
		}
	}
}

func TestHeaderRejects(t *testing.T) {
	c := buildChain(t, "s", 4)
	hs := c.Headers()
	other := buildChain(t, "other-validators", 4).Headers()
	fork := headertest.NewChain("quadrant-test", 4, "s") // same validators, different blocks
	for h := 1; h <= 4; h++ {
		if _, err := fork.Next(headertest.FakeDAH(4, "fork")); err != nil {
			t.Fatal(err)
		}
	}
	clone := func(e *da.ExtendedHeader) *da.ExtendedHeader {
		b, err := e.Marshal()
		if err != nil {
			t.Fatal(err)
		}
		d, err := da.UnmarshalExtendedHeader(b)
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	tests := []struct {
		name    string
		h       func() *da.ExtendedHeader
		trusted *da.ExtendedHeader
		want    error
	}{
		{"skips a height", func() *da.ExtendedHeader { return hs[3] }, hs[1], da.ErrHeaderNotAdjacent},
		{"same height", func() *da.ExtendedHeader { return hs[2] }, hs[2], da.ErrHeaderNotAdjacent},
		{"other validator set", func() *da.ExtendedHeader { return other[2] }, hs[1], da.ErrHeaderNotAdjacent},
		{"fork", func() *da.ExtendedHeader { return fork.Headers()[2] }, hs[1], da.ErrHeaderNotAdjacent},
		{"wrong chain id", func() *da.ExtendedHeader {
			e := clone(hs[2])
			e.SignedHeader.ChainID = "other"
			return e
		}, hs[1], da.ErrHeader},
		{"tampered data-root tx", func() *da.ExtendedHeader {
			e := clone(hs[2])
			e.DataRootTx = headertest.DataRootTx(headertest.FakeDAH(e.DAH.SquareWidth(), "evil"))
			e.DAH = headertest.FakeDAH(e.DAH.SquareWidth(), "evil")
			return e
		}, hs[1], da.ErrHeader},
		{"DAH not matching data root", func() *da.ExtendedHeader {
			e := clone(hs[2])
			e.DAH = headertest.FakeDAH(e.DAH.SquareWidth(), "evil")
			return e
		}, hs[1], da.ErrHeader},
		{"proof of a tx that is not last", func() *da.ExtendedHeader {
			e := clone(hs[2])
			e.DataRootProof.Index--
			return e
		}, hs[1], da.ErrHeader},
		// A proof's Total can only change to a tx count with the same tree
		// depth (the last leaf's path is "right" at every level), so the
		// proven tx is the block's last whatever Total claims; a count with
		// another depth fails.
		{"proof claiming more txs", func() *da.ExtendedHeader {
			e := clone(hs[2])
			e.DataRootProof.Total++
			e.DataRootProof.Index++
			return e
		}, hs[1], da.ErrHeader},
		{"half the signatures", func() *da.ExtendedHeader {
			e := clone(hs[2])
			for i := 0; i < 2; i++ {
				e.SignedHeader.Commit.Signatures[i] = types.NewCommitSigAbsent()
			}
			return e
		}, hs[1], da.ErrHeader},
		{"forged signature", func() *da.ExtendedHeader {
			e := clone(hs[2])
			for i := 0; i < 2; i++ {
				e.SignedHeader.Commit.Signatures[i].Signature[0] ^= 1
			}
			return e
		}, hs[1], da.ErrHeader},
		{"tampered app hash", func() *da.ExtendedHeader {
			e := clone(hs[2])
			e.SignedHeader.AppHash = bytes.Repeat([]byte{7}, 32)
			return e
		}, hs[1], da.ErrHeader},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.h().Verify(tt.trusted.Light())
			if !errors.Is(err, tt.want) {
				t.Fatalf("Verify = %v, want %v", err, tt.want)
			}
		})
	}
	// One absent signature of four leaves 3/4 > 2/3: still valid.
	e := clone(hs[2])
	e.SignedHeader.Commit.Signatures[3] = types.NewCommitSigAbsent()
	if err := e.Verify(hs[1].Light()); err != nil {
		t.Fatalf("3 of 4 signatures: %v", err)
	}
}

func TestNewLightHeaderNeedsDataRootTxLast(t *testing.T) {
	c := headertest.NewChain("quadrant-test", 1, "s")
	dah := headertest.FakeDAH(2, "x")
	txs := [][]byte{headertest.DataRootTx(dah), []byte("user tx")}
	sh, err := c.Sign(c.NextHeader(txs))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := da.NewLightHeader(sh, c.Vals, txs); !errors.Is(err, da.ErrDataRootTx) {
		t.Fatalf("data-root tx first: err = %v, want ErrDataRootTx", err)
	}
	// A hand-made proof for index 0 of the data-root tx is refused too.
	hashes := make([][]byte, len(txs))
	for i, tx := range txs {
		h := sha256.Sum256(tx)
		hashes[i] = h[:]
	}
	_, proofs := da.MerkleProofs(hashes)
	lh := &da.LightHeader{SignedHeader: sh, ValidatorSet: c.Vals, DataRootTx: txs[0], DataRootProof: proofs[0]}
	if err := lh.Validate(c.ChainID); !errors.Is(err, da.ErrHeader) {
		t.Fatalf("proof of index 0: err = %v, want ErrHeader", err)
	}
	if _, err := da.NewLightHeader(sh, c.Vals, nil); !errors.Is(err, da.ErrHeader) {
		t.Fatalf("no txs: err = %v", err)
	}
	if _, err := da.NewExtendedHeader(sh, c.Vals, [][]byte{[]byte("user tx"), txs[0]}, dah); !errors.Is(err, da.ErrHeader) {
		t.Fatalf("txs not matching DataHash: err = %v", err)
	}
}

func TestHeaderEncodingRoundTrip(t *testing.T) {
	c := buildChain(t, "s", 3)
	for _, e := range c.Headers() {
		b, err := e.Marshal()
		if err != nil {
			t.Fatal(err)
		}
		d, err := da.UnmarshalExtendedHeader(b)
		if err != nil {
			t.Fatal(err)
		}
		b2, err := d.Marshal()
		if err != nil || !bytes.Equal(b, b2) {
			t.Fatalf("re-encoding differs (err %v)", err)
		}
		if !bytes.Equal(d.Hash(), e.Hash()) || !d.DAH.Equal(e.DAH) {
			t.Fatal("decoded header differs")
		}
		if err := d.Validate(c.ChainID); err != nil {
			t.Fatalf("decoded header: %v", err)
		}
		lb, err := e.Light().Marshal()
		if err != nil {
			t.Fatal(err)
		}
		l, err := da.UnmarshalLightHeader(lb)
		if err != nil {
			t.Fatal(err)
		}
		if err := l.Validate(c.ChainID); err != nil {
			t.Fatalf("decoded light header: %v", err)
		}
		if len(lb) >= len(b) || len(b)-len(lb) < e.DAH.SquareWidth()*2*da.NodeSize {
			t.Fatalf("light %d bytes, extended %d bytes", len(lb), len(b))
		}
		// Wrong kind, trailing bytes, truncation and size are rejected.
		if _, err := da.UnmarshalLightHeader(b); !errors.Is(err, da.ErrHeader) {
			t.Fatalf("extended decoded as light: %v", err)
		}
		if _, err := da.UnmarshalExtendedHeader(lb); !errors.Is(err, da.ErrHeader) {
			t.Fatalf("light decoded as extended: %v", err)
		}
		if _, err := da.UnmarshalExtendedHeader(append(b, 0)); !errors.Is(err, da.ErrHeader) {
			t.Fatalf("trailing byte: %v", err)
		}
		for _, n := range []int{0, 1, 5, len(b) / 2, len(b) - 1} {
			if _, err := da.UnmarshalExtendedHeader(b[:n]); !errors.Is(err, da.ErrHeader) {
				t.Fatalf("truncated to %d: %v", n, err)
			}
		}
		if _, err := da.UnmarshalLightHeader(make([]byte, da.MaxLightHeaderSize+1)); !errors.Is(err, da.ErrHeader) {
			t.Fatalf("oversized: %v", err)
		}
	}
}

func TestHeaderRejectsNonCanonicalProtobuf(t *testing.T) {
	e := buildChain(t, "s", 1).Head()
	b, err := e.Light().Marshal()
	if err != nil {
		t.Fatal(err)
	}
	// Append an unknown protobuf field (field 15, varint 1) to the signed
	// header and fix its length: protobuf accepts it, the codec must not.
	n := int(b[1])<<24 | int(b[2])<<16 | int(b[3])<<8 | int(b[4])
	mod := append([]byte{}, b[:5+n]...)
	mod = append(mod, 15<<3, 1)
	mod = append(mod, b[5+n:]...)
	n += 2
	mod[1], mod[2], mod[3], mod[4] = byte(n>>24), byte(n>>16), byte(n>>8), byte(n)
	if _, err := da.UnmarshalLightHeader(mod); !errors.Is(err, da.ErrHeader) {
		t.Fatalf("unknown protobuf field accepted: %v", err)
	}
}

func TestDataRootTx(t *testing.T) {
	root := bytes.Repeat([]byte{9}, 32)
	d := &da.DataRootTx{DataRoot: root, SquareSize: 64}
	b, err := d.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	if len(b) != da.DataRootTxSize || !da.IsDataRootTx(b) {
		t.Fatalf("encoded %x", b)
	}
	got, err := da.DecodeDataRootTx(b)
	if err != nil || got.SquareSize != 64 || !bytes.Equal(got.DataRoot, root) || got.SquareWidth() != 128 {
		t.Fatalf("decoded %+v, %v", got, err)
	}
	for _, bad := range []*da.DataRootTx{
		{DataRoot: root, SquareSize: 0},
		{DataRoot: root, SquareSize: 3},
		{DataRoot: root, SquareSize: 512},
		{DataRoot: root[:31], SquareSize: 1},
		nil,
	} {
		if _, err := bad.Marshal(); !errors.Is(err, da.ErrDataRootTx) {
			t.Fatalf("Marshal(%+v) = %v, want ErrDataRootTx", bad, err)
		}
	}
	mut := func(i int, v byte) []byte { c := append([]byte{}, b...); c[i] = v; return c }
	for name, in := range map[string][]byte{
		"short":      b[:44],
		"long":       append(append([]byte{}, b...), 0),
		"magic":      mut(0, 'X'),
		"version":    mut(4, 2),
		"k=3":        mut(12, 3),
		"k too high": mut(5, 1),
	} {
		if _, err := da.DecodeDataRootTx(in); !errors.Is(err, da.ErrDataRootTx) {
			t.Fatalf("%s: err = %v", name, err)
		}
	}
	if da.IsDataRootTx([]byte("QDRT")) || !da.IsDataRootTx([]byte("QDRT\x01anything")) {
		t.Fatal("IsDataRootTx prefix rule")
	}
}

func FuzzUnmarshalExtendedHeader(f *testing.F) {
	c := buildChain(f, "s", 2)
	for _, e := range c.Headers() {
		b, _ := e.Marshal()
		f.Add(b)
		lb, _ := e.Light().Marshal()
		f.Add(lb)
	}
	f.Add([]byte{2, 0, 0, 0, 0})
	f.Fuzz(func(t *testing.T, b []byte) {
		if e, err := da.UnmarshalExtendedHeader(b); err == nil {
			re, err := e.Marshal()
			if err != nil || !bytes.Equal(re, b) {
				t.Fatalf("decoded header re-encodes differently (err %v)", err)
			}
			_ = e.Validate(c.ChainID)
			_ = e.Verify(c.Headers()[0].Light())
		}
		if l, err := da.UnmarshalLightHeader(b); err == nil {
			re, err := l.Marshal()
			if err != nil || !bytes.Equal(re, b) {
				t.Fatalf("decoded light header re-encodes differently (err %v)", err)
			}
			_ = l.Validate(c.ChainID)
			_ = l.Verify(c.Headers()[0].Light())
		}
	})
}

func FuzzDecodeDataRootTx(f *testing.F) {
	b, _ := (&da.DataRootTx{DataRoot: make([]byte, 32), SquareSize: 1}).Marshal()
	f.Add(b)
	f.Add([]byte("QDRT\x01"))
	f.Fuzz(func(t *testing.T, b []byte) {
		d, err := da.DecodeDataRootTx(b)
		if err != nil {
			return
		}
		re, err := d.Marshal()
		if err != nil || !bytes.Equal(re, b) {
			t.Fatalf("re-encoding differs (err %v)", err)
		}
	})
}

func TestHeaderVerifySkipping(t *testing.T) {
	hs := buildChain(t, "s", 6).Headers()
	other := buildChain(t, "other-validators", 6).Headers()
	if err := hs[5].VerifySkipping(hs[0].Light(), da.DefaultTrustLevel()); err != nil {
		t.Fatalf("skip 1 -> 6: %v", err)
	}
	if err := hs[1].Light().VerifySkipping(hs[0].Light(), da.DefaultTrustLevel()); err != nil {
		t.Fatalf("adjacent: %v", err)
	}
	if err := other[5].VerifySkipping(hs[0].Light(), da.DefaultTrustLevel()); !errors.Is(err, da.ErrHeaderNotAdjacent) {
		t.Fatalf("unknown validator set: %v", err)
	}
	if err := hs[0].VerifySkipping(hs[3].Light(), da.DefaultTrustLevel()); !errors.Is(err, da.ErrHeaderNotAdjacent) {
		t.Fatalf("backwards: %v", err)
	}
	weak := da.DefaultTrustLevel()
	weak.Numerator, weak.Denominator = 1, 4
	if err := hs[5].VerifySkipping(hs[0].Light(), weak); !errors.Is(err, da.ErrHeaderNotAdjacent) {
		t.Fatalf("trust level below 1/3 accepted: %v", err)
	}
	b, _ := hs[5].Light().Marshal()
	forged, _ := da.UnmarshalLightHeader(b)
	// 2 of 4 signatures left: over the 1/3 of the trusted set (the same
	// set) that skipping needs, under the 2/3 of its own set it needs too.
	for i := 0; i < 2; i++ {
		forged.SignedHeader.Commit.Signatures[i] = types.NewCommitSigAbsent()
	}
	if err := forged.VerifySkipping(hs[0].Light(), da.DefaultTrustLevel()); !errors.Is(err, da.ErrHeader) {
		t.Fatalf("under-signed header: %v", err)
	}
}
