// Package consensus is Quadrant's CometBFT ABCI++ application. The in-process
// CometBFT node that runs it is package validator; what the application and
// its clients agree on (addresses, parameters, result codes, query shapes)
// is package chain; clients (keys, signing, the submission queue) are
// package wallet.
//
// The application (App: app*.go, state*.go, genesis.go,
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
//   - PrepareProposal puts the attestation transaction, if any, first
//     (see Attestations below), orders the mempool by gas price, each signer's
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
// Attestations (attest*.go, chain.Attestation). Validators attest, for
// Blobstream-compatible contracts on Ethereum (contracts/, relay/), what
// the chain holds. Every data_commitment_window heights (genesis
// "attestation" params; default 100) FinalizeBlock adds a data commitment:
// the RFC-6962 root over ABI-encoded (height, data root) tuples of the
// window, the data root being each block's data-root transaction's. At the
// same boundary, if more than valset_change_bps (default 5 %) of normalised
// power moved between the last attested Ethereum set (active validators
// with a registered eth_address, CometBFT power, sorted by power desc)
// and the current one, a valset checkpoint follows it. One nonce counts
// both; nonce 0 is the genesis set, which deploys the contract. Each
// attestation is signed by the set of the last valset nonce below it
// (the outgoing set, for a checkpoint), with the validator's secp256k1
// key as an EIP-191 message over Blobstream's digest (package
// contracts/blobstream).
//
// Signatures travel in vote extensions: ExtendVote at height H signs the
// lowest incomplete attestations of the state after H−1 (at most
// maxExtensionEntries, maxVoteExtensionSize bytes); VerifyVoteExtension
// rejects an extension that does not decode or whose signatures are not
// the sender's registered address over an incomplete attestation it is to
// sign. The proposer of H+1 puts the signatures of the extended commit
// (votes for the block only) that may still be recorded into one
// attestation transaction, the block's first transaction. It is part of
// the square, laid out like any plain transaction in the transaction
// namespace — so every reader that rebuilds the square from all
// transactions but the last (full nodes, clients) gets the same data
// root — and at most one per block; CheckTx never admits one and
// ProcessProposal rejects one anywhere else. The data-root transaction
// stays the last and only one of its kind. ProcessProposal rejects the
// block unless every entry
// comes from a validator that voted for the previous block (its
// ProposedLastCommit) and verifies against the committed state; the
// Ethereum signature authenticates itself, so the CometBFT extension
// signature need not be carried. The attestation state (every attestation
// with its signatures, signer addresses and power; the current window's
// tuples) is one app-hash leaf, 0x04 ‖ SHA-256 of its JSON, and is served
// by the /attestation/<nonce> and /attestation/latest queries. It is
// rewritten by every Commit and grows by one entry per window: to be
// split into per-nonce keys and pruned below the contract's nonce later.
// A chain whose genesis validators registered no Ethereum address attests
// nothing.
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
// Layering: consensus imports chain, blobs, da, erasure and
// contracts/blobstream (and go-ethereum's crypto, to sign and recover
// attestation signatures); of Quadrant's
// packages only validator (and cmd/quadrant) import it.
package consensus
