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

// pairHasher holds the padded message buffers and digests for hashing NMT
// leaves and inner nodes two at a time.
type pairHasher struct {
	leafA, leafB   *leafMsg
	innerA, innerB *innerMsg
	digA, digB     [HashSize]byte
}

func newPairHasher() pairHasher {
	return pairHasher{leafA: newLeafMsg(), leafB: newLeafMsg(), innerA: newInnerMsg(), innerB: newInnerMsg()}
}

// joinPair writes the parent of (lA, rA) to outA and of (lB, rB) to outB.
// Outputs may alias inputs.
func (h *pairHasher) joinPair(outA, lA, rA, outB, lB, rB []byte) {
	copy(h.innerA[1:], lA[:NodeSize])
	copy(h.innerA[1+NodeSize:], rA[:NodeSize])
	copy(h.innerB[1:], lB[:NodeSize])
	copy(h.innerB[1+NodeSize:], rB[:NodeSize])
	hashPair(h.digA[:], h.digB[:], h.innerA[:], h.innerB[:], innerMsgLen)
	setParent(outA, h.innerA[1:1+2*NodeSize], h.digA[:])
	setParent(outB, h.innerB[1:1+2*NodeSize], h.digB[:])
}

// subtreeRoot hashes the n nodes in buf (n a power of two; overwritten)
// level by level up to their root, two parents at a time, and returns the
// root (the first node of buf).
func (h *pairHasher) subtreeRoot(buf []byte, n int) []byte {
	for ; n > 1; n /= 2 {
		half := n / 2
		j := 0
		for ; j+1 < half; j += 2 {
			h.joinPair(node(buf, j), node(buf, 2*j), node(buf, 2*j+1), node(buf, j+1), node(buf, 2*j+2), node(buf, 2*j+3))
		}
		if j < half {
			var tmp [NodeSize]byte
			hashNodeUnchecked(tmp[:0], node(buf, 2*j), node(buf, 2*j+1))
			copy(node(buf, j), tmp[:])
		}
	}
	return node(buf, 0)
}

// AppendLeafNodes appends to dst the NMT leaf node of each share of
// namespace ns, as HashLeaf(dst, ns, share) share after share would,
// hashing two ShareSize shares at a time.
func AppendLeafNodes(dst []byte, ns Namespace, shares [][]byte) []byte {
	h := newPairHasher()
	copy(h.leafA[1:], ns[:])
	copy(h.leafB[1:], ns[:])
	for i := 0; i < len(shares); {
		if i+1 == len(shares) || len(shares[i]) != ShareSize || len(shares[i+1]) != ShareSize {
			dst = HashLeaf(dst, ns, shares[i])
			i++
			continue
		}
		copy(h.leafA[1+NamespaceSize:], shares[i])
		copy(h.leafB[1+NamespaceSize:], shares[i+1])
		hashPair(h.digA[:], h.digB[:], h.leafA[:], h.leafB[:], leafMsgLen)
		for _, d := range [][]byte{h.digA[:], h.digB[:]} {
			dst = append(dst, ns[:]...)
			dst = append(dst, ns[:]...)
			dst = append(dst, d...)
		}
		i += 2
	}
	return dst
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
