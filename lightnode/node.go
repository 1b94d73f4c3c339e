package lightnode

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/libp2p/go-libp2p/core/peer"
	"github.com/prometheus/client_golang/prometheus"
	"golang.org/x/sync/errgroup"

	"github.com/quadrant-da/quadrant/da"
	"github.com/quadrant-da/quadrant/discovery"
	"github.com/quadrant-da/quadrant/internal/promx"
	"github.com/quadrant-da/quadrant/p2p"
	"github.com/quadrant-da/quadrant/rpc"
	"github.com/quadrant-da/quadrant/sampling"
)

var (
	// errTrustExpired is returned (and reported) when the newest verified
	// header is older than the trusting period: the node cannot know that
	// the validators it trusts still secure the chain, and needs a new
	// trusted height and hash from the operator.
	errTrustExpired = errors.New("lightnode: trusting period expired")
	// errTrust is wrapped when the trusted header cannot be obtained or
	// does not match the configured hash.
	errTrust = errors.New("lightnode: trusted header")
	// errNodeState is returned by Start on a started or stopped node.
	errNodeState = errors.New("lightnode: node already started or stopped")
)

// Node is a light node: it keeps a verified chain of light headers from a
// trusted height, samples every header in the sampling window, listens for
// fraud proofs and serves its status over JSON-RPC. Lifecycle: New →
// Start (once) → Close, which waits for everything Start started.
type Node struct {
	cfg  Config
	log  *slog.Logger
	now  func() time.Time
	rand func([]byte) (int, error)

	reg     *prometheus.Registry
	metrics *metrics

	host   *p2p.Host
	client *p2p.Client
	gossip *p2p.Gossip
	befps  *p2p.BEFPSync // fetches peers' fraud proofs on connect
	store  *store
	seed   sampling.Seed
	rpc    *rpc.Server
	// disc finds full nodes (nil when disabled; the pointer is guarded by
	// mu); stopWatch ends its feed of peer penalties.
	disc      *discovery.Discovery
	stopWatch func()

	wake chan struct{} // nudges the DAS loop
	// lastGossipHead is when (unix ns, n.now) gossip last brought a new
	// head; head polling pauses while it is recent. gossipGap (ns) is
	// the time between the last two new heads gossip brought.
	lastGossipHead, gossipGap atomic.Int64

	cancel context.CancelFunc
	group  *errgroup.Group

	mu sync.Mutex
	// guarded by mu:
	started, stopped bool
	sched            *sampling.Scheduler
	trusted          uint64             // anchor height
	pruned           uint64             // every header below it was pruned (0: none)
	local            *da.LightHeader    // highest contiguously verified header
	netHead          *da.LightHeader    // highest verified header (≥ local)
	progress         chan struct{}      // closed and replaced when headers land
	syncErr          error              // set when sync must stop (trust expired)
	targetHeight     uint64             // sync target (highest announced head)
	syncStart        time.Time          // SyncState.start
	fraudHeight      uint64             // 0: no fraud
	fraudProof       []byte             // the encoded proof for fraudHeight
	recent           []sampling.Verdict // last verdicts, newest last
	unavailable      map[uint64]sampling.Verdict
	cpDirty          bool

	samplelog sampleLog // which peer served which sample (dashboard)
	catchup   catchUp   // catch-up progress meters
}

// Options are what a Node is built from besides its Config: the parts a
// caller injects. The zero value is valid.
type Options struct {
	// Logger receives the node's logs; nil discards them.
	Logger *slog.Logger
	// Now is the node's clock (trusting period, sampling window, peer
	// scores, retries); nil means time.Now.
	Now func() time.Time
	// Random is the source the sampling seed is drawn from on first
	// start; nil means crypto/rand.
	Random func([]byte) (int, error)
	// Registry receives the node's metrics (and the JSON-RPC server's);
	// nil means a fresh registry of the node's own.
	Registry *prometheus.Registry
}

// New validates cfg and returns a node that is not started.
func New(cfg Config, opts Options) (*Node, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	n := &Node{
		cfg: cfg, log: opts.Logger, now: opts.Now, rand: opts.Random, reg: opts.Registry,
		wake:        make(chan struct{}, 1),
		progress:    make(chan struct{}),
		unavailable: map[uint64]sampling.Verdict{},
	}
	if n.log == nil {
		n.log = slog.New(slog.DiscardHandler)
	}
	if n.now == nil {
		n.now = time.Now
	}
	if n.rand == nil {
		n.rand = rand.Read
	}
	if n.reg == nil {
		n.reg = prometheus.NewRegistry()
	}
	n.metrics = newMetrics(n.reg)
	if err := promx.RegisterRuntime(n.reg); err != nil {
		return nil, fmt.Errorf("lightnode: metrics: %w", err)
	}
	return n, nil
}

// Start opens the store, starts the libp2p host, establishes trust (the
// stored chain, or the configured trusted header fetched from peers and
// checked against the trusted hash — this waits for a peer, bounded by ctx),
// refuses to continue when the newest verified header is older than the
// trusting period, then starts header sync, sampling, fraud-proof gossip and
// the JSON-RPC server in the background. ctx bounds only the start; the
// node runs until Close.
func (n *Node) Start(ctx context.Context) (err error) {
	n.mu.Lock()
	if n.started || n.stopped {
		n.mu.Unlock()
		return errNodeState
	}
	n.started = true
	n.mu.Unlock()
	defer func() {
		if err != nil {
			n.closeAll()
		}
	}()
	if n.seed, err = loadOrCreateSeed(n.cfg.Home, n.rand); err != nil {
		return err
	}
	if n.store, err = openStore(n.cfg.Home, n.log); err != nil {
		return err
	}
	if n.host, err = p2p.NewHostWith(n.cfg.P2P, p2p.HostOptions{Home: n.cfg.Home, Log: n.log, Now: n.now,
		Registry: n.reg, MetricsSubsystem: "light", ChainID: n.cfg.ChainID}); err != nil {
		return fmt.Errorf("lightnode: %w", err)
	}
	runCtx, cancel := context.WithCancel(context.Background())
	n.cancel = cancel
	n.host.Start(runCtx)
	if err := n.startDiscovery(runCtx); err != nil {
		return err
	}
	n.client, err = p2p.NewClient(p2p.ClientConfig{RequestTimeout: n.cfg.RequestTimeout}, p2p.ClientOptions{Host: n.host, ChainID: n.cfg.ChainID, Scores: n.host.Scores})
	if err != nil {
		return fmt.Errorf("lightnode: %w", err)
	}

	if err := n.establishTrust(ctx); err != nil {
		return err
	}
	if err := n.checkTrustingPeriod(); err != nil {
		return err
	}
	if err := n.restoreSampling(ctx); err != nil {
		return err
	}
	n.gossip, err = p2p.NewLightGossip(runCtx, n.host, n.cfg.ChainID, n.host.Scores, n.validateGossipHeader, p2p.VerifyBEFP(n.dataRoot))
	if err != nil {
		return fmt.Errorf("lightnode: %w", err)
	}
	if n.cfg.RPC.ListenAddr != "" {
		if err := n.startRPC(runCtx); err != nil {
			return err
		}
	}
	befps := p2p.NewBEFPSync(n.host, n.client, n.host.Scores, p2p.VerifyBEFP(n.dataRoot), n.acceptSyncedBEFP, n.log)
	n.mu.Lock()
	n.befps = befps
	n.mu.Unlock()
	// Logged before sync starts: n.local is sync's once it runs.
	n.log.Info("lightnode: started", "chain", n.cfg.ChainID, "peer_id", n.host.ID(),
		"trusted_height", n.trusted, "local_head", n.LocalHead().Height(), "rpc", n.RPCAddr())
	g, gctx := errgroup.WithContext(runCtx)
	n.group = g
	g.Go(func() error { return n.runSync(gctx) })
	g.Go(func() error { return n.runHeaderGossip(gctx) })
	g.Go(func() error { return n.runBEFPGossip(gctx) })
	g.Go(func() error { return befps.Run(gctx) })
	g.Go(func() error { return n.runDAS(gctx) })
	g.Go(func() error { return n.runPrune(gctx) })
	g.Go(func() error { return n.runDiscoveryGauge(gctx) })
	return nil
}

// restoreSampling builds the DAS scheduler from the stored checkpoint,
// and restores the pruning mark and a stored fraud proof (which keeps
// sampling halted).
func (n *Node) restoreSampling(ctx context.Context) error {
	cp, err := n.store.checkpoint(ctx)
	if err != nil {
		return err
	}
	sched, err := sampling.New(n.cfg.Sampling, n.trusted, cp)
	if err != nil {
		return fmt.Errorf("lightnode: %w", err)
	}
	fh, proof, err := n.store.fraud(ctx)
	if err != nil {
		return fmt.Errorf("lightnode: read fraud proofs: %w", err)
	}
	pruned, err := n.store.getU64(ctx, keyPruned)
	if err != nil {
		return err
	}
	n.mu.Lock()
	n.pruned = pruned
	n.sched = sched
	n.syncStart = n.now()
	n.targetHeight = uint64(n.netHead.Height())
	if fh != 0 {
		n.fraudHeight, n.fraudProof = fh, proof
		sched.Halt()
	}
	sched.SetHead(uint64(n.netHead.Height()), n.netHead.Time())
	n.mu.Unlock()
	if fh != 0 {
		n.log.Error("lightnode: this chain is FRAUDULENT: a valid bad-encoding fraud proof is stored; sampling stays stopped",
			"height", fh)
	}
	n.metrics.localHead.Set(float64(n.local.Height()))
	n.metrics.networkHead.Set(float64(n.netHead.Height()))
	return nil
}

// Close stops every goroutine the node started and waits for them,
// persists the sampling checkpoint and closes the JSON-RPC server, host
// and store. It is safe to call more than once, and after a failed Start.
func (n *Node) Close() error {
	n.mu.Lock()
	if n.stopped {
		n.mu.Unlock()
		return nil
	}
	n.stopped = true
	n.mu.Unlock()
	var err error
	if n.cancel != nil {
		n.cancel()
	}
	if n.group != nil {
		if e := n.group.Wait(); e != nil && !errors.Is(e, context.Canceled) {
			err = e
		}
	}
	if n.sched != nil && n.store != nil {
		if e := n.saveCheckpoint(); e != nil {
			err = errors.Join(err, e)
		}
	}
	return errors.Join(err, n.closeAll())
}

func (n *Node) closeAll() error {
	var err error
	if n.rpc != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		err = errors.Join(err, n.rpc.Stop(ctx))
		cancel()
		n.rpc = nil
	}
	if n.cancel != nil {
		n.cancel()
	}
	if n.gossip != nil {
		n.gossip.Close()
		n.gossip = nil
	}
	err = errors.Join(err, n.closeDiscovery())
	if n.host != nil {
		err = errors.Join(err, n.host.Close())
		n.host = nil
	}
	if n.store != nil {
		err = errors.Join(err, n.store.close())
		n.store = nil
	}
	return err
}

// Host returns the node's libp2p host (nil before Start).
func (n *Node) Host() *p2p.Host { return n.host }

// RPCAddr returns the JSON-RPC address once started, or "".
func (n *Node) RPCAddr() string {
	if n.rpc == nil {
		return ""
	}
	return n.rpc.Addr()
}

// establishTrust sets n.trusted, n.local and n.netHead from the store, or
// from the configured trusted header fetched from peers.
func (n *Node) establishTrust(ctx context.Context) error {
	want, _ := n.cfg.TrustedHashBytes()
	trusted, err := n.store.getU64(ctx, keyTrusted)
	if err != nil {
		return err
	}
	local, err := n.store.getU64(ctx, keyLocal)
	if err != nil {
		return err
	}
	if trusted != 0 && n.cfg.TrustedHeight <= local {
		// Resume the stored chain; the configured anchor must be on it.
		if err := n.checkStoredTrust(ctx, trusted, want); err != nil {
			return err
		}
		lh, err := n.store.header(ctx, local)
		if err != nil {
			return err
		}
		n.trusted, n.local, n.netHead = trusted, lh, lh
		if top, err := n.store.getU64(ctx, keyNetHead); err == nil && top > local {
			if th, err := n.store.header(ctx, top); err == nil {
				n.netHead = th
			}
		}
		return nil
	}
	h, err := n.fetchTrusted(ctx, n.cfg.TrustedHeight, want)
	if err != nil {
		return err
	}
	if err := n.store.setAnchor(ctx, h); err != nil {
		return err
	}
	n.log.Info("lightnode: trust anchored", "height", h.Height(), "hash", hex.EncodeToString(h.Hash()))
	n.trusted, n.local, n.netHead = uint64(h.Height()), h, h
	return nil
}

// checkStoredTrust checks the configured trusted header against a stored
// chain anchored at anchor: a stored header at the trusted height must
// have the trusted hash (else errTrust). When that header is not held it
// cannot be checked, and the log says so: below the stored anchor (the
// chain was anchored later, by another configuration) with a warning; at
// or above it, the header was pruned with the sampling window after the
// chain was verified from it.
func (n *Node) checkStoredTrust(ctx context.Context, anchor uint64, want []byte) error {
	height := n.cfg.TrustedHeight
	h, err := n.store.header(ctx, height)
	switch {
	case err == nil:
		if !bytes.Equal(h.Hash(), want) {
			return fmt.Errorf("%w: the stored chain has hash %X at height %d, the configured trusted hash is %X: use a new --home or the right hash",
				errTrust, h.Hash(), height, want)
		}
		return nil
	case !errors.Is(err, errNotFound):
		return err
	case height < anchor:
		n.log.Warn("lightnode: the configured trusted height is below the stored trust anchor and its header is not held, so the configured trusted hash cannot be checked: "+
			"the stored chain, anchored at a later height, is followed; to anchor at the configured header instead, use a new --home",
			"trusted_height", height, "trusted_hash", hex.EncodeToString(want), "stored_anchor", anchor)
	default:
		n.log.Info("lightnode: the configured trusted header was pruned with the sampling window; the stored chain was verified from it",
			"trusted_height", height, "stored_anchor", anchor)
	}
	return nil
}

// fetchTrusted asks peers for the header at height until one serves a
// header that validates and has hash want, under p2p.FetchTrusted's policy
// (a light node never trusts on first use). It fails with errTrust when
// ctx ends first.
func (n *Node) fetchTrusted(ctx context.Context, height uint64, want []byte) (*da.LightHeader, error) {
	pol := p2p.TrustPolicy{
		ChainID: n.cfg.ChainID, Height: height, Hash: want,
		RequestTimeout: n.cfg.RequestTimeout, RetryAfter: trustRetryAfter,
	}
	h, err := p2p.FetchTrusted(ctx, pol, n.fullPeers, n.fetchHeader, n.host.Scores, n.log)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", errTrust, err)
	}
	return h, nil
}

// trustRetryAfter is the pause between rounds of asking peers for the
// trusted header.
const trustRetryAfter = 200 * time.Millisecond

// fetchHeader asks p for the light header at height.
func (n *Node) fetchHeader(ctx context.Context, p peer.ID, height uint64) (*da.LightHeader, error) {
	hs, err := n.client.LightHeaders(ctx, p, height, 1)
	if err == nil && len(hs) != 1 {
		err = fmt.Errorf("lightnode: %d headers for height %d, want 1", len(hs), height)
	}
	if err != nil {
		return nil, err
	}
	return hs[0], nil
}

// checkTrustingPeriod refuses a local head older than the trusting period.
func (n *Node) checkTrustingPeriod() error {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.trustExpiredLocked()
}

func (n *Node) trustExpiredLocked() error {
	age := n.now().Sub(n.local.Time())
	if age <= n.cfg.Trusting() {
		return nil
	}
	return fmt.Errorf("%w: the newest verified header (height %d, %s) is %s old, longer than the trusting period of %s; "+
		"the validators trusted then may no longer secure the chain. Obtain a recent block height and hash from a source you trust "+
		"and restart with --trusted-height H --trusted-hash HASH",
		errTrustExpired, n.local.Height(), n.local.Time().UTC().Format(time.RFC3339), age.Round(time.Second), n.cfg.Trusting())
}

// fullPeers returns connected, unblocked peers that serve the sample
// protocol (all connected peers if identify has not told us yet).
func (n *Node) fullPeers() []peer.ID {
	proto := p2p.ProtocolID(n.cfg.ChainID, p2p.ProtoSample)
	var serving, other []peer.ID
	for _, p := range n.host.Network().Peers() {
		if n.host.Scores.Blocked(p) {
			continue
		}
		if ok, _ := n.host.Peerstore().SupportsProtocols(p, proto); len(ok) > 0 {
			serving = append(serving, p)
		} else {
			other = append(other, p)
		}
	}
	if len(serving) > 0 {
		return serving
	}
	return other
}

// notifyProgressLocked wakes everyone waiting for headers.
func (n *Node) notifyProgressLocked() {
	close(n.progress)
	n.progress = make(chan struct{})
	if n.befps != nil {
		n.befps.Retry() // a pending synced fraud proof may be for a new height
	}
}

func (n *Node) nudge() {
	select {
	case n.wake <- struct{}{}:
	default:
	}
}
