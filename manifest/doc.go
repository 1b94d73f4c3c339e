// Package manifest reads and writes a network manifest: the one file a
// node needs to join a Quadrant network (issue 12).
//
// A manifest is JSON:
//
//	{
//	  "version": 1,
//	  "chain_id": "quadrant-devnet",
//	  "bootstrap": ["/ip4/203.0.113.7/tcp/2121/p2p/12D3KooW…"],
//	  "unbonding_period": "504h0m0s",
//	  "trusted_checkpoint": {"height": 1, "hash": "<64 hex digits>"}
//	}
//
// The bootstrap addresses are DHT entry points (package discovery), each
// with its /p2p/ peer id. The trusted checkpoint is a block (height and
// CometBFT block hash) a new light node anchors header verification at; the
// unbonding period bounds how long such a trust can last, and Join derives
// the light node's trusting period from it (two thirds, as CometBFT's light
// client recommends). Whoever publishes a manifest vouches for its
// checkpoint: a node that loads one trusts its publisher as it would trust
// a --trusted-hash flag.
//
// Parse is a bounded, strict decoder (size limit, no unknown fields, no
// trailing data, every field validated) and is fuzzed; Load reads a file
// through it and Write validates before it writes, atomically.
//
// # Place in the layering
//
// manifest imports only multiaddr/peer types from libp2p and nothing from
// Quadrant; cmd/quadrant turns Join's values into the p2p, discovery and
// lightnode configurations.
package manifest
