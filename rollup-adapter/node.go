package rollupadapter

import (
	"context"
	"errors"

	"github.com/quadrant-da/quadrant/blobs"
	"github.com/quadrant-da/quadrant/da"
	"github.com/quadrant-da/quadrant/erasure"
	"github.com/quadrant-da/quadrant/p2p"
	"github.com/quadrant-da/quadrant/sampling"
	"github.com/quadrant-da/quadrant/wallet"
)

// Errors. Their messages contain the substrings rollup clients match on
// (celestia-node's and go-da's canonical messages), so they survive being
// wrapped and sent over JSON-RPC.
var (
	errBlobNotFound       = errors.New("rollupadapter: blob: not found")
	errHeaderNotFound     = errors.New("rollupadapter: header: not found")
	errFutureHeight       = errors.New("rollupadapter: given height is from the future")
	errTxTimedOut         = errors.New("rollupadapter: timed out waiting for tx to be included in a block")
	errTxAlreadyInMempool = errors.New("rollupadapter: tx already in mempool")
	errIncorrectSequence  = errors.New("rollupadapter: incorrect account sequence")
	errBlobTooLarge       = errors.New("rollupadapter: blob: over size limit")
	errTxTooLarge         = errors.New("rollupadapter: tx too large")
	errInvalidNamespace   = errors.New("rollupadapter: invalid namespace")
	errInvalidBlob        = errors.New("rollupadapter: invalid blob")
	errInvalidHeight      = errors.New("rollupadapter: invalid height: heights start at 1")
	errRejected           = errors.New("rollupadapter: transaction rejected")
	errEvicted            = errors.New("rollupadapter: transaction evicted")
	errUnknownSubmission  = errors.New("rollupadapter: unknown submission")
	errInvalidProof       = errors.New("rollupadapter: invalid proof")
	errInvalidConfig      = errors.New("rollupadapter: invalid config")
	errStopped            = errors.New("rollupadapter: adapter stopped")
)

// Node is what the Adapter needs from the node it runs in. The read methods
// are exactly those of *fullnode.Store (which therefore satisfies them); a
// bridge full node adds submission and the consensus head (see BridgeNode).
// Implementations must be safe for concurrent use.
type Node interface {
	// SubmitBlobs sends one pay-for-blobs transaction for req.Blobs,
	// signed by the requested key, through that account's ordered
	// submission queue, and returns once the transaction was admitted to
	// the mempool. A CheckTx refusal is a *wallet.RejectedError.
	SubmitBlobs(ctx context.Context, req submitRequest) (Submission, error)
	// NetworkHeight returns the height of the newest committed block of the
	// chain (which this node may not have ingested yet).
	NetworkHeight(ctx context.Context) (uint64, error)

	// HeadHeight returns the highest height this node can serve (0 if none).
	HeadHeight() uint64
	// Head returns the header of HeadHeight, or an error wrapping
	// p2p.ErrNotFound when the node holds nothing.
	Head(ctx context.Context) (*da.ExtendedHeader, error)
	// HeaderByHeight returns a verified extended header, or an error wrapping
	// p2p.ErrNotFound if the node does not hold that height.
	HeaderByHeight(ctx context.Context, height uint64) (*da.ExtendedHeader, error)
	// NamespaceData returns every share of ns at height with their namespace
	// proofs, one entry per original-square row whose root range contains
	// ns. The data must be trustworthy: read from the node's own verified
	// store, or verified against the header (p2p.Client.NamespaceData).
	NamespaceData(ctx context.Context, height uint64, ns da.Namespace) (*p2p.NamespaceData, error)
	// Square returns the extended square of height (for inclusion proofs).
	Square(ctx context.Context, height uint64) (*erasure.ExtendedSquare, error)
}

// headNotifier is implemented by nodes that tell when HeadHeight rises
// (*fullnode.Store, and BridgeNode over it): HeadChanged returns a channel
// closed at the next rise, or nil if the node cannot tell.
type headNotifier interface {
	HeadChanged() <-chan struct{}
}

// submitRequest is one pay-for-blobs submission.
type submitRequest struct {
	// KeyName selects the signing key; "" means the node's default key.
	KeyName string
	// SignerAddress, if set (hex or bech32-free 20-byte hex), selects the
	// key by its account address instead.
	SignerAddress string
	// GasPrice per unit of gas; 0 means the queue's configured price (the
	// chain minimum by default). Implementations that sign every
	// transaction of an account with one queue-wide price document that
	// they ignore it.
	GasPrice uint64
	Blobs    []*blobs.Blob
	// commitments, if set, are Adapter.Commit(Blobs), already computed
	// (and the blobs checked) by a front-end that verified the commitments
	// its caller sent; Adapter.submit then does not compute them again.
	commitments [][]byte
}

// Submission is one transaction going through a submission queue;
// *wallet.Submission satisfies it.
type Submission interface {
	Status() wallet.SubmissionStatus
	Wait(ctx context.Context) (wallet.SubmissionStatus, error)
}

// samplingStatsSource is implemented by nodes that sample (light nodes); for
// other nodes the Adapter reports the stats of a node that holds every square
// it serves (see CelestiaAPI's das.SamplingStats).
type samplingStatsSource interface {
	SamplingStats(ctx context.Context) (samplingStats, error)
}

// samplingStats is celestia-node's das.SamplingStats JSON shape, defined
// once in sampling.
type samplingStats = sampling.Stats

// samplingWorker is one catch-up worker's state in samplingStats.
type samplingWorker = sampling.WorkerStats
