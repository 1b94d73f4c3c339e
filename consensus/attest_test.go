package consensus

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	abci "github.com/cometbft/cometbft/abci/types"

	"github.com/quadrant-da/quadrant/blobs"
	"github.com/quadrant-da/quadrant/chain"
	"github.com/quadrant-da/quadrant/contracts/blobstream"
)

func queryAttestation(t testing.TB, app *App, which string) *chain.Attestation {
	t.Helper()
	res, err := app.Query(context.Background(), &abci.RequestQuery{Path: "/attestation/" + which})
	if err != nil || res.Code != chain.CodeOK {
		t.Fatalf("query /attestation/%s: %v %s", which, err, res.Log)
	}
	var a chain.Attestation
	if err := json.Unmarshal(res.Value, &a); err != nil {
		t.Fatal(err)
	}
	return &a
}

// TestAttestationsSignedThroughVoteExtensions runs three validators through
// two windows of 4 heights: each window's data commitment is signed in the
// next height's vote extensions, recorded by the following proposer, and
// its tuple root is the RFC-6962 root of the blocks' own data roots.
func TestAttestationsSignedThroughVoteExtensions(t *testing.T) {
	n := newAttestNet(t, 4, 10, 20, 30)
	if g := queryAttestation(t, n.apps[0], "0"); g.Kind != chain.AttestationValset || len(g.Valset) != 3 || g.PowerThreshold != 41 || !g.Complete() {
		t.Fatalf("genesis set %+v", g)
	}
	roots := map[uint64][32]byte{}
	sawAttestTx := false
	for h := 1; h <= 10; h++ {
		txs := n.step(nil)
		drt, err := blobs.DecodeDataRootTx(txs[len(txs)-1])
		if err != nil {
			t.Fatal(err)
		}
		roots[uint64(h)] = [32]byte(drt.DataRoot)
		if attestTxOf(txs) != nil {
			sawAttestTx = true
			// A reader that rebuilds the square from every transaction but
			// the last (a full node) gets the stated data root.
			sq, err := blobs.Construct(txs[:len(txs)-1], chain.DefaultParams().MaxSquareSize)
			if err != nil {
				t.Fatal(err)
			}
			if root, err := squareDataRoot(sq); err != nil || !bytes.Equal(root, drt.DataRoot) {
				t.Fatalf("height %d: square of the block's txs has data root %X (%v), the data-root tx states %X", h, root, err, drt.DataRoot)
			}
		}
	}
	if !sawAttestTx {
		t.Fatal("no block carried an attestation transaction")
	}
	for nonce, begin := range map[string]uint64{"1": 1, "2": 5} {
		a := queryAttestation(t, n.apps[2], nonce)
		if a.Kind != chain.AttestationDataCommitment || a.BeginHeight != begin || a.EndHeight != begin+3 || !a.Complete() || a.SignedPower != 60 {
			t.Fatalf("attestation %s: %+v", nonce, a)
		}
		var tuples []blobstream.DataRootTuple
		for h := begin; h <= begin+3; h++ {
			tuples = append(tuples, blobstream.DataRootTuple{Height: h, DataRoot: roots[h]})
		}
		dc, err := blobstream.NewDataCommitment(tuples)
		if err != nil {
			t.Fatal(err)
		}
		if root := dc.Root(); !bytes.Equal(a.TupleRoot, root[:]) {
			t.Fatalf("attestation %s: tuple root %x, want %x", nonce, a.TupleRoot, root)
		}
		st := n.apps[0].committed.Attest
		for _, s := range a.Signatures {
			if _, err := verifyAttestSig(&attestations{Items: st.Items[:a.Nonce+1]}, a.Nonce, s.Signer, s.Signature); err == nil ||
				!strings.Contains(err.Error(), "complete") {
				t.Fatalf("a recorded signature does not read back as done: %v", err)
			}
		}
	}
	if latest := queryAttestation(t, n.apps[1], "latest"); latest.Nonce != 2 {
		t.Fatalf("latest nonce %d, want 2", latest.Nonce)
	}
}

// TestAttestationStateSurvivesRestart reopens a validator's store.
func TestAttestationStateSurvivesRestart(t *testing.T) {
	n := newAttestNet(t, 2, 10, 10)
	for range 4 {
		n.step(nil)
	}
	want := n.apps[0].committed.AppHash
	dir := n.apps[0].cfg.Dir
	if err := n.apps[0].Close(); err != nil {
		t.Fatal(err)
	}
	app := reopen(t, dir)
	if !bytes.Equal(app.committed.AppHash, want) || len(app.committed.Attest.Items) != 3 {
		t.Fatalf("reopened: app hash %X (want %X), %d attestations", app.committed.AppHash, want, len(app.committed.Attest.Items))
	}
}

// TestVerifyVoteExtensionRejects checks each way a vote extension is
// refused, with a message naming the fault.
func TestVerifyVoteExtensionRejects(t *testing.T) {
	n := newAttestNet(t, 2, 10, 20)
	n.step(nil)
	n.step(nil) // window [1, 2] ends: attestation 1 is pending
	app := n.apps[0]
	s, st := app.committed.Attest, app.committed.Staking
	a := s.Items[1]
	good, err := signAttestation(n.eth[0], a)
	if err != nil {
		t.Fatal(err)
	}
	if err := verifyVoteExtension(s, st, n.cons[0][:], encodeVoteExtension([]extEntry{{1, good}})); err != nil {
		t.Fatalf("good extension: %v", err)
	}
	other, _ := signAttestation(n.eth[1], a)
	wrongDigest, _ := signAttestation(n.eth[0], &chain.Attestation{Nonce: 1, Kind: a.Kind, TupleRoot: make([]byte, 32)})
	bad := bytes.Clone(good)
	bad[10] ^= 1
	highS := bytes.Clone(good)
	copy(highS[32:64], bytes.Repeat([]byte{0xFF}, 32))
	oversized := make([]byte, maxVoteExtensionSize+1)
	oversized[0], oversized[1] = voteExtVersion, maxExtensionEntries+1
	for name, tc := range map[string]struct {
		cons []byte
		ext  []byte
		want string
	}{
		"bad signature":   {n.cons[0][:], encodeVoteExtension([]extEntry{{1, bad}}), "recover"},
		"wrong signer":    {n.cons[0][:], encodeVoteExtension([]extEntry{{1, other}}), "not the validator's"},
		"wrong digest":    {n.cons[0][:], encodeVoteExtension([]extEntry{{1, wrongDigest}}), "wrong key or digest"},
		"high s":          {n.cons[0][:], encodeVoteExtension([]extEntry{{1, highS}}), "low s"},
		"unknown nonce":   {n.cons[0][:], encodeVoteExtension([]extEntry{{7, good}}), "no attestation to sign at nonce 7"},
		"genesis nonce":   {n.cons[0][:], encodeVoteExtension([]extEntry{{0, good}}), "no attestation to sign at nonce 0"},
		"oversized":       {n.cons[0][:], oversized, "the limit is"},
		"truncated":       {n.cons[0][:], encodeVoteExtension([]extEntry{{1, good}})[:40], "want 1..8 entries"},
		"unknown sender":  {make([]byte, 20), encodeVoteExtension([]extEntry{{1, good}}), "not a staking validator"},
		"repeated nonce":  {n.cons[0][:], encodeVoteExtension([]extEntry{{1, good}, {1, good}}), "not increasing"},
		"wrong version":   {n.cons[0][:], append([]byte{9}, encodeVoteExtension([]extEntry{{1, good}})[1:]...), "version"},
		"empty signature": {n.cons[0][:], encodeVoteExtension([]extEntry{{1, make([]byte, 65)}}), "v 27 or 28"},
	} {
		err := verifyVoteExtension(s, st, tc.cons, tc.ext)
		if !errors.Is(err, errAttestation) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: err %v, want ErrAttestation mentioning %q", name, err, tc.want)
		}
	}
	res, err := app.VerifyVoteExtension(context.Background(), &abci.RequestVerifyVoteExtension{ValidatorAddress: n.cons[0][:],
		VoteExtension: encodeVoteExtension([]extEntry{{1, other}})})
	if err != nil || res.Status != abci.ResponseVerifyVoteExtension_REJECT {
		t.Fatalf("VerifyVoteExtension of another's signature: %v %v", res, err)
	}
}

// TestProcessProposalChecksAttestationTx rejects attestation transactions
// with a forged signature or from a validator missing from the last commit.
func TestProcessProposalChecksAttestationTx(t *testing.T) {
	n := newAttestNet(t, 2, 10, 20)
	n.step(nil)
	n.step(nil)
	n.step(nil) // the extensions of height 3 sign attestation 1
	prep, err := n.apps[0].PrepareProposal(context.Background(), &abci.RequestPrepareProposal{Height: 4, MaxTxBytes: 1 << 30,
		LocalLastCommit: abci.ExtendedCommitInfo{Votes: n.last}})
	if err != nil {
		t.Fatal(err)
	}
	att := attestTxOf(prep.Txs)
	if att == nil {
		t.Fatalf("proposal without an attestation transaction first: %d txs", len(prep.Txs))
	}
	entries, err := decodeAttestTx(att)
	if err != nil || len(entries) != 2 {
		t.Fatalf("attestation tx: %d entries, %v", len(entries), err)
	}
	s, st := n.apps[1].committed.Attest, n.apps[1].committed.Staking
	commit := []abci.VoteInfo{{Validator: abci.Validator{Address: n.cons[0][:]}, BlockIdFlag: 2}, {Validator: abci.Validator{Address: n.cons[1][:]}, BlockIdFlag: 2}}
	if err := applyAttestTx(s.Clone(), st, att, commit); err != nil {
		t.Fatalf("valid tx: %v", err)
	}
	if err := applyAttestTx(s.Clone(), st, att, commit[:1]); err == nil || !strings.Contains(err.Error(), "did not vote") {
		t.Errorf("entry of a validator missing from the last commit: %v", err)
	}
	forged := bytes.Clone(entries[1].Signature)
	forged[5] ^= 1
	tx := encodeAttestTx([]attestEntry{entries[0], {Validator: entries[1].Validator, extEntry: extEntry{entries[1].Nonce, forged}}})
	if err := applyAttestTx(s.Clone(), st, tx, commit); !errors.Is(err, errAttestation) {
		t.Errorf("forged signature: %v", err)
	}
	dup := encodeAttestTx([]attestEntry{entries[0], entries[0]})
	if err := applyAttestTx(s.Clone(), st, dup, commit); err == nil || !strings.Contains(err.Error(), "already signed") {
		t.Errorf("repeated entry: %v", err)
	}
	txs := append([][]byte{att}, prep.Txs...) // a second one, at index 1
	res, err := n.apps[1].ProcessProposal(context.Background(), &abci.RequestProcessProposal{Txs: txs, Height: 4})
	if err != nil || res.Status != abci.ResponseProcessProposal_REJECT {
		t.Errorf("attestation tx out of place: %v %v", res, err)
	}
	if code, _ := checkTx(t, n.apps[1], att); code == chain.CodeOK {
		t.Errorf("CheckTx admitted an attestation transaction")
	}
}

func TestValsetMoved(t *testing.T) {
	a1, a2 := [20]byte{1}, [20]byte{2}
	old := []chain.EthValidator{{Address: a1[:], Power: 50}, {Address: a2[:], Power: 50}}
	set := func(p1, p2 uint64) []blobstream.Validator {
		return []blobstream.Validator{{Address: [20]byte{1}, Power: p1}, {Address: [20]byte{2}, Power: p2}}
	}
	for _, tc := range []struct {
		p1, p2 uint64
		want   bool
	}{{50, 50, false}, {100, 100, false}, {55, 45, false}, {56, 44, true}, {100, 0, true}} {
		next := set(tc.p1, tc.p2)
		if tc.p2 == 0 {
			next = next[:1]
		}
		if got := valsetMoved(old, next, 500); got != tc.want {
			t.Errorf("50/50 → %d/%d: moved %v, want %v", tc.p1, tc.p2, got, tc.want)
		}
	}
}

// TestValsetCheckpointSignedByOutgoingSet moves power by delegation: the
// block that applies it adds a checkpoint of the new set, signed by the
// genesis set; the window's data commitments are signed by the new set.
func TestValsetCheckpointSignedByOutgoingSet(t *testing.T) {
	n := newAttestNet(t, 2, 10, 10, 10)
	n.step([][]byte{stakeTx(t, alice, 0, chain.StakeMsg{Delegate: &chain.Delegation{Validator: n.ops[0].addr, Amount: 10 * pr}})})
	for range 5 {
		n.step(nil)
	}
	vs, dc, next := queryAttestation(t, n.apps[0], "1"), queryAttestation(t, n.apps[0], "2"), queryAttestation(t, n.apps[0], "3")
	if vs.Kind != chain.AttestationValset || vs.Height != 1 || vs.SignerNonce != 0 || vs.SignerThreshold != 21 || !vs.Complete() ||
		len(vs.Valset) != 3 || vs.Valset[0].Power != 20 || vs.PowerThreshold != 27 {
		t.Fatalf("nonce 1: %+v", vs)
	}
	for _, a := range []*chain.Attestation{dc, next} {
		if a.Kind != chain.AttestationDataCommitment || a.SignerNonce != 1 || a.SignerThreshold != 27 || !a.Complete() || a.SignedPower < 27 {
			t.Fatalf("nonce %d: %+v", a.Nonce, a)
		}
	}
	if dc.BeginHeight != 1 || dc.EndHeight != 2 || next.BeginHeight != 3 || next.EndHeight != 4 {
		t.Fatalf("data commitments over %d-%d and %d-%d, want 1-2 and 3-4", dc.BeginHeight, dc.EndHeight, next.BeginHeight, next.EndHeight)
	}
	hash, _ := blobstream.ValidatorSetHash(signerSet(n.apps[0].committed.Attest, next))
	if !bytes.Equal(hash[:], vs.ValsetHash) {
		t.Fatalf("the new set's hash %x is not the checkpoint's %x", hash, vs.ValsetHash)
	}
}

// TestValsetAttestedWhenValidatorsLeaveMidWindow has one of three equal
// validators undelegate its whole bond early in a window: it leaves
// CometBFT's set two heights later and never signs again, so the two left
// (two thirds of the genesis set, short of its threshold) could never sign
// anything the genesis set must sign. The new set is attested at once, in
// the block that decided it, while the leaving validator still votes; the
// window's data commitment is then signed by the new set.
func TestValsetAttestedWhenValidatorsLeaveMidWindow(t *testing.T) {
	n := newAttestNet(t, 10, 10, 10, 10)
	n.step([][]byte{stakeTx(t, n.ops[0], 0, chain.StakeMsg{Undelegate: &chain.Delegation{Validator: n.ops[0].addr, Amount: 10 * pr}})})
	for range 11 {
		n.step(nil)
	}
	if !n.out[0] || n.out[1] || n.out[2] {
		t.Fatalf("CometBFT set membership %v, want only validator 0 out", n.out)
	}
	vs, dc := queryAttestation(t, n.apps[1], "1"), queryAttestation(t, n.apps[1], "2")
	if vs.Kind != chain.AttestationValset || vs.Height != 1 || vs.SignerNonce != 0 || len(vs.Valset) != 2 || !vs.Complete() {
		t.Fatalf("nonce 1: %+v, want the two remaining validators attested at height 1, signed by the genesis set", vs)
	}
	if dc.Kind != chain.AttestationDataCommitment || dc.EndHeight != 10 || dc.SignerNonce != 1 || !dc.Complete() {
		t.Fatalf("nonce 2: %+v, want heights 1-10 signed by the set of nonce 1", dc)
	}
}
