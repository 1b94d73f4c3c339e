package rpc

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/filecoin-project/go-jsonrpc/auth"
)

// TestPages: a page at "/" answers GET without a token while POST still
// reaches JSON-RPC; a page that needs read takes its token from the
// header, the query or the cookie, refuses none (401) and a token without
// the permission (403).
func TestPages(t *testing.T) {
	secret := make([]byte, SecretSize)
	cfg := DefaultConfig()
	cfg.ListenAddr = "127.0.0.1:0"
	page := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "page") })
	state := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "state") })
	s, err := NewServer(cfg, secret, WithPage("/", "", page), WithPage("/state", "read", state))
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	defer s.Stop(context.Background())
	base := "http://" + s.Addr()
	read, _ := NewToken(secret, []auth.Permission{"public", "read"}, time.Time{})
	public, _ := NewToken(secret, []auth.Permission{"public"}, time.Time{})
	get := func(path string, set func(*http.Request)) (int, string) {
		req, _ := http.NewRequest(http.MethodGet, base+path, nil)
		if set != nil {
			set(req)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	cases := []struct {
		name, path string
		set        func(*http.Request)
		code       int
		body       string
	}{
		{"page", "/", nil, 200, "page"},
		{"state without token", "/state", nil, 401, "needs a token"},
		{"state with header", "/state", func(r *http.Request) { r.Header.Set("Authorization", "Bearer "+read) }, 200, "state"},
		{"state with query", "/state?token=" + read, nil, 200, "state"},
		{"state with cookie", "/state", func(r *http.Request) { r.AddCookie(&http.Cookie{Name: tokenCookie, Value: read}) }, 200, "state"},
		{"state with public token", "/state?token=" + public, nil, 403, "does not grant read"},
		{"state with bad token", "/state?token=x.y.z", nil, 401, "invalid token"},
	}
	for _, c := range cases {
		code, body := get(c.path, c.set)
		if code != c.code || !strings.Contains(body, c.body) {
			t.Errorf("%s: %d %q, want %d containing %q", c.name, code, body, c.code, c.body)
		}
	}
	resp, err := http.Post(base+"/", "application/json", strings.NewReader(`{"jsonrpc":"2.0","id":1,"method":"x.y","params":[]}`))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(b), `"jsonrpc"`) {
		t.Fatalf("POST / did not reach JSON-RPC: %s", b)
	}
}
