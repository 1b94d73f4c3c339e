package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/quadrant-da/quadrant/lightnode"
)

// lightFlags are the flags of `quadrant light`; each overrides its key of
// <home>/light.toml when given.
type lightFlags struct {
	home           string
	chainID        string
	bootstrap      []string
	p2pListen      []string
	trustedHeight  uint64
	trustedHash    string
	trustedRPC     string
	trustingPeriod time.Duration
	unbonding      time.Duration
	samples        int
	confidence     float64
	workers        int
	deadline       time.Duration
	window         time.Duration
	rpcAddr        string
	metricsAddr    string
	logLevel       string
	logFormat      string
	network        string
	discovery      bool
}

// register registers the flags, with the defaults of
// lightnode.DefaultConfig.
func (f *lightFlags) register(fs *pflag.FlagSet) {
	d := lightnode.DefaultConfig()
	fs.StringVar(&f.home, "home", defaultHome("light"), "light node home (light.toml, p2p_key, sampling_seed, jwt_secret, light-store/)")
	fs.StringVar(&f.chainID, "chain-id", d.ChainID, "chain id (required on first run)")
	fs.StringSliceVar(&f.bootstrap, "bootstrap", d.P2P.Bootstrap, "full libp2p multiaddrs (with /p2p/<id>) of full nodes, comma-separated")
	fs.StringSliceVar(&f.p2pListen, "p2p-listen", d.P2P.ListenAddrs, "libp2p listen multiaddrs")
	fs.Uint64Var(&f.trustedHeight, "trusted-height", d.TrustedHeight, "height of a recent header you trust (required on first run)")
	fs.StringVar(&f.trustedHash, "trusted-hash", d.TrustedHash, "hex block hash of the trusted header (required on first run)")
	fs.StringVar(&f.trustedRPC, "trusted-rpc", "", "instead of --trusted-hash: read the hash of --trusted-height from this CometBFT RPC (a consensus node you run yourself), waiting for that height")
	fs.DurationVar(&f.unbonding, "unbonding-period", d.UnbondingPeriod, "the chain's unbonding period (from its genesis or network manifest); the trusting period must be shorter")
	fs.DurationVar(&f.trustingPeriod, "trusting-period", d.TrustingPeriod, "refuse to continue when the newest verified header is older than this (0: two thirds of --unbonding-period); must be shorter than the unbonding period")
	fs.IntVar(&f.samples, "samples", d.Samples, "shares sampled per header")
	fs.Float64Var(&f.confidence, "confidence", d.Confidence, "target confidence per header (e.g. 0.999; overrides --samples)")
	fs.IntVar(&f.workers, "workers", d.Sampling.Workers, "concurrent catch-up sampling jobs")
	fs.DurationVar(&f.deadline, "header-deadline", d.HeaderDeadline, "time allowed to sample one header before it is marked unavailable")
	fs.DurationVar(&f.window, "sampling-window", d.Sampling.Window, "headers older than this are not sampled")
	fs.StringVar(&f.rpcAddr, "rpc-addr", d.RPC.ListenAddr, "JSON-RPC listen address (empty disables)")
	fs.StringVar(&f.metricsAddr, "metrics-addr", d.RPC.MetricsAddr, "Prometheus /metrics listen address (empty disables)")
	fs.StringVar(&f.logLevel, "log-level", d.LogLevel, "debug, info, warn or error")
	fs.StringVar(&f.logFormat, "log-format", d.LogFormat, "text or json")
	fs.BoolVar(&f.discovery, "discovery", d.Discovery.Enabled, "find full nodes through the chain's DHT beyond --bootstrap (--discovery=false: bootstrap peers only)")
	fs.StringVar(&f.network, "network", "", "network manifest (network.json): chain id, bootstrap peers, trusted checkpoint and trusting period, each overridden by its own flag")
}

// config loads <home>/light.toml (lightnode.DefaultConfig when absent) and
// applies the flags set on the command line: a flag left at its default
// never overrides the file.
func (f *lightFlags) config(fl *pflag.FlagSet) (lightnode.Config, bool, error) {
	_, statErr := os.Stat(filepath.Join(f.home, lightnode.ConfigFileName))
	existed := statErr == nil
	cfg, err := lightnode.LoadConfig(f.home)
	if err != nil {
		return cfg, existed, err
	}
	set := func(name string, apply func()) {
		if fl.Changed(name) {
			apply()
		}
	}
	set("chain-id", func() { cfg.ChainID = f.chainID })
	set("trusted-height", func() { cfg.TrustedHeight = f.trustedHeight })
	set("trusted-hash", func() { cfg.TrustedHash = f.trustedHash })
	set("unbonding-period", func() { cfg.UnbondingPeriod = f.unbonding })
	set("trusting-period", func() { cfg.TrustingPeriod = f.trustingPeriod })
	set("samples", func() { cfg.Samples = f.samples })
	set("confidence", func() { cfg.Confidence = f.confidence })
	set("workers", func() { cfg.Sampling.Workers = f.workers })
	set("header-deadline", func() { cfg.HeaderDeadline = f.deadline })
	set("sampling-window", func() { cfg.Sampling.Window = f.window })
	set("rpc-addr", func() { cfg.RPC.ListenAddr = f.rpcAddr })
	set("metrics-addr", func() { cfg.RPC.MetricsAddr = f.metricsAddr })
	set("log-level", func() { cfg.LogLevel = f.logLevel })
	set("log-format", func() { cfg.LogFormat = f.logFormat })
	set("discovery", func() { cfg.Discovery.Enabled = f.discovery })
	if err := applyNetwork(&cfg, f.network, fl); err != nil {
		return cfg, existed, err
	}
	set("bootstrap", func() { cfg.P2P.Bootstrap = f.bootstrap })
	set("p2p-listen", func() { cfg.P2P.ListenAddrs = f.p2pListen })
	return cfg, existed, cfg.Validate()
}

func newLightCmd() *cobra.Command {
	var f lightFlags
	cmd := &cobra.Command{
		Use:   "light",
		Short: "Run a light node: verify headers and sample data availability",
		Long: `light runs a Quadrant light node from --home (default ~/.quadrant/light).

It starts from a header you trust (--trusted-height and --trusted-hash, e.g.
read from a block explorer or a full node you run), syncs light headers from
the --bootstrap full nodes, verifies each one (validator signatures, set
continuity, data root → DataHash) and samples --samples random shares of each
block's extended square (or as many as --confidence needs), verifying each
share's proofs down to the signed header. A block is available when every
sample verifies; otherwise it is reported unavailable and retried. A valid
bad-encoding fraud proof stops sampling and the node says the chain is
fraudulent. After being offline longer than --trusting-period the node refuses
to continue until given a new trusted height and hash.

JSON-RPC (das.SamplingStats, header.NetworkHead, header.LocalHead,
header.GetByHeight, header.SyncState, fraud.Status) on --rpc-addr, with JWT
tokens signed by <home>/jwt_secret. SIGINT or SIGTERM stop it cleanly.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if f.trustedRPC != "" && !cmd.Flags().Changed("trusted-hash") {
				h, err := trustedHashFromRPC(cmd.Context(), f.trustedRPC, f.trustedHeight)
				if err != nil {
					return err
				}
				f.trustedHash = h
				if err := cmd.Flags().Set("trusted-hash", h); err != nil {
					return err
				}
			}
			cfg, existed, err := f.config(cmd.Flags())
			if err != nil {
				return err
			}
			if !existed {
				if err := lightnode.WriteConfig(cfg); err != nil {
					return err
				}
			}
			log, err := newLogger(os.Stderr, cfg.LogLevel, cfg.LogFormat)
			if err != nil {
				return err
			}
			ctx := cmd.Context()
			node, err := lightnode.New(cfg, lightnode.Options{Logger: log})
			if err != nil {
				return err
			}
			if err := node.Start(ctx); err != nil {
				_ = node.Close()
				return err
			}
			out := cmd.OutOrStdout()
			fmt.Fprintf(out, "light node running: chain %s, peer id %s, local head %d\n", cfg.ChainID, node.Host().ID(), node.LocalHead().Height())
			if a := node.RPCAddr(); a != "" {
				fmt.Fprintf(out, "json-rpc: http://%s\n", a)
			}
			<-ctx.Done()
			st := node.SamplingStats()
			err = node.Close()
			fmt.Fprintf(out, "light node stopped: sampled chain head %d, network head %d\n", st.SampledChainHead, st.NetworkHead)
			return err
		},
	}
	f.register(cmd.Flags())
	return cmd
}

// trustedHashFromRPC reads the block hash at height from a CometBFT RPC
// (/commit), retrying until that height exists or ctx ends. It trusts that
// RPC: use only a consensus node you run yourself.
func trustedHashFromRPC(ctx context.Context, rpcURL string, height uint64) (string, error) {
	if height < 1 {
		return "", fmt.Errorf("--trusted-rpc needs --trusted-height ≥ 1")
	}
	url := strings.TrimSuffix(rpcURL, "/") + "/commit?height=" + strconv.FormatUint(height, 10)
	var last error
	for {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		if err != nil {
			return "", fmt.Errorf("--trusted-rpc %q: %w", rpcURL, err)
		}
		resp, err := http.DefaultClient.Do(req)
		if err == nil {
			var out struct {
				Result struct {
					SignedHeader struct {
						Commit struct {
							BlockID struct {
								Hash string `json:"hash"`
							} `json:"block_id"`
						} `json:"commit"`
					} `json:"signed_header"`
				} `json:"result"`
			}
			err = json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(&out)
			resp.Body.Close()
			if h := out.Result.SignedHeader.Commit.BlockID.Hash; err == nil && len(h) == 64 {
				return strings.ToLower(h), nil
			}
			if err == nil {
				err = fmt.Errorf("no commit for height %d yet", height)
			}
		}
		last = err
		select {
		case <-ctx.Done():
			return "", fmt.Errorf("--trusted-rpc %s: could not read the hash of height %d: %v", rpcURL, height, last)
		case <-time.After(500 * time.Millisecond):
		}
	}
}
