package wallet_test

import (
	"context"
	"encoding/json"
	"errors"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	cmttypes "github.com/cometbft/cometbft/types"

	"github.com/quadrant-da/quadrant/blobs"
	"github.com/quadrant-da/quadrant/chain"
	"github.com/quadrant-da/quadrant/coreapi"
	"github.com/quadrant-da/quadrant/da"
	"github.com/quadrant-da/quadrant/validator/validatortest"
	"github.com/quadrant-da/quadrant/wallet"
)

func submitTestBlob(t testing.TB, ns byte, i, size int) *blobs.Blob {
	t.Helper()
	nsv, err := da.NewNamespaceV0([]byte{0xab, ns})
	if err != nil {
		t.Fatal(err)
	}
	data := make([]byte, size)
	for j := range data {
		data[j] = byte(i*31 + j)
	}
	b, err := blobs.NewBlob(nsv, data, 0, nil)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func newTestSubmitter(t testing.TB, c wallet.ChainClient, m wallet.Mempool, key *wallet.Key) *wallet.Submitter {
	t.Helper()
	s, err := wallet.NewSubmitter(wallet.SubmitterConfig{Client: c, Mempool: m, Key: key, PollInterval: 50 * time.Millisecond, RebroadcastAfter: 500 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	s.Start(ctx)
	t.Cleanup(func() { cancel(); s.Stop() })
	return s
}

func rpcAccount(t testing.TB, c wallet.ChainClient, a chain.Address) chain.AccountInfo {
	t.Helper()
	res, err := c.ABCIQuery(context.Background(), "/account/"+a.String(), nil)
	if err != nil {
		t.Fatal(err)
	}
	var info chain.AccountInfo
	if err := json.Unmarshal(res.Response.Value, &info); err != nil {
		t.Fatal(err)
	}
	return info
}

// TestSubmitterConcurrentOneKey sends 32 blob transactions through one key
// from 32 goroutines at once, against a real single-validator node with
// 100 ms blocks: every one must be included, with distinct sequences, and
// the account's sequence must end at 32.
func TestSubmitterConcurrentOneKey(t *testing.T) {
	tc := validatortest.NewChain(t, 100*time.Millisecond, 1)
	n := tc.Start(t)
	c := n.Client()
	validatortest.WaitHeight(t, c, 1, 20*time.Second)
	s := newTestSubmitter(t, c, n.Mempool(), tc.Keys[0])

	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	const N = 32
	var wg sync.WaitGroup
	statuses := make([]wallet.SubmissionStatus, N)
	errs := make([]error, N)
	for i := range N {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sub, err := s.SubmitBlobs(ctx, submitTestBlob(t, byte(i%4), i, 1000+i*100))
			if err != nil {
				errs[i] = err
				return
			}
			statuses[i], errs[i] = sub.Wait(ctx)
		}()
	}
	wg.Wait()
	seen := map[uint64]bool{}
	heights := map[int64]int{}
	for i := range N {
		if errs[i] != nil {
			t.Fatalf("submission %d: %v", i, errs[i])
		}
		st := statuses[i]
		if st.State != wallet.StateIncluded || st.Code != 0 || st.Height < 1 {
			t.Fatalf("submission %d: %+v, want included with code 0", i, st)
		}
		if seen[st.Sequence] {
			t.Fatalf("sequence %d used twice", st.Sequence)
		}
		seen[st.Sequence] = true
		heights[st.Height]++
	}
	for seq := range uint64(N) {
		if !seen[seq] {
			t.Fatalf("sequence %d never used", seq)
		}
	}
	if got := rpcAccount(t, c, tc.Keys[0].Address()).Sequence; got != N {
		t.Fatalf("account sequence %d, want %d", got, N)
	}
	// The block holding each tx really holds it at the reported index.
	for i := range N {
		h := statuses[i].Height
		blk, err := c.Block(ctx, &h)
		if err != nil {
			t.Fatal(err)
		}
		if got := blk.Block.Txs[statuses[i].TxIndex].Hash(); string(got) != string(statuses[i].Hash) {
			t.Fatalf("submission %d: block %d tx %d has hash %X, want %X", i, h, statuses[i].TxIndex, got, statuses[i].Hash)
		}
	}
	t.Logf("32 txs landed in %d blocks", len(heights))
}

// TestSubmitterTransferAndReject checks a transfer lands and moves funds,
// and that a transaction the node refuses comes back as a *RejectedError
// with the node's reason, without consuming a sequence.
func TestSubmitterTransferAndReject(t *testing.T) {
	tc := validatortest.NewChain(t, 100*time.Millisecond, 1)
	n := tc.Start(t)
	c := n.Client()
	validatortest.WaitHeight(t, c, 1, 20*time.Second)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()

	poor, err := wallet.GenerateKey("poor", "")
	if err != nil {
		t.Fatal(err)
	}
	sp := newTestSubmitter(t, c, n.Mempool(), poor)
	_, err = sp.SubmitBlobs(ctx, submitTestBlob(t, 1, 1, 100))
	var rej *wallet.RejectedError
	if !errors.As(err, &rej) || rej.Code != chain.CodeInsufficientFunds || !errors.Is(err, wallet.ErrRejected) {
		t.Fatalf("unfunded submit: %v, want a rejection with code %d", err, chain.CodeInsufficientFunds)
	}

	s := newTestSubmitter(t, c, n.Mempool(), tc.Keys[0])
	sub, err := s.Transfer(ctx, poor.Address(), 5_000_000)
	if err != nil {
		t.Fatal(err)
	}
	st, err := sub.Wait(ctx)
	if err != nil || st.Code != 0 {
		t.Fatalf("transfer: %+v %v", st, err)
	}
	if got := rpcAccount(t, c, poor.Address()).Balance; got != 5_000_000 {
		t.Fatalf("recipient balance %d, want 5000000", got)
	}
	// Now funded, the same queue goes on with sequence 0.
	sub, err = sp.SubmitBlobs(ctx, submitTestBlob(t, 1, 2, 100))
	if err != nil {
		t.Fatal(err)
	}
	if st, err = sub.Wait(ctx); err != nil || st.Sequence != 0 {
		t.Fatalf("after funding: %+v %v", st, err)
	}
}

// lossyMempool drops (while dropping is set) the transactions it is given
// but answers as if the mempool had admitted them: what a node that loses
// its mempool looks like to a submitter.
type lossyMempool struct {
	wallet.Mempool
	dropping atomic.Bool
	dropped  atomic.Int32
}

func (l *lossyMempool) Submit(ctx context.Context, tx []byte) (*coreapi.SubmitResult, error) {
	if l.dropping.Load() {
		l.dropped.Add(1)
		return &coreapi.SubmitResult{Code: chain.CodeOK, Hash: cmttypes.Tx(tx).Hash()}, nil
	}
	return l.Mempool.Submit(ctx, tx)
}

// rewordingMempool replaces the text of every answer (CheckTx's log) with
// words no code could parse, and counts the answers it reworded: a queue
// that still recovers reads only codes and structured fields.
type rewordingMempool struct {
	wallet.Mempool
	reworded atomic.Int32
}

func (r *rewordingMempool) Submit(ctx context.Context, tx []byte) (*coreapi.SubmitResult, error) {
	res, err := r.Mempool.Submit(ctx, tx)
	if res != nil && res.Log != "" {
		res.Log = "lorem ipsum " + strconv.Itoa(int(r.reworded.Add(1)))
	}
	return res, err
}

// TestSubmitterRebroadcastsEvicted: a tx that vanished from the mempool is
// re-sent (same bytes) and lands.
func TestSubmitterRebroadcastsEvicted(t *testing.T) {
	tc := validatortest.NewChain(t, 100*time.Millisecond, 1)
	n := tc.Start(t)
	lm := &lossyMempool{Mempool: n.Mempool()}
	validatortest.WaitHeight(t, n.Client(), 1, 20*time.Second)
	s := newTestSubmitter(t, n.Client(), lm, tc.Keys[0])
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()

	lm.dropping.Store(true)
	sub, err := s.SubmitBlobs(ctx, submitTestBlob(t, 2, 1, 5000))
	if err != nil {
		t.Fatal(err)
	}
	hash := sub.Status().Hash
	// A few blocks go by without it.
	st0, err := n.Client().Status(ctx)
	if err != nil {
		t.Fatal(err)
	}
	validatortest.WaitHeight(t, n.Client(), st0.SyncInfo.LatestBlockHeight+3, 20*time.Second)
	if st := sub.Status(); st.State != wallet.StatePending {
		t.Fatalf("dropped tx is %v, want pending", st.State)
	}
	lm.dropping.Store(false)
	st, err := sub.Wait(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if st.Rebroadcasts < 1 || string(st.Hash) != string(hash) || st.Sequence != 0 {
		t.Fatalf("status %+v: want included after ≥ 1 rebroadcast of the same bytes", st)
	}
}

// TestSubmitterEvictedAndResync: while one queue's tx is lost, another
// queue for the same key (another process) uses that sequence. The first
// queue reports its tx evicted, then continues with fresh sequences. Every
// answer the first queue gets is reworded, so it recovers the sequence
// mismatch from the structured field alone (ExpectedSequence), not from
// any message.
func TestSubmitterEvictedAndResync(t *testing.T) {
	tc := validatortest.NewChain(t, 100*time.Millisecond, 1)
	n := tc.Start(t)
	lm := &lossyMempool{Mempool: n.Mempool()}
	rm := &rewordingMempool{Mempool: lm}
	validatortest.WaitHeight(t, n.Client(), 1, 20*time.Second)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()

	s1, err := wallet.NewSubmitter(wallet.SubmitterConfig{Client: n.Client(), Mempool: rm, Key: tc.Keys[0], PollInterval: 50 * time.Millisecond, RebroadcastAfter: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	s1.Start(ctx)
	defer s1.Stop()
	lm.dropping.Store(true)
	lost, err := s1.SubmitBlobs(ctx, submitTestBlob(t, 3, 1, 100))
	if err != nil {
		t.Fatal(err)
	}
	lm.dropping.Store(false)

	s2 := newTestSubmitter(t, n.Client(), n.Mempool(), tc.Keys[0])
	for i := range 2 {
		sub, err := s2.SubmitBlobs(ctx, submitTestBlob(t, 3, 10+i, 100))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := sub.Wait(ctx); err != nil {
			t.Fatal(err)
		}
	}
	st, err := lost.Wait(ctx)
	if !errors.Is(err, wallet.ErrEvicted) || st.State != wallet.StateEvicted {
		t.Fatalf("lost tx: %+v %v, want evicted", st, err)
	}
	// s1's next tx: its local sequence (1) is stale, the chain is at 2.
	sub, err := s1.SubmitBlobs(ctx, submitTestBlob(t, 3, 20, 100))
	if err != nil {
		t.Fatal(err)
	}
	st, err = sub.Wait(ctx)
	if err != nil || st.Sequence != 2 {
		t.Fatalf("after resync: %+v %v, want sequence 2", st, err)
	}
	if rm.reworded.Load() == 0 {
		t.Fatal("no answer was reworded: the sequence mismatch was never seen")
	}
}

// TestSubmittersOneQueuePerAccount: two components asking for the same key
// get the same queue, and their concurrent submissions do not collide.
func TestSubmittersOneQueuePerAccount(t *testing.T) {
	tc := validatortest.NewChain(t, 100*time.Millisecond, 2)
	n := tc.Start(t)
	c := n.Client()
	validatortest.WaitHeight(t, c, 1, 20*time.Second)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	set := wallet.NewSubmitters(ctx, c, n.Mempool(), nil, 50*time.Millisecond)
	defer set.Stop()
	a1, _ := set.For(tc.Keys[0])
	again, _ := wallet.NewKeyring(tc.Home).Load(tc.Keys[0].Name)
	a2, _ := set.For(again)
	b, _ := set.For(tc.Keys[1])
	if a1 != a2 || a1 == b {
		t.Fatal("Submitters must return one queue per account")
	}
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			q := []*wallet.Submitter{a1, a2, b}[i%3]
			sub, err := q.SubmitBlobs(ctx, submitTestBlob(t, 5, i, 200))
			if err == nil {
				_, err = sub.Wait(ctx)
			}
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
}
