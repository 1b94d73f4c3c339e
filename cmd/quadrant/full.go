package main

import (
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/libp2p/go-libp2p/core/peer"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/quadrant-da/quadrant/fullnode"
	"github.com/quadrant-da/quadrant/p2p"
)

// fullFlags are the flags of `quadrant full` and `quadrant full init`; each
// overrides its key of <home>/fullnode.toml when given.
type fullFlags struct {
	home          string
	mode          string
	coreRPC       string
	coreGRPC      string
	chainID       string
	bootstrap     []string
	p2pListen     []string
	announce      []string
	trustedHeight uint64
	trustedHash   string
	trustFirst    bool
	metricsAddr   string
	retention     time.Duration
	logLevel      string
	logFormat     string
	network       string
	discovery     bool
	faultWithhold string
	trustedRPC    string
}

// register registers the flags, with the defaults of
// fullnode.DefaultConfig.
func (f *fullFlags) register(fs *pflag.FlagSet) {
	d := fullnode.DefaultConfig()
	fs.StringVar(&f.home, "home", defaultHome("full"), "full node home (fullnode.toml, p2p_key, store/, befp/)")
	fs.StringVar(&f.mode, "mode", string(d.Mode), "bridge (ingest from a consensus node) or p2p (sync from other full nodes)")
	fs.StringVar(&f.coreRPC, "core-rpc", d.Bridge.CoreRPC, "bridge mode: the consensus node's CometBFT RPC")
	fs.StringVar(&f.coreGRPC, "core-grpc", d.Bridge.CoreGRPC, "bridge mode: the consensus node's CometBFT gRPC block service, host:port (its rpc.grpc_listen_address); blocks then come as protobuf instead of JSON (empty: JSON RPC only)")
	fs.StringVar(&f.chainID, "chain-id", d.ChainID, "chain id (required in p2p mode; bridge mode reads it from the consensus node)")
	fs.StringSliceVar(&f.bootstrap, "bootstrap", d.P2P.Bootstrap, "full libp2p multiaddrs (with /p2p/<id>) of peers to keep connected, comma-separated")
	fs.StringSliceVar(&f.p2pListen, "p2p-listen", d.P2P.ListenAddrs, "libp2p listen multiaddrs")
	fs.StringSliceVar(&f.announce, "announce-addr", d.P2P.AnnounceAddrs, "public libp2p multiaddr (without /p2p/<id>) to advertise instead of the listen addresses, e.g. /ip4/203.0.113.7/tcp/2121 behind port forwarding; repeatable")
	fs.Uint64Var(&f.trustedHeight, "trusted-height", d.Sync.TrustedHeight, "p2p mode: height of the trusted header an empty store starts from")
	fs.StringVar(&f.trustedHash, "trusted-hash", d.Sync.TrustedHash, "p2p mode: hex block hash of the trusted header (required unless --trust-first-peer)")
	fs.BoolVar(&f.trustFirst, "trust-first-peer", d.TrustFirstPeer, "p2p mode without --trusted-hash: trust the first valid header peers give (a peer you do not control can then feed you its own chain)")
	fs.StringVar(&f.metricsAddr, "metrics-addr", d.Metrics.ListenAddress, "Prometheus /metrics listen address (empty disables)")
	fs.DurationVar(&f.retention, "retention", d.Store.Retention, "how long (by block time) heights are kept")
	fs.StringVar(&f.logLevel, "log-level", d.LogLevel, "debug, info, warn or error")
	fs.StringVar(&f.logFormat, "log-format", d.LogFormat, "text or json")
	fs.StringVar(&f.network, "network", "", "network manifest (network.json): chain id and bootstrap peers, and in p2p mode the trusted checkpoint, each overridden by its own flag")
	fs.BoolVar(&f.discovery, "discovery", d.Discovery.Enabled, "find and advertise full nodes through the chain's DHT (--discovery=false: bootstrap peers only)")
}

// registerRun registers the flags of `quadrant full` that `full init` does
// not take: --trusted-rpc (read at each start) and --fault-withhold (a
// fault is injected per run, never written to a new home's fullnode.toml).
func (f *fullFlags) registerRun(fs *pflag.FlagSet) {
	fs.StringVar(&f.trustedRPC, "trusted-rpc", "", "p2p mode, instead of --trusted-hash: read the hash of --trusted-height from this CometBFT RPC (a consensus node you run yourself), waiting for that height")
	fs.StringVar(&f.faultWithhold, "fault-withhold", "", "FAULT INJECTION for tests: a node run with it is dishonest on purpose. "+
		"Withhold the square data of these heights: comma-separated H, A-B (inclusive) or %N (every height divisible by N); "+
		"samples, half rows/columns, namespace data and whole squares of them are answered NOT_FOUND as by a node without the data, "+
		"while headers are still followed, gossiped and served (overrides fault.withhold of fullnode.toml)")
}

// config loads <home>/fullnode.toml (or fullnode.DefaultConfig when it
// does not exist yet) and applies the flags set on the command line: a
// flag left at its default never overrides the file.
func (f *fullFlags) config(fl *pflag.FlagSet) (cfg fullnode.Config, existed bool, err error) {
	cfg, err = fullnode.LoadConfig(f.home)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		cfg = fullnode.DefaultConfig()
	case err != nil:
		return cfg, false, err
	default:
		existed = true
	}
	set := func(name string, apply func()) {
		if fl.Changed(name) {
			apply()
		}
	}
	set("mode", func() { cfg.Mode = fullnode.Mode(f.mode) })
	set("core-rpc", func() { cfg.Bridge.CoreRPC = f.coreRPC })
	set("core-grpc", func() { cfg.Bridge.CoreGRPC = f.coreGRPC })
	set("chain-id", func() { cfg.ChainID = f.chainID })
	set("trusted-height", func() { cfg.Sync.TrustedHeight = f.trustedHeight })
	set("trusted-hash", func() { cfg.Sync.TrustedHash = f.trustedHash })
	set("trust-first-peer", func() { cfg.TrustFirstPeer = f.trustFirst })
	set("metrics-addr", func() { cfg.Metrics.ListenAddress = f.metricsAddr })
	set("retention", func() { cfg.Store.Retention = f.retention })
	set("log-level", func() { cfg.LogLevel = f.logLevel })
	set("log-format", func() { cfg.LogFormat = f.logFormat })
	set("discovery", func() { cfg.Discovery.Enabled = f.discovery })
	if fl.Changed("fault-withhold") {
		if _, err := fullnode.ParseWithhold(f.faultWithhold); err != nil {
			return cfg, existed, fmt.Errorf("--fault-withhold: %w", err)
		}
		cfg.Fault.Withhold = f.faultWithhold
	}
	if err := applyFullNetwork(&cfg, f.network, fl); err != nil {
		return cfg, existed, err
	}
	set("bootstrap", func() { cfg.P2P.Bootstrap = f.bootstrap })
	set("p2p-listen", func() { cfg.P2P.ListenAddrs = f.p2pListen })
	set("announce-addr", func() { cfg.P2P.AnnounceAddrs = f.announce })
	if err := needCheckpoint(cfg); err != nil {
		return cfg, existed, err
	}
	return cfg, existed, cfg.Validate()
}

// peerAddrs returns the node's full multiaddrs as others should dial them:
// its announce addresses, or without any its listen addresses, with
// /p2p/<id> of the identity in home.
func peerAddrs(home string, cfg fullnode.Config) ([]string, peer.ID, error) {
	key, err := p2p.LoadOrCreateIdentity(filepath.Join(home, p2p.IdentityFile))
	if err != nil {
		return nil, "", err
	}
	id, err := peer.IDFromPrivateKey(key)
	if err != nil {
		return nil, "", err
	}
	addrs := cfg.P2P.ListenAddrs
	if len(cfg.P2P.AnnounceAddrs) > 0 {
		addrs = cfg.P2P.AnnounceAddrs
	}
	out := make([]string, len(addrs))
	for i, a := range addrs {
		out[i] = a + "/p2p/" + id.String()
	}
	return out, id, nil
}

func newFullCmd() *cobra.Command {
	var f fullFlags
	var af adapterFlags
	cmd := &cobra.Command{
		Use:   "full",
		Short: "Run a full node: ingest, store, repair and serve extended squares over libp2p",
		Long: `full runs a Quadrant full node from --home (default ~/.quadrant/full).

In bridge mode it follows a consensus node's RPC (--core-rpc; with --core-grpc
blocks come from its gRPC block service instead), rebuilds each
committed block's square from its transactions, extends it, checks the data
root and stores it; a block whose transactions and square disagree stops
ingestion with an ERROR alert. In p2p mode it syncs verified headers from
--bootstrap peers, starting from --trusted-height/--trusted-hash, fetches each
square (whole, or both halves of every row from several peers), repairs and
checks it, and builds and gossips a bad-encoding fraud proof if a row or
column does not decode to its committed root.

Both modes serve samples, half rows/columns, namespace data and whole squares
on libp2p (TCP and QUIC, port 2121 by default) and export Prometheus metrics
(127.0.0.1:2122/metrics by default).

The first run writes <home>/fullnode.toml from the defaults and the flags;
later runs read it, and flags given override it for that run.
SIGINT or SIGTERM stop the node cleanly.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return runFull(cmd, &f, af) },
	}
	f.register(cmd.Flags())
	f.registerRun(cmd.Flags())
	af.registerListen(cmd.Flags())
	af.registerBridge(cmd.Flags())
	cmd.AddCommand(newFullInitCmd())
	return cmd
}

// runFull is `quadrant full`: the node (and in bridge mode the rollup
// adapter) until the command's context ends.
func runFull(cmd *cobra.Command, f *fullFlags, af adapterFlags) error {
	if f.trustedRPC != "" && !cmd.Flags().Changed("trusted-hash") {
		h, err := trustedHashFromRPC(cmd.Context(), f.trustedRPC, f.trustedHeight)
		if err != nil {
			return err
		}
		if err := cmd.Flags().Set("trusted-hash", h); err != nil {
			return err
		}
	}
	cfg, existed, err := f.config(cmd.Flags())
	if err != nil {
		return err
	}
	if !existed {
		saved := cfg
		saved.Fault = fullnode.FaultConfig{} // --fault-withhold holds for this run only
		if err := fullnode.SaveConfig(f.home, saved); err != nil {
			return err
		}
	}
	log, err := newLogger(os.Stderr, cfg.LogLevel, cfg.LogFormat)
	if err != nil {
		return err
	}
	slog.SetDefault(log)
	ctx := cmd.Context()
	node, err := fullnode.New(cfg, fullnode.Options{Home: f.home, Logger: log})
	if err != nil {
		return err
	}
	if err := node.Start(ctx); err != nil {
		_ = node.Close()
		return err
	}
	out := cmd.OutOrStdout()
	st := node.Status()
	fmt.Fprintf(out, "full node (%s) running: chain %s, peer id %s, head %d\n", cfg.Mode, node.ChainID(), st.PeerID, st.Head)
	for _, a := range st.Addrs {
		fmt.Fprintf(out, "peer address: %s\n", a)
	}
	if a := node.MetricsAddr(); a != "" {
		fmt.Fprintf(out, "metrics: http://%s/metrics\n", a)
	}
	stopAdapter := func() {}
	if cfg.Mode == fullnode.ModeBridge {
		var lines []string
		if stopAdapter, lines, err = startAdapter(ctx, node, cfg.Bridge.CoreRPC, cfg.Bridge.CoreGRPC, log, node.Registry(), f.home, af); err != nil {
			_ = node.Close()
			return err
		}
		for _, l := range lines {
			fmt.Fprintln(out, l)
		}
	}
	<-ctx.Done()
	stopAdapter()
	st = node.Status()
	err = node.Close()
	fmt.Fprintf(out, "full node stopped at head %d\n", st.Head)
	return err
}

// newFullInitCmd is `quadrant full init`.
func newFullInitCmd() *cobra.Command {
	var fi fullFlags
	initCmd := &cobra.Command{
		Use:   "init",
		Short: "Write a full node home (fullnode.toml and libp2p key) and print its peer address",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, existed, err := fi.config(cmd.Flags())
			if err != nil {
				return err
			}
			if existed {
				return fmt.Errorf("%s already exists; edit it or pass flags to 'quadrant full'", fullnode.ConfigPath(fi.home))
			}
			if err := fullnode.SaveConfig(fi.home, cfg); err != nil {
				return err
			}
			addrs, id, err := peerAddrs(fi.home, cfg)
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			fmt.Fprintf(out, "wrote %s (%s mode)\npeer id: %s\n", fullnode.ConfigPath(fi.home), cfg.Mode, id)
			for _, a := range addrs {
				fmt.Fprintf(out, "peer address: %s\n", a)
			}
			return nil
		},
	}
	fi.register(initCmd.Flags())
	return initCmd
}
