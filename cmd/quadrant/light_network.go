package main

import (
	"github.com/spf13/pflag"

	"github.com/quadrant-da/quadrant/lightnode"
	"github.com/quadrant-da/quadrant/manifest"
)

// applyNetwork sets cfg's chain id, bootstrap peers, trusted checkpoint
// and unbonding and trusting periods from the network manifest at path (nothing when path
// is empty). A flag given on the command line wins over the manifest; the
// manifest wins over light.toml.
func applyNetwork(cfg *lightnode.Config, path string, fl *pflag.FlagSet) error {
	if path == "" {
		return nil
	}
	j, err := joinNetwork(path)
	if err != nil {
		return err
	}
	if !fl.Changed("chain-id") {
		cfg.ChainID = j.ChainID
	}
	if !fl.Changed("trusted-height") && !fl.Changed("trusted-hash") {
		cfg.TrustedHeight, cfg.TrustedHash = j.TrustedHeight, j.TrustedHash
	}
	if !fl.Changed("unbonding-period") {
		cfg.UnbondingPeriod = j.UnbondingPeriod
	}
	if !fl.Changed("trusting-period") {
		cfg.TrustingPeriod = j.TrustingPeriod
	}
	if !fl.Changed("bootstrap") {
		cfg.P2P.Bootstrap = j.BootstrapAddrs
	}
	return nil
}

// joinNetwork loads the network manifest at path and returns what a node
// configures from it.
func joinNetwork(path string) (manifest.Join, error) {
	m, err := manifest.Load(path)
	if err != nil {
		return manifest.Join{}, err
	}
	return m.Join()
}
