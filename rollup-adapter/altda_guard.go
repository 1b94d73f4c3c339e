package rollupadapter

import (
	"crypto/subtle"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/quadrant-da/quadrant/rpc"
)

// The Alt-DA server's guards (AltDAConfig). Its puts are paid by the
// adapter's key and op-alt-da's client sends no credential, so on a
// developer's or operator's machine the threat is a web page: a simple
// text/plain POST to 127.0.0.1:3100 (which carries an Origin header), or
// DNS rebinding of the page's own name to 127.0.0.1 (which carries that
// name as Host). Requests are checked in that order: Origin, Host, token;
// then puts are rate-limited per client and charged to the spending
// budget when they post.

// guard wraps next with the Origin, Host and token checks and the per-client
// put rate; listenHost is the host of the listen address ("" if unknown).
func (s *AltDAServer) guard(next http.Handler, listenHost string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := s.fromBrowser(r, listenHost); err != nil {
			s.log.Warn("rollupadapter: Alt-DA request refused", "client", r.RemoteAddr, "err", err)
			http.Error(w, err.Error(), http.StatusForbidden)
			return
		}
		if r.URL.Path != "/health" && !s.authorized(r) {
			http.Error(w, fmt.Sprintf("%v: this Alt-DA server needs its token, as \"Authorization: Bearer <token>\" or in the URL (http://:<token>@host:port)", errUnauthorized),
				http.StatusUnauthorized)
			return
		}
		if strings.HasPrefix(r.URL.Path, "/put") {
			if client := rpc.ClientIP(r); !s.limiter.Allow(client) {
				w.Header().Set("Retry-After", strconv.Itoa(max(1, int(1/max(s.cfg.RateLimit, 1e-9)))))
				http.Error(w, fmt.Sprintf("%v: client %s", errRateLimited, client), http.StatusTooManyRequests)
				return
			}
		}
		next.ServeHTTP(w, r)
	})
}

// fromBrowser returns an error wrapping errForbidden for a request a web
// page made: one with an Origin header or a Sec-Fetch-Site other than
// "none" (only browsers send them), or whose Host is a name not allowed (a
// rebound DNS name). IP literals and an absent Host are allowed: DNS
// rebinding needs a name.
func (s *AltDAServer) fromBrowser(r *http.Request, listenHost string) error {
	if o := r.Header.Get("Origin"); o != "" {
		return fmt.Errorf("%w: requests from web pages (Origin %q) are refused", errForbidden, o)
	}
	if site := r.Header.Get("Sec-Fetch-Site"); site != "" && site != "none" {
		return fmt.Errorf("%w: requests from web pages (Sec-Fetch-Site %q) are refused", errForbidden, site)
	}
	host := r.Host
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	host = strings.TrimSuffix(strings.Trim(host, "[]"), ".")
	if host == "" || net.ParseIP(host) != nil || strings.EqualFold(host, listenHost) {
		return nil
	}
	for _, a := range s.cfg.AllowedHosts {
		if a == "*" || strings.EqualFold(host, a) {
			return nil
		}
	}
	return fmt.Errorf("%w: Host %q is not an allowed name (Alt-DA allowed hosts: %v, IP addresses and the listen address)", errForbidden, r.Host, s.cfg.AllowedHosts)
}

// authorized reports whether r carries the configured token (always true
// without one): as a bearer token, or as Basic auth from URL userinfo — the
// password, or the user name when there is no password.
func (s *AltDAServer) authorized(r *http.Request) bool {
	if s.cfg.Token == "" {
		return true
	}
	got, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !ok {
		user, pass, basic := r.BasicAuth()
		if !basic {
			return false
		}
		got = pass
		if pass == "" {
			got = user
		}
	}
	return subtle.ConstantTimeCompare([]byte(strings.TrimSpace(got)), []byte(s.cfg.Token)) == 1
}

// budget is the Alt-DA server's spending budget: a byte bucket holding up
// to AltDAConfig.BudgetBytes, refilled continuously over BudgetPeriod,
// shared by all clients. A nil budget allows everything.
type budget struct {
	capacity  float64
	perSecond float64
	cfg       AltDAConfig

	mu     sync.Mutex
	tokens float64
	last   time.Time // of the last refill; zero before the first spend
}

func newBudget(cfg AltDAConfig) *budget {
	if cfg.BudgetBytes == 0 {
		return nil
	}
	c := float64(cfg.BudgetBytes)
	return &budget{capacity: c, perSecond: c / cfg.BudgetPeriod.Seconds(), cfg: cfg, tokens: c}
}

// spend takes n bytes from the budget at now, or returns an error wrapping
// errBudgetExhausted saying when it will fit. The returned function gives
// the bytes back (call it when nothing was posted).
func (b *budget) spend(n int, now time.Time) (refund func(), err error) {
	if b == nil {
		return func() {}, nil
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if !b.last.IsZero() && now.After(b.last) {
		b.tokens = min(b.capacity, b.tokens+now.Sub(b.last).Seconds()*b.perSecond)
	}
	if now.After(b.last) {
		b.last = now
	}
	need := float64(n)
	switch {
	case need > b.capacity:
		return nil, fmt.Errorf("%w: a put of %d bytes is more than the whole budget of %d bytes per %v", errBudgetExhausted, n, b.cfg.BudgetBytes, b.cfg.BudgetPeriod)
	case need > b.tokens:
		wait := time.Duration((need - b.tokens) / b.perSecond * float64(time.Second))
		return nil, fmt.Errorf("%w: %d bytes per %v may be posted; a put of %d bytes fits again in %v",
			errBudgetExhausted, b.cfg.BudgetBytes, b.cfg.BudgetPeriod, n, wait.Round(time.Second))
	}
	b.tokens -= need
	return func() {
		b.mu.Lock()
		defer b.mu.Unlock()
		b.tokens = min(b.capacity, b.tokens+need)
	}, nil
}
