// Package fullnode is Quadrant's full node: it ingests blocks (bridge mode,
// from a consensus node; or p2p mode, from other full nodes), rebuilds or
// repairs each extended square, checks it against the data root, stores it,
// serves it over p2p, and builds and gossips bad-encoding fraud proofs.
//
// # Place in the layering
//
// fullnode sits above p2p, sampling, blobs, da and erasure; it never imports
// lightnode or consensus (layering_test.go). Its Store implements the
// p2p.HeaderSource and p2p.SquareSource interfaces the p2p servers read
// through; cmd/quadrant wires the two together.
//
// # Store
//
// A go-datastore over Pebble (go-ds-pebble) in the node's home. Keys, with
// heights as 16 hex digits so key order is height order:
//
//	/hdr/<h>           extended header (da canonical encoding, DA header included)
//	/hash/<block hash> height (8 bytes) — headers by hash
//	/sq/<h>/r/<r>/<j>  shares 8j..8j+7 of row r of the extended square (4 KiB;
//	                   all four quadrants are stored)
//	/sq/<h>/t0/<r>     NMT inner nodes of row r, level by level up to the root
//	/sq/<h>/t1/<c>     NMT inner nodes of column c
//	/done/<h>          completion marker
//	/meta/head, /meta/tail  highest and lowest complete heights
//
// Why this layout (measured when the store was designed): a sample must be
// answered with a bounded number of reads in any quadrant and without
// rehashing a row (2k leaf hashes + 2k−1 inner hashes ≈ 100 µs at k=128,
// which alone would cap a core at ~10k samples/s). With the inner nodes
// stored, a sample's NMT proof is log₂(2k) stored nodes plus one hashed
// sibling leaf: reads are the chunk holding its share, its axis' tree
// record, and for a column proof the chunk holding its sibling — at most 3
// — plus the header, cached in memory with the Merkle proofs of all 4k axis
// roots to the data root (computed once per height). The sample path reads
// Pebble directly (zero-copy Get) and copies only the share and the proof
// nodes: whole-row values and go-datastore's copy of them capped loopback
// serving at ~3k samples/s, chunks at ~19k, zero-copy reads at ~55k. A half
// row is k/8 reads, a half column k, namespace data 2k/8 per row it spans
// (plus the chunks holding its shares, read again as they are streamed),
// the original square k²/8. Leaf nodes are not stored (one hash per sample
// rebuilds the sibling); inner nodes cost (2k−1)·90 bytes per axis, 4k
// axes: ≈ 35 % of the extended square, so the store holds ≈ 5.4× the
// original square per height (measured, random data, which Pebble cannot
// compress).
//
// Writes of one height go in one Pebble batch (atomic) whose last entry is
// the completion marker; reads check the marker before anything else, so a
// SIGKILL at any point leaves a height either absent or complete (tested by
// killing a writer process). Pruning keeps the retention window (block time
// ≥ now − Retention, default 30 days + 1 hour; the clock is a parameter),
// removes older heights oldest first, one batch per height, and never
// removes the head.
//
// Whole squares and namespace data are served streamed (OriginalRows,
// NamespaceRows): rows are read when the p2p server writes them, into one
// reused row buffer, so a response holds one row however large the square
// and however slowly the peer reads; namespace data takes two passes (the
// proof of every row, reading each whole row, then the namespace's shares
// row by row).
//
// # Node
//
// Node (node.go) wires one full node in one place: the Store, a libp2p
// p2p.Host, a p2p.Server reading the store through a layer that refuses
// every height a fraud proof condemned (serve.go), header and BEFP gossip,
// a p2p.Client, pruning on a timer (retention cut from the injected clock)
// and Prometheus metrics in a registry (metrics.go). Its work is split
// into parts that share the store and the p2p parts but keep their own
// state: the bridge (bridge mode) or the syncer (p2p mode) ingests, the
// fraudGuard keeps and judges fraud proofs, serving answers peers, and
// health (health.go) holds the alert that halts ingestion. The lifecycle
// is the one every node part shares (p2p's package doc): New(Config,
// Options) → Start(ctx), which returns at once (ctx bounds only the start)
// → Close, which cancels the one errgroup every loop runs in and waits for
// it. Configuration is a plain Config (config.go) loaded from
// <home>/fullnode.toml, with DefaultConfig and Validate.
//
// Bridge mode (bridge.go) follows a consensus node over CometBFT's RPC
// (CoreClient: the HTTP client, or the in-process one beside a validator).
// It always catches up by height from the store's head + 1, polling the
// latest height (and woken early by the consensus node's new-block events
// when it dialled the RPC itself), so a missed event cannot leave a gap. For each block,
// BuildBlock (build.go, pure) requires the last tx to be the only data-root
// tx, rebuilds the square from the other txs (blobs.Construct with the
// chain's max square size from the app's /params), extends it, and checks
// width and data root against the data-root tx and the tx's Merkle proof
// as the last leaf under Header.DataHash; the extended header (header +
// commit of that height + validator set + DA header) is verified against
// the stored previous one, stored, and its light form gossiped. A block
// whose txs and square disagree is a *blockDataError: ingestion halts with
// an ERROR alert (Status.Alert, quadrant_full_alerts_total,
// quadrant_full_ingestion_halted) and the height is never stored.
//
// P2P mode (sync.go) starts from the store's head, or from the configured
// trusted height and hash (p2p.FetchTrusted: a peer serving another hash is
// scored down; trust on first use only with trust_first_peer). It follows peers' heads (header gossip, plus a
// periodic head poll so a lost message only delays it), fetches header
// ranges and verifies each against the previous one, then fetches squares,
// Concurrency at a time, stored in height order: the whole original square
// from one peer (extended and checked by the client); if that square does
// not extend to the committed data root, both halves of every row are
// fetched unverified from several peers and repaired with da.RepairSquare.
// A *erasure.ErrByzantineData becomes a da.BadEncodingProof, verified
// before it is gossiped; if it does not verify a peer lied and the height
// is retried.
//
// Discovery (discovery.go): both modes join the chain's DHT as servers and
// advertise under the full-node rendezvous, so light nodes and other full
// nodes find them; the full nodes found are connected, so p2p mode syncs
// from them beside its bootstrap peers. Peers that p2p scoring penalises
// for invalid data, or blocks, are reported to discovery.Penalise.
// [discovery] in fullnode.toml; enabled = false keeps bootstrap peers only.
//
// Fraud proofs (fraud.go): the BEFP topic validator relays a proof only if
// it verifies against the data root of a header this node holds (stored or
// being fetched); anything else is rejected and its sender scored down by
// p2p. A valid proof, built or received, is kept in <home>/befp/, its
// height is never served again, and ingestion halts, also after restart.
package fullnode
