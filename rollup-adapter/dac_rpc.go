package rollupadapter

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"

	"github.com/quadrant-da/quadrant/rpc"
)

// JSON-RPC 2.0 plumbing of the DAC member (cdk's wire format: one request or
// a batch), bounded by Config.DAC: the body, the calls per batch, the bytes
// of the answer, and the calls per second of each client IP.

type jsonReq struct {
	JSONRPC string            `json:"jsonrpc"`
	ID      json.RawMessage   `json:"id"`
	Method  string            `json:"method"`
	Params  []json.RawMessage `json:"params"`
}

type jsonErr struct {
	Code    int    `json:"code"`
	Message string `json:"message"`
}

type jsonResp struct {
	JSONRPC string          `json:"jsonrpc"`
	ID      json.RawMessage `json:"id"`
	Result  any             `json:"result,omitempty"`
	Error   *jsonErr        `json:"error,omitempty"`
}

// cdk's error codes.
const (
	dacDefaultErrorCode = -32000
	dacInvalidRequest   = -32600
	dacMethodNotFound   = -32601
	dacInvalidParams    = -32602
)

// Handler returns the member's JSON-RPC HTTP handler. It takes POST only;
// it refuses a body over DAC.MaxBodyBytes (413), a batch of more than
// DAC.MaxBatchCalls calls (before running any), and a client over its rate
// (429; one token per call); it writes answers one at a time as they are
// made, within DAC.MaxResponseBytes (see answer).
func (m *DACMember) Handler() http.Handler {
	lim := m.a.cfg.DAC
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost {
			http.Error(w, "JSON-RPC over POST only", http.StatusMethodNotAllowed)
			return
		}
		client := rpc.ClientIP(r)
		if !m.limiter.Allow(client) {
			m.refuseRate(w, client)
			return
		}
		reqs, batch, err := readDACRequests(http.MaxBytesReader(w, r.Body, lim.MaxBodyBytes), lim.MaxBatchCalls)
		var tooBig *http.MaxBytesError
		switch {
		case errors.As(err, &tooBig):
			writeDACError(w, http.StatusRequestEntityTooLarge, fmt.Sprintf("request body over the limit of %d bytes", lim.MaxBodyBytes))
			return
		case err != nil:
			writeDACError(w, http.StatusOK, err.Error())
			return
		}
		if len(reqs) > 1 && !m.limiter.AllowN(client, len(reqs)-1) {
			m.refuseRate(w, client)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		m.answer(r.Context(), w, reqs, batch)
	})
}

func (m *DACMember) refuseRate(w http.ResponseWriter, client string) {
	m.log.Warn("rollupadapter: DAC client over its rate", "client", client)
	w.Header().Set("Retry-After", strconv.Itoa(max(1, int(1/max(m.a.cfg.DAC.RateLimit, 1e-9)))))
	writeDACError(w, http.StatusTooManyRequests, fmt.Sprintf("%v: client %s", errRateLimited, client))
}

// writeDACError answers with one JSON-RPC error (id null, code -32600 for
// a malformed request, -32000 otherwise) and the HTTP status.
func writeDACError(w http.ResponseWriter, status int, msg string) {
	code := dacDefaultErrorCode
	if status == http.StatusOK {
		code = dacInvalidRequest
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(jsonResp{JSONRPC: "2.0", Error: &jsonErr{code, msg}})
}

// readDACRequests decodes one JSON-RPC request, or a batch of 1 to maxCalls
// requests (batch true). It decodes a batch call by call and stops at the
// first call over maxCalls, so a batch of many tiny calls is refused before
// it is held in memory.
func readDACRequests(r io.Reader, maxCalls int) (reqs []jsonReq, batch bool, err error) {
	br := bufio.NewReader(r)
	first, err := peekNonSpace(br)
	if err != nil {
		return nil, false, fmt.Errorf("invalid request: %w", err)
	}
	dec := json.NewDecoder(br)
	if first != '[' {
		var req jsonReq
		if err := dec.Decode(&req); err != nil {
			return nil, false, fmt.Errorf("invalid request: %w", err)
		}
		return []jsonReq{req}, false, nil
	}
	if _, err := dec.Token(); err != nil { // the '['
		return nil, true, fmt.Errorf("invalid batch: %w", err)
	}
	for dec.More() {
		if len(reqs) == maxCalls {
			return nil, true, fmt.Errorf("batch too large: more than %d calls (max_batch_calls); split it", maxCalls)
		}
		var req jsonReq
		if err := dec.Decode(&req); err != nil {
			return nil, true, fmt.Errorf("invalid batch: %w", err)
		}
		reqs = append(reqs, req)
	}
	if _, err := dec.Token(); err != nil { // the ']'
		return nil, true, fmt.Errorf("invalid batch: %w", err)
	}
	if len(reqs) == 0 {
		return nil, true, errors.New("invalid batch: no calls")
	}
	return reqs, true, nil
}

func peekNonSpace(br *bufio.Reader) (byte, error) {
	for {
		b, err := br.ReadByte()
		if err != nil {
			return 0, err
		}
		if b != ' ' && b != '\t' && b != '\r' && b != '\n' {
			return b, br.UnreadByte()
		}
	}
}

// answer runs reqs in order and writes each answer to w as soon as it is
// made, so at most one answer is in memory. Once the next answer of a batch
// would take the response past DAC.MaxResponseBytes, that call and the rest
// are answered with an error and not run; the first answer is always sent.
// It stops when w fails (the client left).
func (m *DACMember) answer(ctx context.Context, w io.Writer, reqs []jsonReq, batch bool) {
	limit := m.a.cfg.DAC.MaxResponseBytes
	if !batch {
		w.Write(append(marshalResp(m.call(ctx, reqs[0], limit)), '\n'))
		return
	}
	if _, err := io.WriteString(w, "["); err != nil {
		return
	}
	written, full := int64(1), false
	for i, req := range reqs {
		var b []byte
		if !full {
			b = marshalResp(m.call(ctx, req, limit-written))
			full = i > 0 && written+int64(len(b))+2 > limit
		}
		if full {
			b = marshalResp(jsonResp{JSONRPC: "2.0", ID: req.ID, Error: &jsonErr{dacDefaultErrorCode, fmt.Sprintf(
				"response too large: the answers of this batch reached max_response_bytes (%d bytes); send this call again", limit)}})
		}
		if i > 0 {
			b = append([]byte{','}, b...)
		}
		if _, err := w.Write(b); err != nil {
			return
		}
		written += int64(len(b))
	}
	io.WriteString(w, "]\n")
}

func marshalResp(r jsonResp) []byte {
	b, err := json.Marshal(r)
	if err != nil {
		b, _ = json.Marshal(jsonResp{JSONRPC: "2.0", ID: r.ID, Error: &jsonErr{dacDefaultErrorCode, "encoding the answer: " + err.Error()}})
	}
	return b
}

// call runs one request; budget bounds the bytes of a listing's data.
func (m *DACMember) call(ctx context.Context, req jsonReq, budget int64) jsonResp {
	resp := jsonResp{JSONRPC: "2.0", ID: req.ID}
	fail := func(code int, err error) jsonResp {
		resp.Error = &jsonErr{code, err.Error()}
		return resp
	}
	param := func(v any) error {
		if len(req.Params) < 1 {
			return errors.New("missing parameter")
		}
		return json.Unmarshal(req.Params[0], v)
	}
	switch req.Method {
	case "datacom_signSequence", "datacom_signSequenceBanana":
		var s sequence
		var sig []byte
		if req.Method == "datacom_signSequence" {
			var ss SignedSequence
			if err := param(&ss); err != nil {
				return fail(dacInvalidParams, err)
			}
			s, sig = &ss, ss.Signature
		} else {
			var ss SignedSequenceBanana
			if err := param(&ss); err != nil {
				return fail(dacInvalidParams, err)
			}
			s, sig = &ss, ss.Signature
		}
		out, err := m.SignSequence(ctx, s, sig)
		if err != nil {
			m.log.Warn("rollupadapter: DAC sign", "err", err)
			return fail(dacDefaultErrorCode, err)
		}
		resp.Result = ArgBytes(out)
	case "sync_getOffChainData":
		var h Hash32
		if err := param(&h); err != nil {
			return fail(dacInvalidParams, err)
		}
		data, err := m.OffChainData(ctx, h[:])
		if err != nil {
			return fail(dacDefaultErrorCode, fmt.Errorf("failed to get the requested data: %w", err))
		}
		resp.Result = ArgBytes(data)
	case "sync_listOffChainData":
		var hs []Hash32
		if err := param(&hs); err != nil {
			return fail(dacInvalidParams, err)
		}
		if len(hs) > m.cfg.MaxListHashes {
			return fail(dacInvalidRequest, fmt.Errorf("too many hashes requested: %d, at most %d", len(hs), m.cfg.MaxListHashes))
		}
		out := map[string]ArgBytes{}
		size := int64(2)
		for _, h := range hs {
			data, err := m.OffChainData(ctx, h[:])
			if errors.Is(err, errBlobNotFound) {
				continue // cdk lists only what it has
			}
			if err != nil {
				return fail(dacDefaultErrorCode, fmt.Errorf("failed to list the requested data: %w", err))
			}
			k, _ := h.MarshalText()
			if size += int64(len(k) + 2*len(data) + 8); size > budget {
				return fail(dacDefaultErrorCode, fmt.Errorf("response too large: the listed data passes max_response_bytes (%d bytes); ask for fewer hashes", m.a.cfg.DAC.MaxResponseBytes))
			}
			out[string(k)] = data
		}
		resp.Result = out
	case "status_getStatus":
		resp.Result = m.Status()
	case "quadrant_getCertificate":
		var h Hash32
		if err := param(&h); err != nil {
			return fail(dacInvalidParams, err)
		}
		c, err := m.Certificate(ctx, h[:])
		if err != nil {
			return fail(dacDefaultErrorCode, err)
		}
		resp.Result = c
	default:
		return fail(dacMethodNotFound, fmt.Errorf("the method %s does not exist/is not available", req.Method))
	}
	return resp
}
