package lightnode

import (
	"context"
	"encoding/hex"
	"fmt"
	"path/filepath"
	"slices"
	"time"

	"github.com/quadrant-da/quadrant/da"
	"github.com/quadrant-da/quadrant/rpc"
	"github.com/quadrant-da/quadrant/sampling"
)

// SamplingStats returns the DAS progress in celestia-node's
// das.SamplingStats shape; is_running is false once halted by fraud or
// before Start.
func (n *Node) SamplingStats() sampling.Stats {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.sched == nil {
		return sampling.Stats{}
	}
	st := n.sched.Stats()
	st.IsRunning = st.IsRunning && !n.stopped
	return st
}

// Verdicts returns the most recent sampling verdicts, oldest first; each
// available or unavailable one carries the confidence reached.
func (n *Node) Verdicts() []sampling.Verdict {
	n.mu.Lock()
	defer n.mu.Unlock()
	return slices.Clone(n.recent)
}

// Unavailable returns the heights whose last verdict is unavailable (they
// are retried with backoff), in increasing order.
func (n *Node) Unavailable() []uint64 {
	n.mu.Lock()
	defer n.mu.Unlock()
	out := make([]uint64, 0, len(n.unavailable))
	for h := range n.unavailable {
		out = append(out, h)
	}
	slices.Sort(out)
	return out
}

// LocalHead returns the highest header verified contiguously from the
// trusted height.
func (n *Node) LocalHead() *da.LightHeader {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.local
}

// NetworkHead returns the highest verified header.
func (n *Node) NetworkHead() *da.LightHeader {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.netHead
}

// HeaderByHeight returns a verified header (errNotFound if not held).
func (n *Node) HeaderByHeight(ctx context.Context, h uint64) (*da.LightHeader, error) {
	return n.store.header(ctx, h)
}

// SyncState is celestia-node's header.SyncState shape.
type SyncState struct {
	Height     uint64    `json:"height"`
	FromHeight uint64    `json:"from_height"`
	ToHeight   uint64    `json:"to_height"`
	FromHash   string    `json:"from_hash"`
	ToHash     string    `json:"to_hash"`
	Start      time.Time `json:"start"`
	End        time.Time `json:"end"`
	Error      string    `json:"error,omitempty"`
}

// SyncState reports header sync: from the trusted height to the target,
// the current contiguous height, and the error that stopped it (an expired
// trusting period).
func (n *Node) SyncState() SyncState {
	n.mu.Lock()
	defer n.mu.Unlock()
	s := SyncState{Height: uint64(n.local.Height()), FromHeight: n.trusted, ToHeight: max(n.targetHeight, uint64(n.netHead.Height())),
		ToHash: hex.EncodeToString(n.netHead.Hash()), Start: n.syncStart}
	if th, err := n.store.header(context.Background(), n.trusted); err == nil {
		s.FromHash = hex.EncodeToString(th.Hash())
	}
	if s.Height >= s.ToHeight {
		s.End = n.local.Time()
	}
	if n.syncErr != nil {
		s.Error = n.syncErr.Error()
	}
	return s
}

// dasAPI is the "das" JSON-RPC module (celestia-node's method names).
type dasAPI struct {
	Internal struct {
		SamplingStats func(context.Context) (sampling.Stats, error)     `perm:"read"`
		Verdicts      func(context.Context) ([]sampling.Verdict, error) `perm:"read"`
		Unavailable   func(context.Context) ([]uint64, error)           `perm:"read"`
	}
}

// SamplingStats forwards to Internal.
func (a *dasAPI) SamplingStats(ctx context.Context) (sampling.Stats, error) {
	return a.Internal.SamplingStats(ctx)
}

// Verdicts forwards to Internal.
func (a *dasAPI) Verdicts(ctx context.Context) ([]sampling.Verdict, error) {
	return a.Internal.Verdicts(ctx)
}

// Unavailable forwards to Internal.
func (a *dasAPI) Unavailable(ctx context.Context) ([]uint64, error) {
	return a.Internal.Unavailable(ctx)
}

// headerAPI is the "header" JSON-RPC module. Headers are the light form
// (no DA header), JSON-encoded with encoding/json.
type headerAPI struct {
	Internal struct {
		LocalHead   func(context.Context) (*da.LightHeader, error)         `perm:"read"`
		NetworkHead func(context.Context) (*da.LightHeader, error)         `perm:"read"`
		GetByHeight func(context.Context, uint64) (*da.LightHeader, error) `perm:"read"`
		SyncState   func(context.Context) (SyncState, error)               `perm:"read"`
	}
}

// LocalHead forwards to Internal.
func (a *headerAPI) LocalHead(ctx context.Context) (*da.LightHeader, error) {
	return a.Internal.LocalHead(ctx)
}

// NetworkHead forwards to Internal.
func (a *headerAPI) NetworkHead(ctx context.Context) (*da.LightHeader, error) {
	return a.Internal.NetworkHead(ctx)
}

// GetByHeight forwards to Internal.
func (a *headerAPI) GetByHeight(ctx context.Context, h uint64) (*da.LightHeader, error) {
	return a.Internal.GetByHeight(ctx, h)
}

// SyncState forwards to Internal.
func (a *headerAPI) SyncState(ctx context.Context) (SyncState, error) {
	return a.Internal.SyncState(ctx)
}

// fraudAPI is Quadrant's "fraud" JSON-RPC module.
type fraudAPI struct {
	Internal struct {
		Status func(context.Context) (FraudStatus, error) `perm:"public"`
	}
}

// Status forwards to Internal.
func (a *fraudAPI) Status(ctx context.Context) (FraudStatus, error) { return a.Internal.Status(ctx) }

// apiImpl adapts Node to the module method signatures.
type apiImpl struct{ n *Node }

func (a apiImpl) SamplingStats(context.Context) (sampling.Stats, error) {
	return a.n.SamplingStats(), nil
}
func (a apiImpl) Verdicts(context.Context) ([]sampling.Verdict, error) { return a.n.Verdicts(), nil }
func (a apiImpl) Unavailable(context.Context) ([]uint64, error)        { return a.n.Unavailable(), nil }
func (a apiImpl) LocalHead(context.Context) (*da.LightHeader, error)   { return a.n.LocalHead(), nil }
func (a apiImpl) NetworkHead(context.Context) (*da.LightHeader, error) { return a.n.NetworkHead(), nil }
func (a apiImpl) GetByHeight(ctx context.Context, h uint64) (*da.LightHeader, error) {
	return a.n.HeaderByHeight(ctx, h)
}
func (a apiImpl) SyncState(context.Context) (SyncState, error) { return a.n.SyncState(), nil }
func (a apiImpl) Status(context.Context) (FraudStatus, error)  { return a.n.Fraud(), nil }

// startRPC serves the das, header and fraud modules, with a health check
// that fails once a fraud proof is accepted or the trusting period expired.
func (n *Node) startRPC(ctx context.Context) error {
	secret, err := rpc.LoadOrCreateSecret(filepath.Join(n.cfg.Home, rpc.SecretFile))
	if err != nil {
		return fmt.Errorf("lightnode: %w", err)
	}
	health := func(context.Context) error {
		if f := n.Fraud(); f.Fraudulent {
			return fmt.Errorf("%s", f.Message)
		}
		if s := n.SyncState(); s.Error != "" {
			return fmt.Errorf("%s", s.Error)
		}
		return nil
	}
	srv, err := rpc.NewServer(n.cfg.RPC, secret, append(n.dashboardPages(),
		rpc.WithLogger(n.log), rpc.WithRegistry(n.reg), rpc.WithClock(n.now), rpc.WithHealth(health))...)
	if err != nil {
		return fmt.Errorf("lightnode: %w", err)
	}
	impl := apiImpl{n}
	for ns, api := range map[string]any{"das": &dasAPI{}, "header": &headerAPI{}, "fraud": &fraudAPI{}, "catchup": &catchUpAPI{}} {
		if err := srv.Register(ns, impl, api); err != nil {
			return fmt.Errorf("lightnode: register %s: %w", ns, err)
		}
	}
	if err := srv.Start(ctx); err != nil {
		return fmt.Errorf("lightnode: %w", err)
	}
	n.rpc = srv
	return nil
}
