// Package validatortest runs single-validator chains for tests of the
// packages that talk to a validator (wallet, rollup-adapter, fullnode).
package validatortest

import (
	"context"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/cometbft/cometbft/privval"
	coretypes "github.com/cometbft/cometbft/rpc/core/types"

	"github.com/quadrant-da/quadrant/chain"
	"github.com/quadrant-da/quadrant/consensus"
	"github.com/quadrant-da/quadrant/validator"
	"github.com/quadrant-da/quadrant/wallet"
)

// FreePort returns a TCP port on 127.0.0.1 that was free a moment ago.
func FreePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// Chain is a single-validator chain home with funded accounts.
type Chain struct {
	Home   string
	Config validator.NodeConfig
	Keys   []*wallet.Key
}

// NewChain writes a home for a one-validator chain with blockTime blocks
// and the given number of funded accounts (keys in the home's keyring).
func NewChain(t testing.TB, blockTime time.Duration, accounts int) *Chain {
	t.Helper()
	home := t.TempDir()
	cfg := validator.LoopbackConfig("solo", FreePort(t), FreePort(t), FreePort(t), blockTime)
	if err := validator.SaveNodeConfig(home, cfg); err != nil {
		t.Fatal(err)
	}
	cc := cfg.CometConfig(home)
	if err := validator.EnsureCometDirs(cc); err != nil {
		t.Fatal(err)
	}
	pv := privval.GenFilePV(cc.PrivValidatorKeyFile(), cc.PrivValidatorStateFile())
	pv.Save()
	pub, _ := pv.GetPubKey()
	app := consensus.DefaultGenesisState()
	kr := wallet.NewKeyring(home)
	tc := &Chain{Home: home, Config: cfg}
	for i := range accounts {
		k, err := kr.Add("acct"+string(rune('a'+i)), "")
		if err != nil {
			t.Fatal(err)
		}
		tc.Keys = append(tc.Keys, k)
		app.Accounts = append(app.Accounts, consensus.GenesisAccount{Address: k.Address().String(), Balance: 1 << 50})
	}
	// The validator is staked at genesis; its operator is the address of
	// its own key (no account key is needed to run it).
	op, _ := chain.AddressFromBytes(pub.Address())
	app.Staking.Validators = []consensus.GenesisValidator{{Operator: op, PubKey: pub.Bytes(), Moniker: "solo",
		SelfBond: app.Staking.Params.MinSelfBond}}
	doc, err := validator.NewGenesisDoc("test-chain", time.Now(), nil, app)
	if err != nil {
		t.Fatal(err)
	}
	if err := validator.WriteGenesis(home, doc); err != nil {
		t.Fatal(err)
	}
	return tc
}

// Logger writes a node's logs to <home>/node.log until the test ends.
func Logger(t testing.TB, home string) *slog.Logger {
	f, err := os.OpenFile(filepath.Join(home, "node.log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return slog.New(slog.NewTextHandler(f, &slog.HandlerOptions{Level: slog.LevelInfo}))
}

// Start runs the chain's node until the test ends.
func (tc *Chain) Start(t testing.TB) *validator.Node {
	t.Helper()
	ctx := context.Background()
	n, err := validator.NewNode(ctx, validator.NodeOptions{Home: tc.Home, Config: tc.Config, Logger: Logger(t, tc.Home)})
	if err != nil {
		t.Fatal(err)
	}
	if err := n.Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { n.Stop() })
	return n
}

// statusClient is the part of CometBFT's RPC client WaitHeight reads.
type statusClient interface {
	Status(ctx context.Context) (*coretypes.ResultStatus, error)
}

// WaitHeight polls until the node has committed height h.
func WaitHeight(t testing.TB, c statusClient, h int64, within time.Duration) {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		st, err := c.Status(context.Background())
		if err == nil && st.SyncInfo.LatestBlockHeight >= h {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("height %d not reached within %v (last err %v)", h, within, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
