package bench

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/cometbft/cometbft/crypto/ed25519"
	"github.com/cometbft/cometbft/crypto/merkle"

	gosquare "github.com/celestiaorg/go-square/v2"
	"github.com/celestiaorg/go-square/v2/inclusion"
	gshare "github.com/celestiaorg/go-square/v2/share"
	gtx "github.com/celestiaorg/go-square/v2/tx"

	"github.com/quadrant-da/quadrant/blobs"
	"github.com/quadrant-da/quadrant/da"
)

// squareGen generates random block contents for the square differential
// tests: ordinary Quadrant transfer txs, opaque byte txs and BlobTxs whose
// inner tx is a signed Quadrant pay-for-blobs.
type squareGen struct {
	rng  *rand.Rand
	priv ed25519.PrivKey
	seq  uint64
	nss  []da.Namespace
}

func newSquareGen(seed uint64, namespaces int) *squareGen {
	g := &squareGen{
		rng:  rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)),
		priv: ed25519.GenPrivKeyFromSecret([]byte(fmt.Sprint("square-test-", seed))),
	}
	for i := range namespaces {
		sub := make([]byte, da.NamespaceVersionZeroIDSize)
		sub[0] = byte(1 + g.rng.IntN(250))
		sub[1] = byte(i)
		ns, err := da.NewNamespaceV0(sub)
		if err != nil {
			panic(err)
		}
		g.nss = append(g.nss, ns)
	}
	return g
}

func (g *squareGen) bytes(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(g.rng.Uint32())
	}
	return b
}

// v1Safe reports whether go-square v2.3.1 counts a share-version-1 blob of
// size bytes correctly (it ignores the signer when counting shares).
func v1Safe(size int) bool {
	return gshare.SparseSharesNeeded(uint32(size)) == blobs.SparseSharesNeeded(uint32(size), 1)
}

// blob returns a random blob of about size bytes (share version 1 for ~1/4
// of them, with a size go-square counts correctly).
func (g *squareGen) blob(size int, signer []byte) *blobs.Blob {
	b := &blobs.Blob{Namespace: g.nss[g.rng.IntN(len(g.nss))]}
	if g.rng.IntN(4) == 0 {
		for !v1Safe(size) {
			size++
		}
		b.ShareVersion, b.Signer = 1, signer
	}
	b.Data = g.bytes(size)
	return b
}

func (g *squareGen) signedTx(t testing.TB, tx *blobs.Tx) []byte {
	tx.ChainID = "quadrant-test"
	tx.Sequence = g.seq
	g.seq++
	tx.GasLimit, tx.GasPrice = 100000+uint64(g.rng.IntN(1000)), 1+uint64(g.rng.IntN(10))
	if err := tx.Sign(g.priv); err != nil {
		t.Fatal(err)
	}
	raw, err := tx.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

func (g *squareGen) transfer(t testing.TB) []byte {
	return g.signedTx(t, &blobs.Tx{Transfer: &blobs.Transfer{To: g.bytes(20), Amount: g.rng.Uint64N(1 << 40)}})
}

// blobTx returns a BlobTx carrying blobs with a signed pay-for-blobs.
func (g *squareGen) blobTx(t testing.TB, bs ...*blobs.Blob) []byte {
	pfb, err := blobs.NewPayForBlobs(bs...)
	if err != nil {
		t.Fatal(err)
	}
	inner := g.signedTx(t, &blobs.Tx{PayForBlobs: pfb})
	raw, err := blobs.MarshalBlobTx(inner, bs...)
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

// mix returns n random transactions; blob sizes are drawn up to maxBlob.
func (g *squareGen) mix(t testing.TB, n, maxBlob int) [][]byte {
	signer := ed25519.PrivKey(g.priv).PubKey().Address().Bytes()
	var txs [][]byte
	for range n {
		switch r := g.rng.IntN(10); {
		case r < 2:
			txs = append(txs, g.transfer(t))
		case r < 3:
			txs = append(txs, g.bytes(1+g.rng.IntN(2000)))
		default:
			nb := 1 + g.rng.IntN(3)
			bs := make([]*blobs.Blob, nb)
			for i := range bs {
				size := 1 + g.rng.IntN(maxBlob)
				if g.rng.IntN(3) == 0 {
					size = 1 + g.rng.IntN(1200) // many small blobs: alignment edge cases
				}
				bs[i] = g.blob(size, signer)
			}
			txs = append(txs, g.blobTx(t, bs...))
		}
	}
	return txs
}

func toGoSquareBlob(t testing.TB, b *blobs.Blob) *gshare.Blob {
	ns, err := gshare.NewNamespace(b.Namespace.Version(), b.Namespace.ID())
	if err != nil {
		t.Fatal(err)
	}
	gb, err := gshare.NewBlob(ns, b.Data, b.ShareVersion, b.Signer)
	if err != nil {
		t.Fatal(err)
	}
	return gb
}

func sameSquare(t testing.TB, what string, q blobs.Square, g gosquare.Square) {
	t.Helper()
	if len(q) != len(g) {
		t.Fatalf("%s: quadrant square has %d shares (k=%d), go-square %d (k=%d)", what, len(q), q.Size(), len(g), g.Size())
	}
	for i := range q {
		if !bytes.Equal(q[i][:], g[i].ToBytes()) {
			t.Fatalf("%s: share %d differs (k=%d)\nquadrant %x\ngosquare %x", what, i, q.Size(), q[i][:64], g[i].ToBytes()[:64])
		}
	}
}

func sameTxs(t testing.TB, what string, q, g [][]byte) {
	t.Helper()
	if len(q) != len(g) {
		t.Fatalf("%s: quadrant kept %d txs, go-square %d", what, len(q), len(g))
	}
	for i := range q {
		if !bytes.Equal(q[i], g[i]) {
			t.Fatalf("%s: kept tx %d differs", what, i)
		}
	}
}

// checkParsed checks that ParseSquare finds every blob of every kept BlobTx
// at the index go-square's IndexWrapper records.
func checkParsed(t testing.TB, sq blobs.Square, kept [][]byte) {
	t.Helper()
	ps, err := blobs.ParseSquare(sq)
	if err != nil {
		t.Fatalf("ParseSquare: %v", err)
	}
	var normal, blobTxs [][]byte
	for _, raw := range kept {
		if btx, ok, _ := blobs.UnmarshalBlobTx(raw); ok {
			blobTxs = append(blobTxs, raw)
			_ = btx
		} else {
			normal = append(normal, raw)
		}
	}
	sameTxs(t, "parsed ordinary txs", ps.Txs, normal)
	if len(ps.PFBs) != len(blobTxs) {
		t.Fatalf("parsed %d pay-for-blobs, want %d", len(ps.PFBs), len(blobTxs))
	}
	byPFB := map[[2]int]blobs.PlacedBlob{}
	for _, pb := range ps.Blobs {
		byPFB[[2]int{pb.PFB, pb.BlobIndex}] = pb
	}
	for j, raw := range blobTxs {
		btx, _, _ := blobs.UnmarshalBlobTx(raw)
		if !bytes.Equal(ps.PFBs[j].Tx, btx.Tx) {
			t.Fatalf("pay-for-blob %d: inner tx differs", j)
		}
		for m, b := range btx.Blobs {
			pb, ok := byPFB[[2]int{j, m}]
			if !ok {
				t.Fatalf("blob %d of pay-for-blob %d not found by ParseSquare", m, j)
			}
			if pb.Index != int(ps.PFBs[j].ShareIndexes[m]) || pb.Blob.Namespace != b.Namespace ||
				!bytes.Equal(pb.Blob.Data, b.Data) || pb.Blob.ShareVersion != b.ShareVersion || !bytes.Equal(pb.Blob.Signer, b.Signer) {
				t.Fatalf("blob %d of pay-for-blob %d parsed wrong (index %d)", m, j, pb.Index)
			}
			found := false
			for _, nb := range ps.BlobsIn(b.Namespace) {
				found = found || nb.Index == pb.Index
			}
			if !found {
				t.Fatalf("BlobsIn(%s) misses the blob at %d", b.Namespace, pb.Index)
			}
		}
	}
}

// TestSquareDifferential builds random blocks with Quadrant and go-square
// v2.3.1 — proposer path (Build, dropping what does not fit) and validator
// path (Construct) — and requires identical squares share for share, the
// same kept transactions, and ParseSquare recovering every blob.
func TestSquareDifferential(t *testing.T) {
	cases := []struct {
		maxK, txs, maxBlob int
	}{
		{1, 3, 300}, {2, 4, 600}, {4, 8, 2000}, {8, 10, 5000}, {16, 20, 20000},
		{32, 30, 60000}, {64, 40, 200000}, {128, 60, 400000}, {256, 80, 1 << 20},
		{256, 6, 3000}, {128, 12, 40000}, {64, 200, 500},
	}
	for ci, c := range cases {
		seeds := 6
		if c.maxK >= 128 {
			seeds = 2
		}
		for seed := range seeds {
			t.Run(fmt.Sprintf("k=%d/seed=%d", c.maxK, seed), func(t *testing.T) {
				g := newSquareGen(uint64(ci*100+seed), 1+seed*3)
				txs := g.mix(t, c.txs+seed*5, c.maxBlob)

				qsq, qkept, err := blobs.Build(txs, c.maxK)
				if err != nil {
					t.Fatalf("quadrant Build: %v", err)
				}
				gsq, gkept, err := gosquare.Build(txs, c.maxK, blobs.SubtreeRootThreshold)
				if err != nil {
					t.Fatalf("go-square Build: %v", err)
				}
				sameSquare(t, "Build", qsq, gsq)
				sameTxs(t, "Build kept", qkept, gkept)
				t.Logf("k=%d, kept %d of %d txs", qsq.Size(), len(qkept), len(txs))

				csq, err := blobs.Construct(qkept, c.maxK)
				if err != nil {
					t.Fatalf("quadrant Construct of kept txs: %v", err)
				}
				gcsq, err := gosquare.Construct(gkept, c.maxK, blobs.SubtreeRootThreshold)
				if err != nil {
					t.Fatalf("go-square Construct: %v", err)
				}
				sameSquare(t, "Construct", csq, gcsq)
				if k, err := blobs.SquareSize(qkept, c.maxK); err != nil || k != csq.Size() {
					t.Fatalf("SquareSize = %d, %v; square is k=%d", k, err, csq.Size())
				}
				checkParsed(t, csq, qkept)

				// validator path on the unfiltered input: both refuse or both agree.
				_, qerr := blobs.Construct(txs, c.maxK)
				gall, gerr := gosquare.Construct(txs, c.maxK, blobs.SubtreeRootThreshold)
				if (qerr == nil) != (gerr == nil) {
					t.Fatalf("Construct of all txs: quadrant err %v, go-square err %v", qerr, gerr)
				}
				if qerr == nil {
					qall, _ := blobs.Construct(txs, c.maxK)
					sameSquare(t, "Construct all", qall, gall)
				}
			})
		}
	}
}

// TestSquareConstructOrderDifferential checks that both refuse an ordinary
// tx after a blob tx, and accept the same order otherwise.
func TestSquareConstructOrderDifferential(t *testing.T) {
	g := newSquareGen(7, 3)
	signer := ed25519.PrivKey(g.priv).PubKey().Address().Bytes()
	btx := g.blobTx(t, g.blob(1000, signer))
	normal := g.transfer(t)
	_, qerr := blobs.Construct([][]byte{btx, normal}, 8)
	_, gerr := gosquare.Construct([][]byte{btx, normal}, 8, 64)
	if qerr == nil || gerr == nil {
		t.Fatalf("ordinary tx after blob tx: quadrant err %v, go-square err %v; both must refuse", qerr, gerr)
	}
	q, qerr := blobs.Construct([][]byte{normal, btx}, 8)
	gq, gerr := gosquare.Construct([][]byte{normal, btx}, 8, 64)
	if qerr != nil || gerr != nil {
		t.Fatal(qerr, gerr)
	}
	sameSquare(t, "ordered", q, gq)
	// the empty block
	q, _ = blobs.Construct(nil, 8)
	gq, _ = gosquare.Construct(nil, 8, 64)
	sameSquare(t, "empty", q, gq)
}

// TestBlobSharesAndCommitmentDifferential compares blob share splitting and
// share commitments with go-square for many sizes and both share versions.
func TestBlobSharesAndCommitmentDifferential(t *testing.T) {
	g := newSquareGen(11, 4)
	signer := g.bytes(20)
	sizes := []int{1, 2, 457, 458, 459, 477, 478, 479, 959, 960, 961, 482*64 + 478, 482*64 + 479, 100000, 1 << 20}
	for range 40 {
		sizes = append(sizes, 1+g.rng.IntN(300000))
	}
	for _, size := range sizes {
		for _, v := range []uint8{0, 1} {
			b := &blobs.Blob{Namespace: g.nss[size%len(g.nss)], Data: g.bytes(size), ShareVersion: v}
			if v == 1 {
				b.Signer = signer
			}
			gb := toGoSquareBlob(t, b)
			qs, err := blobs.SplitBlob(b)
			if err != nil {
				t.Fatal(err)
			}
			gs, err := gb.ToShares()
			if err != nil {
				t.Fatal(err)
			}
			if len(qs) != len(gs) {
				t.Fatalf("size %d v%d: %d shares, go-square %d", size, v, len(qs), len(gs))
			}
			for i := range qs {
				if !bytes.Equal(qs[i][:], gs[i].ToBytes()) {
					t.Fatalf("size %d v%d: share %d differs", size, v, i)
				}
			}
			qc, err := blobs.CreateCommitment(b)
			if err != nil {
				t.Fatal(err)
			}
			gc, err := inclusion.CreateCommitment(gb, merkle.HashFromByteSlices, blobs.SubtreeRootThreshold)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(qc, gc) {
				t.Fatalf("size %d v%d: commitment %x, go-square %x", size, v, qc, gc)
			}
			parsed, err := blobs.ParseSparseShares(qs)
			if err != nil || len(parsed) != 1 || !bytes.Equal(parsed[0].Data, b.Data) {
				t.Fatalf("size %d v%d: parse back: %v", size, v, err)
			}
		}
	}
}

// TestEnvelopesDifferential checks that BlobTx and IndexWrapper encodings
// are byte-identical to go-square's and that both sides decode each
// other's output.
func TestEnvelopesDifferential(t *testing.T) {
	g := newSquareGen(13, 3)
	signer := g.bytes(20)
	for i := range 50 {
		var bs []*blobs.Blob
		var gbs []*gshare.Blob
		for range 1 + i%4 {
			b := g.blob(1+g.rng.IntN(3000), signer)
			bs = append(bs, b)
			gbs = append(gbs, toGoSquareBlob(t, b))
		}
		inner := g.bytes(i * 7) // includes the empty inner tx
		q, err := blobs.MarshalBlobTx(inner, bs...)
		if err != nil {
			t.Fatal(err)
		}
		gq, err := gtx.MarshalBlobTx(inner, gbs...)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(q, gq) {
			t.Fatalf("BlobTx %d: encodings differ", i)
		}
		if _, err := blobs.DecodeBlobTx(gq); err != nil {
			t.Fatalf("BlobTx %d: strict decode of go-square's encoding: %v", i, err)
		}
		idx := make([]uint32, 1+i%5)
		for j := range idx {
			idx[j] = g.rng.Uint32N(uint32(1) << (i % 32))
		}
		qi, _ := blobs.MarshalIndexWrapper(inner, idx...)
		gi, _ := gtx.MarshalIndexWrapper(inner, idx...)
		if !bytes.Equal(qi, gi) {
			t.Fatalf("IndexWrapper %d: encodings differ", i)
		}
		w, err := blobs.UnmarshalIndexWrapper(gi)
		if err != nil || !bytes.Equal(w.Tx, inner) || fmt.Sprint(w.ShareIndexes) != fmt.Sprint(idx) {
			t.Fatalf("IndexWrapper %d: decode: %v", i, err)
		}
	}
}

// FuzzBlobTxClassification checks that Quadrant classifies arbitrary bytes
// as a blob tx (or not) exactly when go-square does, which is what keeps
// the squares identical for arbitrary block contents.
func FuzzBlobTxClassification(f *testing.F) {
	g := newSquareGen(17, 2)
	signer := g.bytes(20)
	ok, _ := blobs.MarshalBlobTx([]byte("tx"), g.blob(100, signer))
	f.Add(ok)
	f.Add([]byte{0x1a, 4, 'B', 'L', 'O', 'B'})
	f.Add([]byte{0x1a, 4, 'B', 'L', 'O', 'B', 0x12, 0})
	f.Add(append([]byte{0x0b, 0x0c}, ok...))
	iw, _ := blobs.MarshalIndexWrapper([]byte("x"), 1, 2, 300)
	f.Add(iw)
	f.Fuzz(func(t *testing.T, b []byte) {
		qb, qis, qerr := blobs.UnmarshalBlobTx(b)
		_, gis, gerr := gtx.UnmarshalBlobTx(b)
		if qis != gis {
			t.Fatalf("isBlobTx: quadrant %v (%v), go-square %v (%v)", qis, qerr, gis, gerr)
		}
		if qis && qerr == nil && gerr != nil {
			t.Fatalf("quadrant accepts a blob tx go-square refuses: %v", gerr)
		}
		if qerr == nil && qb == nil {
			t.Fatal("nil blob tx without error")
		}
		qw, qwerr := blobs.UnmarshalIndexWrapper(b)
		gw, gok := gtx.UnmarshalIndexWrapper(b)
		if (qwerr == nil) != gok {
			t.Fatalf("IndexWrapper: quadrant err %v, go-square ok %v", qwerr, gok)
		}
		if gok && (!bytes.Equal(qw.Tx, gw.Tx) || fmt.Sprint(qw.ShareIndexes) != fmt.Sprint(gw.ShareIndexes)) {
			t.Fatalf("IndexWrapper decoded differently")
		}
	})
}

// TestGoSquareV1Miscount documents the one deliberate divergence: go-square
// v2.3.1 counts share-version-1 blobs without their signer, so for some
// sizes the share index it records is not where the blob starts; Quadrant's
// index points at the blob.
func TestGoSquareV1Miscount(t *testing.T) {
	g := newSquareGen(19, 2)
	signer := g.bytes(20)
	size := 470 // 458 < size ≤ 478: one share for go-square, two in truth
	if v1Safe(size) {
		t.Fatal("test size is not a miscounted size")
	}
	b1 := &blobs.Blob{Namespace: g.nss[0], Data: g.bytes(size), ShareVersion: 1, Signer: signer}
	b2 := &blobs.Blob{Namespace: g.nss[0], Data: g.bytes(100)}
	txs := [][]byte{g.blobTx(t, b1), g.blobTx(t, b2)}
	q, err := blobs.Construct(txs, 8)
	if err != nil {
		t.Fatal(err)
	}
	ps, err := blobs.ParseSquare(q)
	if err != nil {
		t.Fatalf("quadrant square does not parse: %v", err)
	}
	if len(ps.Blobs) != 2 {
		t.Fatalf("parsed %d blobs", len(ps.Blobs))
	}
	gq, err := gosquare.Construct(txs, 8, 64)
	if err != nil {
		t.Fatal(err)
	}
	wpfbs, err := gq.WrappedPFBs()
	if err != nil {
		t.Fatal(err)
	}
	w, _ := gtx.UnmarshalIndexWrapper(wpfbs[1])
	gi := int(w.ShareIndexes[0])
	if gi == ps.Blobs[1].Index {
		t.Fatalf("go-square records index %d like Quadrant; the miscount is gone, revisit the divergence note", gi)
	}
	if s := gq[gi]; s.IsSequenceStart() && s.SequenceLen() == 100 {
		t.Fatalf("go-square's index %d points at the blob after all", gi)
	}
}

// TestCompactSharesDifferential compares tx and pay-for-blob compact
// shares with go-square's CompactShareSplitter for unit sizes that end
// exactly on, just before and just after share boundaries, and with
// length varints split across shares.
func TestCompactSharesDifferential(t *testing.T) {
	g := newSquareGen(23, 1)
	sizes := []int{0, 1, 2, 126, 127, 128, 471, 472, 473, 474, 475, 476, 477, 478, 479, 480, 952, 953, 954, 955, 956, 16383, 16384, 16385}
	for first := range sizes {
		for _, second := range sizes {
			for _, third := range []int{1, 477, 3000} {
				txs := [][]byte{g.bytes(sizes[first]), g.bytes(second), g.bytes(third)}
				for _, ns := range []gshare.Namespace{gshare.TxNamespace, gshare.PayForBlobNamespace} {
					w := gshare.NewCompactShareSplitter(ns, 0)
					for _, tx := range txs {
						if err := w.WriteTx(tx); err != nil {
							t.Fatal(err)
						}
					}
					want, err := w.Export()
					if err != nil {
						t.Fatal(err)
					}
					got := blobs.SplitTxs(txs)
					if ns.IsPayForBlob() {
						got = blobs.SplitPayForBlobs(txs)
					}
					if len(got) != len(want) {
						t.Fatalf("sizes %d,%d,%d: %d shares, go-square %d", sizes[first], second, third, len(got), len(want))
					}
					for i := range got {
						if !bytes.Equal(got[i][:], want[i].ToBytes()) {
							t.Fatalf("sizes %d,%d,%d: share %d differs", sizes[first], second, third, i)
						}
					}
					back, err := blobs.ParseCompactShares(got)
					if err != nil || len(back) != 3 {
						t.Fatalf("sizes %d,%d,%d: parse back: %d txs, %v", sizes[first], second, third, len(back), err)
					}
				}
			}
		}
	}
}
