package consensus

import (
	"bytes"
	"testing"

	"github.com/quadrant-da/quadrant/blobs"
	"github.com/quadrant-da/quadrant/da"
	"github.com/quadrant-da/quadrant/erasure"
)

// naiveDataRoot is the oracle: extend, then one NMT per row and per column
// from scratch (every share hashed twice), then the Merkle root of the roots.
func naiveDataRoot(t *testing.T, sq blobs.Square) []byte {
	t.Helper()
	k := sq.Size()
	var buf []byte
	for i := range sq {
		buf = append(buf, sq[i][:]...)
	}
	eds, err := erasure.Extend(buf, k)
	if err != nil {
		t.Fatal(err)
	}
	var roots [2][][]byte
	for _, ax := range []erasure.Axis{erasure.Row, erasure.Col} {
		for i := range 2 * k {
			leaves, err := da.AxisLeafNodes(ax, i, eds.Axis(ax, i))
			if err != nil {
				t.Fatal(err)
			}
			root, err := da.RootFromLeafNodes(leaves)
			if err != nil {
				t.Fatal(err)
			}
			roots[ax] = append(roots[ax], root)
		}
	}
	return da.MerkleRoot(append(roots[erasure.Row], roots[erasure.Col]...))
}

func TestSquareDataRoot(t *testing.T) {
	empty, err := squareDataRoot(nil)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(empty, da.EmptyDAHeader().Hash()) {
		t.Fatal("data root of no square differs from the empty DA header's")
	}
	built, _, err := blobs.Build(nil, 64)
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := squareDataRoot(built); !bytes.Equal(got, empty) {
		t.Fatal("data root of the square built from no txs differs from the empty DA header's")
	}
	txs := [][]byte{
		transferTx(t, alice, 0, bob.addr, 1),
		pfbTx(t, alice, 1, []*blobs.Blob{testBlob(t, 1, 5000), testBlob(t, 2, 100)}),
		pfbTx(t, bob, 0, []*blobs.Blob{testBlob(t, 1, 40000)}),
	}
	for n := range txs {
		sq, err := blobs.Construct(txs[:n+1], 128)
		if err != nil {
			t.Fatal(err)
		}
		got, err := squareDataRoot(sq)
		if err != nil {
			t.Fatal(err)
		}
		if want := naiveDataRoot(t, sq); !bytes.Equal(got, want) {
			t.Fatalf("%d txs (k=%d): data root %X, naive oracle %X", n+1, sq.Size(), got, want)
		}
	}
	// The reused buffer now holds the largest square: a smaller one
	// extended over its leftovers still gets the oracle's root.
	sq, err := blobs.Construct(txs[:1], 128)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := mustRoot(t, sq), naiveDataRoot(t, sq); !bytes.Equal(got, want) {
		t.Fatalf("small square after a large one: data root %X, naive oracle %X", got, want)
	}
}

func mustRoot(t *testing.T, sq blobs.Square) []byte {
	t.Helper()
	root, err := squareDataRoot(sq)
	if err != nil {
		t.Fatal(err)
	}
	return root
}

// The light node reads the data-root tx with da's decoder; it must agree
// with the encoder the proposer uses.
func TestDataRootTxReadableByDA(t *testing.T) {
	root := bytes.Repeat([]byte{7}, 32)
	raw, err := (&blobs.DataRootTx{DataRoot: root, SquareSize: 64}).Marshal()
	if err != nil {
		t.Fatal(err)
	}
	d, err := da.DecodeDataRootTx(raw)
	if err != nil {
		t.Fatalf("da cannot decode the proposer's data-root tx: %v", err)
	}
	if !bytes.Equal(d.DataRoot, root) || d.SquareSize != 64 {
		t.Fatalf("da decodes %+v", d)
	}
	if !da.IsDataRootTx(raw) {
		t.Fatal("da.IsDataRootTx is false for the proposer's data-root tx")
	}
}
