package main

import (
	"fmt"
	"log/slog"
	"os"
	"time"

	"github.com/quadrant-da/quadrant/validator"
	"github.com/spf13/cobra"
)

func newValidatorCmd() *cobra.Command {
	var (
		home, logLevel, logFormat, peers, rpcAddr, p2pAddr string
		blockTime                                          time.Duration
		retain                                             uint64
		badDataRoot                                        bool
	)
	cmd := &cobra.Command{
		Use:   "validator",
		Short: "Run one validator (CometBFT node with the Quadrant app) from its home",
		Long: `validator runs the consensus node of a home written by 'quadrant init' (or by
'quadrant devnet'). Flags override the home's config.toml for this run only.
SIGINT or SIGTERM stop it cleanly.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := validator.LoadNodeConfig(home)
			if err != nil {
				return err
			}
			fl := cmd.Flags()
			if fl.Changed("log-level") {
				cfg.LogLevel = logLevel
			}
			if fl.Changed("log-format") {
				cfg.LogFormat = logFormat
			}
			if fl.Changed("peers") {
				cfg.P2P.PersistentPeers = peers
			}
			if fl.Changed("rpc-laddr") {
				cfg.RPC.ListenAddress = rpcAddr
			}
			if fl.Changed("p2p-laddr") {
				cfg.P2P.ListenAddress = p2pAddr
			}
			if fl.Changed("block-time") {
				cfg.Consensus.BlockTime = blockTime
			}
			if fl.Changed("retain-blocks") {
				cfg.Storage.RetainBlocks = retain
			}
			log, err := newLogger(os.Stderr, cfg.LogLevel, cfg.LogFormat)
			if err != nil {
				return err
			}
			// Libraries that write to the standard logger (the block store's
			// database) end up in the same stream.
			slog.SetDefault(log)
			ctx := cmd.Context()
			node, err := validator.NewNode(ctx, validator.NodeOptions{
				Home: home, Config: cfg, Logger: log, BadDataRootForTesting: badDataRoot,
			})
			if err != nil {
				return err
			}
			if err := node.Start(ctx); err != nil {
				node.Stop()
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "validator %s running: node id %s, rpc %s, p2p %s\n",
				cfg.Moniker, node.NodeID(), cfg.RPC.ListenAddress, cfg.P2P.ListenAddress)
			<-ctx.Done()
			log.Info("shutting down")
			return node.Stop()
		},
	}
	f := cmd.Flags()
	f.StringVar(&home, "home", defaultHome("node"), "node home directory")
	f.StringVar(&logLevel, "log-level", "info", "log level: debug, info, warn, error")
	f.StringVar(&logFormat, "log-format", "text", "log format: text or json")
	f.StringVar(&peers, "peers", "", "persistent peers, comma-separated id@host:port")
	f.StringVar(&rpcAddr, "rpc-laddr", "", "CometBFT RPC listen address")
	f.StringVar(&p2pAddr, "p2p-laddr", "", "P2P listen address")
	f.DurationVar(&blockTime, "block-time", 0, "block time (timeout_commit); must match the other validators")
	f.Uint64Var(&retain, "retain-blocks", 0, "keep only this many recent blocks (0 = all)")
	f.BoolVar(&badDataRoot, "bad-data-root-for-testing", false, "TEST ONLY: propose blocks with a wrong data root")
	_ = f.MarkHidden("bad-data-root-for-testing")
	return cmd
}
