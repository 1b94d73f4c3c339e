package main

import (
	"context"
	"crypto/ecdsa"
	"fmt"
	"math/big"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	rpchttp "github.com/cometbft/cometbft/rpc/client/http"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"
	"github.com/filecoin-project/go-jsonrpc"

	"github.com/quadrant-da/quadrant/chain"
	"github.com/quadrant-da/quadrant/contracts/bindings"
	"github.com/quadrant-da/quadrant/contracts/blobstream"
	"github.com/quadrant-da/quadrant/da"
	"github.com/quadrant-da/quadrant/internal/wait"
	"github.com/quadrant-da/quadrant/relay"
	rollupadapter "github.com/quadrant-da/quadrant/rollup-adapter"
	"github.com/quadrant-da/quadrant/validator"
)

// attestDevnet is a running `quadrant devnet` with a simulated Ethereum
// chain, QuadrantBlobstream deployed with the devnet's genesis set, the
// example validium, and clients of the devnet's rollup adapter.
type attestDevnet struct {
	t        *testing.T
	home     string
	m        *devnetManifest
	cl       *rpchttp.HTTP
	src      *relay.NodeSource
	eth      *ethChain
	bs       *blobstreamAt
	validium common.Address
	val      *bindings.ValidiumExample
	signer   keyedSigner
	relayKey string
	relayer  common.Address
	blob     rollupadapter.BlobAPI
	bstream  rollupadapter.BlobstreamAPI
	ns       da.Namespace
}

// startAttestDevnet runs `quadrant devnet` with 3 validators as a child
// process (adapter JSON-RPC on a free port, no Alt-DA) and deploys the
// contracts.
func startAttestDevnet(t *testing.T) *attestDevnet {
	home, outDir := t.TempDir(), t.TempDir()
	base := pickBasePort(t, 4)
	adapterAddr := fmt.Sprintf("127.0.0.1:%d", freePort(t))
	dp := startProc(t, filepath.Join(outDir, "devnet.out"), "devnet", "--home", home, "--validators", "3",
		"--block-time", testBlockTime.String(), "--base-port", strconv.Itoa(base), "--adapter-rpc", adapterAddr, "--altda", "")
	// Stop it as Ctrl-C does, so it stops its nodes (before startProc's
	// cleanup kills whatever is left).
	t.Cleanup(func() { _ = dp.stop(t, syscall.SIGINT, time.Minute) })
	d := &attestDevnet{t: t, home: home, signer: keyedSigner{keys: map[[20]byte]*ecdsa.PrivateKey{}}}
	wait.For(t, startDeadline, "the devnet manifest", func() bool {
		var err error
		d.m, err = loadManifest(home)
		return err == nil
	})
	var err error
	if d.cl, err = rpchttp.New(d.m.Validators[0].RPC, "/websocket"); err != nil {
		t.Fatal(err)
	}
	waitHeight(t, d.cl, 1, startDeadline)
	d.src = relay.NewNodeSource(d.cl)
	genesis, err := d.src.Attestation(context.Background(), 0)
	if err != nil {
		t.Fatal(err)
	}
	d.checkGenesisSet(genesis)

	relayKey, err := crypto.ToECDSA(crypto.Keccak256([]byte("quadrant-attest-devnet/relayer")))
	if err != nil {
		t.Fatal(err)
	}
	d.relayKey, d.relayer = filepath.Join(outDir, "relayer.key"), crypto.PubkeyToAddress(relayKey.PublicKey)
	if err := crypto.SaveECDSA(d.relayKey, relayKey); err != nil {
		t.Fatal(err)
	}
	d.eth = newEthChain(t, d.relayer)
	abiBS := bindings.NewQuadrantBlobstream()
	addr := d.eth.deploy(bindings.QuadrantBlobstreamMetaData.Bin,
		abiBS.PackConstructor(big.NewInt(0), new(big.Int).SetUint64(genesis.PowerThreshold), [32]byte(genesis.ValsetHash)))
	d.bs = &blobstreamAt{c: d.eth, abi: abiBS, addr: addr, bound: abiBS.Instance(d.eth.ec, addr)}
	if d.ns, err = da.NewNamespaceV0([]byte("validium")); err != nil {
		t.Fatal(err)
	}
	d.val = bindings.NewValidiumExample()
	d.validium = d.eth.deploy(bindings.ValidiumExampleMetaData.Bin,
		d.val.PackConstructor(addr, bindings.FromNamespace(blobstream.NamespaceFrom(d.ns))))
	d.connectAdapter(adapterAddr)
	return d
}

// checkGenesisSet checks that the chain's genesis set (nonce 0) is the
// validators' Ethereum keys in their homes at power 10 each, and keeps the
// keys for hand-built submissions.
func (d *attestDevnet) checkGenesisSet(g *chain.Attestation) {
	d.t.Helper()
	var vals []blobstream.Validator
	for _, v := range d.m.Validators {
		k, err := validator.LoadEthKey(v.Home)
		if err != nil || k == nil {
			d.t.Fatalf("%s: Ethereum key %s: %v", v.Name, validator.EthKeyPath(v.Home), err)
		}
		a := crypto.PubkeyToAddress(k.PublicKey)
		d.signer.keys[a] = k
		vals = append(vals, blobstream.Validator{Address: a, Power: validatorPower})
	}
	blobstream.SortValidators(vals)
	hash, err := blobstream.ValidatorSetHash(vals)
	if err != nil {
		d.t.Fatal(err)
	}
	th, _ := blobstream.PowerThreshold(vals)
	if g.Kind != chain.AttestationValset || string(g.ValsetHash) != string(hash[:]) || g.PowerThreshold != th {
		d.t.Fatalf("genesis attestation %+v: want the 3 validators' keys at power %d (hash %x, threshold %d)", g, validatorPower, hash, th)
	}
}

// connectAdapter dials the devnet adapter's blob (write token) and
// blobstream (read token) modules once it answers.
func (d *attestDevnet) connectAdapter(addr string) {
	d.t.Helper()
	wait.For(d.t, startDeadline, "the rollup adapter's JSON-RPC", func() bool {
		resp, err := http.Get("http://" + addr + "/health")
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	})
	for _, m := range []struct {
		ns, token string
		api       any
	}{{"blob", "write", &d.blob.Internal}, {"blobstream", "read", &d.bstream.Internal}} {
		tok, err := os.ReadFile(filepath.Join(d.home, "tokens", m.token))
		if err != nil {
			d.t.Fatal(err)
		}
		hdr := http.Header{"Authorization": []string{"Bearer " + strings.TrimSpace(string(tok))}}
		closer, err := jsonrpc.NewMergeClient(context.Background(), "http://"+addr, m.ns, []any{m.api}, hdr, jsonrpc.WithTimeout(time.Minute))
		if err != nil {
			d.t.Fatal(err)
		}
		d.t.Cleanup(closer)
	}
}

// startRelay runs the real `quadrant relay` binary against validator 0.
func (d *attestDevnet) startRelay(log string) *proc {
	return startProc(d.t, log, "relay", "--node", d.m.Validators[0].RPC, "--eth-rpc", d.eth.url,
		"--contract", d.bs.addr.Hex(), "--key", d.relayKey, "--poll", "200ms")
}

// waitNonce waits for the contract's nonce to reach n.
func (d *attestDevnet) waitNonce(n uint64, within time.Duration) {
	d.t.Helper()
	wait.For(d.t, within, fmt.Sprintf("the contract's nonce to reach %d", n), func() bool {
		got, err := d.bs.nonce()
		return err == nil && got >= n
	})
}

// submitBlob submits data in the validium's namespace through the
// adapter and returns its height and commitment.
func (d *attestDevnet) submitBlob(data []byte) (uint64, []byte) {
	d.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	h, err := d.blob.Submit(ctx, []*rollupadapter.Blob{{Namespace: d.ns.Bytes(), Data: data, Index: -1}}, nil)
	if err != nil {
		d.t.Fatal(err)
	}
	b, err := d.blob.Get(ctx, h, d.ns.Bytes(), mustBlobCommitment(d.t, d.ns, data))
	if err != nil {
		d.t.Fatal(err)
	}
	return h, b.Commitment
}

// sharesProof fetches a blob's SharesProof through the adapter's
// blobstream.GetSharesProof once its window is attested on Quadrant.
func (d *attestDevnet) sharesProof(h uint64, commitment []byte) *blobstream.SharesProof {
	d.t.Helper()
	var sp *rollupadapter.SharesProof
	wait.For(d.t, 2*time.Minute, fmt.Sprintf("height %d's window to be attested", h), func() bool {
		var err error
		sp, err = d.bstream.GetSharesProof(context.Background(), h, d.ns.Bytes(), commitment)
		if err != nil && !strings.Contains(err.Error(), "not attested") {
			d.t.Fatalf("GetSharesProof(%d): %v", h, err)
		}
		return err == nil
	})
	p, err := sp.Blobstream()
	if err != nil {
		d.t.Fatal(err)
	}
	return p
}

// verifyShares asks the validium whether p proves its shares.
func (d *attestDevnet) verifyShares(p *blobstream.SharesProof) (bool, uint8) {
	d.t.Helper()
	out, err := bindCall(d, d.val.PackVerifyShares(bindings.FromSharesProof(p)), d.val.UnpackVerifyShares)
	if err != nil {
		d.t.Fatalf("verifyShares: %v", err)
	}
	return out.Valid, out.Code
}

// TestAttestationOnChainDevnet runs `quadrant devnet` (3 validators,
// attesting every 10 heights), a simulated Ethereum chain served over HTTP
// with QuadrantBlobstream deployed with the devnet's genesis set, and the
// `quadrant relay` binary. The relay is SIGKILLed with its submission in
// the pool and restarted; a delegation moves > 5 % of the power and the
// relay installs the new set. Then, with a proof from the adapter's
// blobstream.GetSharesProof, the example validium accepts a blob and
// rejects a changed share, a wrong height, a tuple of a window not attested
// on Ethereum; the contract rejects a hand-built submission signed by 2/3
// of the power or less and a replayed one.
func TestAttestationOnChainDevnet(t *testing.T) {
	start := time.Now()
	d := startAttestDevnet(t)
	t.Logf("devnet and contracts up in %v", time.Since(start).Round(time.Millisecond))
	outDir := filepath.Dir(d.relayKey)
	relayLog := filepath.Join(outDir, "relay.log")
	rp := d.startRelay(relayLog)
	h, commitment := d.submitBlob([]byte(strings.Repeat("validium batch data ", 40)))

	d.waitNonce(2, 3*time.Minute)
	rp = d.killMidSubmission(rp, relayLog)
	t.Logf("relay killed and restarted at %v", time.Since(start).Round(time.Millisecond))
	d.checkHandBuilt(0) // the genesis set: two of three sign exactly 2/3 of the power

	v := d.changeValset()
	d.waitDataCommitments(v, 5)
	if err := rp.stop(t, syscall.SIGINT, 30*time.Second); err != nil {
		t.Fatalf("relay exit on SIGINT: %v", err)
	}
	// A submission the relay sent before it stopped is still mined.
	wait.For(t, time.Minute, "the relayer's last transaction to be mined", func() bool {
		return !d.eth.pending(d.eth.sim.Client(), d.relayer)
	})
	n := d.checkRelayed()
	t.Logf("%d nonces relayed (valset change at %d) in %v", n, v, time.Since(start).Round(time.Millisecond))

	d.checkBlobOnChain(h, commitment)
	d.checkOutsideWindow(n)
	d.checkHandBuilt(v)
	t.Logf("total %v", time.Since(start).Round(time.Millisecond))
}
