// Package blobstream computes, in pure Go, what Quadrant's Blobstream-
// compatible contracts (contracts/src) check on chain: data commitments
// (the RFC-6962 root over a window's ABI-encoded DataRootTuples) with the
// tuple proofs an IDAOracle verifies, the digests validators sign (data
// commitments and validator-set checkpoints, EIP-191), validator-set hashes
// and power thresholds, and SharesProofs — the ABI shape of Blobstream's
// DAVerifier input — that prove a blob or share range of a Quadrant square
// against an attested data root.
//
// Every byte follows Celestia's Blobstream contracts, so a
// relayer or validium written for Blobstream reads these values unchanged.
// The types mirror the Solidity structs field for field but use Go integer
// types; contracts/bindings converts them to the abigen types.
//
// Place in the layering: blobstream imports blobs and da (square proofs,
// the RFC-6962 Merkle tree) and nothing that does I/O. It does not import
// go-ethereum, so consensus (which will sign data commitments) and the
// rollup adapter (which will serve SharesProofs) may use it while the light
// node stays free of go-ethereum; only contracts/bindings links it.
//
// Package blobstream is a library for other programs (a relayer or validium computing what the contracts check): its exported
// names are API whether or not Quadrant itself uses them, so api_test.go
// does not ask each of them for a user outside the package.
package blobstream
