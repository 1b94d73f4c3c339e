// Package sampling is the pure data-availability-sampling (DAS) logic of a
// light node: which shares to sample, what a set of samples proves, and the
// scheduler that decides which heights to sample when, with its checkpoint.
//
// # Place in the layering
//
// sampling imports only da, erasure and the standard library (the layering
// rules are stated and checked in layering_test.go at the repository root).
// It does no network or disk I/O, reads no clock and no OS randomness, and
// logs nothing: time and randomness are parameters. The light node is the
// driver: it fetches headers and samples over p2p (whose SampleRequest is the
// wire form of a batch of coordinates — sampling defines no messages of its
// own; p2p.Coord is an alias of Coord), stores the checkpoint, and logs and
// exports the verdicts.
//
// # Coordinates
//
// Coordinates derives s distinct coordinates of the 2k×2k square per header
// from a private 32-byte Seed, the height and the header hash:
// key = HMAC-SHA256(seed, "quadrant/das/coordinates/v1" ‖ height ‖ len ‖
// hash), block i = HMAC-SHA256(key, i); bounded draws by Lemire's method with
// rejection (unbiased); the s-subset by Floyd's algorithm, sorted row-major;
// the proof axis of each coordinate (row or column root) from the same
// stream, so both halves of the DA header's commitments are exercised. The
// seed is generated once from crypto/rand by the driver and kept in the
// node's home, never derived from the peer identity: full nodes cannot
// predict the coordinates, and a restarted node asks for the same ones
// (retries reveal nothing new). A golden test (TestCoordinatesGolden) pins
// the derivation to values computed by an independent implementation, which
// is not part of the repository.
//
// # Confidence
//
// An adversary must withhold at least W = (k+1)² of the N = 4k² shares to
// make a square unrecoverable. Samples are distinct, so the chance that s of
// them all miss the withheld set is hypergeometric: ∏_{i<s} (N−W−i)/(N−i),
// which is below the (3/4)^s approximation. MissProbability, Confidence and
// SamplesForConfidence use that exact product; tests check it against an
// exhaustive count and, by Monte-Carlo over the package's own coordinate
// choice, against a withheld (k+1)×(k+1) sub-square.
//
// # Scheduler
//
// Scheduler is an etcd-raft-style state machine: SetHead, Next(now), Admit,
// Done, Failed go in; jobs, Verdicts, Stats and a Checkpoint come out.
// Decisions:
//   - A new network head is handed out first, as a "recent" job, on up to
//     RecentWorkers extra workers; if none is free it waits, and a newer head
//     replaces it (the older one is caught up).
//   - Catch-up hands out ranges of at most CatchUpRange heights in
//     ascending order to at most Workers workers (shared with retries); each
//     worker samples its range one height at a time, skipping heights
//     already decided, in flight or failed. A gap shorter than the free
//     workers' share of CatchUpRange is split evenly over them (a gap of six
//     heights with six free workers is six one-height ranges), so headers
//     that arrive together are sampled in parallel. Retries of failed
//     heights come before new ranges.
//   - Done with no failed coordinate decides a height available. Any failed
//     coordinate (the driver has already retried it with other peers until
//     its deadline) gives an "unavailable" verdict listing the coordinates,
//     and the height is retried with exponential backoff (RetryBase doubling
//     to RetryMax), forever: withholding may end, and retrying the same
//     coordinates tells peers nothing new. Failed (no verdict: header not
//     found, no peers, shutdown) retries the same way. Stats.Failed maps each
//     such height to its attempts, as celestia-node does.
//   - The window: Admit gives each job's header time; a header older than
//     Window at now is not sampled, and because header times only grow with
//     height, neither is any undecided height below it. Those heights get
//     StatusOutOfWindow verdicts (one per contiguous run) — never a silent
//     skip. Failed heights whose header time leaves the window, or a head
//     that is itself too old, are expired the same way by Next.
//   - Halt (a valid bad-encoding fraud proof) stops all new jobs.
//
// # Checkpoint
//
// The checkpoint is {sampled-up-to height, decided ranges above it, failed
// heights with attempts}, with a canonical, versioned varint encoding
// (UnmarshalCheckpoint rejects every other encoding; fuzzed). Decided
// heights are kept as ranges so the checkpoint stays small however far a
// failed height holds back the contiguous head. Heights in flight are not
// recorded, so they are sampled again after a restart; nothing decided is.
//
// # Stats
//
// Stats has the JSON shape of celestia-node's das.SamplingStats
// (head_of_sampled_chain, head_of_catchup, network_head_height, failed,
// workers [{job_type, current, from, to, error}], concurrency,
// catch_up_done, is_running), with the same job type names, plus an
// optional "quadrant" object of notes. It is the one stats type: the light
// node's API and the rollup adapter's das module both return it. Here
// head_of_sampled_chain counts out-of-window heights as decided, and
// is_running means "not halted" (a driver that is not started overrides it).
//
// Package sampling is a library for other programs (another light client sampling Quadrant): its exported
// names are API whether or not Quadrant itself uses them, so api_test.go
// does not ask each of them for a user outside the package.
package sampling
