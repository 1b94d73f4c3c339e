package bindings_test

import (
	"fmt"
	"testing"

	"github.com/cometbft/cometbft/crypto/secp256k1"
	"github.com/ethereum/go-ethereum/accounts/abi"
	"github.com/ethereum/go-ethereum/accounts/abi/bind/v2"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"

	"github.com/quadrant-da/quadrant/blobs"
	"github.com/quadrant-da/quadrant/contracts/bindings"
	"github.com/quadrant-da/quadrant/contracts/blobstream"
	"github.com/quadrant-da/quadrant/da"
)

// window is the devnet's data commitment window (heights per attestation).
const window = 10

func testNamespace(t testing.TB, b byte) da.Namespace {
	t.Helper()
	ns, err := da.NewNamespaceV0([]byte("quadrant" + string([]byte{b})))
	if err != nil {
		t.Fatal(err)
	}
	return ns
}

func testBlob(t testing.TB, ns da.Namespace, size int, seed byte) *blobs.Blob {
	t.Helper()
	data := make([]byte, size)
	for i := range data {
		data[i] = byte(i*31) ^ seed
	}
	b, err := blobs.NewBlob(ns, data, 0, nil)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// blobSquare builds and extends a real Quadrant square holding an ordinary
// transaction (memo) and one signed pay-for-blobs transaction with bs,
// exactly as a validator's ProcessProposal would.
func blobSquare(t testing.TB, memo string, bs ...*blobs.Blob) *blobs.ExtendedSquare {
	t.Helper()
	pfb, err := blobs.NewPayForBlobs(bs...)
	if err != nil {
		t.Fatal(err)
	}
	tx := &blobs.Tx{ChainID: "quadrant-contracts-test", Sequence: 1, GasLimit: 10_000_000, GasPrice: 1, PayForBlobs: pfb}
	if err := tx.Sign(secp256k1.GenPrivKeySecp256k1([]byte("contracts-test-pfb-signer"))); err != nil {
		t.Fatal(err)
	}
	inner, err := tx.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	raw, err := blobs.MarshalBlobTx(inner, bs...)
	if err != nil {
		t.Fatal(err)
	}
	txs := [][]byte{[]byte(memo), raw}
	sq, err := blobs.Construct(txs, 64)
	if err != nil {
		t.Fatal(err)
	}
	x, err := sq.Extend()
	if err != nil {
		t.Fatal(err)
	}
	return x
}

// fillerRoot returns the data root of a square holding one ordinary
// transaction naming height: a real, distinct data root per height.
func fillerRoot(t testing.TB, height uint64) [32]byte {
	t.Helper()
	sq, err := blobs.Construct([][]byte{[]byte(fmt.Sprintf("block %d", height))}, 64)
	if err != nil {
		t.Fatal(err)
	}
	root, _, err := sq.DataRoot()
	if err != nil {
		t.Fatal(err)
	}
	return [32]byte(root)
}

// relay plays the relayer's part against a deployed contract: it tracks the
// nonce, the current validator set and the data commitments submitted.
type relay struct {
	t        testing.TB
	bs       *blobstreamContract
	set      *validatorSet
	setNonce uint64
	nonce    uint64
	roots    map[uint64][32]byte                   // data root by height
	commits  map[uint64]*blobstream.DataCommitment // by nonce
	calldata map[uint64][]byte                     // accepted calldata by nonce
}

func newRelay(t testing.TB, c *chain, set *validatorSet) *relay {
	t.Helper()
	return &relay{
		t: t, bs: c.deployBlobstream(set, 0), set: set,
		roots: map[uint64][32]byte{}, commits: map[uint64]*blobstream.DataCommitment{}, calldata: map[uint64][]byte{},
	}
}

// root returns the data root at height, a filler block's unless set.
func (r *relay) root(height uint64) [32]byte {
	if root, ok := r.roots[height]; ok {
		return root
	}
	root := fillerRoot(r.t, height)
	r.roots[height] = root
	return root
}

// commitment returns the data commitment of the window starting at begin.
func (r *relay) commitment(begin uint64) *blobstream.DataCommitment {
	r.t.Helper()
	tuples := make([]blobstream.DataRootTuple, window)
	for i := range tuples {
		h := begin + uint64(i)
		tuples[i] = blobstream.DataRootTuple{Height: h, DataRoot: r.root(h)}
	}
	dc, err := blobstream.NewDataCommitment(tuples)
	if err != nil {
		r.t.Fatal(err)
	}
	return dc
}

// windowCalldata returns the calldata attesting the window starting at
// begin as the next nonce, signed by the given validators of the current set.
func (r *relay) windowCalldata(begin uint64, signers ...int) ([]byte, *blobstream.DataCommitment) {
	dc := r.commitment(begin)
	nonce := r.nonce + 1
	sigs := r.set.sign(r.t, blobstream.DataCommitmentDigest(nonce, dc.Root()), signers...)
	return r.bs.packSubmit(nonce, r.setNonce, dc.Root(), r.set, sigs), dc
}

// submitWindow attests the window starting at begin and checks the
// contract's event and state.
func (r *relay) submitWindow(begin uint64, signers ...int) *types.Receipt {
	r.t.Helper()
	data, dc := r.windowCalldata(begin, signers...)
	rc := r.bs.c.send(r.bs.bound, data)
	r.nonce++
	ev, err := r.bs.tupleRootEvent(rc)
	if err != nil || ev.Nonce.Uint64() != r.nonce || ev.DataRootTupleRoot != dc.Root() {
		r.t.Fatalf("nonce %d: DataRootTupleRootEvent %+v (%v), want root %x", r.nonce, ev, err, dc.Root())
	}
	if got := r.bs.eventNonce(); got != r.nonce {
		r.t.Fatalf("state_eventNonce %d after submitting nonce %d", got, r.nonce)
	}
	r.commits[r.nonce] = dc
	r.calldata[r.nonce] = data
	return rc
}

// updateCalldata returns the calldata installing next as the next nonce,
// signed by the given validators of the current set.
func (r *relay) updateCalldata(next *validatorSet, signers ...int) []byte {
	nonce := r.nonce + 1
	digest := blobstream.ValidatorSetCheckpoint(nonce, next.threshold, next.hash)
	return r.bs.packUpdate(nonce, r.setNonce, r.set, next, r.set.sign(r.t, digest, signers...))
}

// updateSet installs next, signed by the given validators of the current set.
func (r *relay) updateSet(next *validatorSet, signers ...int) *types.Receipt {
	r.t.Helper()
	data := r.updateCalldata(next, signers...)
	rc := r.bs.c.send(r.bs.bound, data)
	r.nonce++
	r.calldata[r.nonce] = data
	r.set, r.setNonce = next, r.nonce
	return rc
}

// attestation returns the attestation proof of height from the window
// attested at nonce.
func (r *relay) attestation(nonce, height uint64) blobstream.AttestationProof {
	r.t.Helper()
	ap, err := r.commits[nonce].AttestationProof(nonce, height)
	if err != nil {
		r.t.Fatal(err)
	}
	return ap
}

// validium is a deployed ValidiumExample.
type validium struct {
	c      *chain
	abi    *bindings.ValidiumExample
	parsed *abi.ABI
	addr   common.Address
	bound  *bind.BoundContract
}

func (c *chain) deployValidium(oracle common.Address, ns da.Namespace) *validium {
	c.t.Helper()
	v := bindings.NewValidiumExample()
	addr := c.deploy(&bindings.ValidiumExampleMetaData, v.PackConstructor(oracle, bindings.FromNamespace(blobstream.NamespaceFrom(ns))))
	return &validium{c: c, abi: v, parsed: mustABI(c.t, &bindings.ValidiumExampleMetaData), addr: addr, bound: v.Instance(c.client, addr)}
}

// verifyShares calls verifyShares and returns its verdict and error code.
func (v *validium) verifyShares(p *blobstream.SharesProof) (bool, uint8) {
	v.c.t.Helper()
	out, err := bind.Call(v.bound, nil, v.abi.PackVerifyShares(bindingsProof(p)), v.abi.UnpackVerifyShares)
	if err != nil {
		v.c.t.Fatalf("verifyShares: %v", describeRevert(err))
	}
	return out.Valid, out.Code
}

func (v *validium) packSubmit(stateRoot [32]byte, p *blobstream.SharesProof) []byte {
	return v.abi.PackSubmitBatch(stateRoot, bindings.FromSharesProof(p))
}

// DAVerifier error codes (contracts/src/lib/DAVerifier.sol).
const (
	codeNoError                     = 0
	codeInvalidSharesToRowsProof    = 1
	codeInvalidRowsToDataRootProof  = 2
	codeInvalidTupleProof           = 4
	codeUnequalDataLength           = 7
	codeInvalidNumberOfLeaves       = 8
	codeSharesOutsideOriginalSquare = 10
	codeInvalidShare                = 11
)

func bindingsProof(p *blobstream.SharesProof) bindings.SharesProof {
	return bindings.FromSharesProof(p)
}
