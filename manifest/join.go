package manifest

import (
	"strings"
	"time"

	"github.com/libp2p/go-libp2p/core/peer"
)

// Join is what a node takes from a manifest.
type Join struct {
	ChainID string
	// Bootstrap are the entry points grouped by peer, for discovery.Config.
	Bootstrap []peer.AddrInfo
	// BootstrapAddrs are the same addresses as strings, for p2p.Config.
	BootstrapAddrs []string
	// TrustedHeight and TrustedHash anchor a new light node's header
	// verification (lightnode.Config's TrustedHeight and TrustedHash).
	TrustedHeight uint64
	TrustedHash   string
	// UnbondingPeriod is the chain's unbonding period (the manifest's).
	UnbondingPeriod time.Duration
	// TrustingPeriod is two thirds of the unbonding period: a light node
	// whose newest verified header is older must be given a new checkpoint.
	TrustingPeriod time.Duration
}

// Join validates m and returns the values a node needs from it.
func (m *Manifest) Join() (Join, error) {
	if err := m.Validate(); err != nil {
		return Join{}, err
	}
	infos, err := parseBootstrap(m.Bootstrap)
	if err != nil {
		return Join{}, err
	}
	return Join{
		ChainID:         m.ChainID,
		Bootstrap:       infos,
		BootstrapAddrs:  append([]string(nil), m.Bootstrap...),
		TrustedHeight:   m.Checkpoint.Height,
		TrustedHash:     strings.ToLower(m.Checkpoint.Hash),
		UnbondingPeriod: time.Duration(m.UnbondingPeriod),
		TrustingPeriod:  time.Duration(m.UnbondingPeriod) / 3 * 2,
	}, nil
}
