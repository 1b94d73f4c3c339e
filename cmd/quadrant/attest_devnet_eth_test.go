package main

import (
	"context"
	"crypto/ecdsa"
	"fmt"
	"math/big"
	"net"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum"
	"github.com/ethereum/go-ethereum/accounts/abi/bind/v2"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/crypto"
	"github.com/ethereum/go-ethereum/eth/ethconfig"
	"github.com/ethereum/go-ethereum/ethclient"
	"github.com/ethereum/go-ethereum/ethclient/simulated"
	"github.com/ethereum/go-ethereum/node"

	"github.com/quadrant-da/quadrant/contracts/bindings"
)

// ethChain is go-ethereum's simulated backend (a real EVM) with its
// JSON-RPC served over HTTP on loopback, so the relay binary reaches it
// through --eth-rpc as it would a real node.
//
// The simulated backend seals a block only when Commit is called. A
// goroutine does so whenever one of the chain's senders has a transaction
// in the pool (its pending nonce is ahead of its mined nonce): blocks are
// mined because a transaction waits, not on a timer. It checks every 20 ms
// — the simulated chain has no event to wait on — and hold stops it, so a
// test can keep a transaction in the pool (a relay killed mid-submission).
type ethChain struct {
	t       *testing.T
	sim     *simulated.Backend
	ec      *ethclient.Client
	url     string
	opts    *bind.TransactOpts // the test's funded sender
	senders []common.Address
	held    atomic.Bool
	commits atomic.Int64
}

func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// newEthChain starts the chain with the test's sender and extra funded.
func newEthChain(t *testing.T, extra ...common.Address) *ethChain {
	t.Helper()
	key, err := crypto.ToECDSA(crypto.Keccak256([]byte("quadrant-attest-devnet/sender")))
	if err != nil {
		t.Fatal(err)
	}
	from := crypto.PubkeyToAddress(key.PublicKey)
	eth := new(big.Int).Mul(big.NewInt(1e6), big.NewInt(1e18))
	alloc := types.GenesisAlloc{from: {Balance: eth}}
	for _, a := range extra {
		alloc[a] = types.Account{Balance: eth}
	}
	port := freePort(t)
	sim := simulated.NewBackend(alloc, func(nc *node.Config, ec *ethconfig.Config) {
		nc.HTTPHost, nc.HTTPPort = "127.0.0.1", port
		nc.HTTPModules, nc.HTTPVirtualHosts = []string{"eth", "net", "web3"}, []string{"*"}
		cfg := *ec.Genesis.Config // Osaka, as contracts/bindings' gas figures
		cfg.AmsterdamTime, cfg.BogotaTime = nil, nil
		ec.Genesis.Config = &cfg
	})
	c := &ethChain{t: t, sim: sim, url: fmt.Sprintf("http://127.0.0.1:%d", port), senders: append([]common.Address{from}, extra...)}
	done, stopped := make(chan struct{}), make(chan struct{})
	go c.mine(done, stopped)
	t.Cleanup(func() { close(done); <-stopped; sim.Close() })
	if c.ec, err = ethclient.Dial(c.url); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.ec.Close)
	id, err := c.ec.ChainID(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	c.opts = bind.NewKeyedTransactor(key, id)
	return c
}

// mine commits a block whenever a sender has a pooled transaction.
func (c *ethChain) mine(done, stopped chan struct{}) {
	defer close(stopped)
	cl := c.sim.Client()
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case <-done:
			return
		case <-tick.C:
		}
		if c.held.Load() || !c.anyPending(cl) {
			continue
		}
		c.sim.Commit()
		c.commits.Add(1)
	}
}

func (c *ethChain) anyPending(cl simulated.Client) bool {
	for _, a := range c.senders {
		if c.pending(cl, a) {
			return true
		}
	}
	return false
}

// pending reports whether a has a transaction in the pool.
func (c *ethChain) pending(cl simulated.Client, a common.Address) bool {
	ctx := context.Background()
	p, err1 := cl.PendingNonceAt(ctx, a)
	m, err2 := cl.NonceAt(ctx, a, nil)
	return err1 == nil && err2 == nil && p > m
}

// deploy deploys a contract and waits for it to be mined.
func (c *ethChain) deploy(bin string, input []byte) common.Address {
	c.t.Helper()
	addr, tx, err := bind.DeployContract(c.opts, common.FromHex(bin), c.ec, input)
	if err != nil {
		c.t.Fatalf("deploy: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if _, err := bind.WaitDeployed(ctx, c.ec, tx.Hash()); err != nil {
		c.t.Fatalf("deploy: %v", err)
	}
	return addr
}

// send sends data to contract from the test's sender and returns the
// mined receipt, failing the test unless it succeeded.
func (c *ethChain) send(contract *bind.BoundContract, data []byte) *types.Receipt {
	c.t.Helper()
	tx, err := bind.Transact(contract, c.opts, data)
	if err != nil {
		c.t.Fatalf("transaction rejected: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	r, err := bind.WaitMined(ctx, c.ec, tx.Hash())
	if err != nil {
		c.t.Fatal(err)
	}
	if r.Status != types.ReceiptStatusSuccessful {
		c.t.Fatalf("transaction %s reverted", tx.Hash())
	}
	return r
}

// call runs data against addr as an eth_call from the test's sender and
// returns the name of the custom error it reverts with ("" if it does not
// revert).
func (c *ethChain) call(addr common.Address, data []byte) string {
	c.t.Helper()
	_, err := c.ec.CallContract(context.Background(), ethereum.CallMsg{From: c.opts.From, To: &addr, Data: data}, nil)
	if err == nil {
		return ""
	}
	revert, ok := ethclient.RevertErrorData(err)
	if !ok {
		c.t.Fatalf("call failed without revert data: %v", err)
	}
	for _, md := range []*bind.MetaData{&bindings.QuadrantBlobstreamMetaData, &bindings.ValidiumExampleMetaData} {
		if name, ok := customError(md, revert); ok {
			return name
		}
	}
	c.t.Fatalf("revert data %x is no custom error of the contracts", revert)
	return ""
}

func customError(md *bind.MetaData, revert []byte) (string, bool) {
	a, err := md.ParseABI()
	if err != nil || len(revert) < 4 {
		return "", false
	}
	for name, e := range a.Errors {
		if string(e.ID[:4]) == string(revert[:4]) {
			return name, true
		}
	}
	return "", false
}

// contractEvent is one nonce the contract logged, with its transaction.
type contractEvent struct {
	nonce  uint64
	valset bool
	root   [32]byte // a data commitment's tuple root
	tx     common.Hash
}

// events returns the contract's DataRootTupleRootEvent and (after the
// constructor's) ValidatorSetUpdatedEvent logs in order.
func (c *ethChain) events(addr common.Address, bs *bindings.QuadrantBlobstream) []contractEvent {
	c.t.Helper()
	logs, err := c.ec.FilterLogs(context.Background(), ethereum.FilterQuery{Addresses: []common.Address{addr}})
	if err != nil {
		c.t.Fatal(err)
	}
	var out []contractEvent
	for i := range logs {
		if ev, err := bs.UnpackDataRootTupleRootEventEvent(&logs[i]); err == nil {
			out = append(out, contractEvent{nonce: ev.Nonce.Uint64(), root: ev.DataRootTupleRoot, tx: logs[i].TxHash})
		} else if ev, err := bs.UnpackValidatorSetUpdatedEventEvent(&logs[i]); err == nil && ev.Nonce.Sign() > 0 {
			out = append(out, contractEvent{nonce: ev.Nonce.Uint64(), valset: true, tx: logs[i].TxHash})
		}
	}
	return out
}

// txsFrom returns every transaction from sender in the chain's blocks,
// with its receipt status.
func (c *ethChain) txsFrom(sender common.Address) (ok, failed []*types.Transaction) {
	c.t.Helper()
	ctx := context.Background()
	head, err := c.ec.BlockNumber(ctx)
	if err != nil {
		c.t.Fatal(err)
	}
	for n := uint64(1); n <= head; n++ {
		b, err := c.ec.BlockByNumber(ctx, new(big.Int).SetUint64(n))
		if err != nil {
			c.t.Fatal(err)
		}
		for _, tx := range b.Transactions() {
			from, err := types.Sender(types.LatestSignerForChainID(tx.ChainId()), tx)
			if err != nil || from != sender {
				continue
			}
			r, err := c.ec.TransactionReceipt(ctx, tx.Hash())
			if err != nil {
				c.t.Fatal(err)
			}
			if r.Status == types.ReceiptStatusSuccessful {
				ok = append(ok, tx)
			} else {
				failed = append(failed, tx)
			}
		}
	}
	return ok, failed
}

// blobstreamAt is a deployed QuadrantBlobstream.
type blobstreamAt struct {
	c     *ethChain
	abi   *bindings.QuadrantBlobstream
	addr  common.Address
	bound *bind.BoundContract
}

func (b *blobstreamAt) nonce() (uint64, error) {
	n, err := bind.Call(b.bound, nil, b.abi.PackStateEventNonce(), b.abi.UnpackStateEventNonce)
	if err != nil {
		return 0, err
	}
	return n.Uint64(), nil
}

func (b *blobstreamAt) verifyAttestation(ap bindings.AttestationProof) bool {
	b.c.t.Helper()
	ok, err := bind.Call(b.bound, nil, b.abi.PackVerifyAttestation(ap.TupleRootNonce, ap.Tuple, ap.Proof), b.abi.UnpackVerifyAttestation)
	if err != nil {
		b.c.t.Fatalf("verifyAttestation: %v", err)
	}
	return ok
}

// keyedSigner holds the validators' Ethereum keys, by address, for the
// hand-built submissions.
type keyedSigner struct {
	keys map[[20]byte]*ecdsa.PrivateKey
}
