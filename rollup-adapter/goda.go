package rollupadapter

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/filecoin-project/go-jsonrpc"

	"github.com/quadrant-da/quadrant/blobs"
)

// go-da v0.9.0's JSON-RPC error codes.
//
// Exported for Go clients of the go-da API, which compare these codes.
const (
	CodeBlobNotFound               = 32001
	CodeBlobSizeOverLimit          = 32002
	CodeTxTimedOut                 = 32003
	CodeTxAlreadyInMempool         = 32004
	CodeTxIncorrectAccountSequence = 32005
	CodeTxTooLarge                 = 32006
	CodeContextDeadline            = 32007
	CodeFutureHeight               = 32008
)

// CodedError is an error sent with a go-da JSON-RPC code; its message is
// go-da's canonical message for the code followed by Quadrant's detail.
//
// Exported for Go clients of the go-da API, which read the code of a failure.
type CodedError struct {
	Code    int
	Message string
}

func (e *CodedError) Error() string { return e.Message }

// ToJSONRPCError implements go-jsonrpc's RPCErrorCodec.
func (e *CodedError) ToJSONRPCError() (jsonrpc.JSONRPCError, error) {
	return jsonrpc.JSONRPCError{Code: jsonrpc.ErrorCode(e.Code), Message: e.Message}, nil
}

// FromJSONRPCError implements go-jsonrpc's RPCErrorCodec.
func (e *CodedError) FromJSONRPCError(j jsonrpc.JSONRPCError) error {
	e.Code, e.Message = int(j.Code), j.Message
	return nil
}

var codes = []struct {
	err  error
	code int
	msg  string
}{
	{errBlobNotFound, CodeBlobNotFound, "blob: not found"},
	{errBlobTooLarge, CodeBlobSizeOverLimit, "blob: over size limit"},
	{errTxTimedOut, CodeTxTimedOut, "timed out waiting for tx to be included in a block"},
	{errTxAlreadyInMempool, CodeTxAlreadyInMempool, "tx already in mempool"},
	{errIncorrectSequence, CodeTxIncorrectAccountSequence, "incorrect account sequence"},
	{errTxTooLarge, CodeTxTooLarge, "tx too large"},
	{context.DeadlineExceeded, CodeContextDeadline, "context deadline"},
	{errFutureHeight, CodeFutureHeight, "given height is from the future"},
}

// codedError gives err its go-da code, if it has one.
func codedError(err error) error {
	if err == nil {
		return nil
	}
	for _, c := range codes {
		if errors.Is(err, c.err) {
			return &CodedError{Code: c.code, Message: c.msg + ": " + err.Error()}
		}
	}
	return err
}

// GetIDsResult is go-da's GetIDs result JSON.
type GetIDsResult struct {
	IDs       [][]byte
	Timestamp time.Time
}

// DAAPI is go-da v0.9.0's "da" module.
type DAAPI struct {
	Internal struct {
		MaxBlobSize       func(ctx context.Context) (uint64, error)                                  `perm:"read"`
		Get               func(ctx context.Context, ids [][]byte, ns []byte) ([][]byte, error)       `perm:"read"`
		GetIDs            func(ctx context.Context, height uint64, ns []byte) (*GetIDsResult, error) `perm:"read"`
		GetProofs         func(ctx context.Context, ids [][]byte, ns []byte) ([][]byte, error)       `perm:"read"`
		Commit            func(ctx context.Context, blobs [][]byte, ns []byte) ([][]byte, error)     `perm:"read"`
		Validate          func(context.Context, [][]byte, [][]byte, []byte) ([]bool, error)          `perm:"read"`
		Submit            func(context.Context, [][]byte, float64, []byte) ([][]byte, error)         `perm:"write"`
		SubmitWithOptions func(context.Context, [][]byte, float64, []byte, []byte) ([][]byte, error) `perm:"write"`
	}
}

func (a *DAAPI) MaxBlobSize(ctx context.Context) (uint64, error) { return a.Internal.MaxBlobSize(ctx) }
func (a *DAAPI) Get(ctx context.Context, ids [][]byte, ns []byte) ([][]byte, error) {
	return a.Internal.Get(ctx, ids, ns)
}
func (a *DAAPI) GetIDs(ctx context.Context, h uint64, ns []byte) (*GetIDsResult, error) {
	return a.Internal.GetIDs(ctx, h, ns)
}
func (a *DAAPI) GetProofs(ctx context.Context, ids [][]byte, ns []byte) ([][]byte, error) {
	return a.Internal.GetProofs(ctx, ids, ns)
}
func (a *DAAPI) Commit(ctx context.Context, bs [][]byte, ns []byte) ([][]byte, error) {
	return a.Internal.Commit(ctx, bs, ns)
}
func (a *DAAPI) Validate(ctx context.Context, ids, proofs [][]byte, ns []byte) ([]bool, error) {
	return a.Internal.Validate(ctx, ids, proofs, ns)
}
func (a *DAAPI) Submit(ctx context.Context, bs [][]byte, gas float64, ns []byte) ([][]byte, error) {
	return a.Internal.Submit(ctx, bs, gas, ns)
}
func (a *DAAPI) SubmitWithOptions(ctx context.Context, bs [][]byte, gas float64, ns, opts []byte) ([][]byte, error) {
	return a.Internal.SubmitWithOptions(ctx, bs, gas, ns, opts)
}

// MakeID returns a go-da ID: 8-byte little-endian height ‖ commitment.
func MakeID(height uint64, commitment []byte) []byte {
	id := make([]byte, 8, 8+len(commitment))
	binary.LittleEndian.PutUint64(id, height)
	return append(id, commitment...)
}

// SplitID splits a go-da ID; a malformed one (not 8 + 32 bytes) is
// "blob: not found".
func SplitID(id []byte) (uint64, []byte, error) {
	if len(id) != 8+32 {
		return 0, nil, fmt.Errorf("%w: malformed id of %d bytes (want 8-byte height ‖ 32-byte commitment)", errBlobNotFound, len(id))
	}
	return binary.LittleEndian.Uint64(id[:8]), id[8:], nil
}

// godaModule implements DAAPI; every error leaves with its go-da code.
type godaModule struct{ a *Adapter }

func (m godaModule) MaxBlobSize(context.Context) (uint64, error) {
	return uint64(m.a.MaxBlobSize()), nil
}

func (m godaModule) Get(ctx context.Context, ids [][]byte, nsb []byte) ([][]byte, error) {
	ns, err := m.a.ResolveNamespace(nsb)
	if err != nil {
		return nil, err
	}
	out := make([][]byte, len(ids))
	for i, id := range ids {
		h, c, err := SplitID(id)
		if err != nil {
			return nil, codedError(err)
		}
		b, err := m.a.Blob(ctx, h, ns, c)
		if errors.Is(err, errFutureHeight) || errors.Is(err, errInvalidHeight) {
			err = fmt.Errorf("%w: %w", errBlobNotFound, err)
		}
		if err != nil {
			return nil, codedError(err)
		}
		out[i] = b.Blob.Data
	}
	return out, nil
}

func (m godaModule) GetIDs(ctx context.Context, height uint64, nsb []byte) (*GetIDsResult, error) {
	ns, err := m.a.ResolveNamespace(nsb)
	if err != nil {
		return nil, err
	}
	bs, err := m.a.Blobs(ctx, height, ns)
	if err != nil {
		return nil, codedError(err)
	}
	hdr, err := m.a.Header(ctx, height)
	if err != nil {
		return nil, codedError(err)
	}
	res := &GetIDsResult{IDs: [][]byte{}, Timestamp: hdr.Time()}
	for _, b := range bs {
		res.IDs = append(res.IDs, MakeID(height, b.Commitment))
	}
	return res, nil
}

// GetProofs returns, per ID, the JSON of the blob's inclusion proof
// (blobs.BlobProof with its subtree roots), checkable without the data.
func (m godaModule) GetProofs(ctx context.Context, ids [][]byte, nsb []byte) ([][]byte, error) {
	ns, err := m.a.ResolveNamespace(nsb)
	if err != nil {
		return nil, err
	}
	out := make([][]byte, len(ids))
	for i, id := range ids {
		h, c, err := SplitID(id)
		if err != nil {
			return nil, codedError(err)
		}
		_, p, _, err := m.a.Proof(ctx, h, ns, c)
		if err != nil {
			return nil, codedError(err)
		}
		if out[i], err = json.Marshal(p); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func (m godaModule) Commit(_ context.Context, data [][]byte, nsb []byte) ([][]byte, error) {
	bs, err := m.blobs(data, nsb)
	if err != nil {
		return nil, err
	}
	c, err := m.a.Commit(bs)
	return c, codedError(err)
}

// Validate checks each proof (from GetProofs) against the data root of the
// ID's height, from the commitment alone. A proof that does not verify is
// false; a height this node does not know is an error.
func (m godaModule) Validate(ctx context.Context, ids, proofs [][]byte, nsb []byte) ([]bool, error) {
	if len(ids) != len(proofs) {
		return nil, fmt.Errorf("%w: %d ids but %d proofs", errInvalidProof, len(ids), len(proofs))
	}
	ns, err := m.a.ResolveNamespace(nsb)
	if err != nil {
		return nil, err
	}
	out := make([]bool, len(ids))
	for i, id := range ids {
		h, c, err := SplitID(id)
		if err != nil {
			continue
		}
		hdr, err := m.a.Header(ctx, h)
		if err != nil {
			return nil, codedError(err)
		}
		var p blobs.BlobProof
		if json.Unmarshal(proofs[i], &p) != nil {
			continue
		}
		out[i] = p.VerifyCommitment(hdr.DataRoot(), ns, c) == nil
	}
	return out, nil
}

func (m godaModule) Submit(ctx context.Context, data [][]byte, gas float64, nsb []byte) ([][]byte, error) {
	return m.SubmitWithOptions(ctx, data, gas, nsb, nil)
}

// SubmitWithOptions submits under the (resolved) namespace. options, when it
// is a JSON object, is read as SubmitOptions (key_name, signer_address,
// gas_price); anything else is ignored, as go-da's reference DA does.
func (m godaModule) SubmitWithOptions(ctx context.Context, data [][]byte, gas float64, nsb, options []byte) ([][]byte, error) {
	bs, err := m.blobs(data, nsb)
	if err != nil {
		return nil, err
	}
	req := submitRequest{Blobs: bs, GasPrice: gasPrice(gas)}
	if s := strings.TrimSpace(string(options)); strings.HasPrefix(s, "{") {
		var o SubmitOptions
		if err := json.Unmarshal(options, &o); err != nil {
			return nil, fmt.Errorf("rollupadapter: options: %w", err)
		}
		req.KeyName, req.SignerAddress = o.KeyName, o.SignerAddress
		if req.GasPrice == 0 {
			req.GasPrice = gasPrice(o.GasPrice)
		}
	}
	res, err := m.a.Submit(ctx, req)
	if err != nil {
		return nil, codedError(err)
	}
	ids := make([][]byte, len(res.Commitments))
	for i, c := range res.Commitments {
		ids[i] = MakeID(res.Height, c)
	}
	return ids, nil
}

func (m godaModule) blobs(data [][]byte, nsb []byte) ([]*blobs.Blob, error) {
	ns, err := m.a.ResolveNamespace(nsb)
	if err != nil {
		return nil, err
	}
	bs := make([]*blobs.Blob, len(data))
	for i, d := range data {
		bs[i] = &blobs.Blob{Namespace: ns, Data: d}
	}
	return bs, nil
}
