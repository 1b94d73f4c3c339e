package relay

import (
	"context"
	"crypto/ecdsa"
	"errors"
	"fmt"
	"math/big"
	"time"

	"github.com/ethereum/go-ethereum/accounts/abi/bind/v2"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/ethclient"

	"github.com/quadrant-da/quadrant/chain"
	"github.com/quadrant-da/quadrant/contracts/bindings"
	"github.com/quadrant-da/quadrant/contracts/blobstream"
)

// EthSink submits to a deployed QuadrantBlobstream over an Ethereum RPC.
type EthSink struct {
	client   *ethclient.Client
	contract *bindings.QuadrantBlobstream
	bound    *bind.BoundContract
	opts     *bind.TransactOpts
	// mineTimeout bounds the wait for a submitted transaction's receipt.
	mineTimeout time.Duration
}

// NewEthSink binds the contract at addr over client, sending from key.
func NewEthSink(ctx context.Context, client *ethclient.Client, addr common.Address, key *ecdsa.PrivateKey) (*EthSink, error) {
	id, err := client.ChainID(ctx)
	if err != nil {
		return nil, fmt.Errorf("relay: reading the Ethereum chain id: %w", err)
	}
	code, err := client.CodeAt(ctx, addr, nil)
	if err != nil {
		return nil, fmt.Errorf("relay: reading the contract's code: %w", err)
	}
	if len(code) == 0 {
		return nil, fmt.Errorf("relay: no contract at %s", addr)
	}
	c := bindings.NewQuadrantBlobstream()
	return &EthSink{client: client, contract: c, bound: c.Instance(client, addr), opts: bind.NewKeyedTransactor(key, id),
		mineTimeout: 2 * time.Minute}, nil
}

// Nonce reads state_eventNonce.
func (s *EthSink) Nonce(ctx context.Context) (uint64, error) {
	n, err := bind.Call(s.bound, &bind.CallOpts{Context: ctx}, s.contract.PackStateEventNonce(), s.contract.UnpackStateEventNonce)
	if err != nil {
		return 0, err
	}
	if !n.IsUint64() {
		return 0, fmt.Errorf("relay: contract nonce %s does not fit 64 bits", n)
	}
	return n.Uint64(), nil
}

// Submit sends submitDataRootTupleRoot or updateValidatorSet for a, signed
// by signer's set, and waits for a successful receipt.
func (s *EthSink) Submit(ctx context.Context, a, signer *chain.Attestation) error {
	data, err := s.calldata(a, signer)
	if err != nil {
		return err
	}
	opts := *s.opts
	opts.Context = ctx
	tx, err := bind.Transact(s.bound, &opts, data)
	if err != nil {
		return fmt.Errorf("sending: %w", err)
	}
	wctx, cancel := context.WithTimeout(ctx, s.mineTimeout)
	defer cancel()
	r, err := bind.WaitMined(wctx, s.client, tx.Hash())
	if err != nil {
		return fmt.Errorf("waiting for %s: %w", tx.Hash(), err)
	}
	if r.Status != types.ReceiptStatusSuccessful {
		return fmt.Errorf("transaction %s reverted (gas used %d)", tx.Hash(), r.GasUsed)
	}
	return nil
}

// calldata packs a's submission.
func (s *EthSink) calldata(a, signer *chain.Attestation) ([]byte, error) {
	vals, sigs, err := signedSet(a, signer)
	if err != nil {
		return nil, err
	}
	u := func(v uint64) *big.Int { return new(big.Int).SetUint64(v) }
	bv, bs := bindings.FromValidators(vals), bindings.FromSignatures(sigs)
	switch a.Kind {
	case chain.AttestationDataCommitment:
		if len(a.TupleRoot) != 32 {
			return nil, fmt.Errorf("relay: attestation %d has a %d-byte tuple root", a.Nonce, len(a.TupleRoot))
		}
		return s.contract.TryPackSubmitDataRootTupleRoot(u(a.Nonce), u(signer.Nonce), [32]byte(a.TupleRoot), bv, bs)
	case chain.AttestationValset:
		if len(a.ValsetHash) != 32 {
			return nil, fmt.Errorf("relay: attestation %d has a %d-byte valset hash", a.Nonce, len(a.ValsetHash))
		}
		return s.contract.TryPackUpdateValidatorSet(u(a.Nonce), u(signer.Nonce), u(a.PowerThreshold), [32]byte(a.ValsetHash), bv, bs)
	}
	return nil, fmt.Errorf("relay: attestation %d of unknown kind %q", a.Nonce, a.Kind)
}

// signedSet returns signer's set, as the contract checks it against its
// checkpoint, and a's signatures aligned to it (zero where absent).
func signedSet(a, signer *chain.Attestation) ([]blobstream.Validator, []blobstream.Signature, error) {
	if len(signer.Valset) == 0 {
		return nil, nil, errors.New("relay: the signing set is empty")
	}
	vals := make([]blobstream.Validator, len(signer.Valset))
	for i, v := range signer.Valset {
		if len(v.Address) != 20 {
			return nil, nil, fmt.Errorf("relay: signing set member %d has a %d-byte address", i, len(v.Address))
		}
		vals[i] = blobstream.Validator{Address: [20]byte(v.Address), Power: v.Power}
	}
	bySigner := map[[20]byte]blobstream.Signature{}
	for _, s := range a.Signatures {
		sig, err := blobstream.SignatureFromBytes(s.Signature)
		if err != nil || len(s.Signer) != 20 {
			return nil, nil, fmt.Errorf("relay: attestation %d: signature of %x: %w", a.Nonce, s.Signer, err)
		}
		bySigner[[20]byte(s.Signer)] = sig
	}
	return vals, blobstream.AlignSignatures(vals, bySigner), nil
}
