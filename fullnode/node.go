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
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus/promhttp"
	"golang.org/x/sync/errgroup"

	cmthttp "github.com/cometbft/cometbft/rpc/client/http"

	"github.com/quadrant-da/quadrant/p2p"
)

// ErrNodeState is returned by Start on a node already started or stopped.
var ErrNodeState = errors.New("fullnode: node already started or stopped")

// StoreDir is the store's directory inside the node's home.
const StoreDir = "store"

// Options are what a Node is built from: its home, its configuration and
// the parts a caller injects.
type Options struct {
	// Home is the node's directory: fullnode.toml, the libp2p key
	// (p2p_key), the store (store/) and kept fraud proofs (befp/).
	Home string
	// Config must pass Validate.
	Config Config
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
}

// Node is a Quadrant full node: it ingests blocks (bridge or p2p mode, see
// Config.Mode), keeps their extended squares in its Store, serves them over
// libp2p, gossips headers, and builds, checks and relays bad-encoding fraud
// proofs. New builds it; Start runs it; Stop stops every goroutine it
// started and closes what it opened.
type Node struct {
	home    string
	cfg     Config
	log     *slog.Logger
	now     func() time.Time
	core    CoreClient
	metrics *metrics

	coreGRPC *grpcCore // bridge with Bridge.CoreGRPC: closed by Stop

	// Set by Start, read-only afterwards.
	chainID    string
	store      *Store
	host       *p2p.Host
	server     *p2p.Server
	gossip     *p2p.Gossip
	client     *p2p.Client
	metricsSrv *http.Server
	metricsLn  net.Listener
	cancel     context.CancelFunc
	group      *errgroup.Group
	headerSub  *p2p.HeaderSubscription
	befpSub    *p2p.BEFPSubscription

	wake     chan struct{} // p2p mode: a newer head is known
	target   atomic.Uint64 // p2p mode: highest height peers announced
	rr       atomic.Uint64 // round-robin offset over peers
	anyFraud atomic.Bool   // fast path of isFraudulent
	befpSync *p2p.BEFPSync // p2p mode: fetches peers' fraud proofs on connect

	mu      sync.Mutex
	started bool
	stopped bool
	fraud   map[uint64][]byte         // height → encoded fraud proof
	pending map[uint64]*pendingHeader // verified headers whose square is being fetched
	alert   string                    // why ingestion halted, "" while running
	lastErr string                    // last transient ingestion error
	stopErr error
}

// New validates the options and returns a node that is not started.
func New(opts Options) (*Node, error) {
	if opts.Home == "" {
		return nil, fmt.Errorf("%w: no home directory", ErrConfig)
	}
	if err := opts.Config.Validate(); err != nil {
		return nil, err
	}
	n := &Node{
		home:    opts.Home,
		cfg:     opts.Config,
		log:     opts.Logger,
		now:     opts.Now,
		core:    opts.Core,
		metrics: newMetrics(),
		wake:    make(chan struct{}, 1),
		fraud:   map[uint64][]byte{},
		pending: map[uint64]*pendingHeader{},
	}
	if n.log == nil {
		n.log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if n.now == nil {
		n.now = time.Now
	}
	n.log = n.log.With("mode", string(n.cfg.Mode))
	return n, nil
}

// Start opens the store, starts the libp2p host, the p2p server, gossip,
// ingestion, pruning and the metrics endpoint, and returns. In bridge mode
// it first asks the consensus node for its chain ID (bounded by the
// bridge's request timeout). Cancelling ctx stops the node as Stop does
// (call Stop to wait for it). On error everything opened is closed again.
func (n *Node) Start(ctx context.Context) (err error) {
	n.mu.Lock()
	if n.started || n.stopped {
		n.mu.Unlock()
		return ErrNodeState
	}
	n.started = true
	n.mu.Unlock()

	var closers []func()
	defer func() {
		if err != nil {
			slices.Reverse(closers)
			for _, c := range closers {
				c()
			}
		}
	}()

	n.chainID = n.cfg.ChainID
	if n.cfg.Mode == ModeBridge {
		if n.core == nil {
			c, err := cmthttp.New(n.cfg.Bridge.CoreRPC, "/websocket")
			if err != nil {
				return fmt.Errorf("fullnode: core RPC client for %s: %w", n.cfg.Bridge.CoreRPC, err)
			}
			n.core = c
		}
		if n.cfg.Bridge.CoreGRPC != "" {
			g, err := dialCoreGRPC(n.cfg.Bridge.CoreGRPC, n.core)
			if err != nil {
				return err
			}
			n.core, n.coreGRPC = g, g
			closers = append(closers, func() { _ = g.Close() })
		}
		// With a configured chain ID the consensus node need not be up yet
		// (runBridge checks the ID once it answers); without, ask it now.
		if n.chainID == "" {
			if n.chainID, err = n.coreChainID(ctx); err != nil {
				return err
			}
		}
	}
	if err := n.loadFraudProofs(); err != nil {
		return err
	}

	n.store, err = OpenStore(filepath.Join(n.home, StoreDir), n.cfg.Store, n.log.With("component", "pebble"))
	if err != nil {
		return fmt.Errorf("fullnode: open store: %w", err)
	}
	closers = append(closers, func() { _ = n.store.Close() })
	n.updateHeightGauges()
	if n.cfg.Mode == ModeP2P {
		if err := n.checkStoredTrust(ctx); err != nil {
			return err
		}
	}

	n.host, err = p2p.NewHost(n.cfg.P2P, n.home, n.log.With("component", "p2p"), n.now)
	if err != nil {
		return fmt.Errorf("fullnode: start libp2p host: %w", err)
	}
	closers = append(closers, func() { _ = n.host.Close() })

	runCtx, cancel := context.WithCancel(ctx)
	closers = append(closers, cancel)
	n.cancel = cancel

	n.gossip, err = p2p.NewGossip(runCtx, n.host, n.chainID, n.host.Scores, n.validateGossipHeader, n.validateGossipBEFP)
	if err != nil {
		return fmt.Errorf("fullnode: gossip: %w", err)
	}
	closers = append(closers, func() { _ = n.gossip.Close() })
	if n.befpSub, err = n.gossip.SubscribeBEFP(); err != nil {
		return err
	}
	closers = append(closers, n.befpSub.Cancel)
	if n.cfg.Mode == ModeP2P {
		if n.headerSub, err = n.gossip.SubscribeHeaders(); err != nil {
			return err
		}
		closers = append(closers, n.headerSub.Cancel)
	}

	src := serving{store: n.store, n: n}
	n.server = p2p.NewServer(n.host, n.chainID, src, src, n.host.Scores, p2p.DefaultServerConfig(), n.log.With("component", "p2p-server"))
	n.server.SetBEFPSource(n)
	n.server.Start(runCtx)
	closers = append(closers, n.server.Stop)
	n.client = p2p.NewClient(n.host, n.chainID, n.host.Scores)
	n.client.Timeout = n.cfg.Sync.RequestTimeout
	if n.cfg.Mode == ModeP2P {
		n.befpSync = p2p.NewBEFPSync(n.host, n.client, n.host.Scores, n.verifySyncedBEFP, n.acceptSyncedBEFP, n.log.With("component", "befp-sync"))
	}

	if a := n.cfg.Metrics.ListenAddress; a != "" {
		if n.metricsLn, err = net.Listen("tcp", a); err != nil {
			return fmt.Errorf("fullnode: metrics listener on %s: %w", a, err)
		}
		closers = append(closers, func() { _ = n.metricsLn.Close() })
		mux := http.NewServeMux()
		mux.Handle("/metrics", promhttp.HandlerFor(n.metrics.reg, promhttp.HandlerOpts{}))
		n.metricsSrv = &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	}

	n.host.Start(runCtx)
	g, gctx := errgroup.WithContext(runCtx)
	n.group = g
	switch n.cfg.Mode {
	case ModeBridge:
		g.Go(func() error { return n.runBridge(gctx) })
	case ModeP2P:
		g.Go(func() error { return n.runSync(gctx) })
		g.Go(func() error { return n.runHeaderGossip(gctx) })
		g.Go(func() error { return n.befpSync.Run(gctx) })
	}
	g.Go(func() error { return n.runBEFPGossip(gctx) })
	g.Go(func() error { return n.runPrune(gctx) })
	if n.metricsSrv != nil {
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
	n.log.Info("full node started", "chain_id", n.chainID, "peer_id", n.host.ID().String(),
		"addrs", n.host.FullAddrs(), "head", n.store.HeadHeight(), "metrics", n.MetricsAddr())
	return nil
}

// Stop stops ingestion, serving and gossip, waits for every goroutine the
// node started, and closes the host and the store. It is idempotent; it
// returns the first error a background task failed with, if any.
func (n *Node) Stop() error {
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
	if n.headerSub != nil {
		n.headerSub.Cancel()
	}
	n.befpSub.Cancel()
	gerr := n.gossip.Close()
	if errors.Is(gerr, context.Canceled) {
		gerr = nil // the run context ended first: the topics are closed already
	}
	n.cancel()
	err := n.group.Wait()
	n.server.Stop()
	err = errors.Join(err, gerr, n.host.Close(), n.store.Close())
	if n.coreGRPC != nil {
		err = errors.Join(err, n.coreGRPC.Close())
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
}

// Status returns the node's current status (after Start).
func (n *Node) Status() Status {
	st := Status{Mode: n.cfg.Mode, ChainID: n.chainID, Target: n.target.Load()}
	if n.host != nil {
		st.PeerID = n.host.ID().String()
		st.Addrs = n.host.FullAddrs()
		st.Peers = len(n.host.Network().Peers())
	}
	if n.store != nil {
		st.Head, st.Tail = n.store.HeadHeight(), n.store.TailHeight()
	}
	n.mu.Lock()
	st.Halted, st.Alert, st.LastError = n.alert != "", n.alert, n.lastErr
	for h := range n.fraud {
		st.FraudHeights = append(st.FraudHeights, h)
	}
	n.mu.Unlock()
	slices.Sort(st.FraudHeights)
	return st
}

// halt stops ingestion for good (until restart) with an ERROR alert.
func (n *Node) halt(kind, reason string) {
	n.mu.Lock()
	n.haltLocked(kind, reason)
	n.mu.Unlock()
}

// haltLocked is halt with n.mu held.
func (n *Node) haltLocked(kind, reason string) {
	if n.alert == "" {
		n.alert = kind + ": " + reason
	}
	n.metrics.alerts.WithLabelValues(kind).Inc()
	n.metrics.halted.Set(1)
	n.log.Error("ALERT: full node stops ingesting", "kind", kind, "reason", reason)
}

// halted reports whether ingestion stopped on an alert.
func (n *Node) halted() bool {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.alert != ""
}

func (n *Node) setLastErr(err error) {
	n.mu.Lock()
	if err == nil {
		n.lastErr = ""
	} else {
		n.lastErr = err.Error()
	}
	n.mu.Unlock()
}

func (n *Node) updateHeightGauges() {
	n.metrics.headHeight.Set(float64(n.store.HeadHeight()))
	n.metrics.tailHeight.Set(float64(n.store.TailHeight()))
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

// sleep waits d or until ctx ends; it reports whether ctx is still alive.
func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}
