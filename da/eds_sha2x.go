package da

import (
	"crypto/sha256"
	"encoding/binary"
)

// Two-lane SHA-256 for the fixed-size messages of the NMT: leaves
// (0x00 ‖ ns ‖ share, 542 bytes) and inner nodes (0x01 ‖ left ‖ right, 181
// bytes). The messages are laid out with their SHA-256 padding already in
// place, so a pair is hashed with one call of the two-lane kernel; where the
// kernel is not available the pair is hashed with crypto/sha256.

const (
	leafMsgLen  = 1 + NamespaceSize + ShareSize // 542
	leafBlocks  = (leafMsgLen + 9 + 63) / 64    // 9
	innerMsgLen = 1 + 2*NodeSize                // 181
	innerBlocks = (innerMsgLen + 9 + 63) / 64   // 3
	leafPadded  = leafBlocks * 64
	innerPadded = innerBlocks * 64
)

// leafMsg and innerMsg are padded message buffers.
type (
	leafMsg  [leafPadded]byte
	innerMsg [innerPadded]byte
)

// pad writes the SHA-256 padding of an n-byte message into buf (whose
// length is the padded length).
func pad(buf []byte, n int) {
	buf[n] = 0x80
	clear(buf[n+1 : len(buf)-8])
	binary.BigEndian.PutUint64(buf[len(buf)-8:], uint64(n)*8)
}

func newLeafMsg() *leafMsg {
	m := new(leafMsg)
	m[0] = LeafPrefix
	pad(m[:], leafMsgLen)
	return m
}

func newInnerMsg() *innerMsg {
	m := new(innerMsg)
	m[0] = NodePrefix
	pad(m[:], innerMsgLen)
	return m
}

var sha256IV = [8]uint32{
	0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
	0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
}

// hashPair writes sha256 of the first n bytes of a and of b into outA and
// outB (32 bytes each). a and b hold the padded messages (len(a) = len(b),
// a multiple of 64, padding for n bytes in place).
func hashPair(outA, outB, a, b []byte, n int) {
	if !hasSHA2x {
		sa, sb := sha256.Sum256(a[:n]), sha256.Sum256(b[:n])
		copy(outA, sa[:])
		copy(outB, sb[:])
		return
	}
	var st [16]uint32
	copy(st[:8], sha256IV[:])
	copy(st[8:], sha256IV[:])
	sha256x2Blocks(&st, &a[0], &b[0], len(a)/64)
	for i := 0; i < 8; i++ {
		binary.BigEndian.PutUint32(outA[4*i:], st[i])
		binary.BigEndian.PutUint32(outB[4*i:], st[8+i])
	}
}
