package main

import (
	"fmt"
	"net/url"
	"path/filepath"
	"strconv"

	"github.com/quadrant-da/quadrant/lightnode"
)

// devnetLight is the devnet's light node: it follows the bridge full node,
// anchored at height 1 whose hash it reads from validator 0's RPC, and
// serves JSON-RPC on base+12 (127.0.0.1:26668 with the default ports, where
// celestia-node users expect a node's RPC); devnetPorts keeps that port free.
// Its unbonding period is the devnet's (5 minutes, devnetUnbonding) and its
// trusting period two thirds of it (200 s), as for a node joining with the
// devnet's manifest. Its Prometheus metrics are on base+10N+7 for N
// validators (127.0.0.1:26703 with the defaults), beside the bridge's
// base+10N+5.
type devnetLight struct {
	name, home, log, rpcAddr, metricsAddr string
	args                                  []string
}

// devnetLightNode returns the light node of m, or false when the devnet has
// no full node to follow.
func devnetLightNode(m *devnetManifest) (devnetLight, bool) {
	if len(m.FullNodes) == 0 || len(m.Validators) == 0 {
		return devnetLight{}, false
	}
	u, err := url.Parse(m.Validators[0].RPC)
	if err != nil {
		return devnetLight{}, false
	}
	port, err := strconv.Atoi(u.Port())
	if err != nil {
		return devnetLight{}, false
	}
	fm, err := url.Parse(m.FullNodes[0].Metrics)
	if err != nil {
		return devnetLight{}, false
	}
	bridgeMetrics, err := strconv.Atoi(fm.Port())
	if err != nil {
		return devnetLight{}, false
	}
	home := filepath.Join(filepath.Dir(m.Validators[0].Home), "light")
	l := devnetLight{
		name:        "light",
		home:        home,
		log:         filepath.Join(home, "node.log"),
		rpcAddr:     fmt.Sprintf("127.0.0.1:%d", port-1+12), // validator 0's RPC is base+1
		metricsAddr: fmt.Sprintf("127.0.0.1:%d", bridgeMetrics+2),
	}
	l.args = []string{"light", "--home", home, "--chain-id", m.ChainID,
		"--bootstrap", devnetFullAddrs(m),
		"--trusted-height", "1", "--trusted-rpc", m.Validators[0].RPC,
		"--unbonding-period", devnetUnbonding.String(),
		"--trusting-period", lightnode.DefaultTrustingPeriod(devnetUnbonding).String(),
		"--p2p-listen", "/ip4/127.0.0.1/tcp/0",
		"--rpc-addr", l.rpcAddr, "--metrics-addr", l.metricsAddr}
	return l, true
}

// devnetFullAddrs is the peer address of every devnet full node (the
// bridge first), comma-separated: the light node samples from all of them.
func devnetFullAddrs(m *devnetManifest) string {
	addrs := make([]string, len(m.FullNodes))
	for i, f := range m.FullNodes {
		addrs[i] = f.PeerAddress
	}
	return joinComma(addrs)
}
