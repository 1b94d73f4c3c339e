package pause

import (
	"context"
	"testing"
	"time"
)

func TestForEndsWithItsContext(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan bool)
	go func() { done <- For(ctx, time.Hour) }()
	cancel()
	select {
	case alive := <-done:
		if alive {
			t.Fatal("For reported a cancelled context alive")
		}
	case <-time.After(10 * time.Second):
		t.Fatal("For did not return within 10 s of its context's end")
	}
	if !For(context.Background(), time.Millisecond) {
		t.Fatal("For reported a live context ended")
	}
}
