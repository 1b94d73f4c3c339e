package bindings_test

import (
	"fmt"
	"testing"

	"github.com/quadrant-da/quadrant/blobs"
	"github.com/quadrant-da/quadrant/contracts/blobstream"
)

// TestAttestationOnChainGas reports (go test -v) the gas of each on-chain
// operation: submitDataRootTupleRoot and updateValidatorSet with 4, 32 and
// 100 equal-power validators (every validator signs; the contract stops
// checking once the threshold is reached), and the verification of blobs
// of several sizes through the example validium. The bounds only catch
// gross regressions; the figures are in BENCHMARKS.md.
func TestAttestationOnChainGas(t *testing.T) {
	t.Run("osaka", func(t *testing.T) { reportGas(t, osakaRules, true) })
	// The backend's default rules price new storage slots (EIP-8037) far
	// higher; reported for comparison only.
	t.Run("dev", func(t *testing.T) { reportGas(t, devRules, false) })
}

func reportGas(t *testing.T, rules chainRules, bounded bool) {
	for _, n := range []int{4, 32, 100} {
		powers := make([]uint64, n)
		for i := range powers {
			powers[i] = 10
		}
		c := newChainWithRules(t, rules)
		set := newValidatorSet(t, fmt.Sprintf("gas-%d", n), powers)
		next := newValidatorSet(t, fmt.Sprintf("gas-%d-next", n), powers)
		r := newRelay(t, c, set)
		needed := int((set.threshold + 9) / 10)
		// The first submission also sets state_eventNonce from zero;
		// measure the steady state, from the second one on.
		r.submitWindow(1, set.all()...)
		submit := r.submitWindow(11, set.all()...).GasUsed
		update := r.updateSet(next, set.all()...).GasUsed
		t.Logf("validators=%d signatures_checked=%d submitDataRootTupleRoot_gas=%d updateValidatorSet_gas=%d", n, needed, submit, update)
		if limit := uint64(80_000 + 7_000*n); bounded && (submit > limit || update > limit) {
			t.Errorf("%d validators: gas %d / %d above the %d bound", n, submit, update, limit)
		}
	}

	c := newChainWithRules(t, rules)
	set := newValidatorSet(t, "gas-blobs", []uint64{40, 20, 20, 10})
	r := newRelay(t, c, set)
	ns := testNamespace(t, 'G')
	sizes := []int{400, 12_000, 64_000}
	xs := map[uint64]*blobs.ExtendedSquare{}
	bs := map[uint64]*blobs.Blob{}
	for i, size := range sizes {
		h := uint64(1 + i)
		bs[h] = testBlob(t, ns, size, byte(i))
		xs[h] = blobSquare(t, "gas", testBlob(t, testNamespace(t, 'A'), 2_000, 1), bs[h])
		r.roots[h] = [32]byte(xs[h].DAH.Hash())
	}
	r.submitWindow(1, set.all()...)
	v := c.deployValidium(r.bs.addr, ns)
	for i, size := range sizes {
		h := uint64(1 + i)
		commitment, err := blobs.CreateCommitment(bs[h])
		if err != nil {
			t.Fatal(err)
		}
		p, err := blobstream.ProveBlob(xs[h], ns, commitment, r.attestation(1, h))
		if err != nil {
			t.Fatal(err)
		}
		// verifyShares is a view, but sent as a transaction its receipt
		// gives the exact gas of verification (calldata included).
		verify := c.send(v.bound, v.abi.PackVerifyShares(bindingsProof(p))).GasUsed
		submit := c.send(v.bound, v.packSubmit([32]byte{byte(i)}, p)).GasUsed
		t.Logf("blob_bytes=%d shares=%d rows=%d k=%d verifyShares_gas=%d submitBatch_gas=%d",
			size, len(p.Data), len(p.RowRoots), xs[h].EDS.K(), verify, submit)
		if limit := uint64(100_000 + 25_000*len(p.Data)); bounded && (verify > limit || submit > limit+150_000) {
			t.Errorf("blob of %d shares: gas %d / %d above the %d bound", len(p.Data), verify, submit, limit)
		}
	}
}
