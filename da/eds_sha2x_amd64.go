//go:build amd64 && !purego

package da

import "github.com/klauspost/cpuid/v2"

// hasSHA2x reports whether sha256x2Blocks can run: it needs the SHA
// extensions and SSSE3/SSE4.1.
var hasSHA2x = cpuid.CPU.Supports(cpuid.SHA, cpuid.SSSE3, cpuid.SSE4)

// sha256x2Blocks runs the SHA-256 compression function over blocks 64-byte
// blocks of a and, independently, of b, updating state[0:8] (lane a) and
// state[8:16] (lane b), each in the usual H0..H7 order.
//
//go:noescape
func sha256x2Blocks(state *[16]uint32, a, b *byte, blocks int)
