package rollupadapter

import (
	"context"
	"fmt"

	"github.com/quadrant-da/quadrant/da"
)

// headerAPI is the "header" module, as celestia-node's (plus SubscribeFrom).
type headerAPI struct {
	Internal struct {
		GetByHeight   func(context.Context, uint64) (*Header, error)        `perm:"read"`
		LocalHead     func(context.Context) (*Header, error)                `perm:"read"`
		NetworkHead   func(context.Context) (*Header, error)                `perm:"read"`
		WaitForHeight func(context.Context, uint64) (*Header, error)        `perm:"read"`
		SyncState     func(context.Context) (syncState, error)              `perm:"read"`
		Subscribe     func(context.Context) (<-chan *Header, error)         `perm:"read"`
		SubscribeFrom func(context.Context, uint64) (<-chan *Header, error) `perm:"read"`
	}
}

func (a *headerAPI) GetByHeight(ctx context.Context, h uint64) (*Header, error) {
	return a.Internal.GetByHeight(ctx, h)
}
func (a *headerAPI) LocalHead(ctx context.Context) (*Header, error) { return a.Internal.LocalHead(ctx) }
func (a *headerAPI) NetworkHead(ctx context.Context) (*Header, error) {
	return a.Internal.NetworkHead(ctx)
}
func (a *headerAPI) WaitForHeight(ctx context.Context, h uint64) (*Header, error) {
	return a.Internal.WaitForHeight(ctx, h)
}
func (a *headerAPI) SyncState(ctx context.Context) (syncState, error) {
	return a.Internal.SyncState(ctx)
}
func (a *headerAPI) Subscribe(ctx context.Context) (<-chan *Header, error) {
	return a.Internal.Subscribe(ctx)
}
func (a *headerAPI) SubscribeFrom(ctx context.Context, from uint64) (<-chan *Header, error) {
	return a.Internal.SubscribeFrom(ctx, from)
}

type headerModule struct{ a *Adapter }

func (m headerModule) GetByHeight(ctx context.Context, h uint64) (*Header, error) {
	eh, err := m.a.Header(ctx, h)
	if err != nil {
		return nil, err
	}
	return newHeader(eh)
}

func (m headerModule) LocalHead(ctx context.Context) (*Header, error) {
	eh, err := m.a.LocalHead(ctx)
	if err != nil {
		return nil, err
	}
	return newHeader(eh)
}

// NetworkHead is the header of the chain's newest block; if this node has not
// ingested it yet (it is at most a moment behind a bridge), its own head.
func (m headerModule) NetworkHead(ctx context.Context) (*Header, error) {
	if net, err := m.a.node.NetworkHeight(ctx); err == nil && net > 0 && net <= m.a.node.HeadHeight() {
		return m.GetByHeight(ctx, net)
	}
	return m.LocalHead(ctx)
}

func (m headerModule) WaitForHeight(ctx context.Context, h uint64) (*Header, error) {
	if err := m.a.WaitForHeight(ctx, h); err != nil {
		return nil, err
	}
	return m.GetByHeight(ctx, h)
}

func (m headerModule) SyncState(ctx context.Context) (syncState, error) {
	head := m.a.node.HeadHeight()
	st := syncState{ToHeight: head, Height: head, FromHeight: 1}
	net, err := m.a.node.NetworkHeight(ctx)
	if err != nil {
		st.Error = err.Error()
	} else if net > head {
		st.ToHeight = net
	}
	return st, nil
}

func (m headerModule) Subscribe(ctx context.Context) (<-chan *Header, error) {
	return m.SubscribeFrom(ctx, 0)
}

func (m headerModule) SubscribeFrom(ctx context.Context, from uint64) (<-chan *Header, error) {
	in, err := m.a.SubscribeHeaders(ctx, from)
	if err != nil {
		return nil, err
	}
	out := make(chan *Header, cap(in))
	go func() {
		defer close(out)
		for eh := range in {
			h, err := newHeader(eh)
			if err != nil {
				m.a.log.Warn("rollupadapter: header subscription", "err", err)
				return
			}
			select {
			case out <- h:
			case <-ctx.Done():
				return
			}
		}
	}()
	return out, nil
}

// shareAPI is the part of the "share" module rollups use.
type shareAPI struct {
	Internal struct {
		GetSharesByNamespace func(context.Context, headerRef, []byte) ([]namespacedRow, error) `perm:"read"`
		GetNamespaceData     func(context.Context, uint64, []byte) ([]namespacedRow, error)    `perm:"read"`
	}
}

func (a *shareAPI) GetSharesByNamespace(ctx context.Context, h headerRef, ns []byte) ([]namespacedRow, error) {
	return a.Internal.GetSharesByNamespace(ctx, h, ns)
}
func (a *shareAPI) GetNamespaceData(ctx context.Context, h uint64, ns []byte) ([]namespacedRow, error) {
	return a.Internal.GetNamespaceData(ctx, h, ns)
}

type shareModule struct{ a *Adapter }

// GetSharesByNamespace returns the shares of a namespace at the height of the
// given header (or height), row by row, with their NMT proofs. Any valid
// namespace is accepted, reserved ones included (reading is harmless).
func (m shareModule) GetSharesByNamespace(ctx context.Context, h headerRef, nsb []byte) ([]namespacedRow, error) {
	return m.GetNamespaceData(ctx, uint64(h), nsb)
}

func (m shareModule) GetNamespaceData(ctx context.Context, height uint64, nsb []byte) ([]namespacedRow, error) {
	ns, err := da.NamespaceFromBytes(nsb)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", errInvalidNamespace, err)
	}
	if _, err := m.a.Header(ctx, height); err != nil {
		return nil, err
	}
	nd, err := m.a.node.NamespaceData(ctx, height, ns)
	if err != nil {
		return nil, fmt.Errorf("rollupadapter: namespace data of %s at %d: %w", ns, height, err)
	}
	out := make([]namespacedRow, len(nd.Rows))
	for i := range nd.Rows {
		r := &nd.Rows[i]
		shares := r.Shares
		if shares == nil {
			shares = [][]byte{}
		}
		out[i] = namespacedRow{Shares: shares, Proof: &r.Proof, Row: r.Row}
	}
	return out, nil
}

// dasAPI is the "das" module.
type dasAPI struct {
	Internal struct {
		SamplingStats func(context.Context) (samplingStats, error) `perm:"read"`
	}
}

func (a *dasAPI) SamplingStats(ctx context.Context) (samplingStats, error) {
	return a.Internal.SamplingStats(ctx)
}

type dasModule struct{ a *Adapter }

// samplingStats returns the node's sampling stats if it samples; a node that
// holds every square it serves (a bridge) reports every stored height as
// sampled and catch-up done.
func (m dasModule) SamplingStats(ctx context.Context) (samplingStats, error) {
	if s, ok := m.a.node.(samplingStatsSource); ok {
		return s.SamplingStats(ctx)
	}
	head := m.a.node.HeadHeight()
	net, err := m.a.node.NetworkHeight(ctx)
	if err != nil {
		net = head
	}
	return samplingStats{
		SampledChainHead: head, CatchupHead: head, NetworkHead: max(net, head),
		CatchUpDone: head >= net, IsRunning: true, Concurrency: 0,
		Extra: map[string]string{"mode": "full node: every stored square is held whole"},
	}, nil
}
