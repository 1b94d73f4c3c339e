package coreapi

import (
	"context"
	"fmt"

	cmtproto "github.com/cometbft/cometbft/proto/tendermint/types"
	"github.com/cometbft/cometbft/types"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"
)

// Client calls a validator's core API. It is safe for concurrent use.
type Client struct {
	addr string
	conn *grpc.ClientConn
}

// Dial returns a client of the service at addr (host:port). The connection
// is made lazily, so Dial succeeds while the validator is still starting;
// Check tells whether the service answers.
func Dial(addr string) (*Client, error) {
	conn, err := grpc.NewClient(addr,
		grpc.WithTransportCredentials(insecure.NewCredentials()),
		grpc.WithDefaultCallOptions(
			grpc.ForceCodecV2(rawCodec{}),
			grpc.MaxCallRecvMsgSize(maxBlockMessageBytes),
			grpc.MaxCallSendMsgSize(maxBlockMessageBytes),
		),
	)
	if err != nil {
		return nil, fmt.Errorf("coreapi: dial %s: %w", addr, err)
	}
	return &Client{addr: addr, conn: conn}, nil
}

// Addr is the address the client was dialled with.
func (c *Client) Addr() string { return c.addr }

// Close closes the connection.
func (c *Client) Close() error { return c.conn.Close() }

// Check asks for height 0, which the service refuses as an invalid
// argument. It returns nil when the service answers so, and otherwise the
// gRPC error (status.Code tells Unavailable — nothing listening yet — from
// Unimplemented — another gRPC server there).
func (c *Client) Check(ctx context.Context) error {
	var out frame
	err := c.conn.Invoke(ctx, methodBlock, &frame{encodeHeight(0)}, &out)
	switch status.Code(err) {
	case codes.InvalidArgument:
		return nil
	case codes.OK:
		return fmt.Errorf("coreapi: %s served a block at height 0", c.addr)
	}
	return err
}

// Block fetches the block committed at height. A height the validator does
// not hold is a gRPC NotFound error.
func (c *Client) Block(ctx context.Context, height int64) (*types.BlockID, *types.Block, error) {
	if height <= 0 {
		return nil, nil, fmt.Errorf("coreapi: block height %d, want > 0", height)
	}
	var out frame
	if err := c.conn.Invoke(ctx, methodBlock, &frame{encodeHeight(uint64(height))}, &out); err != nil {
		return nil, nil, fmt.Errorf("coreapi: block %d from %s: %w", height, c.addr, err)
	}
	return decodeVerifiedBlock(out.b, height)
}

// decodeVerifiedBlock decodes a Block reply and checks that it holds a valid block
// at height whose hash is its BlockID's.
func decodeVerifiedBlock(reply []byte, height int64) (*types.BlockID, *types.Block, error) {
	idb, bb, err := decodeBlock(reply)
	if err != nil {
		return nil, nil, err
	}
	var idpb cmtproto.BlockID
	if err := idpb.Unmarshal(idb); err != nil {
		return nil, nil, fmt.Errorf("%w: block id: %w", errMessage, err)
	}
	id, err := types.BlockIDFromProto(&idpb)
	if err != nil {
		return nil, nil, fmt.Errorf("%w: block id: %w", errMessage, err)
	}
	var bpb cmtproto.Block
	if err := bpb.Unmarshal(bb); err != nil {
		return nil, nil, fmt.Errorf("%w: block: %w", errMessage, err)
	}
	block, err := types.BlockFromProto(&bpb)
	if err != nil {
		return nil, nil, fmt.Errorf("%w: block: %w", errMessage, err)
	}
	if block.Height != height {
		return nil, nil, fmt.Errorf("%w: asked for block %d, got %d", errMessage, height, block.Height)
	}
	if !block.HashesTo(id.Hash) {
		return nil, nil, fmt.Errorf("%w: block %d does not hash to its block id", errMessage, height)
	}
	return id, block, nil
}

// Submit checks tx into the validator's mempool. A refusal (by CometBFT or
// by CheckTx) is a result, not an error; an error means no answer.
func (c *Client) Submit(ctx context.Context, tx []byte) (*SubmitResult, error) {
	var out frame
	if err := c.conn.Invoke(ctx, methodSubmit, &frame{tx}, &out); err != nil {
		return nil, fmt.Errorf("coreapi: submit to %s: %w", c.addr, err)
	}
	return decodeResult(out.b)
}
