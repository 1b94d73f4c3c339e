// Package relay carries Quadrant's attestations to a Blobstream-compatible
// contract on an Ethereum chain (contracts/src/QuadrantBlobstream.sol).
//
// The validators sign every data commitment and validator-set checkpoint
// through vote extensions and record the signatures in consensus state
// (consensus/attest*.go); any node serves them by nonce
// ("/attestation/<nonce>" ABCI query). The Relay reads the contract's
// state_eventNonce, fetches the next nonce's attestation once its
// signatures reach the signing set's threshold, and submits it —
// submitDataRootTupleRoot or updateValidatorSet, with the signing set and
// one signature per member — then reads the nonce again. The contract's
// nonce is the only progress record, so the relay is idempotent, resumes
// after a restart, never skips a nonce (it only ever submits contract
// nonce + 1) and never lands one twice (the contract accepts only that
// nonce). A failing call or RPC is retried with exponential backoff.
//
// Place in the layering: relay imports chain (the attestation JSON),
// contracts/blobstream and contracts/bindings (encodings, the generated
// bindings and thereby go-ethereum) and CometBFT's RPC client; it never
// links the consensus engine, and only cmd/quadrant imports it.
package relay
