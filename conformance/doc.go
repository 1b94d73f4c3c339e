// Package conformance drives a real `quadrant devnet`, started as separate
// processes from the binary built out of the main module, with the upstream
// rollup clients at pinned versions: ev-node's celestia-node JSON-RPC client,
// go-da's JSON-RPC proxy and test suite, the OP Stack Alt-DA DAClient and the
// Polygon CDK data-availability committee client.
//
// It is a separate Go module so that the clients' dependency graphs (go-ethereum
// via op-geth, cosmos libraries, ...) never leak into the shipped binary.
package conformance
