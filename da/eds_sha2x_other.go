//go:build !amd64 || purego

package da

// hasSHA2x is false where no two-lane SHA-256 kernel exists; hashPair then
// hashes the two messages one after the other.
const hasSHA2x = false

func sha256x2Blocks(state *[16]uint32, a, b *byte, blocks int) {
	panic("da: sha256x2Blocks without a kernel")
}
