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
}

// devnetFullPorts returns the libp2p port (TCP and QUIC) and metrics port
// of the devnet's bridge full node: it takes the slot after the last
// validator, base+10N and base+10N+5 for N validators.
func devnetFullPorts(base, validators int) (p2pPort, metrics int) {
	return base + 10*validators, base + 10*validators + 5
}

// createDevnetBridge writes the home of the devnet's bridge full node
// (<devnet home>/bridge), attached to validator 0's RPC and fetching
// blocks from its gRPC block service, listening on 127.0.0.1.
func createDevnetBridge(home, chainID, coreRPC string, base, validators int) (devnetFull, error) {
	p2pPort, metricsPort := devnetFullPorts(base, validators)
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
	if err := fullnode.SaveConfig(dir, cfg); err != nil {
		return devnetFull{}, err
	}
	addrs, _, err := peerAddrs(dir, cfg)
	if err != nil {
		return devnetFull{}, err
	}
	return devnetFull{
		Name: "bridge", Home: dir, Mode: string(cfg.Mode), PeerAddress: addrs[0], CoreRPC: coreRPC, CoreGRPC: cfg.Bridge.CoreGRPC,
		Metrics: "http://" + cfg.Metrics.ListenAddress + "/metrics",
		Log:     filepath.Join(dir, "node.log"),
	}, nil
}

// fullNodeArgs are the arguments that run a devnet full node as a child.
func fullNodeArgs(f devnetFull, af adapterFlags) []string {
	return append([]string{"full", "--home", f.Home}, af.args(filepath.Dir(f.Home))...)
}
