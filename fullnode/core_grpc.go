package fullnode

import (
	"context"
	"fmt"
	"time"

	coretypes "github.com/cometbft/cometbft/rpc/core/types"
	grpcclient "github.com/cometbft/cometbft/rpc/grpc/client"
	"github.com/cometbft/cometbft/types"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// coreGRPCMaxMessage bounds one block received over gRPC: CometBFT's
// largest block plus room for the response's framing.
const coreGRPCMaxMessage = types.MaxBlockSizeBytes + 1<<20

// grpcCore is a CoreClient whose Block goes over the consensus node's gRPC
// BlockService (protobuf, no base64 JSON decoded by reflection) and whose
// other calls go over the wrapped JSON RPC client. A k=256 block is ~30 MiB
// of protobuf against ~40 MiB of base64 JSON.
type grpcCore struct {
	CoreClient // Status, ABCIQuery, Commit, Validators
	addr       string
	blocks     grpcclient.Client
}

// dialCoreGRPC returns a client of the block service at addr (host:port).
// The connection is made lazily; check tells whether the service answers.
func dialCoreGRPC(ctx context.Context, addr string, jsonCore CoreClient) (*grpcCore, error) {
	c, err := grpcclient.New(ctx, addr,
		grpcclient.WithInsecure(),
		grpcclient.WithVersionServiceEnabled(false),
		grpcclient.WithBlockResultsServiceEnabled(false),
		grpcclient.WithGRPCDialOption(grpc.WithDefaultCallOptions(grpc.MaxCallRecvMsgSize(coreGRPCMaxMessage))),
	)
	if err != nil {
		return nil, fmt.Errorf("fullnode: core gRPC %s: %w", addr, err)
	}
	return &grpcCore{CoreClient: jsonCore, addr: addr, blocks: c}, nil
}

// check asks for height 0, which a working block service refuses as an
// invalid argument. A server without the block service (the consensus
// node's gRPC block service disabled, or another gRPC server) is a
// configuration error (wraps ErrConfig); an unreachable one is transient
// (the consensus node may still be starting).
func (g *grpcCore) check(ctx context.Context, timeout time.Duration) error {
	cctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	_, err := g.blocks.GetBlockByHeight(cctx, 0)
	switch status.Code(err) {
	case codes.InvalidArgument:
		return nil
	case codes.OK:
		return fmt.Errorf("fullnode: core gRPC %s: block service served a block at height 0", g.addr)
	case codes.Unimplemented:
		return fmt.Errorf("%w: core gRPC %s: no block service there (enable it on the consensus node, or clear bridge.core_grpc): %v", ErrConfig, g.addr, err)
	default:
		return fmt.Errorf("fullnode: core gRPC %s: block service unreachable (is the consensus node's rpc.grpc_listen_address set to it?): %w", g.addr, err)
	}
}

// Block fetches the block at *height over gRPC (height is required: the
// bridge always asks for a given height).
func (g *grpcCore) Block(ctx context.Context, height *int64) (*coretypes.ResultBlock, error) {
	if height == nil {
		return nil, fmt.Errorf("fullnode: core gRPC %s: block without a height", g.addr)
	}
	b, err := g.blocks.GetBlockByHeight(ctx, *height)
	if err != nil {
		return nil, fmt.Errorf("fullnode: core gRPC %s: block %d: %w", g.addr, *height, err)
	}
	if b.BlockID == nil || b.Block == nil {
		return nil, fmt.Errorf("fullnode: core gRPC %s: block %d: empty response", g.addr, *height)
	}
	return &coretypes.ResultBlock{BlockID: *b.BlockID, Block: b.Block}, nil
}

// Close closes the gRPC connection.
func (g *grpcCore) Close() error { return g.blocks.Close() }
