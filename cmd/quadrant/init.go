package main

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"time"

	"github.com/cometbft/cometbft/crypto"
	"github.com/cometbft/cometbft/p2p"
	"github.com/cometbft/cometbft/privval"
	cmttypes "github.com/cometbft/cometbft/types"
	"github.com/spf13/cobra"

	"github.com/quadrant-da/quadrant/chain"
	"github.com/quadrant-da/quadrant/consensus"
	"github.com/quadrant-da/quadrant/validator"
	"github.com/quadrant-da/quadrant/wallet"
)

// Default genesis balances.
const (
	defaultAccountBalance = 1_000_000_000_000_000     // 10^15 base units
	faucetBalance         = 1_000_000_000_000_000_000 // 10^18 base units
	validatorPower        = 10
	// validatorCommissionBps is the commission of validators that init and
	// devnet create: 5 %.
	validatorCommissionBps = 500
)

// homeInfo is what initHome created.
type homeInfo struct {
	Home    string
	NodeID  string
	ValKey  crypto.PubKey
	Account *wallet.Key
	Config  validator.NodeConfig
	// EthAddress is the address of the home's Ethereum attestation key
	// (kept by package validator in the home), registered by a genesis validator.
	EthAddress [20]byte
}

// genesisValidator returns the home's validator for a genesis: its
// account is the operator and self-bonds validatorPower units of power.
func (h *homeInfo) genesisValidator(params chain.StakingParams) consensus.GenesisValidator {
	return consensus.GenesisValidator{
		Operator: h.Account.Address(), PubKey: h.ValKey.Bytes(), Moniker: h.Config.Moniker,
		CommissionBps: validatorCommissionBps, SelfBond: validatorPower * params.PowerReduction,
		EthAddress: h.EthAddress[:],
	}
}

// peerAddress returns id@host:port for the node's P2P listen address.
func (h *homeInfo) peerAddress() string {
	return h.NodeID + "@" + stripScheme(h.Config.P2P.ListenAddress)
}

// initHome writes a node home: config.toml, CometBFT's directories and
// derived config, a node key, a validator key, an Ethereum attestation key
// (all 0600) and an account key named keyName. It refuses a home that already has a config.toml. The
// genesis is written separately.
func initHome(home string, cfg validator.NodeConfig, keyName, keyType string) (*homeInfo, error) {
	if _, err := os.Stat(validator.ConfigPath(home)); err == nil {
		return nil, fmt.Errorf("%s already exists: this home is initialised (remove it to start over)", validator.ConfigPath(home))
	} else if !errors.Is(err, fs.ErrNotExist) {
		return nil, err
	}
	if err := validator.SaveNodeConfig(home, cfg); err != nil {
		return nil, err
	}
	cc := cfg.CometConfig(home)
	if err := validator.EnsureCometDirs(cc); err != nil {
		return nil, err
	}
	nodeKey, err := p2p.LoadOrGenNodeKey(cc.NodeKeyFile())
	if err != nil {
		return nil, fmt.Errorf("node key: %w", err)
	}
	pv, err := genFilePV(cc.PrivValidatorKeyFile(), cc.PrivValidatorStateFile())
	if err != nil {
		return nil, err
	}
	pub, err := pv.GetPubKey()
	if err != nil {
		return nil, err
	}
	acct, err := wallet.NewKeyring(home).Add(keyName, keyType)
	if err != nil {
		return nil, err
	}
	_, eth, err := validator.LoadOrGenEthKey(home)
	if err != nil {
		return nil, err
	}
	return &homeInfo{Home: home, NodeID: string(nodeKey.ID()), ValKey: pub, Account: acct, Config: cfg, EthAddress: eth}, nil
}

// genFilePV writes a fresh ed25519 validator key and its sign state; the
// privval package panics on I/O errors, which become errors here.
func genFilePV(keyFile, stateFile string) (pv *privval.FilePV, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("writing validator key %s: %v", keyFile, r)
		}
	}()
	pv = privval.GenFilePV(keyFile, stateFile)
	pv.Save()
	return pv, nil
}

func stripScheme(addr string) string {
	for _, p := range []string{"tcp://", "http://", "unix://"} {
		if len(addr) > len(p) && addr[:len(p)] == p {
			return addr[len(p):]
		}
	}
	return addr
}

func newInitCmd() *cobra.Command {
	var (
		home, chainID, moniker, genesisFile, peers   string
		p2pAddr, rpcAddr, grpcAddr, keyName, keyType string
		blockTime                                    time.Duration
		balance                                      uint64
		maxSquare                                    int
		storage                                      storageFlags
		stateSync                                    stateSyncFlags
	)
	cmd := &cobra.Command{
		Use:   "init",
		Short: "Write a node home: config, node and validator keys, an account key and a genesis",
		Long: `init writes a node home. Without --genesis it creates a new single-validator
chain (this node is the validator, its account is funded). With --genesis FILE
it joins an existing network: the genesis is copied in and --peers
(id@host:port,...) are dialled at start. With --state-sync as well (and
--state-sync-rpc, --trust-height, --trust-hash) the node restores a peer's
state snapshot instead of replaying every block from genesis.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg := validator.DefaultNodeConfig()
			cfg.Moniker = moniker
			cfg.P2P.PersistentPeers = peers
			cfg.P2P.ListenAddress = p2pAddr
			cfg.RPC.ListenAddress = rpcAddr
			cfg.RPC.GRPCListenAddress = grpcAddr
			cfg.Consensus.BlockTime = blockTime
			storage.apply(&cfg)
			var doc *cmttypes.GenesisDoc
			var joined *consensus.GenesisState
			if genesisFile != "" {
				d, g, err := validator.ReadGenesisFile(genesisFile)
				if err != nil {
					return err
				}
				doc, joined = d, &g
			}
			if err := stateSync.apply(&cfg, joined); err != nil {
				return err
			}
			info, err := initHome(home, cfg, keyName, keyType)
			if err != nil {
				return err
			}
			if doc == nil {
				app := consensus.DefaultGenesisState()
				app.Params.MaxSquareSize = maxSquare
				app.Accounts = append(app.Accounts, consensus.GenesisAccount{Address: info.Account.Address().String(), Balance: balance})
				app.Staking.Validators = append(app.Staking.Validators, info.genesisValidator(app.Staking.Params))
				d, err := validator.NewGenesisDoc(chainID, time.Now(), nil, app)
				if err != nil {
					return err
				}
				doc = d
			}
			if err := validator.WriteGenesis(home, doc); err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			fmt.Fprintf(out, "home:              %s\n", home)
			fmt.Fprintf(out, "chain id:          %s\n", doc.ChainID)
			fmt.Fprintf(out, "node id:           %s\n", info.NodeID)
			fmt.Fprintf(out, "peer address:      %s\n", info.peerAddress())
			fmt.Fprintf(out, "validator pub key: %X\n", info.ValKey.Bytes())
			fmt.Fprintf(out, "account %-10s %s\n", keyName+":", info.Account.Address())
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&home, "home", defaultHome("node"), "node home directory")
	f.StringVar(&chainID, "chain-id", "quadrant-local", "chain id of a new chain (ignored with --genesis)")
	f.StringVar(&moniker, "moniker", "quadrant", "node name")
	f.StringVar(&genesisFile, "genesis", "", "join the network of this genesis.json instead of creating a chain")
	f.StringVar(&peers, "peers", "", "persistent peers, comma-separated id@host:port")
	f.StringVar(&p2pAddr, "p2p-laddr", validator.DefaultNodeConfig().P2P.ListenAddress, "P2P listen address")
	f.StringVar(&rpcAddr, "rpc-laddr", validator.DefaultNodeConfig().RPC.ListenAddress, "CometBFT RPC listen address")
	f.StringVar(&grpcAddr, "grpc-laddr", validator.DefaultNodeConfig().RPC.GRPCListenAddress, "core API listen address (binary tx submission, blocks for full nodes)")
	f.StringVar(&keyName, "key-name", "validator", "name of the account key to create")
	f.StringVar(&keyType, "key-type", wallet.KeyTypeSecp256k1, "account key type: secp256k1 or ed25519")
	f.DurationVar(&blockTime, "block-time", validator.DefaultBlockTime, "block time (CometBFT timeout_commit); same on every node")
	f.Uint64Var(&balance, "balance", defaultAccountBalance, "genesis balance of the new account (new chain only)")
	storage.register(f)
	stateSync.register(f)
	f.IntVar(&maxSquare, "max-square-size", chain.DefaultMaxSquareSize, "largest original square width k (new chain only; power of two ≤ 256)")
	return cmd
}
