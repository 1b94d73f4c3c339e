package wallet

import (
	"bytes"
	"context"
	"encoding/hex"
	"fmt"
	"strings"

	abci "github.com/cometbft/cometbft/abci/types"
	coretypes "github.com/cometbft/cometbft/rpc/core/types"
	"github.com/quadrant-da/quadrant/chain"
)

// Inclusion tracking of the Submitter: which pending transactions landed.

// poll finds which pending transactions landed. It asks the App for the
// account's committed sequence; only if it moved are the new heights
// searched: first through their block results (small: a blob transaction
// is recognised by its blob events, which name the signer and each share
// commitment, in nonce order), then, for what is still unaccounted for
// (transfers, transactions that failed in execution), through the full
// blocks by transaction hash.
func (s *Submitter) poll(ctx context.Context) error {
	var acc chain.AccountInfo
	h, err := s.query(ctx, "/account/"+s.key.Address().String(), &acc)
	if err != nil {
		return err
	}
	if h <= s.lastHeight {
		return nil
	}
	if acc.Sequence != s.lastSeq {
		from := s.lastHeight + 1
		for height := from; height <= h; height++ {
			if err := s.matchResults(ctx, height); err != nil {
				return err
			}
		}
		if s.unaccounted(acc.Sequence) {
			for height := from; height <= h; height++ {
				if err := s.scanBlock(ctx, height); err != nil {
					return err
				}
			}
		}
	}
	s.lastHeight, s.lastSeq = h, acc.Sequence
	// Pending transactions whose sequence is now below the committed one
	// and that were not found were replaced by another transaction.
	kept := s.pending[:0]
	for _, p := range s.pending {
		if seq := p.Status().Sequence; seq < acc.Sequence {
			reason := fmt.Sprintf("sequence %d was consumed by another transaction by height %d", seq, h)
			p.setFinal(func(st *SubmissionStatus) { st.State, st.Reason = stateEvicted, reason })
			s.log.Warn("wallet: tx evicted", "sequence", seq, "reason", reason)
			continue
		}
		kept = append(kept, p)
	}
	s.pending = kept
	if s.nextSeq < acc.Sequence {
		s.nextSeq = acc.Sequence
	}
	return nil
}

// unaccounted reports whether a pending transaction has a sequence below
// committed, i.e. its slot was used but it has not been found yet.
func (s *Submitter) unaccounted(committed uint64) bool {
	for _, p := range s.pending {
		if p.Status().Sequence < committed {
			return true
		}
	}
	return false
}

// matchResults marks as included the pending blob transactions whose blob
// events appear, in order, in the results of block height.
func (s *Submitter) matchResults(ctx context.Context, height int64) error {
	hasBlobs := false
	for _, p := range s.pending {
		hasBlobs = hasBlobs || p.pfb != nil
	}
	if !hasBlobs {
		return nil
	}
	res, err := s.client.BlockResults(ctx, &height)
	if err != nil {
		return fmt.Errorf("wallet: fetching results of block %d: %w", height, err)
	}
	signer := s.key.Address().String()
	used := make([]bool, len(res.TxsResults))
	kept := s.pending[:0]
	for _, p := range s.pending {
		idx := -1
		if p.pfb != nil {
			for i, r := range res.TxsResults {
				if !used[i] && r.Code == chain.CodeOK && blobEventsMatch(r.Events, signer, p.pfb.ShareCommitments) {
					idx = i
					break
				}
			}
		}
		if idx < 0 {
			kept = append(kept, p)
			continue
		}
		used[idx] = true
		p.setFinal(func(st *SubmissionStatus) {
			st.State, st.Height, st.TxIndex, st.Code = stateIncluded, height, idx, chain.CodeOK
		})
	}
	s.pending = kept
	return nil
}

// blobEventsMatch reports whether events are the blob events of a
// transaction by signer paying for exactly commitments, in order.
func blobEventsMatch(events []abci.Event, signer string, commitments [][]byte) bool {
	n := 0
	for _, ev := range events {
		if ev.Type != chain.EventTypeBlob {
			continue
		}
		if n >= len(commitments) {
			return false
		}
		var gotSigner, gotCommit string
		for _, a := range ev.Attributes {
			switch a.Key {
			case chain.AttrBlobSigner:
				gotSigner = a.Value
			case chain.AttrBlobCommitment:
				gotCommit = a.Value
			}
		}
		if !strings.EqualFold(gotSigner, signer) || !strings.EqualFold(gotCommit, hex.EncodeToString(commitments[n])) {
			return false
		}
		n++
	}
	return n == len(commitments)
}

// scanBlock marks as included the pending transactions whose hash is in
// block height, with their execution result.
func (s *Submitter) scanBlock(ctx context.Context, height int64) error {
	blk, err := s.client.Block(ctx, &height)
	if err != nil {
		return fmt.Errorf("wallet: fetching block %d: %w", height, err)
	}
	var results *coretypes.ResultBlockResults
	kept := s.pending[:0]
	for _, p := range s.pending {
		hash := p.Status().Hash
		idx := -1
		for i, tx := range blk.Block.Txs {
			if bytes.Equal(tx.Hash(), hash) {
				idx = i
				break
			}
		}
		if idx < 0 {
			kept = append(kept, p)
			continue
		}
		if results == nil {
			if results, err = s.client.BlockResults(ctx, &height); err != nil {
				return fmt.Errorf("wallet: fetching results of block %d: %w", height, err)
			}
		}
		var code uint32
		var log string
		if idx < len(results.TxsResults) {
			code, log = results.TxsResults[idx].Code, results.TxsResults[idx].Log
		}
		p.setFinal(func(st *SubmissionStatus) {
			st.State, st.Height, st.TxIndex, st.Code, st.Reason = stateIncluded, height, idx, code, log
		})
	}
	s.pending = kept
	return nil
}
