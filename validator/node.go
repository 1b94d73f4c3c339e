package validator

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	cmtlog "github.com/cometbft/cometbft/libs/log"
	cmtnode "github.com/cometbft/cometbft/node"
	"github.com/cometbft/cometbft/p2p"
	"github.com/cometbft/cometbft/privval"
	"github.com/cometbft/cometbft/proxy"
	rpclocal "github.com/cometbft/cometbft/rpc/client/local"
	cmttypes "github.com/cometbft/cometbft/types"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/quadrant-da/quadrant/consensus"
	"github.com/quadrant-da/quadrant/coreapi"
	"google.golang.org/grpc"
)

// errNodeStopped is returned by Node.Start after Stop.
var errNodeStopped = errors.New("validator: node stopped")

// NodeOptions configure NewNode.
type NodeOptions struct {
	// Home is the node home written by `quadrant init` (see ConfigPath etc.).
	Home string
	// Config is the node configuration, usually LoadNodeConfig(Home) with
	// flag overrides applied.
	Config NodeConfig
	// Logger receives the node's and CometBFT's logs; nil discards them.
	Logger *slog.Logger
	// BadDataRootForTesting makes this node propose blocks with a wrong data
	// root (AppConfig.BadDataRootForTesting). Tests only.
	BadDataRootForTesting bool
	// QuietMaj23ForTesting stops the consensus reactor's per-peer
	// maj23 queries after their first round (PeerQueryMaj23SleepDuration =
	// 24 h). CometBFT v0.40's queryMaj23Routine sleeps between reads of the
	// block store without checking that the node is still running, so
	// stopping one in-process node among live peers can panic the whole
	// process with "pebble: closed" up to 2 s later. Tests that run
	// several nodes in one process only; production keeps the queries.
	QuietMaj23ForTesting bool
}

// Node is one CometBFT validator (or non-validating node) running in-process
// with Quadrant's App as a local ABCI client. Construct with NewNode, then
// Start; Stop stops CometBFT and closes the App's store.
type Node struct {
	home     string
	grpcAddr string // rpc.grpc_listen_address
	log      *slog.Logger
	app      *consensus.App
	cmt      *cmtnode.Node
	relay    *txRelay // nil with CometBFT's mempool

	stopping *atomic.Bool  // set when Stop begins (cometLogger)
	grpc     *grpc.Server  // core API (rpc.grpc_listen_address), nil when off
	grpcDone chan struct{} // closed when grpc's Serve returned

	mu      sync.Mutex
	started bool
	stopped bool
	done    chan struct{}
	cancel  context.CancelFunc
}

// NewNode opens the App's store, loads (or, if missing, generates) the node
// key and the validator key from the home, reads the genesis and builds the
// CometBFT node, replaying any blocks the App has not yet applied (CometBFT's
// handshake). Nothing listens until Start.
func NewNode(ctx context.Context, opts NodeOptions) (*Node, error) {
	if err := opts.Config.Validate(); err != nil {
		return nil, err
	}
	logger := opts.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	if err := CheckEngine(opts.Home); err != nil {
		return nil, err
	}
	cc := opts.Config.CometConfig(opts.Home)
	if opts.QuietMaj23ForTesting {
		cc.Consensus.PeerQueryMaj23SleepDuration = 24 * time.Hour
	}
	if err := cc.ValidateBasic(); err != nil {
		return nil, fmt.Errorf("%w: derived CometBFT config: %w", errInvalidConfig, err)
	}
	if err := EnsureCometDirs(cc); err != nil {
		return nil, err
	}
	if err := markEngine(opts.Home); err != nil {
		return nil, err
	}
	nodeKey, err := p2p.LoadOrGenNodeKey(cc.NodeKeyFile())
	if err != nil {
		return nil, fmt.Errorf("validator: node key %s: %w", cc.NodeKeyFile(), err)
	}
	pv, err := loadOrGenFilePV(cc.PrivValidatorKeyFile(), cc.PrivValidatorStateFile())
	if err != nil {
		return nil, err
	}
	genDoc, _, err := ReadGenesisFile(GenesisPath(opts.Home))
	if err != nil {
		return nil, err
	}
	ethKey, err := LoadEthKey(opts.Home)
	if err != nil {
		return nil, err
	}
	app, err := consensus.NewApp(consensus.AppConfig{
		AttestationKey:        ethKey,
		Dir:                   appDir(opts.Home),
		ChainID:               genDoc.ChainID,
		Snapshots:             opts.Config.Storage.snapshotConfig(opts.Home),
		Logger:                logger.With("module", "app"),
		RetainBlocks:          int64(opts.Config.Storage.RetainBlocks),
		BadDataRootForTesting: opts.BadDataRootForTesting,
		Mempool:               opts.Config.Mempool.mempoolType(),
		Pool:                  consensus.PoolConfig{MaxTxs: opts.Config.Mempool.Size, MaxBytes: opts.Config.Mempool.MaxTxsBytes},
	})
	if err != nil {
		return nil, fmt.Errorf("validator: opening app: %w", err)
	}
	stopping := new(atomic.Bool)
	var extra []cmtnode.Option
	var relay *txRelay
	if opts.Config.Mempool.mempoolType() == consensus.MempoolApp {
		// Quadrant's relay spreads the app mempool's transactions
		// (txrelay.go); CometBFT's own broadcast is off (cometConfig).
		var reg prometheus.Registerer
		if cc.Instrumentation.Prometheus { // served with CometBFT's metrics
			reg = prometheus.DefaultRegisterer
		}
		relay = newTxRelay(app, cc.Mempool.MaxTxBytes, reg)
		relay.SetLogger(newCometLogger(logger.With("module", "txrelay"), stopping))
		extra = append(extra, cmtnode.CustomReactors(map[string]p2p.Reactor{"QUADRANT_TXRELAY": relay}))
	}
	cmt, err := cmtnode.NewNodeWithContext(ctx, cc, pv, nodeKey,
		// One lock per ABCI connection: a large CheckTx does not hold up
		// consensus. The App is safe for concurrent use.
		proxy.NewConnSyncLocalClientCreator(app),
		cmtnode.DefaultGenesisDocProviderFunc(cc),
		dbProvider(logger.With("module", "blockparts")),
		cmtnode.DefaultMetricsProvider(cc.Instrumentation),
		newCometLogger(logger.With("module", "cometbft"), stopping),
		extra...,
	)
	if err != nil {
		app.Close()
		return nil, fmt.Errorf("validator: creating CometBFT node: %w", err)
	}
	return &Node{stopping: stopping, home: opts.Home, grpcAddr: opts.Config.RPC.GRPCListenAddress, log: logger, app: app, cmt: cmt, relay: relay, done: make(chan struct{})}, nil
}

// loadOrGenFilePV wraps privval.LoadOrGenFilePV, which panics on unreadable
// or corrupt files, into an error.
func loadOrGenFilePV(keyFile, stateFile string) (pv *privval.FilePV, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("validator: validator key %s: %v", keyFile, r)
		}
	}()
	return privval.LoadOrGenFilePV(keyFile, stateFile), nil
}

// Start starts CometBFT (p2p, consensus, RPC) and returns. When ctx is
// cancelled the node stops as if Stop had been called.
func (n *Node) Start(ctx context.Context) error {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.stopped {
		return errNodeStopped
	}
	if n.started {
		return nil
	}
	if err := n.cmt.Start(); err != nil {
		return fmt.Errorf("validator: starting CometBFT: %w", err)
	}
	if a := n.cmt.Config(); n.grpcAddr != "" {
		if err := n.startCoreAPI(n.grpcAddr, a.Mempool.MaxTxBytes); err != nil {
			_ = n.cmt.Stop()
			n.cmt.Wait()
			return err
		}
	}
	n.started = true
	ctx, n.cancel = context.WithCancel(ctx)
	go func() {
		<-ctx.Done()
		n.stop()
	}()
	n.log.Info("node started", "home", n.home, "node_id", n.cmt.NodeInfo().ID(),
		"rpc", n.cmt.Config().RPC.ListenAddress, "p2p", n.cmt.Config().P2P.ListenAddress)
	return nil
}

// Stop stops CometBFT, waits for it and closes the App. It is idempotent and
// safe to call concurrently; it returns the App's close error, if any.
func (n *Node) Stop() error {
	n.mu.Lock()
	cancel := n.cancel
	n.mu.Unlock()
	if cancel != nil {
		cancel()
	}
	return n.stop()
}

func (n *Node) stop() error {
	n.mu.Lock()
	if n.stopped {
		n.mu.Unlock()
		<-n.done
		return nil
	}
	n.stopped = true
	started := n.started
	n.mu.Unlock()
	defer close(n.done)
	n.stopping.Store(true)
	if started {
		n.stopCoreAPI()
		if err := n.cmt.Stop(); err != nil {
			n.log.Error("stopping CometBFT", "err", err)
		}
		n.cmt.Wait()
	}
	if err := n.app.Close(); err != nil {
		return fmt.Errorf("validator: closing app: %w", err)
	}
	n.log.Info("node stopped", "home", n.home)
	return nil
}

// Done is closed once the node has stopped.
func (n *Node) Done() <-chan struct{} { return n.done }

// App returns the node's application.
func (n *Node) App() *consensus.App { return n.app }

// NodeID returns the node's p2p ID (the hex address of its node key).
func (n *Node) NodeID() string { return string(n.cmt.NodeInfo().ID()) }

// GenesisDoc returns the genesis the node runs.
func (n *Node) GenesisDoc() *cmttypes.GenesisDoc { return n.cmt.GenesisDoc() }

// Client returns an in-process RPC client for the node, with the same API as
// CometBFT's HTTP client (it satisfies ChainClient). Valid after Start.
func (n *Node) Client() *rpclocal.Local { return rpclocal.New(n.cmt) }

// Mempool returns the node's mempool as a Submitter takes it: the same
// checks and answers as the core API's Submit, in process. Valid after
// Start.
func (n *Node) Mempool() coreapi.Backend { return coreBackend{n} }

// cometLogger adapts CometBFT's key-value logger onto slog.
// Once stopping is set (the node is shutting down on purpose), CometBFT's
// errors about peers and listeners going away are expected and are logged
// at info, so a clean shutdown leaves no ERROR line.
type cometLogger struct {
	l        *slog.Logger
	stopping *atomic.Bool
}

// newCometLogger returns a CometBFT logger that writes to l: CometBFT's
// Debug, Info, Warn and Error become slog records of the same level, with
// CometBFT's key-value pairs as attributes, except that errors after
// stopping is set become info records marked shutdown=true.
func newCometLogger(l *slog.Logger, stopping *atomic.Bool) cmtlog.Logger {
	return cometLogger{l, stopping}
}

func (c cometLogger) Debug(msg string, kv ...any) { c.l.Debug(msg, kv...) }
func (c cometLogger) Info(msg string, kv ...any)  { c.l.Info(msg, kv...) }
func (c cometLogger) Warn(msg string, kv ...any)  { c.l.Warn(msg, kv...) }
func (c cometLogger) Error(msg string, kv ...any) {
	switch {
	case c.stopping.Load():
		c.l.Info(msg, append(kv, "shutdown", true)...)
	case peerWentAway(kv):
		// A peer that closed its connection (it stopped or restarted) is
		// an ordinary event for this node, not an error of its own: the
		// devnet's validators stop one after the other, and the last ones
		// see the first ones go.
		c.l.Info(msg, append(kv, "peer_gone", true)...)
	default:
		c.l.Error(msg, kv...)
	}
}

// peerWentAway reports whether CometBFT's key-value pairs carry an "err"
// that only says the remote side closed the connection.
func peerWentAway(kv []any) bool {
	for i := 0; i+1 < len(kv); i += 2 {
		if k, _ := kv[i].(string); k != "err" {
			continue
		}
		err, _ := kv[i+1].(error)
		return err != nil && (errors.Is(err, io.EOF) || errors.Is(err, syscall.ECONNRESET) || errors.Is(err, net.ErrClosed))
	}
	return false
}
func (c cometLogger) With(kv ...any) cmtlog.Logger {
	return cometLogger{c.l.With(kv...), c.stopping}
}
