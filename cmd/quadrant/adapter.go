package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/cockroachdb/pebble/v2"
	cmthttp "github.com/cometbft/cometbft/rpc/client/http"
	pebbleds "github.com/ipfs/go-ds-pebble"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/spf13/pflag"

	"github.com/quadrant-da/quadrant/consensus"
	"github.com/quadrant-da/quadrant/coreapi"
	"github.com/quadrant-da/quadrant/fullnode"
	rollupadapter "github.com/quadrant-da/quadrant/rollup-adapter"
	"github.com/quadrant-da/quadrant/rpc"
	"github.com/quadrant-da/quadrant/wallet"
)

// Files of the rollup adapter in a bridge home.
const (
	adapterDataDir   = "adapter"           // pebble datastore of the Alt-DA and DAC indexes
	dacMemberKeyFile = "dac/member.key"    // hex secp256k1 secret of the DAC member, 0600
	dacSequencerFile = "dac/sequencer.key" // devnet home only: hex secret of the trusted sequencer
	dacMemberAddr    = "dac/member.address"
)

// adapterFlags are the rollup adapter flags of `quadrant full` (bridge
// mode) and `quadrant devnet`.
type adapterFlags struct {
	rpcAddr      string
	altda        string
	dac          string
	dacSequencer string
	key          string
	rateLimit    float64
	altdaToken   string   // file holding the Alt-DA token
	altdaHosts   []string // Host names the Alt-DA server answers besides localhost
}

// registerListen registers the adapter's listen-address flags (`quadrant
// full` and `quadrant devnet`).
func (a *adapterFlags) registerListen(fs *pflag.FlagSet) {
	fs.StringVar(&a.rpcAddr, "adapter-rpc", "127.0.0.1:26658", "bridge mode: rollup adapter JSON-RPC listen address (blob/header/share/das/blobstream/da modules; empty disables the adapter)")
	fs.StringVar(&a.altda, "altda", "127.0.0.1:3100", "bridge mode: OP Stack Alt-DA HTTP listen address (empty disables)")
	fs.StringVar(&a.dac, "dac", "", "bridge mode: Polygon CDK DAC member JSON-RPC listen address (empty disables)")
}

// registerBridge registers the flags only a bridge full node's adapter
// takes (`quadrant full`): its key, limits and the DAC and Alt-DA
// policies.
func (a *adapterFlags) registerBridge(fs *pflag.FlagSet) {
	fs.StringVar(&a.dacSequencer, "dac-sequencer", "", "0x address of the trusted sequencer whose signed sequences the DAC member accepts (required with --dac)")
	fs.Float64Var(&a.rateLimit, "adapter-rate-limit", rpc.DefaultConfig().RateLimit, "adapter JSON-RPC requests per second per client IP (0: unlimited)")
	fs.StringVar(&a.key, "adapter-key", "adapter", "name of the funded key in <home>/keys the adapter submits blobs with")
	fs.StringVar(&a.altdaToken, "altda-token-file", "", "file holding a token the Alt-DA server requires (as a Bearer token, or as URL userinfo: http://TOKEN@host:3100); required when --altda listens beyond loopback")
	fs.StringSliceVar(&a.altdaHosts, "altda-allowed-hosts", nil, "host names the Alt-DA server answers besides localhost and its listen address (requests naming others are refused: DNS rebinding)")
}

// args are the flags that pass the devnet's adapter addresses to its bridge.
func (a *adapterFlags) args(devnetHome string) []string {
	// A devnet is local and driven by test suites: no rate limit.
	out := []string{"--adapter-rpc", a.rpcAddr, "--altda", a.altda, "--dac", a.dac, "--adapter-rate-limit", "0"}
	if a.dac != "" {
		if b, err := os.ReadFile(filepath.Join(devnetHome, dacSequencerFile)); err == nil {
			if k, err := rollupadapter.ParseEthKey(string(b)); err == nil {
				out = append(out, "--dac-sequencer", k.Address().Hex())
			}
		}
	}
	return out
}

// defaultAdapterFlags returns the adapter flags' defaults, as register
// sets them (one definition of each default).
func defaultAdapterFlags() adapterFlags {
	var a adapterFlags
	a.registerListen(pflag.NewFlagSet("defaults", pflag.ContinueOnError))
	return a
}

// startDACMember starts the validium DAC member on af.dac, signing with the
// key in home; it returns its stop function and banner line.
func startDACMember(ctx context.Context, ad *rollupadapter.Adapter, ds rollupadapter.KV, log *slog.Logger, home string, af adapterFlags) (func(), string, error) {
	seq, err := rollupadapter.ParseEthAddress(af.dacSequencer)
	if err != nil {
		return nil, "", fmt.Errorf("--dac-sequencer %q: %w", af.dacSequencer, err)
	}
	key, err := rollupadapter.LoadOrCreateEthKey(filepath.Join(home, dacMemberKeyFile))
	if err != nil {
		return nil, "", err
	}
	dac, err := rollupadapter.NewDACMember(ad, rollupadapter.DACConfig{Sequencer: seq, Key: key}, ds, log)
	if err != nil {
		return nil, "", err
	}
	if err := dac.Start(ctx, af.dac); err != nil {
		return nil, "", err
	}
	return stopWithin(dac.Stop), fmt.Sprintf("dac member %s: http://%s", key.Address().Hex(), af.dac), nil
}

// adapterConfig is the adapter's configuration for a chain of max square
// size maxSq, with the Alt-DA host allowlist and token from the flags.
func (a adapterFlags) adapterConfig(maxSq int) (rollupadapter.Config, error) {
	acfg := rollupadapter.DefaultConfig()
	acfg.MaxSquareSize = maxSq
	acfg.AltDA.AllowedHosts = append(acfg.AltDA.AllowedHosts, a.altdaHosts...)
	if a.altdaToken != "" {
		b, err := os.ReadFile(a.altdaToken)
		if err != nil {
			return acfg, fmt.Errorf("--altda-token-file: %w", err)
		}
		if acfg.AltDA.Token = strings.TrimSpace(string(b)); acfg.AltDA.Token == "" {
			return acfg, fmt.Errorf("--altda-token-file %s is empty", a.altdaToken)
		}
	}
	return acfg, nil
}

// dialCoreAPI dials the validator's core API the adapter submits through.
func dialCoreAPI(addr string) (*coreapi.Client, error) {
	if addr == "" {
		return nil, errors.New("adapter: posting blobs needs the validator's core API: pass --core-grpc (its rpc.grpc_listen_address, 127.0.0.1:26659 by default)")
	}
	mp, err := coreapi.Dial(addr)
	if err != nil {
		return nil, fmt.Errorf("adapter: %w", err)
	}
	return mp, nil
}

// startAdapter starts the rollup adapter on a running bridge full node:
// JSON-RPC server, Alt-DA server and DAC member as configured. It returns
// the function that stops them (DAC, Alt-DA, RPC, adapter, submitters, in
// that order; the full node is stopped by the caller afterwards) and the
// lines describing the endpoints.
func startAdapter(ctx context.Context, node *fullnode.Node, coreRPC, coreGRPC string, log *slog.Logger, reg *prometheus.Registry, home string, af adapterFlags) (stop func(), lines []string, err error) {
	if af.rpcAddr == "" {
		return func() {}, nil, nil
	}
	var stops []func()
	stopAll := func() {
		for i := len(stops) - 1; i >= 0; i-- {
			stops[i]()
		}
	}
	// On error, undo what was started: the deferred call uses stopAll, not
	// the named result stop, which every error return sets to nil.
	defer func() {
		if err != nil {
			stopAll()
		}
	}()
	core, err := cmthttp.New(coreRPC, "/websocket")
	if err != nil {
		return nil, nil, fmt.Errorf("adapter: consensus RPC %s: %w", coreRPC, err)
	}
	maxSq, err := queryMaxSquareSize(ctx, core)
	if err != nil {
		return nil, nil, err
	}
	mp, err := dialCoreAPI(coreGRPC)
	if err != nil {
		return nil, nil, err
	}
	stops = append(stops, func() { mp.Close() })
	// Poll for inclusion every 50 ms: a rollup's blob.Submit returns only once
	// its blob is in a block, so the poll interval adds to every call's
	// latency (200 ms, the queue default, was a third of a 300 ms block).
	subs := wallet.NewSubmitters(ctx, core, mp, log, 50*time.Millisecond)
	stops = append(stops, subs.Stop)
	bn, err := rollupadapter.NewBridgeNode(rollupadapter.BridgeNodeConfig{
		Store: node.Store(), Chain: core, Submitters: subs,
		Keys: wallet.NewKeyring(home), DefaultKey: af.key,
	})
	if err != nil {
		return nil, nil, err
	}
	acfg, err := af.adapterConfig(maxSq)
	if err != nil {
		return nil, nil, err
	}
	ad, err := rollupadapter.New(acfg, bn, log)
	if err != nil {
		return nil, nil, err
	}
	stops = append(stops, ad.Close)
	rpcStop, line, err := startAdapterRPC(ctx, ad, log, reg, home, af)
	if err != nil {
		return nil, nil, err
	}
	stops = append(stops, rpcStop)
	lines = append(lines, line)
	if af.altda == "" && af.dac == "" {
		return stopAll, lines, nil
	}
	// Synced writes: a DAC member answers for every batch it signed and the
	// Alt-DA server for every commitment it returned, so an index entry
	// must survive a SIGKILL the moment the caller has its answer (without
	// sync, bench soak lost 337 of 759 signed DAC batches to bridge kills).
	ds, err := pebbleds.NewDatastore(filepath.Join(home, adapterDataDir), pebbleds.WithPebbleWriteOptions(pebble.Sync))
	if err != nil {
		return nil, nil, fmt.Errorf("adapter: open %s: %w", filepath.Join(home, adapterDataDir), err)
	}
	stops = append(stops, func() { _ = ds.Close() })
	if af.altda != "" {
		alt, err := rollupadapter.NewAltDAServer(ad, ds, log)
		if err != nil {
			return nil, nil, err
		}
		if err := alt.Start(ctx, af.altda); err != nil {
			return nil, nil, err
		}
		stops = append(stops, stopWithin(alt.Stop))
		lines = append(lines, fmt.Sprintf("alt-da: http://%s", alt.Addr()))
	}
	if af.dac != "" {
		dacStop, line, err := startDACMember(ctx, ad, ds, log, home, af)
		if err != nil {
			return nil, nil, err
		}
		stops = append(stops, dacStop)
		lines = append(lines, line)
	}
	return stopAll, lines, nil
}

// startAdapterRPC serves the adapter's JSON-RPC API (the Celestia-style and
// go-da modules) on af.rpcAddr, with the tokens of home's secret.
func startAdapterRPC(ctx context.Context, ad *rollupadapter.Adapter, log *slog.Logger, reg *prometheus.Registry, home string, af adapterFlags) (stop func(), line string, err error) {
	secret, err := rpc.LoadOrCreateSecret(filepath.Join(home, rpc.SecretFile))
	if err != nil {
		return nil, "", err
	}
	rcfg := rpc.DefaultConfig()
	rcfg.ListenAddr = af.rpcAddr
	rcfg.RateLimit = af.rateLimit
	opts := append([]rpc.Option{rpc.WithLogger(log), rpc.WithRegistry(reg),
		rpc.WithHealth(func(ctx context.Context) error { _, err := ad.LocalHead(ctx); return err })},
		rollupadapter.RPCOptions()...)
	srv, err := rpc.NewServer(rcfg, secret, opts...)
	if err != nil {
		return nil, "", err
	}
	if err := ad.Register(srv); err != nil {
		return nil, "", err
	}
	if err := srv.Start(ctx); err != nil {
		return nil, "", err
	}
	return stopWithin(srv.Stop), fmt.Sprintf("adapter json-rpc: http://%s (tokens: quadrant auth read|write|admin --home %s)", srv.Addr(), home), nil
}

// stopWithin returns a function that calls stop with a 10 s deadline.
func stopWithin(stop func(context.Context) error) func() {
	return func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = stop(ctx)
	}
}

// queryMaxSquareSize reads the chain's max_square_size parameter.
func queryMaxSquareSize(ctx context.Context, core wallet.ChainClient) (int, error) {
	var lastErr error
	for range 50 {
		rctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		res, err := core.ABCIQuery(rctx, "/params", nil)
		cancel()
		if err == nil && res.Response.Code == 0 {
			var p struct {
				MaxSquareSize int `json:"max_square_size"`
			}
			if err := json.Unmarshal(res.Response.Value, &p); err != nil || p.MaxSquareSize < 1 {
				return 0, fmt.Errorf("adapter: query /params: bad max_square_size in %q", res.Response.Value)
			}
			return p.MaxSquareSize, nil
		}
		lastErr = err
		if err == nil {
			lastErr = fmt.Errorf("code %d: %s", res.Response.Code, res.Response.Log)
		}
		select {
		case <-ctx.Done():
			return 0, ctx.Err()
		case <-time.After(200 * time.Millisecond):
		}
	}
	return 0, fmt.Errorf("adapter: query /params: %w", lastErr)
}

// setupDevnetAdapter prepares a new devnet's bridge for the adapter: the
// funded adapter key (returned as a genesis account), the JWT secret and
// <devnet home>/tokens/{read,write,admin}, the DAC member key with
// <devnet home>/dac/member.address, and <devnet home>/dac/sequencer.key.
func setupDevnetAdapter(devnetHome, bridgeHome string) (consensus.GenesisAccount, error) {
	key, err := wallet.NewKeyring(bridgeHome).Add("adapter", wallet.KeyTypeSecp256k1)
	if err != nil {
		return consensus.GenesisAccount{}, err
	}
	secret, err := rpc.LoadOrCreateSecret(filepath.Join(bridgeHome, rpc.SecretFile))
	if err != nil {
		return consensus.GenesisAccount{}, err
	}
	if err := os.MkdirAll(filepath.Join(devnetHome, "tokens"), 0o700); err != nil {
		return consensus.GenesisAccount{}, err
	}
	for _, level := range []string{"read", "write", "admin"} {
		tok, err := authToken(secret, level)
		if err != nil {
			return consensus.GenesisAccount{}, err
		}
		if err := os.WriteFile(filepath.Join(devnetHome, "tokens", level), []byte(tok+"\n"), 0o600); err != nil {
			return consensus.GenesisAccount{}, err
		}
	}
	member, err := rollupadapter.LoadOrCreateEthKey(filepath.Join(bridgeHome, dacMemberKeyFile))
	if err != nil {
		return consensus.GenesisAccount{}, err
	}
	if _, err := rollupadapter.LoadOrCreateEthKey(filepath.Join(devnetHome, dacSequencerFile)); err != nil {
		return consensus.GenesisAccount{}, err
	}
	if err := os.WriteFile(filepath.Join(devnetHome, dacMemberAddr), []byte(member.Address().Hex()+"\n"), 0o644); err != nil {
		return consensus.GenesisAccount{}, err
	}
	return consensus.GenesisAccount{Address: key.Address().String(), Balance: faucetBalance}, nil
}

// devnetAdapterBanner returns the devnet banner lines of the adapter.
func devnetAdapterBanner(home string, a adapterFlags) []string {
	if a.rpcAddr == "" {
		return nil
	}
	out := []string{
		fmt.Sprintf("adapter      json-rpc http://%s  tokens %s/{read,write,admin}", a.rpcAddr, filepath.Join(home, "tokens")),
	}
	if a.altda != "" {
		out = append(out, fmt.Sprintf("alt-da       http://%s", a.altda))
	}
	if a.dac != "" {
		out = append(out, fmt.Sprintf("dac          http://%s  member %s  sequencer key %s", a.dac, filepath.Join(home, dacMemberAddr), filepath.Join(home, dacSequencerFile)))
	}
	return out
}
