package coreapi

import (
	"context"
	"errors"
	"fmt"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// ErrNotFound is wrapped by a Backend's Block error for a height it does
// not hold (pruned, or not yet committed).
var ErrNotFound = errors.New("coreapi: block not found")

// Backend is what the service serves; the validator node implements it
// over its block store and mempool. Both methods are called concurrently.
type Backend interface {
	// Block returns the protobuf encodings of the BlockID and of the block
	// committed at height (> 0), or an error wrapping ErrNotFound.
	Block(ctx context.Context, height int64) (blockID, block []byte, err error)
	// Submit checks tx into the mempool. An error means the check could
	// not be made (the node is stopping, ctx ended); a refusal is a result.
	Submit(ctx context.Context, tx []byte) (*SubmitResult, error)
}

// ServerConfig bounds what the service accepts.
type ServerConfig struct {
	// MaxTxBytes is the largest transaction Submit accepts (the mempool's
	// max_tx_bytes); larger requests are refused by gRPC before they are
	// read whole.
	MaxTxBytes int
	// MaxConcurrentStreams bounds in-flight calls per connection; 0 means 64.
	MaxConcurrentStreams uint32
}

// Validate reports a configuration that cannot work.
func (c ServerConfig) Validate() error {
	if c.MaxTxBytes <= 0 {
		return fmt.Errorf("coreapi: MaxTxBytes %d, want > 0", c.MaxTxBytes)
	}
	return nil
}

// NewServer returns a gRPC server serving b, not yet listening (call Serve
// with a listener; Stop or GracefulStop ends it).
func NewServer(b Backend, cfg ServerConfig) (*grpc.Server, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	streams := cfg.MaxConcurrentStreams
	if streams == 0 {
		streams = 64
	}
	s := grpc.NewServer(
		grpc.ForceServerCodecV2(rawCodec{}),
		grpc.MaxRecvMsgSize(cfg.MaxTxBytes+1024),
		grpc.MaxSendMsgSize(maxBlockMessageBytes),
		grpc.MaxConcurrentStreams(streams),
	)
	s.RegisterService(&serviceDesc, service{b})
	return s, nil
}

type service struct{ b Backend }

var serviceDesc = grpc.ServiceDesc{
	ServiceName: serviceName,
	HandlerType: (*any)(nil),
	Methods: []grpc.MethodDesc{
		{MethodName: "Block", Handler: handleBlock},
		{MethodName: "Submit", Handler: handleSubmit},
	},
	Metadata: "quadrant/coreapi",
}

func handleBlock(srv any, ctx context.Context, dec func(any) error, _ grpc.UnaryServerInterceptor) (any, error) {
	var req frame
	if err := dec(&req); err != nil {
		return nil, err
	}
	h, err := decodeHeight(req.b)
	if err != nil {
		return nil, status.Error(codes.InvalidArgument, err.Error())
	}
	if h == 0 || h > 1<<62 {
		return nil, status.Errorf(codes.InvalidArgument, "coreapi: block height %d, want 1..2^62", h)
	}
	id, block, err := srv.(service).b.Block(ctx, int64(h))
	switch {
	case errors.Is(err, ErrNotFound):
		return nil, status.Error(codes.NotFound, err.Error())
	case err != nil:
		return nil, status.Error(codes.Unavailable, err.Error())
	}
	return &frame{encodeBlock(id, block)}, nil
}

func handleSubmit(srv any, ctx context.Context, dec func(any) error, _ grpc.UnaryServerInterceptor) (any, error) {
	var req frame
	if err := dec(&req); err != nil {
		return nil, err
	}
	if len(req.b) == 0 {
		return nil, status.Error(codes.InvalidArgument, "coreapi: empty transaction")
	}
	res, err := srv.(service).b.Submit(ctx, req.b)
	if err != nil {
		return nil, status.Error(codes.Unavailable, err.Error())
	}
	b, err := encodeResult(res)
	if err != nil {
		return nil, status.Error(codes.Internal, err.Error())
	}
	return &frame{b}, nil
}
