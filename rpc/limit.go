package rpc

import (
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// limiter is a token bucket per client (remote IP). Buckets that are full
// again are forgotten when the map grows, so memory follows the number of
// recently active clients.
type limiter struct {
	rate  rate.Limit
	burst int
	now   func() time.Time

	mu        sync.Mutex
	buckets   map[string]*rate.Limiter
	lastPrune time.Time
}

const pruneAbove = 1024

func newLimiter(perSecond float64, burst int, now func() time.Time) *limiter {
	return &limiter{rate: rate.Limit(perSecond), burst: burst, now: now, buckets: map[string]*rate.Limiter{}}
}

// allow takes one token from client's bucket; a nil limiter or a zero rate
// allows everything.
func (l *limiter) allow(client string) bool {
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
	return b.AllowN(now, 1)
}

func (l *limiter) pruneLocked(now time.Time) {
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
