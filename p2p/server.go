package p2p

import (
	"bufio"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"iter"
	"log/slog"
	"sync"
	"time"

	"github.com/libp2p/go-libp2p/core/host"
	"github.com/libp2p/go-libp2p/core/network"
	"github.com/libp2p/go-libp2p/core/peer"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/quadrant-da/quadrant/da"
	"github.com/quadrant-da/quadrant/erasure"
)

// HeaderSource is what a Server reads headers from; the full node's store
// implements it. Methods return an error wrapping ErrNotFound when the
// height is not held, and must be safe for concurrent use.
type HeaderSource interface {
	Head(ctx context.Context) (*da.ExtendedHeader, error)
	HeaderByHeight(ctx context.Context, height uint64) (*da.ExtendedHeader, error)
}

// SquareSource is what a Server reads square data from; the full node's
// store implements it. Methods return an error wrapping ErrNotFound when the
// height is not held, an error wrapping ErrInvalidRequest when the request
// does not fit the square of that height (coordinate or index ≥ width), and
// must be safe for concurrent use.
type SquareSource interface {
	// Samples returns one sample per coordinate, each with its proof to the
	// root of coord.Axis; an entry is nil when that share is not held.
	Samples(ctx context.Context, height uint64, coords []Coord) ([]*da.Sample, error)
	// HalfAxis returns the k shares of the given half of a row or column.
	HalfAxis(ctx context.Context, height uint64, axis erasure.Axis, index, half int) ([][]byte, error)
	// NamespaceRows returns all data of ns at height (see NamespaceData)
	// shaped for streaming: the heads of its rows (row, share range and
	// proof, in increasing row order) at once, and the shares of each row
	// one row at a time: the i-th iteration yields the heads[i].Count·512
	// bytes of heads[i]'s shares, valid until the next one, or an error
	// that ends the reply.
	NamespaceRows(ctx context.Context, height uint64, ns da.Namespace) (heads []NamespaceRowHead, shares iter.Seq2[[]byte, error], err error)
	// OriginalRows returns k and the rows of the original square one row
	// at a time: the r-th iteration yields the k·512 bytes of row r, valid
	// until the next one, or an error that ends the reply.
	OriginalRows(ctx context.Context, height uint64) (k int, rows iter.Seq2[[]byte, error], err error)
}

// ServerConfig tunes a Server.
type ServerConfig struct {
	// ReadTimeout bounds reading a request (slow peers are cut off).
	ReadTimeout time.Duration
	// RequestTimeout bounds serving one request, response included.
	RequestTimeout time.Duration
	// WriteTimeout bounds each write of a response: a peer that stops
	// reading is cut off after it rather than at RequestTimeout.
	WriteTimeout time.Duration
	// MaxConcurrent bounds in-flight streams per protocol; more are reset.
	MaxConcurrent int
	// MaxPerPeer bounds one peer's in-flight streams across protocols, so
	// one peer cannot take every slot; more are reset.
	MaxPerPeer int
	// MaxBulkPerPeer bounds one peer's in-flight streams of the bulk
	// protocols (whole square and namespace data, whose responses run to
	// megabytes); more are reset.
	MaxBulkPerPeer int
	// BulkBudget bounds, in bytes, what all in-flight bulk responses may
	// hold at once: each reserves bulkReplyBytes; more are reset.
	BulkBudget int
}

// bulkReplyBytes is what one whole-square or namespace-data response
// reserves from ServerConfig.BulkBudget: an upper bound of what it holds
// while it streams from its source. At k = 256 a whole square holds one
// 128 KiB row; namespace data one 256 KiB extended row with its NMT
// (≈ 90 KiB) and the proofs of up to 256 rows (≈ 2 KiB each); both the
// 64 KiB write buffer.
const bulkReplyBytes = 1 << 20

// writeBufferSize is the per-stream write buffer of every response.
const writeBufferSize = 64 << 10

// DefaultServerConfig returns conservative limits: 4 bulk streams per peer
// (a syncing full node fetches 4 squares at once by default) and 64 bulk
// responses in all (64 MiB).
func DefaultServerConfig() ServerConfig {
	return ServerConfig{
		ReadTimeout: 5 * time.Second, RequestTimeout: time.Minute, WriteTimeout: 10 * time.Second,
		MaxConcurrent: 256, MaxPerPeer: 32, MaxBulkPerPeer: 4, BulkBudget: 64 * bulkReplyBytes,
	}
}

// ServerOptions are what a Server reads from and reports to, besides its
// ServerConfig.
type ServerOptions struct {
	// Host is the libp2p host the handlers are registered on. Required.
	Host host.Host
	// ChainID names the protocols served (ProtocolID). Required.
	ChainID string
	// Headers, Squares and BEFPs are what the server answers from; a nil
	// source's protocols are not served (a node may serve headers only,
	// or only fraud proofs).
	Headers HeaderSource
	Squares SquareSource
	BEFPs   BEFPSource
	// Scores is the peer scorer malformed and slow requests are charged
	// to. Required.
	Scores *Scorer
	// Logger receives the server's logs; nil discards them.
	Logger *slog.Logger
	// Registry, when set, receives the server's metrics
	// (quadrant_p2p_server_requests_total).
	Registry prometheus.Registerer
}

// Server answers Quadrant's request/response protocols from the sources
// in its ServerOptions. Every handler has the go-libp2p shape: bounded
// read → deadline → validate → Reset on error, Close on success. Peer
// input never makes it panic. Lifecycle: NewServer → Start → Close.
type Server struct {
	host     host.Host
	chainID  string
	headers  HeaderSource
	squares  SquareSource
	befps    BEFPSource
	scores   *Scorer
	cfg      ServerConfig
	log      *slog.Logger
	requests *prometheus.CounterVec

	ctx    context.Context // ends on Close
	cancel context.CancelFunc

	mu          sync.Mutex // guards the fields below and the wg.Add/Wait ordering
	started     bool
	stopped     bool
	protos      []string
	perPeer     map[peer.ID]int
	bulkPerPeer map[peer.ID]int
	bulkBytes   int
	wg          sync.WaitGroup
}

// Validate checks that every limit is positive and that the bulk budget
// holds at least one bulk response.
func (c ServerConfig) Validate() error {
	if c.ReadTimeout <= 0 || c.RequestTimeout <= 0 || c.WriteTimeout <= 0 || c.MaxConcurrent <= 0 || c.MaxPerPeer <= 0 || c.MaxBulkPerPeer <= 0 {
		return fmt.Errorf("p2p: server config: read_timeout %v, request_timeout %v, write_timeout %v, max_concurrent %d, max_per_peer %d, max_bulk_per_peer %d must all be positive",
			c.ReadTimeout, c.RequestTimeout, c.WriteTimeout, c.MaxConcurrent, c.MaxPerPeer, c.MaxBulkPerPeer)
	}
	if c.BulkBudget < bulkReplyBytes {
		return fmt.Errorf("p2p: server config: bulk_budget %d bytes holds no bulk response (each reserves %d)", c.BulkBudget, bulkReplyBytes)
	}
	return nil
}

// errServerState is returned by Server.Start on a server already started
// or closed.
var errServerState = errors.New("p2p: server already started or closed")

// NewServer validates cfg and opts and returns a server that serves
// nothing until Start.
func NewServer(cfg ServerConfig, opts ServerOptions) (*Server, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if opts.Host == nil || opts.Scores == nil || opts.ChainID == "" {
		return nil, errors.New("p2p: server: a host, a chain ID and a scorer are required")
	}
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	s := &Server{
		host: opts.Host, chainID: opts.ChainID, headers: opts.Headers, squares: opts.Squares, befps: opts.BEFPs,
		scores: opts.Scores, cfg: cfg, log: log,
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: "quadrant", Subsystem: "p2p_server", Name: "requests_total",
			Help: "Requests received, by protocol and result (ok, failed, refused: over a limit or closed).",
		}, []string{"protocol", "result"}),
		perPeer: map[peer.ID]int{}, bulkPerPeer: map[peer.ID]int{},
	}
	s.ctx, s.cancel = context.WithCancel(context.Background())
	if opts.Registry != nil {
		if err := opts.Registry.Register(s.requests); err != nil {
			return nil, fmt.Errorf("p2p: server metrics: %w", err)
		}
	}
	return s, nil
}

// Start registers the stream handlers and returns; ctx bounds only the
// start (an ended ctx is an error). Handlers run until Close.
func (s *Server) Start(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.started || s.stopped {
		return errServerState
	}
	s.started = true
	reg := func(name string, limit int, fn handlerFunc) {
		sem := make(chan struct{}, s.cfg.MaxConcurrent)
		s.host.SetStreamHandler(ProtocolID(s.chainID, name), s.wrap(name, limit, sem, fn))
		s.protos = append(s.protos, name)
	}
	if s.headers != nil {
		reg(protoHeader, headerRequestSize, s.serveHeaders)
	}
	if s.squares != nil {
		reg(ProtoSample, sampleRequestMaxSize, s.serveSamples)
		reg(protoAxis, axisRequestSize, s.serveAxis)
		reg(ProtoNamespace, namespaceRequestSize, s.serveNamespace)
		reg(ProtoSquare, squareRequestSize, s.serveSquare)
	}
	if s.befps != nil {
		reg(protoBEFP, befpRequestSize, s.serveBEFPs)
	}
	return nil
}

// Close removes the handlers, cancels in-flight requests and waits for
// them. It is idempotent and always returns nil.
func (s *Server) Close() error {
	s.mu.Lock()
	s.stopped = true
	protos := s.protos
	s.protos = nil
	s.mu.Unlock()
	for _, name := range protos {
		s.host.RemoveStreamHandler(ProtocolID(s.chainID, name))
	}
	s.cancel()
	s.wg.Wait()
	return nil
}

// handlerFunc serves one decoded request frame; it writes the status and
// payload to w. A non-nil error resets the stream.
type handlerFunc func(ctx context.Context, from peer.ID, req []byte, w io.Writer) error

// bulkProtocols are the protocols whose responses run to megabytes; their
// streams are also bounded by MaxBulkPerPeer and BulkBudget.
var bulkProtocols = map[string]bool{ProtoSquare: true, ProtoNamespace: true}

func (s *Server) wrap(name string, limit int, sem chan struct{}, fn handlerFunc) network.StreamHandler {
	bulk := bulkProtocols[name]
	return func(st network.Stream) {
		from := st.Conn().RemotePeer()
		select {
		case sem <- struct{}{}:
		default:
			s.log.Debug("p2p: too many concurrent requests", "protocol", name, "peer", from)
			s.requests.WithLabelValues(name, "refused").Inc()
			_ = st.Reset()
			return
		}
		if !s.admit(from, bulk) {
			<-sem
			s.log.Debug("p2p: request over the per-peer or bulk limits", "protocol", name, "peer", from)
			s.requests.WithLabelValues(name, "refused").Inc()
			_ = st.Reset()
			return
		}
		defer func() {
			s.release(from, bulk)
			<-sem
		}()
		ctx, cancel := context.WithTimeout(s.ctx, s.cfg.RequestTimeout)
		defer cancel()
		deadline, _ := ctx.Deadline()

		_ = st.SetReadDeadline(time.Now().Add(s.cfg.ReadTimeout))
		req, err := readFrame(st, limit)
		if err != nil {
			points := penaltyMalformed
			if isTimeout(err) {
				points = PenaltySlow
			}
			s.scores.Penalize(from, points)
			s.log.Debug("p2p: bad request frame", "protocol", name, "peer", from, "err", err)
			s.requests.WithLabelValues(name, "failed").Inc()
			_ = st.Reset()
			return
		}
		bw := bufio.NewWriterSize(deadlineWriter{st: st, timeout: s.cfg.WriteTimeout, deadline: deadline}, writeBufferSize)
		err = fn(ctx, from, req, bw)
		if err == nil {
			err = bw.Flush()
		}
		if err != nil {
			s.log.Debug("p2p: request failed", "protocol", name, "peer", from, "err", err)
			s.requests.WithLabelValues(name, "failed").Inc()
			_ = st.Reset()
			return
		}
		s.requests.WithLabelValues(name, "ok").Inc()
		_ = st.Close()
	}
}

// admit takes a slot for a stream of from (bulk: also a bulk slot and
// bulkReplyBytes of the budget), or reports false when over a limit or
// stopped. A true admit must be followed by release.
func (s *Server) admit(from peer.ID, bulk bool) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.stopped || s.perPeer[from] >= s.cfg.MaxPerPeer {
		return false
	}
	if bulk && (s.bulkPerPeer[from] >= s.cfg.MaxBulkPerPeer || s.bulkBytes+bulkReplyBytes > s.cfg.BulkBudget) {
		return false
	}
	s.perPeer[from]++
	if bulk {
		s.bulkPerPeer[from]++
		s.bulkBytes += bulkReplyBytes
	}
	s.wg.Add(1)
	return true
}

// release returns what admit took.
func (s *Server) release(from peer.ID, bulk bool) {
	s.mu.Lock()
	if s.perPeer[from]--; s.perPeer[from] == 0 {
		delete(s.perPeer, from)
	}
	if bulk {
		if s.bulkPerPeer[from]--; s.bulkPerPeer[from] == 0 {
			delete(s.bulkPerPeer, from)
		}
		s.bulkBytes -= bulkReplyBytes
	}
	s.mu.Unlock()
	s.wg.Done()
}

// BulkInFlight returns how many whole-square and namespace-data responses
// are in flight and the bytes they reserve from BulkBudget.
func (s *Server) BulkInFlight() (responses, bytes int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.bulkBytes / bulkReplyBytes, s.bulkBytes
}

// deadlineWriter gives each write to the stream its own deadline: now +
// timeout, but never after the request's deadline. A peer that stops
// reading is cut off after timeout.
type deadlineWriter struct {
	st       network.Stream
	timeout  time.Duration
	deadline time.Time
}

func (w deadlineWriter) Write(b []byte) (int, error) {
	d := time.Now().Add(w.timeout)
	if d.After(w.deadline) {
		d = w.deadline
	}
	_ = w.st.SetWriteDeadline(d)
	return w.st.Write(b)
}

// reject answers INVALID to a request that does not decode and scores the
// peer down.
func (s *Server) reject(from peer.ID, w io.Writer, err error) error {
	s.scores.Penalize(from, penaltyMalformed)
	s.log.Debug("p2p: invalid request", "peer", from, "err", err)
	_, werr := w.Write([]byte{byte(statusInvalid)})
	return werr
}

// sourceError answers the status matching a source error.
func (s *Server) sourceError(w io.Writer, err error) error {
	st := statusInternal
	switch {
	case errors.Is(err, ErrNotFound):
		st = statusNotFound
	case errors.Is(err, ErrInvalidRequest):
		st = statusInvalid
	default:
		s.log.Warn("p2p: source failed", "err", err)
	}
	_, werr := w.Write([]byte{byte(st)})
	return werr
}

func (s *Server) serveHeaders(ctx context.Context, from peer.ID, b []byte, w io.Writer) error {
	req, err := decodeHeaderRequest(b)
	if err != nil {
		return s.reject(from, w, err)
	}
	var hs []*da.ExtendedHeader
	switch req.Kind {
	case headerHead:
		h, err := s.headers.Head(ctx)
		if err != nil {
			return s.sourceError(w, err)
		}
		hs = append(hs, h)
	default:
		for i := uint64(0); i < uint64(req.Count); i++ {
			h, err := s.headers.HeaderByHeight(ctx, req.From+i)
			if errors.Is(err, ErrNotFound) && i > 0 {
				break // a range stops at the first height not held
			}
			if err != nil {
				return s.sourceError(w, err)
			}
			hs = append(hs, h)
		}
	}
	encoded := make([][]byte, len(hs))
	for i, h := range hs {
		if req.Form == formLight {
			encoded[i], err = h.Light().Marshal()
		} else {
			encoded[i], err = h.Marshal()
		}
		if err != nil {
			return s.sourceError(w, fmt.Errorf("encode header: %w", err))
		}
	}
	if _, err := w.Write([]byte{byte(statusOK), byte(len(encoded) >> 8), byte(len(encoded))}); err != nil {
		return err
	}
	for _, e := range encoded {
		if err := writeFrame(w, e); err != nil {
			return err
		}
	}
	return nil
}

func (s *Server) serveSamples(ctx context.Context, from peer.ID, b []byte, w io.Writer) error {
	req, err := decodeSampleRequest(b)
	if err != nil {
		return s.reject(from, w, err)
	}
	samples, err := s.squares.Samples(ctx, req.Height, req.Coords)
	if err == nil && len(samples) != len(req.Coords) {
		err = fmt.Errorf("source returned %d samples for %d coordinates", len(samples), len(req.Coords))
	}
	if err != nil {
		return s.sourceError(w, err)
	}
	if _, err := w.Write([]byte{byte(statusOK)}); err != nil {
		return err
	}
	for _, sm := range samples {
		if sm == nil {
			if _, err := w.Write([]byte{byte(statusNotFound)}); err != nil {
				return err
			}
			continue
		}
		enc, err := sm.Marshal()
		if err != nil {
			return fmt.Errorf("encode sample: %w", err)
		}
		if _, err := w.Write([]byte{byte(statusOK)}); err != nil {
			return err
		}
		if err := writeFrame(w, enc); err != nil {
			return err
		}
	}
	return nil
}

func (s *Server) serveAxis(ctx context.Context, from peer.ID, b []byte, w io.Writer) error {
	req, err := decodeAxisRequest(b)
	if err != nil {
		return s.reject(from, w, err)
	}
	shares, err := s.squares.HalfAxis(ctx, req.Height, req.Axis, req.Index, req.Half)
	if err != nil {
		return s.sourceError(w, err)
	}
	if _, err := w.Write([]byte{byte(statusOK)}); err != nil {
		return err
	}
	var l [4]byte
	binary.BigEndian.PutUint32(l[:], uint32(len(shares)*da.ShareSize))
	if _, err := w.Write(l[:]); err != nil {
		return err
	}
	for _, sh := range shares {
		if len(sh) != da.ShareSize {
			return fmt.Errorf("source returned a share of %d bytes", len(sh))
		}
		if _, err := w.Write(sh); err != nil {
			return err
		}
	}
	return nil
}
