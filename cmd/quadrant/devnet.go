package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"

	"github.com/quadrant-da/quadrant/chain"
	"github.com/quadrant-da/quadrant/consensus"
	"github.com/quadrant-da/quadrant/validator"
	"github.com/quadrant-da/quadrant/wallet"
)

// devnetManifest is <devnet home>/devnet.json: what `quadrant devnet` created.
type devnetManifest struct {
	ChainID    string         `json:"chain_id"`
	Faucet     string         `json:"faucet_address"`
	FaucetKey  string         `json:"faucet_key"`
	Validators []devnetMember `json:"validators"`
	BlockTime  jsonDuration   `json:"block_time"`
	Params     chain.Params   `json:"params"`
	// FullNodes are the devnet's full nodes (one bridge on validator 0).
	FullNodes []devnetFull `json:"full_nodes,omitempty"`
}

type devnetMember struct {
	Name    string `json:"name"`
	Home    string `json:"home"`
	NodeID  string `json:"node_id"`
	RPC     string `json:"rpc"`
	GRPC    string `json:"grpc"` // core API (blocks, binary submission), host:port
	P2P     string `json:"p2p"`
	Account string `json:"account"`
	Log     string `json:"log"`
}

type jsonDuration time.Duration

func (d jsonDuration) MarshalText() ([]byte, error) { return []byte(time.Duration(d).String()), nil }
func (d *jsonDuration) UnmarshalText(b []byte) error {
	v, err := time.ParseDuration(string(b))
	*d = jsonDuration(v)
	return err
}

func manifestPath(home string) string { return filepath.Join(home, "devnet.json") }

// devnetPorts returns validator i's P2P, RPC and metrics ports: base+10i,
// base+10i+1, base+10i+5 (so with the default base 26656, validator 0's RPC
// is 26657); its core API (blocks for the bridge, binary submission) is on
// base+10i+3 (validator.LoopbackGRPCPort of the RPC port). The offsets +2
// and +12 are left free: base+2 is the rollup adapter's JSON-RPC (26658)
// and base+12 the light node's (26668), the ports celestia-node users
// already know.
func devnetPorts(base, i int) (p2p, rpc, metrics int) {
	return base + 10*i, base + 10*i + 1, base + 10*i + 5
}

type devnetOptions struct {
	Home          string
	Validators    int
	BlockTime     time.Duration
	BasePort      int
	ChainID       string
	MaxSquareSize int
	// TimeoutPropose overrides the derived propose timeout when > 0.
	TimeoutPropose time.Duration
	// Mempool is the validators' mempool.type ("" keeps the default).
	Mempool string
	// FullNodes is how many full nodes run: the bridge and FullNodes-1
	// p2p-mode full nodes following it (0 means 1: the bridge alone).
	FullNodes int
	// Withhold, when set, is the --fault-withhold spec of the last p2p-mode
	// full node (fault injection: bench soak --withhold); it needs
	// FullNodes ≥ 2.
	Withhold string
}

// devnetUnbondingSeconds is a devnet's unbonding period: 5 minutes.
const devnetUnbondingSeconds = 300

// devnetSnapshotInterval is how many heights apart devnet validators take
// state-sync snapshots.
const devnetSnapshotInterval = 50

// devnetDataCommitmentWindow is a devnet's attestation window in heights.
const devnetDataCommitmentWindow = 10

// createDevnet writes the homes of a new devnet: one per validator, a shared
// genesis with every validator and a funded faucet account whose key is
// written to <home>/keys/faucet.json, and the manifest.
func createDevnet(o devnetOptions) (*devnetManifest, error) {
	if o.Validators < 1 || o.Validators > 64 {
		return nil, fmt.Errorf("--validators %d: want 1..64", o.Validators)
	}
	if err := o.checkFullNodes(); err != nil {
		return nil, err
	}
	if o.BasePort < 1024 || o.BasePort+10*(o.Validators+o.FullNodes) > 65535 {
		return nil, fmt.Errorf("--base-port %d: the ports base..base+10×(validators+full nodes) must lie in 1024..65535", o.BasePort)
	}
	if err := os.MkdirAll(o.Home, 0o700); err != nil {
		return nil, err
	}
	m := &devnetManifest{ChainID: o.ChainID, BlockTime: jsonDuration(o.BlockTime)}
	infos, err := initDevnetValidators(o)
	if err != nil {
		return nil, err
	}
	faucet, err := wallet.NewKeyring(o.Home).Add("faucet", wallet.KeyTypeSecp256k1)
	if err != nil {
		return nil, err
	}
	app := consensus.DefaultGenesisState()
	app.Params.MaxSquareSize = o.MaxSquareSize
	app.Accounts = append(app.Accounts, consensus.GenesisAccount{Address: faucet.Address().String(), Balance: faucetBalance})
	adapterAcct, err := setupDevnetAdapter(o.Home, filepath.Join(o.Home, "bridge"))
	if err != nil {
		return nil, err
	}
	app.Accounts = append(app.Accounts, adapterAcct)
	// A devnet's clock runs in minutes: undelegated stake unlocks after 5
	// minutes, a validator jailed for downtime may unjail after 1.
	app.Staking.Params.UnbondingSeconds = devnetUnbondingSeconds
	app.Staking.Params.DowntimeJailSeconds = 60
	// Attestations every 10 heights, so a relay has something to carry
	// within a minute or so.
	app.Attestation.DataCommitmentWindow = devnetDataCommitmentWindow
	for _, info := range infos {
		app.Staking.Validators = append(app.Staking.Validators, info.genesisValidator(app.Staking.Params))
		app.Accounts = append(app.Accounts, consensus.GenesisAccount{Address: info.Account.Address().String(), Balance: defaultAccountBalance})
	}
	doc, err := validator.NewGenesisDoc(o.ChainID, time.Now(), nil, app)
	if err != nil {
		return nil, err
	}
	for i, info := range infos {
		var peers []string
		for j, other := range infos {
			if j != i {
				peers = append(peers, other.peerAddress())
			}
		}
		info.Config.P2P.PersistentPeers = joinComma(peers)
		if err := validator.SaveNodeConfig(info.Home, info.Config); err != nil {
			return nil, err
		}
		if err := validator.WriteGenesis(info.Home, doc); err != nil {
			return nil, err
		}
		m.Validators = append(m.Validators, devnetMember{
			Name: info.Config.Moniker, Home: info.Home, NodeID: info.NodeID,
			RPC:     "http://" + stripScheme(info.Config.RPC.ListenAddress),
			GRPC:    stripScheme(info.Config.RPC.GRPCListenAddress),
			P2P:     stripScheme(info.Config.P2P.ListenAddress),
			Account: info.Account.Address().String(),
			Log:     filepath.Join(info.Home, "node.log"),
		})
	}
	m.Faucet = faucet.Address().String()
	m.FaucetKey = filepath.Join(wallet.KeysDir(o.Home), "faucet.json")
	m.Params = app.Params
	if err := createDevnetFullNodes(o, m); err != nil {
		return nil, err
	}
	b, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return nil, err
	}
	if err := os.WriteFile(manifestPath(o.Home), append(b, '\n'), 0o644); err != nil {
		return nil, err
	}
	return m, nil
}

// initDevnetValidators creates the home of each devnet validator, with its
// loopback ports, core API, and devnet snapshot cadence.
func initDevnetValidators(o devnetOptions) ([]*homeInfo, error) {
	infos := make([]*homeInfo, o.Validators)
	for i := range infos {
		p2p, rpc, metrics := devnetPorts(o.BasePort, i)
		name := fmt.Sprintf("validator-%d", i)
		cfg := validator.LoopbackConfig(name, p2p, rpc, metrics, o.BlockTime)
		// The core API: the bridge fetches blocks and clients submit
		// transactions over it.
		cfg.RPC.GRPCListenAddress = fmt.Sprintf("tcp://127.0.0.1:%d", validator.LoopbackGRPCPort(rpc))
		if o.TimeoutPropose > 0 {
			cfg.Consensus.TimeoutPropose = o.TimeoutPropose
		}
		if o.Mempool != "" {
			cfg.Mempool.Type = o.Mempool
		}
		// Snapshots often enough that a node can join by state sync within
		// a minute of the devnet's start (production: every 1000 heights).
		cfg.Storage.SnapshotInterval = devnetSnapshotInterval
		info, err := initHome(filepath.Join(o.Home, name), cfg, "validator", wallet.KeyTypeSecp256k1)
		if err != nil {
			return nil, err
		}
		infos[i] = info
	}
	return infos, nil
}

func joinComma(s []string) string {
	out := ""
	for i, p := range s {
		if i > 0 {
			out += ","
		}
		out += p
	}
	return out
}

func loadManifest(home string) (*devnetManifest, error) {
	b, err := os.ReadFile(manifestPath(home))
	if err != nil {
		return nil, err
	}
	var m devnetManifest
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("%s: %w", manifestPath(home), err)
	}
	return &m, nil
}

func newDevnetCmd() *cobra.Command {
	var (
		o        devnetOptions
		initOnly bool
		reset    bool
		af       adapterFlags
	)
	cmd := &cobra.Command{
		Use:   "devnet",
		Short: "Create and run a local network of validators on 127.0.0.1",
		Long: `devnet creates (first run) or reuses (later runs) a local network under --home:
one home per validator (validator-N/), a genesis shared by all, and a funded
faucet account whose key is <home>/keys/faucet.json. It then starts every
validator as a child process ('quadrant validator --home <home>/validator-N',
logs in <home>/validator-N/node.log), prints their endpoints and runs until
Ctrl-C, which stops them all cleanly. A node that dies is reported and
restarted (after 0.5 s, doubling up to 10 s) while the others keep running;
the devnet gives up, stopping every node, only when one dies 5 times within
a minute.

Ports: validator N listens for P2P on base+10N, CometBFT RPC on base+10N+1
(so validator 0's RPC is 127.0.0.1:26657 with the default --base-port 26656),
Quadrant's core API (gRPC: blocks, binary transaction submission) on
base+10N+3 and CometBFT metrics (when enabled) on base+10N+5. A bridge full
node ('quadrant full --home <home>/bridge', log <home>/bridge/node.log)
follows validator 0, fetching blocks from its core API; with V validators its libp2p address is
127.0.0.1:base+10V (TCP and QUIC) and its metrics 127.0.0.1:base+10V+5. Its
peer address is printed. With --full-nodes N, N-1 more full nodes in p2p mode
('quadrant full --home <home>/full-I') follow the bridge, trusting validator
0's block 1, on the next port slots (base+10(V+I), metrics +5). It runs the rollup adapter (JSON-RPC 127.0.0.1:26658, Alt-DA
127.0.0.1:3100). A light node follows the bridge with its JSON-RPC on
127.0.0.1:base+12 (26668 by default).`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			out := cmd.OutOrStdout()
			if err := os.MkdirAll(filepath.Dir(filepath.Clean(o.Home)), 0o700); err != nil {
				return err
			}
			release, err := lockDevnet(o.Home)
			if err != nil {
				return err
			}
			defer release()
			if reset {
				if err := os.RemoveAll(o.Home); err != nil {
					return err
				}
			}
			m, err := loadManifest(o.Home)
			switch {
			case errors.Is(err, fs.ErrNotExist):
				if m, err = createDevnet(o); err != nil {
					return err
				}
				fmt.Fprintf(out, "created devnet %q with %d validators in %s\n", m.ChainID, len(m.Validators), o.Home)
			case err != nil:
				return err
			default:
				if cmd.Flags().Changed("validators") && o.Validators != len(m.Validators) {
					return fmt.Errorf("%s holds a devnet of %d validators, not %d: use --reset to recreate it", o.Home, len(m.Validators), o.Validators)
				}
				if cmd.Flags().Changed("full-nodes") && o.FullNodes != len(m.FullNodes) {
					return fmt.Errorf("%s holds a devnet of %d full nodes, not %d: use --reset to recreate it", o.Home, len(m.FullNodes), o.FullNodes)
				}
				for _, v := range m.Validators {
					if err := validator.CheckEngine(v.Home); err != nil {
						return err
					}
				}
				fmt.Fprintf(out, "reusing devnet %q in %s\n", m.ChainID, o.Home)
			}
			if initOnly {
				return nil
			}
			return runDevnet(cmd.Context(), out, m, af)
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.Home, "home", defaultHome("devnet"), "devnet directory")
	f.IntVar(&o.Validators, "validators", 4, "number of validators")
	f.IntVar(&o.FullNodes, "full-nodes", 1, "number of full nodes: the bridge, and N-1 full nodes in p2p mode (<home>/full-I) that follow it, trusting validator 0's block 1, each in the next port slot (libp2p base+10(V+I), metrics +5)")
	f.DurationVar(&o.BlockTime, "block-time", time.Second, "block time of every validator")
	f.IntVar(&o.BasePort, "base-port", 26656, "first port; validator N uses base+10N (P2P), +1 (RPC), +5 (metrics); the light node base+12")
	f.StringVar(&o.ChainID, "chain-id", "quadrant-devnet", "chain id")
	f.IntVar(&o.MaxSquareSize, "max-square-size", chain.DefaultMaxSquareSize, "largest original square width k (power of two ≤ 256)")
	f.DurationVar(&o.TimeoutPropose, "timeout-propose", 0, "how long validators wait for a proposal (default max(1s, 3×block time); raise for k=256 squares)")
	f.BoolVar(&initOnly, "init-only", false, "create the homes and exit without starting anything")
	f.BoolVar(&reset, "reset", false, "delete --home first and create a fresh devnet")
	af.registerListen(f)
	return cmd
}

// runDevnet starts one child process per node and supervises them until
// ctx ends: a node that dies is reported and restarted with backoff while
// the others keep running; one that keeps dying (devnetRestartPolicy) ends
// the devnet with an error. Either way every node is then stopped.
func runDevnet(ctx context.Context, out io.Writer, m *devnetManifest, af adapterFlags) error {
	d, err := startDevnetProcs(m, af)
	if err != nil {
		return err
	}
	for _, v := range m.Validators {
		fmt.Fprintf(out, "%-12s rpc %-24s p2p %-18s node %s  log %s\n", v.Name, v.RPC, v.P2P, v.NodeID, v.Log)
	}
	for _, f := range m.FullNodes {
		on := f.CoreRPC
		if on == "" {
			on = "the bridge"
		}
		fault := ""
		if f.FaultWithhold != "" {
			fault = "  WITHHOLDING heights " + f.FaultWithhold + " on purpose"
		}
		fmt.Fprintf(out, "%-12s %s full node on %s, peer %s  metrics %s  log %s%s\n", f.Name, f.Mode, on, f.PeerAddress, f.Metrics, f.Log, fault)
	}
	if l, ok := devnetLightNode(m); ok {
		fmt.Fprintf(out, "%-12s light node, json-rpc http://%s  metrics http://%s/metrics  log %s\n", l.name, l.rpcAddr, l.metricsAddr, l.log)
	}
	for _, l := range devnetAdapterBanner(filepath.Dir(filepath.Dir(m.FaucetKey)), af) {
		fmt.Fprintln(out, l)
	}
	fmt.Fprintf(out, "faucet       %s (key %s)\n", m.Faucet, m.FaucetKey)
	fmt.Fprintf(out, "try:         quadrant blob submit --namespace myrollup --data 'hello' --node %s\n", m.Validators[0].RPC)
	fmt.Fprintln(out, "Ctrl-C stops the devnet.")
	pctx, stopProgress := context.WithCancel(ctx)
	progressDone := make(chan struct{})
	go func() {
		defer close(progressDone)
		if err := writeDevnetNetwork(pctx, out, m); err != nil && pctx.Err() == nil {
			fmt.Fprintf(out, "network manifest not written: %v\n", err)
		}
		devnetProgress(pctx, out, m)
	}()
	err = d.supervise(ctx, out, devnetRestartPolicy)
	stopProgress()
	<-progressDone
	fmt.Fprintln(out, "stopping devnet...")
	d.stop()
	fmt.Fprintln(out, "devnet stopped")
	return err
}
