package discovery

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	dht "github.com/libp2p/go-libp2p-kad-dht"
	"github.com/libp2p/go-libp2p/core/host"
	"github.com/libp2p/go-libp2p/core/network"
	"github.com/libp2p/go-libp2p/core/peer"
	"github.com/libp2p/go-libp2p/core/routing"
	drouting "github.com/libp2p/go-libp2p/p2p/discovery/routing"

	"github.com/quadrant-da/quadrant/internal/pause"
)

// protectTag is the connection-manager tag that keeps members connected.
const protectTag = "quadrant-full"

// errClosed is returned by Start after Close.
var errClosed = errors.New("discovery: closed")

// Discovery runs the chain's DHT on a host and keeps a set of full-node
// peers. Its methods are safe for concurrent use.
type Discovery struct {
	h      host.Host
	cfg    Config
	log    *slog.Logger
	now    func() time.Time
	dht    *dht.IpfsDHT
	rd     *drouting.RoutingDiscovery
	ns     string
	wake   chan struct{} // buffered(1): top up now
	notify *network.NotifyBundle

	mu      sync.Mutex
	set     *peerSet
	changed chan struct{} // closed and replaced when the set changes
	cancel  context.CancelFunc
	done    chan struct{}
	closed  bool
}

// New creates the DHT on h (registering its protocol handler when
// cfg.Mode is ModeServer) but starts no discovery work; call Start. A nil
// log discards. The caller keeps ownership of h.
func New(h host.Host, cfg Config, log *slog.Logger) (*Discovery, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	mode := dht.ModeClient
	if cfg.Mode == ModeServer {
		mode = dht.ModeServer
	}
	kad, err := dht.New(h,
		dht.Mode(mode),
		dht.ProtocolPrefix(protocolPrefix(cfg.ChainID)),
		dht.BootstrapPeers(cfg.Bootstrap...),
		dht.RoutingTableRefreshPeriod(cfg.RefreshEvery),
		dht.DisableValues(),
	)
	if err != nil {
		return nil, fmt.Errorf("discovery: start DHT: %w", err)
	}
	return &Discovery{
		h: h, cfg: cfg, log: log, now: time.Now, dht: kad,
		rd:      drouting.NewRoutingDiscovery(kad),
		ns:      rendezvous(cfg.ChainID),
		wake:    make(chan struct{}, 1),
		set:     newPeerSet(h.ID(), cfg.TargetPeers, cfg.PenaltyFor),
		changed: make(chan struct{}),
	}, nil
}

// Routing is the DHT, for peer routing by other parts of the node.
func (d *Discovery) Routing() routing.Routing { return d.dht }

// Start connects to the bootstrap peers and starts advertising (if
// configured) and keeping the peer set topped up, until ctx ends or Close.
// It returns at once.
func (d *Discovery) Start(ctx context.Context) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.closed {
		return errClosed
	}
	if d.cancel != nil {
		return nil
	}
	ctx, d.cancel = context.WithCancel(ctx)
	d.done = make(chan struct{})
	d.notify = &network.NotifyBundle{DisconnectedF: d.disconnected}
	d.h.Network().Notify(d.notify)
	go func() {
		defer close(d.done)
		d.run(ctx)
	}()
	return nil
}

func (d *Discovery) run(ctx context.Context) {
	d.connectBootstrap(ctx)
	if err := d.dht.Bootstrap(ctx); err != nil {
		d.log.Warn("discovery: DHT bootstrap", "err", err)
	}
	var wg sync.WaitGroup
	if d.cfg.Advertise {
		wg.Go(func() { d.advertiseLoop(ctx) })
	}
	wg.Go(func() { d.findLoop(ctx) })
	wg.Wait()
}

// Close stops discovery and waits for it, unprotects the members and
// closes the DHT. It does not close the host.
func (d *Discovery) Close() error {
	d.mu.Lock()
	cancel, done := d.cancel, d.done
	already := d.closed
	d.closed = true
	d.mu.Unlock()
	if already {
		return nil
	}
	if cancel != nil {
		cancel()
		<-done
		d.h.Network().StopNotify(d.notify)
	}
	d.mu.Lock()
	for _, p := range d.set.list() {
		d.h.ConnManager().Unprotect(p, protectTag)
	}
	d.mu.Unlock()
	return d.dht.Close()
}

// Peers returns the current full-node peers, sorted.
func (d *Discovery) Peers() []peer.ID {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.set.list()
}

// Changed returns a channel that is closed at the next change of Peers.
func (d *Discovery) Changed() <-chan struct{} {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.changed
}

// Penalise drops p from the set (if it is there), keeps it out for
// Config.PenaltyFor and looks for a replacement at once. The connection
// to p is left to the caller.
func (d *Discovery) Penalise(p peer.ID) {
	d.mu.Lock()
	if d.set.penalise(p, d.now()) {
		d.h.ConnManager().Unprotect(p, protectTag)
		d.changedLocked()
	}
	d.mu.Unlock()
	d.poke()
}

func (d *Discovery) disconnected(n network.Network, c network.Conn) {
	p := c.RemotePeer()
	if n.Connectedness(p) == network.Connected {
		return
	}
	d.mu.Lock()
	if d.set.remove(p) {
		d.h.ConnManager().Unprotect(p, protectTag)
		d.changedLocked()
		d.log.Debug("discovery: full-node peer disconnected", "peer", p)
	}
	d.mu.Unlock()
	d.poke()
}

func (d *Discovery) changedLocked() {
	close(d.changed)
	d.changed = make(chan struct{})
}

func (d *Discovery) poke() {
	select {
	case d.wake <- struct{}{}:
	default:
	}
}

func (d *Discovery) connectBootstrap(ctx context.Context) {
	var wg sync.WaitGroup
	for _, b := range d.cfg.Bootstrap {
		if b.ID == d.h.ID() {
			continue
		}
		wg.Go(func() {
			cctx, cancel := context.WithTimeout(ctx, d.cfg.DialTimeout)
			defer cancel()
			if err := d.h.Connect(cctx, b); err != nil && ctx.Err() == nil {
				d.log.Warn("discovery: bootstrap peer unreachable", "peer", b.ID, "err", err)
			}
		})
	}
	wg.Wait()
}

func (d *Discovery) advertiseLoop(ctx context.Context) {
	for {
		wait := d.cfg.AdvertiseEvery
		if _, err := d.rd.Advertise(ctx, d.ns); err != nil {
			if ctx.Err() != nil {
				return
			}
			d.log.Debug("discovery: advertise failed; retrying", "err", err, "in", d.cfg.RetryEvery)
			wait = d.cfg.RetryEvery
		}
		if !pause.For(ctx, wait) {
			return
		}
	}
}

// findLoop tops the set up while it is below target. After a lookup that
// found too few full nodes it waits RetryEvery, doubling up to FindEvery
// (a young network fills in seconds; a network with fewer full nodes than
// the target costs one lookup per FindEvery); a failed lookup is retried
// after RetryEvery, and a disconnect or Penalise starts over at once.
func (d *Discovery) findLoop(ctx context.Context) {
	short := d.cfg.RetryEvery
	for {
		d.mu.Lock()
		need := d.set.need()
		d.mu.Unlock()
		wait := d.cfg.FindEvery
		if need > 0 {
			wait = short
			if err := d.topUp(ctx); err != nil {
				d.log.Debug("discovery: lookup failed; retrying", "err", err, "in", d.cfg.RetryEvery)
				wait = d.cfg.RetryEvery
			} else {
				short = min(2*short, d.cfg.FindEvery)
			}
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-d.wake:
			short = d.cfg.RetryEvery
		case <-t.C:
		}
		t.Stop()
	}
}

// errNoRoutes means the routing table is empty, so a lookup cannot start.
var errNoRoutes = errors.New("discovery: DHT routing table is empty")

// topUp looks the rendezvous up once and admits reachable providers until
// the set is full. A lookup that succeeds but finds too few full nodes is
// not an error: the network may simply have fewer than the target, and the
// next lookup waits Config.FindEvery.
func (d *Discovery) topUp(ctx context.Context) error {
	if d.dht.RoutingTable().Size() == 0 {
		return errNoRoutes
	}
	qctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	found, err := d.rd.FindPeers(qctx, d.ns)
	if err != nil {
		return err
	}
	for info := range found {
		if d.full() {
			return nil
		}
		d.mu.Lock()
		ok := d.set.eligible(info.ID, d.now())
		d.mu.Unlock()
		if ok {
			d.tryAdmit(ctx, info)
		}
	}
	return nil
}

func (d *Discovery) full() bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.set.need() == 0
}

// tryAdmit dials info (unless connected) and admits it.
func (d *Discovery) tryAdmit(ctx context.Context, info peer.AddrInfo) {
	if d.h.Network().Connectedness(info.ID) != network.Connected {
		cctx, cancel := context.WithTimeout(ctx, d.cfg.DialTimeout)
		err := d.h.Connect(cctx, info)
		cancel()
		if err != nil {
			d.log.Debug("discovery: candidate unreachable", "peer", info.ID, "err", err)
			return
		}
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.h.Network().Connectedness(info.ID) != network.Connected {
		return // it went away between the dial and now
	}
	if d.set.admit(info.ID, d.now()) {
		d.h.ConnManager().Protect(info.ID, protectTag)
		d.changedLocked()
		d.log.Debug("discovery: full-node peer added", "peer", info.ID)
	}
}
