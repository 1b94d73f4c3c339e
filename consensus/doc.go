// Package consensus is Quadrant's CometBFT ABCI++ application. The in-process
// CometBFT node that runs it is package validator; what the application and
// its clients agree on (addresses, parameters, result codes, query shapes)
// is package chain; clients (keys, signing, the submission queue) are
// package wallet.
//
// The application (App: app*.go, state*.go, params.go, genesis.go,
// checktx.go, proposal*.go, index.go, staking*.go) keeps the consensus
// state — accounts with balance and sequence, the chain Params and the
// staking state — and decides which
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
//   - FinalizeBlock charges fees (gas limit × gas price, in full), bumps
//     sequences, applies transfers and staking messages, records where each
//     blob landed, then runs the staking state machine (endBlock) and
//     returns CometBFT validator updates; Commit writes all of it to the
//     on-disk store in one batch.
//
// Staking (staking*.go). Staking transactions (chain.StakeTx: the signed
// header of every transaction around create-validator, edit-validator,
// delegate, undelegate, unjail or withdraw-rewards) are ordinary
// transactions of the square.
// Validators are keyed by operator account; delegations hold shares of a
// validator's tokens, so slashing the tokens charges every delegator
// pro rata. Power = tokens ÷ power_reduction; the active set is the top
// max_validators by power (ties: lower consensus address). At the end of
// every block: equivocation evidence (Misbehavior) slashes the bond and the
// unbonding entries created at or after the infraction height, jails and
// tombstones; DecidedLastCommit feeds a per-validator ring of missed blocks
// and downtime jails and slashes; the block's fees go to the active set by
// power (commission to the operator at once, the rest through a reward-per-
// share accumulator with an exact remainder, collected by withdraw-rewards or
// when a delegation changes: F1-style, never a walk over delegators); matured unbonding
// entries are paid; the active set's difference from the last one leaves
// FinalizeBlock as validator updates (CometBFT applies them at H+2). If
// every validator would leave, the set is kept (CometBFT cannot run
// without one). The staking state is one app-hash leaf: the SHA-256 of its
// canonical JSON; it is stored as that JSON and rewritten by each Commit
// that changed it, which is linear in its size — fine for hundreds of
// validators and thousands of delegations, to be split into per-record
// keys when it grows.
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
// Not yet supported, and written down as later work: state sync snapshots,
// upgrades, key rotation and commission changes of a validator.
//
// Layering: consensus imports chain, blobs, da and erasure; of Quadrant's
// packages only validator (and cmd/quadrant) import it.
package consensus
