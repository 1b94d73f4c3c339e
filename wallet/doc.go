// Package wallet is the client side of a Quadrant chain: account keys and the
// on-disk keyring, building and signing transactions, the per-account
// submission queue (Submitter, Submitters) and the chain queries it needs.
//
// A Submitter reads the chain through CometBFT's RPC (ChainClient: status,
// ABCI queries, block results) and puts transactions into a validator's
// mempool in binary through the validator's core API (Mempool, satisfied by
// coreapi.Client). It classifies every answer by code — CometBFT's refusal
// (coreapi.Refusal) first, then CheckTx's code (chain.Code*) — and recovers
// from a sequence mismatch with the structured field alone
// (chain.ExpectedSequence); it never parses message text.
//
// Layering: wallet imports chain, coreapi, blobs and da, never the
// application (consensus) nor the engine (validator, cometbft/node, state,
// mempool, consensus): layering_test.go checks it.
package wallet
