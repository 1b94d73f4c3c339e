package consensus

import (
	"context"
	"crypto/ecdsa"
	"fmt"
	"strconv"

	abci "github.com/cometbft/cometbft/abci/types"
	cmtproto "github.com/cometbft/cometbft/proto/tendermint/types"
	"github.com/ethereum/go-ethereum/crypto"

	"github.com/quadrant-da/quadrant/blobs"
	"github.com/quadrant-da/quadrant/chain"
)

// AttestationKey is a validator's Ethereum secp256k1 key, whose address it
// registers as its eth_address; it signs attestations.
type AttestationKey = *ecdsa.PrivateKey

// ExtendVote signs, with the node's attestation key, the lowest incomplete
// attestations of the committed state (at most maxExtensionEntries) that
// its address is to sign and has not signed yet. Without a key, or with
// nothing to sign, the extension is empty.
func (a *App) ExtendVote(_ context.Context, req *abci.RequestExtendVote) (*abci.ResponseExtendVote, error) {
	key := a.cfg.AttestationKey
	if key == nil {
		return &abci.ResponseExtendVote{}, nil
	}
	eth := crypto.PubkeyToAddress(key.PublicKey)
	a.stateMu.RLock()
	s := a.committed.Attest
	a.stateMu.RUnlock()
	if s == nil {
		return &abci.ResponseExtendVote{}, nil
	}
	var entries []extEntry
	for _, att := range s.pending(len(s.Items)) {
		if len(entries) == maxExtensionEntries {
			break
		}
		if _, err := signable(s, att.Nonce, eth[:]); err != nil {
			continue // not ours to sign, or signed already
		}
		sig, err := signAttestation(key, att)
		if err != nil {
			return nil, err
		}
		entries = append(entries, extEntry{Nonce: att.Nonce, Signature: sig})
	}
	if len(entries) > 0 {
		a.log.Info("consensus: signing attestations", "height", req.Height, "first_nonce", entries[0].Nonce, "count", len(entries))
	}
	return &abci.ResponseExtendVote{VoteExtension: encodeVoteExtension(entries)}, nil
}

// VerifyVoteExtension accepts an extension only if it decodes (bounded by
// maxVoteExtensionSize) and every signature in it is the sending
// validator's registered Ethereum address signing an incomplete
// attestation of the committed state that it is to sign
// (verifyVoteExtension).
func (a *App) VerifyVoteExtension(_ context.Context, req *abci.RequestVerifyVoteExtension) (*abci.ResponseVerifyVoteExtension, error) {
	a.stateMu.RLock()
	s, st := a.committed.Attest, a.committed.Staking
	a.stateMu.RUnlock()
	if err := verifyVoteExtension(s, st, req.ValidatorAddress, req.VoteExtension); err != nil {
		a.log.Warn("consensus: rejecting vote extension", "height", req.Height, "validator", fmt.Sprintf("%X", req.ValidatorAddress), "reason", err)
		return &abci.ResponseVerifyVoteExtension{Status: abci.ResponseVerifyVoteExtension_REJECT}, nil
	}
	return &abci.ResponseVerifyVoteExtension{Status: abci.ResponseVerifyVoteExtension_ACCEPT}, nil
}

// verifyVoteExtension is VerifyVoteExtension's decision: nil to accept.
func verifyVoteExtension(s *attestations, st *Staking, validator, ext []byte) error {
	entries, err := decodeVoteExtension(ext)
	if err != nil || len(entries) == 0 {
		return err
	}
	if s == nil {
		return fmt.Errorf("%w: the chain attests nothing, the extension must be empty", errAttestation)
	}
	eth, err := ethAddressOf(st, validator)
	if err != nil {
		return err
	}
	for _, e := range entries {
		if _, err := verifyAttestSig(s, e.Nonce, eth, e.Signature); err != nil {
			return err
		}
	}
	return nil
}

// ethAddressOf returns the registered Ethereum address of the staking
// validator with consensus address cons.
func ethAddressOf(st *Staking, cons []byte) ([]byte, error) {
	if st == nil || len(cons) != chain.AddressSize {
		return nil, fmt.Errorf("%w: validator address %X is not a staking validator's", errAttestation, cons)
	}
	v := st.byConsAddress()[chain.Address(cons)]
	if v == nil {
		return nil, fmt.Errorf("%w: validator address %X is not a staking validator's", errAttestation, cons)
	}
	return v.EthAddress, nil
}

// attestTxFor returns the proposer's attestation transaction: every
// signature in the last commit's vote extensions (votes for the block
// only) that may still be recorded against s, in vote order, or nil.
func attestTxFor(s *attestations, st *Staking, votes []abci.ExtendedVoteInfo) []byte {
	if s == nil {
		return nil
	}
	scratch := s.Clone()
	var out []attestEntry
	for _, v := range votes {
		if v.BlockIdFlag != cmtproto.BlockIDFlagCommit || len(v.VoteExtension) == 0 {
			continue
		}
		entries, err := decodeVoteExtension(v.VoteExtension)
		if err != nil {
			continue
		}
		eth, err := ethAddressOf(st, v.Validator.Address)
		if err != nil {
			continue
		}
		for _, e := range entries {
			power, err := verifyAttestSig(scratch, e.Nonce, eth, e.Signature)
			if err != nil || len(out) == maxAttestTxEntries {
				continue
			}
			scratch.recordAttestSig(e.Nonce, eth, power, e.Signature)
			out = append(out, attestEntry{Validator: chain.Address(v.Validator.Address), extEntry: e})
		}
	}
	if len(out) == 0 {
		return nil
	}
	return encodeAttestTx(out)
}

// applyAttestTx records the signatures of an attestation transaction in s
// (in place) after checking all of them: each comes from a validator that
// voted for the last block (commit, from the block's last commit info —
// so only extensions that were in the extended commit can appear), and
// passes verifyAttestSig. On error s is unchanged.
func applyAttestTx(s *attestations, st *Staking, tx []byte, commit []abci.VoteInfo) error {
	entries, err := decodeAttestTx(tx)
	if err != nil {
		return err
	}
	if s == nil {
		return fmt.Errorf("%w: the chain attests nothing", errAttestation)
	}
	voted := make(map[chain.Address]bool, len(commit))
	for _, v := range commit {
		if v.BlockIdFlag == cmtproto.BlockIDFlagCommit && len(v.Validator.Address) == chain.AddressSize {
			voted[chain.Address(v.Validator.Address)] = true
		}
	}
	scratch := s.Clone()
	for i, e := range entries {
		if !voted[e.Validator] {
			return fmt.Errorf("%w: entry %d: validator %X did not vote for the last block, so no extension of its can be included", errAttestation, i, e.Validator[:])
		}
		eth, err := ethAddressOf(st, e.Validator[:])
		if err != nil {
			return fmt.Errorf("entry %d: %w", i, err)
		}
		power, err := verifyAttestSig(scratch, e.Nonce, eth, e.Signature)
		if err != nil {
			return fmt.Errorf("entry %d: %w", i, err)
		}
		scratch.recordAttestSig(e.Nonce, eth, power, e.Signature)
	}
	*s = *scratch
	return nil
}

// attestTxOf returns the block's attestation transaction (its first, if
// the block has more than the data-root transaction), or nil.
func attestTxOf(txs [][]byte) []byte {
	if len(txs) < 2 || !isAttestTx(txs[0]) {
		return nil
	}
	return txs[0]
}

// attestationQuery answers /attestation/<nonce> and /attestation/latest
// (the highest nonce) from s.
func attestationQuery(s *attestations, parts []string) (any, error) {
	if len(parts) != 2 {
		return nil, fmt.Errorf("consensus: query /attestation: want /attestation/<nonce> or /attestation/latest")
	}
	if s == nil || len(s.Items) == 0 {
		return nil, fmt.Errorf("consensus: query /attestation: this chain attests nothing (no genesis validator registered an Ethereum address)")
	}
	if parts[1] == "latest" {
		return s.Items[len(s.Items)-1], nil
	}
	n, err := strconv.ParseUint(parts[1], 10, 64)
	if err != nil {
		return nil, fmt.Errorf("consensus: query /attestation: nonce %q, want a non-negative integer or latest", parts[1])
	}
	a := s.get(n)
	if a == nil {
		return nil, fmt.Errorf("consensus: query /attestation: no attestation at nonce %d (latest %d)", n, len(s.Items)-1)
	}
	return a, nil
}

// finalizeAttestations returns the attestation state after the block:
// cur's with the attestation transaction att (if any) applied — an invalid
// one changes nothing — and the block's data root recorded (endBlock). It
// returns att's result. cur.Attest is not modified.
func (a *App) finalizeAttestations(cur *state, staking *Staking, req *abci.RequestFinalizeBlock, att []byte) (*attestations, *abci.ExecTxResult) {
	if cur.Attest == nil {
		return nil, &abci.ExecTxResult{Code: chain.CodeDataRootTx, Log: "attestation transaction on a chain without attestations"}
	}
	s := cur.Attest.Clone()
	res := &abci.ExecTxResult{Code: chain.CodeOK, Log: "attestation transaction"}
	if att != nil {
		if err := applyAttestTx(s, cur.Staking, att, req.DecidedLastCommit.Votes); err != nil {
			a.log.Error("consensus: decided block carries an invalid attestation transaction; ignored", "height", req.Height, "err", err)
			res = &abci.ExecTxResult{Code: chain.CodeDataRootTx, Log: err.Error()}
		}
	}
	var root []byte
	if n := len(req.Txs); n > 0 {
		if drt, err := blobs.DecodeDataRootTx(req.Txs[n-1]); err == nil {
			root = drt.DataRoot
		}
	}
	if len(root) == 32 {
		if err := s.endBlock(req.Height, root, staking); err != nil {
			a.log.Error("consensus: attestation state not advanced", "height", req.Height, "err", err)
		} else {
			for _, n := range s.Items[len(cur.Attest.Items):] {
				a.log.Info("consensus: new attestation", "height", req.Height, "nonce", n.Nonce, "kind", n.Kind)
			}
		}
	}
	return s, res
}
