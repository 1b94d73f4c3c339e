// Package blobs turns a block's transactions into Quadrant's original data
// square and back, and defines every byte format that lives inside that
// square: blobs, Quadrant's own signed transactions (pay-for-blobs and
// transfers), the BlobTx and IndexWrapper envelopes, the data-root
// transaction, share splitting and parsing, share commitments, square
// construction and the inclusion proofs a rollup needs.
//
// Place in the layering: blobs imports da (namespaces, shares, NMT hashing,
// DA header) and erasure (to extend a square for its data root); consensus,
// the full node and the rollup adapter import blobs. The package is pure: no
// clock, no randomness, no I/O, no goroutines.
//
// Compatibility. The square layout, share splitting, share commitments and
// the BlobTx/IndexWrapper protobuf envelopes are byte-for-byte those of
// Celestia's go-square v2.3.1 (checked share for share by the differential
// tests in the bench module). Decisions where Quadrant deliberately differs:
//
//   - Share version 1 blobs are counted with the 20-byte signer taken into
//     account (the first share holds 458 bytes, not 478). go-square v2.3.1
//     counts them like version 0, which for about 4% of sizes records a share
//     index one share too early and misaligns every later blob; Celestia
//     fixed this later. For every other blob the squares are identical.
//   - A BlobTx whose blobs use a reserved namespace is malformed (go-square
//     accepts it and builds a square whose namespaces are out of order).
//   - Build (the proposer path) drops a malformed BlobTx instead of failing
//     the whole square; Construct (the validator path) still fails on it.
//   - Compact shares are parsed with their sequence length, so an empty
//     transaction does not end the sequence early.
//
// Proofs. Square.Extend gives the extended square, DA header and data root
// (what the proposer writes into the data-root transaction). For a rollup,
// ExtendedSquare.ProveBlob returns a BlobProof: per row the blob spans, the
// NMT range proof of its shares and the row root's Merkle proof to the data
// root. ProveStoredBlob builds the same proof, byte for byte, from a full
// node's stored row trees (a RowReader) without the whole square.
// BlobProof.Verify checks it from the data root and the blob's data;
// BlobProof.VerifyCommitment from the data root and the share commitment
// alone (the blob's subtree roots are aligned nodes of the row trees),
// through CommitmentProof.Verify, the one verifier of that claim.
// ExtendedSquare.ProveNamespace returns all shares of a namespace with NMT
// completeness (or absence) proofs and the neighbouring rows' roots, so
// NamespaceProof.Verify needs only the data root.
//
// Transactions. The transaction inside a BlobTx (and every ordinary
// transaction) is Quadrant's own Tx: a deterministic, length-limited binary
// encoding starting with the magic "\x00QTX"; its zero first byte is never a
// valid protobuf tag, so a Tx is never mistaken for a BlobTx or an
// IndexWrapper. The data-root transaction (defined in da, re-exported here)
// starts with "QDRT" and can be confused with neither (see dataroot.go).
//
// Package blobs is a library for other programs (a rollup building or proving its blobs, or another implementation of the square): its exported
// names are API whether or not Quadrant itself uses them, so api_test.go
// does not ask each of them for a user outside the package.
package blobs
