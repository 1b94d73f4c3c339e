// Package erasure is Quadrant's two-dimensional Reed–Solomon codec over raw
// shares: it extends a k×k original square to the 2k×2k extended square,
// computes axis roots through a small interface its consumer implements,
// and repairs partially known squares, reporting bad encodings with the
// evidence a fraud proof needs.
//
// # Place in the layering
//
// erasure is the leaf of Quadrant's import graph (the rules are stated and
// checked in layering_test.go at the repository root). It imports
// only klauspost/reedsolomon, golang.org/x/sync and the standard library. It
// knows nothing of namespaces or Merkle trees: axis roots are computed
// through Rooter, which package da implements with the namespaced Merkle
// tree, the same way rsmt2d declares its Tree interface. A share's leaf is
// the same in its row tree and its column tree, so a Rooter hashes each
// share once; one that also implements SquareRooter computes all roots of a
// square in one pass.
//
// # Compatibility
//
// The codec is byte-for-byte Celestia's (rsmt2d v0.15.1 with its Leopard
// codec): every axis is encoded with reedsolomon.New(k, k,
// reedsolomon.WithLeopardGF(true)), which works in GF(2^8) while 2k ≤ 256
// and in GF(2^16) above, and the extension fills Q1 from the rows of Q0, Q2
// from the columns of Q0 and Q3 from the rows of Q2. Because the code is
// linear, Q3 is the same whether it is computed from the rows of Q2 or from
// the columns of Q1; Extend uses the latter, which lets it encode many
// columns in one call (a run of adjacent columns is contiguous in a
// row-major square). The encoders are built without reedsolomon's inversion
// cache, which in v1.14.2 can return a wrong decoding when ReconstructData
// and Reconstruct calls share an encoder (see TestDecodeAxisManyPatterns);
// encoding is unaffected.
//
// # Repair
//
// Repair first decodes optimistically (adjacent columns with the same
// missing rows in one wide call, rows one by one), then checks the complete
// square once: re-encoding it and comparing all roots. Only when that check
// fails does it redo the repair axis by axis, the way rsmt2d does, to find
// the first faulty axis and the shares known before it was decoded — the
// evidence a bad-encoding fraud proof is built from.
//
// # Performance
//
// An ExtendedSquare is one contiguous row-major buffer of (2k)²·512 bytes;
// shares handed to the Reed–Solomon encoder are sub-slices of it, so the hot
// paths allocate no memory per share. Work is spread over GOMAXPROCS
// goroutines that pull batches of rows or columns from a shared counter, so a
// core busy with something else does not stall the whole computation.
// Encoders are built once per k and cached for the life of the process (a
// cache, not state: results do not depend on it).
//
// # Purity
//
// The package is pure: no I/O, clock, randomness or logging. Every function
// returns errors; none panics on input it is given.
//
// Package erasure is a library for other programs (any program extending or repairing a square): its exported
// names are API whether or not Quadrant itself uses them, so api_test.go
// does not ask each of them for a user outside the package.
package erasure
