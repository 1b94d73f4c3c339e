package blobstream

import (
	"bytes"
	"errors"
	"testing"

	"github.com/quadrant-da/quadrant/blobs"
	"github.com/quadrant-da/quadrant/da"
)

func tuples(begin uint64, n int) []DataRootTuple {
	out := make([]DataRootTuple, n)
	for i := range out {
		out[i] = DataRootTuple{Height: begin + uint64(i), DataRoot: [32]byte{byte(i), 0xAA}}
	}
	return out
}

func TestDataCommitmentProofs(t *testing.T) {
	for _, n := range []int{1, 2, 3, 10, 100} {
		dc, err := NewDataCommitment(tuples(41, n))
		if err != nil {
			t.Fatal(err)
		}
		if dc.BeginHeight() != 41 || dc.EndHeight() != 41+uint64(n)-1 {
			t.Fatalf("window [%d, %d], want [41, %d]", dc.BeginHeight(), dc.EndHeight(), 41+n-1)
		}
		root := dc.Root()
		for h := dc.BeginHeight(); h <= dc.EndHeight(); h++ {
			tu, p, err := dc.Prove(h)
			if err != nil {
				t.Fatal(err)
			}
			if tu.Height != h || p.Key != h-41 || p.NumLeaves != uint64(n) {
				t.Fatalf("height %d: tuple %d, key %d of %d", h, tu.Height, p.Key, p.NumLeaves)
			}
			aunts := make([][]byte, len(p.SideNodes))
			for i := range p.SideNodes {
				aunts[i] = p.SideNodes[i][:]
			}
			mp := da.MerkleProof{Index: int(p.Key), Total: int(p.NumLeaves), Aunts: aunts}
			if err := mp.Verify(root[:], tu.Encode()); err != nil {
				t.Fatalf("height %d: %v", h, err)
			}
		}
		for _, h := range []uint64{40, 41 + uint64(n)} {
			if _, _, err := dc.Prove(h); !errors.Is(err, ErrDataCommitment) {
				t.Fatalf("height %d outside the window: err %v", h, err)
			}
		}
	}
}

func TestDataCommitmentRejectsBadWindows(t *testing.T) {
	gap := tuples(1, 5)
	gap[3].Height++
	dup := tuples(1, 5)
	dup[2].Height = 2
	for name, ts := range map[string][]DataRootTuple{
		"empty": nil, "gap": gap, "repeated height": dup, "too long": tuples(1, MaxWindow+1),
	} {
		if _, err := NewDataCommitment(ts); !errors.Is(err, ErrDataCommitment) {
			t.Errorf("%s: err %v, want ErrDataCommitment", name, err)
		}
	}
}

func TestTupleEncoding(t *testing.T) {
	got := DataRootTuple{Height: 0x0102030405060708, DataRoot: [32]byte{0xFF, 31: 0xEE}}.Encode()
	want := append(make([]byte, 24), 1, 2, 3, 4, 5, 6, 7, 8, 0xFF)
	want = append(want, make([]byte, 30)...)
	want = append(want, 0xEE)
	if !bytes.Equal(got, want) {
		t.Fatalf("encoding %x, want %x", got, want)
	}
}

func TestValidatorSets(t *testing.T) {
	a := func(b byte) [20]byte { return [20]byte{b} }
	vals := []Validator{{a(3), 10}, {a(2), 50}, {a(1), 10}, {a(4), 30}}
	SortValidators(vals)
	want := []Validator{{a(2), 50}, {a(4), 30}, {a(1), 10}, {a(3), 10}}
	for i := range want {
		if vals[i] != want[i] {
			t.Fatalf("sorted %v, want %v", vals, want)
		}
	}
	if th, err := PowerThreshold(vals); err != nil || th != 67 {
		t.Fatalf("threshold of 100 = %d (%v), want 67", th, err)
	}
	if th, _ := PowerThreshold([]Validator{{a(1), 30}, {a(2), 30}, {a(3), 30}}); th != 61 {
		t.Fatalf("threshold of 90 = %d, want 61 (exactly two thirds is not enough)", th)
	}
	bad := map[string][]Validator{
		"empty":      nil,
		"unsorted":   {{a(1), 10}, {a(2), 20}},
		"zero power": {{a(1), 10}, {a(2), 0}},
		"repeated":   {{a(1), 10}, {a(1), 10}},
		"overflow":   {{a(1), 1 << 62}},
	}
	for name, vs := range bad {
		if _, err := ValidatorSetHash(vs); !errors.Is(err, ErrValidatorSet) {
			t.Errorf("%s: err %v, want ErrValidatorSet", name, err)
		}
	}
}

func TestSignatureFromBytes(t *testing.T) {
	raw := make([]byte, 65)
	raw[0], raw[32], raw[64] = 1, 2, 1
	s, err := SignatureFromBytes(raw)
	if err != nil || s.V != 28 || s.R[0] != 1 || s.S[0] != 2 {
		t.Fatalf("got %+v, %v", s, err)
	}
	high := bytes.Clone(raw)
	high[32] = 0xFF
	badV := bytes.Clone(raw)
	badV[64] = 2
	for name, b := range map[string][]byte{"short": raw[:64], "high s": high, "v": badV} {
		if _, err := SignatureFromBytes(b); !errors.Is(err, ErrSignature) {
			t.Errorf("%s: err %v, want ErrSignature", name, err)
		}
	}
	vals := []Validator{{Address: [20]byte{1}}, {Address: [20]byte{2}}}
	got := AlignSignatures(vals, map[[20]byte]Signature{{2}: s})
	if got[0] != (Signature{}) || got[1] != s {
		t.Fatalf("aligned %v", got)
	}
}

func TestNewSharesProofChecksItsInputs(t *testing.T) {
	ns, err := da.NewNamespaceV0([]byte("blobstream"))
	if err != nil {
		t.Fatal(err)
	}
	sq, err := blobs.Construct([][]byte{bytes.Repeat([]byte("tx"), 600)}, 8)
	if err != nil {
		t.Fatal(err)
	}
	x, err := sq.Extend()
	if err != nil {
		t.Fatal(err)
	}
	att := AttestationProof{Tuple: DataRootTuple{Height: 1, DataRoot: [32]byte(x.DAH.Hash())}}
	p, err := NewSharesProof(x, 0, 2, att)
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Data) != 2 || p.Namespace != NamespaceFrom(da.TxNamespace()) || len(p.RowRoots) != len(p.ShareProofs) {
		t.Fatalf("unexpected proof shape: %d shares, namespace %v, %d rows", len(p.Data), p.Namespace, len(p.RowRoots))
	}
	wrongRoot := att
	wrongRoot.Tuple.DataRoot[0] ^= 1
	if _, err := NewSharesProof(x, 0, 2, wrongRoot); !errors.Is(err, ErrSharesProof) {
		t.Errorf("other data root: err %v", err)
	}
	if _, err := NewSharesProof(x, 0, len(x.Square), att); !errors.Is(err, ErrSharesProof) {
		t.Errorf("range over several namespaces: err %v", err)
	}
	if _, err := NewSharesProof(x, 3, 3, att); !errors.Is(err, ErrSharesProof) {
		t.Errorf("empty range: err %v", err)
	}
	if _, err := ProveBlob(x, ns, []byte("no such commitment"), att); !errors.Is(err, ErrSharesProof) {
		t.Errorf("missing blob: err %v", err)
	}
}
