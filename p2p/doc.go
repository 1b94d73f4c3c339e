// Package p2p is Quadrant's network layer: the libp2p host (TCP and QUIC,
// a persistent identity in the node's home, bootstrap peers kept
// connected, connection-manager limits, peer scoring as the connection
// gater), the request/response protocols full nodes serve, their clients,
// and the gossipsub topics for new headers and bad-encoding fraud proofs.
//
// # Place in the layering
//
// p2p sits above da/erasure/blobs/sampling and below fullnode and
// lightnode (layering_test.go). Servers read through HeaderSource and
// SquareSource, declared here and implemented by the full node's store, so
// p2p never imports a node package. Clients verify what they receive
// against the header the caller trusts (da verification functions), so a
// caller never handles unverified square data unless it asks for it
// (Client.HalfAxisShares, for repair).
//
// # Lifecycle
//
// Every node part shares one lifecycle contract: New from a Config with
// DefaultConfig and Validate plus an Options struct of injected parts
// (logger, clock, Prometheus registry) — no setter after construction;
// Start(ctx), where ctx bounds only the start and the part runs until
// Close; Close, which stops and waits for everything Start started. The
// Server follows it (NewServer(ServerConfig, ServerOptions) → Start →
// Close), as do fullnode.Node and lightnode.Node; layering_test.go proves
// all three implement it. A Client starts no goroutine and so has only a
// constructor, NewClient(ClientConfig, ClientOptions). FetchTrusted
// (trust.go) is the one policy both node types use to anchor trust.
//
// # Protocols
//
// IDs are /quadrant/<chain-id>/<name>/v1. A request is one frame (big-endian
// u32 length, then the body) of a small fixed or bounded size; the
// requester then closes its write side. A response starts with one status
// byte — OK, NOT_FOUND, INVALID or INTERNAL, as celestia-node's share
// exchange — and only OK is followed by a payload:
//
//	header  req: kind u8 | form u8 | from u64 | count u16 (12 B)
//	        resp: u16 n | n × frame(header, light or extended encoding)
//	sample  req: height u64 | n u16 | n × (row u16 | col u16 | axis u8)
//	        resp: n × (status u8 | [frame(da.Sample)] if OK)
//	axis    req: height u64 | axis u8 | index u16 | half u8 (12 B)
//	        resp: frame(k shares)
//	nsdata  req: height u64 | namespace (37 B)
//	        resp: frame(NamespaceData)
//	square  req: height u64 (8 B)
//	        resp: frame(k u16 | k·k shares of the original square)
//	befp    req: empty
//	        resp: n u16 | n × frame(encoded fraud proof), lowest heights
//	        first, at most maxBEFPSyncCount proofs and maxBEFPSyncBytes;
//	        nodes ask every peer they connect to (BEFPSync), so a node
//	        that joins after a proof was gossiped still learns of it;
//	        proofs for heights below the node's trusted anchor are judged
//	        at once against the data root they claim, those for heights
//	        not verified yet wait in bounded slots (maxPendingBEFPs, at
//	        most maxPendingBEFPsPerPeer each), and a peer whose proof was
//	        dropped over those bounds is asked again once sync passes it
//
// Every handler has the go-libp2p shape: bounded read under a read
// deadline (slow peers are cut off) → request deadline from the context →
// decode and validate → Reset on error, Close on success. A request that
// does not decode is answered INVALID and lowers the sender's score; a peer
// whose score reaches the threshold is disconnected and refused for a
// while (Scorer). Per-protocol concurrency is bounded, and so are one
// peer's streams. Whole squares and namespace data (up to 32 MiB) are
// streamed from the source one row at a time, at most MaxBulkPerPeer
// streams per peer and BulkBudget bytes in all (bulkReplyBytes each);
// every write must progress within WriteTimeout. No handler trusts a
// length before checking it against the protocol's limit.
//
// # Gossip
//
// Topics /quadrant/<chain-id>/headers/v1 (light headers) and
// /quadrant/<chain-id>/befp/v1 (encoded fraud proofs). Validators supplied
// by the node verify a message before gossipsub relays it; an invalid one
// is rejected and its sender scored down; ErrIgnore drops without blame.
//
// # Discovery
//
// Configured bootstrap peers (protected from trimming, redialled when
// lost) plus gossipsub peer exchange; the chain's DHT is package discovery.
//
// # NAT traversal
//
// nat.go turns the [p2p] keys into go-libp2p options: an address factory
// (announce_addrs, no_announce_private), AutoNAT v1 and v2 service and v2
// client (nat_service), a circuit-v2 relay while public (relay_service),
// relay reservations while private or undecided (auto_relay, candidates
// from the bootstrap list and connected relays), DCUtR (hole_punching),
// UPnP/NAT-PMP (port_map, off) and a forced verdict (reachability). Light
// nodes keep hole punching only. On a devnet (loopback or private
// addresses) AutoNAT probes and hole punching never start, as they need
// public addresses, and no node serves as a relay, as that waits for
// AutoNAT to find it public.
package p2p
