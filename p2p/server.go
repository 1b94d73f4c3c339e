package p2p

import (
	"bufio"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"sync"
	"time"

	"github.com/libp2p/go-libp2p/core/host"
	"github.com/libp2p/go-libp2p/core/network"
	"github.com/libp2p/go-libp2p/core/peer"

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
	// NamespaceData returns all data of ns at height (see NamespaceData).
	NamespaceData(ctx context.Context, height uint64, ns da.Namespace) (*NamespaceData, error)
	// OriginalSquare returns k and the k·k·512 bytes of the original square.
	OriginalSquare(ctx context.Context, height uint64) (k int, data []byte, err error)
}

// ServerConfig tunes a Server.
type ServerConfig struct {
	// ReadTimeout bounds reading a request (slow peers are cut off).
	ReadTimeout time.Duration
	// RequestTimeout bounds serving one request, response included.
	RequestTimeout time.Duration
	// MaxConcurrent bounds in-flight streams per protocol; more are reset.
	MaxConcurrent int
	// MaxPerPeer bounds one peer's in-flight streams across protocols, so
	// one peer cannot take every slot; more are reset.
	MaxPerPeer int
}

// DefaultServerConfig returns conservative limits.
func DefaultServerConfig() ServerConfig {
	return ServerConfig{ReadTimeout: 5 * time.Second, RequestTimeout: time.Minute, MaxConcurrent: 256, MaxPerPeer: 32}
}

// Server answers Quadrant's request/response protocols from a HeaderSource
// and a SquareSource. Either source may be nil (a light node serves
// nothing; a node may serve headers only). Every handler has the go-libp2p
// shape: bounded read → deadline → validate → Reset on error, Close on
// success. Peer input never makes it panic.
type Server struct {
	host    host.Host
	chainID string
	headers HeaderSource
	squares SquareSource
	befps   BEFPSource // optional; SetBEFPSource
	scores  *Scorer
	cfg     ServerConfig
	log     *slog.Logger

	ctx    context.Context
	cancel context.CancelFunc
	protos []string

	mu      sync.Mutex // guards stopped, perPeer and the wg.Add/Wait ordering
	stopped bool
	perPeer map[peer.ID]int
	wg      sync.WaitGroup
}

// Validate checks that every limit is positive.
func (c ServerConfig) Validate() error {
	if c.ReadTimeout <= 0 || c.RequestTimeout <= 0 || c.MaxConcurrent <= 0 || c.MaxPerPeer <= 0 {
		return fmt.Errorf("p2p: server config: read_timeout %v, request_timeout %v, max_concurrent %d, max_per_peer %d must all be positive",
			c.ReadTimeout, c.RequestTimeout, c.MaxConcurrent, c.MaxPerPeer)
	}
	return nil
}

// withDefaults fills zero limits from DefaultServerConfig.
func (c ServerConfig) withDefaults() ServerConfig {
	d := DefaultServerConfig()
	if c.ReadTimeout <= 0 {
		c.ReadTimeout = d.ReadTimeout
	}
	if c.RequestTimeout <= 0 {
		c.RequestTimeout = d.RequestTimeout
	}
	if c.MaxConcurrent <= 0 {
		c.MaxConcurrent = d.MaxConcurrent
	}
	if c.MaxPerPeer <= 0 {
		c.MaxPerPeer = d.MaxPerPeer
	}
	return c
}

// NewServer returns a server; Start registers its handlers. Zero limits in
// cfg take their DefaultServerConfig values; a nil log discards.
func NewServer(h host.Host, chainID string, headers HeaderSource, squares SquareSource, scores *Scorer, cfg ServerConfig, log *slog.Logger) *Server {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	cfg = cfg.withDefaults()
	return &Server{host: h, chainID: chainID, headers: headers, squares: squares, scores: scores, cfg: cfg, log: log, perPeer: map[peer.ID]int{}}
}

// Start registers the stream handlers. Handlers stop when ctx ends or on
// Stop.
func (s *Server) Start(ctx context.Context) {
	s.ctx, s.cancel = context.WithCancel(ctx)
	reg := func(name string, limit int, fn handlerFunc) {
		sem := make(chan struct{}, s.cfg.MaxConcurrent)
		s.host.SetStreamHandler(ProtocolID(s.chainID, name), s.wrap(name, limit, sem, fn))
		s.protos = append(s.protos, name)
	}
	if s.headers != nil {
		reg(ProtoHeader, headerRequestSize, s.serveHeaders)
	}
	if s.squares != nil {
		reg(ProtoSample, sampleRequestMaxSize, s.serveSamples)
		reg(ProtoAxis, axisRequestSize, s.serveAxis)
		reg(ProtoNamespace, namespaceRequestSize, s.serveNamespace)
		reg(ProtoSquare, squareRequestSize, s.serveSquare)
	}
	if s.befps != nil {
		reg(ProtoBEFP, befpRequestSize, s.serveBEFPs)
	}
}

// Stop removes the handlers and waits for in-flight requests.
func (s *Server) Stop() {
	for _, name := range s.protos {
		s.host.RemoveStreamHandler(ProtocolID(s.chainID, name))
	}
	s.mu.Lock()
	s.stopped = true
	s.mu.Unlock()
	if s.cancel != nil {
		s.cancel()
	}
	s.wg.Wait()
}

// handlerFunc serves one decoded request frame; it writes the status and
// payload to w. A non-nil error resets the stream.
type handlerFunc func(ctx context.Context, from peer.ID, req []byte, w io.Writer) error

func (s *Server) wrap(name string, limit int, sem chan struct{}, fn handlerFunc) network.StreamHandler {
	return func(st network.Stream) {
		from := st.Conn().RemotePeer()
		select {
		case sem <- struct{}{}:
		default:
			s.log.Debug("p2p: too many concurrent requests", "protocol", name, "peer", from)
			_ = st.Reset()
			return
		}
		s.mu.Lock()
		if s.stopped || s.perPeer[from] >= s.cfg.MaxPerPeer {
			s.mu.Unlock()
			<-sem
			_ = st.Reset()
			return
		}
		s.perPeer[from]++
		s.wg.Add(1)
		s.mu.Unlock()
		defer func() {
			s.mu.Lock()
			if s.perPeer[from]--; s.perPeer[from] == 0 {
				delete(s.perPeer, from)
			}
			s.mu.Unlock()
			<-sem
			s.wg.Done()
		}()
		ctx, cancel := context.WithTimeout(s.ctx, s.cfg.RequestTimeout)
		defer cancel()
		deadline, _ := ctx.Deadline()

		_ = st.SetReadDeadline(time.Now().Add(s.cfg.ReadTimeout))
		req, err := readFrame(st, limit)
		if err != nil {
			points := PenaltyMalformed
			if errors.Is(err, os.ErrDeadlineExceeded) {
				points = PenaltySlow
			}
			s.scores.Penalize(from, points)
			s.log.Debug("p2p: bad request frame", "protocol", name, "peer", from, "err", err)
			_ = st.Reset()
			return
		}
		_ = st.SetWriteDeadline(deadline)
		bw := bufio.NewWriterSize(st, 64<<10)
		err = fn(ctx, from, req, bw)
		if err == nil {
			err = bw.Flush()
		}
		if err != nil {
			s.log.Debug("p2p: request failed", "protocol", name, "peer", from, "err", err)
			_ = st.Reset()
			return
		}
		_ = st.Close()
	}
}

// reject answers INVALID to a request that does not decode and scores the
// peer down.
func (s *Server) reject(from peer.ID, w io.Writer, err error) error {
	s.scores.Penalize(from, PenaltyMalformed)
	s.log.Debug("p2p: invalid request", "peer", from, "err", err)
	_, werr := w.Write([]byte{byte(StatusInvalid)})
	return werr
}

// sourceError answers the status matching a source error.
func (s *Server) sourceError(w io.Writer, err error) error {
	st := StatusInternal
	switch {
	case errors.Is(err, ErrNotFound):
		st = StatusNotFound
	case errors.Is(err, ErrInvalidRequest):
		st = StatusInvalid
	default:
		s.log.Warn("p2p: source failed", "err", err)
	}
	_, werr := w.Write([]byte{byte(st)})
	return werr
}

func (s *Server) serveHeaders(ctx context.Context, from peer.ID, b []byte, w io.Writer) error {
	req, err := DecodeHeaderRequest(b)
	if err != nil {
		return s.reject(from, w, err)
	}
	var hs []*da.ExtendedHeader
	switch req.Kind {
	case HeaderHead:
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
		if req.Form == FormLight {
			encoded[i], err = h.Light().Marshal()
		} else {
			encoded[i], err = h.Marshal()
		}
		if err != nil {
			return s.sourceError(w, fmt.Errorf("encode header: %w", err))
		}
	}
	if _, err := w.Write([]byte{byte(StatusOK), byte(len(encoded) >> 8), byte(len(encoded))}); err != nil {
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
	req, err := DecodeSampleRequest(b)
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
	if _, err := w.Write([]byte{byte(StatusOK)}); err != nil {
		return err
	}
	for _, sm := range samples {
		if sm == nil {
			if _, err := w.Write([]byte{byte(StatusNotFound)}); err != nil {
				return err
			}
			continue
		}
		enc, err := sm.Marshal()
		if err != nil {
			return fmt.Errorf("encode sample: %w", err)
		}
		if _, err := w.Write([]byte{byte(StatusOK)}); err != nil {
			return err
		}
		if err := writeFrame(w, enc); err != nil {
			return err
		}
	}
	return nil
}

func (s *Server) serveAxis(ctx context.Context, from peer.ID, b []byte, w io.Writer) error {
	req, err := DecodeAxisRequest(b)
	if err != nil {
		return s.reject(from, w, err)
	}
	shares, err := s.squares.HalfAxis(ctx, req.Height, req.Axis, req.Index, req.Half)
	if err != nil {
		return s.sourceError(w, err)
	}
	if _, err := w.Write([]byte{byte(StatusOK)}); err != nil {
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

func (s *Server) serveNamespace(ctx context.Context, from peer.ID, b []byte, w io.Writer) error {
	req, err := DecodeNamespaceRequest(b)
	if err != nil {
		return s.reject(from, w, err)
	}
	d, err := s.squares.NamespaceData(ctx, req.Height, req.Namespace)
	if err != nil {
		return s.sourceError(w, err)
	}
	enc, err := d.Marshal()
	if err != nil {
		return s.sourceError(w, err)
	}
	if _, err := w.Write([]byte{byte(StatusOK)}); err != nil {
		return err
	}
	return writeFrame(w, enc)
}

func (s *Server) serveSquare(ctx context.Context, from peer.ID, b []byte, w io.Writer) error {
	req, err := DecodeSquareRequest(b)
	if err != nil {
		return s.reject(from, w, err)
	}
	k, data, err := s.squares.OriginalSquare(ctx, req.Height)
	if err == nil && (k < 1 || k > MaxOriginalWidth || len(data) != k*k*da.ShareSize) {
		err = fmt.Errorf("source returned k=%d with %d bytes", k, len(data))
	}
	if err != nil {
		return s.sourceError(w, err)
	}
	hdr := make([]byte, 1+4+2)
	hdr[0] = byte(StatusOK)
	binary.BigEndian.PutUint32(hdr[1:], uint32(2+len(data)))
	binary.BigEndian.PutUint16(hdr[5:], uint16(k))
	if _, err := w.Write(hdr); err != nil {
		return err
	}
	_, err = w.Write(data)
	return err
}
