package rpc

import (
	"net"
	"net/http"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// RateLimiter is a token bucket per client (the server's, and the rollup
// adapter's HTTP front-ends'). Buckets that are full again are forgotten
// when the map grows, so memory follows the number of recently active
// clients. It is safe for concurrent use.
type RateLimiter struct {
	rate  rate.Limit
	burst int
	now   func() time.Time

	mu        sync.Mutex
	buckets   map[string]*rate.Limiter
	lastPrune time.Time
}

const pruneAbove = 1024

// NewRateLimiter returns a limiter allowing each client perSecond tokens a
// second with bursts of burst, on the clock now (nil: time.Now). A zero
// perSecond allows everything.
func NewRateLimiter(perSecond float64, burst int, now func() time.Time) *RateLimiter {
	if now == nil {
		now = time.Now
	}
	return &RateLimiter{rate: rate.Limit(perSecond), burst: burst, now: now, buckets: map[string]*rate.Limiter{}}
}

// Allow takes one token from client's bucket and reports whether there was
// one.
func (l *RateLimiter) Allow(client string) bool { return l.AllowN(client, 1) }

// AllowN takes n tokens from client's bucket if it holds them all, and
// reports whether it did; n over the burst is never allowed. A nil limiter
// or a zero rate allows everything.
func (l *RateLimiter) AllowN(client string, n int) bool {
	if l == nil || l.rate <= 0 {
		return true
	}
	now := l.now()
	l.mu.Lock()
	defer l.mu.Unlock()
	b := l.buckets[client]
	if b == nil {
		l.pruneLocked(now)
		b = rate.NewLimiter(l.rate, l.burst)
		l.buckets[client] = b
	}
	return b.AllowN(now, n)
}

func (l *RateLimiter) pruneLocked(now time.Time) {
	if len(l.buckets) < pruneAbove || now.Sub(l.lastPrune) < time.Second {
		return
	}
	l.lastPrune = now
	for c, b := range l.buckets {
		if b.TokensAt(now) >= float64(l.burst) {
			delete(l.buckets, c)
		}
	}
}

// ClientIP is the remote IP of the request's connection, the key rate
// limits use. X-Forwarded-For is not trusted: behind a reverse proxy, limit
// there.
func ClientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}
