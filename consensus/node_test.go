package consensus

import (
	"context"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/cometbft/cometbft/privval"
	cmttypes "github.com/cometbft/cometbft/types"
)

// freePort returns a TCP port on 127.0.0.1 that was free a moment ago.
func freePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// testChain is a single-validator chain home with funded accounts.
type testChain struct {
	home string
	cfg  NodeConfig
	keys []*Key
}

// newTestChain writes a home for a one-validator chain with blockTime blocks
// and the given number of funded secp256k1 accounts.
func newTestChain(t testing.TB, blockTime time.Duration, accounts int) *testChain {
	t.Helper()
	home := t.TempDir()
	cfg := LoopbackConfig("solo", freePort(t), freePort(t), freePort(t), blockTime)
	if err := SaveNodeConfig(home, cfg); err != nil {
		t.Fatal(err)
	}
	cc := cfg.CometConfig(home)
	if err := EnsureCometDirs(cc); err != nil {
		t.Fatal(err)
	}
	pv := privval.GenFilePV(cc.PrivValidatorKeyFile(), cc.PrivValidatorStateFile())
	pv.Save()
	pub, _ := pv.GetPubKey()
	app := DefaultGenesisState()
	kr := NewKeyring(home)
	tc := &testChain{home: home, cfg: cfg}
	for i := range accounts {
		k, err := kr.Add("acct"+string(rune('a'+i)), "")
		if err != nil {
			t.Fatal(err)
		}
		tc.keys = append(tc.keys, k)
		app.Accounts = append(app.Accounts, GenesisAccount{Address: k.Address().String(), Balance: 1 << 50})
	}
	doc, err := NewGenesisDoc("test-chain", time.Now(), []cmttypes.GenesisValidator{{Address: pub.Address(), PubKey: pub, Power: 1, Name: "solo"}}, app)
	if err != nil {
		t.Fatal(err)
	}
	if err := WriteGenesis(home, doc); err != nil {
		t.Fatal(err)
	}
	return tc
}

func testLogger(t testing.TB, home string) *slog.Logger {
	f, err := os.OpenFile(filepath.Join(home, "node.log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return slog.New(slog.NewTextHandler(f, &slog.HandlerOptions{Level: slog.LevelInfo}))
}

// start runs the chain's node until the test ends.
func (tc *testChain) start(t testing.TB) *Node {
	t.Helper()
	ctx := context.Background()
	n, err := NewNode(ctx, NodeOptions{Home: tc.home, Config: tc.cfg, Logger: testLogger(t, tc.home)})
	if err != nil {
		t.Fatal(err)
	}
	if err := n.Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { n.Stop() })
	return n
}

// waitHeight polls until the node has committed height h.
func waitHeight(t testing.TB, c ChainClient, h int64, within time.Duration) {
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

// TestNodeRestartKeepsState stops a node and starts a new one on the same
// home: the chain continues from where it was with the same app hashes.
func TestNodeRestartKeepsState(t *testing.T) {
	tc := newTestChain(t, 100*time.Millisecond, 1)
	n := tc.start(t)
	c := n.Client()
	waitHeight(t, c, 5, 20*time.Second)
	ctx := context.Background()
	h := int64(4)
	before, err := c.Block(ctx, &h)
	if err != nil {
		t.Fatal(err)
	}
	if err := n.Stop(); err != nil {
		t.Fatal(err)
	}
	select {
	case <-n.Done():
	default:
		t.Fatal("Done not closed after Stop")
	}
	n2 := tc.start(t)
	c2 := n2.Client()
	st, err := c2.Status(ctx)
	if err != nil {
		t.Fatal(err)
	}
	start := st.SyncInfo.LatestBlockHeight
	if start < 5 {
		t.Fatalf("restarted node at height %d, want ≥ 5", start)
	}
	waitHeight(t, c2, start+3, 20*time.Second)
	after, err := c2.Block(ctx, &h)
	if err != nil {
		t.Fatal(err)
	}
	if before.BlockID.Hash.String() != after.BlockID.Hash.String() || before.Block.AppHash.String() != after.Block.AppHash.String() {
		t.Fatalf("block 4 changed across restart: %v/%v vs %v/%v", before.BlockID.Hash, before.Block.AppHash, after.BlockID.Hash, after.Block.AppHash)
	}
}
