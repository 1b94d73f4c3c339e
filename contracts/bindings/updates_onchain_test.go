package bindings_test

import (
	"crypto/ecdsa"
	"testing"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"

	"github.com/quadrant-da/quadrant/contracts/blobstream"
)

// TestAttestationOnChainUpdates checks the contract's acceptance rules for
// both kinds of update while relaying windows and a validator-set change:
// signatures from two thirds of the power or less, a forged or malleable
// signature, a stale validator set, and replayed or skipped nonces are all
// rejected on chain, and leave the contract's nonce unchanged.
func TestAttestationOnChainUpdates(t *testing.T) {
	c := newChain(t)
	v1 := newValidatorSet(t, "v1", powersV1)
	v2 := newValidatorSet(t, "v2", powersV2)
	r := newRelay(t, c, v1)
	bs := r.bs
	revert := func(t *testing.T, data []byte, want string) {
		t.Helper()
		before := bs.eventNonce()
		c.expectRevert(bs.bound, bs.addr, bs.parsed, data, want)
		if after := bs.eventNonce(); after != before {
			t.Fatalf("state_eventNonce moved from %d to %d on a rejected update", before, after)
		}
	}

	r.submitWindow(1, v1.all()...)
	r.submitWindow(11, 0, 1, 3)
	r.submitWindow(21, 0, 2, 3)

	t.Run("exactly two thirds of the power", func(t *testing.T) {
		if p := v1.power(0, 1); 3*p != 2*90 {
			t.Fatalf("signers hold %d of 90, want exactly two thirds", p)
		}
		data, _ := r.windowCalldata(31, 0, 1)
		revert(t, data, "InsufficientVotingPower")
		revert(t, r.updateCalldata(v2, 0, 1), "InsufficientVotingPower")
	})
	t.Run("less than two thirds", func(t *testing.T) {
		data, _ := r.windowCalldata(31, 0, 3)
		revert(t, data, "InsufficientVotingPower")
		data, _ = r.windowCalldata(31)
		revert(t, data, "InsufficientVotingPower")
	})
	t.Run("forged signature", func(t *testing.T) {
		dc := r.commitment(31)
		digest := blobstream.DataCommitmentDigest(r.nonce+1, dc.Root())
		sigs := v1.sign(t, digest, v1.all()...)
		// An outsider's signature in the strongest validator's slot.
		outsider := newValidatorSet(t, "outsider", []uint64{1})
		sigs[0] = outsider.sign(t, digest, 0)[0]
		revert(t, bs.packSubmit(r.nonce+1, r.setNonce, dc.Root(), v1, sigs), "InvalidSignature")
		// A signature over another nonce's digest.
		sigs = v1.sign(t, blobstream.DataCommitmentDigest(r.nonce+2, dc.Root()), v1.all()...)
		revert(t, bs.packSubmit(r.nonce+1, r.setNonce, dc.Root(), v1, sigs), "InvalidSignature")
	})
	t.Run("malleable signature", func(t *testing.T) {
		dc := r.commitment(31)
		sigs := v1.sign(t, blobstream.DataCommitmentDigest(r.nonce+1, dc.Root()), v1.all()...)
		// (r, n - s, other v) recovers the same address; the contract
		// refuses high s.
		digest := blobstream.EthSignedMessageHash(blobstream.DataCommitmentDigest(r.nonce+1, dc.Root()))
		m := malleate(sigs[0])
		pub, err := crypto.Ecrecover(digest[:], append(append(m.R[:], m.S[:]...), m.V-27))
		if err != nil || crypto.PubkeyToAddress(*mustPub(t, pub)) != common.Address(v1.vals[0].Address) {
			t.Fatalf("the malleated signature does not recover the signer (%v)", err)
		}
		sigs[0] = m
		revert(t, bs.packSubmit(r.nonce+1, r.setNonce, dc.Root(), v1, sigs), "InvalidSignature")
	})
	t.Run("validator set not the current one", func(t *testing.T) {
		dc := r.commitment(31)
		sigs := v2.sign(t, blobstream.DataCommitmentDigest(r.nonce+1, dc.Root()), v2.all()...)
		revert(t, bs.packSubmit(r.nonce+1, r.setNonce, dc.Root(), v2, sigs), "SuppliedValidatorSetInvalid")
		// The right set claimed at the wrong nonce.
		sigs = v1.sign(t, blobstream.DataCommitmentDigest(r.nonce+1, dc.Root()), v1.all()...)
		revert(t, bs.packSubmit(r.nonce+1, r.setNonce+1, dc.Root(), v1, sigs), "SuppliedValidatorSetInvalid")
		// Signatures misaligned with the set.
		revert(t, bs.packSubmit(r.nonce+1, r.setNonce, dc.Root(), v1, sigs[:3]), "MalformedCurrentValidatorSet")
	})
	t.Run("replayed nonce", func(t *testing.T) {
		// The exact calldata accepted at nonce 3, and nonce 2's.
		revert(t, r.calldata[3], "InvalidDataRootTupleRootNonce")
		revert(t, r.calldata[2], "InvalidDataRootTupleRootNonce")
		// A fresh signature over an old nonce.
		dc := r.commitment(31)
		sigs := v1.sign(t, blobstream.DataCommitmentDigest(r.nonce, dc.Root()), v1.all()...)
		revert(t, bs.packSubmit(r.nonce, r.setNonce, dc.Root(), v1, sigs), "InvalidDataRootTupleRootNonce")
	})
	t.Run("skipped nonce", func(t *testing.T) {
		dc := r.commitment(31)
		sigs := v1.sign(t, blobstream.DataCommitmentDigest(r.nonce+2, dc.Root()), v1.all()...)
		revert(t, bs.packSubmit(r.nonce+2, r.setNonce, dc.Root(), v1, sigs), "InvalidDataRootTupleRootNonce")
	})

	// The validator-set change, signed by the outgoing set (70 of 90).
	r.updateSet(v2, 0, 2, 3)
	if r.nonce != 4 || bs.eventNonce() != 4 {
		t.Fatalf("after the set change: nonce %d, contract %d, want 4", r.nonce, bs.eventNonce())
	}

	t.Run("outgoing set after the change", func(t *testing.T) {
		dc := r.commitment(31)
		sigs := v1.sign(t, blobstream.DataCommitmentDigest(r.nonce+1, dc.Root()), v1.all()...)
		revert(t, bs.packSubmit(r.nonce+1, 0, dc.Root(), v1, sigs), "SuppliedValidatorSetInvalid")
	})
	t.Run("exactly two thirds of the new set", func(t *testing.T) {
		if p := v2.power(0, 2, 3); 3*p != 2*120 {
			t.Fatalf("signers hold %d of 120, want exactly two thirds", p)
		}
		data, _ := r.windowCalldata(31, 0, 2, 3)
		revert(t, data, "InsufficientVotingPower")
	})
	t.Run("replayed validator-set change", func(t *testing.T) {
		revert(t, r.calldata[4], "InvalidValidatorSetNonce")
	})
	t.Run("zero power threshold", func(t *testing.T) {
		zero := *v1
		zero.threshold = 0
		revert(t, r.updateCalldata(&zero, v2.all()...), "ZeroPowerThreshold")
	})

	r.submitWindow(31, 0, 1, 3) // 85 of 120
	r.submitWindow(41, v2.all()...)
	if bs.eventNonce() != 6 {
		t.Fatalf("state_eventNonce = %d, want 6", bs.eventNonce())
	}
	// Every tuple of every attested window verifies at its nonce.
	for nonce, dc := range r.commits {
		for h := dc.BeginHeight(); h <= dc.EndHeight(); h++ {
			if !bs.verifyAttestation(r.attestation(nonce, h)) {
				t.Fatalf("nonce %d: tuple of height %d not verified", nonce, h)
			}
		}
	}
}

// malleate returns the other valid signature of the same message and key:
// (r, n - s) with the recovery bit flipped.
func malleate(s blobstream.Signature) blobstream.Signature {
	n := secp256k1N()
	hi := n.Sub(n, bigFrom(s.S[:]))
	out := s
	hi.FillBytes(out.S[:])
	out.V = 27 + 28 - s.V
	return out
}

func mustPub(t *testing.T, pub []byte) *ecdsa.PublicKey {
	t.Helper()
	k, err := crypto.UnmarshalPubkey(pub)
	if err != nil {
		t.Fatal(err)
	}
	return k
}
