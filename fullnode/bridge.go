package fullnode

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	cmtbytes "github.com/cometbft/cometbft/libs/bytes"
	cmthttp "github.com/cometbft/cometbft/rpc/client/http"
	coretypes "github.com/cometbft/cometbft/rpc/core/types"
	"github.com/cometbft/cometbft/types"

	"github.com/quadrant-da/quadrant/da"
	"github.com/quadrant-da/quadrant/internal/pause"
)

// CoreClient is the part of CometBFT's RPC API a bridge node reads blocks
// through. CometBFT's HTTP client (rpc/client/http) and its in-process
// client (rpc/client/local) both satisfy it.
type CoreClient interface {
	Status(ctx context.Context) (*coretypes.ResultStatus, error)
	ABCIQuery(ctx context.Context, path string, data cmtbytes.HexBytes) (*coretypes.ResultABCIQuery, error)
	Block(ctx context.Context, height *int64) (*coretypes.ResultBlock, error)
	Commit(ctx context.Context, height *int64) (*coretypes.ResultCommit, error)
	Validators(ctx context.Context, height *int64, page, perPage *int) (*coretypes.ResultValidators, error)
}

// bridge is bridge-mode ingestion: it follows a consensus node and
// stores every committed block. Its state is the consensus node's clients.
type bridge struct {
	*shared
	core     CoreClient
	coreGRPC *grpcCore // with Bridge.CoreGRPC: closed by close
	// events is the JSON-RPC client connect made (nil if one was
	// injected): its websocket announces each new block, so ingestion
	// starts at once instead of on its next poll. Stopped by close.
	events *cmthttp.HTTP
}

// connect builds the consensus node's clients (HTTP unless one was
// injected; gRPC for blocks when configured) and, without a configured
// chain ID, asks the consensus node for it (bounded by ctx and the
// request timeout). With a configured chain ID the consensus node need
// not be up yet: run checks the ID once it answers.
func (b *bridge) connect(ctx context.Context, u *undo) (err error) {
	if b.core == nil {
		c, err := cmthttp.New(b.cfg.Bridge.CoreRPC, "/websocket")
		if err != nil {
			return fmt.Errorf("fullnode: core RPC client for %s: %w", b.cfg.Bridge.CoreRPC, err)
		}
		b.core, b.events = c, c
	}
	if b.cfg.Bridge.CoreGRPC != "" {
		g, err := dialCoreGRPC(b.cfg.Bridge.CoreGRPC, b.core)
		if err != nil {
			return err
		}
		b.core, b.coreGRPC = g, g
		u.push(func() { _ = g.Close() })
	}
	if b.chainID == "" {
		b.chainID, err = b.coreChainID(ctx)
	}
	return err
}

// close closes the gRPC connection and the block subscription, if any.
func (b *bridge) close() error {
	if b.events != nil && b.events.IsRunning() {
		_ = b.events.Stop()
	}
	if b.coreGRPC == nil {
		return nil
	}
	return b.coreGRPC.Close()
}

// subscribeBlocks subscribes to the consensus node's new-block events over
// its websocket; nil (poll only) if there is no such client or the
// subscription fails. Events only wake the ingestion loop early: it still
// polls, so a lost event or a dropped websocket costs a poll interval.
func (b *bridge) subscribeBlocks(ctx context.Context) <-chan coretypes.ResultEvent {
	if b.events == nil {
		return nil
	}
	if !b.events.IsRunning() {
		if err := b.events.Start(); err != nil {
			b.log.Debug("no block events from the consensus node; polling", "err", err)
			return nil
		}
	}
	sctx, cancel := context.WithTimeout(ctx, b.cfg.Bridge.RequestTimeout)
	defer cancel()
	// Capacity 1: an event arriving while a block is ingested is kept as
	// "look again"; more are dropped by the client, not queued.
	ch, err := b.events.Subscribe(sctx, "bridge", types.EventQueryNewBlockHeader.String(), 1)
	if err != nil {
		b.log.Debug("no block events from the consensus node; polling", "err", err)
		return nil
	}
	return ch
}

// waitBlock waits for the poll interval, a new-block event on newBlocks,
// or the end of ctx.
func (b *bridge) waitBlock(ctx context.Context, newBlocks <-chan coretypes.ResultEvent) {
	t := time.NewTimer(b.cfg.Bridge.PollInterval)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-newBlocks:
	case <-t.C:
	}
}

// coreChainID asks the consensus node for its chain ID and checks it
// against the configured one.
func (b *bridge) coreChainID(ctx context.Context) (string, error) {
	rctx, cancel := context.WithTimeout(ctx, b.cfg.Bridge.RequestTimeout)
	defer cancel()
	st, err := b.core.Status(rctx)
	if err != nil {
		return "", fmt.Errorf("fullnode: consensus node %s: status: %w", b.cfg.Bridge.CoreRPC, err)
	}
	id := st.NodeInfo.Network
	if b.cfg.ChainID != "" && b.cfg.ChainID != id {
		return "", fmt.Errorf("%w: chain_id %q, but the consensus node runs %q", ErrConfig, b.cfg.ChainID, id)
	}
	return id, nil
}

// coreMaxSquareSize reads the chain's max square size from the app's
// "/params" query. Parameters are fixed at genesis, so it is read once.
func (b *bridge) coreMaxSquareSize(ctx context.Context) (int, error) {
	rctx, cancel := context.WithTimeout(ctx, b.cfg.Bridge.RequestTimeout)
	defer cancel()
	res, err := b.core.ABCIQuery(rctx, "/params", nil)
	if err != nil {
		return 0, fmt.Errorf("fullnode: query /params: %w", err)
	}
	if res.Response.Code != 0 {
		return 0, fmt.Errorf("fullnode: query /params: code %d: %s", res.Response.Code, res.Response.Log)
	}
	var p struct {
		MaxSquareSize int `json:"max_square_size"`
	}
	if err := json.Unmarshal(res.Response.Value, &p); err != nil {
		return 0, fmt.Errorf("fullnode: query /params: %w", err)
	}
	if p.MaxSquareSize < 1 || p.MaxSquareSize > da.MaxSquareWidth/2 || p.MaxSquareSize&(p.MaxSquareSize-1) != 0 {
		return 0, fmt.Errorf("fullnode: query /params: max_square_size %d, want a power of two in [1, %d]", p.MaxSquareSize, da.MaxSquareWidth/2)
	}
	return p.MaxSquareSize, nil
}

// run ingests every committed block in height order, from the
// store's head + 1 (or the start height), polling the consensus node's
// latest height. A block whose txs and square disagree, or whose header
// does not verify against the previous one, halts ingestion with an alert.
func (b *bridge) run(ctx context.Context) error {
	var maxSq int
	for {
		var err error
		if _, err = b.coreChainID(ctx); errors.Is(err, ErrConfig) {
			b.health.halt("config", err.Error())
			return nil
		}
		if err == nil {
			maxSq, err = b.coreMaxSquareSize(ctx)
		}
		if err == nil && b.coreGRPC != nil {
			if err = b.coreGRPC.check(ctx, b.cfg.Bridge.RequestTimeout); errors.Is(err, ErrConfig) {
				b.health.halt("config", err.Error())
				return nil
			}
		}
		if err == nil {
			break
		}
		b.health.setLastErr(err)
		b.log.Warn("consensus node not ready (chain id, parameters, gRPC block service); retrying", "core", b.cfg.Bridge.CoreRPC, "err", err)
		if !pause.For(ctx, time.Second) {
			return nil
		}
	}
	next := b.store.HeadHeight() + 1
	fresh := b.store.HeadHeight() == 0
	if fresh && b.cfg.Bridge.StartHeight > 0 {
		next = b.cfg.Bridge.StartHeight
	}
	b.log.Info("bridge ingestion starts", "from", next, "core", b.cfg.Bridge.CoreRPC, "max_square_size", maxSq)
	newBlocks := b.subscribeBlocks(ctx)
	for ctx.Err() == nil && !b.health.halted() {
		st, err := b.coreStatus(ctx)
		if err != nil {
			b.health.setLastErr(err)
			b.log.Warn("consensus node status failed; retrying", "err", err)
			pause.For(ctx, b.cfg.Bridge.PollInterval)
			continue
		}
		latest, earliest := uint64(st.SyncInfo.LatestBlockHeight), uint64(max(st.SyncInfo.EarliestBlockHeight, 1))
		if fresh && next < earliest {
			b.log.Warn("the consensus node no longer holds the first heights; starting at its earliest block", "wanted", next, "earliest", earliest)
			next = earliest
		}
		if next <= latest {
			stored, err := b.ingestRange(ctx, next, latest, maxSq)
			next += stored
			if stored > 0 {
				fresh = false
			}
			var bde *blockDataError
			switch {
			case err == nil:
				b.health.setLastErr(nil)
			case ctx.Err() != nil:
				return nil
			case errors.As(err, &bde):
				b.health.halt("block_data", err.Error())
				return nil
			case errors.Is(err, da.ErrHeader):
				b.health.halt("header", fmt.Sprintf("height %d: %v", next, err))
				return nil
			default:
				b.health.setLastErr(err)
				b.log.Warn("ingesting a height failed; retrying", "height", next, "err", err)
			}
		}
		b.waitBlock(ctx, newBlocks)
	}
	return nil
}

func (b *bridge) coreStatus(ctx context.Context) (*coretypes.ResultStatus, error) {
	rctx, cancel := context.WithTimeout(ctx, b.cfg.Bridge.RequestTimeout)
	defer cancel()
	return b.core.Status(rctx)
}

// fetchedBlock is one height read from the consensus node.
type fetchedBlock struct {
	height uint64
	sh     *types.SignedHeader
	vals   *types.ValidatorSet
	txs    [][]byte
	start  time.Time
	took   time.Duration
	err    error
}

// ingestRange ingests heights from..to in order and returns how many it
// stored. One goroutine reads blocks ahead (up to two) while this one
// rebuilds, checks and stores, so the RPC transfer of a block overlaps the
// work on the previous one. It stops at the first error; the reader is
// cancelled and waited for before returning.
func (b *bridge) ingestRange(ctx context.Context, from, to uint64, maxSq int) (uint64, error) {
	fctx, cancel := context.WithCancel(ctx)
	ch := make(chan fetchedBlock, 2)
	go func() {
		defer close(ch)
		for h := from; h <= to; h++ {
			fb := b.fetchBlock(fctx, h)
			select {
			case ch <- fb:
			case <-fctx.Done():
				return
			}
			if fb.err != nil {
				return
			}
		}
	}()
	defer func() {
		cancel()
		for range ch { // wait for the reader to exit
		}
	}()
	var stored uint64
	for fb := range ch {
		if fb.err != nil {
			return stored, fb.err
		}
		if err := b.storeBlock(ctx, fb, maxSq); err != nil {
			return stored, err
		}
		stored++
	}
	return stored, ctx.Err()
}

// fetchBlock reads block h, its commit and its validator set.
func (b *bridge) fetchBlock(ctx context.Context, h uint64) (fb fetchedBlock) {
	fb = fetchedBlock{height: h, start: time.Now()}
	defer func() { fb.took = time.Since(fb.start) }()
	rctx, cancel := context.WithTimeout(ctx, b.cfg.Bridge.RequestTimeout)
	defer cancel()
	height := int64(h)
	blk, err := b.core.Block(rctx, &height)
	if err != nil {
		fb.err = fmt.Errorf("fullnode: block %d: %w", h, err)
		return fb
	}
	com, err := b.core.Commit(rctx, &height)
	if err != nil {
		fb.err = fmt.Errorf("fullnode: commit %d: %w", h, err)
		return fb
	}
	if com.Header == nil || com.Commit == nil || blk.Block == nil {
		fb.err = fmt.Errorf("fullnode: height %d: the consensus node returned no block, header or commit", h)
		return fb
	}
	if !bytes.Equal(com.Header.Hash(), blk.BlockID.Hash) || !bytes.Equal(com.Commit.BlockID.Hash, blk.BlockID.Hash) {
		fb.err = fmt.Errorf("fullnode: height %d: commit for block %X, block is %X", h, com.Commit.BlockID.Hash, blk.BlockID.Hash)
		return fb
	}
	if fb.vals, err = b.coreValidators(rctx, height); err != nil {
		fb.err = err
		return fb
	}
	fb.txs = make([][]byte, len(blk.Block.Txs))
	for i, tx := range blk.Block.Txs {
		fb.txs[i] = tx
	}
	fb.sh = &types.SignedHeader{Header: &blk.Block.Header, Commit: com.Commit}
	return fb
}

// storeBlock rebuilds and checks a fetched block's square (BuildBlock),
// verifies its header against the stored previous one, stores it and
// gossips its light header.
func (b *bridge) storeBlock(ctx context.Context, fb fetchedBlock, maxSq int) error {
	h := fb.height
	start := time.Now()
	eh, eds, err := BuildBlock(fb.sh, fb.vals, fb.txs, maxSq)
	if err != nil {
		return err
	}
	if prev, err := b.store.HeaderByHeight(ctx, h-1); err == nil {
		err = eh.Verify(prev.Light())
		if err != nil {
			return fmt.Errorf("fullnode: header %d against the stored %d: %w", h, h-1, err)
		}
	} else if err := eh.Validate(b.chainID); err != nil {
		return fmt.Errorf("fullnode: header %d: %w", h, err)
	}
	built := time.Now()
	if err := b.store.Put(ctx, eh, eds); err != nil {
		return err
	}
	b.log.Debug("bridge timings", "height", h, "fetch", fb.took, "build", built.Sub(start), "store", time.Since(built))
	b.stored(eh.Light(), time.Since(start)+fb.took)
	if err := b.gossip.PublishHeader(ctx, eh.Light()); err != nil && ctx.Err() == nil {
		b.log.Debug("header gossip failed", "height", h, "err", err)
	}
	return nil
}

// coreValidators fetches the whole validator set of height, page by page.
func (b *bridge) coreValidators(ctx context.Context, height int64) (*types.ValidatorSet, error) {
	var vals []*types.Validator
	perPage := 100
	for page := 1; ; page++ {
		res, err := b.core.Validators(ctx, &height, &page, &perPage)
		if err != nil {
			return nil, fmt.Errorf("fullnode: validators of %d: %w", height, err)
		}
		vals = append(vals, res.Validators...)
		if len(vals) >= res.Total || len(res.Validators) == 0 || len(vals) > da.MaxValidators {
			break
		}
	}
	set, err := types.ValidatorSetFromExistingValidators(vals)
	if err != nil {
		return nil, fmt.Errorf("fullnode: validators of %d: %w", height, err)
	}
	return set, nil
}
