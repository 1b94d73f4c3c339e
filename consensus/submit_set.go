package consensus

import (
	"context"
	"log/slog"
	"sync"
	"time"
)

// Submitters hands out exactly one Submitter per account, so that every
// component of a process that signs for an account (the CLI, the rollup
// adapter's front-ends, a DAC member) shares that account's ordered queue.
// It is safe for concurrent use.
type Submitters struct {
	ctx     context.Context
	client  ChainClient
	mempool Mempool
	log     *slog.Logger
	poll    time.Duration

	mu   sync.Mutex
	byID map[Address]*Submitter
}

// NewSubmitters returns a set whose queues read the chain through client,
// submit into mempool, and run until ctx ends or Stop is called.
// pollInterval 0 means the Submitter default.
func NewSubmitters(ctx context.Context, client ChainClient, mempool Mempool, logger *slog.Logger, pollInterval time.Duration) *Submitters {
	return &Submitters{ctx: ctx, client: client, mempool: mempool, log: logger, poll: pollInterval, byID: map[Address]*Submitter{}}
}

// For returns the running queue of key's account, starting it on first use.
func (s *Submitters) For(key *Key) (*Submitter, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if q, ok := s.byID[key.Address()]; ok {
		return q, nil
	}
	q, err := NewSubmitter(SubmitterConfig{Client: s.client, Mempool: s.mempool, Key: key, Logger: s.log, PollInterval: s.poll})
	if err != nil {
		return nil, err
	}
	q.Start(s.ctx)
	s.byID[key.Address()] = q
	return q, nil
}

// Stop stops every queue.
func (s *Submitters) Stop() {
	s.mu.Lock()
	qs := make([]*Submitter, 0, len(s.byID))
	for _, q := range s.byID {
		qs = append(qs, q)
	}
	s.mu.Unlock()
	for _, q := range qs {
		q.Stop()
	}
}
