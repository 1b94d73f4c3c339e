package blobs

import (
	"bytes"
	"errors"
	"testing"

	"github.com/quadrant-da/quadrant/da"
)

// testBlock builds a square with blobs in three namespaces (one v1 blob)
// and returns it extended, with the blobs.
func testBlock(t testing.TB, maxK int) (*ExtendedSquare, []*Blob) {
	t.Helper()
	priv := testKeys()[0]
	signer := priv.PubKey().Address().Bytes()
	bs := []*Blob{
		testBlob(t, 3, 5000), testBlob(t, 1, 100), testBlob(t, 3, 40),
		{Namespace: testNamespace(t, 2), Data: bytes.Repeat([]byte{4}, 2500), ShareVersion: 1, Signer: signer},
		testBlob(t, 1, 9000),
	}
	var txs [][]byte
	txs = append(txs, []byte("an ordinary tx"))
	for i := 0; i < len(bs); i += 2 {
		group := bs[i:min(i+2, len(bs))]
		inner, err := signedPFB(t, priv, group...).Marshal()
		if err != nil {
			t.Fatal(err)
		}
		raw, err := MarshalBlobTx(inner, group...)
		if err != nil {
			t.Fatal(err)
		}
		txs = append(txs, raw)
	}
	return extendTxs(t, txs, maxK), bs
}

// extendTxs constructs the square of txs (at most maxK wide) and extends it.
func extendTxs(t testing.TB, txs [][]byte, maxK int) *ExtendedSquare {
	t.Helper()
	sq, err := Construct(txs, maxK)
	if err != nil {
		t.Fatal(err)
	}
	x, err := sq.Extend()
	if err != nil {
		t.Fatal(err)
	}
	return x
}

func TestDataRootOfEmptySquare(t *testing.T) {
	root, _, err := EmptySquare().DataRoot()
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(root, da.EmptyDAHeader().Hash()) {
		t.Fatal("empty square's data root differs from da.EmptyDAHeader")
	}
}

func TestBlobProofs(t *testing.T) {
	x, bs := testBlock(t, 16)
	root := x.DAH.Hash()
	for i, b := range bs {
		c, err := CreateCommitment(b)
		if err != nil {
			t.Fatal(err)
		}
		got, p, err := x.ProveBlob(b.Namespace, c)
		if err != nil {
			t.Fatalf("blob %d: %v", i, err)
		}
		if !bytes.Equal(got.Data, b.Data) {
			t.Fatalf("blob %d: proved another blob", i)
		}
		if err := p.Verify(root, b, c); err != nil {
			t.Fatalf("blob %d: valid proof rejected: %v", i, err)
		}
		if err := p.VerifyCommitment(root, b.Namespace, c); err != nil {
			t.Fatalf("blob %d: valid proof rejected without the data: %v", i, err)
		}
		checkCommitmentMutations(t, p, root, b.Namespace, c)
		mutations := map[string]func() (*BlobProof, *Blob, []byte, []byte){
			"share data": func() (*BlobProof, *Blob, []byte, []byte) {
				d := append([]byte(nil), b.Data...)
				d[len(d)/2] ^= 1
				return p, &Blob{Namespace: b.Namespace, Data: d, ShareVersion: b.ShareVersion, Signer: b.Signer}, nil, root
			},
			"namespace": func() (*BlobProof, *Blob, []byte, []byte) {
				nb := *b
				nb.Namespace = testNamespace(t, 9)
				return p, &nb, nil, root
			},
			"commitment": func() (*BlobProof, *Blob, []byte, []byte) {
				cc := append([]byte(nil), c...)
				cc[0] ^= 1
				return p, b, cc, root
			},
			"data root": func() (*BlobProof, *Blob, []byte, []byte) {
				r := append([]byte(nil), root...)
				r[5] ^= 1
				return p, b, nil, r
			},
			"row root": func() (*BlobProof, *Blob, []byte, []byte) {
				q := cloneBlobProof(p)
				q.Rows[0].RowRoot[70] ^= 1
				return q, b, nil, root
			},
			"root proof aunt": func() (*BlobProof, *Blob, []byte, []byte) {
				q := cloneBlobProof(p)
				q.Rows[0].RootProof.Aunts[0][0] ^= 1
				return q, b, nil, root
			},
			"nmt node": func() (*BlobProof, *Blob, []byte, []byte) {
				q := cloneBlobProof(p)
				q.Rows[len(q.Rows)-1].Proof.Nodes[0][80] ^= 1
				return q, b, nil, root
			},
			"start": func() (*BlobProof, *Blob, []byte, []byte) {
				q := cloneBlobProof(p)
				q.Start++
				return q, b, nil, root
			},
			"dropped row": func() (*BlobProof, *Blob, []byte, []byte) {
				q := cloneBlobProof(p)
				q.Rows = q.Rows[:len(q.Rows)-1]
				return q, b, nil, root
			},
		}
		for name, m := range mutations {
			q, bb, cc, r := m()
			if name == "dropped row" && len(p.Rows) == 1 {
				continue
			}
			err := q.Verify(r, bb, cc)
			if !errors.Is(err, ErrInvalidProof) {
				t.Errorf("blob %d: %s altered: Verify = %v", i, name, err)
			}
		}
	}
	if _, _, err := x.ProveBlob(bs[0].Namespace, make([]byte, 32)); !errors.Is(err, ErrBlobNotFound) {
		t.Fatalf("unknown commitment: %v", err)
	}
}

// checkCommitmentMutations alters every part of a proof in turn and
// requires VerifyCommitment to fail.
func checkCommitmentMutations(t *testing.T, p *BlobProof, root []byte, ns da.Namespace, c []byte) {
	t.Helper()
	fail := func(what string, q *BlobProof, r []byte, ns da.Namespace, c []byte) {
		t.Helper()
		if err := q.VerifyCommitment(r, ns, c); !errors.Is(err, ErrInvalidProof) {
			t.Errorf("%s altered: VerifyCommitment = %v", what, err)
		}
	}
	for i := range p.SubtreeRoots {
		q := cloneBlobProof(p)
		q.SubtreeRoots[i][da.NodeSize-1] ^= 1
		fail("subtree root", q, root, ns, c)
	}
	q := cloneBlobProof(p)
	q.SubtreeRoots = q.SubtreeRoots[:len(q.SubtreeRoots)-1]
	fail("dropped subtree root", q, root, ns, c)
	for i := range p.Rows {
		for j := range p.Rows[i].Proof.Nodes {
			q := cloneBlobProof(p)
			q.Rows[i].Proof.Nodes[j][da.NodeSize-1] ^= 1
			fail("nmt node", q, root, ns, c)
		}
		q := cloneBlobProof(p)
		q.Rows[i].RowRoot[da.NodeSize-1] ^= 1
		fail("row root", q, root, ns, c)
	}
	q = cloneBlobProof(p)
	q.Start++
	fail("start", q, root, ns, c)
	bad := append([]byte(nil), c...)
	bad[0] ^= 1
	fail("commitment", p, root, ns, bad)
	badRoot := append([]byte(nil), root...)
	badRoot[0] ^= 1
	fail("data root", p, badRoot, ns, c)
	other := ns
	other[da.NamespaceSize-1] ^= 1
	fail("namespace", p, root, other, c)
}

func cloneBlobProof(p *BlobProof) *BlobProof {
	q := &BlobProof{SquareSize: p.SquareSize, Start: p.Start, SubtreeRoots: cloneAll(p.SubtreeRoots)}
	for _, r := range p.Rows {
		c := r
		c.RowRoot = append([]byte(nil), r.RowRoot...)
		c.RootProof.Aunts = cloneAll(r.RootProof.Aunts)
		c.Proof.Nodes = cloneAll(r.Proof.Nodes)
		q.Rows = append(q.Rows, c)
	}
	return q
}

func cloneAll(in [][]byte) [][]byte {
	out := make([][]byte, len(in))
	for i, b := range in {
		out[i] = append([]byte(nil), b...)
	}
	return out
}

func TestNamespaceProofs(t *testing.T) {
	x, bs := testBlock(t, 16)
	root := x.DAH.Hash()
	ps, err := ParseSquare(x.Square)
	if err != nil {
		t.Fatal(err)
	}
	check := func(ns da.Namespace, wantBlobs int) *NamespaceProof {
		t.Helper()
		p, err := x.ProveNamespace(ns)
		if err != nil {
			t.Fatal(err)
		}
		shares, err := p.Verify(root, ns)
		if err != nil {
			t.Fatalf("namespace %s: valid proof rejected: %v", ns, err)
		}
		got, err := ParseSparseShares(shares)
		if err != nil {
			t.Fatalf("namespace %s: %v", ns, err)
		}
		if len(got) != wantBlobs {
			t.Fatalf("namespace %s: %d blobs, want %d", ns, len(got), wantBlobs)
		}
		for j, pb := range ps.BlobsIn(ns) {
			if !bytes.Equal(got[j].Data, pb.Blob.Data) {
				t.Fatalf("namespace %s: blob %d differs", ns, j)
			}
		}
		return p
	}
	for _, ns := range []da.Namespace{bs[0].Namespace, bs[1].Namespace, bs[3].Namespace} {
		p := check(ns, len(ps.BlobsIn(ns)))
		// withholding a share, or a boundary, or altering a share fails
		if len(p.Rows) > 0 && len(p.Rows[0].Shares) > 1 {
			q := *p
			q.Rows = append([]NamespaceRowProof(nil), p.Rows...)
			q.Rows[0].Shares = q.Rows[0].Shares[1:]
			if _, err := q.Verify(root, ns); !errors.Is(err, ErrInvalidProof) {
				t.Errorf("withheld share accepted: %v", err)
			}
			q.Rows[0].Shares = cloneAll(p.Rows[0].Shares)
			q.Rows[0].Shares[0][100] ^= 1
			if _, err := q.Verify(root, ns); !errors.Is(err, ErrInvalidProof) {
				t.Errorf("altered share accepted: %v", err)
			}
		}
		if len(p.Rows) > 1 {
			q := *p
			q.Rows = p.Rows[:len(p.Rows)-1]
			if _, err := q.Verify(root, ns); !errors.Is(err, ErrInvalidProof) {
				t.Errorf("dropped last row accepted: %v", err)
			}
		}
		if _, err := p.Verify(root, testNamespace(t, 200)); !errors.Is(err, ErrInvalidProof) {
			t.Errorf("proof for %s accepted for another namespace: %v", ns, err)
		}
	}
	// absent namespaces: below, between and above the blobs
	for _, sub := range []byte{0, 2, 250} {
		ns := testNamespace(t, sub)
		if sub == 0 { // above the reserved namespaces, below every blob
			ns, _ = da.NewNamespaceV0([]byte{0, 0, 0, 0, 0, 0, 0, 0, 1, 0})
		}
		if sub == 2 {
			ns = testNamespace(t, 2)
			ns[da.NamespaceSize-1] = 7 // between namespace 2 and 3, absent
		}
		check(ns, 0)
	}
}

func TestNewExtendedSquareFromEDS(t *testing.T) {
	x, bs := testBlock(t, 8)
	for _, dah := range []*da.DAHeader{nil, x.DAH} {
		y, err := NewExtendedSquare(x.EDS, dah)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(y.Square.Bytes(), x.Square.Bytes()) || !y.DAH.Equal(x.DAH) {
			t.Fatal("rebuilt extended square differs")
		}
		c, _ := CreateCommitment(bs[1])
		_, p, err := y.ProveBlob(bs[1].Namespace, c)
		if err != nil {
			t.Fatal(err)
		}
		if err := p.Verify(x.DAH.Hash(), bs[1], c); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := NewExtendedSquare(x.EDS, da.EmptyDAHeader()); err == nil {
		t.Fatal("header of another width accepted")
	}
}
