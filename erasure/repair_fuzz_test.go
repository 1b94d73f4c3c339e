package erasure

import (
	"encoding/binary"
	"errors"
	"math/rand/v2"
	"testing"
)

// FuzzRepair feeds Repair arbitrary presence patterns and corrupted given
// shares on a k=4 square: it must never panic, must repair exactly when it
// succeeds, must succeed on every recoverable uncorrupted pattern, and must
// otherwise return ErrUnrecoverable or well-formed byzantine evidence.
func FuzzRepair(f *testing.F) {
	const k = 4
	const w = 2 * k
	rng := rand.New(rand.NewPCG(17, 18))
	eds, err := Extend(randOriginal(rng, k), k)
	if err != nil {
		f.Fatal(err)
	}
	rows, cols, err := Roots(eds, testRooter{})
	if err != nil {
		f.Fatal(err)
	}
	f.Add(uint64(0xFFFFFFFF00000000), []byte{})
	f.Add(^uint64(0), []byte{3, 1})
	f.Add(uint64(0x0F0F0F0F0F0F0F0F), []byte{9, 0x80, 40, 2})
	f.Add(uint64(0), []byte{})
	f.Fuzz(func(t *testing.T, mask uint64, corrupt []byte) {
		present := make([]bool, w*w)
		for i := range present {
			present[i] = mask>>i&1 == 1
		}
		given := append([]bool(nil), present...)
		sq := eds.Clone()
		corrupted := false
		for len(corrupt) >= 2 {
			pos, x := int(corrupt[0])%(w*w), corrupt[1]
			corrupt = corrupt[2:]
			sq.Share(pos/w, pos%w)[int(x)%ShareSize] ^= x | 1
			corrupted = corrupted || present[pos]
		}
		for i, p := range present {
			if !p { // unknown shares hold garbage
				binary.LittleEndian.PutUint64(sq.Share(i/w, i%w), mask^uint64(i))
			}
		}
		err := Repair(sq, present, rows, cols, testRooter{})
		var byz *ErrByzantineData
		switch {
		case err == nil:
			if !sq.Equal(eds) {
				t.Fatal("repair succeeded with a different square")
			}
		case errors.As(err, &byz):
			if !corrupted {
				t.Fatalf("byzantine error without corruption: %v", err)
			}
			if !byz.Axis.Valid() || byz.Index < 0 || byz.Index >= w || len(byz.Shares) != w {
				t.Fatalf("malformed evidence: %v", err)
			}
		case errors.Is(err, ErrUnrecoverable):
			if !corrupted && closure(given, k) {
				t.Fatal("recoverable pattern reported unrecoverable")
			}
		default:
			t.Fatalf("unexpected error: %v", err)
		}
		if !corrupted && closure(given, k) && err != nil {
			t.Fatalf("recoverable uncorrupted pattern failed: %v", err)
		}
	})
}
