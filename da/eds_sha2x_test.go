package da

import (
	"bytes"
	"crypto/sha256"
	"math/rand/v2"
	"testing"
)

func TestHashPairMatchesSHA256(t *testing.T) {
	rng := rand.New(rand.NewPCG(61, 62))
	for trial := 0; trial < 200; trial++ {
		la, lb := newLeafMsg(), newLeafMsg()
		ia, ib := newInnerMsg(), newInnerMsg()
		for i := 1; i < leafMsgLen; i++ {
			la[i], lb[i] = byte(rng.Uint32()), byte(rng.Uint32())
		}
		for i := 1; i < innerMsgLen; i++ {
			ia[i], ib[i] = byte(rng.Uint32()), byte(rng.Uint32())
		}
		var oa, ob [32]byte
		hashPair(oa[:], ob[:], la[:], lb[:], leafMsgLen)
		if wa, wb := sha256.Sum256(la[:leafMsgLen]), sha256.Sum256(lb[:leafMsgLen]); !bytes.Equal(oa[:], wa[:]) || !bytes.Equal(ob[:], wb[:]) {
			t.Fatalf("trial %d: leaf pair hash differs from crypto/sha256 (kernel %v)", trial, hasSHA2x)
		}
		hashPair(oa[:], ob[:], ia[:], ib[:], innerMsgLen)
		if wa, wb := sha256.Sum256(ia[:innerMsgLen]), sha256.Sum256(ib[:innerMsgLen]); !bytes.Equal(oa[:], wa[:]) || !bytes.Equal(ob[:], wb[:]) {
			t.Fatalf("trial %d: inner pair hash differs from crypto/sha256 (kernel %v)", trial, hasSHA2x)
		}
	}
}

func BenchmarkHashPairLeaf(b *testing.B) {
	la, lb := newLeafMsg(), newLeafMsg()
	var oa, ob [32]byte
	b.SetBytes(2 * leafMsgLen)
	for b.Loop() {
		hashPair(oa[:], ob[:], la[:], lb[:], leafMsgLen)
	}
}

func BenchmarkSHA256Leaf2(b *testing.B) {
	la, lb := newLeafMsg(), newLeafMsg()
	b.SetBytes(2 * leafMsgLen)
	for b.Loop() {
		_ = sha256.Sum256(la[:leafMsgLen])
		_ = sha256.Sum256(lb[:leafMsgLen])
	}
}
