package relay_test

import (
	"context"
	"errors"
	"fmt"
	"math/big"
	"strings"
	"sync"
	"testing"
	"time"

	rpchttp "github.com/cometbft/cometbft/rpc/client/http"
	"github.com/ethereum/go-ethereum"
	"github.com/ethereum/go-ethereum/accounts/abi/bind/v2"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/crypto"
	"github.com/ethereum/go-ethereum/eth/ethconfig"
	"github.com/ethereum/go-ethereum/ethclient"
	"github.com/ethereum/go-ethereum/ethclient/simulated"
	"github.com/ethereum/go-ethereum/node"

	"github.com/quadrant-da/quadrant/blobs"
	"github.com/quadrant-da/quadrant/chain"
	"github.com/quadrant-da/quadrant/consensus"
	"github.com/quadrant-da/quadrant/contracts/bindings"
	"github.com/quadrant-da/quadrant/contracts/blobstream"
	"github.com/quadrant-da/quadrant/internal/wait"
	"github.com/quadrant-da/quadrant/relay"
	"github.com/quadrant-da/quadrant/validator"
	"github.com/quadrant-da/quadrant/validator/validatortest"
	"github.com/quadrant-da/quadrant/wallet"
)

// newEthChain starts go-ethereum's simulated backend served over HTTP JSON-RPC on
// 127.0.0.1 and sealing a block every 50 ms, so the relay reaches it as it
// would a real node: through an --eth-rpc URL. It returns a client, the
// URL and a funded sender.
func newEthChain(t *testing.T) (*ethclient.Client, string, *bind.TransactOpts) {
	t.Helper()
	key, err := crypto.ToECDSA(crypto.Keccak256([]byte("quadrant-relay-test/sender")))
	if err != nil {
		t.Fatal(err)
	}
	from := crypto.PubkeyToAddress(key.PublicKey)
	port := validatortest.FreePort(t)
	sim := simulated.NewBackend(types.GenesisAlloc{from: {Balance: new(big.Int).Mul(big.NewInt(1e6), big.NewInt(1e18))}},
		func(nc *node.Config, ec *ethconfig.Config) {
			nc.HTTPHost, nc.HTTPPort = "127.0.0.1", port
			nc.HTTPModules, nc.HTTPVirtualHosts = []string{"eth", "net", "web3"}, []string{"*"}
			cfg := *ec.Genesis.Config // Osaka, as contracts/bindings' gas figures
			cfg.AmsterdamTime, cfg.BogotaTime = nil, nil
			ec.Genesis.Config = &cfg
		})
	done, stopped := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(stopped)
		tick := time.NewTicker(50 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-done:
				return
			case <-tick.C:
				sim.Commit()
			}
		}
	}()
	t.Cleanup(func() { close(done); <-stopped; sim.Close() })
	url := fmt.Sprintf("http://127.0.0.1:%d", port)
	ec, err := ethclient.Dial(url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(ec.Close)
	id, err := ec.ChainID(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return ec, url, bind.NewKeyedTransactor(key, id)
}

// flakySink fails some submissions: once after landing the transaction
// (a lost receipt) and once before sending it (a failed call).
type flakySink struct {
	relay.Sink
	mu                    sync.Mutex
	lostReceipt, failCall uint64
	calls                 map[uint64]int
}

var errInjected = errors.New("injected failure")

func (f *flakySink) Submit(ctx context.Context, a, signer *chain.Attestation) error {
	f.mu.Lock()
	f.calls[a.Nonce]++
	first := f.calls[a.Nonce] == 1
	f.mu.Unlock()
	if first && a.Nonce == f.failCall {
		return errInjected
	}
	err := f.Sink.Submit(ctx, a, signer)
	if first && a.Nonce == f.lostReceipt && err == nil {
		return fmt.Errorf("receipt lost: %w", errInjected)
	}
	return err
}

// waitNonce waits until the contract's nonce reaches n.
func waitNonce(t *testing.T, sink relay.Sink, n uint64, within time.Duration) {
	t.Helper()
	wait.For(t, within, fmt.Sprintf("the contract's nonce to reach %d", n), func() bool {
		got, err := sink.Nonce(context.Background())
		return err == nil && got >= n
	})
}

// TestAttestationOnChainRelay runs three CometBFT validators that attest
// every 4 heights through vote extensions, deploys QuadrantBlobstream with
// their genesis set on a simulated Ethereum chain reached over HTTP, and
// relays: a first relay lands nonce 1 and is stopped (a restart), a second
// one meets a lost receipt and a failed call and still lands nonces 2 and
// 3 exactly once each. verifyAttestation then accepts a real block's tuple
// and rejects it at a wrong height. Last, a validator doubles its power by
// delegation and the relay installs the checkpoint the genesis set signed
// with updateValidatorSet, then the next commitment signed by the new set.
func TestAttestationOnChainRelay(t *testing.T) {
	nw := validatortest.NewNetwork(t, 3, 0, 200*time.Millisecond, 10*chain.DefaultPowerReduction, func(g *consensus.GenesisState) {
		g.Attestation.DataCommitmentWindow = 4
	})
	nodes := make([]*validator.Node, len(nw.Members))
	for i := range nw.Members {
		nodes[i] = nw.Start(t, i)
	}
	cl, err := rpchttp.New("http://"+strings.TrimPrefix(nw.Members[0].Config.RPC.ListenAddress, "tcp://"), "/websocket")
	if err != nil {
		t.Fatal(err)
	}
	validatortest.WaitHeight(t, cl, 1, time.Minute)
	src := relay.NewNodeSource(cl)
	ctx := context.Background()
	genesis, err := src.Attestation(ctx, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(genesis.Valset) != 3 {
		t.Fatalf("genesis set of %d validators, want 3", len(genesis.Valset))
	}

	ec, url, opts := newEthChain(t)
	c := bindings.NewQuadrantBlobstream()
	addr, tx, err := bind.DeployContract(opts, common.FromHex(bindings.QuadrantBlobstreamMetaData.Bin), ec,
		c.PackConstructor(big.NewInt(0), new(big.Int).SetUint64(genesis.PowerThreshold), [32]byte(genesis.ValsetHash)))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := bind.WaitDeployed(ctx, ec, tx.Hash()); err != nil {
		t.Fatal(err)
	}
	key, _ := crypto.ToECDSA(crypto.Keccak256([]byte("quadrant-relay-test/sender")))
	newSink := func() *relay.EthSink {
		ec2, err := ethclient.Dial(url)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(ec2.Close)
		s, err := relay.NewEthSink(ctx, ec2, addr, key)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	run := func(sink relay.Sink) (stop func()) {
		r, err := relay.New(relay.Config{Poll: 200 * time.Millisecond, MinBackoff: 100 * time.Millisecond, MaxBackoff: time.Second,
			Logger: validatortest.Logger(t, t.TempDir())}, src, sink)
		if err != nil {
			t.Fatal(err)
		}
		rctx, cancel := context.WithCancel(ctx)
		done := make(chan struct{})
		go func() { defer close(done); _ = r.Run(rctx) }()
		return func() { cancel(); <-done }
	}

	start := time.Now()
	first := newSink()
	stop := run(first)
	waitNonce(t, first, 1, 2*time.Minute)
	stop()
	t.Logf("nonce 1 on chain %v after the relay started", time.Since(start).Round(time.Millisecond))
	second := newSink()
	flaky := &flakySink{Sink: second, lostReceipt: 2, failCall: 3, calls: map[uint64]int{}}
	stop = run(flaky)
	waitNonce(t, second, 3, 2*time.Minute)
	stop()
	if flaky.calls[2] != 1 || flaky.calls[3] != 2 {
		t.Errorf("submissions by nonce %v: want nonce 2 once (its receipt lost, the contract's nonce showed it landed) and nonce 3 twice", flaky.calls)
	}
	t.Logf("nonces 1-3 on chain %v after the relay first started", time.Since(start).Round(time.Millisecond))
	checkEvents(t, ec, addr, c, 3)
	checkVerifyAttestation(t, cl, src, ec, addr, c)

	// Validator 0 doubles its power: the next window's end adds a
	// checkpoint signed by the genesis set, and the relay installs it.
	delegate(t, nodes[0], nw.Members[0].Operator, chain.StakeMsg{Delegate: &chain.Delegation{
		Validator: nw.Members[0].Operator.Address(), Amount: 10 * chain.DefaultPowerReduction}})
	stop = run(newSink())
	defer stop()
	v := waitValset(t, src, 2*time.Minute)
	waitNonce(t, second, v+1, 2*time.Minute)
	checkEvents(t, ec, addr, c, v+1)
}

// delegate submits a staking message through node n and waits for it.
func delegate(t *testing.T, n *validator.Node, key *wallet.Key, msg chain.StakeMsg) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	s, err := wallet.NewSubmitter(wallet.SubmitterConfig{Client: n.Client(), Mempool: n.Mempool(), Key: key, PollInterval: 50 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	s.Start(ctx)
	defer s.Stop()
	sub, err := s.Stake(ctx, msg)
	if err != nil {
		t.Fatal(err)
	}
	if st, err := sub.Wait(ctx); err != nil || st.Code != chain.CodeOK {
		t.Fatalf("%s: %v %+v", msg.Name(), err, st)
	}
}

// waitValset waits for a valset attestation after nonce 0 and returns its
// nonce.
func waitValset(t *testing.T, src *relay.NodeSource, within time.Duration) uint64 {
	t.Helper()
	var found *chain.Attestation
	seen := uint64(1)
	wait.For(t, within, "a valset checkpoint after nonce 0", func() bool {
		for {
			a, err := src.Attestation(context.Background(), seen)
			if err != nil {
				return false // not there yet
			}
			if a.Kind == chain.AttestationValset {
				found = a
				return true
			}
			seen++
		}
	})
	if len(found.Valset) != 3 || found.Valset[0].Power != 20 {
		t.Fatalf("checkpoint %d: set %+v, want validator 0 at power 20 first", found.Nonce, found.Valset)
	}
	return found.Nonce
}

// checkEvents checks the contract logged nonces 1..n (data commitments and
// valset updates) once each, in order, and logs their gas.
func checkEvents(t *testing.T, ec *ethclient.Client, addr common.Address, c *bindings.QuadrantBlobstream, n uint64) {
	t.Helper()
	logs, err := ec.FilterLogs(context.Background(), ethereum.FilterQuery{Addresses: []common.Address{addr}})
	if err != nil {
		t.Fatal(err)
	}
	var nonces []uint64
	for i := range logs {
		what, nonce := "submitDataRootTupleRoot", uint64(0)
		if ev, err := c.UnpackDataRootTupleRootEventEvent(&logs[i]); err == nil {
			nonce = ev.Nonce.Uint64()
		} else if ev, err := c.UnpackValidatorSetUpdatedEventEvent(&logs[i]); err == nil && ev.Nonce.Sign() > 0 {
			what, nonce = "updateValidatorSet", ev.Nonce.Uint64()
		} else {
			continue
		}
		nonces = append(nonces, nonce)
		if r, err := ec.TransactionReceipt(context.Background(), logs[i].TxHash); err == nil {
			t.Logf("nonce %d: %s used %d gas (3 validators)", nonce, what, r.GasUsed)
		}
	}
	if uint64(len(nonces)) < n {
		t.Fatalf("data commitment events for nonces %v, want 1..%d", nonces, n)
	}
	for i, got := range nonces {
		if got != uint64(i+1) {
			t.Fatalf("data commitment events for nonces %v: skipped or repeated", nonces)
		}
	}
}

// checkVerifyAttestation proves a real block's (height, data root) tuple
// against the relayed commitment of nonce 1.
func checkVerifyAttestation(t *testing.T, cl *rpchttp.HTTP, src relay.Source, ec *ethclient.Client, addr common.Address, c *bindings.QuadrantBlobstream) {
	t.Helper()
	ctx := context.Background()
	a, err := src.Attestation(ctx, 1)
	if err != nil {
		t.Fatal(err)
	}
	var tuples []blobstream.DataRootTuple
	for h := a.BeginHeight; h <= a.EndHeight; h++ {
		hh := int64(h)
		b, err := cl.Block(ctx, &hh)
		if err != nil {
			t.Fatal(err)
		}
		txs := b.Block.Txs
		drt, err := blobs.DecodeDataRootTx(txs[len(txs)-1])
		if err != nil {
			t.Fatalf("height %d: %v", h, err)
		}
		tuples = append(tuples, blobstream.DataRootTuple{Height: h, DataRoot: [32]byte(drt.DataRoot)})
	}
	dc, err := blobstream.NewDataCommitment(tuples)
	if err != nil {
		t.Fatal(err)
	}
	if root := dc.Root(); string(root[:]) != string(a.TupleRoot) {
		t.Fatalf("attested tuple root %x, recomputed from the blocks %x", a.TupleRoot, root)
	}
	p, err := dc.AttestationProof(1, a.BeginHeight+1)
	if err != nil {
		t.Fatal(err)
	}
	bp := bindings.FromAttestationProof(p)
	bound := c.Instance(ec, addr)
	verify := func(tu bindings.DataRootTuple) bool {
		ok, err := bind.Call(bound, nil, c.PackVerifyAttestation(bp.TupleRootNonce, tu, bp.Proof), c.UnpackVerifyAttestation)
		if err != nil {
			t.Fatal(err)
		}
		return ok
	}
	if !verify(bp.Tuple) {
		t.Fatal("verifyAttestation rejects a real block's tuple")
	}
	wrong := bp.Tuple
	wrong.Height = new(big.Int).Add(wrong.Height, big.NewInt(1))
	if verify(wrong) {
		t.Fatal("verifyAttestation accepts the tuple at a wrong height")
	}
}
