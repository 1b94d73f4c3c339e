package coreapi

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"

	"google.golang.org/grpc/mem"
)

// serviceName is the gRPC service name.
const serviceName = "quadrant.core.v1.Core"

// Full method names.
const (
	methodBlock  = "/" + serviceName + "/Block"
	methodSubmit = "/" + serviceName + "/Submit"
)

// Limits. A block reply holds at most CometBFT's largest block plus its
// framing; a submitted transaction is bounded by the server's
// MaxTxBytes (ServerConfig) and a SubmitResult by maxResultBytes.
const (
	maxBlockMessageBytes = 100<<20 + 1<<20
	maxResultBytes       = 64 << 10
)

// errMessage is wrapped by every error decoding a message of this API.
var errMessage = errors.New("coreapi: malformed message")

// frame is the one message type on the wire: raw bytes. Requests and
// replies are encoded into frames by the functions below.
type frame struct{ b []byte }

// rawCodec passes frames through unchanged. It is forced on both ends of
// the connection (grpc.ForceCodecV2 / grpc.ForceServerCodecV2), so nothing
// is registered globally.
type rawCodec struct{}

func (rawCodec) Name() string { return "quadrant-raw" }

func (rawCodec) Marshal(v any) (mem.BufferSlice, error) {
	f, ok := v.(*frame)
	if !ok {
		return nil, fmt.Errorf("coreapi: codec cannot marshal %T", v)
	}
	return mem.BufferSlice{mem.SliceBuffer(f.b)}, nil
}

func (rawCodec) Unmarshal(data mem.BufferSlice, v any) error {
	f, ok := v.(*frame)
	if !ok {
		return fmt.Errorf("coreapi: codec cannot unmarshal into %T", v)
	}
	f.b = data.Materialize() // a fresh slice the frame owns
	return nil
}

// encodeHeight is a Block request: the height, 8 bytes big-endian.
func encodeHeight(h uint64) []byte { return binary.BigEndian.AppendUint64(nil, h) }

func decodeHeight(b []byte) (uint64, error) {
	if len(b) != 8 {
		return 0, fmt.Errorf("%w: block request of %d bytes, want an 8-byte big-endian height", errMessage, len(b))
	}
	return binary.BigEndian.Uint64(b), nil
}

// encodeBlock is a Block reply: uint32 big-endian length of the BlockID's
// protobuf encoding, that encoding, then the block's protobuf encoding.
func encodeBlock(blockID, block []byte) []byte {
	out := make([]byte, 0, 4+len(blockID)+len(block))
	out = binary.BigEndian.AppendUint32(out, uint32(len(blockID)))
	out = append(out, blockID...)
	return append(out, block...)
}

func decodeBlock(b []byte) (blockID, block []byte, err error) {
	if len(b) < 4 {
		return nil, nil, fmt.Errorf("%w: block reply of %d bytes", errMessage, len(b))
	}
	n := binary.BigEndian.Uint32(b)
	if uint64(n) > uint64(len(b)-4) {
		return nil, nil, fmt.Errorf("%w: block reply: block id of %d bytes in %d", errMessage, n, len(b)-4)
	}
	return b[4 : 4+n], b[4+n:], nil
}

// Refusal says why CometBFT refused a transaction before (or instead of)
// the application's CheckTx. RefusalNone means CheckTx ran and
// SubmitResult.Code is its answer.
type Refusal uint32

// Refusals.
const (
	RefusalNone        Refusal = iota
	RefusalInCache             // the mempool's cache already holds the tx (seen before: not an error for a resubmission)
	RefusalTooLarge            // over the mempool's max_tx_bytes
	RefusalMempoolFull         // the mempool is full or rechecking: retry later
	RefusalCatchingUp          // the node is still syncing: retry later
	RefusalOther               // another refusal of CometBFT's; Log says which
)

// String names the refusal.
func (r Refusal) String() string {
	switch r {
	case RefusalNone:
		return "none"
	case RefusalInCache:
		return "already in cache"
	case RefusalTooLarge:
		return "too large"
	case RefusalMempoolFull:
		return "mempool full"
	case RefusalCatchingUp:
		return "catching up"
	case RefusalOther:
		return "other"
	}
	return fmt.Sprintf("refusal(%d)", uint32(r))
}

// Retryable reports whether the same transaction may be accepted later
// unchanged (mempool full, node catching up).
func (r Refusal) Retryable() bool { return r == RefusalMempoolFull || r == RefusalCatchingUp }

// SubmitResult is the answer to Submit.
type SubmitResult struct {
	// Refusal is CometBFT's refusal, or RefusalNone when CheckTx ran.
	Refusal Refusal `json:"refusal"`
	// Code, Codespace, Data and Log are CheckTx's result (Code 0: admitted).
	// Data carries structured details of a rejection, defined by the
	// application for each code.
	Code      uint32 `json:"code"`
	Codespace string `json:"codespace,omitempty"`
	Data      []byte `json:"data,omitempty"`
	Log       string `json:"log,omitempty"`
	// Hash is the transaction's hash (CometBFT's: SHA-256 of the bytes).
	Hash []byte `json:"hash"`
}

// Admitted reports whether the mempool holds the transaction: CheckTx
// accepted it now, or it was already in the cache.
func (r *SubmitResult) Admitted() bool {
	return (r.Refusal == RefusalNone && r.Code == 0) || r.Refusal == RefusalInCache
}

func encodeResult(r *SubmitResult) ([]byte, error) { return json.Marshal(r) }

func decodeResult(b []byte) (*SubmitResult, error) {
	if len(b) > maxResultBytes {
		return nil, fmt.Errorf("%w: submit result of %d bytes, limit %d", errMessage, len(b), maxResultBytes)
	}
	var r SubmitResult
	if err := json.Unmarshal(b, &r); err != nil {
		return nil, fmt.Errorf("%w: submit result: %w", errMessage, err)
	}
	return &r, nil
}
