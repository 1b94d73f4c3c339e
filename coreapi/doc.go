// Package coreapi is Quadrant's binary API between a validator process and
// the programs that feed it or read from it: the bridge full node fetching
// committed blocks, and wallets submitting transactions.
//
// It is a gRPC service (Service, "quadrant.core.v1.Core") whose messages are
// raw bytes rather than protobuf-encoded structures: a block travels as
// CometBFT's own protobuf encoding of the block, read from the block store
// as stored (its block parts concatenated), and a transaction travels as the
// transaction's bytes. Nothing is base64-encoded or decoded by reflection,
// which is what made CometBFT's JSON-RPC cost about 12× the CPU per block
// and about a fifth of a validator's CPU when it carried multi-MiB
// transactions.
//
// Methods:
//
//   - Block(height) returns the committed block at height as its BlockID and
//     its protobuf encoding. A height the store no longer (or not yet) holds
//     is codes.NotFound; height 0 is codes.InvalidArgument, which is also
//     how Client.Check tells that the service is there.
//   - Submit(tx) checks tx into the validator's mempool and answers with a
//     SubmitResult: either CheckTx's own result (code, data, log) or, when
//     CometBFT refused the transaction before the application saw it, a
//     Refusal code (already in the cache, too large, mempool full, node
//     catching up). Callers classify results by these codes alone.
//
// The server side (Service, Backend) is wired by the validator node; the
// client side (Dial, Client) links no consensus-engine code beyond
// CometBFT's block types. Layering: coreapi imports no Quadrant package.
package coreapi
