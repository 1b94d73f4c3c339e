package main

import (
	"context"
	"fmt"
	"io"
	"path/filepath"
	"time"

	"github.com/quadrant-da/quadrant/manifest"
)

// devnetUnbonding is the unbonding period the devnet's manifest states:
// its staking genesis's (devnetUnbondingSeconds, 5 minutes), so Join gives
// a light node joining with the manifest a 200 s trusting period.
const devnetUnbonding = devnetUnbondingSeconds * time.Second

// devnetNetworkPath is <devnet home>/network.json.
func devnetNetworkPath(m *devnetManifest) string {
	return filepath.Join(filepath.Dir(m.Validators[0].Home), manifest.FileName)
}

// writeDevnetNetwork waits for block 1, writes the devnet's network
// manifest (its full node as the bootstrap peer, block 1 as the trusted
// checkpoint) and prints the light-node command that joins with it. It
// returns early, writing nothing, when ctx ends or the devnet has no full
// node.
func writeDevnetNetwork(ctx context.Context, out io.Writer, m *devnetManifest) error {
	if len(m.FullNodes) == 0 || len(m.Validators) == 0 {
		return nil
	}
	hash, err := trustedHashFromRPC(ctx, m.Validators[0].RPC, 1)
	if err != nil {
		return err
	}
	nm := &manifest.Manifest{
		Version:         manifest.Version,
		ChainID:         m.ChainID,
		Bootstrap:       []string{m.FullNodes[0].PeerAddress},
		UnbondingPeriod: manifest.Duration(devnetUnbonding),
		Checkpoint:      manifest.Checkpoint{Height: 1, Hash: hash},
	}
	path := devnetNetworkPath(m)
	if err := manifest.Write(path, nm); err != nil {
		return err
	}
	fmt.Fprintf(out, "network      %s\n", path)
	fmt.Fprintf(out, "join:        quadrant light --home %s --network %s --rpc-addr 127.0.0.1:0\n",
		filepath.Join(filepath.Dir(path), "light2"), path)
	return nil
}
