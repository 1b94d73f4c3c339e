package validatortest

import (
	"context"
	"crypto/ecdsa"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/cometbft/cometbft/crypto"
	"github.com/cometbft/cometbft/p2p"
	"github.com/cometbft/cometbft/privval"
	cmttypes "github.com/cometbft/cometbft/types"

	"github.com/quadrant-da/quadrant/chain"
	"github.com/quadrant-da/quadrant/consensus"
	"github.com/quadrant-da/quadrant/validator"
	"github.com/quadrant-da/quadrant/wallet"
)

// Member is one node home of a Network.
type Member struct {
	Home   string
	Config validator.NodeConfig
	NodeID string
	// ValKey is the node's consensus (privval) key.
	ValKey crypto.PrivKey
	// Operator is its funded account; for a genesis validator, the
	// operator of its self-bonded stake.
	Operator *wallet.Key
	// EthKey is its Ethereum attestation key (validator.EthKeyPath), whose
	// address a genesis validator registers.
	EthKey     *ecdsa.PrivateKey
	EthAddress [20]byte
}

// Network is a multi-node chain on loopback: Members[:Validators] are
// staked at genesis, the rest are full consensus nodes that may become
// validators by transaction. Every member peers with every other.
type Network struct {
	ChainID    string
	Genesis    consensus.GenesisState
	Members    []*Member
	Validators int
}

// NewNetwork writes the homes of a network of validators genesis
// validators (each self-bonding selfBond) and extra non-validator nodes,
// with blockTime blocks. tweak, if not nil, edits the genesis app state
// (staking params, say) before it is written.
func NewNetwork(t testing.TB, validators, extra int, blockTime time.Duration, selfBond uint64, tweak func(*consensus.GenesisState)) *Network {
	t.Helper()
	nw := &Network{ChainID: "test-net", Genesis: consensus.DefaultGenesisState(), Validators: validators}
	for i := range validators + extra {
		nw.Members = append(nw.Members, newMember(t, fmt.Sprintf("node-%d", i), blockTime))
	}
	for i, m := range nw.Members {
		nw.Genesis.Accounts = append(nw.Genesis.Accounts, consensus.GenesisAccount{Address: m.Operator.Address().String(), Balance: 1 << 50})
		if i < validators {
			nw.Genesis.Staking.Validators = append(nw.Genesis.Staking.Validators, consensus.GenesisValidator{
				Operator: m.Operator.Address(), PubKey: m.ValKey.PubKey().Bytes(), Moniker: m.Config.Moniker,
				CommissionBps: 1000, SelfBond: selfBond, EthAddress: m.EthAddress[:]})
		}
	}
	if tweak != nil {
		tweak(&nw.Genesis)
	}
	doc, err := validator.NewGenesisDoc(nw.ChainID, time.Now(), nil, nw.Genesis)
	if err != nil {
		t.Fatal(err)
	}
	for i, m := range nw.Members {
		var peers []string
		for j, o := range nw.Members {
			if j != i {
				peers = append(peers, o.NodeID+"@"+strings.TrimPrefix(o.Config.P2P.ListenAddress, "tcp://"))
			}
		}
		m.Config.P2P.PersistentPeers = strings.Join(peers, ",")
		if err := validator.SaveNodeConfig(m.Home, m.Config); err != nil {
			t.Fatal(err)
		}
		if err := validator.WriteGenesis(m.Home, doc); err != nil {
			t.Fatal(err)
		}
	}
	return nw
}

func newMember(t testing.TB, name string, blockTime time.Duration) *Member {
	home := t.TempDir()
	cfg := validator.LoopbackConfig(name, FreePort(t), FreePort(t), FreePort(t), blockTime)
	cc := cfg.CometConfig(home)
	if err := validator.EnsureCometDirs(cc); err != nil {
		t.Fatal(err)
	}
	nk, err := p2p.LoadOrGenNodeKey(cc.NodeKeyFile())
	if err != nil {
		t.Fatal(err)
	}
	pv := privval.GenFilePV(cc.PrivValidatorKeyFile(), cc.PrivValidatorStateFile())
	pv.Save()
	op, err := wallet.NewKeyring(home).Add("operator", "")
	if err != nil {
		t.Fatal(err)
	}
	ek, eth, err := validator.LoadOrGenEthKey(home)
	if err != nil {
		t.Fatal(err)
	}
	return &Member{Home: home, Config: cfg, NodeID: string(nk.ID()), ValKey: pv.Key.PrivKey, Operator: op, EthKey: ek, EthAddress: eth}
}

// Start runs member i until the test ends (with
// NodeOptions.QuietMaj23ForTesting: its peers run in the same process).
func (nw *Network) Start(t testing.TB, i int) *validator.Node {
	t.Helper()
	m := nw.Members[i]
	ctx := context.Background()
	n, err := validator.NewNode(ctx, validator.NodeOptions{Home: m.Home, Config: m.Config, Logger: Logger(t, m.Home), QuietMaj23ForTesting: true})
	if err != nil {
		t.Fatal(err)
	}
	if err := n.Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { n.Stop() })
	return n
}

// ProofOfPossession signs chain id and operator with member i's consensus
// key, as create-validator requires.
func (nw *Network) ProofOfPossession(t testing.TB, i int) []byte {
	t.Helper()
	m := nw.Members[i]
	sig, err := m.ValKey.Sign(chain.PossessionBytes(nw.ChainID, m.Operator.Address()))
	if err != nil {
		t.Fatal(err)
	}
	return sig
}

// ConsAddress is member i's CometBFT validator address.
func (nw *Network) ConsAddress(i int) cmttypes.Address {
	return nw.Members[i].ValKey.PubKey().Address()
}
