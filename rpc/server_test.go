package rpc

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/filecoin-project/go-jsonrpc"
	"github.com/filecoin-project/go-jsonrpc/auth"
	"github.com/prometheus/client_golang/prometheus"
)

// testImpl is a module implementation; testAPI is its celestia-style API
// struct, used both to serve it and as the client.
type testImpl struct{}

func (testImpl) Public(context.Context) (string, error)         { return "public", nil }
func (testImpl) Read(_ context.Context, x int) (int, error)     { return x * 2, nil }
func (testImpl) Write(_ context.Context, b []byte) (int, error) { return len(b), nil }
func (testImpl) Admin(context.Context) error                    { return nil }
func (testImpl) Fail(context.Context) error                     { return &notFoundError{} }

// notFoundError stands for a module's typed error with its own JSON-RPC code.
type notFoundError struct{}

func (*notFoundError) Error() string { return "blob: not found" }
func (testImpl) Subscribe(ctx context.Context, n int) (<-chan int, error) {
	ch := make(chan int)
	go func() {
		defer close(ch)
		for i := 0; i < n; i++ {
			select {
			case ch <- i:
			case <-ctx.Done():
				return
			}
		}
		<-ctx.Done() // stay open until the connection ends
	}()
	return ch, nil
}

type testAPI struct {
	Internal struct {
		Public    func(context.Context) (string, error)          `perm:"public"`
		Read      func(context.Context, int) (int, error)        `perm:"read"`
		Write     func(context.Context, []byte) (int, error)     `perm:"write"`
		Admin     func(context.Context) error                    `perm:"admin"`
		Fail      func(context.Context) error                    `perm:"read"`
		Subscribe func(context.Context, int) (<-chan int, error) `perm:"read"`
	}
}

func (a *testAPI) Public(ctx context.Context) (string, error)       { return a.Internal.Public(ctx) }
func (a *testAPI) Read(ctx context.Context, x int) (int, error)     { return a.Internal.Read(ctx, x) }
func (a *testAPI) Write(ctx context.Context, b []byte) (int, error) { return a.Internal.Write(ctx, b) }
func (a *testAPI) Admin(ctx context.Context) error                  { return a.Internal.Admin(ctx) }
func (a *testAPI) Fail(ctx context.Context) error                   { return a.Internal.Fail(ctx) }
func (a *testAPI) Subscribe(ctx context.Context, n int) (<-chan int, error) {
	return a.Internal.Subscribe(ctx, n)
}

type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *fakeClock) add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

type testServer struct {
	*Server
	reg   *prometheus.Registry
	clock *fakeClock
}

func startServer(t *testing.T, mutate func(*Config), opts ...Option) *testServer {
	t.Helper()
	cfg := DefaultConfig()
	cfg.ListenAddr = "127.0.0.1:0"
	cfg.MetricsAddr = "127.0.0.1:0"
	cfg.RateLimit = 0
	if mutate != nil {
		mutate(&cfg)
	}
	ts := &testServer{reg: prometheus.NewRegistry(), clock: &fakeClock{t: time.Unix(1_800_000_000, 0)}}
	opts = append([]Option{WithRegistry(ts.reg), WithClock(ts.clock.now)}, opts...)
	s, err := NewServer(cfg, testSecret, opts...)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Register("test", testImpl{}, &testAPI{}); err != nil {
		t.Fatal(err)
	}
	if err := s.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	ts.Server = s
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := s.Stop(ctx); err != nil {
			t.Errorf("Stop: %v", err)
		}
	})
	return ts
}

func token(t *testing.T, level string) string {
	t.Helper()
	if level == "" {
		return ""
	}
	perms, err := PermsForLevel(level)
	if err != nil {
		t.Fatal(err)
	}
	tok, err := NewToken(testSecret, perms, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

func dial(t *testing.T, s *testServer, scheme, tok string) (*testAPI, jsonrpc.ClientCloser, error) {
	t.Helper()
	h := http.Header{}
	if tok != "" {
		h.Set("Authorization", "Bearer "+tok)
	}
	var c testAPI
	// For WebSocket, this context bounds the connection's life.
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	closer, err := jsonrpc.NewMergeClient(ctx, scheme+"://"+s.Addr(), "test", []any{&c.Internal}, h, jsonrpc.WithNoReconnect(), jsonrpc.WithTimeout(5*time.Second))
	if err != nil {
		return nil, nil, err
	}
	t.Cleanup(closer)
	return &c, closer, nil
}

func TestPermissionMatrix(t *testing.T) {
	errs := jsonrpc.NewErrors()
	errs.Register(32001, new(*notFoundError))
	s := startServer(t, nil, withJSONRPCOptions(jsonrpc.WithServerErrors(errs)))
	levels := []string{"", "public", "read", "write", "admin"}
	rank := map[string]int{"": 0, "public": 0, "read": 1, "write": 2, "admin": 3}
	calls := []struct {
		method string
		need   int
		call   func(ctx context.Context, c *testAPI) error
	}{
		{"Public", 0, func(ctx context.Context, c *testAPI) error {
			v, err := c.Internal.Public(ctx)
			if err == nil && v != "public" {
				return fmt.Errorf("got %q", v)
			}
			return err
		}},
		{"Read", 1, func(ctx context.Context, c *testAPI) error {
			v, err := c.Internal.Read(ctx, 21)
			if err == nil && v != 42 {
				return fmt.Errorf("got %d", v)
			}
			return err
		}},
		{"Write", 2, func(ctx context.Context, c *testAPI) error {
			v, err := c.Internal.Write(ctx, []byte("hello"))
			if err == nil && v != 5 {
				return fmt.Errorf("got %d", v)
			}
			return err
		}},
		{"Admin", 3, func(ctx context.Context, c *testAPI) error { return c.Internal.Admin(ctx) }},
	}
	need := []string{"public", "read", "write", "admin"}
	for _, scheme := range []string{"http", "ws"} {
		for _, level := range levels {
			c, _, err := dial(t, s, scheme, token(t, level))
			if err != nil {
				t.Fatalf("%s %q: dial: %v", scheme, level, err)
			}
			for _, call := range calls {
				err := call.call(context.Background(), c)
				allowed := rank[level] >= call.need
				switch {
				case allowed && err != nil:
					t.Errorf("%s token %q: test.%s refused: %v", scheme, level, call.method, err)
				case !allowed:
					want := fmt.Sprintf("missing permission to invoke 'test.%s' (need '%s')", call.method, need[call.need])
					if err == nil || !strings.Contains(err.Error(), want) {
						t.Errorf("%s token %q: test.%s error = %v, want %q", scheme, level, call.method, err, want)
					}
				}
			}
		}
	}
	// Method errors pass through with their message and registered code.
	c, _, _ := dial(t, s, "http", token(t, "read"))
	if err := c.Internal.Fail(context.Background()); err == nil || !strings.Contains(err.Error(), "blob: not found") {
		t.Errorf("method error = %v", err)
	}
	req, _ := http.NewRequest("POST", "http://"+s.Addr(), strings.NewReader(`{"jsonrpc":"2.0","id":1,"method":"test.Fail","params":[]}`))
	req.Header.Set("Authorization", "Bearer "+token(t, "read"))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(body), `"code":32001`) {
		t.Errorf("typed error without its code: %s", body)
	}
}

func TestBadTokensRefused(t *testing.T) {
	s := startServer(t, nil)
	expired, _ := NewToken(testSecret, allPerms, s.clock.now().Add(-time.Minute))
	wrong, _ := NewToken([]byte("a different secret, also 32 bytes+"), allPerms, time.Time{})
	for name, tok := range map[string]string{"invalid": "abc.def.ghi", "expired": expired, "wrong secret": wrong} {
		c, _, err := dial(t, s, "http", tok)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := c.Internal.Public(context.Background()); err == nil || !strings.Contains(err.Error(), "401") {
			t.Errorf("http %s token: error = %v, want 401", name, err)
		}
		if _, _, err := dial(t, s, "ws", tok); err == nil {
			t.Errorf("ws %s token: connection accepted", name)
		}
	}
	// Not a bearer token.
	req, _ := http.NewRequest("POST", "http://"+s.Addr(), strings.NewReader(`{"jsonrpc":"2.0","id":1,"method":"test.Public","params":[]}`))
	req.Header.Set("Authorization", "Basic abc")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("Basic auth: status %d, want 401", resp.StatusCode)
	}
	// A token in the query string works (browsers' WebSockets).
	resp, err = http.Post("http://"+s.Addr()+"/?token="+token(t, "read"), "application/json",
		strings.NewReader(`{"jsonrpc":"2.0","id":1,"method":"test.Read","params":[2]}`))
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(body), `"result":4`) {
		t.Errorf("query token: %s", body)
	}
}

func TestSubscription(t *testing.T) {
	s := startServer(t, nil)
	c, _, err := dial(t, s, "ws", token(t, "read"))
	if err != nil {
		t.Fatal(err)
	}
	ch, err := c.Internal.Subscribe(context.Background(), 3)
	if err != nil {
		t.Fatal(err)
	}
	for want := 0; want < 3; want++ {
		select {
		case got := <-ch:
			if got != want {
				t.Fatalf("got %d, want %d", got, want)
			}
		case <-time.After(5 * time.Second):
			t.Fatal("subscription value not received")
		}
	}
	// Over plain HTTP, go-jsonrpc's clear "not supported" error.
	hc, _, _ := dial(t, s, "http", token(t, "read"))
	if _, err := hc.Internal.Subscribe(context.Background(), 1); err == nil || !strings.Contains(err.Error(), "not supported in this mode") {
		t.Fatalf("HTTP subscription error = %v, want go-jsonrpc's 'not supported in this mode'", err)
	}
	// Without read permission, refused over WebSocket too.
	pc, _, _ := dial(t, s, "ws", "")
	if _, err := pc.Internal.Subscribe(context.Background(), 1); err == nil || !strings.Contains(err.Error(), "need 'read'") {
		t.Fatalf("anonymous subscription error = %v", err)
	}
	// Stop closes the subscription.
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := s.Stop(ctx); err != nil {
		t.Fatal(err)
	}
	select {
	case _, open := <-ch:
		if open {
			t.Fatal("value after Stop")
		}
	case <-time.After(5 * time.Second):
		t.Fatal("subscription not closed by Stop")
	}
}

func TestRateLimit(t *testing.T) {
	s := startServer(t, func(c *Config) { c.RateLimit, c.RateBurst = 1, 3 })
	c, _, _ := dial(t, s, "http", "")
	for i := 0; i < 3; i++ {
		if _, err := c.Internal.Public(context.Background()); err != nil {
			t.Fatalf("call %d within the burst: %v", i, err)
		}
	}
	if _, err := c.Internal.Public(context.Background()); err == nil || !strings.Contains(err.Error(), "429") {
		t.Fatalf("call over the limit: %v, want 429", err)
	}
	s.clock.add(time.Second) // one token back
	if _, err := c.Internal.Public(context.Background()); err != nil {
		t.Fatalf("call after refill: %v", err)
	}
	// WebSocket: the upgrade takes a token, then each call.
	s.clock.add(3 * time.Second)
	w, _, err := dial(t, s, "ws", "")
	if err != nil {
		t.Fatal(err)
	}
	var errs []error
	for i := 0; i < 3; i++ {
		_, err := w.Internal.Public(context.Background())
		errs = append(errs, err)
	}
	if errs[0] != nil || errs[1] != nil || errs[2] == nil || !strings.Contains(errs[2].Error(), "rate limit exceeded") {
		t.Fatalf("ws calls: %v, want two allowed then rate limited", errs)
	}
	// Health is never limited.
	if resp, err := http.Get("http://" + s.Addr() + healthPath); err != nil || resp.StatusCode != 200 {
		t.Fatalf("health under rate limit: %v %v", resp, err)
	}
}

func TestBodyLimit(t *testing.T) {
	s := startServer(t, func(c *Config) { c.MaxBodyBytes = 1024 })
	c, _, _ := dial(t, s, "http", token(t, "write"))
	if n, err := c.Internal.Write(context.Background(), make([]byte, 100)); err != nil || n != 100 {
		t.Fatalf("small body: %d %v", n, err)
	}
	if _, err := c.Internal.Write(context.Background(), make([]byte, 4096)); err == nil || !strings.Contains(err.Error(), "413") {
		t.Fatalf("large body: %v, want 413", err)
	}
	// Without a Content-Length (chunked), the limit still holds.
	body := `{"jsonrpc":"2.0","id":1,"method":"test.Public","params":[],"pad":"` + strings.Repeat("x", 4096) + `"}`
	req, _ := http.NewRequest("POST", "http://"+s.Addr(), io.MultiReader(strings.NewReader(body)))
	req.ContentLength = -1
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	out, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode == 200 || !bytes.Contains(out, []byte("too large")) {
		t.Fatalf("chunked oversized body: %d %s", resp.StatusCode, out)
	}
}

func TestHealthCORSAndMetrics(t *testing.T) {
	var healthy atomic.Bool
	healthy.Store(true)
	s := startServer(t, nil, WithHealth(func(context.Context) error {
		if !healthy.Load() {
			return errors.New("no peers")
		}
		return nil
	}))
	get := func(url string, hdr map[string]string, method string) (int, string, http.Header) {
		req, _ := http.NewRequest(method, url, nil)
		for k, v := range hdr {
			req.Header.Set(k, v)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		return resp.StatusCode, string(b), resp.Header
	}
	if code, body, _ := get("http://"+s.Addr()+healthPath, nil, "GET"); code != 200 || !strings.Contains(body, `"ok"`) {
		t.Fatalf("health: %d %s", code, body)
	}
	healthy.Store(false)
	if code, body, _ := get("http://"+s.Addr()+healthPath, nil, "GET"); code != 503 || !strings.Contains(body, "no peers") {
		t.Fatalf("unhealthy: %d %s", code, body)
	}
	// CORS off: browser origins refused.
	if code, _, _ := get("http://"+s.Addr(), map[string]string{"Origin": "https://evil.example"}, "POST"); code != http.StatusForbidden {
		t.Fatalf("origin with CORS off: %d, want 403", code)
	}
	// GET on the RPC path is not JSON-RPC.
	if code, _, _ := get("http://"+s.Addr(), nil, "GET"); code != http.StatusMethodNotAllowed {
		t.Fatalf("GET /: %d", code)
	}
	// Metrics on their own listener.
	c, _, _ := dial(t, s, "http", "")
	c.Internal.Public(context.Background())
	c.Internal.Read(context.Background(), 1)
	code, body, _ := get("http://"+s.MetricsAddr()+"/metrics", nil, "GET")
	for _, want := range []string{
		`quadrant_rpc_calls_total{method="test.Public",result="ok"} 1`,
		`quadrant_rpc_calls_total{method="test.Read",result="denied"} 1`,
		`quadrant_rpc_http_rejections_total{reason="origin"} 1`,
	} {
		if code != 200 || !strings.Contains(body, want) {
			t.Errorf("metrics lack %q:\n%s", want, body)
		}
	}

	// CORS on for one origin.
	s2 := startServer(t, func(c *Config) { c.CORSOrigins = []string{"https://app.example"} })
	code, _, h := get("http://"+s2.Addr(), map[string]string{"Origin": "https://app.example"}, "OPTIONS")
	if code != http.StatusNoContent || h.Get("Access-Control-Allow-Origin") != "https://app.example" || !strings.Contains(h.Get("Access-Control-Allow-Headers"), "Authorization") {
		t.Fatalf("preflight: %d %v", code, h)
	}
	req, _ := http.NewRequest("POST", "http://"+s2.Addr(), strings.NewReader(`{"jsonrpc":"2.0","id":1,"method":"test.Public","params":[]}`))
	req.Header.Set("Origin", "https://app.example")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var out struct{ Result string }
	json.NewDecoder(resp.Body).Decode(&out)
	resp.Body.Close()
	if out.Result != "public" || resp.Header.Get("Access-Control-Allow-Origin") != "https://app.example" {
		t.Fatalf("CORS call: %+v %v", out, resp.Header)
	}
	if code, _, _ := get("http://"+s2.Addr(), map[string]string{"Origin": "https://other.example"}, "POST"); code != http.StatusForbidden {
		t.Fatalf("other origin: %d", code)
	}
}

// Misregistrations are refused instead of serving something unchecked.
type noTagAPI struct {
	Internal struct {
		Public func(context.Context) (string, error)
	}
}

func (a *noTagAPI) Public(ctx context.Context) (string, error) { return a.Internal.Public(ctx) }

type extraMethodAPI struct {
	Internal struct {
		Public func(context.Context) (string, error) `perm:"public"`
	}
}

func (a *extraMethodAPI) Public(ctx context.Context) (string, error) { return a.Internal.Public(ctx) }
func (a *extraMethodAPI) Admin(ctx context.Context) error            { return nil }

type missingImplAPI struct {
	Internal struct {
		Missing func(context.Context) error `perm:"read"`
	}
}

func (a *missingImplAPI) Missing(ctx context.Context) error { return a.Internal.Missing(ctx) }

type noCtxAPI struct {
	Internal struct {
		Public func() (string, error) `perm:"public"`
	}
}

func (a *noCtxAPI) Public() (string, error) { return a.Internal.Public() }

func TestRegisterRefuses(t *testing.T) {
	s, err := NewServer(func() Config { c := DefaultConfig(); c.ListenAddr = "127.0.0.1:0"; return c }(), testSecret)
	if err != nil {
		t.Fatal(err)
	}
	for name, api := range map[string]any{
		"no perm tag": &noTagAPI{}, "method without field": &extraMethodAPI{}, "impl lacks method": &missingImplAPI{},
		"no context": &noCtxAPI{}, "not a pointer": testAPI{}, "no Internal": &struct{}{},
	} {
		if err := s.Register("x", testImpl{}, api); err == nil {
			t.Errorf("%s: registered", name)
		}
	}
	if err := s.Register("a.b", testImpl{}, &testAPI{}); err == nil {
		t.Error("dotted namespace registered")
	}
	if err := s.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	defer s.Stop(context.Background())
	if err := s.Register("late", testImpl{}, &testAPI{}); !errors.Is(err, errServer) {
		t.Errorf("Register after Start: %v", err)
	}
	if err := s.Start(context.Background()); !errors.Is(err, errServer) {
		t.Errorf("second Start: %v", err)
	}
}

func TestConfigValidate(t *testing.T) {
	if err := DefaultConfig().Validate(); err != nil {
		t.Fatal(err)
	}
	for name, f := range map[string]func(*Config){
		"listen":  func(c *Config) { c.ListenAddr = "nope" },
		"metrics": func(c *Config) { c.MetricsAddr = "nope" },
		"rate":    func(c *Config) { c.RateLimit = -1 },
		"burst":   func(c *Config) { c.RateBurst = 0 },
		"body":    func(c *Config) { c.MaxBodyBytes = 0 },
		"cors":    func(c *Config) { c.CORSOrigins = []string{""} },
	} {
		c := DefaultConfig()
		f(&c)
		if err := c.Validate(); !errors.Is(err, errConfig) {
			t.Errorf("%s: %v", name, err)
		}
	}
	c := DefaultConfig()
	c.MetricsAddr = "127.0.0.1:0"
	if _, err := NewServer(c, testSecret); !errors.Is(err, errConfig) {
		t.Errorf("metrics without registry: %v", err)
	}
	if _, err := NewServer(DefaultConfig(), testSecret[:10]); !errors.Is(err, errSecret) {
		t.Errorf("short secret: %v", err)
	}
	// One server per registry.
	reg := prometheus.NewRegistry()
	if _, err := NewServer(DefaultConfig(), testSecret, WithRegistry(reg)); err != nil {
		t.Fatal(err)
	}
	if _, err := NewServer(DefaultConfig(), testSecret, WithRegistry(reg)); err == nil {
		t.Error("second server on the same registry accepted")
	}
	_ = auth.Permission("")
}
