package consensus

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"sync"

	abci "github.com/cometbft/cometbft/abci/types"

	"github.com/quadrant-da/quadrant/chain"
	"github.com/quadrant-da/quadrant/da"
)

// appVersion is the application protocol version reported to CometBFT.
const appVersion uint64 = 1

// version is the software version reported by Info.
const version = "0.1.0"

// AppConfig configures an App.
type AppConfig struct {
	// Dir is the directory of the on-disk state store (created if missing).
	Dir string
	// Logger receives the app's logs; nil discards them.
	Logger *slog.Logger
	// RetainBlocks is how many recent blocks a node keeps: Commit asks
	// CometBFT to prune blocks below height−RetainBlocks+1, and the blob
	// index is pruned alike; while snapshots are taken, the blocks after
	// the oldest one kept are retained too. 0 keeps everything.
	RetainBlocks int64
	// BadDataRootForTesting is a test-only hook: as proposer, the app puts a
	// wrong data root into its data-root transaction, so honest validators
	// must reject its proposals. Never set it in production.
	BadDataRootForTesting bool
	// Mempool says whose mempool holds pending transactions: CometBFT's
	// (MempoolFlood, also when empty) or the application's own (MempoolApp,
	// bounded by Pool), matching CometBFT's mempool.type.
	Mempool MempoolType
	Pool    PoolConfig
	// Snapshots configures the state-sync snapshots the App takes.
	Snapshots SnapshotConfig
	// ChainID, when set, is the chain a restored snapshot must be of (the
	// genesis chain id; the app hash does not commit to it).
	ChainID string
	// AttestationKey, when set, is the validator's Ethereum key: ExtendVote
	// signs attestations with it (attest_abci.go). Nil signs nothing.
	AttestationKey AttestationKey
}

// App is Quadrant's CometBFT ABCI++ application. It is safe for concurrent
// use by CometBFT's connections (consensus, mempool, query), whether or not
// the ABCI client serialises them.
type App struct {
	log   *slog.Logger
	cfg   AppConfig
	store *stateStore

	// stateMu guards the committed state and the block being finalized.
	stateMu   sync.RWMutex
	committed *state
	pending   *pendingBlock

	// checkMu guards the mempool's view: committed state plus the effects
	// of the transactions CheckTx admitted since the last Commit.
	checkMu     sync.Mutex
	checkLedger *ledger

	layouts layoutCache
	valid   validCache

	// pool is the app's own mempool (AppConfig.Mempool == MempoolApp), else
	// nil. poolMu serialises admitting a transaction to it (the mempool
	// view and the pool together) with Commit's recheck of the pool.
	pool   *txPool
	poolMu sync.Mutex

	ownProposal ownProposal
	decided     decidedCache

	snaps *snapshotter
}

var _ abci.Application = (*App)(nil)

// pendingBlock is the result of FinalizeBlock, kept in memory until Commit.
type pendingBlock struct {
	state   *state // state after the block (accounts not yet applied)
	changes map[chain.Address]Account
	staking *Staking // the new staking state, or nil if unchanged
	records []BlobRecord
	txs     [][]byte     // the block's, to clear from the app's own mempool
	decoded []*decodedTx // txs decoded (nil where not), keyed
}

// NewApp opens (or creates) the state store in cfg.Dir and loads the last
// committed state. A fresh store waits for InitChain.
func NewApp(cfg AppConfig) (*App, error) {
	if cfg.Dir == "" {
		return nil, errors.New("consensus: AppConfig.Dir is empty, want the state directory")
	}
	if cfg.RetainBlocks < 0 {
		return nil, fmt.Errorf("consensus: AppConfig.RetainBlocks is %d, want ≥ 0", cfg.RetainBlocks)
	}
	switch cfg.Mempool {
	case "", MempoolFlood:
	case MempoolApp:
		if cfg.Pool.MaxTxs <= 0 || cfg.Pool.MaxBytes <= 0 {
			return nil, fmt.Errorf("consensus: AppConfig.Pool %+v: the app mempool needs positive MaxTxs and MaxBytes", cfg.Pool)
		}
	default:
		return nil, fmt.Errorf("consensus: AppConfig.Mempool %q, want %q or %q", cfg.Mempool, MempoolFlood, MempoolApp)
	}
	logger := cfg.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	snaps, err := newSnapshotter(cfg.Snapshots, logger)
	if err != nil {
		return nil, err
	}
	st, err := openPebbleStore(cfg.Dir)
	if err != nil {
		return nil, err
	}
	committed, found, err := st.load(context.Background())
	if err != nil {
		_ = st.close()
		return nil, err
	}
	if !found {
		committed = &state{Params: chain.DefaultParams(), Accounts: Accounts{}, Staking: newStaking(chain.DefaultStakingParams())}
	}
	a := &App{log: logger, cfg: cfg, store: st, committed: committed, snaps: snaps}
	if cfg.Mempool == MempoolApp {
		a.pool = newTxPool(cfg.Pool)
	}
	a.checkLedger = newLedger(lockedReader{a: a})
	if found {
		logger.Info("consensus: state loaded", "height", committed.Height, "app_hash", fmt.Sprintf("%X", committed.AppHash),
			"accounts", len(committed.Accounts))
	}
	return a, nil
}

// Close waits for a snapshot being written and closes the state store. The
// App must not be used afterwards.
func (a *App) Close() error {
	a.snaps.wait()
	a.stateMu.Lock()
	defer a.stateMu.Unlock()
	return a.store.close()
}

// lockedReader reads committed accounts; callers hold a.stateMu (read).
// height and now, when set, are the block being proposed (blockClock).
type lockedReader struct {
	a           *App
	height, now int64
}

func (r lockedReader) blockClock() (height, now int64) { return r.height, r.now }

func (r lockedReader) Account(addr chain.Address) Account { return r.a.committed.Accounts[addr] }

// StakingState returns the committed staking state; callers hold
// a.stateMu (read).
func (r lockedReader) StakingState() *Staking { return r.a.committed.Staking }

// Info reports the last committed height and app hash for CometBFT's
// handshake, which replays any stored block the app has not committed.
func (a *App) Info(context.Context, *abci.RequestInfo) (*abci.ResponseInfo, error) {
	a.stateMu.RLock()
	defer a.stateMu.RUnlock()
	return &abci.ResponseInfo{
		Data:             "quadrant",
		Version:          version,
		AppVersion:       appVersion,
		LastBlockHeight:  a.committed.Height,
		LastBlockAppHash: a.committed.AppHash,
	}, nil
}

// InitChain loads the genesis app state (GenesisState JSON) and persists it
// as height 0. CometBFT calls InitChain again after a restart as long as no
// block was committed, which resets the store to the same genesis.
func (a *App) InitChain(ctx context.Context, req *abci.RequestInitChain) (*abci.ResponseInitChain, error) {
	g := DefaultGenesisState()
	if len(req.AppStateBytes) > 0 {
		var err error
		if g, err = ParseGenesisState(req.AppStateBytes); err != nil {
			return nil, err
		}
	}
	st, err := genesisToState(req.ChainId, g)
	if err != nil {
		return nil, err
	}
	st.InitialHeight = max(req.InitialHeight, 1)
	st.LastBlockTime = req.Time.UnixNano()
	a.stateMu.Lock()
	defer a.stateMu.Unlock()
	if a.committed.Height > 0 {
		return nil, fmt.Errorf("consensus: InitChain at committed height %d, want an empty state", a.committed.Height)
	}
	err = a.store.commit(ctx, commitBatch{meta: metaOf(st), changes: st.Accounts, staking: st.Staking, attest: st.Attest, all: true})
	if err != nil {
		return nil, err
	}
	a.committed = st
	a.pending = nil
	a.valid.reset() // stateless validity depends on chain id and params
	a.resetCheckState()
	a.log.Info("consensus: genesis", "chain_id", st.ChainID, "accounts", len(st.Accounts),
		"app_hash", fmt.Sprintf("%X", st.AppHash), "max_square_size", st.Params.MaxSquareSize)
	// An empty answer keeps genesis.json's validators (a chain without
	// staking validators); otherwise the app's set replaces them.
	return &abci.ResponseInitChain{AppHash: st.AppHash, Validators: initialUpdates(st.Staking)}, nil
}

// initialUpdates is the active set of a genesis staking state as CometBFT
// validator updates, in consensus address order.
func initialUpdates(st *Staking) []abci.ValidatorUpdate {
	var out []abci.ValidatorUpdate
	for _, a := range sortedAddrs(st.Active) {
		if v := st.byConsAddress()[a]; v != nil {
			out = append(out, abci.Ed25519ValidatorUpdate(v.PubKey, st.Active[a]))
		}
	}
	return out
}

func metaOf(st *state) stateMeta {
	return stateMeta{ChainID: st.ChainID, Height: st.Height, InitialHeight: st.InitialHeight,
		AppHash: st.AppHash, Params: st.Params, LastBlockTime: st.LastBlockTime}
}

// resetCheckState drops the mempool's view back to committed state; CometBFT
// rechecks the remaining mempool transactions, in order, after Commit.
func (a *App) resetCheckState() {
	a.checkMu.Lock()
	a.checkLedger = newLedger(lockedReader{a: a})
	a.checkMu.Unlock()
}

// Commit persists the block FinalizeBlock produced — accounts, params, height,
// app hash and blob index entries in one synced batch — and then makes it the
// committed state. A crash before the batch lands leaves the previous height
// on disk, and CometBFT replays the block.
func (a *App) Commit(ctx context.Context, _ *abci.RequestCommit) (*abci.ResponseCommit, error) {
	a.stateMu.Lock()
	p := a.pending
	if p == nil {
		a.stateMu.Unlock()
		return nil, errors.New("consensus: Commit without FinalizeBlock")
	}
	retain := int64(0)
	if w := a.cfg.RetainBlocks; w > 0 && p.state.Height > w {
		retain = a.snaps.retainHeight(p.state.Height, p.state.Height-w+1)
	}
	err := a.store.commit(ctx, commitBatch{meta: metaOf(p.state), changes: p.changes, staking: p.staking, attest: p.state.Attest, records: p.records, pruneBelow: retain})
	if err != nil {
		a.stateMu.Unlock()
		return nil, err
	}
	next := p.state
	next.Accounts = a.committed.Accounts
	next.Apply(p.changes)
	if p.staking != nil {
		next.Staking = p.staking
	}
	a.committed = next
	a.pending = nil
	view := a.snaps.viewLocked(next)
	a.stateMu.Unlock()

	a.snaps.start(view)
	a.afterCommit(p.txs, p.decoded)
	a.log.Debug("consensus: committed", "height", next.Height, "app_hash", fmt.Sprintf("%X", next.AppHash),
		"blobs", len(p.records))
	return &abci.ResponseCommit{RetainHeight: retain}, nil
}

// Query answers, from committed state:
//
//	/account/<hex address>          AccountInfo JSON (unknown: zero balance, sequence 0)
//	/blobs/<height>/<namespace hex> JSON list of BlobRecord (empty list if none)
//	/params                         Params JSON
//	/validators                     []chain.ValidatorInfo JSON, by power then address
//	/stake/<hex address>            chain.StakeInfo JSON
//	/staking/params                 chain.StakingParams JSON
//	/attestation/<nonce>|latest     chain.Attestation JSON with its signatures
//
// Only the latest committed state is kept: a request for another height
// (other than 0, "latest") fails. The response's Height is the committed
// height the answer reflects. Proofs are not provided.
func (a *App) Query(ctx context.Context, req *abci.RequestQuery) (*abci.ResponseQuery, error) {
	a.stateMu.RLock()
	height := a.committed.Height
	params := a.committed.Params
	a.stateMu.RUnlock()

	fail := func(err error) (*abci.ResponseQuery, error) {
		return &abci.ResponseQuery{Code: chain.CodeQuery, Log: err.Error(), Height: height}, nil
	}
	if req.Height != 0 && req.Height != height {
		return fail(fmt.Errorf("consensus: query at height %d: only the latest state (height %d) is kept; use height 0", req.Height, height))
	}
	parts := strings.Split(strings.Trim(req.Path, "/"), "/")
	var v any
	switch {
	case len(parts) == 2 && parts[0] == "account":
		addr, err := chain.ParseAddress(parts[1])
		if err != nil {
			return fail(err)
		}
		a.stateMu.RLock()
		acc := a.committed.Accounts[addr]
		a.stateMu.RUnlock()
		v = chain.AccountInfo{Address: addr[:], Balance: acc.Balance, Sequence: acc.Sequence}
	case len(parts) == 3 && parts[0] == "blobs":
		h, err := strconv.ParseInt(parts[1], 10, 64)
		if err != nil || h < 1 {
			return fail(fmt.Errorf("consensus: query /blobs: height %q, want a positive integer", parts[1]))
		}
		ns, err := da.ParseNamespace(parts[2])
		if err != nil {
			return fail(fmt.Errorf("consensus: query /blobs: %w", err))
		}
		recs, err := a.store.blobRecords(ctx, h, ns)
		if err != nil {
			return fail(err)
		}
		v = recs
	case parts[0] == "attestation":
		a.stateMu.RLock()
		s := a.committed.Attest
		a.stateMu.RUnlock()
		var err error
		if v, err = attestationQuery(s, parts); err != nil {
			return fail(err)
		}
	case len(parts) == 1 && parts[0] == "params":
		v = params
	case parts[0] == "validators" || parts[0] == "stake" || parts[0] == "staking":
		a.stateMu.RLock()
		st, now := a.committed.Staking, a.committed.LastBlockTime
		a.stateMu.RUnlock()
		var err error
		if v, err = stakingQuery(st, now, parts); err != nil {
			return fail(err)
		}
	default:
		return fail(fmt.Errorf("consensus: unknown query path %q, want /account/<hex>, /blobs/<height>/<namespace>, /params, /validators, /stake/<hex>, /staking/params or /attestation/<nonce>", req.Path))
	}
	b, err := json.Marshal(v)
	if err != nil {
		return fail(err)
	}
	return &abci.ResponseQuery{Code: chain.CodeOK, Value: b, Height: height}, nil
}

// State sync: the App takes snapshots every AppConfig.Snapshots.Interval
// heights and restores from a peer's (snapshot.go, snapshot_abci.go).

// ListSnapshots returns the kept snapshots, newest first.
func (a *App) ListSnapshots(context.Context, *abci.RequestListSnapshots) (*abci.ResponseListSnapshots, error) {
	return &abci.ResponseListSnapshots{Snapshots: a.snaps.list()}, nil
}

// OfferSnapshot accepts a snapshot of snapshotFormat with well-formed
// metadata when the App has no state yet.
func (a *App) OfferSnapshot(_ context.Context, req *abci.RequestOfferSnapshot) (*abci.ResponseOfferSnapshot, error) {
	return a.offerSnapshot(req), nil
}

// LoadSnapshotChunk returns a chunk of a kept snapshot, or none.
func (a *App) LoadSnapshotChunk(_ context.Context, req *abci.RequestLoadSnapshotChunk) (*abci.ResponseLoadSnapshotChunk, error) {
	return &abci.ResponseLoadSnapshotChunk{Chunk: a.snaps.chunk(req)}, nil
}

// ApplySnapshotChunk verifies a chunk against the snapshot's metadata
// (a bad one is refetched from another peer) and, after the last, restores
// the state if it matches the trusted app hash.
func (a *App) ApplySnapshotChunk(ctx context.Context, req *abci.RequestApplySnapshotChunk) (*abci.ResponseApplySnapshotChunk, error) {
	return a.applySnapshotChunk(ctx, req)
}
