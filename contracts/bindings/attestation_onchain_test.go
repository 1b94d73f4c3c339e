package bindings_test

import (
	"bytes"
	"testing"

	"github.com/ethereum/go-ethereum/accounts/abi"
	"github.com/ethereum/go-ethereum/accounts/abi/bind/v2"
	"github.com/ethereum/go-ethereum/crypto"

	"github.com/quadrant-da/quadrant/blobs"
	"github.com/quadrant-da/quadrant/contracts/blobstream"
	"github.com/quadrant-da/quadrant/da"
)

// Validator sets of the scenario. v1: total 90, so two thirds is exactly
// 60 and the threshold 61; v2: total 120, two thirds 80, threshold 81.
var (
	powersV1 = []uint64{40, 20, 20, 10}
	powersV2 = []uint64{40, 30, 25, 15, 10}
)

// blobHeights are the heights whose squares carry the validium's blob:
// one attested by v1 (nonce 3), one by v2 (nonce 6).
var blobHeights = []uint64{23, 45}

// scenario is a chain on which six windows (heights 1..60) and one
// validator-set change have been relayed: nonces 1-3 attest heights 1-30
// signed by v1, nonce 4 installs v2 signed by v1, nonces 5-7 attest heights
// 31-60 signed by v2. The squares at blobHeights are real Quadrant squares
// holding the validium's blob among others.
type scenario struct {
	c      *chain
	r      *relay
	v1, v2 *validatorSet
	ns     da.Namespace
	x      map[uint64]*blobs.ExtendedSquare
	blob   map[uint64]*blobs.Blob
}

func newScenario(t *testing.T) *scenario {
	t.Helper()
	s := &scenario{
		c:  newChain(t),
		v1: newValidatorSet(t, "v1", powersV1),
		v2: newValidatorSet(t, "v2", powersV2),
		ns: testNamespace(t, 'V'), x: map[uint64]*blobs.ExtendedSquare{}, blob: map[uint64]*blobs.Blob{},
	}
	s.r = newRelay(t, s.c, s.v1)
	for i, h := range blobHeights {
		b := testBlob(t, s.ns, 12_000, byte(h))
		// Blobs of other namespaces before and after the validium's, so
		// its shares start mid-row and span several rows.
		x := blobSquare(t, "memo", testBlob(t, testNamespace(t, 'A'), 3_000+1000*i, 1), b, testBlob(t, testNamespace(t, 'Z'), 2_000, 2))
		s.x[h], s.blob[h] = x, b
		s.r.roots[h] = [32]byte(x.DAH.Hash())
	}
	s.r.submitWindow(1, 0, 1, 3)  // 40+20+10 = 70 ≥ 61
	s.r.submitWindow(11, 0, 1, 2) // 80
	s.r.submitWindow(21, s.v1.all()...)
	s.r.updateSet(s.v2, 0, 2, 3)  // 70, signed by the outgoing set
	s.r.submitWindow(31, 0, 1, 3) // 40+30+15 = 85 ≥ 81
	s.r.submitWindow(41, s.v2.all()...)
	s.r.submitWindow(51, 0, 2, 3, 4) // 90
	return s
}

// nonceOf returns the nonce whose window holds height in the scenario.
func nonceOf(height uint64) uint64 {
	w := (height - 1) / window // 0-based window
	if w >= 3 {
		return w + 2 // the validator-set change took nonce 4
	}
	return w + 1
}

// proof returns the SharesProof of the validium's blob at height.
func (s *scenario) proof(t *testing.T, height uint64) *blobstream.SharesProof {
	t.Helper()
	c, err := blobs.CreateCommitment(s.blob[height])
	if err != nil {
		t.Fatal(err)
	}
	p, err := blobstream.ProveBlob(s.x[height], s.ns, c, s.r.attestation(nonceOf(height), height))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func cloneProof(p *blobstream.SharesProof) *blobstream.SharesProof {
	q := *p
	q.Data = make([][]byte, len(p.Data))
	for i, d := range p.Data {
		q.Data[i] = bytes.Clone(d)
	}
	q.ShareProofs = append([]blobstream.NamespaceMerkleMultiproof(nil), p.ShareProofs...)
	q.RowRoots = append([]blobstream.NamespaceNode(nil), p.RowRoots...)
	q.RowProofs = append([]blobstream.BinaryMerkleProof(nil), p.RowProofs...)
	q.AttestationProof.Proof.SideNodes = append([][32]byte(nil), p.AttestationProof.Proof.SideNodes...)
	return &q
}

// TestAttestationOnChainBlobInclusion relays six windows and a validator
// set change, then proves on chain, through the example validium, that a
// blob's shares are in attested data roots (shares → row roots → data
// root → tuple root → nonce), and that altered proofs are rejected.
func TestAttestationOnChainBlobInclusion(t *testing.T) {
	s := newScenario(t)
	v := s.c.deployValidium(s.r.bs.addr, s.ns)

	for i, h := range blobHeights {
		p := s.proof(t, h)
		if len(p.RowRoots) < 2 {
			t.Fatalf("height %d: the blob spans %d rows; the scenario wants several", h, len(p.RowRoots))
		}
		if ok, code := v.verifyShares(p); !ok {
			t.Fatalf("height %d: valid proof rejected with code %d", h, code)
		}
		stateRoot := crypto.Keccak256Hash([]byte{byte(i)})
		rc := s.c.send(v.bound, v.packSubmit(stateRoot, p))
		var accepted bool
		for _, l := range rc.Logs {
			if ev, err := v.abi.UnpackBatchAcceptedEvent(l); err == nil {
				accepted = ev.Index.Uint64() == uint64(i) && ev.Height.Uint64() == h && ev.StateRoot == stateRoot
				// The validium records keccak256(abi.encode(bytes[] shares)):
				// check it against go-ethereum's encoder over the blob's
				// shares as Quadrant splits them.
				shares, err := blobs.SplitBlob(s.blob[h])
				if err != nil {
					t.Fatal(err)
				}
				raw := make([][]byte, len(shares))
				for j := range shares {
					raw[j] = shares[j][:]
				}
				bytesArr, _ := abi.NewType("bytes[]", "", nil)
				enc, err := abi.Arguments{{Type: bytesArr}}.Pack(raw)
				if err != nil {
					t.Fatal(err)
				}
				if ev.SharesHash != crypto.Keccak256Hash(enc) {
					t.Fatalf("height %d: recorded shares hash %x, want the hash of the blob's %d shares", h, ev.SharesHash, len(shares))
				}
			}
		}
		if !accepted {
			t.Fatalf("height %d: no BatchAccepted event for batch %d", h, i)
		}
	}
	n, err := bind.Call(v.bound, nil, v.abi.PackBatchCount(), v.abi.UnpackBatchCount)
	if err != nil || n.Uint64() != uint64(len(blobHeights)) {
		t.Fatalf("batchCount = %v (%v), want %d", n, err, len(blobHeights))
	}

	h := blobHeights[0]
	valid := s.proof(t, h)
	reject := func(t *testing.T, p *blobstream.SharesProof, code uint8) {
		t.Helper()
		if ok, got := v.verifyShares(p); ok || got != code {
			t.Fatalf("verifyShares = (%v, %d), want (false, %d)", ok, got, code)
		}
		s.c.expectRevert(v.bound, v.addr, v.parsed, v.packSubmit([32]byte{1}, p), "InvalidSharesProof", code)
	}
	t.Run("changed share", func(t *testing.T) {
		p := cloneProof(valid)
		p.Data[1][100] ^= 1
		reject(t, p, codeInvalidSharesToRowsProof)
	})
	t.Run("changed last share", func(t *testing.T) {
		p := cloneProof(valid)
		p.Data[len(p.Data)-1][da.ShareSize-1] ^= 0x80
		reject(t, p, codeInvalidSharesToRowsProof)
	})
	t.Run("dropped share", func(t *testing.T) {
		p := cloneProof(valid)
		p.Data = p.Data[:len(p.Data)-1]
		reject(t, p, codeUnequalDataLength)
	})
	t.Run("wrong height", func(t *testing.T) {
		p := cloneProof(valid)
		p.AttestationProof.Tuple.Height++
		reject(t, p, codeInvalidTupleProof)
		if s.r.bs.verifyAttestation(p.AttestationProof) {
			t.Fatal("verifyAttestation accepted a tuple with the wrong height")
		}
	})
	t.Run("attested tuple of another height", func(t *testing.T) {
		// The shares and rows of the square at blobHeights[1] with the
		// (valid) attestation of the tuple at h: the rows do not lead to
		// that tuple's data root.
		p := s.proof(t, blobHeights[1])
		p.AttestationProof = s.r.attestation(nonceOf(h), h)
		reject(t, p, codeInvalidRowsToDataRootProof)
	})
	t.Run("tuple outside any attested window", func(t *testing.T) {
		// A window nobody attested (heights 61-70, the blob square at 65)
		// proven against the latest nonce, and against a nonce not yet used.
		fake := make([]blobstream.DataRootTuple, window)
		for i := range fake {
			fake[i] = blobstream.DataRootTuple{Height: 61 + uint64(i), DataRoot: s.r.root(61 + uint64(i))}
		}
		fake[4].DataRoot = s.r.roots[h]
		dc, err := blobstream.NewDataCommitment(fake)
		if err != nil {
			t.Fatal(err)
		}
		for _, nonce := range []uint64{s.r.nonce, s.r.nonce + 1} {
			ap, err := dc.AttestationProof(nonce, 65)
			if err != nil {
				t.Fatal(err)
			}
			if s.r.bs.verifyAttestation(ap) {
				t.Fatalf("nonce %d: verifyAttestation accepted a tuple of an unattested window", nonce)
			}
			p := cloneProof(valid)
			p.AttestationProof = ap
			reject(t, p, codeInvalidTupleProof)
		}
		// The validator-set nonce attests no tuples.
		ap := valid.AttestationProof
		ap.TupleRootNonce = 4
		if s.r.bs.verifyAttestation(ap) {
			t.Fatal("verifyAttestation accepted a tuple at a validator-set nonce")
		}
	})
	t.Run("changed row root", func(t *testing.T) {
		p := cloneProof(valid)
		p.RowRoots[0].Digest[0] ^= 1
		reject(t, p, codeInvalidRowsToDataRootProof)
	})
	t.Run("row proof with another leaf count", func(t *testing.T) {
		p := cloneProof(valid)
		rp := p.RowProofs[0]
		rp.NumLeaves = rp.NumLeaves/2 + 1 // same path shape for low keys, not 4k
		p.RowProofs[0] = rp
		reject(t, p, codeInvalidNumberOfLeaves)
	})
	t.Run("parity row", func(t *testing.T) {
		// Prove the blob's row roots at the position of parity rows.
		p := cloneProof(valid)
		rp := p.RowProofs[0]
		rp.Key += rp.NumLeaves / 4
		p.RowProofs[0] = rp
		reject(t, p, codeSharesOutsideOriginalSquare)
	})
	t.Run("share outside its namespace", func(t *testing.T) {
		p := cloneProof(valid)
		p.Data[0][da.NamespaceSize-1] ^= 1
		reject(t, p, codeInvalidShare)
	})
	t.Run("wrong namespace", func(t *testing.T) {
		p := cloneProof(valid)
		p.Namespace = blobstream.NamespaceFrom(testNamespace(t, 'W'))
		s.c.expectRevert(v.bound, v.addr, v.parsed, v.packSubmit([32]byte{1}, p), "WrongNamespace")
	})
}
