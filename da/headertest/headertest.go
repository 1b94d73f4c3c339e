// Package headertest builds deterministic chains of really signed extended
// headers for tests of every package that handles headers (da, p2p,
// fullnode, lightnode), without running consensus: validators are ed25519
// keys derived from a seed, and each header is committed by all of them
// through CometBFT's own vote set. Square and ExtendedSquare give the
// deterministic test squares such headers commit to.
//
// It is test support, not production code: it is imported only from
// _test.go files. It is pure (no clock, no crypto/rand): block times are
// derived from the height.
package headertest

import (
	"crypto/sha256"
	"fmt"
	"time"

	"github.com/cometbft/cometbft/crypto/ed25519"
	cmtproto "github.com/cometbft/cometbft/proto/tendermint/types"
	cmtversion "github.com/cometbft/cometbft/proto/tendermint/version"
	"github.com/cometbft/cometbft/types"
	"github.com/cometbft/cometbft/version"

	"github.com/quadrant-da/quadrant/da"
)

// Genesis returns the time of height 0; height h is at Genesis + h seconds.
// A function, so no test can move it under another.
func Genesis() time.Time { return time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC) }

// Chain is a chain of extended headers signed by its validator set, which
// is fixed unless the test changes it with Replace. It is not safe for
// concurrent use.
type Chain struct {
	ChainID string
	// Vals is the set signing the next header.
	Vals    *types.ValidatorSet
	privs   []types.PrivValidator // in Vals order
	headers []*da.ExtendedHeader
	// next and nextPrivs, when set, are the set the next header names as
	// NextValidatorsHash and that signs the header after it.
	next      *types.ValidatorSet
	nextPrivs []types.PrivValidator
}

// NewChain returns an empty chain with n validators of voting power 10
// whose keys derive from seed.
func NewChain(chainID string, n int, seed string) *Chain {
	pvs := make([]types.PrivValidator, n)
	for i := range n {
		pvs[i] = Key(seed, i)
	}
	vs, privs := valSet(pvs)
	return &Chain{ChainID: chainID, Vals: vs, privs: privs}
}

// Key returns validator i of the keys derived from seed (NewChain's
// validators are Key(seed, 0..n-1)).
func Key(seed string, i int) types.PrivValidator {
	priv := ed25519.GenPrivKeyFromSecret(fmt.Appendf(nil, "%s/validator/%d", seed, i))
	return types.NewMockPVWithParams(priv, false, false)
}

// valSet returns the set of pvs, each of voting power 10, and pvs in the
// set's order.
func valSet(pvs []types.PrivValidator) (*types.ValidatorSet, []types.PrivValidator) {
	byAddr := map[string]types.PrivValidator{}
	vals := make([]*types.Validator, len(pvs))
	for i, pv := range pvs {
		pk, err := pv.GetPubKey()
		if err != nil {
			panic(fmt.Sprintf("headertest: %v", err)) // mock keys cannot fail
		}
		vals[i] = types.NewValidator(pk, 10)
		byAddr[string(pk.Address())] = pv
	}
	vs := types.NewValidatorSet(vals)
	ordered := make([]types.PrivValidator, 0, len(pvs))
	for _, v := range vs.Validators {
		ordered = append(ordered, byAddr[string(v.Address)])
	}
	return vs, ordered
}

// Replace changes the validator set as CometBFT applies an update: the
// next header names the set where validator i (in Vals order) is replaced
// by pv as its NextValidatorsHash, and the header after it is the first one
// signed by that set. Calling it again before Next replaces another
// validator of the same pending set.
func (c *Chain) Replace(i int, pv types.PrivValidator) {
	pvs := c.privs
	if c.next != nil {
		pvs = c.nextPrivs
	}
	pvs = append([]types.PrivValidator(nil), pvs...)
	pvs[i] = pv
	c.next, c.nextPrivs = valSet(pvs)
}

// Headers returns the headers built so far; Headers()[i] has height i+1.
func (c *Chain) Headers() []*da.ExtendedHeader { return c.headers }

// Head returns the last header, or nil.
func (c *Chain) Head() *da.ExtendedHeader {
	if len(c.headers) == 0 {
		return nil
	}
	return c.headers[len(c.headers)-1]
}

// DataRootTx returns the encoded data-root tx committing to dah.
func DataRootTx(dah *da.DAHeader) []byte {
	tx, err := (&da.DataRootTx{DataRoot: dah.Hash(), SquareSize: uint64(dah.SquareWidth() / 2)}).Marshal()
	if err != nil {
		panic(fmt.Sprintf("headertest: %v", err)) // dah is valid, so this is a programmer error
	}
	return tx
}

// Next appends and returns the header of the next height committing to dah
// (the block's txs are userTxs followed by the data-root tx of dah).
func (c *Chain) Next(dah *da.DAHeader, userTxs ...[]byte) (*da.ExtendedHeader, error) {
	txs := append(append([][]byte(nil), userTxs...), DataRootTx(dah))
	h := c.NextHeader(txs)
	sh, err := c.Sign(h)
	if err != nil {
		return nil, err
	}
	e, err := da.NewExtendedHeader(sh, c.Vals, txs, dah)
	if err != nil {
		return nil, err
	}
	c.headers = append(c.headers, e)
	if c.next != nil {
		c.Vals, c.privs = c.next, c.nextPrivs
		c.next, c.nextPrivs = nil, nil
	}
	return e, nil
}

// NextHeader returns, without appending it, the unsigned CometBFT header of
// the next height for a block with txs (DataHash = root of txs), linked to
// the current head.
func (c *Chain) NextHeader(txs [][]byte) *types.Header {
	height := int64(len(c.headers) + 1)
	var last types.BlockID
	if head := c.Head(); head != nil {
		last = head.SignedHeader.Commit.BlockID
	}
	ctxs := make(types.Txs, len(txs))
	for i, tx := range txs {
		ctxs[i] = tx
	}
	h32 := func(s string) []byte { h := sha256.Sum256([]byte(s)); return h[:] }
	return &types.Header{
		Version:            cmtversion.Consensus{Block: version.BlockProtocol, App: 1},
		ChainID:            c.ChainID,
		Height:             height,
		Time:               Genesis().Add(time.Duration(height) * time.Second),
		LastBlockID:        last,
		LastCommitHash:     h32(fmt.Sprint("last-commit", height)),
		DataHash:           ctxs.Hash(),
		ValidatorsHash:     c.Vals.Hash(),
		NextValidatorsHash: c.nextVals().Hash(),
		ConsensusHash:      h32("consensus"),
		AppHash:            h32(fmt.Sprint("app", height)),
		LastResultsHash:    h32(fmt.Sprint("results", height)),
		EvidenceHash:       h32(""),
		ProposerAddress:    c.Vals.Validators[0].Address,
	}
}

func (c *Chain) nextVals() *types.ValidatorSet {
	if c.next != nil {
		return c.next
	}
	return c.Vals
}

// Sign returns h with a commit from every validator of the chain.
func (c *Chain) Sign(h *types.Header) (*types.SignedHeader, error) {
	ph := sha256.Sum256(fmt.Appendf(nil, "parts/%d", h.Height))
	bid := types.BlockID{Hash: h.Hash(), PartSetHeader: types.PartSetHeader{Total: 1, Hash: ph[:]}}
	vs := types.NewVoteSet(c.ChainID, h.Height, 0, cmtproto.PrecommitType, c.Vals)
	ec, err := types.MakeExtCommit(bid, h.Height, 0, vs, c.privs, h.Time.Add(500*time.Millisecond), false)
	if err != nil {
		return nil, fmt.Errorf("headertest: sign height %d: %w", h.Height, err)
	}
	return &types.SignedHeader{Header: h, Commit: ec.ToCommit()}, nil
}

// FakeDAH returns a valid DA header of width w (a power of two ≥ 2) whose
// roots are derived from seed; it is not the DA header of any real square.
func FakeDAH(w int, seed string) *da.DAHeader {
	root := func(kind string, i int) []byte {
		r := make([]byte, da.NodeSize) // zero min and max namespace
		h := sha256.Sum256(fmt.Appendf(nil, "%s/%s/%d", seed, kind, i))
		copy(r[2*da.NamespaceSize:], h[:])
		return r
	}
	rows, cols := make([][]byte, w), make([][]byte, w)
	for i := range w {
		rows[i], cols[i] = root("row", i), root("col", i)
	}
	dah, err := da.NewDAHeader(rows, cols)
	if err != nil {
		panic(fmt.Sprintf("headertest: FakeDAH(%d): %v", w, err)) // programmer error
	}
	return dah
}
