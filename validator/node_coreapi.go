package validator

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"time"

	abci "github.com/cometbft/cometbft/abci/types"
	mempl "github.com/cometbft/cometbft/mempool"
	cmttypes "github.com/cometbft/cometbft/types"
	"google.golang.org/grpc"

	"github.com/quadrant-da/quadrant/coreapi"
)

// coreBackend serves Quadrant's core API (package coreapi) from the
// in-process CometBFT node: committed blocks from its block store, and
// transactions into its mempool.
type coreBackend struct {
	n *Node
}

// Block reads the block at height from the block store as stored: its parts
// concatenated are the block's protobuf encoding, so nothing is decoded and
// re-encoded.
func (b coreBackend) Block(_ context.Context, height int64) (id, block []byte, err error) {
	bs := b.n.cmt.BlockStore()
	// The block store panics on database errors; a request must not take
	// the validator down.
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("validator: reading block %d: %v", height, r)
		}
	}()
	meta := bs.LoadBlockMeta(height)
	if meta == nil {
		return nil, nil, fmt.Errorf("%w: height %d (this node holds %d..%d)", coreapi.ErrNotFound, height, bs.Base(), bs.Height())
	}
	pid := meta.BlockID.ToProto()
	if id, err = pid.Marshal(); err != nil {
		return nil, nil, fmt.Errorf("validator: encoding block id %d: %w", height, err)
	}
	total := int(meta.BlockID.PartSetHeader.Total)
	for i := 0; i < total; i++ {
		p := bs.LoadBlockPart(height, i)
		if p == nil { // pruned after the meta was read
			return nil, nil, fmt.Errorf("%w: height %d (pruned while reading)", coreapi.ErrNotFound, height)
		}
		if block == nil {
			block = make([]byte, 0, total*len(p.Bytes))
		}
		block = append(block, p.Bytes...)
	}
	return id, block, nil
}

// waitSyncer is the part of CometBFT's mempool reactor Submit asks.
type waitSyncer interface{ WaitSync() bool }

// Submit runs tx through the mempool's CheckTx and reports the outcome: the
// application's result, or CometBFT's refusal mapped to a coreapi.Refusal.
func (b coreBackend) Submit(ctx context.Context, tx []byte) (*coreapi.SubmitResult, error) {
	hash := cmttypes.Tx(tx).Hash()
	if r, ok := b.n.cmt.MempoolReactor().(waitSyncer); ok && r.WaitSync() {
		return &coreapi.SubmitResult{Refusal: coreapi.RefusalCatchingUp, Log: "node is catching up", Hash: hash}, nil
	}
	resCh := make(chan *abci.ResponseCheckTx, 1)
	err := b.n.cmt.Mempool().CheckTx(tx, func(res *abci.ResponseCheckTx) {
		resCh <- res // buffered: CheckTx calls back once
	}, mempl.TxInfo{})
	if err != nil {
		return &coreapi.SubmitResult{Refusal: mempoolRefusal(err), Log: err.Error(), Hash: hash}, nil
	}
	select {
	case <-ctx.Done():
		return nil, fmt.Errorf("validator: waiting for CheckTx: %w", ctx.Err())
	case res := <-resCh:
		return &coreapi.SubmitResult{Code: res.Code, Codespace: res.Codespace, Data: res.Data, Log: res.Log, Hash: hash}, nil
	}
}

// mempoolRefusal classifies an error of CometBFT's Mempool.CheckTx by its
// type (never by its text).
func mempoolRefusal(err error) coreapi.Refusal {
	var tooLarge mempl.ErrTxTooLarge
	var full mempl.ErrMempoolIsFull
	var pre mempl.ErrPreCheck
	switch {
	case errors.Is(err, mempl.ErrTxInCache), errors.Is(err, mempl.ErrSeenTx):
		return coreapi.RefusalInCache
	case errors.As(err, &tooLarge), errors.As(err, &pre):
		return coreapi.RefusalTooLarge
	case errors.As(err, &full), errors.Is(err, mempl.ErrRecheckFull):
		return coreapi.RefusalMempoolFull
	}
	return coreapi.RefusalOther
}

// startCoreAPI listens on rpc.grpc_listen_address (tcp://host:port) and
// serves the core API there until stopCoreAPI.
func (n *Node) startCoreAPI(addr string, maxTxBytes int) error {
	l, err := net.Listen("tcp", strings.TrimPrefix(addr, "tcp://"))
	if err != nil {
		return fmt.Errorf("validator: core API listen on %s: %w", addr, err)
	}
	srv, err := coreapi.NewServer(coreBackend{n}, coreapi.ServerConfig{MaxTxBytes: maxTxBytes})
	if err != nil {
		l.Close()
		return err
	}
	n.grpc = srv
	n.grpcDone = make(chan struct{})
	go func() {
		defer close(n.grpcDone)
		if err := srv.Serve(l); err != nil && !errors.Is(err, grpc.ErrServerStopped) {
			n.log.Error("validator: core API server", "err", err)
		}
	}()
	return nil
}

// stopCoreAPI stops the core API server, letting calls in flight finish for
// up to a second.
func (n *Node) stopCoreAPI() {
	if n.grpc == nil {
		return
	}
	t := time.AfterFunc(time.Second, n.grpc.Stop)
	n.grpc.GracefulStop()
	t.Stop()
	<-n.grpcDone
}
