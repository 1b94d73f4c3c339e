package fullnode

import (
	"context"
	"errors"
	"fmt"
	"time"

	coretypes "github.com/cometbft/cometbft/rpc/core/types"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/quadrant-da/quadrant/coreapi"
)

// grpcCore is a CoreClient whose Block goes over the validator's core API
// (package coreapi: the block's protobuf encoding read from the block
// store, no base64 JSON decoded by reflection) and whose other calls go
// over the wrapped JSON RPC client. A k=256 block is ~30 MiB of protobuf
// against ~40 MiB of base64 JSON.
type grpcCore struct {
	CoreClient // Status, ABCIQuery, Commit, Validators
	blocks     *coreapi.Client
}

// dialCoreGRPC returns a client of the core API at addr (host:port). The
// connection is made lazily; check tells whether the service answers.
func dialCoreGRPC(addr string, jsonCore CoreClient) (*grpcCore, error) {
	c, err := coreapi.Dial(addr)
	if err != nil {
		return nil, fmt.Errorf("fullnode: core gRPC: %w", err)
	}
	return &grpcCore{CoreClient: jsonCore, blocks: c}, nil
}

// check tells whether the core API answers. A server without it (another
// gRPC server) is a configuration error (wraps ErrConfig); an unreachable
// one is transient (the consensus node may still be starting).
func (g *grpcCore) check(ctx context.Context, timeout time.Duration) error {
	cctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	err := g.blocks.Check(cctx)
	switch {
	case err == nil:
		return nil
	case status.Code(err) == codes.Unimplemented:
		return fmt.Errorf("%w: core gRPC %s: no Quadrant core API there (set the validator's rpc.grpc_listen_address to it, or clear bridge.core_grpc): %v", ErrConfig, g.blocks.Addr(), err)
	case status.Code(err) == codes.Unavailable, status.Code(err) == codes.DeadlineExceeded, errors.Is(err, context.DeadlineExceeded):
		return fmt.Errorf("fullnode: core gRPC %s: core API unreachable (is the validator's rpc.grpc_listen_address set to it?): %w", g.blocks.Addr(), err)
	default:
		return fmt.Errorf("fullnode: core gRPC %s: %w", g.blocks.Addr(), err)
	}
}

// Block fetches the block at *height over the core API (height is
// required: the bridge always asks for a given height).
func (g *grpcCore) Block(ctx context.Context, height *int64) (*coretypes.ResultBlock, error) {
	if height == nil {
		return nil, fmt.Errorf("fullnode: core gRPC %s: block without a height", g.blocks.Addr())
	}
	id, b, err := g.blocks.Block(ctx, *height)
	if err != nil {
		return nil, fmt.Errorf("fullnode: %w", err)
	}
	return &coretypes.ResultBlock{BlockID: *id, Block: b}, nil
}

// Close closes the gRPC connection.
func (g *grpcCore) Close() error { return g.blocks.Close() }
