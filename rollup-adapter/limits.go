package rollupadapter

import (
	"errors"
	"fmt"
	"net"
	"strings"
	"time"
)

// Errors of the HTTP front-ends' guards (Alt-DA server, DAC member).
var (
	errRateLimited     = errors.New("rollupadapter: rate limit exceeded, slow down")
	errBudgetExhausted = errors.New("rollupadapter: spending budget exhausted")
	errForbidden       = errors.New("rollupadapter: forbidden")
	errUnauthorized    = errors.New("rollupadapter: unauthorized")
)

// HTTPTimeouts bound the connections of an HTTP front-end, so that a client
// that sends slowly, reads slowly or idles cannot hold a connection (and
// its goroutine and buffers) forever.
type HTTPTimeouts struct {
	// ReadHeader bounds reading a request's headers.
	ReadHeader time.Duration
	// Read bounds reading a whole request, body included: a put of
	// MaxBlobSize bytes must fit.
	Read time.Duration
	// Write bounds the time from the end of the request's headers to the
	// end of the response. A put or a signing waits for inclusion before
	// answering, so it must exceed Read plus Config.SubmitTimeout.
	Write time.Duration
	// Idle closes keep-alive connections idle for this long.
	Idle time.Duration
}

// defaultHTTPTimeouts: 10 s for headers, 2 minutes for a request (8 MiB at
// 70 KiB/s), 5 minutes for an answer (2 minutes of body plus the default
// 2-minute SubmitTimeout, with room), 2 minutes idle.
func defaultHTTPTimeouts() HTTPTimeouts {
	return HTTPTimeouts{ReadHeader: 10 * time.Second, Read: 2 * time.Minute, Write: 5 * time.Minute, Idle: 2 * time.Minute}
}

func (t HTTPTimeouts) validate(name string, submit time.Duration) error {
	if t.ReadHeader <= 0 || t.Read <= 0 || t.Write <= 0 || t.Idle <= 0 {
		return fmt.Errorf("%w: %s timeouts %+v must all be positive", errInvalidConfig, name, t)
	}
	if t.Write <= t.Read+submit {
		return fmt.Errorf("%w: %s write timeout %v must exceed the read timeout %v plus SubmitTimeout %v (an answer waits for inclusion)",
			errInvalidConfig, name, t.Write, t.Read, submit)
	}
	return nil
}

// AltDAConfig guards the OP Stack Alt-DA HTTP server (AltDAServer), whose
// puts are paid by the adapter's key.
type AltDAConfig struct {
	// AllowedHosts are the names a request's Host header may carry, besides
	// IP literals and the host of the listen address (DNS rebinding needs a
	// name, so any IP is accepted, as go-ethereum's vhosts do). Default
	// ["localhost"]; "*" accepts any name.
	AllowedHosts []string
	// Token, when set, is required on every request but health checks, as
	// "Authorization: Bearer <token>" or as the URL's userinfo
	// (http://:<token>@host:3100 or http://<token>@host:3100, which Go's
	// HTTP client — so op-alt-da's DAClient — sends as Basic auth). Empty by
	// default.
	Token string
	// AllowAnonymous lets the server listen on a non-loopback address
	// without a Token. Without it, Start refuses: anyone who reaches the
	// port could spend the adapter's key.
	AllowAnonymous bool
	// RateLimit is the sustained puts per second allowed per client IP; 0
	// disables the limit. RateBurst is the bucket size per client.
	RateLimit float64
	RateBurst int
	// BudgetBytes is how many blob bytes the server may post per
	// BudgetPeriod, over all clients (fees are proportional to bytes); a put
	// that does not fit is refused with 429 until the budget refills (it
	// refills continuously). 0 disables the budget.
	BudgetBytes  int64
	BudgetPeriod time.Duration
	// Timeouts bound the server's connections.
	Timeouts HTTPTimeouts
}

// defaultAltDAConfig: Host names "localhost" (and the listen address's), no
// token (the default listen address is loopback), 10 puts/s per client in
// bursts of 50, a budget of 1 GiB per hour (≈ 300 KB/s, several times the
// batches of a busy OP chain), defaultHTTPTimeouts.
func defaultAltDAConfig() AltDAConfig {
	return AltDAConfig{
		AllowedHosts: []string{"localhost"},
		RateLimit:    10, RateBurst: 50,
		BudgetBytes: 1 << 30, BudgetPeriod: time.Hour,
		Timeouts: defaultHTTPTimeouts(),
	}
}

func (c AltDAConfig) validate(submit time.Duration) error {
	for _, h := range c.AllowedHosts {
		if h == "" || strings.ContainsAny(h, ":/ ") {
			return fmt.Errorf("%w: Alt-DA allowed host %q, want a host name without port or scheme, or \"*\"", errInvalidConfig, h)
		}
	}
	switch {
	case strings.ContainsAny(c.Token, ":@/ \t\r\n"):
		return fmt.Errorf("%w: Alt-DA token must not contain ':', '@', '/' or spaces (it goes into URLs)", errInvalidConfig)
	case c.RateLimit < 0:
		return fmt.Errorf("%w: Alt-DA rate limit %v, want ≥ 0", errInvalidConfig, c.RateLimit)
	case c.RateLimit > 0 && c.RateBurst < 1:
		return fmt.Errorf("%w: Alt-DA rate burst %d, want ≥ 1 when the rate limit is set", errInvalidConfig, c.RateBurst)
	case c.BudgetBytes < 0:
		return fmt.Errorf("%w: Alt-DA budget %d bytes, want ≥ 0 (0: no budget)", errInvalidConfig, c.BudgetBytes)
	case c.BudgetBytes > 0 && c.BudgetPeriod <= 0:
		return fmt.Errorf("%w: Alt-DA budget period %v, want > 0 when a budget is set", errInvalidConfig, c.BudgetPeriod)
	}
	return c.Timeouts.validate("Alt-DA", submit)
}

// DACLimits bound the DAC member's JSON-RPC server (DACMember), which
// answers anyone: reads need no credential.
type DACLimits struct {
	// MaxBodyBytes bounds a request body (a signed sequence carries its
	// batches' data).
	MaxBodyBytes int64
	// MaxBatchCalls bounds the calls in one JSON-RPC batch; a bigger batch
	// is refused whole, before any call runs.
	MaxBatchCalls int
	// MaxResponseBytes bounds what one request is answered with: answers
	// are written one by one as they are made, and once the next would pass
	// this bound, it and the rest of the batch are answered with an error
	// (a lone answer, or the first of a batch, is always sent; its size is
	// that of the biggest batch data the member stored).
	MaxResponseBytes int64
	// RateLimit is the sustained calls per second allowed per client IP,
	// each call of a batch counting; 0 disables the limit. RateBurst is the
	// bucket size and must hold a full batch.
	RateLimit float64
	RateBurst int
	// Timeouts bound the server's connections.
	Timeouts HTTPTimeouts
}

// defaultDACLimits: bodies up to 64 MiB, batches of at most 100 calls,
// answers up to 64 MiB per request, 50 calls/s per client in bursts of 100,
// defaultHTTPTimeouts.
func defaultDACLimits() DACLimits {
	return DACLimits{
		MaxBodyBytes: 64 << 20, MaxBatchCalls: 100, MaxResponseBytes: 64 << 20,
		RateLimit: 50, RateBurst: 100,
		Timeouts: defaultHTTPTimeouts(),
	}
}

func (l DACLimits) validate(submit time.Duration) error {
	switch {
	case l.MaxBodyBytes < 1 || l.MaxBatchCalls < 1 || l.MaxResponseBytes < 1:
		return fmt.Errorf("%w: DAC MaxBodyBytes, MaxBatchCalls and MaxResponseBytes must be positive", errInvalidConfig)
	case l.RateLimit < 0:
		return fmt.Errorf("%w: DAC rate limit %v, want ≥ 0", errInvalidConfig, l.RateLimit)
	case l.RateLimit > 0 && l.RateBurst < l.MaxBatchCalls:
		return fmt.Errorf("%w: DAC rate burst %d is below MaxBatchCalls %d: a full batch could never pass", errInvalidConfig, l.RateBurst, l.MaxBatchCalls)
	}
	return l.Timeouts.validate("DAC", submit)
}

// isLoopback reports whether a listen address only accepts local
// connections: "localhost" or a loopback IP (not "" or 0.0.0.0).
func isLoopback(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false
	}
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
