package da

import (
	"bytes"
	"errors"
	"math/rand/v2"
	"testing"

	"github.com/quadrant-da/quadrant/erasure"
)

// corruptedSquare returns a square of original width k whose share (r, c)
// was flipped after extension, with the DA header committed over the
// corrupted square (what a malicious block producer would publish).
func corruptedSquare(t testing.TB, rng *rand.Rand, k, r, c int) (*erasure.ExtendedSquare, *DAHeader) {
	t.Helper()
	eds, err := erasure.Extend(randSortedOriginal(rng, k), k)
	if err != nil {
		t.Fatal(err)
	}
	eds.Share(r, c)[300] ^= 0x5A
	dah, err := ComputeDAHeader(eds)
	if err != nil {
		t.Fatal(err)
	}
	return eds, dah
}

func TestBEFPFromRepair(t *testing.T) {
	rng := rand.New(rand.NewPCG(31, 32))
	k := 8
	w := 2 * k
	for _, pos := range [][2]int{{k + 1, k + 2}, {2, k + 5}, {k + 7, 0}} {
		eds, dah := corruptedSquare(t, rng, k, pos[0], pos[1])
		for _, name := range []string{"complete", "parity quadrants"} {
			sq := eds.Clone()
			present := make([]bool, w*w)
			for i := range present {
				present[i] = name == "complete" || i/w >= k || i%w >= k
			}
			err := RepairSquare(sq, present, dah)
			var byz *erasure.ErrByzantineData
			if !errors.As(err, &byz) {
				t.Fatalf("%v %s: repair err %v, want ErrByzantineData", pos, name, err)
			}
			p, err := NewBadEncodingProof(7, dah, sq, present, byz)
			if err != nil {
				t.Fatalf("%v %s: %v", pos, name, err)
			}
			if err := p.Verify(dah.Hash()); err != nil {
				t.Fatalf("%v %s: proof of %s %d does not verify: %v", pos, name, p.Axis, p.Index, err)
			}
			enc, err := p.Marshal()
			if err != nil {
				t.Fatal(err)
			}
			q, err := UnmarshalBadEncodingProof(enc)
			if err != nil {
				t.Fatal(err)
			}
			enc2, err := q.Marshal()
			if err != nil || !bytes.Equal(enc, enc2) {
				t.Fatalf("re-encoding differs (%v)", err)
			}
			if err := q.Verify(dah.Hash()); err != nil {
				t.Fatalf("decoded proof does not verify: %v", err)
			}
			if q.Height != 7 || len(enc) > MaxBEFPSize {
				t.Fatalf("height %d, size %d (limit %d)", q.Height, len(enc), MaxBEFPSize)
			}
			if claimed, err := q.ClaimedDataRoot(); err != nil || !bytes.Equal(claimed, dah.Hash()) {
				t.Fatalf("claimed data root %x (%v), want the block's %x", claimed, err, dah.Hash())
			}
			// The same proof against another block's data root is refused.
			if err := q.Verify(EmptyDAHeader().Hash()); !errors.Is(err, ErrBEFP) || errors.Is(err, ErrBEFPHonestAxis) {
				t.Fatalf("proof accepted against another data root: %v", err)
			}
		}
	}
}

func TestBEFPAgainstCorrectSquare(t *testing.T) {
	rng := rand.New(rand.NewPCG(33, 34))
	k := 8
	w := 2 * k
	eds, err := erasure.Extend(randSortedOriginal(rng, k), k)
	if err != nil {
		t.Fatal(err)
	}
	dah, err := ComputeDAHeader(eds)
	if err != nil {
		t.Fatal(err)
	}
	for _, axis := range []erasure.Axis{erasure.Row, erasure.Col} {
		for _, idx := range []int{0, k - 1, k, w - 1} {
			// All the axis' shares, then k random ones: either way the axis
			// is correctly encoded and the proof must be refused.
			all := eds.Axis(axis, idx)
			some := make([][]byte, w)
			for _, j := range rng.Perm(w)[:k] {
				some[j] = all[j]
			}
			for _, shares := range [][][]byte{all, some} {
				byz := &erasure.ErrByzantineData{Axis: axis, Index: idx, Shares: shares}
				p, err := NewBadEncodingProof(1, dah, eds, nil, byz)
				if err != nil {
					t.Fatal(err)
				}
				if err := p.Verify(dah.Hash()); !errors.Is(err, ErrBEFPHonestAxis) {
					t.Fatalf("%s %d: err %v, want ErrBEFPHonestAxis", axis, idx, err)
				}
			}
		}
	}
}

func TestBEFPRejectsTampering(t *testing.T) {
	rng := rand.New(rand.NewPCG(35, 36))
	k := 4
	w := 2 * k
	eds, dah := corruptedSquare(t, rng, k, k+1, k+1)
	sq := eds.Clone()
	err := RepairSquare(sq, nil2all(w), dah)
	var byz *erasure.ErrByzantineData
	if !errors.As(err, &byz) {
		t.Fatalf("repair err %v", err)
	}
	good, err := NewBadEncodingProof(3, dah, sq, nil, byz)
	if err != nil {
		t.Fatal(err)
	}
	root := dah.Hash()
	if err := good.Verify(root); err != nil {
		t.Fatal(err)
	}
	enc, err := good.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	fresh := func() *BadEncodingProof {
		p, err := UnmarshalBadEncodingProof(enc)
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	tamper := map[string]func(p *BadEncodingProof){
		"share byte":      func(p *BadEncodingProof) { p.Shares[1].Share[40] ^= 1 },
		"perp root":       func(p *BadEncodingProof) { p.Shares[0].Root[60] ^= 1 },
		"nmt node":        func(p *BadEncodingProof) { p.Shares[2].Proof.Nodes[0][70] ^= 1 },
		"root aunt":       func(p *BadEncodingProof) { p.Shares[0].RootProof.Aunts[0][0] ^= 1 },
		"axis root":       func(p *BadEncodingProof) { p.AxisRoot[80] ^= 1 },
		"axis root aunt":  func(p *BadEncodingProof) { p.AxisRootProof.Aunts[1][3] ^= 1 },
		"other index":     func(p *BadEncodingProof) { p.Index = (p.Index + 1) % w },
		"other axis":      func(p *BadEncodingProof) { p.Axis = p.Axis.Perpendicular() },
		"too few shares":  func(p *BadEncodingProof) { p.Shares = p.Shares[:k-1] },
		"positions order": func(p *BadEncodingProof) { p.Shares[0], p.Shares[1] = p.Shares[1], p.Shares[0] },
		"width":           func(p *BadEncodingProof) { p.SquareWidth = 2 * w },
		"bad axis":        func(p *BadEncodingProof) { p.Axis = 7 },
		"short share":     func(p *BadEncodingProof) { p.Shares[0].Share = p.Shares[0].Share[:100] },
		"proof range":     func(p *BadEncodingProof) { p.Shares[0].Proof.End++ },
		"moved share": func(p *BadEncodingProof) {
			// A share proven at one position presented at another.
			p.Shares[0].Position, p.Shares[0].Root = p.Shares[1].Position-1, p.Shares[1].Root
		},
	}
	for name, f := range tamper {
		p := fresh()
		f(p)
		err := p.Verify(root)
		if err == nil || !errors.Is(err, ErrBEFP) {
			t.Errorf("%s: err %v, want a rejection wrapping ErrBEFP", name, err)
		}
		if errors.Is(err, ErrBEFPHonestAxis) {
			t.Errorf("%s: rejected as an honest axis, want a proof failure: %v", name, err)
		}
	}
	if err := fresh().Verify(root); err != nil {
		t.Fatalf("untampered copy: %v", err)
	}
}

func nil2all(w int) []bool {
	p := make([]bool, w*w)
	for i := range p {
		p[i] = true
	}
	return p
}

func TestNewBEFPNeedsProvableShares(t *testing.T) {
	rng := rand.New(rand.NewPCG(37, 38))
	k := 4
	w := 2 * k
	eds, dah := corruptedSquare(t, rng, k, 1, 1)
	row := eds.Row(1)
	byz := &erasure.ErrByzantineData{Axis: erasure.Row, Index: 1, Shares: row}
	// Only the bottom half is known: no column through row 1 is complete.
	present := make([]bool, w*w)
	for i := range present {
		present[i] = i/w >= k
	}
	if _, err := NewBadEncodingProof(1, dah, eds, present, byz); !errors.Is(err, ErrBEFP) {
		t.Fatalf("err %v, want ErrBEFP", err)
	}
	// Evidence that does not fit the square is refused.
	bad := &erasure.ErrByzantineData{Axis: erasure.Row, Index: w, Shares: row}
	if _, err := NewBadEncodingProof(1, dah, eds, nil, bad); !errors.Is(err, ErrBEFP) {
		t.Fatalf("err %v, want ErrBEFP", err)
	}
	if _, err := NewBadEncodingProof(1, EmptyDAHeader(), eds, nil, byz); !errors.Is(err, ErrBEFP) {
		t.Fatalf("err %v, want ErrBEFP", err)
	}
}

func TestUnmarshalBEFPRejects(t *testing.T) {
	rng := rand.New(rand.NewPCG(39, 40))
	k := 2
	eds, dah := corruptedSquare(t, rng, k, k, k)
	sq := eds.Clone()
	var byz *erasure.ErrByzantineData
	if err := RepairSquare(sq, nil2all(2*k), dah); !errors.As(err, &byz) {
		t.Fatalf("repair err %v", err)
	}
	p, err := NewBadEncodingProof(9, dah, sq, nil, byz)
	if err != nil {
		t.Fatal(err)
	}
	enc, err := p.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	cases := map[string][]byte{
		"empty":     nil,
		"truncated": enc[:len(enc)-1],
		"trailing":  append(append([]byte(nil), enc...), 0),
		"version":   append([]byte{2}, enc[1:]...),
		"oversized": make([]byte, MaxBEFPSize+1),
	}
	bad := append([]byte(nil), enc...)
	bad[10] = 3 // width 3
	cases["width"] = bad
	bad = append([]byte(nil), enc...)
	bad[11] = 2 // axis 2
	cases["axis"] = bad
	bad = append([]byte(nil), enc...)
	clear(bad[1:9]) // height 0: no block has it
	cases["height 0"] = bad
	for name, b := range cases {
		if _, err := UnmarshalBadEncodingProof(b); !errors.Is(err, ErrBEFP) {
			t.Errorf("%s: err %v, want ErrBEFP", name, err)
		}
	}
}

// TestBEFPClaimedDataRoot: a proof tampered with (a share, or the accused
// axis root) fails against the data root it claims itself, so a node
// without the block's header still tells it invalid; a height-0 proof is
// malformed.
func TestBEFPClaimedDataRoot(t *testing.T) {
	rng := rand.New(rand.NewPCG(43, 44))
	k := 4
	eds, dah := corruptedSquare(t, rng, k, 1, 2)
	sq := eds.Clone()
	var byz *erasure.ErrByzantineData
	if err := RepairSquare(sq, nil2all(2*k), dah); !errors.As(err, &byz) {
		t.Fatalf("repair err %v", err)
	}
	p, err := NewBadEncodingProof(3, dah, sq, nil, byz)
	if err != nil {
		t.Fatal(err)
	}
	enc, _ := p.Marshal()
	tamper := map[string]func(q *BadEncodingProof){
		"share":     func(q *BadEncodingProof) { q.Shares[1].Share[100] ^= 1 },
		"axis root": func(q *BadEncodingProof) { q.AxisRoot[len(q.AxisRoot)-1] ^= 1 },
		"share root": func(q *BadEncodingProof) {
			q.Shares[0].Root[len(q.Shares[0].Root)-1] ^= 1
		},
	}
	for name, fn := range tamper {
		q, err := UnmarshalBadEncodingProof(enc)
		if err != nil {
			t.Fatal(err)
		}
		fn(q)
		claimed, err := q.ClaimedDataRoot()
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if err := q.Verify(claimed); !errors.Is(err, ErrBEFP) {
			t.Fatalf("%s: tampered proof verifies against its own claimed root (%v)", name, err)
		}
	}
	q, _ := UnmarshalBadEncodingProof(enc)
	q.Height = 0
	if _, err := q.ClaimedDataRoot(); !errors.Is(err, ErrBEFP) {
		t.Fatalf("height 0: %v, want ErrBEFP", err)
	}
	if err := q.Verify(dah.Hash()); !errors.Is(err, ErrBEFP) {
		t.Fatalf("height 0 verified: %v", err)
	}
}

func FuzzUnmarshalBEFP(f *testing.F) {
	rng := rand.New(rand.NewPCG(41, 42))
	k := 2
	eds, dah := corruptedSquare(f, rng, k, 0, k)
	sq := eds.Clone()
	var byz *erasure.ErrByzantineData
	if err := RepairSquare(sq, nil2all(2*k), dah); !errors.As(err, &byz) {
		f.Fatalf("repair err %v", err)
	}
	p, err := NewBadEncodingProof(5, dah, sq, nil, byz)
	if err != nil {
		f.Fatal(err)
	}
	enc, err := p.Marshal()
	if err != nil {
		f.Fatal(err)
	}
	root := dah.Hash()
	f.Add(enc)
	f.Add(enc[:len(enc)/2])
	f.Add([]byte{1})
	f.Add(append([]byte{1}, make([]byte, befpHeaderSize)...))
	f.Fuzz(func(t *testing.T, b []byte) {
		p, err := UnmarshalBadEncodingProof(b)
		if err != nil {
			if !errors.Is(err, ErrBEFP) {
				t.Fatalf("error does not wrap ErrBEFP: %v", err)
			}
			return
		}
		again, err := p.Marshal()
		if err != nil || !bytes.Equal(again, b) {
			t.Fatalf("decoded proof does not re-encode to its input (%v)", err)
		}
		_ = p.Verify(root) // must not panic
	})
}
