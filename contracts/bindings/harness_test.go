package bindings_test

import (
	"context"
	"crypto/ecdsa"
	"errors"
	"fmt"
	"math/big"
	"testing"

	"github.com/ethereum/go-ethereum"
	"github.com/ethereum/go-ethereum/accounts/abi"
	"github.com/ethereum/go-ethereum/accounts/abi/bind/v2"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/crypto"
	"github.com/ethereum/go-ethereum/eth/ethconfig"
	"github.com/ethereum/go-ethereum/ethclient"
	"github.com/ethereum/go-ethereum/ethclient/simulated"
	"github.com/ethereum/go-ethereum/node"

	"github.com/quadrant-da/quadrant/contracts/bindings"
	"github.com/quadrant-da/quadrant/contracts/blobstream"
)

// chain is a simulated Ethereum chain (go-ethereum's real EVM, mining on
// Commit) with one funded sender.
type chain struct {
	t      testing.TB
	sim    *simulated.Backend
	client simulated.Client
	opts   *bind.TransactOpts
}

// testKey returns a deterministic secp256k1 key derived from label.
func testKey(t testing.TB, label string) *ecdsa.PrivateKey {
	t.Helper()
	key, err := crypto.ToECDSA(crypto.Keccak256([]byte("quadrant-contracts-test/" + label)))
	if err != nil {
		t.Fatal(err)
	}
	return key
}

// chainRules configures the simulated chain's forks.
type chainRules func(*node.Config, *ethconfig.Config)

// osakaRules runs the chain under Osaka (Fusaka, on Ethereum mainnet since
// December 2025): the simulated backend's later dev forks (Amsterdam and
// after, with EIP-8037's state-gas repricing, which makes every new storage
// slot several times dearer) are switched off, so gas figures are those of
// a live network rather than of unreleased repricings.
func osakaRules(_ *node.Config, ethConf *ethconfig.Config) {
	cfg := *ethConf.Genesis.Config
	cfg.AmsterdamTime, cfg.BogotaTime = nil, nil
	ethConf.Genesis.Config = &cfg
}

// devRules keeps the simulated backend's default: every fork go-ethereum
// knows, including unreleased ones.
func devRules(*node.Config, *ethconfig.Config) {}

// newChain starts a simulated chain under Osaka rules.
func newChain(t testing.TB) *chain { return newChainWithRules(t, osakaRules) }

func newChainWithRules(t testing.TB, rules chainRules) *chain {
	t.Helper()
	key := testKey(t, "sender")
	from := crypto.PubkeyToAddress(key.PublicKey)
	balance := new(big.Int).Mul(big.NewInt(1_000_000), big.NewInt(1e18))
	sim := simulated.NewBackend(types.GenesisAlloc{from: {Balance: balance}}, rules)
	t.Cleanup(func() { sim.Close() })
	client := sim.Client()
	chainID, err := client.ChainID(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return &chain{t: t, sim: sim, client: client, opts: bind.NewKeyedTransactor(key, chainID)}
}

// deploy deploys a contract and mines it.
func (c *chain) deploy(md *bind.MetaData, constructorInput []byte) common.Address {
	c.t.Helper()
	addr, tx, err := bind.DeployContract(c.opts, common.FromHex(md.Bin), c.client, constructorInput)
	if err != nil {
		c.t.Fatalf("deploy: %v", err)
	}
	c.sim.Commit()
	if r := c.receipt(tx); r.Status != types.ReceiptStatusSuccessful {
		c.t.Fatalf("deploy transaction failed")
	}
	return addr
}

func (c *chain) receipt(tx *types.Transaction) *types.Receipt {
	c.t.Helper()
	r, err := c.client.TransactionReceipt(context.Background(), tx.Hash())
	if err != nil {
		c.t.Fatalf("receipt of %s: %v", tx.Hash(), err)
	}
	return r
}

// send sends a transaction calling data on contract, mines it and returns
// its receipt. It fails the test unless the transaction succeeds.
func (c *chain) send(contract *bind.BoundContract, data []byte) *types.Receipt {
	c.t.Helper()
	tx, err := bind.Transact(contract, c.opts, data)
	if err != nil {
		c.t.Fatalf("transaction rejected: %v", describeRevert(err))
	}
	c.sim.Commit()
	r := c.receipt(tx)
	if r.Status != types.ReceiptStatusSuccessful {
		c.t.Fatalf("transaction %s failed", tx.Hash())
	}
	return r
}

// expectRevert checks that calling data on contract is rejected with the
// custom error wantErr of contractABI (and, if wantArgs is not nil, with
// those arguments), both as a call and as a transaction mined into a block
// (whose receipt must show failure). It returns the revert data.
func (c *chain) expectRevert(contract *bind.BoundContract, addr common.Address, contractABI *abi.ABI, data []byte, wantErr string, wantArgs ...any) {
	c.t.Helper()
	_, err := c.client.CallContract(context.Background(), ethereum.CallMsg{From: c.opts.From, To: &addr, Data: data}, nil)
	if err == nil {
		c.t.Fatalf("call succeeded, want revert %s", wantErr)
	}
	revert, ok := ethclient.RevertErrorData(err)
	if !ok {
		c.t.Fatalf("call failed without revert data (%v), want revert %s", err, wantErr)
	}
	name, args, err := decodeCustomError(contractABI, revert)
	if err != nil {
		c.t.Fatalf("want revert %s: %v", wantErr, err)
	}
	if name != wantErr {
		c.t.Fatalf("reverted with %s%v, want %s", name, args, wantErr)
	}
	if wantArgs != nil && !sameArgs(args, wantArgs) {
		c.t.Fatalf("reverted with %s%v, want %s%v", name, args, wantErr, wantArgs)
	}
	// The same call mined as a transaction with a fixed gas limit (no
	// estimation) must fail in the block.
	opts := *c.opts
	opts.GasLimit = 5_000_000
	tx, err := bind.Transact(contract, &opts, data)
	if err != nil {
		c.t.Fatalf("sending the failing transaction: %v", err)
	}
	c.sim.Commit()
	if r := c.receipt(tx); r.Status != types.ReceiptStatusFailed {
		c.t.Fatalf("transaction expected to revert with %s succeeded in a block", wantErr)
	}
}

// sameArgs compares decoded error arguments with expected ones by their
// printed values (so an expected int matches a decoded uint8).
func sameArgs(got, want []any) bool {
	if len(got) != len(want) {
		return false
	}
	for i := range got {
		if fmt.Sprint(got[i]) != fmt.Sprint(want[i]) {
			return false
		}
	}
	return true
}

// decodeCustomError returns the name and arguments of the custom error
// encoded in revert data.
func decodeCustomError(contractABI *abi.ABI, revert []byte) (string, []any, error) {
	if len(revert) < 4 {
		return "", nil, fmt.Errorf("revert data %x is not a custom error", revert)
	}
	for name, e := range contractABI.Errors {
		if string(e.ID[:4]) == string(revert[:4]) {
			args, err := e.Inputs.Unpack(revert[4:])
			return name, args, err
		}
	}
	return "", nil, fmt.Errorf("revert data %x matches no custom error of the contract", revert)
}

func describeRevert(err error) string {
	if revert, ok := ethclient.RevertErrorData(err); ok {
		for _, md := range []*bind.MetaData{&bindings.QuadrantBlobstreamMetaData, &bindings.ValidiumExampleMetaData} {
			a, aerr := md.ParseABI()
			if aerr != nil {
				continue
			}
			if name, args, derr := decodeCustomError(a, revert); derr == nil {
				return fmt.Sprintf("%v: %s%v", err, name, args)
			}
		}
	}
	return err.Error()
}

func mustABI(t testing.TB, md *bind.MetaData) *abi.ABI {
	t.Helper()
	a, err := md.ParseABI()
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// validatorSet is a synthetic attesting set: keys and the blobstream view.
type validatorSet struct {
	keys      map[[20]byte]*ecdsa.PrivateKey
	vals      []blobstream.Validator // sorted as the contract wants
	threshold uint64
	hash      [32]byte
}

// newValidatorSet returns a set of len(powers) validators with keys derived
// from label and the given powers.
func newValidatorSet(t testing.TB, label string, powers []uint64) *validatorSet {
	t.Helper()
	s := &validatorSet{keys: map[[20]byte]*ecdsa.PrivateKey{}}
	for i, p := range powers {
		key := testKey(t, fmt.Sprintf("%s/validator-%d", label, i))
		addr := crypto.PubkeyToAddress(key.PublicKey)
		s.keys[addr] = key
		s.vals = append(s.vals, blobstream.Validator{Address: addr, Power: p})
	}
	blobstream.SortValidators(s.vals)
	var err error
	if s.threshold, err = blobstream.PowerThreshold(s.vals); err != nil {
		t.Fatal(err)
	}
	if s.hash, err = blobstream.ValidatorSetHash(s.vals); err != nil {
		t.Fatal(err)
	}
	return s
}

// sign returns the set's signature slice over digest with signatures from
// the validators at the given indexes (in the set's order) and zero
// signatures for the others.
func (s *validatorSet) sign(t testing.TB, digest [32]byte, signers ...int) []blobstream.Signature {
	t.Helper()
	msg := blobstream.EthSignedMessageHash(digest)
	byAddr := map[[20]byte]blobstream.Signature{}
	for _, i := range signers {
		raw, err := crypto.Sign(msg[:], s.keys[s.vals[i].Address])
		if err != nil {
			t.Fatal(err)
		}
		sig, err := blobstream.SignatureFromBytes(raw)
		if err != nil {
			t.Fatal(err)
		}
		byAddr[s.vals[i].Address] = sig
	}
	return blobstream.AlignSignatures(s.vals, byAddr)
}

// all returns the indexes of every validator of the set.
func (s *validatorSet) all() []int {
	idx := make([]int, len(s.vals))
	for i := range idx {
		idx[i] = i
	}
	return idx
}

// power returns the summed power of the validators at the given indexes.
func (s *validatorSet) power(signers ...int) uint64 {
	var p uint64
	for _, i := range signers {
		p += s.vals[i].Power
	}
	return p
}

// blobstreamContract is a deployed QuadrantBlobstream.
type blobstreamContract struct {
	c      *chain
	abi    *bindings.QuadrantBlobstream
	parsed *abi.ABI
	addr   common.Address
	bound  *bind.BoundContract
}

// deployBlobstream deploys QuadrantBlobstream with set installed at nonce.
func (c *chain) deployBlobstream(set *validatorSet, nonce uint64) *blobstreamContract {
	c.t.Helper()
	b := bindings.NewQuadrantBlobstream()
	addr := c.deploy(&bindings.QuadrantBlobstreamMetaData,
		b.PackConstructor(new(big.Int).SetUint64(nonce), new(big.Int).SetUint64(set.threshold), set.hash))
	return &blobstreamContract{c: c, abi: b, parsed: mustABI(c.t, &bindings.QuadrantBlobstreamMetaData), addr: addr, bound: b.Instance(c.client, addr)}
}

func u256(v uint64) *big.Int { return new(big.Int).SetUint64(v) }

// packSubmit packs submitDataRootTupleRoot.
func (b *blobstreamContract) packSubmit(nonce, setNonce uint64, root [32]byte, set *validatorSet, sigs []blobstream.Signature) []byte {
	return b.abi.PackSubmitDataRootTupleRoot(u256(nonce), u256(setNonce), root, bindings.FromValidators(set.vals), bindings.FromSignatures(sigs))
}

// packUpdate packs updateValidatorSet from set (installed at oldNonce) to next.
func (b *blobstreamContract) packUpdate(nonce, oldNonce uint64, set, next *validatorSet, sigs []blobstream.Signature) []byte {
	return b.abi.PackUpdateValidatorSet(u256(nonce), u256(oldNonce), u256(next.threshold), next.hash, bindings.FromValidators(set.vals), bindings.FromSignatures(sigs))
}

// eventNonce reads state_eventNonce.
func (b *blobstreamContract) eventNonce() uint64 {
	b.c.t.Helper()
	n, err := bind.Call(b.bound, nil, b.abi.PackStateEventNonce(), b.abi.UnpackStateEventNonce)
	if err != nil {
		b.c.t.Fatal(err)
	}
	return n.Uint64()
}

// verifyAttestation calls verifyAttestation with an attestation proof.
func (b *blobstreamContract) verifyAttestation(p blobstream.AttestationProof) bool {
	b.c.t.Helper()
	ap := bindings.FromAttestationProof(p)
	ok, err := bind.Call(b.bound, nil, b.abi.PackVerifyAttestation(ap.TupleRootNonce, ap.Tuple, ap.Proof), b.abi.UnpackVerifyAttestation)
	if err != nil {
		b.c.t.Fatalf("verifyAttestation: %v", err)
	}
	return ok
}

var errNoEvent = errors.New("no such event in the receipt")

// tupleRootEvent returns the DataRootTupleRootEvent of a receipt.
func (b *blobstreamContract) tupleRootEvent(r *types.Receipt) (*bindings.QuadrantBlobstreamDataRootTupleRootEvent, error) {
	for _, l := range r.Logs {
		if ev, err := b.abi.UnpackDataRootTupleRootEventEvent(l); err == nil {
			return ev, nil
		}
	}
	return nil, errNoEvent
}

func bigFrom(b []byte) *big.Int { return new(big.Int).SetBytes(b) }

// secp256k1N returns the order of the secp256k1 group.
func secp256k1N() *big.Int {
	return new(big.Int).Set(crypto.S256().Params().N)
}
