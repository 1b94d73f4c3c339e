package main

import (
	"errors"
	"fmt"

	"github.com/spf13/pflag"

	"github.com/quadrant-da/quadrant/fullnode"
	"github.com/quadrant-da/quadrant/manifest"
)

// applyFullNetwork sets cfg's chain id and bootstrap peers from the network
// manifest at path and, in p2p mode, its trusted checkpoint (nothing when
// path is empty). A flag given on the command line wins over the
// manifest; the manifest wins over fullnode.toml. A bridge node trusts its
// own consensus node, so it takes no checkpoint.
func applyFullNetwork(cfg *fullnode.Config, path string, fl *pflag.FlagSet) error {
	if path == "" {
		return nil
	}
	j, err := joinNetwork(path)
	if errors.Is(err, manifest.ErrCheckpoint) {
		return fmt.Errorf("%w; a full node never trusts the first peer it meets: fix the manifest's trusted_checkpoint, "+
			"or pass --trusted-height H --trusted-hash HASH of a block you trust with a manifest that has one", err)
	}
	if err != nil {
		return err
	}
	if !fl.Changed("chain-id") {
		cfg.ChainID = j.ChainID
	}
	if !fl.Changed("bootstrap") {
		cfg.P2P.Bootstrap = j.BootstrapAddrs
	}
	if cfg.Mode == fullnode.ModeP2P && !fl.Changed("trusted-height") && !fl.Changed("trusted-hash") {
		cfg.Sync.TrustedHeight, cfg.Sync.TrustedHash = j.TrustedHeight, j.TrustedHash
	}
	return nil
}

// needCheckpoint refuses a p2p-mode configuration with no trusted
// checkpoint (unless trust_first_peer was chosen explicitly), saying what
// to pass: the node would otherwise have nothing to check the first
// header a peer gives it against.
func needCheckpoint(cfg fullnode.Config) error {
	if cfg.Mode != fullnode.ModeP2P || cfg.Sync.TrustedHash != "" || cfg.TrustFirstPeer {
		return nil
	}
	return fmt.Errorf("%w: p2p mode needs a trusted checkpoint and none was given: pass --network FILE (a network manifest with a trusted_checkpoint), "+
		"or --trusted-height H --trusted-hash HASH of a block you trust (from a block explorer or a node you run); "+
		"--trust-first-peer accepts whatever the first peer serves and is not recommended", fullnode.ErrConfig)
}
