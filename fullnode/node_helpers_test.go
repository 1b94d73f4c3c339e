package fullnode_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/cometbft/cometbft/privval"
	cmttypes "github.com/cometbft/cometbft/types"

	"github.com/quadrant-da/quadrant/blobs"
	"github.com/quadrant-da/quadrant/consensus"
	"github.com/quadrant-da/quadrant/da"
	"github.com/quadrant-da/quadrant/fullnode"
	"github.com/quadrant-da/quadrant/p2p"
	"github.com/quadrant-da/quadrant/validator"
	"github.com/quadrant-da/quadrant/validator/validatortest"
	"github.com/quadrant-da/quadrant/wallet"
)

var discard = slog.New(slog.NewTextHandler(io.Discard, nil))

// fileLogger logs to <dir>/<name>.log (kept for debugging failed runs).
func fileLogger(t testing.TB, dir, name string) *slog.Logger {
	t.Helper()
	f, err := os.OpenFile(filepath.Join(dir, name+".log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return slog.New(slog.NewTextHandler(f, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

// chain is a real single-validator Quadrant chain (CometBFT in-process)
// with one funded account.
type chain struct {
	home    string
	cfg     validator.NodeConfig
	rpcPort int
	key     *wallet.Key
	node    *validator.Node
}

// newChain writes the home of a one-validator chain with blockTime blocks.
func newChain(t testing.TB, blockTime time.Duration) *chain {
	t.Helper()
	home := t.TempDir()
	c := &chain{home: home, rpcPort: validatortest.FreePort(t)}
	c.cfg = validator.LoopbackConfig("solo", validatortest.FreePort(t), c.rpcPort, validatortest.FreePort(t), blockTime)
	if err := validator.SaveNodeConfig(home, c.cfg); err != nil {
		t.Fatal(err)
	}
	cc := c.cfg.CometConfig(home)
	if err := validator.EnsureCometDirs(cc); err != nil {
		t.Fatal(err)
	}
	pv := privval.GenFilePV(cc.PrivValidatorKeyFile(), cc.PrivValidatorStateFile())
	pv.Save()
	pub, _ := pv.GetPubKey()
	app := consensus.DefaultGenesisState()
	var err error
	if c.key, err = wallet.NewKeyring(home).Add("acct", ""); err != nil {
		t.Fatal(err)
	}
	app.Accounts = append(app.Accounts, consensus.GenesisAccount{Address: c.key.Address().String(), Balance: 1 << 50})
	doc, err := validator.NewGenesisDoc("fullnode-test", time.Now(), []cmttypes.GenesisValidator{{Address: pub.Address(), PubKey: pub, Power: 1, Name: "solo"}}, app)
	if err != nil {
		t.Fatal(err)
	}
	if err := validator.WriteGenesis(home, doc); err != nil {
		t.Fatal(err)
	}
	return c
}

// start runs the chain's validator until the test ends.
func (c *chain) start(t testing.TB) {
	t.Helper()
	ctx := context.Background()
	n, err := validator.NewNode(ctx, validator.NodeOptions{Home: c.home, Config: c.cfg, Logger: fileLogger(t, c.home, "validator")})
	if err != nil {
		t.Fatal(err)
	}
	if err := n.Start(ctx); err != nil {
		t.Fatal(err)
	}
	c.node = n
	t.Cleanup(func() { _ = n.Stop() })
}

func (c *chain) rpcURL() string { return fmt.Sprintf("http://127.0.0.1:%d", c.rpcPort) }

// submitter returns a submission queue for the chain's account.
func (c *chain) submitter(t testing.TB) *wallet.Submitter {
	t.Helper()
	s, err := wallet.NewSubmitter(wallet.SubmitterConfig{Client: c.node.Client(), Mempool: c.node.Mempool(), Key: c.key, PollInterval: 50 * time.Millisecond, RebroadcastAfter: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	s.Start(ctx)
	t.Cleanup(func() { cancel(); s.Stop() })
	return s
}

// testBlob returns a deterministic blob of size bytes in namespace id.
func testBlob(t testing.TB, id byte, size int) *blobs.Blob {
	t.Helper()
	ns, err := da.NewNamespaceV0([]byte{0xfe, id})
	if err != nil {
		t.Fatal(err)
	}
	data := make([]byte, size)
	for i := range data {
		data[i] = byte(i*13 + int(id))
	}
	b, err := blobs.NewBlob(ns, data, 0, nil)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// loopbackP2P is a libp2p configuration on 127.0.0.1 with OS-chosen ports.
func loopbackP2P(bootstrap ...string) p2p.Config {
	cfg := p2p.DefaultConfig()
	cfg.ListenAddrs = []string{"/ip4/127.0.0.1/tcp/0", "/ip4/127.0.0.1/udp/0/quic-v1"}
	cfg.Bootstrap = bootstrap
	cfg.ReconnectEvery = 200 * time.Millisecond
	return cfg
}

// bridgeConfig is a bridge node's test configuration.
func bridgeConfig(coreRPC string) fullnode.Config {
	cfg := fullnode.DefaultConfig()
	cfg.Mode = fullnode.ModeBridge
	cfg.Bridge.CoreRPC = coreRPC
	cfg.Bridge.PollInterval = 20 * time.Millisecond
	cfg.P2P = loopbackP2P()
	cfg.Metrics.ListenAddress = "127.0.0.1:0"
	cfg.Discovery.Enabled = false // discovery_test turns it on
	return cfg
}

// p2pConfig is a p2p-mode node's test configuration.
func p2pConfig(chainID string, trustedHeight uint64, trustedHash []byte, bootstrap ...string) fullnode.Config {
	cfg := fullnode.DefaultConfig()
	cfg.Mode = fullnode.ModeP2P
	cfg.ChainID = chainID
	cfg.Sync.TrustedHeight = trustedHeight
	cfg.Sync.TrustedHash = fmt.Sprintf("%x", trustedHash)
	cfg.Sync.HeadPollInterval = 200 * time.Millisecond
	cfg.Sync.RetryAfter = 100 * time.Millisecond
	cfg.Sync.RequestTimeout = 5 * time.Second
	cfg.P2P = loopbackP2P(bootstrap...)
	cfg.Metrics.ListenAddress = ""
	cfg.Discovery.Enabled = false // discovery_test turns it on
	return cfg
}

// startNode starts a full node in home until the test ends.
func startNode(t testing.TB, home string, cfg fullnode.Config, name string) *fullnode.Node {
	t.Helper()
	n, err := fullnode.New(cfg, fullnode.Options{Home: home, Logger: fileLogger(t, home, name)})
	if err != nil {
		t.Fatal(err)
	}
	if err := n.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := n.Close(); err != nil {
			t.Errorf("stop %s: %v", name, err)
		}
	})
	return n
}

// submitSizes submits one blob of each size from one account, concurrently,
// waits for each to be included, and returns their heights.
func submitSizes(t *testing.T, ctx context.Context, c *chain, sizes []int) []int64 {
	t.Helper()
	s := c.submitter(t)
	heights := make([]int64, len(sizes))
	var wg sync.WaitGroup
	for i, size := range sizes {
		wg.Go(func() {
			sub, err := s.SubmitBlobs(ctx, testBlob(t, byte(i+1), size))
			if err != nil {
				t.Errorf("submit %d bytes: %v", size, err)
				return
			}
			st, err := sub.Wait(ctx)
			if err != nil || st.Code != 0 {
				t.Errorf("blob of %d bytes: %v (code %d %s)", size, err, st.Code, st.Reason)
				return
			}
			heights[i] = st.Height
		})
	}
	wg.Wait()
	if t.Failed() {
		t.FailNow()
	}
	return heights
}

// sameStores checks that a and b hold byte-identical headers and extended
// squares for heights 1..top, and returns the largest square width seen.
func sameStores(t *testing.T, ctx context.Context, a, b *fullnode.Node, top uint64) int {
	t.Helper()
	maxK := 0
	for h := uint64(1); h <= top; h++ {
		ah, err := a.Store().HeaderByHeight(ctx, h)
		if err != nil {
			t.Fatal(err)
		}
		bh, err := b.Store().HeaderByHeight(ctx, h)
		if err != nil {
			t.Fatal(err)
		}
		ae, _ := ah.Marshal()
		be, _ := bh.Marshal()
		if !bytes.Equal(ae, be) || !bytes.Equal(ah.DAH.Hash(), bh.DAH.Hash()) {
			t.Fatalf("height %d: headers or data roots differ", h)
		}
		as, err := a.Store().Square(ctx, h)
		if err != nil {
			t.Fatal(err)
		}
		bs, err := b.Store().Square(ctx, h)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(as.Bytes(), bs.Bytes()) {
			t.Fatalf("height %d: extended squares differ", h)
		}
		maxK = max(maxK, as.K())
	}
	return maxK
}
