// Package validator runs a Quadrant consensus node: CometBFT in process with
// Quadrant's application (package consensus) as its local ABCI client, its
// configuration (NodeConfig, the TOML file under a node home, the derived
// CometBFT config) and genesis files, and Quadrant's core API (package
// coreapi) on rpc.grpc_listen_address, through which bridges fetch committed
// blocks and wallets submit transactions in binary.
//
// A validator home may hold an Ethereum attestation key (EthKeyPath,
// written by quadrant init; its address is what a genesis validator or
// create-validator registers as eth_address): NewNode hands it to the
// application, which signs the chain's attestations with it in vote
// extensions (consensusParams turns them on from height 1).
//
// With the app mempool (the default), pending transactions spread between
// consensus nodes through Quadrant's transaction relay (txrelay.go), a
// CometBFT reactor on its own channel: a node announces the keys of the
// transactions it admits, a peer asks for those it lacks from the first
// announcer and gets each once. CometBFT's own mempool broadcast is off.
//
// Node follows the lifecycle of every Quadrant node part: NewNode builds it
// (opening the application's store and replaying blocks it has not applied),
// Start starts CometBFT and the core API, Stop stops both and waits.
//
// Layering: validator is the only package besides cmd/quadrant that links the
// consensus engine; validatortest runs single-validator chains for the tests
// of the packages above it.
package validator
