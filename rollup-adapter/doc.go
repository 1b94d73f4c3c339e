// Package rollupadapter lets existing rollup stacks post data to Quadrant and
// read it back with no code change. One core, the Adapter, talks to the node
// it runs in through the small Node interface (submit blobs through the
// per-account submission queue; read headers, namespace data and extended
// squares), and thin front-ends speak the wire protocols rollups already use:
//
//   - the Celestia-style node API (blob.*, header.*, share.*, das.*) with
//     celestia-node v0.28.4's method names, parameter order and JSON shapes
//     (CelestiaAPI);
//   - go-da v0.9.0's "da" JSON-RPC namespace (GoDA), with its error codes
//     32001–32008;
//   - the OP Stack Alt-DA HTTP server (AltDAServer);
//   - a Polygon CDK data-availability committee member (DACMember) that signs
//     a sequence only once its batch data is included on Quadrant, plus an
//     availability certificate with a Go verifier (VerifyCertificate).
//
// Layering: rollupadapter sits just below cmd/quadrant. It imports blobs, da,
// erasure and p2p for formats and proofs and consensus for the submission
// queue types; the concrete node (BridgeNode over a full node's store and a
// consensus node's queue) is wired in cmd/quadrant.
//
// Namespaces: go-da and Alt-DA callers do not (or cannot) choose a
// 29-byte namespace. A namespace that is empty or not exactly 29 bytes maps to
// Config.DefaultNamespace, so go-da's own test suite, which submits under
// "test" and reads with an empty namespace, passes.
//
// Submitting: every front-end submits through the Node, whose implementation
// must route each key's transactions through that account's single ordered
// queue (wallet.Submitters); concurrent callers on one key therefore never
// fail on "incorrect account sequence". Submit is synchronous: it returns once
// the transaction is included; a read of that height waits until this node
// has ingested it, so reading right after a Submit finds the blob.
// A blob that can never fit (over MaxBlobSize, derived from the max square
// size) is refused at once.
//
// Exposure: the JSON-RPC modules sit behind rpc's server (tokens, limits).
// The Alt-DA server and the DAC member serve HTTP themselves, bounded by
// Config.AltDA and Config.DAC: read, write and idle timeouts; the Alt-DA
// server refuses web pages (Origin, Sec-Fetch-Site, a Host name outside its
// allowlist), may require a token, limits puts per client and charges
// postings to a spending budget; the DAC member bounds bodies, calls per
// batch and answer bytes, and calls per client.
package rollupadapter
