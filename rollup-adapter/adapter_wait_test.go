package rollupadapter

import (
	"context"
	"sync"
	"testing"
	"time"
)

// notifyingNode is a Node whose head rises on demand and that tells when
// it does (headNotifier); only WaitForHeight's methods are implemented.
type notifyingNode struct {
	Node
	mu   sync.Mutex
	head uint64
	ch   chan struct{}
}

func (n *notifyingNode) HeadHeight() uint64 { n.mu.Lock(); defer n.mu.Unlock(); return n.head }

func (n *notifyingNode) HeadChanged() <-chan struct{} {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.ch
}

func (n *notifyingNode) raise(h uint64) {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.head = h
	close(n.ch)
	n.ch = make(chan struct{})
}

// TestWaitForHeightWakesOnHeadChange: with a node that notifies, a waiter
// returns when the height is stored, not on a poll (the poll interval here
// is an hour, so only the notification can wake it).
func TestWaitForHeightWakesOnHeadChange(t *testing.T) {
	n := &notifyingNode{ch: make(chan struct{})}
	cfg := DefaultConfig()
	cfg.PollInterval = time.Hour
	a, err := New(cfg, n, nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- a.WaitForHeight(ctx, 3) }()
	n.raise(2)
	n.raise(3)
	if err := <-done; err != nil {
		t.Fatalf("WaitForHeight(3) after the head rose to 3: %v", err)
	}
	if err := a.WaitForHeight(ctx, 3); err != nil { // already there
		t.Fatal(err)
	}
}
