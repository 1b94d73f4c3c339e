package rollupadapter

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/quadrant-da/quadrant/blobs"
	"github.com/quadrant-da/quadrant/chain"
	"github.com/quadrant-da/quadrant/da"
	"github.com/quadrant-da/quadrant/p2p"
	"github.com/quadrant-da/quadrant/wallet"
)

// Config configures an Adapter.
type Config struct {
	// DefaultNamespace is used by go-da and Alt-DA callers whose namespace is
	// empty or not 29 bytes, and by the Alt-DA server for every put.
	DefaultNamespace da.Namespace
	// MaxSquareSize is the chain's maximum original square width k; it
	// bounds MaxBlobSize. Default blobs.DefaultMaxSquareSize.
	MaxSquareSize int
	// MaxTxBytes bounds the encoded blob transaction (all blobs of one
	// submission); bigger submissions fail at once with "tx too large".
	// Default chain.DefaultMaxTxBytes.
	MaxTxBytes int
	// SubmitTimeout bounds how long a synchronous submit waits for
	// inclusion before failing with "timed out waiting for tx to be
	// included in a block" (the transaction stays queued; its status can be
	// asked). Default 2 minutes.
	SubmitTimeout time.Duration
	// PollInterval is how often waiters look at the node's head height.
	// Default 50 ms.
	PollInterval time.Duration
	// StatusRetention is how many submissions' statuses are kept for
	// SubmissionStatus. Default 4096.
	StatusRetention int
	// AltDA guards the OP Stack Alt-DA HTTP server. Default
	// defaultAltDAConfig().
	AltDA AltDAConfig
	// DAC bounds the DAC member's JSON-RPC server. Default
	// defaultDACLimits().
	DAC DACLimits
}

// DefaultConfig returns the default configuration, with the default namespace
// "quadrant" (version 0).
func DefaultConfig() Config {
	ns, _ := da.NewNamespaceV0([]byte("quadrant"))
	return Config{
		DefaultNamespace: ns,
		MaxSquareSize:    blobs.DefaultMaxSquareSize,
		MaxTxBytes:       chain.DefaultMaxTxBytes,
		SubmitTimeout:    2 * time.Minute,
		PollInterval:     50 * time.Millisecond,
		StatusRetention:  4096,
		AltDA:            defaultAltDAConfig(),
		DAC:              defaultDACLimits(),
	}
}

// Validate checks the configuration.
func (c Config) Validate() error {
	if err := c.DefaultNamespace.ValidateForBlob(); err != nil {
		return fmt.Errorf("%w: default namespace %s: %w", errInvalidConfig, c.DefaultNamespace, err)
	}
	if blobs.MaxBlobSize(c.MaxSquareSize, 0) == 0 {
		return fmt.Errorf("%w: max square size %d must be a power of two in [1, %d]", errInvalidConfig, c.MaxSquareSize, blobs.MaxSquareSizeUpperBound)
	}
	if c.MaxTxBytes <= 0 || c.SubmitTimeout <= 0 || c.PollInterval <= 0 || c.StatusRetention <= 0 {
		return fmt.Errorf("%w: MaxTxBytes, SubmitTimeout, PollInterval and StatusRetention must be positive", errInvalidConfig)
	}
	if err := c.AltDA.validate(c.SubmitTimeout); err != nil {
		return err
	}
	return c.DAC.validate(c.SubmitTimeout)
}

// Adapter is the core every front-end uses: submit blobs and wait for their
// inclusion, read blobs, proofs and headers, wait for heights and follow new
// ones. It is safe for concurrent use. Close stops the subscriptions it runs.
type Adapter struct {
	cfg  Config
	node Node
	log  *slog.Logger

	stop chan struct{}
	wg   sync.WaitGroup

	mu       sync.Mutex
	closed   bool
	statuses map[string]Submission // hex tx hash -> submission
	order    []string              // insertion order, for eviction
}

// New returns an Adapter over node. logger nil discards logs.
func New(cfg Config, node Node, logger *slog.Logger) (*Adapter, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if node == nil {
		return nil, fmt.Errorf("%w: nil node", errInvalidConfig)
	}
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	return &Adapter{cfg: cfg, node: node, log: logger, stop: make(chan struct{}), statuses: map[string]Submission{}}, nil
}

// Config returns the adapter's configuration.
func (a *Adapter) Config() Config { return a.cfg }

// Node returns the node the adapter talks to.
func (a *Adapter) Node() Node { return a.node }

// Close ends every subscription and waits for their goroutines. Further
// subscriptions fail with errStopped; other calls keep working.
func (a *Adapter) Close() {
	a.mu.Lock()
	if !a.closed {
		a.closed = true
		close(a.stop)
	}
	a.mu.Unlock()
	a.wg.Wait()
}

// MaxBlobSize returns the largest blob (data bytes, share version 0) that can
// ever be included: what fits in a square of the maximum width next to its
// pay-for-blob transaction.
func (a *Adapter) MaxBlobSize() int { return blobs.MaxBlobSize(a.cfg.MaxSquareSize, 0) }

// ResolveNamespace maps a caller's namespace bytes to a namespace: 29 bytes
// are taken as they are (and must be valid for blobs); anything else (empty,
// or a rollup's short tag like go-da's "test") means the default namespace.
func (a *Adapter) ResolveNamespace(b []byte) (da.Namespace, error) {
	if len(b) != da.NamespaceSize {
		return a.cfg.DefaultNamespace, nil
	}
	ns, err := da.NamespaceFromBytes(b)
	if err != nil {
		return da.Namespace{}, fmt.Errorf("%w: %w", errInvalidNamespace, err)
	}
	if err := ns.ValidateForBlob(); err != nil {
		return da.Namespace{}, fmt.Errorf("%w: %w", errInvalidNamespace, err)
	}
	return ns, nil
}

// parseNamespace checks that b is a 29-byte namespace usable for blobs (the
// Celestia-style API takes namespaces as they are).
func parseNamespace(b []byte) (da.Namespace, error) {
	if len(b) != da.NamespaceSize {
		return da.Namespace{}, fmt.Errorf("%w: got %d bytes, want %d (version byte + 28-byte id)", errInvalidNamespace, len(b), da.NamespaceSize)
	}
	ns, err := da.NamespaceFromBytes(b)
	if err != nil {
		return da.Namespace{}, fmt.Errorf("%w: %w", errInvalidNamespace, err)
	}
	if err := ns.ValidateForBlob(); err != nil {
		return da.Namespace{}, fmt.Errorf("%w: %s: %w", errInvalidNamespace, ns, err)
	}
	return ns, nil
}

// Commit returns the share commitment of each blob, checking each can be
// included (valid namespace and share version, not over MaxBlobSize).
func (a *Adapter) Commit(bs []*blobs.Blob) ([][]byte, error) {
	out := make([][]byte, len(bs))
	for i, b := range bs {
		if b == nil {
			return nil, fmt.Errorf("%w: blob %d is null", errInvalidBlob, i)
		}
		if max := a.MaxBlobSize(); len(b.Data) > max {
			return nil, fmt.Errorf("%w: blob %d has %d bytes, the most that fits in a %d×%d square is %d", errBlobTooLarge, i, len(b.Data), a.cfg.MaxSquareSize, a.cfg.MaxSquareSize, max)
		}
		if err := b.Validate(); err != nil {
			if errors.Is(err, blobs.ErrBlobTooLarge) {
				return nil, fmt.Errorf("%w: blob %d: %w", errBlobTooLarge, i, err)
			}
			return nil, fmt.Errorf("%w: blob %d: %w", errInvalidBlob, i, err)
		}
		c, err := blobs.CreateCommitment(b)
		if err != nil {
			return nil, fmt.Errorf("%w: blob %d: %w", errInvalidBlob, i, err)
		}
		out[i] = c
	}
	return out, nil
}

// SubmitResult is where a submission landed.
type SubmitResult struct {
	Height      uint64
	Commitments [][]byte
	TxHash      []byte
}

// Submit pays for req.Blobs in one transaction through the node's submission
// queue and waits until it is included, as celestia-node's blob.Submit
// does; it does not wait for this node to have ingested the height, because
// every read (Header, Blobs, Blob, Proof) of a height the chain has waits
// for that itself, so a read right after Submit still finds the blob. (It
// waited before: the bridge's fetch, extension and store of the block were
// half of each Submit's latency, and with rollups' few concurrent
// submitters, half their throughput.) Blobs that can never fit fail at once.
// On a timeout the error names the transaction hash, whose status
// SubmissionStatus keeps answering.
func (a *Adapter) Submit(ctx context.Context, req submitRequest) (*SubmitResult, error) {
	sub, commits, err := a.submit(ctx, req)
	if err != nil {
		return nil, err
	}
	wctx, cancel := context.WithTimeout(ctx, a.cfg.SubmitTimeout)
	defer cancel()
	st, err := sub.Wait(wctx)
	hash := fmt.Sprintf("%X", sub.Status().Hash)
	switch {
	case err == nil:
	case errors.Is(err, wallet.ErrEvicted):
		return nil, fmt.Errorf("%w: tx %s: %w", errEvicted, hash, err)
	case wctx.Err() != nil && ctx.Err() == nil:
		return nil, fmt.Errorf("%w: tx %s still %s after %v (ask its status)", errTxTimedOut, hash, sub.Status().State, a.cfg.SubmitTimeout)
	case ctx.Err() != nil:
		return nil, fmt.Errorf("rollupadapter: waiting for tx %s: %w", hash, ctx.Err())
	default:
		return nil, mapSubmitError(err)
	}
	if st.Code != chain.CodeOK {
		return nil, mapSubmitError(fmt.Errorf("%w: tx %s failed in block %d: code %d: %s", errRejected, hash, st.Height, st.Code, st.Reason))
	}
	return &SubmitResult{Height: uint64(st.Height), Commitments: commits, TxHash: st.Hash}, nil
}

// SubmitAsync is Submit without waiting for inclusion: it returns the
// transaction hash (hex) once the transaction is in the mempool.
func (a *Adapter) SubmitAsync(ctx context.Context, req submitRequest) (string, [][]byte, error) {
	sub, commits, err := a.submit(ctx, req)
	if err != nil {
		return "", nil, err
	}
	return fmt.Sprintf("%X", sub.Status().Hash), commits, nil
}

func (a *Adapter) submit(ctx context.Context, req submitRequest) (Submission, [][]byte, error) {
	if len(req.Blobs) == 0 {
		return nil, nil, fmt.Errorf("%w: no blobs to submit", errInvalidBlob)
	}
	commits := req.commitments
	if len(commits) != len(req.Blobs) {
		var err error
		if commits, err = a.Commit(req.Blobs); err != nil {
			return nil, nil, err
		}
	}
	size := 0
	for _, b := range req.Blobs {
		size += len(b.Data) + len(b.Signer) + da.NamespaceSize + 16
	}
	if size > a.cfg.MaxTxBytes {
		return nil, nil, fmt.Errorf("%w: %d blob bytes in one transaction, the mempool takes at most %d", errTxTooLarge, size, a.cfg.MaxTxBytes)
	}
	sub, err := a.node.SubmitBlobs(ctx, req)
	if err != nil {
		return nil, nil, mapSubmitError(err)
	}
	a.track(sub)
	return sub, commits, nil
}

// mapSubmitError gives a submission error the adapter's error for its
// rejection code (chain.Code*), which front-ends map on to their own codes.
// It reads codes only, never message text.
func mapSubmitError(err error) error {
	var rej *wallet.RejectedError
	if !errors.As(err, &rej) {
		return err
	}
	var to error
	switch rej.Code {
	case chain.CodeSequence:
		to = errIncorrectSequence
	case chain.CodeBlobSize:
		to = errBlobTooLarge
	case chain.CodeTxTooLarge:
		to = errTxTooLarge
	default:
		to = errRejected
	}
	if errors.Is(err, to) {
		return err
	}
	return fmt.Errorf("%w: %w", to, err)
}

func (a *Adapter) track(sub Submission) {
	key := fmt.Sprintf("%X", sub.Status().Hash)
	a.mu.Lock()
	defer a.mu.Unlock()
	if _, ok := a.statuses[key]; !ok {
		a.order = append(a.order, key)
	}
	a.statuses[key] = sub
	for len(a.order) > a.cfg.StatusRetention {
		delete(a.statuses, a.order[0])
		a.order = a.order[1:]
	}
}

// SubmissionStatus is the state of a submission made through this adapter.
type SubmissionStatus struct {
	TxHash       string `json:"tx_hash"`
	State        string `json:"state"` // queued, pending, included, rejected, evicted
	Sequence     uint64 `json:"sequence"`
	Height       uint64 `json:"height,omitempty"`
	TxIndex      int    `json:"tx_index,omitempty"`
	Code         uint32 `json:"code,omitempty"`
	Reason       string `json:"reason,omitempty"`
	Rebroadcasts int    `json:"rebroadcasts,omitempty"`
}

// Status returns the status of the submission with the given transaction hash
// (hex, any case), or errUnknownSubmission.
func (a *Adapter) Status(txHash string) (SubmissionStatus, error) {
	a.mu.Lock()
	sub, ok := a.statuses[string(bytes.ToUpper([]byte(txHash)))]
	a.mu.Unlock()
	if !ok {
		return SubmissionStatus{}, fmt.Errorf("%w: %q (only the last %d submissions through this node are kept)", errUnknownSubmission, txHash, a.cfg.StatusRetention)
	}
	st := sub.Status()
	return SubmissionStatus{
		TxHash: fmt.Sprintf("%X", st.Hash), State: st.State.String(), Sequence: st.Sequence,
		Height: uint64(max(st.Height, 0)), TxIndex: st.TxIndex, Code: st.Code, Reason: st.Reason, Rebroadcasts: st.Rebroadcasts,
	}, nil
}

// WaitForHeight blocks until the node serves height, or ctx ends. A node
// that tells when its head rises (headNotifier) wakes it at once; others
// are polled every PollInterval.
func (a *Adapter) WaitForHeight(ctx context.Context, height uint64) error {
	if height == 0 {
		return errInvalidHeight
	}
	hn, _ := a.node.(headNotifier)
	var t *time.Ticker
	for {
		var changed <-chan struct{} // nil (never ready) without a notifier
		if hn != nil {
			changed = hn.HeadChanged() // before reading the head: no missed wake-up
		}
		if a.node.HeadHeight() >= height {
			return nil
		}
		if t == nil {
			t = time.NewTicker(a.cfg.PollInterval)
			defer t.Stop()
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("rollupadapter: waiting for height %d (head %d): %w", height, a.node.HeadHeight(), ctx.Err())
		case <-changed:
		case <-t.C:
		}
	}
}

// Header returns the header of height. A height above the chain's newest
// block fails with errFutureHeight; one the chain has but this node has not
// ingested yet is waited for (bounded by ctx); one this node does not hold
// (pruned) fails with errHeaderNotFound.
func (a *Adapter) Header(ctx context.Context, height uint64) (*da.ExtendedHeader, error) {
	if height == 0 {
		return nil, errInvalidHeight
	}
	if height > a.node.HeadHeight() {
		net, err := a.node.NetworkHeight(ctx)
		if err != nil {
			return nil, fmt.Errorf("rollupadapter: asking the chain's height: %w", err)
		}
		if height > net {
			return nil, fmt.Errorf("%w: height %d, network head %d", errFutureHeight, height, net)
		}
		if err := a.WaitForHeight(ctx, height); err != nil {
			return nil, err
		}
	}
	h, err := a.node.HeaderByHeight(ctx, height)
	if errors.Is(err, p2p.ErrNotFound) {
		return nil, fmt.Errorf("%w: height %d is not held by this node (kept: up to %d): %w", errHeaderNotFound, height, a.node.HeadHeight(), err)
	}
	if err != nil {
		return nil, fmt.Errorf("rollupadapter: header %d: %w", height, err)
	}
	return h, nil
}

// LocalHead returns the newest header this node serves.
func (a *Adapter) LocalHead(ctx context.Context) (*da.ExtendedHeader, error) {
	h, err := a.node.Head(ctx)
	if err != nil {
		if errors.Is(err, p2p.ErrNotFound) {
			return nil, fmt.Errorf("%w: the node holds no header yet: %w", errHeaderNotFound, err)
		}
		return nil, fmt.Errorf("rollupadapter: head: %w", err)
	}
	return h, nil
}
