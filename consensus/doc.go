// Package consensus is Quadrant's CometBFT ABCI++ application. The in-process
// CometBFT node that runs it is package validator; what the application and
// its clients agree on (addresses, parameters, result codes, query shapes)
// is package chain; clients (keys, signing, the submission queue) are
// package wallet.
//
// The application (App: app*.go, state*.go, params.go, genesis.go,
// checktx.go, proposal*.go, index.go) keeps the consensus state — accounts
// with balance and sequence, and the chain Params — and decides which
// transactions enter a block and how the block's data square is laid out:
//
//   - CheckTx admits a transaction to the mempool only if it decodes, is
//     signed for this chain, carries the sender's next sequence (counting the
//     sender's transactions already admitted), pays at least the minimum gas
//     price for at least the gas it needs, can pay its fee, and — for a blob
//     transaction — its blobs use allowed namespaces, fit the square and match
//     their share commitments. A transaction that decodes as a data-root
//     transaction is always rejected.
//   - PrepareProposal orders the mempool by gas price, each signer's
//     transactions kept in sequence order, drops what is invalid or does not
//     fit the square (and the same signer's later transactions), builds the
//     square, extends it, computes the data root and appends one data-root
//     transaction last.
//   - ProcessProposal rejects a block unless its last transaction is the only
//     data-root transaction, every other transaction is valid in order, and
//     the square rebuilt from them has that data root and square size.
//   - FinalizeBlock charges fees (gas limit × gas price, in full; fees are
//     burned), bumps sequences, applies transfers and records where each blob
//     landed; Commit writes all of it to the on-disk store in one batch.
//
// Decision logic (validation, ordering, fee math, the app hash) consists of
// pure functions taking state and inputs as parameters; the App methods are
// the edge that locks, reads the datastore and logs.
//
// State lives in a go-datastore over Pebble. Commit writes a block's account
// changes, height, app hash and blob index entries atomically with a synced
// write, so after a crash at any point CometBFT's handshake (Info, then replay
// of blocks the app has not committed) restores the state with nothing lost
// or applied twice. The blob index (BlobRecord) lives in the same store under
// its own prefix but outside consensus state: the app hash commits only to
// accounts and params.
//
// Not yet supported, and written down as later work: validator set changes
// (the set is fixed at genesis), staking and rewards (fees are burned),
// evidence handling beyond CometBFT's own, state sync snapshots, upgrades.
//
// Layering: consensus imports chain, blobs, da and erasure; of Quadrant's
// packages only validator (and cmd/quadrant) import it.
package consensus
