package main

import (
	"fmt"
	"path/filepath"

	"github.com/quadrant-da/quadrant/fullnode"
	"github.com/quadrant-da/quadrant/validator"
)

// devnetFull is a full node of a devnet, as recorded in devnet.json.
type devnetFull struct {
	Name string `json:"name"`
	Home string `json:"home"`
	Mode string `json:"mode"`
	// PeerAddress is its libp2p address (TCP) with /p2p/<id>, to give other
	// nodes as a bootstrap peer.
	PeerAddress string `json:"peer_address"`
	CoreRPC     string `json:"core_rpc,omitempty"`
	CoreGRPC    string `json:"core_grpc,omitempty"`
	Metrics     string `json:"metrics"`
	Log         string `json:"log"`
	// TrustedRPC, for a p2p-mode node, is the consensus node whose hash of
	// height 1 it trusts (the devnet's checkpoint, read at each start).
	TrustedRPC string `json:"trusted_rpc,omitempty"`
	// FaultWithhold, when set, runs the node with --fault-withhold: it is
	// dishonest on purpose (bench soak --withhold).
	FaultWithhold string `json:"fault_withhold,omitempty"`
}

// devnetFullPorts returns the libp2p port (TCP and QUIC) and metrics port
// of the devnet's i-th full node (0: the bridge): it takes the i-th slot
// after the last validator, base+10(N+i) and base+10(N+i)+5 for N
// validators.
func devnetFullPorts(base, validators, i int) (p2pPort, metrics int) {
	return base + 10*(validators+i), base + 10*(validators+i) + 5
}

// maxDevnetFullNodes bounds --full-nodes.
const maxDevnetFullNodes = 16

// checkFullNodes checks FullNodes and Withhold, and makes a FullNodes of
// 0 (options built in code) 1.
func (o *devnetOptions) checkFullNodes() error {
	if o.FullNodes == 0 {
		o.FullNodes = 1
	}
	if o.FullNodes < 1 || o.FullNodes > maxDevnetFullNodes {
		return fmt.Errorf("--full-nodes %d: want 1..%d", o.FullNodes, maxDevnetFullNodes)
	}
	if o.Withhold == "" {
		return nil
	}
	if o.FullNodes < 2 {
		return fmt.Errorf("withholding replaces a p2p full node: it needs --full-nodes ≥ 2 (the bridge stays honest), not %d", o.FullNodes)
	}
	if _, err := fullnode.ParseWithhold(o.Withhold); err != nil {
		return err
	}
	return nil
}

// createDevnetFullNodes writes the homes of the devnet's full nodes and
// records them in m: the bridge and o.FullNodes-1 (at least 0) p2p-mode
// full nodes (<home>/full-I) following it, trusting validator 0's hash of
// height 1; with o.Withhold the last of them withholds on purpose.
func createDevnetFullNodes(o devnetOptions, m *devnetManifest) error {
	bridge, err := createDevnetBridge(o.Home, o.ChainID, m.Validators[0].RPC, o.BasePort, o.Validators)
	if err != nil {
		return err
	}
	m.FullNodes = append(m.FullNodes, bridge)
	for i := 1; i < o.FullNodes; i++ {
		f, err := createDevnetP2PFull(o, i, bridge.PeerAddress, m.Validators[0].RPC)
		if err != nil {
			return err
		}
		if i == o.FullNodes-1 {
			f.FaultWithhold = o.Withhold
		}
		m.FullNodes = append(m.FullNodes, f)
	}
	return nil
}

// createDevnetP2PFull writes the home of the devnet's i-th full node
// (i ≥ 1), in p2p mode with the bridge as its bootstrap peer.
func createDevnetP2PFull(o devnetOptions, i int, bridgeAddr, trustedRPC string) (devnetFull, error) {
	p2pPort, metricsPort := devnetFullPorts(o.BasePort, o.Validators, i)
	name := fmt.Sprintf("full-%d", i)
	dir := filepath.Join(o.Home, name)
	cfg := fullnode.DefaultConfig()
	cfg.Mode = fullnode.ModeP2P
	cfg.ChainID = o.ChainID
	cfg.P2P.Bootstrap = []string{bridgeAddr}
	cfg.P2P.ListenAddrs = []string{
		fmt.Sprintf("/ip4/127.0.0.1/tcp/%d", p2pPort),
		fmt.Sprintf("/ip4/127.0.0.1/udp/%d/quic-v1", p2pPort),
	}
	cfg.Metrics.ListenAddress = fmt.Sprintf("127.0.0.1:%d", metricsPort)
	// The trusted hash is read from trustedRPC at each start (block 1 does
	// not exist yet); everything else must already be valid.
	check := cfg
	check.TrustFirstPeer = true
	if err := check.Validate(); err != nil {
		return devnetFull{}, err
	}
	f, err := saveDevnetFull(name, dir, cfg)
	f.TrustedRPC = trustedRPC
	return f, err
}

// saveDevnetFull writes a devnet full node's config into dir and returns
// its manifest entry: name, home, mode, peer address, metrics and log.
func saveDevnetFull(name, dir string, cfg fullnode.Config) (devnetFull, error) {
	if err := fullnode.SaveConfig(dir, cfg); err != nil {
		return devnetFull{}, err
	}
	addrs, _, err := peerAddrs(dir, cfg)
	if err != nil {
		return devnetFull{}, err
	}
	return devnetFull{
		Name: name, Home: dir, Mode: string(cfg.Mode), PeerAddress: addrs[0],
		Metrics: "http://" + cfg.Metrics.ListenAddress + "/metrics",
		Log:     filepath.Join(dir, "node.log"),
	}, nil
}

// createDevnetBridge writes the home of the devnet's bridge full node
// (<devnet home>/bridge), attached to validator 0's RPC and fetching
// blocks from its gRPC block service, listening on 127.0.0.1.
func createDevnetBridge(home, chainID, coreRPC string, base, validators int) (devnetFull, error) {
	p2pPort, metricsPort := devnetFullPorts(base, validators, 0)
	dir := filepath.Join(home, "bridge")
	cfg := fullnode.DefaultConfig()
	cfg.Mode = fullnode.ModeBridge
	cfg.ChainID = chainID
	cfg.Bridge.CoreRPC = coreRPC
	_, rpc0, _ := devnetPorts(base, 0)
	cfg.Bridge.CoreGRPC = fmt.Sprintf("127.0.0.1:%d", validator.LoopbackGRPCPort(rpc0))
	cfg.P2P.ListenAddrs = []string{
		fmt.Sprintf("/ip4/127.0.0.1/tcp/%d", p2pPort),
		fmt.Sprintf("/ip4/127.0.0.1/udp/%d/quic-v1", p2pPort),
	}
	cfg.Metrics.ListenAddress = fmt.Sprintf("127.0.0.1:%d", metricsPort)
	if err := cfg.Validate(); err != nil {
		return devnetFull{}, err
	}
	f, err := saveDevnetFull("bridge", dir, cfg)
	f.CoreRPC, f.CoreGRPC = coreRPC, cfg.Bridge.CoreGRPC
	return f, err
}

// fullNodeArgs are the arguments that run a devnet full node as a child:
// the bridge with the rollup adapter's flags, a p2p-mode node with its
// checkpoint source and, if it withholds on purpose, its fault.
func fullNodeArgs(f devnetFull, af adapterFlags) []string {
	if f.Mode != string(fullnode.ModeP2P) {
		return append([]string{"full", "--home", f.Home}, af.args(filepath.Dir(f.Home))...)
	}
	args := []string{"full", "--home", f.Home, "--trusted-height", "1", "--trusted-rpc", f.TrustedRPC}
	if f.FaultWithhold != "" {
		args = append(args, "--fault-withhold", f.FaultWithhold)
	}
	return args
}
