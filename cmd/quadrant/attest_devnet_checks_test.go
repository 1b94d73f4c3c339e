package main

import (
	"bytes"
	"context"
	"fmt"
	"math/big"
	"slices"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/accounts/abi/bind/v2"
	"github.com/ethereum/go-ethereum/crypto"

	"github.com/quadrant-da/quadrant/blobs"
	"github.com/quadrant-da/quadrant/chain"
	"github.com/quadrant-da/quadrant/contracts/bindings"
	"github.com/quadrant-da/quadrant/contracts/blobstream"
	"github.com/quadrant-da/quadrant/da"
	"github.com/quadrant-da/quadrant/internal/wait"
	"github.com/quadrant-da/quadrant/validator"
)

func mustBlobCommitment(t *testing.T, ns da.Namespace, data []byte) []byte {
	t.Helper()
	c, err := blobs.CreateCommitment(&blobs.Blob{Namespace: ns, Data: data})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// bindCall calls the validium with data and unpacks the result.
func bindCall[T any](d *attestDevnet, data []byte, unpack func([]byte) (T, error)) (T, error) {
	return bind.Call(d.val.Instance(d.eth.ec, d.validium), nil, data, unpack)
}

// killMidSubmission holds Ethereum's mining until the relay has its next
// submission in the pool, SIGKILLs the relay, lets the orphaned
// transaction be mined, and starts a new relay process.
func (d *attestDevnet) killMidSubmission(rp *proc, log string) *proc {
	d.t.Helper()
	d.eth.held.Store(true)
	defer d.eth.held.Store(false)
	before, err := d.bs.nonce()
	if err != nil {
		d.t.Fatal(err)
	}
	cl := d.eth.sim.Client()
	wait.For(d.t, 2*time.Minute, "the relay to send its next submission", func() bool { return d.eth.pending(cl, d.relayer) })
	if err := rp.stop(d.t, syscall.SIGKILL, 30*time.Second); err == nil {
		d.t.Fatal("the relay exited cleanly on SIGKILL")
	}
	d.eth.held.Store(false)
	d.waitNonce(before+1, time.Minute)
	return d.startRelay(log)
}

// changeValset delegates half of validator 0's power again from the
// faucet (10 → 15 of 35: 9.5 % of the power moves) with `quadrant tx
// delegate`, and returns the nonce of the valset attestation that follows.
func (d *attestDevnet) changeValset() uint64 {
	d.t.Helper()
	runCLI(d.t, "tx", "delegate", "--home", d.home, "--key", "faucet", "--validator", d.m.Validators[0].Account,
		"--amount", strconv.FormatUint(5*chain.DefaultPowerReduction, 10))
	var found *chain.Attestation
	next := uint64(1)
	wait.For(d.t, 2*time.Minute, "a valset attestation after the delegation", func() bool {
		for {
			a, err := d.src.Attestation(context.Background(), next)
			if err != nil {
				return false
			}
			if a.Kind == chain.AttestationValset {
				found = a
				return true
			}
			next++
		}
	})
	k, err := validator.LoadEthKey(d.m.Validators[0].Home)
	if err != nil || k == nil {
		d.t.Fatalf("validator 0's Ethereum key: %v", err)
	}
	addr := crypto.PubkeyToAddress(k.PublicKey)
	if len(found.Valset) != 3 || found.Valset[0].Power != 15 || !bytes.Equal(found.Valset[0].Address, addr[:]) {
		d.t.Fatalf("valset attestation %d: %+v, want validator 0 first at power 15", found.Nonce, found.Valset)
	}
	return found.Nonce
}

// waitDataCommitments waits until the contract holds the valset update v
// and at least n data commitments.
func (d *attestDevnet) waitDataCommitments(v uint64, n int) {
	d.t.Helper()
	wait.For(d.t, 3*time.Minute, fmt.Sprintf("valset update %d and %d data commitments on chain", v, n), func() bool {
		got, err := d.bs.nonce()
		if err != nil || got < v+1 {
			return false
		}
		dcs := 0
		for _, e := range d.eth.events(d.bs.addr, d.bs.abi) {
			if !e.valset {
				dcs++
			}
		}
		return dcs >= n
	})
}

// checkRelayed checks that the contract logged nonces 1..n once each, in
// order, each the attestation Quadrant holds at that nonce, and that the
// relayer sent exactly n transactions, none failed: the kill and restart
// neither skipped nor repeated a nonce. It returns n.
func (d *attestDevnet) checkRelayed() uint64 {
	d.t.Helper()
	n, err := d.bs.nonce()
	if err != nil {
		d.t.Fatal(err)
	}
	evs := d.eth.events(d.bs.addr, d.bs.abi)
	if uint64(len(evs)) != n {
		d.t.Fatalf("%d events for contract nonce %d", len(evs), n)
	}
	for i, e := range evs {
		a, err := d.src.Attestation(context.Background(), e.nonce)
		if err != nil {
			d.t.Fatal(err)
		}
		if e.nonce != uint64(i+1) || e.valset != (a.Kind == chain.AttestationValset) {
			d.t.Fatalf("event %d: nonce %d (valset %v), Quadrant's attestation there is a %s: skipped or repeated", i, e.nonce, e.valset, a.Kind)
		}
		if !e.valset && !bytes.Equal(e.root[:], a.TupleRoot) {
			d.t.Fatalf("nonce %d: the contract holds tuple root %x, Quadrant attested %x", e.nonce, e.root, []byte(a.TupleRoot))
		}
		r, err := d.eth.ec.TransactionReceipt(context.Background(), e.tx)
		if err != nil {
			d.t.Fatal(err)
		}
		what := fmt.Sprintf("valset at height %d", a.Height)
		if !e.valset {
			what = fmt.Sprintf("data commitment of heights %d-%d", a.BeginHeight, a.EndHeight)
		}
		d.t.Logf("nonce %d (%s): %d gas", e.nonce, what, r.GasUsed)
	}
	ok, failed := d.eth.txsFrom(d.relayer)
	if uint64(len(ok)) != n || len(failed) != 0 {
		d.t.Fatalf("the relayer sent %d successful and %d failed transactions for %d nonces", len(ok), len(failed), n)
	}
	return n
}

// cloneProof deep-copies the share data of p (the rest is copied by value
// where the checks modify it).
func cloneProof(p *blobstream.SharesProof) *blobstream.SharesProof {
	c := *p
	c.Data = make([][]byte, len(p.Data))
	for i := range p.Data {
		c.Data[i] = bytes.Clone(p.Data[i])
	}
	return &c
}

// checkBlobOnChain proves the blob at h with the adapter's SharesProof:
// the validium accepts it (a mined batch) and rejects it with a share
// changed or at a wrong height.
func (d *attestDevnet) checkBlobOnChain(h uint64, commitment []byte) {
	d.t.Helper()
	p := d.sharesProof(h, commitment)
	if ok, code := d.verifyShares(p); !ok {
		d.t.Fatalf("the validium rejects the blob at height %d (nonce %d): code %d", h, p.AttestationProof.TupleRootNonce, code)
	}
	stateRoot := [32]byte(crypto.Keccak256([]byte("state root")))
	r := d.eth.send(d.val.Instance(d.eth.ec, d.validium), d.val.PackSubmitBatch(stateRoot, bindings.FromSharesProof(p)))
	accepted := false
	for _, l := range r.Logs {
		if ev, err := d.val.UnpackBatchAcceptedEvent(l); err == nil && ev.Height.Uint64() == h && ev.StateRoot == stateRoot {
			accepted = true
		}
	}
	if !accepted {
		d.t.Fatal("submitBatch mined without a BatchAccepted event of the blob's height")
	}
	d.t.Logf("blob of %d shares at height %d accepted by the validium: %d gas", len(p.Data), h, r.GasUsed)

	changed := cloneProof(p)
	changed.Data[0][len(changed.Data[0])-1] ^= 1
	wrongHeight := cloneProof(p)
	wrongHeight.AttestationProof.Tuple.Height++
	for name, bad := range map[string]*blobstream.SharesProof{"a changed share": changed, "a wrong height": wrongHeight} {
		if ok, _ := d.verifyShares(bad); ok {
			d.t.Errorf("the validium accepts the proof with %s", name)
		}
		if got := d.eth.call(d.validium, d.val.PackSubmitBatch(stateRoot, bindings.FromSharesProof(bad))); got != "InvalidSharesProof" {
			d.t.Errorf("submitBatch with %s: reverted with %q, want InvalidSharesProof", name, got)
		}
	}
}

// checkOutsideWindow submits a blob after the relay stopped at nonce n:
// its window is attested on Quadrant but not on Ethereum, so neither its
// proof nor its tuple proved against the last relayed window is accepted.
func (d *attestDevnet) checkOutsideWindow(n uint64) {
	d.t.Helper()
	h, commitment := d.submitBlob([]byte("a batch whose window is never relayed"))
	p := d.sharesProof(h, commitment)
	if p.AttestationProof.TupleRootNonce <= n {
		d.t.Fatalf("blob at height %d proved against nonce %d, relayed up to %d", h, p.AttestationProof.TupleRootNonce, n)
	}
	if ok, _ := d.verifyShares(p); ok {
		d.t.Error("the validium accepts a blob of a window not attested on Ethereum")
	}
	if d.bs.verifyAttestation(bindings.FromAttestationProof(p.AttestationProof)) {
		d.t.Error("verifyAttestation accepts a tuple of a window not attested on Ethereum")
	}
	relabelled := p.AttestationProof
	relabelled.TupleRootNonce = n
	if d.bs.verifyAttestation(bindings.FromAttestationProof(relabelled)) {
		d.t.Errorf("verifyAttestation accepts height %d's tuple against the window of nonce %d", h, n)
	}
	if got, err := d.bs.nonce(); err != nil || got != n {
		d.t.Fatalf("contract nonce %d (%v) after the relay stopped at %d", got, err, n)
	}
}

// checkHandBuilt builds submitDataRootTupleRoot for the contract's next
// nonce by hand, signed by the current set (installed at setNonce) with
// the smallest-power members whose power is at most 2/3 of the total, and
// checks the contract refuses it (InsufficientVotingPower) while the same
// submission signed by every member passes; and that a relayed submission
// sent again is refused for its nonce. Mining is held meanwhile, so the
// contract's nonce cannot move under the calls.
func (d *attestDevnet) checkHandBuilt(setNonce uint64) {
	d.t.Helper()
	d.eth.held.Store(true)
	defer d.eth.held.Store(false)
	set, err := d.src.Attestation(context.Background(), setNonce)
	if err != nil {
		d.t.Fatal(err)
	}
	n, err := d.bs.nonce()
	if err != nil {
		d.t.Fatal(err)
	}
	vals := make([]blobstream.Validator, len(set.Valset))
	var total uint64
	for i, v := range set.Valset {
		vals[i] = blobstream.Validator{Address: [20]byte(v.Address), Power: v.Power}
		total += v.Power
	}
	root := [32]byte(crypto.Keccak256([]byte("hand-built data root tuple root")))
	digest := blobstream.EthSignedMessageHash(blobstream.DataCommitmentDigest(n+1, root))
	var few []int // lowest powers first, while their sum stays ≤ 2/3
	var power uint64
	for i := len(vals) - 1; i >= 0 && 3*(power+vals[i].Power) <= 2*total; i-- {
		few, power = append(few, i), power+vals[i].Power
	}
	pack := func(signers []int) []byte {
		sigs := map[[20]byte]blobstream.Signature{}
		for _, i := range signers {
			raw, err := crypto.Sign(digest[:], d.signer.keys[vals[i].Address])
			if err != nil {
				d.t.Fatal(err)
			}
			if sigs[vals[i].Address], err = blobstream.SignatureFromBytes(raw); err != nil {
				d.t.Fatal(err)
			}
		}
		return d.bs.abi.PackSubmitDataRootTupleRoot(new(big.Int).SetUint64(n+1), new(big.Int).SetUint64(setNonce), root,
			bindings.FromValidators(vals), bindings.FromSignatures(blobstream.AlignSignatures(vals, sigs)))
	}
	if got := d.eth.call(d.bs.addr, pack(few)); got != "InsufficientVotingPower" {
		d.t.Errorf("signatures of power %d of %d (members %v): reverted with %q, want InsufficientVotingPower", power, total, few, got)
	}
	all := make([]int, len(vals))
	for i := range all {
		all[i] = i
	}
	if got := d.eth.call(d.bs.addr, pack(all)); got != "" {
		d.t.Errorf("signatures of every member: reverted with %q, want success", got)
	}
	d.checkReplay(n)
	d.t.Logf("hand-built submission at nonce %d: power %d of %d refused, all accepted", n+1, power, total)
}

// checkReplay sends the calldata of every relayed data commitment up to n
// again: each is refused for its nonce.
func (d *attestDevnet) checkReplay(n uint64) {
	d.t.Helper()
	evs := d.eth.events(d.bs.addr, d.bs.abi)
	replayed := 0
	for _, e := range evs {
		if e.valset || e.nonce > n {
			continue
		}
		tx, _, err := d.eth.ec.TransactionByHash(context.Background(), e.tx)
		if err != nil {
			d.t.Fatal(err)
		}
		if got := d.eth.call(d.bs.addr, tx.Data()); got != "InvalidDataRootTupleRootNonce" {
			d.t.Errorf("nonce %d replayed: reverted with %q, want InvalidDataRootTupleRootNonce", e.nonce, got)
		}
		replayed++
	}
	if replayed == 0 || !slices.ContainsFunc(evs, func(e contractEvent) bool { return !e.valset }) {
		d.t.Fatal("no relayed data commitment to replay")
	}
}
