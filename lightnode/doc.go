// Package lightnode is Quadrant's light node: the node someone runs at home
// to be confident that each block's data was published without downloading
// it.
//
// # Place in the layering
//
// lightnode sits above p2p, rpc, sampling and da; it never imports fullnode
// or consensus and does not link the consensus engine (layering_test.go).
// cmd/quadrant wires it into `quadrant light` and `quadrant devnet`.
//
// # Lifecycle
//
// New(Config, Options) → Start(ctx) → Close, the contract every node part
// shares (p2p's package doc): ctx bounds only the start (which waits for
// the trusted header), Close stops every goroutine and waits for it.
//
// # Trust and header sync
//
// The node starts from a trusted height and hash given by the operator: it
// fetches that light header from peers under p2p.FetchTrusted's policy
// (a peer serving another hash is scored down; never trust on first use),
// then follows the chain with light headers only (signed header, validator
// set, data-root tx and its proof; no DA header). Ranges come from the p2p
// header exchange and are verified header by header (da.LightHeader.Verify:
// adjacency, validator-set continuity, > 2/3 signatures, data-root tx →
// DataHash); the head comes from gossip (and polling) and, with
// SkipVerification, a head far ahead is verified by CometBFT's skipping rule
// so it can be sampled first; without it, a far head raises the sync target
// only if signed by the set the local head names as next
// (da.LightHeader.VerifyAhead). A polled far head that does not follow by
// itself because the validator set changed in between is verified by
// bisection (da.Bisect: pivots fetched from full-node peers, at most
// da.DefaultMaxBisectFetches per head; bisect.go) before it raises the
// target; gossip never triggers bisection. Peers serving invalid headers
// are scored down; the node never steps back. When its newest verified
// header is older than the trusting period (by default two thirds of the
// configured unbonding period, which must exceed it) it refuses to
// continue and asks for a new trusted hash (errTrustExpired). On restart a
// configured trusted header is checked against the stored one at its
// height; one the store does not hold is logged as not checked. Headers
// older than the sampling window plus headerRetentionMargin, once judged,
// are pruned (prune.go).
//
// # Sampling
//
// The DAS loop drives sampling.Scheduler: for each header, s distinct
// coordinates drawn from the node's private seed (<home>/sampling_seed,
// 0600), requested in parallel from several full nodes through
// p2p.Client.Samples, which verifies share → NMT proof → axis root → Merkle
// proof → data root of the verified light header. A header's plan
// (samplePlan, plan.go) spreads its coordinates over the connected full
// nodes, none asked for more than half when two or more are connected; a
// peer that fails, serves a bad proof or withholds a coordinate is dropped
// from that header's plan and the others are asked at once (not after the
// rest answered), and a peer still silent after a quarter of the request
// timeout has its coordinates asked of another as well — until the
// per-header deadline, then the header is reported unavailable (API, WARN log,
// metrics) and retried with backoff. So one honest reachable full node is
// enough. Full nodes come from the bootstrap peers and from discovery
// (discovery.go: the chain's DHT in client mode, [discovery] in light.toml,
// fed the peers p2p scoring penalises for invalid data or blocks).
// Verdicts carry the exact confidence reached. The checkpoint is stored so
// a restart samples nothing twice.
//
// # Fraud
//
// Bad-encoding fraud proofs arrive over gossip and are verified against the
// data root of their height; a valid one halts sampling for good, marks the
// chain fraudulent from that height (API, ERROR log, metrics, health check),
// and is persisted; an invalid one scores its sender down.
//
// # Storage and API
//
// Headers, the checkpoint and fraud proofs live in a go-datastore over Pebble
// under <home>/light-store. JSON-RPC (rpc package, JWT permissions): das.SamplingStats,
// das.Verdicts, das.Unavailable, header.LocalHead, header.NetworkHead,
// header.GetByHeight, header.SyncState, fraud.Status; Prometheus metrics on
// the RPC config's metrics address.
package lightnode
