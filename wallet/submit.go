package wallet

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"sync"
	"time"

	cmtbytes "github.com/cometbft/cometbft/libs/bytes"
	coretypes "github.com/cometbft/cometbft/rpc/core/types"
	cmttypes "github.com/cometbft/cometbft/types"

	"github.com/quadrant-da/quadrant/blobs"
	"github.com/quadrant-da/quadrant/chain"
	"github.com/quadrant-da/quadrant/coreapi"
)

// ChainClient is the part of CometBFT's RPC API a Submitter reads the chain
// through. Both CometBFT's HTTP client (rpc/client/http) and its in-process
// client (rpc/client/local, Node.Client) satisfy it.
type ChainClient interface {
	Status(ctx context.Context) (*coretypes.ResultStatus, error)
	ABCIQuery(ctx context.Context, path string, data cmtbytes.HexBytes) (*coretypes.ResultABCIQuery, error)
	Block(ctx context.Context, height *int64) (*coretypes.ResultBlock, error)
	BlockResults(ctx context.Context, height *int64) (*coretypes.ResultBlockResults, error)
}

// Mempool checks transactions into a validator's mempool and answers with a
// structured result. A validator's core API client (coreapi.Client) and an
// in-process node (Node.Mempool) satisfy it. An error means no answer
// (retried); every refusal is a result with a code.
type Mempool interface {
	Submit(ctx context.Context, tx []byte) (*coreapi.SubmitResult, error)
}

// Submission errors.
var (
	// ErrRejected is wrapped by a *RejectedError.
	ErrRejected = errors.New("wallet: transaction rejected")
	// ErrEvicted is returned by Wait when a transaction left the mempool and
	// its sequence was used by another transaction of the same account.
	ErrEvicted = errors.New("wallet: transaction evicted")
	// errSubmitterStopped is returned for submissions after Stop.
	errSubmitterStopped = errors.New("wallet: submitter stopped")
)

// RejectedError is returned when the node's CheckTx refuses a transaction.
type RejectedError struct {
	Code uint32
	Log  string
}

func (e *RejectedError) Error() string {
	return fmt.Sprintf("wallet: transaction rejected (code %d): %s", e.Code, e.Log)
}

// Unwrap makes errors.Is(err, ErrRejected) hold.
func (e *RejectedError) Unwrap() error { return ErrRejected }

// SubmissionState is where a submission stands.
type SubmissionState int

// Submission states. Included, Rejected and Evicted are final.
const (
	// stateQueued: waiting for its turn to be signed and broadcast.
	stateQueued SubmissionState = iota
	// statePending: signed and admitted to the mempool, not yet in a block.
	statePending
	// stateIncluded: in a committed block (Status.Height, Status.TxIndex).
	// Status.Code is its execution result (0 = applied).
	stateIncluded
	// stateRejected: CheckTx refused it (Status.Code, Status.Reason).
	stateRejected
	// stateEvicted: it left the mempool and its sequence was consumed by
	// another transaction of the same account, so it can never be included.
	stateEvicted
)

func (s SubmissionState) String() string {
	switch s {
	case stateQueued:
		return "queued"
	case statePending:
		return "pending"
	case stateIncluded:
		return "included"
	case stateRejected:
		return "rejected"
	case stateEvicted:
		return "evicted"
	}
	return "unknown(" + strconv.Itoa(int(s)) + ")"
}

// SubmissionStatus is a snapshot of a submission.
type SubmissionStatus struct {
	State    SubmissionState
	Sequence uint64
	// Hash is the CometBFT hash (sha256) of the broadcast bytes.
	Hash    []byte
	Height  int64
	TxIndex int
	Code    uint32
	Reason  string
	// Rebroadcasts counts how many times the same signed bytes were sent
	// again after the transaction had left the mempool.
	Rebroadcasts int
}

// Submission is one transaction going through a Submitter. Its methods are
// safe for concurrent use.
type Submission struct {
	// set by the caller's goroutine before queueing, read-only after:
	blobs []*blobs.Blob
	pfb   *blobs.PayForBlobs
	xfer  *blobs.Transfer
	stake *chain.StakeMsg
	gas   uint64

	ctx      context.Context // the submitting caller's; bounds retries
	accepted chan error      // receives the broadcast outcome once
	done     chan struct{}   // closed at a final state

	mu     sync.Mutex
	status SubmissionStatus
	raw    []byte // signed broadcast bytes
	sentAt time.Time
}

// Status returns the submission's current status.
func (s *Submission) Status() SubmissionStatus {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.status
	st.Hash = append([]byte(nil), st.Hash...)
	return st
}

// Done is closed when the submission reaches a final state.
func (s *Submission) Done() <-chan struct{} { return s.done }

// Wait blocks until the submission is included (returning its status with a
// nil error even if execution failed: check Code), rejected (*RejectedError)
// or evicted (ErrEvicted), or until ctx ends.
func (s *Submission) Wait(ctx context.Context) (SubmissionStatus, error) {
	select {
	case <-s.done:
	case <-ctx.Done():
		return s.Status(), fmt.Errorf("wallet: waiting for inclusion of tx: %w", ctx.Err())
	}
	st := s.Status()
	switch st.State {
	case stateRejected:
		return st, &RejectedError{Code: st.Code, Log: st.Reason}
	case stateEvicted:
		return st, fmt.Errorf("%w: %s", ErrEvicted, st.Reason)
	}
	return st, nil
}

func (s *Submission) setFinal(f func(st *SubmissionStatus)) {
	s.mu.Lock()
	f(&s.status)
	s.mu.Unlock()
	close(s.done)
}

// SubmitterConfig configures a Submitter.
type SubmitterConfig struct {
	// Client reads the chain from a consensus node (required).
	Client ChainClient
	// Mempool takes the transactions, in binary (required).
	Mempool Mempool
	// Key signs every transaction (required).
	Key *Key
	// Logger; nil discards.
	Logger *slog.Logger
	// GasPrice per unit of gas; 0 means the chain's minimum.
	GasPrice uint64
	// PollInterval is how often the chain is asked whether pending
	// transactions landed. Default 200 ms.
	PollInterval time.Duration
	// RebroadcastAfter is how long a pending transaction may go without
	// inclusion before its bytes are broadcast again (harmless if it is still
	// in the mempool; re-admits it if it was evicted). Default 10 s.
	RebroadcastAfter time.Duration
}

// Submitter is the ordered submission queue of one account: every
// transaction the account sends, from any goroutine, goes through it. It
// signs each transaction once, with the next sequence (tracked locally,
// initialised from the chain), broadcasts in sequence order, watches the
// chain for inclusion, and re-broadcasts the same signed bytes when a
// transaction has left the mempool. Concurrent callers never collide on a
// sequence.
//
// Inclusion is detected without CometBFT's tx indexer (Quadrant runs with it
// off): each poll asks the App for the account's committed sequence
// ("/account/<hex>"); only when it advanced are the new blocks fetched and
// searched for the pending transactions' hashes.
type Submitter struct {
	cfg    SubmitterConfig
	client ChainClient
	key    *Key
	log    *slog.Logger
	reqs   chan *Submission

	startOnce sync.Once
	cancel    context.CancelFunc
	stopped   chan struct{}

	// Owned by the worker goroutine.
	inited     bool
	chainID    string
	params     chain.Params
	nextSeq    uint64
	pending    []*Submission // broadcast, not final; ascending sequence
	lastHeight int64         // blocks up to here have been searched
	lastSeq    uint64        // committed sequence at lastHeight
}

// NewSubmitter returns a Submitter; call Start before submitting.
func NewSubmitter(cfg SubmitterConfig) (*Submitter, error) {
	if cfg.Client == nil || cfg.Mempool == nil || cfg.Key == nil {
		return nil, errors.New("wallet: submitter needs a chain client, a mempool and a key")
	}
	if cfg.PollInterval <= 0 {
		cfg.PollInterval = 200 * time.Millisecond
	}
	if cfg.RebroadcastAfter <= 0 {
		cfg.RebroadcastAfter = 10 * time.Second
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Submitter{
		cfg: cfg, client: cfg.Client, key: cfg.Key,
		log:     log.With("account", cfg.Key.Address().String()),
		reqs:    make(chan *Submission),
		stopped: make(chan struct{}),
	}, nil
}

// Address returns the account the Submitter signs for.
func (s *Submitter) Address() chain.Address { return s.key.Address() }

// Start launches the queue's worker; it returns at once. The worker stops
// when ctx ends or Stop is called.
func (s *Submitter) Start(ctx context.Context) {
	s.startOnce.Do(func() {
		ctx, s.cancel = context.WithCancel(ctx)
		go s.run(ctx)
	})
}

// Stop stops the worker and waits for it. Submissions not yet final stay so
// (their transactions may still land).
func (s *Submitter) Stop() {
	s.startOnce.Do(func() { close(s.stopped) }) // never started
	if s.cancel != nil {
		s.cancel()
	}
	<-s.stopped
}

// SubmitBlobs pays for blobs in one transaction. It computes the share
// commitments in the caller's goroutine, then waits for the queue to sign
// and broadcast the transaction. It returns the Submission once the node
// admitted it to its mempool, or a *RejectedError if CheckTx refused it.
// Use Submission.Wait for inclusion.
func (s *Submitter) SubmitBlobs(ctx context.Context, bs ...*blobs.Blob) (*Submission, error) {
	if len(bs) == 0 {
		return nil, errors.New("wallet: no blobs to submit")
	}
	pfb, err := blobs.NewPayForBlobs(bs...)
	if err != nil {
		return nil, fmt.Errorf("wallet: building pay-for-blobs: %w", err)
	}
	return s.enqueue(ctx, &Submission{blobs: bs, pfb: pfb})
}

// Transfer sends amount to the account to, like SubmitBlobs.
func (s *Submitter) Transfer(ctx context.Context, to chain.Address, amount uint64) (*Submission, error) {
	return s.enqueue(ctx, &Submission{xfer: &blobs.Transfer{To: append([]byte(nil), to[:]...), Amount: amount}})
}

// Stake sends one staking message (create-validator, edit-validator,
// delegate, undelegate, unjail) as a chain.StakeTx, like SubmitBlobs. A
// create-validator must carry the consensus key's proof of possession over
// chain.PossessionBytes(chain id, this account).
func (s *Submitter) Stake(ctx context.Context, msg chain.StakeMsg) (*Submission, error) {
	return s.enqueue(ctx, &Submission{stake: &msg})
}

func (s *Submitter) enqueue(ctx context.Context, sub *Submission) (*Submission, error) {
	sub.ctx = ctx
	sub.accepted = make(chan error, 1)
	sub.done = make(chan struct{})
	select {
	case s.reqs <- sub:
	case <-s.stopped:
		return nil, errSubmitterStopped
	case <-ctx.Done():
		return nil, fmt.Errorf("wallet: queueing tx: %w", ctx.Err())
	}
	// Once the worker has it, it is broadcast even if ctx ends, so wait for
	// the outcome regardless; the worker answers promptly.
	if err := <-sub.accepted; err != nil {
		return nil, err
	}
	return sub, nil
}

func (s *Submitter) run(ctx context.Context) {
	defer close(s.stopped)
	tick := time.NewTicker(s.cfg.PollInterval)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case sub := <-s.reqs:
			sub.accepted <- s.admit(ctx, sub)
		case <-tick.C:
			if len(s.pending) > 0 {
				if err := s.poll(ctx); err != nil && ctx.Err() == nil {
					s.log.Warn("wallet: polling for inclusion", "err", err)
				}
				s.rebroadcastStale(ctx)
			}
		}
	}
}

// init reads the chain id, the parameters and the account's sequence.
func (s *Submitter) initChain(ctx context.Context) error {
	st, err := s.client.Status(ctx)
	if err != nil {
		return fmt.Errorf("wallet: node status: %w", err)
	}
	var params chain.Params
	if _, err := s.query(ctx, "/params", &params); err != nil {
		return err
	}
	var acc chain.AccountInfo
	h, err := s.query(ctx, "/account/"+s.key.Address().String(), &acc)
	if err != nil {
		return err
	}
	s.chainID = st.NodeInfo.Network
	s.params = params
	s.nextSeq = acc.Sequence
	s.lastSeq = acc.Sequence
	s.lastHeight = h
	s.inited = true
	return nil
}

func (s *Submitter) query(ctx context.Context, path string, v any) (int64, error) {
	res, err := s.client.ABCIQuery(ctx, path, nil)
	if err != nil {
		return 0, fmt.Errorf("wallet: query %s: %w", path, err)
	}
	if res.Response.Code != chain.CodeOK {
		return 0, fmt.Errorf("wallet: query %s: code %d: %s", path, res.Response.Code, res.Response.Log)
	}
	if err := json.Unmarshal(res.Response.Value, v); err != nil {
		return 0, fmt.Errorf("wallet: query %s: decoding answer: %w", path, err)
	}
	return res.Response.Height, nil
}

// signStake builds, signs and encodes a staking transaction.
func (s *Submitter) signStake(msg chain.StakeMsg, seq, price uint64) ([]byte, error) {
	tx := &chain.StakeTx{ChainID: s.chainID, Sequence: seq, GasLimit: s.params.FixedTxGas, GasPrice: price, Msg: msg}
	if err := tx.Sign(s.key.PrivKey); err != nil {
		return nil, fmt.Errorf("wallet: signing %s tx: %w", msg.Name(), err)
	}
	raw, err := tx.Marshal()
	if err != nil {
		return nil, fmt.Errorf("wallet: encoding %s tx: %w", msg.Name(), err)
	}
	return raw, nil
}

// sign builds, signs and encodes sub's transaction with sequence seq.
func (s *Submitter) sign(sub *Submission, seq uint64) error {
	price := s.cfg.GasPrice
	if price == 0 {
		price = s.params.MinGasPrice
	}
	if sub.stake != nil {
		raw, err := s.signStake(*sub.stake, seq, price)
		if err != nil {
			return err
		}
		sub.setRaw(raw, seq)
		return nil
	}
	tx := &blobs.Tx{ChainID: s.chainID, Sequence: seq, PayForBlobs: sub.pfb, Transfer: sub.xfer}
	tx.GasPrice = price
	if sub.pfb != nil {
		tx.GasLimit = blobs.GasToConsume(sub.pfb.BlobSizes, s.params.GasPerBlobByte, s.params.FixedTxGas)
	} else {
		tx.GasLimit = s.params.FixedTxGas
	}
	if err := tx.Sign(s.key.PrivKey); err != nil {
		return fmt.Errorf("wallet: signing tx: %w", err)
	}
	raw, err := tx.Marshal()
	if err != nil {
		return fmt.Errorf("wallet: encoding tx: %w", err)
	}
	if sub.pfb != nil {
		if raw, err = blobs.MarshalBlobTx(raw, sub.blobs...); err != nil {
			return fmt.Errorf("wallet: wrapping blobs: %w", err)
		}
	}
	sub.setRaw(raw, seq)
	return nil
}

func (sub *Submission) setRaw(raw []byte, seq uint64) {
	sub.mu.Lock()
	sub.raw = raw
	sub.status.Sequence = seq
	sub.status.Hash = cmttypes.Tx(raw).Hash()
	sub.mu.Unlock()
}

// admit signs sub with the next sequence and submits it, retrying
// transient failures with backoff until ctx ends. It returns nil once the
// mempool holds the transaction. Every outcome is classified by its code
// (CometBFT's refusal, then CheckTx's code), never by message text.
func (s *Submitter) admit(ctx context.Context, sub *Submission) error {
	backoff := 50 * time.Millisecond
	wait := func() error {
		select {
		case <-ctx.Done():
			return errSubmitterStopped
		case <-sub.ctx.Done():
			return sub.ctx.Err()
		case <-time.After(backoff):
		}
		backoff = min(2*backoff, 2*time.Second)
		return nil
	}
	for attempt := 0; ; attempt++ {
		if !s.inited {
			if err := s.initChain(ctx); err != nil {
				s.log.Debug("wallet: submitter waiting for the node", "err", err)
				if wait() != nil {
					return err
				}
				continue
			}
		}
		if err := s.sign(sub, s.nextSeq); err != nil {
			return err
		}
		res, err := s.cfg.Mempool.Submit(ctx, sub.raw)
		switch {
		case err != nil || res.Refusal.Retryable() || (res.Refusal == coreapi.RefusalNone && chain.Retryable(res.Code)):
			if err == nil {
				err = fmt.Errorf("wallet: mempool refused (%s): %s", res.Refusal, res.Log)
			}
			s.log.Debug("wallet: submit failed, retrying", "err", err)
			if wait() != nil {
				return fmt.Errorf("wallet: submitting tx: %w", err)
			}
		case res.Admitted():
			s.nextSeq++
			sub.mu.Lock()
			sub.status.State = statePending
			sub.sentAt = time.Now()
			sub.mu.Unlock()
			s.pending = append(s.pending, sub)
			return nil
		case res.Refusal == coreapi.RefusalTooLarge:
			return &RejectedError{Code: chain.CodeTxTooLarge, Log: res.Log}
		case res.Refusal != coreapi.RefusalNone:
			return &RejectedError{Code: chain.CodeInternal, Log: fmt.Sprintf("mempool refused (%s): %s", res.Refusal, res.Log)}
		case res.Code == chain.CodeSequence && attempt < 8:
			// Someone else used this key, or one of ours left the mempool.
			if !s.resync(ctx, res.Data) && wait() != nil {
				return &RejectedError{Code: res.Code, Log: res.Log}
			}
		default:
			return &RejectedError{Code: res.Code, Log: res.Log}
		}
	}
}

// resync repairs the local sequence after a CodeSequence answer, whose Data
// carries the sequence the mempool expects (ExpectedSequence). If one of
// our pending transactions holds that sequence it was evicted: it and its
// successors are re-submitted. Otherwise the local counter jumps to the
// expected sequence. It reports whether the next attempt can proceed at
// once.
func (s *Submitter) resync(ctx context.Context, data []byte) bool {
	want, ok := chain.ExpectedSequence(data)
	if !ok {
		s.inited = false
		return false
	}
	for i, p := range s.pending {
		if p.Status().Sequence == want {
			s.rebroadcastFrom(ctx, i)
			return true
		}
	}
	s.log.Info("wallet: account sequence moved outside this queue", "local", s.nextSeq, "expected", want)
	s.nextSeq = want
	return true
}

// rebroadcastStale re-sends the pending transactions that have waited longer
// than RebroadcastAfter, in sequence order, from the oldest stale one on.
func (s *Submitter) rebroadcastStale(ctx context.Context) {
	now := time.Now()
	for i, p := range s.pending {
		p.mu.Lock()
		stale := now.Sub(p.sentAt) > s.cfg.RebroadcastAfter
		p.mu.Unlock()
		if stale {
			s.rebroadcastFrom(ctx, i)
			return
		}
	}
}

// rebroadcastFrom re-sends pending[i:] in order. A transaction the mempool
// still holds is refused as already in the cache; one that had left is
// re-admitted. If the mempool now refuses one for good (say its fee is no
// longer affordable), it is marked rejected and its successors are
// re-signed with the sequences moved down, since they could never be
// included otherwise.
func (s *Submitter) rebroadcastFrom(ctx context.Context, i int) {
	for i < len(s.pending) {
		p := s.pending[i]
		res, err := s.cfg.Mempool.Submit(ctx, p.raw)
		p.mu.Lock()
		p.sentAt = time.Now()
		p.mu.Unlock()
		switch {
		case err != nil || res.Refusal.Retryable() || (res.Refusal == coreapi.RefusalNone && chain.Retryable(res.Code)):
			return // transient; the next round tries again
		case res.Refusal == coreapi.RefusalInCache:
		case res.Admitted():
			p.mu.Lock()
			p.status.Rebroadcasts++
			p.mu.Unlock()
			s.log.Info("wallet: re-admitted evicted tx", "sequence", p.Status().Sequence)
		case res.Refusal == coreapi.RefusalNone && res.Code == chain.CodeSequence:
			return // already included or to be resolved by poll
		default:
			code, reason := res.Code, res.Log
			if res.Refusal != coreapi.RefusalNone {
				code, reason = chain.CodeInternal, fmt.Sprintf("mempool refused (%s): %s", res.Refusal, res.Log)
			}
			seq := p.Status().Sequence
			p.setFinal(func(st *SubmissionStatus) { st.State, st.Code, st.Reason = stateRejected, code, reason })
			rest := append([]*Submission(nil), s.pending[i+1:]...)
			s.pending = s.pending[:i]
			for _, q := range rest {
				if err := s.sign(q, seq); err != nil {
					q.setFinal(func(st *SubmissionStatus) { st.State, st.Reason = stateRejected, err.Error() })
					continue
				}
				s.pending = append(s.pending, q)
				seq++
			}
			s.nextSeq = seq
			continue
		}
		i++
	}
}
