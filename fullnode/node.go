package fullnode

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"path/filepath"
	"slices"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"golang.org/x/sync/errgroup"

	"github.com/quadrant-da/quadrant/da"
	"github.com/quadrant-da/quadrant/discovery"
	"github.com/quadrant-da/quadrant/p2p"
)

// errNodeState is returned by Start on a node already started or stopped.
var errNodeState = errors.New("fullnode: node already started or stopped")

// StoreDir is the store's directory inside the node's home.
const StoreDir = "store"

// Options are what a Node is built from besides its Config: its home and
// the parts a caller injects.
type Options struct {
	// Home is the node's directory: fullnode.toml, the libp2p key
	// (p2p_key), the store (store/) and kept fraud proofs (befp/).
	// Required.
	Home string
	// Logger receives the node's logs; nil discards them.
	Logger *slog.Logger
	// Now is the clock for retention and peer scoring; nil means time.Now.
	Now func() time.Time
	// Core, in bridge mode, is the consensus node's RPC client; nil dials
	// Config.Bridge.CoreRPC over HTTP. CometBFT's in-process client
	// (rpc/client/local) fits, for a bridge running beside a validator.
	// With Config.Bridge.CoreGRPC set, blocks are fetched over gRPC
	// instead and Core serves the other calls.
	Core CoreClient
	// Registry receives the node's metrics (and its p2p server's), and is
	// what the metrics endpoint serves; nil means a fresh registry of the
	// node's own.
	Registry *prometheus.Registry
}

// shared is what every part of a node reads: the configuration, logger,
// clock, metrics and health from New; the chain ID, store and p2p parts
// from Start, before any part runs, read-only afterwards (each is safe for
// concurrent use).
type shared struct {
	home    string
	cfg     Config
	log     *slog.Logger
	now     func() time.Time
	metrics *metrics
	health  *health
	// withhold is Config.Fault.Withhold, parsed (fault injection).
	withhold Withhold

	chainID string
	store   *Store
	host    *p2p.Host
	gossip  *p2p.Gossip
	client  *p2p.Client
}

// Node is a Quadrant full node: it ingests blocks (bridge or p2p mode, see
// Config.Mode), keeps their extended squares in its Store, serves them over
// libp2p, gossips headers, and builds, checks and relays bad-encoding fraud
// proofs. Lifecycle: New → Start (once) → Close, which stops every
// goroutine the node started, waits for them and closes what it opened.
//
// A Node is the wiring of parts that share its store: the bridge (bridge
// mode) or the syncer (p2p mode) ingests, the fraudGuard keeps fraud proofs
// and judges gossiped ones, and serving answers peers through the p2p
// server. Each part keeps its own state.
type Node struct {
	*shared
	bridge *bridge // bridge mode only
	syncer *syncer // p2p mode only
	fraud  *fraudGuard

	// Set by Start, read-only afterwards.
	server     *p2p.Server
	metricsSrv *http.Server
	metricsLn  net.Listener
	disc       *discovery.Discovery // nil when disabled
	stopDisc   func() error         // stops disc (nil when disabled)
	cancel     context.CancelFunc
	group      *errgroup.Group

	mu      sync.Mutex
	started bool
	stopped bool
	stopErr error
}

// New validates cfg and opts and returns a node that is not started.
func New(cfg Config, opts Options) (*Node, error) {
	if opts.Home == "" {
		return nil, fmt.Errorf("%w: no home directory", ErrConfig)
	}
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	reg := opts.Registry
	if reg == nil {
		reg = prometheus.NewRegistry()
	}
	m, err := newMetrics(reg)
	if err != nil {
		return nil, err
	}
	sh := &shared{home: opts.Home, cfg: cfg, log: opts.Logger, now: opts.Now, metrics: m}
	sh.withhold, _ = ParseWithhold(cfg.Fault.Withhold) // checked by Validate
	if !sh.withhold.Empty() {
		m.faultWithhold.Set(1)
	}
	if sh.log == nil {
		sh.log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if sh.now == nil {
		sh.now = time.Now
	}
	sh.log = sh.log.With("mode", string(sh.cfg.Mode))
	sh.health = &health{log: sh.log, metrics: sh.metrics}
	n := &Node{shared: sh, fraud: newFraudGuard(sh)}
	switch sh.cfg.Mode {
	case ModeBridge:
		n.bridge = &bridge{shared: sh, core: opts.Core}
	case ModeP2P:
		n.syncer = newSyncer(sh, n.fraud)
		n.fraud.pending = n.syncer.pendingHeader
	}
	return n, nil
}

// undo is what Start opened, closed again in reverse order if it fails.
type undo []func()

func (u *undo) push(f func()) { *u = append(*u, f) }

func (u undo) run() {
	for _, f := range slices.Backward(u) {
		f()
	}
}

// Start opens the store, starts the libp2p host, the p2p server, gossip,
// ingestion, pruning and the metrics endpoint, and returns. In bridge mode
// without a configured chain ID it first asks the consensus node for it
// (bounded by the bridge's request timeout). ctx bounds only the start;
// the node runs until Close. On error everything opened is closed again.
func (n *Node) Start(ctx context.Context) (err error) {
	n.mu.Lock()
	if n.started || n.stopped {
		n.mu.Unlock()
		return errNodeState
	}
	n.started = true
	n.mu.Unlock()

	var u undo
	defer func() {
		if err != nil {
			u.run()
		}
	}()
	n.chainID = n.cfg.ChainID
	if n.bridge != nil {
		if err := n.bridge.connect(ctx, &u); err != nil {
			return err
		}
	}
	if err := n.fraud.load(); err != nil {
		return err
	}
	if err := n.openStore(ctx, &u); err != nil {
		return err
	}
	if n.host, err = p2p.NewHostWith(n.cfg.P2P, p2p.HostOptions{Home: n.home, Log: n.log.With("component", "p2p"), Now: n.now,
		Registry: n.metrics.reg, MetricsSubsystem: "full", ChainID: n.cfg.ChainID}); err != nil {
		return fmt.Errorf("fullnode: start libp2p host: %w", err)
	}
	u.push(func() { _ = n.host.Close() })
	runCtx, cancel := context.WithCancel(context.Background())
	u.push(cancel)
	n.cancel = cancel
	if err := n.startP2P(ctx, runCtx, &u); err != nil {
		return err
	}
	if err := n.listenMetrics(&u); err != nil {
		return err
	}
	n.host.Start(runCtx)
	if err := n.startDiscovery(runCtx, &u); err != nil {
		return err
	}
	n.run(runCtx)
	if !n.withhold.Empty() {
		n.log.Warn("FAULT INJECTION: this full node withholds square data on purpose (dishonest, for tests): samples, half axes, namespace data and whole squares of these heights are answered NOT_FOUND",
			"withheld_heights", n.withhold.String())
	}
	n.log.Info("full node started", "chain_id", n.chainID, "peer_id", n.host.ID().String(),
		"addrs", n.host.FullAddrs(), "head", n.store.HeadHeight(), "metrics", n.MetricsAddr())
	return nil
}

// openStore opens the store and, in p2p mode, checks the configured
// trusted hash against the chain it holds.
func (n *Node) openStore(ctx context.Context, u *undo) (err error) {
	n.store, err = OpenStore(filepath.Join(n.home, StoreDir), n.cfg.Store, n.log.With("component", "pebble"))
	if err != nil {
		return fmt.Errorf("fullnode: open store: %w", err)
	}
	u.push(func() { _ = n.store.Close() })
	n.updateHeightGauges()
	if n.syncer != nil {
		return n.syncer.checkStoredTrust(ctx)
	}
	return nil
}

// startP2P joins gossip (for runCtx), starts the p2p server reading
// through serving, and builds the client (and, in p2p mode, the
// fraud-proof sync).
func (n *Node) startP2P(ctx, runCtx context.Context, u *undo) (err error) {
	n.gossip, err = p2p.NewGossip(runCtx, n.host, n.chainID, n.host.Scores, n.validateGossipHeader, n.fraud.validateGossip)
	if err != nil {
		return fmt.Errorf("fullnode: gossip: %w", err)
	}
	u.push(func() { _ = n.gossip.Close() })
	if n.fraud.sub, err = n.gossip.SubscribeBEFP(); err != nil {
		return err
	}
	u.push(n.fraud.sub.Cancel)
	if n.syncer != nil {
		if n.syncer.headerSub, err = n.gossip.SubscribeHeaders(); err != nil {
			return err
		}
		u.push(n.syncer.headerSub.Cancel)
	}
	src := serving{store: n.store, fraud: n.fraud, withhold: n.withhold, metrics: n.metrics}
	n.server, err = p2p.NewServer(p2p.DefaultServerConfig(), p2p.ServerOptions{
		Host: n.host, ChainID: n.chainID, Headers: src, Squares: src, BEFPs: n.fraud,
		Scores: n.host.Scores, Logger: n.log.With("component", "p2p-server"), Registry: n.metrics.reg,
	})
	if err != nil {
		return fmt.Errorf("fullnode: p2p server: %w", err)
	}
	if err := n.server.Start(ctx); err != nil {
		return err
	}
	u.push(func() { _ = n.server.Close() })
	n.client, err = p2p.NewClient(p2p.ClientConfig{RequestTimeout: n.cfg.Sync.RequestTimeout}, p2p.ClientOptions{Host: n.host, ChainID: n.chainID, Scores: n.host.Scores})
	if err != nil {
		return fmt.Errorf("fullnode: p2p client: %w", err)
	}
	if n.syncer != nil {
		n.syncer.befpSync = p2p.NewBEFPSync(n.host, n.client, n.host.Scores, n.fraud.verifySynced, n.fraud.acceptSynced, n.log.With("component", "befp-sync"))
	}
	return nil
}

// listenMetrics opens the metrics listener, if one is configured.
func (n *Node) listenMetrics(u *undo) (err error) {
	a := n.cfg.Metrics.ListenAddress
	if a == "" {
		return nil
	}
	if n.metricsLn, err = net.Listen("tcp", a); err != nil {
		return fmt.Errorf("fullnode: metrics listener on %s: %w", a, err)
	}
	u.push(func() { _ = n.metricsLn.Close() })
	mux := http.NewServeMux()
	mux.Handle("/metrics", promhttp.HandlerFor(n.metrics.reg, promhttp.HandlerOpts{}))
	n.metricsSrv = &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	return nil
}

// run starts every loop of the node in one errgroup that Close waits for.
func (n *Node) run(ctx context.Context) {
	g, gctx := errgroup.WithContext(ctx)
	n.group = g
	if n.bridge != nil {
		g.Go(func() error { return n.bridge.run(gctx) })
	}
	if s := n.syncer; s != nil {
		g.Go(func() error { return s.run(gctx) })
		g.Go(func() error { return s.runHeaderGossip(gctx) })
		g.Go(func() error { return s.befpSync.Run(gctx) })
	}
	g.Go(func() error { return n.fraud.runGossip(gctx) })
	g.Go(func() error { return n.runPrune(gctx) })
	if n.disc != nil {
		g.Go(func() error { return n.runDiscoveryGauge(gctx) })
	}
	if n.metricsSrv == nil {
		return
	}
	g.Go(func() error {
		if err := n.metricsSrv.Serve(n.metricsLn); !errors.Is(err, http.ErrServerClosed) {
			return fmt.Errorf("fullnode: metrics server: %w", err)
		}
		return nil
	})
	g.Go(func() error {
		<-gctx.Done()
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		return n.metricsSrv.Shutdown(sctx)
	})
}

// Close stops ingestion, serving and gossip, waits for every goroutine the
// node started, and closes the host and the store. It is idempotent and
// safe after a failed Start; it returns the first error a background task
// failed with, if any.
func (n *Node) Close() error {
	n.mu.Lock()
	if n.stopped {
		n.mu.Unlock()
		return n.stopErr
	}
	n.stopped = true
	started := n.started && n.group != nil
	n.mu.Unlock()
	if !started {
		return nil
	}
	// Leave gossip first (its router lives on the run context), then stop
	// the loops and wait for them, then close what they used.
	if n.syncer != nil {
		n.syncer.headerSub.Cancel()
	}
	n.fraud.sub.Cancel()
	gerr := n.gossip.Close()
	if errors.Is(gerr, context.Canceled) {
		gerr = nil // the run context ended first: the topics are closed already
	}
	n.cancel()
	err := n.group.Wait()
	if n.stopDisc != nil {
		err = errors.Join(err, n.stopDisc())
	}
	err = errors.Join(err, gerr, n.server.Close(), n.host.Close(), n.store.Close())
	if n.bridge != nil {
		err = errors.Join(err, n.bridge.close())
	}
	n.mu.Lock()
	n.stopErr = err
	n.mu.Unlock()
	n.log.Info("full node stopped")
	return err
}

// ChainID returns the chain the node serves (known after Start).
func (n *Node) ChainID() string { return n.chainID }

// Store returns the node's store (after Start).
func (n *Node) Store() *Store { return n.store }

// Host returns the node's libp2p host (after Start).
func (n *Node) Host() *p2p.Host { return n.host }

// MetricsAddr returns the address the metrics endpoint listens on, or ""
// when it is disabled.
func (n *Node) MetricsAddr() string {
	if n.metricsLn == nil {
		return ""
	}
	return n.metricsLn.Addr().String()
}

// FraudProof returns the encoded fraud proof the node holds for height, if
// any.
func (n *Node) FraudProof(height uint64) ([]byte, bool) { return n.fraud.proof(height) }

// BEFPs returns the encoded fraud proofs the node holds, lowest height
// first; the p2p server answers them over the befp protocol
// (p2p.BEFPSource).
func (n *Node) BEFPs(ctx context.Context) ([][]byte, error) { return n.fraud.BEFPs(ctx) }

// Status is a snapshot of a node's progress and health.
type Status struct {
	Mode    Mode     `json:"mode"`
	ChainID string   `json:"chain_id"`
	PeerID  string   `json:"peer_id"`
	Addrs   []string `json:"addrs"`
	Peers   int      `json:"peers"`
	// Head and Tail are the highest and lowest stored heights.
	Head uint64 `json:"head"`
	Tail uint64 `json:"tail"`
	// Target is, in p2p mode, the highest height peers announced.
	Target uint64 `json:"target"`
	// Halted is true once ingestion stopped on an alert, described by
	// Alert.
	Halted bool   `json:"halted"`
	Alert  string `json:"alert,omitempty"`
	// FraudHeights are the heights condemned by a valid fraud proof; they
	// are never served.
	FraudHeights []uint64 `json:"fraud_heights,omitempty"`
	// LastError is the last transient ingestion error (retried).
	LastError string `json:"last_error,omitempty"`
	// FaultWithhold is the withhold spec of a node that withholds square
	// data on purpose (Config.Fault.Withhold, canonical), empty otherwise.
	FaultWithhold string `json:"fault_withhold,omitempty"`
}

// Status returns the node's current status (after Start).
func (n *Node) Status() Status {
	st := Status{Mode: n.cfg.Mode, ChainID: n.chainID}
	if n.syncer != nil {
		st.Target = n.syncer.target.Load()
	}
	if n.host != nil {
		st.PeerID = n.host.ID().String()
		st.Addrs = n.host.FullAddrs()
		st.Peers = len(n.host.Network().Peers())
	}
	if n.store != nil {
		st.Head, st.Tail = n.store.HeadHeight(), n.store.TailHeight()
	}
	st.Alert, st.LastError = n.health.snapshot()
	st.Halted = st.Alert != ""
	st.FraudHeights = n.fraud.heights()
	st.FaultWithhold = n.withhold.String()
	return st
}

func (sh *shared) updateHeightGauges() {
	sh.metrics.headHeight.Set(float64(sh.store.HeadHeight()))
	sh.metrics.tailHeight.Set(float64(sh.store.TailHeight()))
}

// stored updates metrics and logs after a height was stored.
func (sh *shared) stored(h *da.LightHeader, took time.Duration) {
	sh.metrics.heightsIngested.Inc()
	sh.metrics.ingestSeconds.Observe(took.Seconds())
	if d := sh.now().Sub(h.Time()); d > 0 {
		sh.metrics.blockToStored.Observe(d.Seconds())
	}
	sh.updateHeightGauges()
	sh.log.Info("stored height", "height", h.Height(), "width", h.SquareWidth(), "took", took.Round(time.Microsecond))
}

// runPrune removes heights older than the retention window at start and
// every PruneEvery.
func (n *Node) runPrune(ctx context.Context) error {
	t := time.NewTicker(n.cfg.PruneEvery)
	defer t.Stop()
	for {
		removed, err := n.store.Prune(ctx, n.now())
		switch {
		case ctx.Err() != nil:
			return nil
		case err != nil:
			n.log.Warn("pruning failed", "err", err)
		case removed > 0:
			n.metrics.pruned.Add(float64(removed))
			n.updateHeightGauges()
			n.log.Info("pruned heights outside the retention window", "removed", removed, "tail", n.store.TailHeight())
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}
