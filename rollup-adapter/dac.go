package rollupadapter

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/quadrant-da/quadrant/blobs"
	"github.com/quadrant-da/quadrant/da"
	"github.com/quadrant-da/quadrant/rpc"
)

// DACConfig configures a DACMember.
type DACConfig struct {
	// Sequencer is the trusted sequencer: only sequences it signed are
	// accepted.
	Sequencer EthAddress
	// Key is the member's signing key; its address is what the chain owner
	// registers in the validium's committee contract.
	Key *EthKey
	// Namespace receives the batch data; zero means the adapter's default.
	Namespace da.Namespace
	// MaxListHashes bounds sync_listOffChainData. Default 100 (as cdk's).
	MaxListHashes int
	// Now is the clock for the uptime in status_getStatus and the rate
	// limits (nil: time.Now).
	Now func() time.Time
}

// DACMember is a Polygon CDK data-availability committee member whose
// storage is Quadrant: it signs a sequence only after every batch's data is
// included on Quadrant, and serves the data back by keccak256 hash. It speaks
// cdk-data-availability v0.0.13's JSON-RPC (datacom_signSequence,
// datacom_signSequenceBanana, sync_getOffChainData, sync_listOffChainData,
// status_getStatus) plus quadrant_getCertificate. No token is needed: a
// sequence is accepted only with the trusted sequencer's signature, and what
// anyone else can make the member read or write is bounded by Config.DAC
// (see Handler).
type DACMember struct {
	a     *Adapter
	cfg   DACConfig
	idx   keccakIndex
	log   *slog.Logger
	start time.Time
	keys  atomic.Uint64

	limiter *rpc.RateLimiter // per client IP, one token per call

	mu sync.Mutex // serializes postings, so a batch is posted once

	server httpService
}

// NewDACMember returns a committee member over a; index persists the
// keccak → (height, commitment) index (back it with the node's datastore).
func NewDACMember(a *Adapter, cfg DACConfig, index KV, logger *slog.Logger) (*DACMember, error) {
	if a == nil || index == nil || cfg.Key == nil || cfg.Sequencer == (EthAddress{}) {
		return nil, fmt.Errorf("%w: a DAC member needs an adapter, an index store, a key and the trusted sequencer's address", errInvalidConfig)
	}
	if cfg.Namespace == (da.Namespace{}) {
		cfg.Namespace = a.cfg.DefaultNamespace
	}
	if err := cfg.Namespace.ValidateForBlob(); err != nil {
		return nil, fmt.Errorf("%w: DAC namespace: %w", errInvalidConfig, err)
	}
	if cfg.MaxListHashes <= 0 {
		cfg.MaxListHashes = 100
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	return &DACMember{
		a: a, cfg: cfg, idx: keccakIndex{index, "/rollupadapter/dac/keccak"}, log: logger, start: cfg.Now(),
		limiter: rpc.NewRateLimiter(a.cfg.DAC.RateLimit, a.cfg.DAC.RateBurst, cfg.Now),
	}, nil
}

// Address returns the member's address (to register in the committee).
func (m *DACMember) Address() EthAddress { return m.cfg.Key.Address() }

type sequence interface {
	HashToSign() []byte
	batches() [][]byte
}

// SignSequence checks the sequencer's signature, makes every batch available
// on Quadrant (posting what this node does not hold readable — never
// posted, or pruned since — and waiting for inclusion), and returns the
// member's 65-byte signature of the sequence hash.
func (m *DACMember) SignSequence(ctx context.Context, s sequence, sig []byte) ([]byte, error) {
	hash := s.HashToSign()
	signer, err := RecoverEthSigner(hash, sig)
	if err != nil {
		return nil, fmt.Errorf("rollupadapter: failed to verify sender: %w", err)
	}
	if signer != m.cfg.Sequencer {
		return nil, fmt.Errorf("rollupadapter: unauthorized: sequence signed by %s, the trusted sequencer is %s", signer.Hex(), m.cfg.Sequencer.Hex())
	}
	if err := m.makeAvailable(ctx, s.batches()); err != nil {
		return nil, err
	}
	return m.cfg.Key.Sign(hash)
}

// makeAvailable posts every batch that this node does not hold readable,
// in one submission, and indexes where each went. A batch in the index is
// confirmed by reading it back: one pruned since is posted again.
func (m *DACMember) makeAvailable(ctx context.Context, batches [][]byte) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	var todo []*blobs.Blob
	var digests [][]byte
	var fresh []bool // not in the index before (counted in KeyCount)
	seen := map[string]bool{}
	for _, b := range batches {
		d := Keccak256(b)
		if len(b) == 0 || seen[string(d)] {
			continue
		}
		seen[string(d)] = true
		loc, ok, err := m.idx.get(ctx, d)
		if err != nil {
			return err
		}
		if ok {
			held, err := m.held(ctx, loc)
			if err != nil {
				return err
			}
			if held {
				continue
			}
			m.log.Info("rollupadapter: DAC batch indexed but no longer held; posting it again", "keccak", fmt.Sprintf("%x", d), "height", loc.height)
		}
		todo = append(todo, &blobs.Blob{Namespace: m.cfg.Namespace, Data: b})
		digests = append(digests, d)
		fresh = append(fresh, !ok)
	}
	if len(todo) == 0 {
		return nil
	}
	res, err := m.a.Submit(ctx, submitRequest{Blobs: todo})
	if err != nil {
		return fmt.Errorf("rollupadapter: making %d batches available: %w", len(todo), err)
	}
	for i, d := range digests {
		if err := m.idx.put(ctx, d, location{res.Height, res.Commitments[i]}); err != nil {
			return err
		}
		if fresh[i] {
			m.keys.Add(1)
		}
	}
	return nil
}

// held reports whether the blob at loc is still readable through this node
// (the commitment is recomputed from the data read). A blob that is not
// found, its height pruned or never held, is not held; any other failure is
// returned, so nothing is signed that could not be confirmed.
func (m *DACMember) held(ctx context.Context, loc location) (bool, error) {
	_, err := m.a.Blob(ctx, loc.height, m.cfg.Namespace, loc.commitment)
	switch {
	case err == nil:
		return true, nil
	case errors.Is(err, errBlobNotFound):
		return false, nil
	}
	return false, fmt.Errorf("rollupadapter: confirming batch at height %d is still held: %w", loc.height, err)
}

// OffChainData returns the batch data whose keccak256 is hash, read back from
// Quadrant and checked against the hash.
func (m *DACMember) OffChainData(ctx context.Context, hash []byte) ([]byte, error) {
	loc, ok, err := m.idx.get(ctx, hash)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, fmt.Errorf("%w: no batch with keccak256 %x", errBlobNotFound, hash)
	}
	b, err := m.a.Blob(ctx, loc.height, m.cfg.Namespace, loc.commitment)
	if err != nil {
		return nil, err
	}
	if !bytes.Equal(Keccak256(b.Blob.Data), hash) {
		return nil, fmt.Errorf("rollupadapter: data at height %d does not hash to %x", loc.height, hash)
	}
	return b.Blob.Data, nil
}

// Status answers status_getStatus.
func (m *DACMember) Status() DACStatus {
	return DACStatus{
		Uptime: m.cfg.Now().Sub(m.start).Truncate(time.Second).String(), Version: "quadrant-dac/1",
		KeyCount: m.keys.Load(), LastSynchronizedBlock: m.a.node.HeadHeight(),
	}
}

// Certificate returns the availability certificate of the batch whose
// keccak256 is hash.
func (m *DACMember) Certificate(ctx context.Context, hash []byte) (*Certificate, error) {
	loc, ok, err := m.idx.get(ctx, hash)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, fmt.Errorf("%w: no batch with keccak256 %x", errBlobNotFound, hash)
	}
	return NewCertificate(ctx, m.a, loc.height, m.cfg.Namespace, loc.commitment)
}

// Start listens on addr and serves until Stop or the end of ctx.
func (m *DACMember) Start(ctx context.Context, addr string) error {
	return m.server.start(ctx, "DAC member", addr, m.Handler(), m.a.cfg.DAC.Timeouts, m.log)
}

// Addr returns the listening address after Start.
func (m *DACMember) Addr() string { return m.server.addr() }

// Stop shuts the server down and waits for it.
func (m *DACMember) Stop(ctx context.Context) error { return m.server.stop(ctx) }
