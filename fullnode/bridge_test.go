package fullnode_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	abci "github.com/cometbft/cometbft/abci/types"
	cmtbytes "github.com/cometbft/cometbft/libs/bytes"
	cmtp2p "github.com/cometbft/cometbft/p2p"
	coretypes "github.com/cometbft/cometbft/rpc/core/types"
	"github.com/cometbft/cometbft/types"
	dto "github.com/prometheus/client_model/go"

	"github.com/quadrant-da/quadrant/da"
	"github.com/quadrant-da/quadrant/da/headertest"
	"github.com/quadrant-da/quadrant/fullnode"
	"github.com/quadrant-da/quadrant/internal/wait"
)

// scriptedCore answers a bridge node's RPC calls from blocks signed by a
// headertest chain (real signatures from the test's validator keys), so a
// test can hand the bridge blocks no honest validator would commit.
type scriptedCore struct {
	chain *headertest.Chain
	mu    sync.Mutex
	txs   [][][]byte // txs[h-1]: the txs of height h
}

func newScriptedCore(chainID string) *scriptedCore {
	return &scriptedCore{chain: headertest.NewChain(chainID, 4, "bridge")}
}

// add appends a block committing to dah whose txs are userTxs and the
// data-root tx of dah.
func (c *scriptedCore) add(t testing.TB, dah *da.DAHeader, userTxs ...[]byte) {
	t.Helper()
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, err := c.chain.Next(dah, userTxs...); err != nil {
		t.Fatal(err)
	}
	c.txs = append(c.txs, append(append([][]byte{}, userTxs...), headertest.DataRootTx(dah)))
}

func (c *scriptedCore) get(h *int64) (*da.ExtendedHeader, [][]byte, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	hs := c.chain.Headers()
	if h == nil || *h < 1 || *h > int64(len(hs)) {
		return nil, nil, errors.New("height not available")
	}
	return hs[*h-1], c.txs[*h-1], nil
}

func (c *scriptedCore) Status(context.Context) (*coretypes.ResultStatus, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return &coretypes.ResultStatus{
		NodeInfo: cmtp2p.DefaultNodeInfo{Network: c.chain.ChainID},
		SyncInfo: coretypes.SyncInfo{LatestBlockHeight: int64(len(c.txs)), EarliestBlockHeight: 1},
	}, nil
}

func (c *scriptedCore) ABCIQuery(_ context.Context, path string, _ cmtbytes.HexBytes) (*coretypes.ResultABCIQuery, error) {
	if path != "/params" {
		return nil, fmt.Errorf("unexpected query %s", path)
	}
	return &coretypes.ResultABCIQuery{Response: abci.ResponseQuery{Value: []byte(`{"max_square_size":64}`)}}, nil
}

func (c *scriptedCore) Block(_ context.Context, h *int64) (*coretypes.ResultBlock, error) {
	hdr, txs, err := c.get(h)
	if err != nil {
		return nil, err
	}
	b := &types.Block{Header: *hdr.SignedHeader.Header}
	for _, tx := range txs {
		b.Txs = append(b.Txs, tx)
	}
	return &coretypes.ResultBlock{BlockID: hdr.SignedHeader.Commit.BlockID, Block: b}, nil
}

func (c *scriptedCore) Commit(_ context.Context, h *int64) (*coretypes.ResultCommit, error) {
	hdr, _, err := c.get(h)
	if err != nil {
		return nil, err
	}
	return &coretypes.ResultCommit{SignedHeader: *hdr.SignedHeader, CanonicalCommit: true}, nil
}

func (c *scriptedCore) Validators(_ context.Context, h *int64, page, perPage *int) (*coretypes.ResultValidators, error) {
	if _, _, err := c.get(h); err != nil {
		return nil, err
	}
	vals := c.chain.Vals.Copy().Validators
	return &coretypes.ResultValidators{BlockHeight: *h, Validators: vals, Count: len(vals), Total: len(vals)}, nil
}

// metricValue returns the value of a counter or gauge with the given label.
func metricValue(t testing.TB, n *fullnode.Node, name, label string) float64 {
	t.Helper()
	mfs, err := n.Registry().Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
		for _, m := range mf.Metric {
			if label != "" && !hasLabel(m, label) {
				continue
			}
			if m.Counter != nil {
				return m.Counter.GetValue()
			}
			return m.Gauge.GetValue()
		}
	}
	t.Fatalf("metric %s{%s} not found", name, label)
	return 0
}

func hasLabel(m *dto.Metric, kv string) bool {
	for _, l := range m.Label {
		if l.GetName()+"="+l.GetValue() == kv {
			return true
		}
	}
	return false
}

// TestBridgeHaltsOnBlockDataMismatch feeds a bridge node a committed block
// (validly signed) whose data-root tx names a data root its txs do not
// build: the bridge must stop at the height before it, never store or serve
// it, and raise the alert in its status and metrics.
func TestBridgeHaltsOnBlockDataMismatch(t *testing.T) {
	core := newScriptedCore("bridge-test")
	core.add(t, da.EmptyDAHeader())
	core.add(t, da.EmptyDAHeader())
	core.add(t, headertest.FakeDAH(2, "not the square of these txs"))
	core.add(t, da.EmptyDAHeader())

	cfg := bridgeConfig("http://127.0.0.1:1")
	cfg.Metrics.ListenAddress = ""
	n, err := fullnode.New(cfg, fullnode.Options{Home: t.TempDir(), Core: core, Logger: discard})
	if err != nil {
		t.Fatal(err)
	}
	if err := n.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	defer n.Close()
	wait.For(t, 40*time.Second, "the bridge to halt", func() bool { return n.Status().Halted })
	st := n.Status()
	if st.Head != 2 || !strings.HasPrefix(st.Alert, "block_data") || !strings.Contains(st.Alert, "height 3") {
		t.Fatalf("status %+v, want head 2 and a block_data alert for height 3", st)
	}
	if ok, _ := n.Store().Has(context.Background(), 3); ok {
		t.Fatal("the mismatching height was stored")
	}
	time.Sleep(100 * time.Millisecond) // time is under test: it stays halted over several poll intervals
	if h := n.Store().HeadHeight(); h != 2 {
		t.Fatalf("head moved to %d after the alert", h)
	}
	if v := metricValue(t, n, "quadrant_full_alerts_total", "kind=block_data"); v != 1 {
		t.Fatalf("alerts_total{kind=block_data} = %v", v)
	}
	if v := metricValue(t, n, "quadrant_full_ingestion_halted", ""); v != 1 {
		t.Fatalf("ingestion_halted = %v", v)
	}
}

// TestBuildBlockRejects checks BuildBlock's verdicts on blocks whose txs
// and square disagree in each way it knows.
func TestBuildBlockRejects(t *testing.T) {
	c := headertest.NewChain("build-test", 4, "build")
	empty := da.EmptyDAHeader()
	drt := headertest.DataRootTx(empty)
	sign := func(txs [][]byte) *types.SignedHeader {
		sh, err := c.Sign(c.NextHeader(txs))
		if err != nil {
			t.Fatal(err)
		}
		return sh
	}
	good := [][]byte{drt}
	if _, _, err := fullnode.BuildBlock(sign(good), c.Vals, good, 64); err != nil {
		t.Fatalf("empty block: %v", err)
	}
	cases := map[string][][]byte{
		"no txs":             {},
		"no data-root tx":    {[]byte("just a tx")},
		"two data-root txs":  {drt, drt},
		"garbage user tx":    {[]byte("not a quadrant tx"), drt},
		"wrong data root":    {headertest.DataRootTx(headertest.FakeDAH(2, "x"))},
		"data-root tx first": {drt, []byte("tx")},
	}
	for name, txs := range cases {
		_, _, err := fullnode.BuildBlock(sign(txs), c.Vals, txs, 64)
		var bde *fullnode.BlockDataError
		if !errors.As(err, &bde) || !errors.Is(err, fullnode.ErrBlockData) {
			t.Errorf("%s: err %v, want a BlockDataError", name, err)
		}
	}
	// Txs that do not hash to the header's data hash are refused too.
	if _, _, err := fullnode.BuildBlock(sign(good), c.Vals, [][]byte{[]byte("x"), drt}, 64); !errors.Is(err, fullnode.ErrBlockData) {
		t.Errorf("txs not matching DataHash: %v", err)
	}
}

// TestBridgeIngestsOnBlockEvents: a bridge that made its own JSON-RPC client
// follows the consensus node's new-block events, so it keeps up even when
// its poll interval is far longer than the test (only events can wake it).
func TestBridgeIngestsOnBlockEvents(t *testing.T) {
	if testing.Short() {
		t.Skip("runs a chain")
	}
	c := newChain(t, 150*time.Millisecond)
	c.start(t)
	cfg := bridgeConfig(c.rpcURL())
	cfg.Bridge.PollInterval = time.Hour
	n := startNode(t, t.TempDir(), cfg, "bridge-events")
	wait.For(t, 2*time.Minute, "the bridge's first ingestion", func() bool { return n.Store().HeadHeight() > 0 })
	first := n.Store().HeadHeight()
	wait.For(t, 2*time.Minute, "the bridge to store 5 more heights by events alone", func() bool {
		return n.Store().HeadHeight() >= first+5
	})
}
