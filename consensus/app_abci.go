package consensus

import (
	"bytes"
	"context"
	"fmt"
	"sync"
	"time"

	abci "github.com/cometbft/cometbft/abci/types"

	"github.com/quadrant-da/quadrant/blobs"
	"github.com/quadrant-da/quadrant/chain"
)

// CheckTx admits a transaction to the mempool if it is valid on its own
// (validateStateless) and applies, in order, on top of committed state plus
// the transactions admitted since the last Commit — so one account may have
// several transactions in the mempool, each with the next sequence. Rechecks
// after Commit run only the state part against the fresh state: CometBFT
// rechecks only transactions this node's CheckTx admitted, and their
// stateless validity (signature, share commitments) cannot change, so it is
// neither recomputed nor looked up (which would hash every MiB-sized
// transaction in the mempool again after every block).
//
// The expensive checks (blob share commitments) run last, after the
// transaction was found to apply against the mempool's view, so a sender
// with a wrong sequence or no funds costs little.
func (a *App) CheckTx(_ context.Context, req *abci.RequestCheckTx) (*abci.ResponseCheckTx, error) {
	code, data, log, gas := a.checkTx(req.Tx, nil, req.Type == abci.CheckTxType_Recheck)
	return &abci.ResponseCheckTx{Code: code, Data: data, Log: log, GasWanted: gas}, nil
}

// checkTx is CheckTx (and, with the app's own mempool, InsertTx): it
// returns the result code, structured data and log of a rejection, or the
// gas wanted. key, when not nil, is the SHA-256 of raw the caller already
// computed (a relayed transaction's), so it is not hashed again.
func (a *App) checkTx(raw []byte, key *[32]byte, recheck bool) (code uint32, data []byte, log string, gas int64) {
	a.stateMu.RLock()
	params, chainID := a.committed.Params, a.committed.ChainID
	a.stateMu.RUnlock()
	d, terr := decodeTx(raw, params)
	if terr == nil && !recheck {
		if key != nil {
			d.setKey(*key)
		}
		k := d.hashKey()
		if a.pool != nil && a.pool.has(k) {
			return chain.CodeOK, nil, "", int64(min(d.gasLimit(), 1<<62)) // already pooled
		}
		if a.pool != nil && !a.pool.room(len(raw)) {
			terr = txErr(chain.CodeMempoolFull, "%w", errMempoolFull)
		}
		if terr == nil && !a.valid.has(k) {
			terr = validateTx(d, params, chainID)
			if terr == nil {
				terr = a.applyToMempoolView(d, true)
			}
			if terr == nil {
				terr = validateBlobTx(d, params)
			}
			if terr == nil {
				a.valid.add(k)
			}
		}
	}
	if terr == nil {
		if a.pool != nil && !recheck {
			terr = a.admitToPool(d) // keyed above
		} else {
			terr = a.applyToMempoolView(d, false)
		}
	}
	if terr != nil {
		if recheck {
			a.log.Debug("consensus: recheck evicts tx", "reason", terr.Error())
		}
		return terr.Code, terr.Data, terr.Error(), 0
	}
	return chain.CodeOK, nil, "", int64(min(d.gasLimit(), 1<<62))
}

// admitToPool applies d to the mempool view and adds it, under its key, to the app's own
// mempool, atomically with respect to Commit's recheck of the pool.
func (a *App) admitToPool(d *decodedTx) *txError {
	key := d.hashKey()
	a.poolMu.Lock()
	defer a.poolMu.Unlock()
	if a.pool.has(key) {
		return nil
	}
	if !a.pool.room(len(d.raw)) {
		return txErr(chain.CodeMempoolFull, "%w", errMempoolFull)
	}
	if terr := a.applyToMempoolView(d, false); terr != nil {
		return terr
	}
	a.pool.add(key, d)
	return nil
}

// afterCommit starts the mempool view afresh from the new committed state.
// With the app's own mempool it also drops the block's transactions from
// the pool and re-applies the rest in arrival order, dropping those that no
// longer apply (CometBFT's recheck, done by the application).
func (a *App) afterCommit(blockTxs [][]byte, decoded []*decodedTx) {
	if a.pool == nil {
		a.resetCheckState()
		return
	}
	a.poolMu.Lock()
	defer a.poolMu.Unlock()
	a.resetCheckState()
	committed, invalid := a.pool.update(blockTxs, decoded, func(d *decodedTx) bool {
		return a.applyToMempoolView(d, false) == nil
	})
	if n, b := a.pool.size(); committed+invalid > 0 {
		a.log.Debug("consensus: app mempool updated", "committed", committed, "invalid", invalid, "txs", n, "bytes", b)
	}
}

// InsertTx takes a transaction a peer gossiped into the app's own mempool
// (mempool.type = "app"), with CheckTx's checks.
func (a *App) InsertTx(_ context.Context, req *abci.RequestInsertTx) (*abci.ResponseInsertTx, error) {
	if a.pool == nil {
		return nil, errNoPool
	}
	code, _ := a.insertPeerTx(req.Tx, nil)
	return &abci.ResponseInsertTx{Code: code}, nil
}

// ReapTxs hands CometBFT, for gossip, the app mempool's transactions it has
// not handed out before (at most req.MaxBytes of them).
func (a *App) ReapTxs(_ context.Context, req *abci.RequestReapTxs) (*abci.ResponseReapTxs, error) {
	if a.pool == nil {
		return &abci.ResponseReapTxs{}, nil
	}
	return &abci.ResponseReapTxs{Txs: a.pool.reap(req.MaxBytes)}, nil
}

// applyToMempoolView applies d to the mempool's view of the state; with
// dryRun it only reports whether d would apply.
func (a *App) applyToMempoolView(d *decodedTx, dryRun bool) *txError {
	a.checkMu.Lock()
	defer a.checkMu.Unlock()
	a.stateMu.RLock()
	defer a.stateMu.RUnlock()
	l := a.checkLedger
	if dryRun {
		l = newLedger(a.checkLedger)
	}
	// The next block's time is not known yet: the last one stands in (so
	// an unjail is admitted only once the jail period passed by then).
	l.now, l.height = a.committed.LastBlockTime, a.committed.Height+1
	return applyTx(l, d)
}

// PrepareProposal orders the mempool's transactions, keeps the valid ones
// that fit the square (prepareBlock) and appends the data-root transaction.
func (a *App) PrepareProposal(_ context.Context, req *abci.RequestPrepareProposal) (*abci.ResponsePrepareProposal, error) {
	start := time.Now()
	mempool := req.Txs
	if a.pool != nil {
		mempool = a.pool.snapshot() // CometBFT passes none with the app mempool
	}
	a.stateMu.RLock()
	params := a.committed.Params
	att := attestTxFor(a.committed.Attest, a.committed.Staking, req.LocalLastCommit.Votes)
	// Staking messages that depend on time (unjail) are judged at the
	// proposed block's time, as FinalizeBlock will.
	at := lockedReader{a: a, height: req.Height, now: req.Time.UnixNano()}
	plan, dropped, err := prepareBlock(at, mempool, params, a.validatorLocked(), req.MaxTxBytes-int64(len(att)), att)
	a.stateMu.RUnlock()
	if err != nil {
		return nil, fmt.Errorf("consensus: preparing proposal at height %d: %w", req.Height, err)
	}
	root := plan.dataRoot
	if a.cfg.BadDataRootForTesting {
		root = append([]byte(nil), root...)
		root[0] ^= 0xFF
		a.log.Warn("consensus: TEST HOOK: proposing a wrong data root", "height", req.Height)
	}
	drt, err := (&blobs.DataRootTx{DataRoot: root, SquareSize: uint64(plan.squareSize)}).Marshal()
	if err != nil {
		return nil, fmt.Errorf("consensus: encoding the data-root tx at height %d: %w", req.Height, err)
	}
	if layout, err := layoutFromPlan(plan); err == nil {
		a.layouts.put(drt, layout)
	}
	txs := append(plan.txs[:len(plan.txs):len(plan.txs)], drt)
	if !a.cfg.BadDataRootForTesting {
		a.ownProposal.set(req.Height, txs, plan.decoded)
	}
	for _, d := range dropped {
		a.log.Debug("consensus: tx left out of proposal", "height", req.Height, "reason", d.reason)
	}
	a.log.Info("consensus: prepared proposal", "height", req.Height, "txs", len(plan.txs), "mempool_txs", len(mempool),
		"left_out", len(dropped), "square_size", plan.squareSize, "took", time.Since(start).Round(time.Millisecond))
	return &abci.ResponsePrepareProposal{Txs: txs}, nil
}

// ProcessProposal accepts a block only if processBlock finds it valid. The
// checked transactions of an accepted block are kept by block hash
// (decidedCache), so FinalizeBlock does not decode and hash them again.
func (a *App) ProcessProposal(_ context.Context, req *abci.RequestProcessProposal) (*abci.ResponseProcessProposal, error) {
	if decoded, ok := a.ownProposal.match(req.Height, req.Txs); ok {
		// CometBFT asks the proposer too; its own proposal was built by the
		// same rules against the same state, so it is not checked twice.
		a.decided.put(req.Hash, req.Height, decoded)
		return &abci.ResponseProcessProposal{Status: abci.ResponseProcessProposal_ACCEPT}, nil
	}
	start := time.Now()
	att := attestTxOf(req.Txs)
	a.stateMu.RLock()
	params := a.committed.Params
	at := lockedReader{a: a, height: req.Height, now: req.Time.UnixNano()}
	plan, err := processBlock(at, req.Txs, params, a.checkerLocked())
	if err == nil && att != nil {
		err = applyAttestTx(a.committed.Attest.Clone(), a.committed.Staking, att, req.ProposedLastCommit.Votes)
	}
	a.stateMu.RUnlock()
	a.log.Info("consensus: processed proposal", "height", req.Height, "txs", len(req.Txs), "ok", err == nil,
		"took", time.Since(start).Round(time.Millisecond))
	if err != nil {
		a.log.Warn("consensus: rejecting proposal", "height", req.Height, "proposer", fmt.Sprintf("%X", req.ProposerAddress), "reason", err)
		return &abci.ResponseProcessProposal{Status: abci.ResponseProcessProposal_REJECT}, nil
	}
	if layout, err := layoutFromPlan(plan); err == nil {
		a.layouts.put(req.Txs[len(req.Txs)-1], layout)
	}
	a.decided.put(req.Hash, req.Height, plan.decoded)
	return &abci.ResponseProcessProposal{Status: abci.ResponseProcessProposal_ACCEPT}, nil
}

// FinalizeBlock executes the decided block (executeBlock) on top of
// committed state and returns the results and the new app hash. Nothing is
// persisted until Commit.
func (a *App) FinalizeBlock(_ context.Context, req *abci.RequestFinalizeBlock) (*abci.ResponseFinalizeBlock, error) {
	a.stateMu.RLock()
	cur := a.committed
	want := cur.Height + 1
	if cur.Height == 0 {
		want = max(cur.InitialHeight, 1)
	}
	a.stateMu.RUnlock()
	if req.Height != want {
		return nil, fmt.Errorf("consensus: FinalizeBlock at height %d, want %d (committed height %d)", req.Height, want, cur.Height)
	}
	params := cur.Params

	var layout *blockLayout
	if n := len(req.Txs); n > 0 && blobs.IsDataRootTx(req.Txs[n-1]) {
		layout = a.layouts.get(req.Txs[n-1])
		if layout == nil {
			var err error
			if layout, err = layoutOf(req.Txs[:n-1], params); err != nil {
				a.log.Error("consensus: cannot rebuild the square of a decided block; its blobs are not indexed",
					"height", req.Height, "err", err)
			}
		}
	}

	// Transactions this node checked in ProcessProposal or PrepareProposal
	// (the block hash commits to their bytes) are not decoded and hashed
	// again; every transaction is still applied to the state.
	decoded := a.decided.take(req.Hash, req.Height, len(req.Txs))
	a.ownProposal.forget(req.Height)
	a.stateMu.RLock()
	fresh := a.checkerLocked()
	used := make([]*decodedTx, len(req.Txs)) // for the pool's update at Commit
	check := func(i int, raw []byte) (*decodedTx, *txError) {
		if i < len(decoded) && decoded[i] != nil && len(decoded[i].raw) == len(raw) {
			used[i] = decoded[i]
			return decoded[i], nil
		}
		d, terr := fresh(raw)
		used[i] = d
		return d, terr
	}
	env := blockEnv{height: req.Height, now: req.Time.UnixNano(),
		stakingBlock: stakingBlock{votes: req.DecidedLastCommit.Votes, misbehavior: req.Misbehavior}}
	res := executeBlock(lockedReader{a: a}, req.Txs, env, check, layout)
	staking := cur.Staking
	if res.staking != nil {
		staking = res.staking
	}
	att := attestTxOf(req.Txs)
	attest, attResult := a.finalizeAttestations(cur, staking, req, att)
	if att != nil {
		res.results[0] = attResult
	}
	appHash := stateHash(params, cur.Accounts, res.changes, staking, attest)
	a.stateMu.RUnlock()

	next := &state{ChainID: cur.ChainID, InitialHeight: cur.InitialHeight, Height: req.Height, AppHash: appHash, Params: params,
		Staking: staking, Attest: attest, LastBlockTime: env.now}
	a.stateMu.Lock()
	a.pending = &pendingBlock{state: next, changes: res.changes, staking: res.staking, records: res.records, txs: req.Txs, decoded: used}
	a.stateMu.Unlock()
	if len(res.updates) > 0 {
		a.log.Info("consensus: validator set changes", "height", req.Height, "updates", len(res.updates),
			"effective_height", req.Height+2)
	}
	return &abci.ResponseFinalizeBlock{TxResults: res.results, AppHash: appHash, ValidatorUpdates: res.updates, Events: res.events}, nil
}

func layoutFromPlan(p *blockPlan) (*blockLayout, error) {
	pl, err := blobPlacements(p.square)
	if err != nil {
		return nil, err
	}
	return &blockLayout{placements: pl, squareSize: p.squareSize}, nil
}

// validatorLocked returns the txValidator for the committed chain id and
// params, backed by the App's cache of statelessly valid transactions
// (keyed by the SHA-256 of the transaction's bytes). The caller holds
// a.stateMu (read or write).
func (a *App) validatorLocked() txValidator {
	params, chainID := a.committed.Params, a.committed.ChainID
	return func(d *decodedTx) *txError {
		key := d.hashKey()
		if a.valid.has(key) {
			return nil
		}
		if terr := validateStateless(d, params, chainID); terr != nil {
			return terr
		}
		a.valid.add(key)
		return nil
	}
}

// checkerLocked returns the txChecker for the committed chain id and
// params: decodeTx, then validatorLocked. The caller holds a.stateMu (read
// or write).
func (a *App) checkerLocked() txChecker {
	params := a.committed.Params
	validate := a.validatorLocked()
	return func(raw []byte) (*decodedTx, *txError) {
		d, terr := decodeTx(raw, params)
		if terr != nil {
			return nil, terr
		}
		if terr := validate(d); terr != nil {
			return nil, terr
		}
		return d, nil
	}
}

// validCache remembers the hashes of transactions that passed
// validateStateless, so a transaction's signature and share commitments are
// verified once per node rather than in CheckTx, recheck, ProcessProposal
// and FinalizeBlock. Chain id and params never change after genesis, so an
// entry never goes stale. Bounded; the oldest entries go first.
type validCache struct {
	mu   sync.Mutex
	set  map[[32]byte]struct{}
	ring [][32]byte
	next int
}

const validCacheSize = 1 << 16

func (c *validCache) has(k [32]byte) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	_, ok := c.set[k]
	return ok
}

func (c *validCache) reset() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.set, c.ring, c.next = nil, nil, 0
}

func (c *validCache) add(k [32]byte) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.set == nil {
		c.set = make(map[[32]byte]struct{})
	}
	if _, ok := c.set[k]; ok {
		return
	}
	c.set[k] = struct{}{}
	if len(c.ring) < validCacheSize {
		c.ring = append(c.ring, k)
		return
	}
	delete(c.set, c.ring[c.next]) // evict the oldest
	c.ring[c.next] = k
	c.next = (c.next + 1) % validCacheSize
}

// layoutCache keeps the layouts of the last few blocks this node prepared or
// processed, keyed by their data-root transaction — which commits to the
// square and so to the transactions — so FinalizeBlock does not rebuild the
// square. A miss (replay after restart) rebuilds it.
type layoutCache struct {
	mu      sync.Mutex
	entries []layoutEntry
}

type layoutEntry struct {
	key    string
	layout *blockLayout
}

const layoutCacheSize = 8

func (c *layoutCache) put(drt []byte, l *blockLayout) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.entries) == layoutCacheSize {
		c.entries = c.entries[1:]
	}
	c.entries = append(c.entries, layoutEntry{key: string(drt), layout: l})
}

func (c *layoutCache) get(drt []byte) *blockLayout {
	c.mu.Lock()
	defer c.mu.Unlock()
	for i := len(c.entries) - 1; i >= 0; i-- {
		if c.entries[i].key == string(drt) {
			return c.entries[i].layout
		}
	}
	return nil
}

// ownProposal remembers the last block this node proposed and its checked
// transactions.
type ownProposal struct {
	mu      sync.Mutex
	height  int64
	txs     [][]byte
	decoded []*decodedTx // for txs without the data-root transaction
}

func (o *ownProposal) set(height int64, txs [][]byte, decoded []*decodedTx) {
	o.mu.Lock()
	o.height, o.txs, o.decoded = height, txs, decoded
	o.mu.Unlock()
}

// match reports whether txs at height are exactly the last proposal this
// node prepared (byte for byte: CometBFT hands back a copy rebuilt from the
// block parts), and returns its checked transactions.
func (o *ownProposal) match(height int64, txs [][]byte) ([]*decodedTx, bool) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.txs == nil || o.height != height || len(o.txs) != len(txs) {
		return nil, false
	}
	for i := range txs {
		if !bytes.Equal(o.txs[i], txs[i]) {
			return nil, false
		}
	}
	return o.decoded, true
}

// forget drops the proposal once its height is finalized.
func (o *ownProposal) forget(height int64) {
	o.mu.Lock()
	if o.height <= height {
		o.txs, o.decoded = nil, nil
	}
	o.mu.Unlock()
}

// decidedCache keeps, by block hash, the checked transactions of the blocks
// this node accepted in ProcessProposal at the current height (a height may
// see several rounds), for FinalizeBlock. The block hash commits to every
// transaction's bytes, and what is kept is the result of decodeTx and
// validateStateless on them — a pure function of those bytes under the
// chain's fixed id and params. FinalizeBlock still applies every
// transaction to the state. Entries of lower heights are dropped; at most
// decidedCacheSize blocks are kept.
type decidedCache struct {
	mu      sync.Mutex
	entries []decidedEntry
}

type decidedEntry struct {
	hash    string
	height  int64
	decoded []*decodedTx
}

const decidedCacheSize = 4

func (c *decidedCache) put(hash []byte, height int64, decoded []*decodedTx) {
	if len(hash) == 0 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	kept := c.entries[:0]
	for _, e := range c.entries {
		if e.height >= height && e.hash != string(hash) {
			kept = append(kept, e)
		}
	}
	c.entries = kept
	if len(c.entries) == decidedCacheSize {
		c.entries = append(c.entries[:0], c.entries[1:]...)
	}
	c.entries = append(c.entries, decidedEntry{hash: string(hash), height: height, decoded: decoded})
}

// take returns the checked transactions of the block with this hash and
// height if they were kept for a block of n transactions (the last being
// the data-root transaction), and drops every entry up to height.
func (c *decidedCache) take(hash []byte, height int64, n int) []*decodedTx {
	c.mu.Lock()
	defer c.mu.Unlock()
	var found []*decodedTx
	kept := c.entries[:0]
	for _, e := range c.entries {
		if len(hash) > 0 && e.hash == string(hash) && e.height == height && len(e.decoded) == n-1 {
			found = e.decoded
		}
		if e.height > height {
			kept = append(kept, e)
		}
	}
	clear(c.entries[len(kept):])
	c.entries = kept
	return found
}
