package rpc

import (
	"net/http"
	"testing"
	"time"
)

func TestRateLimiter(t *testing.T) {
	clock := &fakeClock{t: time.Unix(1_800_000_000, 0)}
	l := NewRateLimiter(2, 5, clock.now)
	if !l.AllowN("a", 5) || l.Allow("a") {
		t.Fatal("a burst of 5 then one more: want allowed, refused")
	}
	if !l.AllowN("b", 3) || l.AllowN("b", 3) {
		t.Fatal("clients share a bucket")
	}
	if l.AllowN("c", 6) {
		t.Fatal("more than the burst allowed at once")
	}
	clock.add(time.Second) // two tokens back
	if !l.AllowN("a", 2) || l.Allow("a") {
		t.Fatal("refill: want exactly two tokens after one second")
	}
	var off *RateLimiter
	if !off.Allow("x") || !NewRateLimiter(0, 0, nil).AllowN("x", 1000) {
		t.Fatal("a nil or zero-rate limiter refused")
	}
	if got := ClientIP(&http.Request{RemoteAddr: "[::1]:4242"}); got != "::1" {
		t.Fatalf("ClientIP = %q", got)
	}
}
