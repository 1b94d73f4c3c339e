package rollupadapter

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ipfs/go-datastore"
	dssync "github.com/ipfs/go-datastore/sync"
	"github.com/quadrant-da/quadrant/internal/wait"
)

// countingNode counts submissions; with gate set, each submission signals
// entered and waits for gate to close before going on.
type countingNode struct {
	Node
	submits atomic.Int64
	entered chan []byte // the data of each submission, as it arrives
	gate    chan struct{}
}

func (c *countingNode) SubmitBlobs(ctx context.Context, req submitRequest) (Submission, error) {
	c.submits.Add(1)
	if c.entered != nil {
		c.entered <- req.Blobs[0].Data
	}
	if c.gate != nil {
		select {
		case <-c.gate:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	return c.Node.SubmitBlobs(ctx, req)
}

// guardedAltDA serves an Alt-DA server over node (nil: the test network's
// bridge, counted) with the adapter configuration changed by mutate.
func guardedAltDA(t *testing.T, node Node, mutate func(*Config)) (*httptest.Server, *AltDAServer, *countingNode) {
	t.Helper()
	if node == nil {
		node = network(t).bridge
	}
	cn := &countingNode{Node: node}
	cfg := DefaultConfig()
	cfg.SubmitTimeout, cfg.PollInterval = 30*time.Second, 10*time.Millisecond
	if mutate != nil {
		mutate(&cfg)
	}
	a, err := New(cfg, cn, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(a.Close)
	s, err := NewAltDAServer(a, dssync.MutexWrap(datastore.NewMapDatastore()), nil)
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(s.Handler())
	t.Cleanup(hs.Close)
	return hs, s, cn
}

// send makes one request with the given headers ("Host" sets the Host).
func send(t *testing.T, method, url string, body []byte, hdr map[string]string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(method, url, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range hdr {
		if k == "Host" {
			req.Host = v
		} else {
			req.Header.Set(k, v)
		}
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// TestAltDARefusesWebPages reproduces issue 14 item 3 (browsers): a web page
// open on the operator's machine could make the browser post blobs paid by
// the adapter's key, with a simple text/plain POST (which carries Origin)
// or through DNS rebinding (its own name as Host). Both are now refused
// before anything is posted; op-alt-da's client (no Origin, an IP or
// localhost as Host) still puts.
func TestAltDARefusesWebPages(t *testing.T) {
	hs, _, cn := guardedAltDA(t, nil, func(c *Config) { c.AltDA.AllowedHosts = []string{"localhost", "da.internal"} })
	port := hs.URL[strings.LastIndex(hs.URL, ":"):]
	for name, hdr := range map[string]map[string]string{
		"simple POST from a page":       {"Origin": "https://evil.example", "Content-Type": "text/plain"},
		"fetch metadata":                {"Sec-Fetch-Site": "cross-site"},
		"DNS rebinding":                 {"Host": "evil.example" + port},
		"rebinding without a port":      {"Host": "rebind.evil.example"},
		"same-origin page after rebind": {"Host": "evil.example" + port, "Origin": "http://evil.example" + port},
	} {
		code, body := send(t, http.MethodPost, hs.URL+"/put", []byte("paid by the adapter "+name), hdr)
		if code != http.StatusForbidden || !strings.Contains(body, errForbidden.Error()) {
			t.Errorf("%s: %d %q, want 403 %q", name, code, body, errForbidden)
		}
	}
	if n := cn.submits.Load(); n != 0 {
		t.Fatalf("%d blobs posted for web pages", n)
	}
	for name, host := range map[string]string{"IP": "", "localhost": "localhost" + port, "allowed name": "DA.internal" + port} {
		hdr := map[string]string{}
		if host != "" {
			hdr["Host"] = host
		}
		if code, body := send(t, http.MethodPost, hs.URL+"/put", []byte("batch via "+name+" "+t.Name()), hdr); code != 200 {
			t.Errorf("put via %s: %d %s", name, code, body)
		}
	}
}

// TestAltDAToken: with a token configured, puts and gets need it, as a
// bearer token or in the URL (Basic auth, which is how op-alt-da's client,
// built on Go's HTTP client, sends http://:<token>@host:port).
func TestAltDAToken(t *testing.T) {
	hs, _, cn := guardedAltDA(t, nil, func(c *Config) { c.AltDA.Token = "s3cret-token" })
	data := []byte("token batch " + t.Name())
	for name, hdr := range map[string]map[string]string{
		"no token":    nil,
		"wrong token": {"Authorization": "Bearer nope"},
		"basic wrong": {"Authorization": "Basic " + "dXNlcjpub3Bl"}, // user:nope
	} {
		if code, body := send(t, http.MethodPost, hs.URL+"/put", data, hdr); code != http.StatusUnauthorized || !strings.Contains(body, errUnauthorized.Error()) {
			t.Errorf("%s: %d %q, want 401", name, code, body)
		}
	}
	if n := cn.submits.Load(); n != 0 {
		t.Fatalf("%d blobs posted without the token", n)
	}
	if code, _ := send(t, http.MethodGet, hs.URL+"/health", nil, nil); code != 200 {
		t.Errorf("health without a token: %d", code)
	}
	code, comm := send(t, http.MethodPost, hs.URL+"/put", data, map[string]string{"Authorization": "Bearer s3cret-token"})
	if code != 200 {
		t.Fatalf("bearer token: %d %s", code, comm)
	}
	for _, userinfo := range []string{":s3cret-token@", "s3cret-token@", "op:s3cret-token@"} {
		url := strings.Replace(hs.URL, "http://", "http://"+userinfo, 1)
		if code, got := send(t, http.MethodGet, fmt.Sprintf("%s/get/0x%x", url, comm), nil, nil); code != 200 || got != string(data) {
			t.Errorf("token as URL userinfo %q: %d %q", userinfo, code, got)
		}
	}
}

func TestAltDAStartRefusesAnonymousPublic(t *testing.T) {
	start := func(mutate func(*AltDAConfig)) error {
		cfg := DefaultConfig()
		mutate(&cfg.AltDA)
		a, err := New(cfg, nullNode{}, nil)
		if err != nil {
			t.Fatal(err)
		}
		s, err := NewAltDAServer(a, dssync.MutexWrap(datastore.NewMapDatastore()), nil)
		if err != nil {
			t.Fatal(err)
		}
		if err := s.Start(context.Background(), "0.0.0.0:0"); err != nil {
			return err
		}
		return s.Stop(context.Background())
	}
	if err := start(func(*AltDAConfig) {}); !errors.Is(err, errInvalidConfig) || !strings.Contains(err.Error(), "without a token") {
		t.Fatalf("anonymous on all interfaces: %v, want refused", err)
	}
	if err := start(func(c *AltDAConfig) { c.Token = "t0ken" }); err != nil {
		t.Fatalf("with a token: %v", err)
	}
	if err := start(func(c *AltDAConfig) { c.AllowAnonymous = true }); err != nil {
		t.Fatalf("anonymous allowed explicitly: %v", err)
	}
}

// TestAltDARateAndBudget: puts are limited per client, and postings are
// charged to the spending budget (refunded when nothing was posted); a put
// of data already posted costs nothing.
func TestAltDARateAndBudget(t *testing.T) {
	// Over a node that refuses every submission: nothing is spent.
	hs, _, cn := guardedAltDA(t, nullNode{}, func(c *Config) {
		c.AltDA.RateLimit, c.AltDA.RateBurst = 1e-9, 3
		c.AltDA.BudgetBytes, c.AltDA.BudgetPeriod = 100, time.Hour
	})
	for i := range 2 {
		if code, body := send(t, http.MethodPost, hs.URL+"/put", bytes.Repeat([]byte{'r'}, 60), nil); code != http.StatusServiceUnavailable {
			t.Fatalf("put %d over a refusing node: %d %s, want 503 (and the budget refunded)", i, code, body)
		}
	}
	if code, body := send(t, http.MethodPost, hs.URL+"/put", bytes.Repeat([]byte{'r'}, 101), nil); code != http.StatusTooManyRequests || !strings.Contains(body, errBudgetExhausted.Error()) {
		t.Fatalf("put over the whole budget: %d %s", code, body)
	}
	if code, body := send(t, http.MethodPost, hs.URL+"/put", []byte("x"), nil); code != http.StatusTooManyRequests || !strings.Contains(body, errRateLimited.Error()) {
		t.Fatalf("fourth put: %d %s, want 429 %q", code, body, errRateLimited)
	}
	if code, _ := send(t, http.MethodGet, hs.URL+"/health", nil, nil); code == http.StatusTooManyRequests {
		t.Fatal("health is rate limited")
	}
	if n := cn.submits.Load(); n != 2 {
		t.Fatalf("%d submissions reached the node, want 2", n)
	}

	// Over the chain: the second distinct put passes the budget.
	hs, _, cn = guardedAltDA(t, nil, func(c *Config) { c.AltDA.BudgetBytes, c.AltDA.BudgetPeriod = 100, time.Hour })
	first := bytes.Repeat([]byte{'a'}, 60)
	if code, body := send(t, http.MethodPost, hs.URL+"/put", first, nil); code != 200 {
		t.Fatalf("first put: %d %s", code, body)
	}
	if code, body := send(t, http.MethodPost, hs.URL+"/put", bytes.Repeat([]byte{'b'}, 60), nil); code != http.StatusTooManyRequests || !strings.Contains(body, errBudgetExhausted.Error()) {
		t.Fatalf("put over the budget: %d %s, want 429 %q", code, body, errBudgetExhausted)
	}
	if code, body := send(t, http.MethodPut, hs.URL+"/put", first, nil); code != 200 {
		t.Fatalf("repeated put of posted data: %d %s, want 200 (nothing to spend)", code, body)
	}
	if n := cn.submits.Load(); n != 1 {
		t.Fatalf("%d submissions, want 1", n)
	}
}

// TestAltDAOneFlightPerCommitment reproduces issue 14 item 3 (the lock):
// every put held one global lock for its whole submission, so one caller
// (or one slow inclusion) stalled every other put. Now a put of other data
// reaches the node while a first put is still held there, and concurrent
// puts of the same data wait for the one posting and share its commitment.
func TestAltDAOneFlightPerCommitment(t *testing.T) {
	hs, s, cn := guardedAltDA(t, nil, nil)
	cn.entered, cn.gate = make(chan []byte, 8), make(chan struct{})
	a, b := []byte("flight a "+t.Name()), []byte("flight b "+t.Name())
	type result struct {
		code int
		comm string
	}
	results := make(chan result, 6)
	put := func(data []byte) {
		code, comm := send(t, http.MethodPost, hs.URL+"/put", data, nil)
		results <- result{code, comm}
	}
	var wg sync.WaitGroup
	defer wg.Wait()
	defer close(cn.gate) // release the node on any failure
	wg.Add(1)
	go func() { defer wg.Done(); put(a) }()
	waitFor := func(want []byte) {
		t.Helper()
		select {
		case got := <-cn.entered:
			if !bytes.Equal(got, want) {
				t.Fatalf("submission of %q, want %q", got, want)
			}
		case <-time.After(30 * time.Second):
			t.Fatalf("the put of %q never reached the node", want)
		}
	}
	waitFor(a) // a is held in the node
	for range 4 {
		wg.Add(1)
		go func() { defer wg.Done(); put(a) }()
	}
	wg.Add(1)
	go func() { defer wg.Done(); put(b) }()
	waitFor(b) // b did not wait for a
	wait.For(t, 30*time.Second, "4 puts of the same data waiting for its flight", func() bool {
		s.mu.Lock()
		defer s.mu.Unlock()
		return s.flights[string(Keccak256(a))].waiters == 4
	})
	cn.gate <- struct{}{} // let a's submission go (b's too)
	cn.gate <- struct{}{}
	seen := map[string]int{}
	for range 6 {
		r := <-results
		if r.code != 200 {
			t.Fatalf("put: %d %s", r.code, r.comm)
		}
		seen[r.comm]++
	}
	if n := cn.submits.Load(); n != 2 || len(seen) != 2 {
		t.Fatalf("%d submissions and %d commitments for 5 puts of one data and 1 of another, want 2 and 2", n, len(seen))
	}
	for comm, n := range seen {
		if n != 5 && n != 1 {
			t.Fatalf("commitment %x answered %d times, want 5 (the shared flight) or 1", comm, n)
		}
	}
}

func TestBudget(t *testing.T) {
	t0 := time.Unix(1_800_000_000, 0)
	b := newBudget(AltDAConfig{BudgetBytes: 100, BudgetPeriod: 100 * time.Second})
	if _, err := b.spend(60, t0); err != nil {
		t.Fatal(err)
	}
	if _, err := b.spend(60, t0); !errors.Is(err, errBudgetExhausted) || !strings.Contains(err.Error(), "fits again in 20s") {
		t.Fatalf("over the budget: %v, want exhausted, fits again in 20s", err)
	}
	refund, err := b.spend(60, t0.Add(20*time.Second))
	if err != nil {
		t.Fatalf("after the refill: %v", err)
	}
	refund()
	if _, err := b.spend(60, t0.Add(20*time.Second)); err != nil {
		t.Fatalf("after a refund: %v", err)
	}
	if _, err := b.spend(101, t0.Add(time.Hour)); !errors.Is(err, errBudgetExhausted) || !strings.Contains(err.Error(), "whole budget") {
		t.Fatalf("more than the whole budget: %v", err)
	}
	var none *budget
	if _, err := none.spend(1<<40, t0); err != nil {
		t.Fatalf("no budget: %v", err)
	}
}
