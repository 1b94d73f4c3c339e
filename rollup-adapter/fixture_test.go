package rollupadapter

import (
	"context"
	"crypto/rand"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/cometbft/cometbft/privval"
	cmttypes "github.com/cometbft/cometbft/types"
	"github.com/filecoin-project/go-jsonrpc"

	"github.com/quadrant-da/quadrant/blobs"
	"github.com/quadrant-da/quadrant/chain"
	"github.com/quadrant-da/quadrant/consensus"
	"github.com/quadrant-da/quadrant/da"
	"github.com/quadrant-da/quadrant/erasure"
	"github.com/quadrant-da/quadrant/fullnode"
	"github.com/quadrant-da/quadrant/p2p"
	"github.com/quadrant-da/quadrant/rpc"
	"github.com/quadrant-da/quadrant/validator"
	"github.com/quadrant-da/quadrant/wallet"
)

// The test network: one real CometBFT validator running Quadrant's App in
// process (its CheckTx enforces account sequences strictly), the real
// per-account submission queues, and memStore, an in-memory stand-in for a
// bridge full node's store that rebuilds every block's square with
// fullnode.BuildBlock (blobs.Construct, extension, DA header), so every
// commitment and proof the adapter serves is real.

type memStore struct {
	mu      sync.Mutex
	headers map[uint64]*da.ExtendedHeader
	squares map[uint64]*erasure.ExtendedSquare
	head    uint64
	// ingestErr is set if a block could not be rebuilt (tests check it).
	ingestErr error
}

func (s *memStore) HeadHeight() uint64 { s.mu.Lock(); defer s.mu.Unlock(); return s.head }

func (s *memStore) Head(ctx context.Context) (*da.ExtendedHeader, error) {
	return s.HeaderByHeight(ctx, s.HeadHeight())
}

func (s *memStore) HeaderByHeight(_ context.Context, h uint64) (*da.ExtendedHeader, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if hdr, ok := s.headers[h]; ok {
		return hdr, nil
	}
	return nil, fmt.Errorf("memstore: height %d: %w", h, p2p.ErrNotFound)
}

func (s *memStore) Square(_ context.Context, h uint64) (*erasure.ExtendedSquare, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if eds, ok := s.squares[h]; ok {
		return eds, nil
	}
	return nil, fmt.Errorf("memstore: square %d: %w", h, p2p.ErrNotFound)
}

var _ blobs.RowReader = (*memStore)(nil)

// AppendRowShares and AppendRowNodes make memStore a blobs.RowReader, as
// *fullnode.Store is, so Adapter.Proof takes the stored-nodes path here too
// (the row trees are rebuilt on each call).
func (s *memStore) AppendRowShares(ctx context.Context, dst []byte, h uint64, r, from, to int) ([]byte, error) {
	eds, err := s.Square(ctx, h)
	if err != nil {
		return nil, err
	}
	if r < 0 || r >= eds.Width() || from < 0 || from > to || to > eds.Width() {
		return nil, fmt.Errorf("memstore: row %d shares [%d, %d) out of range", r, from, to)
	}
	return append(dst, eds.RowBytes(r)[from*da.ShareSize:to*da.ShareSize]...), nil
}

func (s *memStore) AppendRowNodes(ctx context.Context, dst []byte, h uint64, r int, idx []int) ([]byte, error) {
	eds, err := s.Square(ctx, h)
	if err != nil {
		return nil, err
	}
	if r < 0 || r >= eds.Width() {
		return nil, fmt.Errorf("memstore: row %d out of range", r)
	}
	leaves, err := da.AxisLeafNodes(erasure.Row, r, eds.Row(r))
	if err != nil {
		return nil, err
	}
	rec, err := da.InnerNodes(leaves)
	if err != nil {
		return nil, err
	}
	for _, i := range idx {
		if i < 0 || (i+1)*da.NodeSize > len(rec) {
			return nil, fmt.Errorf("memstore: node %d out of range", i)
		}
		dst = append(dst, rec[i*da.NodeSize:(i+1)*da.NodeSize]...)
	}
	return dst, nil
}

func (s *memStore) NamespaceData(ctx context.Context, h uint64, ns da.Namespace) (*p2p.NamespaceData, error) {
	hdr, err := s.HeaderByHeight(ctx, h)
	if err != nil {
		return nil, err
	}
	eds, err := s.Square(ctx, h)
	if err != nil {
		return nil, err
	}
	nd := &p2p.NamespaceData{}
	for _, r := range p2p.NamespaceRows(hdr.DAH, ns) {
		row, err := p2p.BuildNamespaceRow(r, eds.Row(r), nil, ns)
		if err != nil {
			return nil, err
		}
		nd.Rows = append(nd.Rows, row)
	}
	return nd, nil
}

func (s *memStore) put(h uint64, hdr *da.ExtendedHeader, eds *erasure.ExtendedSquare) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.headers[h], s.squares[h] = hdr, eds
	if h > s.head {
		s.head = h
	}
}

// forget drops a height, as pruning would.
func (s *memStore) forget(h uint64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.headers, h)
	delete(s.squares, h)
}

// ingest follows the chain like a bridge node until ctx ends.
func (s *memStore) ingest(ctx context.Context, c *validator.Node, maxSquare int) {
	cl := c.Client()
	next := int64(1)
	// Poll the chain like a bridge does: a follower's cadence, not a test
	// waiting for an event.
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	pause := func() bool {
		select {
		case <-ctx.Done():
			return false
		case <-tick.C:
			return true
		}
	}
	for ctx.Err() == nil {
		st, err := cl.Status(ctx)
		if err != nil || st.SyncInfo.LatestBlockHeight < next {
			pause()
			continue
		}
		h := next
		blk, err1 := cl.Block(ctx, &h)
		com, err2 := cl.Commit(ctx, &h)
		vals, err3 := cl.Validators(ctx, &h, nil, nil)
		if err1 != nil || err2 != nil || err3 != nil {
			pause()
			continue
		}
		txs := make([][]byte, len(blk.Block.Txs))
		for i, tx := range blk.Block.Txs {
			txs[i] = tx
		}
		vs := cmttypes.NewValidatorSet(vals.Validators)
		hdr, eds, err := fullnode.BuildBlock(&com.SignedHeader, vs, txs, maxSquare)
		if err != nil {
			s.mu.Lock()
			s.ingestErr = fmt.Errorf("memstore: building block %d: %w", h, err)
			s.mu.Unlock()
			return
		}
		s.put(uint64(h), hdr, eds)
		next++
	}
}

type testNet struct {
	home    string
	chain   *validator.Node
	store   *memStore
	bridge  *BridgeNode
	adapter *Adapter
	keys    []*wallet.Key
	srv     *rpc.Server
	secret  []byte
	url     string
}

var (
	netOnce sync.Once
	shared  *testNet
	netErr  error
	stopNet func()
)

func TestMain(m *testing.M) {
	code := m.Run()
	if stopNet != nil {
		stopNet()
	}
	os.Exit(code)
}

// network returns the package's shared test network, started on first use.
func network(t *testing.T) *testNet {
	t.Helper()
	netOnce.Do(func() { shared, netErr = startNet() })
	if netErr != nil {
		t.Fatal(netErr)
	}
	return shared
}

func startNet() (*testNet, error) {
	home, err := os.MkdirTemp("", "rollupadapter-test-")
	if err != nil {
		return nil, err
	}
	port := func() int {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			panic(err)
		}
		defer l.Close()
		return l.Addr().(*net.TCPAddr).Port
	}
	cfg := validator.LoopbackConfig("solo", port(), port(), port(), 150*time.Millisecond)
	if err := validator.SaveNodeConfig(home, cfg); err != nil {
		return nil, err
	}
	cc := cfg.CometConfig(home)
	if err := validator.EnsureCometDirs(cc); err != nil {
		return nil, err
	}
	pv := privval.GenFilePV(cc.PrivValidatorKeyFile(), cc.PrivValidatorStateFile())
	pv.Save()
	pub, _ := pv.GetPubKey()
	app := consensus.DefaultGenesisState()
	kr := wallet.NewKeyring(home)
	tn := &testNet{home: home}
	for _, name := range []string{"rollup", "other"} {
		k, err := kr.Add(name, "")
		if err != nil {
			return nil, err
		}
		tn.keys = append(tn.keys, k)
		app.Accounts = append(app.Accounts, consensus.GenesisAccount{Address: k.Address().String(), Balance: 1 << 50})
	}
	doc, err := validator.NewGenesisDoc("adapter-test", time.Now(), []cmttypes.GenesisValidator{{Address: pub.Address(), PubKey: pub, Power: 1, Name: "solo"}}, app)
	if err != nil {
		return nil, err
	}
	if err := validator.WriteGenesis(home, doc); err != nil {
		return nil, err
	}
	logf, err := os.Create(filepath.Join(home, "node.log"))
	if err != nil {
		return nil, err
	}
	logger := slog.New(slog.NewTextHandler(logf, &slog.HandlerOptions{Level: slog.LevelInfo}))
	ctx, cancel := context.WithCancel(context.Background())
	node, err := validator.NewNode(ctx, validator.NodeOptions{Home: home, Config: cfg, Logger: logger})
	if err != nil {
		cancel()
		return nil, err
	}
	if err := node.Start(ctx); err != nil {
		cancel()
		return nil, err
	}
	tn.chain = node
	tn.store = &memStore{headers: map[uint64]*da.ExtendedHeader{}, squares: map[uint64]*erasure.ExtendedSquare{}}
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { defer wg.Done(); tn.store.ingest(ctx, node, chain.DefaultParams().MaxSquareSize) }()
	subs := wallet.NewSubmitters(ctx, node.Client(), node.Mempool(), logger, 20*time.Millisecond)
	tn.bridge, err = NewBridgeNode(BridgeNodeConfig{Store: tn.store, Chain: node.Client(), Submitters: subs, Keys: kr, DefaultKey: "rollup"})
	if err != nil {
		cancel()
		return nil, err
	}
	acfg := DefaultConfig()
	acfg.SubmitTimeout = 30 * time.Second
	acfg.PollInterval = 10 * time.Millisecond
	if tn.adapter, err = New(acfg, tn.bridge, logger); err != nil {
		cancel()
		return nil, err
	}
	tn.secret = make([]byte, rpc.SecretSize)
	rand.Read(tn.secret)
	rcfg := rpc.DefaultConfig()
	rcfg.ListenAddr = "127.0.0.1:0"
	rcfg.RateLimit = 0
	if tn.srv, err = rpc.NewServer(rcfg, tn.secret, append(RPCOptions(), rpc.WithLogger(logger))...); err != nil {
		cancel()
		return nil, err
	}
	if err := tn.adapter.Register(tn.srv); err != nil {
		cancel()
		return nil, err
	}
	if err := tn.srv.Start(ctx); err != nil {
		cancel()
		return nil, err
	}
	tn.url = "http://" + tn.srv.Addr()
	stopNet = func() {
		tn.srv.Stop(context.Background())
		tn.adapter.Close()
		subs.Stop()
		cancel()
		wg.Wait()
		node.Stop()
		logf.Close()
		os.RemoveAll(home)
	}
	return tn, nil
}

// token returns a bearer token of the given level ("read", "write", "admin").
func (tn *testNet) token(t *testing.T, level string) string {
	t.Helper()
	perms, err := rpc.PermsForLevel(level)
	if err != nil {
		t.Fatal(err)
	}
	tok, err := rpc.NewToken(tn.secret, perms, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// client connects api (a *XxxAPI) to namespace ns over http or ws with the
// given token ("" for none).
func (tn *testNet) client(t *testing.T, scheme, ns, token string, api any) {
	t.Helper()
	hdr := http.Header{}
	if token != "" {
		hdr.Set("Authorization", "Bearer "+token)
	}
	url := tn.url
	if scheme == "ws" {
		url = "ws" + url[len("http"):]
	}
	errs := jsonrpc.NewErrors()
	for _, c := range codes {
		errs.Register(jsonrpc.ErrorCode(c.code), new(*CodedError))
	}
	closer, err := jsonrpc.NewMergeClient(context.Background(), url, ns, []any{internal(api)}, hdr,
		jsonrpc.WithErrors(errs), jsonrpc.WithTimeout(60*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(closer)
}

func internal(api any) any {
	switch a := api.(type) {
	case *BlobAPI:
		return &a.Internal
	case *headerAPI:
		return &a.Internal
	case *shareAPI:
		return &a.Internal
	case *dasAPI:
		return &a.Internal
	case *DAAPI:
		return &a.Internal
	case *BlobstreamAPI:
		return &a.Internal
	}
	panic(fmt.Sprintf("unknown api %T", api))
}
