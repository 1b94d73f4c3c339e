package rpc

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/filecoin-project/go-jsonrpc"
	"github.com/filecoin-project/go-jsonrpc/auth"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// healthPath is where the server answers health checks (GET, no token).
const healthPath = "/health"

// errConfig is wrapped by Config.Validate.
var errConfig = errors.New("rpc: invalid config")

// errServer is wrapped by Server lifecycle misuse (Register after Start,
// Start twice).
var errServer = errors.New("rpc: server misuse")

// Config is the operator configuration of the JSON-RPC server.
type Config struct {
	// ListenAddr serves JSON-RPC (HTTP POST and WebSocket on the same path,
	// "/") and healthPath.
	ListenAddr string `toml:"listen_addr"`
	// MetricsAddr serves Prometheus metrics at /metrics; empty disables it.
	MetricsAddr string `toml:"metrics_addr"`
	// CORSOrigins lists the browser origins allowed to call ("*" for any).
	// Empty (the default) turns CORS off: requests that carry an Origin
	// header (browsers) are refused, WebSocket upgrades included.
	CORSOrigins []string `toml:"cors_origins"`
	// RateLimit is the sustained requests per second allowed per client IP
	// (each HTTP request, each WebSocket call); 0 disables limiting.
	RateLimit float64 `toml:"rate_limit"`
	// RateBurst is the bucket size per client.
	RateBurst int `toml:"rate_burst"`
	// MaxBodyBytes bounds an HTTP request body and each WebSocket message
	// (a client announcing a bigger message is disconnected before its
	// payload is read).
	MaxBodyBytes int64 `toml:"max_body_bytes"`
	// ReadHeaderTimeout bounds reading request headers.
	ReadHeaderTimeout time.Duration `toml:"read_header_timeout"`
	// IdleTimeout closes idle keep-alive connections.
	IdleTimeout time.Duration `toml:"idle_timeout"`
}

// DefaultConfig listens on 127.0.0.1:26658 (celestia-node's port), metrics
// off, CORS off, 50 requests/s per client with bursts of 100, bodies up to
// 32 MiB (a base64 blob of a full k=128 square fits).
func DefaultConfig() Config {
	return Config{
		ListenAddr:        "127.0.0.1:26658",
		RateLimit:         50,
		RateBurst:         100,
		MaxBodyBytes:      32 << 20,
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       2 * time.Minute,
	}
}

// Validate checks the configuration.
func (c Config) Validate() error {
	if _, _, err := net.SplitHostPort(c.ListenAddr); err != nil {
		return fmt.Errorf("%w: listen_addr %q: %v", errConfig, c.ListenAddr, err)
	}
	if c.MetricsAddr != "" {
		if _, _, err := net.SplitHostPort(c.MetricsAddr); err != nil {
			return fmt.Errorf("%w: metrics_addr %q: %v", errConfig, c.MetricsAddr, err)
		}
	}
	switch {
	case c.RateLimit < 0:
		return fmt.Errorf("%w: rate_limit %v, want ≥ 0", errConfig, c.RateLimit)
	case c.RateLimit > 0 && c.RateBurst < 1:
		return fmt.Errorf("%w: rate_burst %d, want ≥ 1 when rate_limit is set", errConfig, c.RateBurst)
	case c.MaxBodyBytes < 1:
		return fmt.Errorf("%w: max_body_bytes %d, want ≥ 1", errConfig, c.MaxBodyBytes)
	case c.ReadHeaderTimeout <= 0 || c.IdleTimeout <= 0:
		return fmt.Errorf("%w: timeouts must be positive", errConfig)
	}
	for _, o := range c.CORSOrigins {
		if o == "" {
			return fmt.Errorf("%w: empty CORS origin", errConfig)
		}
	}
	return nil
}

// Option customizes a Server.
type Option func(*Server)

// WithLogger sets the logger (default: discard).
func WithLogger(l *slog.Logger) Option { return func(s *Server) { s.log = l } }

// WithRegistry registers the server's metrics in reg and serves reg on
// Config.MetricsAddr. No global registry is ever used.
func WithRegistry(reg *prometheus.Registry) Option { return func(s *Server) { s.reg = reg } }

// WithClock sets the clock used for token expiry and rate limits (default
// time.Now).
func WithClock(now func() time.Time) Option { return func(s *Server) { s.now = now } }

// WithHealth sets the check behind healthPath: nil error answers 200, an
// error 503 with its message (default: always healthy).
func WithHealth(check func(context.Context) error) Option {
	return func(s *Server) { s.health = check }
}

// withJSONRPCOptions passes options to the underlying go-jsonrpc server,
// e.g. jsonrpc.WithServerErrors to give typed errors their JSON-RPC codes
// (go-da's 32001–32008) or jsonrpc.WithParamDecoder. The request size limit
// is always Config.MaxBodyBytes.
func withJSONRPCOptions(opts ...jsonrpc.ServerOption) Option {
	return func(s *Server) { s.rpcOpts = append(s.rpcOpts, opts...) }
}

// WithParamDecoder decodes every JSON-RPC parameter of the type t points to
// (new(T) for parameters of type T) with dec instead of encoding/json: for
// parameters big enough that reflection-driven decoding costs (the rollup
// adapter's submitted blobs, rollupadapter.RPCOptions). dec gets the
// parameter's raw JSON and returns a value of type T.
func WithParamDecoder(t any, dec func(ctx context.Context, raw []byte) (reflect.Value, error)) Option {
	return withJSONRPCOptions(jsonrpc.WithParamDecoder(t, dec))
}

// Server serves JSON-RPC over HTTP POST and WebSocket on one listener, with
// JWT bearer-token permissions, per-client rate limits, a body size limit,
// optional CORS, a health endpoint, and Prometheus metrics on a separate
// listener. Register every API before Start.
type Server struct {
	cfg     Config
	secret  []byte
	log     *slog.Logger
	reg     *prometheus.Registry
	now     func() time.Time
	health  func(context.Context) error
	rpcOpts []jsonrpc.ServerOption
	pages   []page // WithPage
	rpc     *jsonrpc.RPCServer
	limiter *RateLimiter
	metrics *metrics

	mu       sync.Mutex
	started  bool
	cancel   context.CancelFunc
	servers  []*http.Server
	addrs    [2]string      // rpc, metrics
	stopDone chan struct{}  // closed when everything has stopped
	stopErr  error          // set before stopDone is closed
	conns    sync.WaitGroup // requests in progress (WebSocket connections included)
	serving  sync.WaitGroup // Serve goroutines
}

// NewServer returns a server signing-checking tokens with secret (at least
// SecretSize bytes; see LoadOrCreateSecret).
func NewServer(cfg Config, secret []byte, opts ...Option) (*Server, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if len(secret) < SecretSize {
		return nil, fmt.Errorf("%w: %d bytes, want at least %d", errSecret, len(secret), SecretSize)
	}
	s := &Server{cfg: cfg, secret: secret, now: time.Now}
	for _, o := range opts {
		o(s)
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if cfg.MetricsAddr != "" && s.reg == nil {
		return nil, fmt.Errorf("%w: metrics_addr is set but no registry was given (WithRegistry)", errConfig)
	}
	var reg prometheus.Registerer
	if s.reg != nil {
		reg = s.reg
	}
	m, err := newMetrics(reg)
	if err != nil {
		return nil, err
	}
	s.metrics = m
	s.limiter = NewRateLimiter(cfg.RateLimit, cfg.RateBurst, s.now)
	s.rpc = jsonrpc.NewServer(append(s.rpcOpts, jsonrpc.WithMaxRequestSize(cfg.MaxBodyBytes))...)
	return s, nil
}

// Register serves api under namespace (methods are called "namespace.Name").
// api is celestia-node's shape: a pointer to a struct whose Internal field
// is a struct of function fields, each tagged perm:"public|read|write|admin",
// and whose methods forward to those fields:
//
//	type DASAPI struct {
//		Internal struct {
//			SamplingStats func(context.Context) (sampling.Stats, error) `perm:"read"`
//		}
//	}
//	func (a *DASAPI) SamplingStats(ctx context.Context) (sampling.Stats, error) {
//		return a.Internal.SamplingStats(ctx)
//	}
//
// Register fills api.Internal with permission-checked calls to impl's
// methods of the same names and types (the same struct, unfilled, is what a
// go-jsonrpc client fills: jsonrpc.NewMergeClient(..., []any{&api.Internal},
// ...)). It refuses an api with a method that has no tagged field (it would
// be served unchecked), a field without a valid tag, or impl lacking a
// method. Register must be called before Start.
func (s *Server) Register(namespace string, impl, api any) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.started {
		return fmt.Errorf("%w: Register(%q) after Start", errServer, namespace)
	}
	if namespace == "" || strings.ContainsAny(namespace, ". ") {
		return fmt.Errorf("rpc: namespace %q, want a non-empty name without dots or spaces", namespace)
	}
	if err := s.proxy(namespace, impl, api); err != nil {
		return err
	}
	s.rpc.Register(namespace, api)
	return nil
}

// Start listens on the configured addresses and serves in the background
// until Stop or until ctx ends. It returns once listening (an error if an
// address cannot be bound).
func (s *Server) Start(ctx context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.started {
		return fmt.Errorf("%w: Start called twice", errServer)
	}
	rl, err := net.Listen("tcp", s.cfg.ListenAddr)
	if err != nil {
		return fmt.Errorf("rpc: listen on %s: %w", s.cfg.ListenAddr, err)
	}
	var ml net.Listener
	if s.cfg.MetricsAddr != "" {
		if ml, err = net.Listen("tcp", s.cfg.MetricsAddr); err != nil {
			rl.Close()
			return fmt.Errorf("rpc: listen for metrics on %s: %w", s.cfg.MetricsAddr, err)
		}
	}
	s.started = true
	base, cancel := context.WithCancel(ctx)
	s.cancel = cancel
	s.stopDone = make(chan struct{})
	mux := http.NewServeMux()
	mux.HandleFunc(healthPath, s.serveHealth)
	mux.Handle("/", s.mountPages(mux, s.handler()))
	s.addrs[0] = rl.Addr().String()
	s.serve(base, rl, mux)
	if ml != nil {
		mm := http.NewServeMux()
		mm.Handle("/metrics", promhttp.HandlerFor(s.reg, promhttp.HandlerOpts{Registry: s.reg}))
		s.addrs[1] = ml.Addr().String()
		s.serve(base, ml, mm)
	}
	go func() {
		<-base.Done()
		s.stopErr = s.shutdown()
		close(s.stopDone)
	}()
	s.log.Info("rpc: serving", "addr", s.addrs[0], "metrics", s.addrs[1])
	return nil
}

func (s *Server) serve(base context.Context, l net.Listener, h http.Handler) {
	srv := &http.Server{
		Handler:           h,
		ReadHeaderTimeout: s.cfg.ReadHeaderTimeout,
		IdleTimeout:       s.cfg.IdleTimeout,
		BaseContext:       func(net.Listener) context.Context { return base },
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelDebug),
	}
	s.servers = append(s.servers, srv)
	s.serving.Add(1)
	go func() {
		defer s.serving.Done()
		if err := srv.Serve(l); err != nil && !errors.Is(err, http.ErrServerClosed) {
			s.log.Error("rpc: serve", "addr", l.Addr(), "err", err)
		}
	}()
}

// Addr returns the JSON-RPC listen address once started (useful with port 0).
func (s *Server) Addr() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.addrs[0]
}

// MetricsAddr returns the metrics listen address once started, or "".
func (s *Server) MetricsAddr() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.addrs[1]
}

// Stop cancels in-flight calls, closes WebSocket connections and the
// listeners, and waits for every handler to return; if ctx ends first, it
// closes the remaining connections abruptly and returns ctx's error.
func (s *Server) Stop(ctx context.Context) error {
	s.mu.Lock()
	started := s.started
	s.mu.Unlock()
	if !started {
		return nil
	}
	s.cancel()
	select {
	case <-s.stopDone:
		return s.stopErr
	case <-ctx.Done():
		for _, srv := range s.servers {
			srv.Close()
		}
		return fmt.Errorf("rpc: stop: %w", ctx.Err())
	}
}

// shutdown runs once, when the base context ends (Stop, or Start's ctx).
func (s *Server) shutdown() error {
	var errs []error
	for _, srv := range s.servers {
		if err := srv.Shutdown(context.Background()); err != nil {
			errs = append(errs, err)
		}
	}
	s.conns.Wait()
	s.serving.Wait()
	s.log.Info("rpc: stopped", "addr", s.addrs[0])
	return errors.Join(errs...)
}

// handler wraps the JSON-RPC server: origin/CORS policy, body limit, rate
// limit, then authentication — all before a WebSocket upgrade, whose
// connection then bounds every message by MaxBodyBytes (wsLimitWriter).
func (s *Server) handler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.conns.Add(1)
		defer s.conns.Done()
		if !s.cors(w, r) {
			return
		}
		ws := strings.Contains(strings.ToLower(r.Header.Get("Connection")), "upgrade")
		if !ws && r.Method != http.MethodPost {
			w.Header().Set("Allow", "POST")
			httpError(w, http.StatusMethodNotAllowed, "rpc: use POST for JSON-RPC over HTTP, or a WebSocket upgrade")
			return
		}
		if r.ContentLength > s.cfg.MaxBodyBytes {
			s.metrics.rejections.WithLabelValues("too_large").Inc()
			httpError(w, http.StatusRequestEntityTooLarge,
				fmt.Sprintf("rpc: request body of %d bytes exceeds the limit of %d", r.ContentLength, s.cfg.MaxBodyBytes))
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, s.cfg.MaxBodyBytes)
		client := ClientIP(r)
		if !s.limiter.Allow(client) {
			s.metrics.rejections.WithLabelValues("rate_limited").Inc()
			w.Header().Set("Retry-After", strconv.Itoa(max(1, int(1/max(s.cfg.RateLimit, 1e-9)))))
			httpError(w, http.StatusTooManyRequests, (&rateLimitError{Client: client}).Error())
			return
		}
		ctx := context.WithValue(r.Context(), clientKey{}, client)
		token := r.Header.Get("Authorization")
		if token == "" {
			if q := r.URL.Query().Get("token"); q != "" {
				token = "Bearer " + q // browsers cannot set headers on WebSocket
			}
		}
		if token != "" {
			raw, ok := strings.CutPrefix(token, "Bearer ")
			if !ok {
				s.metrics.rejections.WithLabelValues("unauthorized").Inc()
				httpError(w, http.StatusUnauthorized, "rpc: Authorization header must be 'Bearer <token>'")
				return
			}
			perms, err := verifyToken(s.secret, strings.TrimSpace(raw), s.now())
			if err != nil {
				s.metrics.rejections.WithLabelValues("unauthorized").Inc()
				s.log.Warn("rpc: token refused", "client", client, "err", err)
				httpError(w, http.StatusUnauthorized, err.Error())
				return
			}
			ctx = auth.WithPerm(ctx, perms)
		}
		if ws {
			s.metrics.websockets.Inc()
			defer s.metrics.websockets.Dec()
			w = &wsLimitWriter{ResponseWriter: w, limit: s.cfg.MaxBodyBytes, refused: func(err error) {
				s.metrics.rejections.WithLabelValues("too_large").Inc()
				s.log.Warn("rpc: websocket closed", "client", client, "err", err)
			}}
		}
		s.rpc.ServeHTTP(w, r.WithContext(ctx))
	})
}

// cors applies the origin policy; it reports whether to continue.
func (s *Server) cors(w http.ResponseWriter, r *http.Request) bool {
	origin := r.Header.Get("Origin")
	if origin == "" {
		return true // not a browser
	}
	if !slices.Contains(s.cfg.CORSOrigins, "*") && !slices.Contains(s.cfg.CORSOrigins, origin) {
		s.metrics.rejections.WithLabelValues("origin").Inc()
		httpError(w, http.StatusForbidden, fmt.Sprintf("rpc: origin %q is not allowed (cors_origins)", origin))
		return false
	}
	h := w.Header()
	h.Set("Access-Control-Allow-Origin", origin)
	h.Add("Vary", "Origin")
	if r.Method == http.MethodOptions {
		h.Set("Access-Control-Allow-Methods", "POST, GET, OPTIONS")
		h.Set("Access-Control-Allow-Headers", "Authorization, Content-Type")
		h.Set("Access-Control-Max-Age", "600")
		w.WriteHeader(http.StatusNoContent)
		return false
	}
	return true
}

func (s *Server) serveHealth(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		httpError(w, http.StatusMethodNotAllowed, "rpc: use GET for health")
		return
	}
	w.Header().Set("Content-Type", "application/json")
	if s.health != nil {
		if err := s.health(r.Context()); err != nil {
			w.WriteHeader(http.StatusServiceUnavailable)
			json.NewEncoder(w).Encode(map[string]string{"status": "unavailable", "error": err.Error()})
			return
		}
	}
	json.NewEncoder(w).Encode(map[string]string{"status": "ok"})
}

// httpError answers with a JSON-RPC error object (id null) and the status.
func httpError(w http.ResponseWriter, status int, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(map[string]any{
		"jsonrpc": "2.0", "id": nil,
		"error": map[string]any{"code": -32000 - status, "message": msg},
	})
}
