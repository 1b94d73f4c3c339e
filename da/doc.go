// Package da holds Quadrant's data-availability primitives: namespaces,
// shares, the namespaced Merkle tree (NMT) and its proofs, the DA header
// (row and column roots) and its data root, sample proofs and the
// bad-encoding fraud proof.
//
// Every byte follows Celestia's public specification, so for the same
// original square Quadrant computes the same row roots, column roots and data
// root as Celestia (the bench module's differential tests check it against
// Celestia's rsmt2d, nmt and go-square). The package is pure: no
// network, disk, wall clock or global state. It imports erasure (the 2D
// Reed–Solomon codec over raw shares) and is imported by blobs, sampling and
// everything above them.
//
// InnerNodes, InnerNodeIndex and RangeProofPositions define the record of an
// axis' NMT inner nodes that a full node stores, so that provers (blobs'
// ProveStoredBlob) assemble proofs from it instead of rehashing the axis.
//
// Package da is a library for other programs (a light client, a rollup or another implementation of the format): its exported
// names are API whether or not Quadrant itself uses them, so api_test.go
// does not ask each of them for a user outside the package.
package da
