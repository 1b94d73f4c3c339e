package bindings_test

import (
	"crypto/sha256"
	"encoding/binary"
	"math/big"
	"testing"

	"github.com/ethereum/go-ethereum/accounts"
	"github.com/ethereum/go-ethereum/accounts/abi"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"

	"github.com/quadrant-da/quadrant/contracts/blobstream"
)

// refMerkleRoot is an RFC-6962 root written independently of da's: it
// hashes level by level from the leaves, carrying an odd last node up,
// which yields the same tree as splitting at the largest power of two.
func refMerkleRoot(leaves [][]byte) [32]byte {
	level := make([][32]byte, len(leaves))
	for i, l := range leaves {
		level[i] = sha256.Sum256(append([]byte{0}, l...))
	}
	for len(level) > 1 {
		var next [][32]byte
		for i := 0; i+1 < len(level); i += 2 {
			next = append(next, sha256.Sum256(append(append([]byte{1}, level[i][:]...), level[i+1][:]...)))
		}
		if len(level)%2 == 1 {
			next = append(next, level[len(level)-1])
		}
		level = next
	}
	return level[0]
}

func mustType(t *testing.T, typ string, components []abi.ArgumentMarshaling) abi.Type {
	t.Helper()
	ty, err := abi.NewType(typ, "", components)
	if err != nil {
		t.Fatal(err)
	}
	return ty
}

// TestAttestationOnChainTupleEncoding checks everything the signers and
// the contract must agree on against independent computations —
// go-ethereum's ABI encoder and EIP-191 hash, and refMerkleRoot — and then
// on chain: a data commitment built in Go is accepted with the digest
// signed in Go, and every tuple proof built in Go verifies in the contract.
func TestAttestationOnChainTupleEncoding(t *testing.T) {
	tupleType := mustType(t, "tuple", []abi.ArgumentMarshaling{{Name: "height", Type: "uint256"}, {Name: "dataRoot", Type: "bytes32"}})
	type abiTuple struct {
		Height   *big.Int
		DataRoot [32]byte
	}
	tuples := make([]blobstream.DataRootTuple, 100)
	for i := range tuples {
		h := uint64(1_000_000_000_000 + i)
		tuples[i] = blobstream.DataRootTuple{Height: h, DataRoot: sha256.Sum256(binary.BigEndian.AppendUint64(nil, h))}
	}
	for _, tu := range tuples[:3] {
		want, err := abi.Arguments{{Type: tupleType}}.Pack(abiTuple{Height: u256(tu.Height), DataRoot: tu.DataRoot})
		if err != nil {
			t.Fatal(err)
		}
		if got := tu.Encode(); string(got) != string(want) {
			t.Fatalf("height %d: encoding %x, go-ethereum's abi.encode %x", tu.Height, got, want)
		}
	}
	for _, n := range []int{1, 2, 3, 5, 7, 8, 10, 13, 16, 17, 33, 100} {
		dc, err := blobstream.NewDataCommitment(tuples[:n])
		if err != nil {
			t.Fatal(err)
		}
		leaves := make([][]byte, n)
		for i, tu := range tuples[:n] {
			leaves[i], _ = abi.Arguments{{Type: tupleType}}.Pack(abiTuple{Height: u256(tu.Height), DataRoot: tu.DataRoot})
		}
		if got, want := dc.Root(), refMerkleRoot(leaves); got != want {
			t.Fatalf("%d tuples: root %x, independent root %x", n, got, want)
		}
	}

	bytes32, uint256 := mustType(t, "bytes32", nil), mustType(t, "uint256", nil)
	var root [32]byte
	copy(root[:], "a data root tuple root")
	enc, err := abi.Arguments{{Type: bytes32}, {Type: uint256}, {Type: bytes32}}.Pack(
		[32]byte(common.RightPadBytes([]byte("transactionBatch"), 32)), big.NewInt(7), root)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := blobstream.DataCommitmentDigest(7, root), crypto.Keccak256Hash(enc); got != want {
		t.Fatalf("data commitment digest %x, want %x", got, want)
	}
	if got, want := blobstream.EthSignedMessageHash(root), [32]byte(accounts.TextHash(root[:])); got != want {
		t.Fatalf("EIP-191 hash %x, go-ethereum's TextHash %x", got, want)
	}

	set := newValidatorSet(t, "encoding", []uint64{5, 100, 7, 100, 1})
	valsType := mustType(t, "tuple[]", []abi.ArgumentMarshaling{{Name: "addr", Type: "address"}, {Name: "power", Type: "uint256"}})
	type abiValidator struct {
		Addr  common.Address
		Power *big.Int
	}
	var vals []abiValidator
	for i, v := range set.vals {
		if i > 0 && v.Power > set.vals[i-1].Power {
			t.Fatalf("validator %d has more power than the one before it", i)
		}
		vals = append(vals, abiValidator{Addr: v.Address, Power: u256(v.Power)})
	}
	enc, err = abi.Arguments{{Type: valsType}}.Pack(vals)
	if err != nil {
		t.Fatal(err)
	}
	if set.hash != crypto.Keccak256Hash(enc) {
		t.Fatalf("validator set hash %x, want keccak256(abi.encode(validators)) %x", set.hash, crypto.Keccak256Hash(enc))
	}
	if set.threshold != 2*213/3+1 {
		t.Fatalf("threshold %d for total power 213, want %d", set.threshold, 2*213/3+1)
	}
	enc, err = abi.Arguments{{Type: bytes32}, {Type: uint256}, {Type: uint256}, {Type: bytes32}}.Pack(
		[32]byte(common.RightPadBytes([]byte("checkpoint"), 32)), big.NewInt(9), u256(set.threshold), set.hash)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := blobstream.ValidatorSetCheckpoint(9, set.threshold, set.hash), crypto.Keccak256Hash(enc); got != want {
		t.Fatalf("checkpoint %x, want %x", got, want)
	}

	// On chain: the contract accepts the Go-built commitment signed over
	// the Go-built digest, and verifies every Go-built tuple proof.
	c := newChain(t)
	bs := c.deployBlobstream(set, 0)
	dc, err := blobstream.NewDataCommitment(tuples[:13])
	if err != nil {
		t.Fatal(err)
	}
	c.send(bs.bound, bs.packSubmit(1, 0, dc.Root(), set, set.sign(t, blobstream.DataCommitmentDigest(1, dc.Root()), set.all()...)))
	for h := dc.BeginHeight(); h <= dc.EndHeight(); h++ {
		ap, err := dc.AttestationProof(1, h)
		if err != nil {
			t.Fatal(err)
		}
		if !bs.verifyAttestation(ap) {
			t.Fatalf("height %d: tuple proof rejected on chain", h)
		}
		ap.Tuple.DataRoot[31] ^= 1
		if bs.verifyAttestation(ap) {
			t.Fatalf("height %d: tuple with a changed data root accepted on chain", h)
		}
	}
	if _, err := dc.AttestationProof(1, dc.EndHeight()+1); err == nil {
		t.Fatal("proof of a height outside the window built")
	}
}
