package consensus

import (
	"cmp"
	"container/heap"
	"slices"

	"github.com/quadrant-da/quadrant/blobs"
	"github.com/quadrant-da/quadrant/chain"
	"github.com/quadrant-da/quadrant/da"
)

// orderTxs returns the order in which a proposer considers transactions:
//
//  1. each signer's transactions sorted by sequence (ties keep arrival
//     order), cut before the first ordinary transaction that follows one of
//     its blob transactions — the square puts every ordinary transaction
//     before every blob transaction, so such a transaction could not be
//     applied in sequence order in this block (it stays in the mempool);
//  2. merged across signers by gas price, highest first, always taking a
//     signer's next transaction in sequence order (ties: earliest arrival);
//  3. stably partitioned: ordinary transactions, then blob transactions —
//     the order of the block and of its square.
//
// It is a pure function of its input.
func orderTxs(txs []*decodedTx) []*decodedTx {
	bySigner := make(map[chain.Address][]*decodedTx)
	var signers []chain.Address
	for _, d := range txs {
		if _, ok := bySigner[d.signer]; !ok {
			signers = append(signers, d.signer)
		}
		bySigner[d.signer] = append(bySigner[d.signer], d)
	}
	h := &priceHeap{}
	for _, s := range signers {
		q := bySigner[s]
		slices.SortStableFunc(q, func(a, b *decodedTx) int { return cmp.Compare(a.sequence(), b.sequence()) })
		seenBlob := false
		for i, d := range q {
			if d.isBlob {
				seenBlob = true
			} else if seenBlob {
				q = q[:i]
				break
			}
		}
		h.queues = append(h.queues, q)
	}
	heap.Init(h)
	merged := make([]*decodedTx, 0, len(txs))
	for h.Len() > 0 {
		q := h.queues[0]
		merged = append(merged, q[0])
		if len(q) == 1 {
			heap.Pop(h)
		} else {
			h.queues[0] = q[1:]
			heap.Fix(h, 0)
		}
	}
	out := make([]*decodedTx, 0, len(merged))
	for _, d := range merged {
		if !d.isBlob {
			out = append(out, d)
		}
	}
	for _, d := range merged {
		if d.isBlob {
			out = append(out, d)
		}
	}
	return out
}

// priceHeap holds one queue per signer, ordered by the gas price of each
// queue's head (highest first), then by the head's arrival order.
type priceHeap struct{ queues [][]*decodedTx }

func (h *priceHeap) Len() int { return len(h.queues) }
func (h *priceHeap) Less(i, j int) bool {
	a, b := h.queues[i][0], h.queues[j][0]
	if a.gasPrice() != b.gasPrice() {
		return a.gasPrice() > b.gasPrice()
	}
	return a.order < b.order
}
func (h *priceHeap) Swap(i, j int) { h.queues[i], h.queues[j] = h.queues[j], h.queues[i] }
func (h *priceHeap) Push(x any)    { h.queues = append(h.queues, x.([]*decodedTx)) }
func (h *priceHeap) Pop() any {
	n := len(h.queues)
	q := h.queues[n-1]
	h.queues = h.queues[:n-1]
	return q
}

// squareBudget tracks, like the square builder, a worst-case share count for
// the transactions admitted so far: compact shares of the ordinary
// transactions, compact shares of the pay-for-blobs wrapped with worst-case
// share indexes, and each blob's shares plus its worst-case alignment
// padding (subtree width − 1).
type squareBudget struct {
	// maxBytes bounds the block's transactions as CometBFT counts them
	// (protobuf size, the data-root transaction's reserve included); ≤ 0 is
	// no bound.
	maxBytes   int64
	bytes      int64
	limit      int // k × k
	txBytes    int // Σ varint(len) + len of ordinary transactions
	pfbBytes   int // Σ varint(len) + len of worst-case index wrappers
	blobShares int
}

// dataRootTxReserve is the block space kept for the data-root transaction.
const dataRootTxReserve = 128

func newSquareBudget(maxSquareSize int, maxBytes int64) *squareBudget {
	return &squareBudget{limit: maxSquareSize * maxSquareSize, maxBytes: maxBytes, bytes: dataRootTxReserve}
}

func (b *squareBudget) used() int {
	return compactSharesFor(b.txBytes) + compactSharesFor(b.pfbBytes) + b.blobShares
}

// tryAdd admits d if the worst-case total still fits; it reports whether it
// did.
func (b *squareBudget) tryAdd(d *decodedTx) bool {
	next := *b
	next.bytes += int64(1 + unitLen(len(d.raw))) // protobuf: tag, length, bytes
	if b.maxBytes > 0 && next.bytes > b.maxBytes {
		return false
	}
	if d.isBlob {
		next.pfbBytes += unitLen(d.wrapperLen)
		next.blobShares += blobWorstCaseShares(d.blobs)
	} else {
		next.txBytes += unitLen(len(d.raw))
	}
	if next.used() > b.limit {
		return false
	}
	*b = next
	return true
}

// worstCaseShares is the share count one blob transaction needs on its own:
// its worst-case index wrapper in compact shares plus its blobs with padding.
func worstCaseShares(wrapperLen int, bs []*blobs.Blob) int {
	return compactSharesFor(unitLen(wrapperLen)) + blobWorstCaseShares(bs)
}

func blobWorstCaseShares(bs []*blobs.Blob) int {
	n := 0
	for _, b := range bs {
		s := b.SharesNeeded()
		n += s + blobs.SubTreeWidth(s, blobs.SubtreeRootThreshold) - 1
	}
	return n
}

// compactSharesFor is the number of compact shares holding n bytes of
// length-prefixed units: 474 bytes in the first share, 478 in each later.
func compactSharesFor(n int) int {
	first, cont := da.FirstCompactShareContentSize, da.ContinuationCompactShareContentSize
	switch {
	case n <= 0:
		return 0
	case n <= first:
		return 1
	default:
		return 1 + (n-first+cont-1)/cont
	}
}

// unitLen is the length of a compact-share unit: uvarint(n) ‖ n bytes.
func unitLen(n int) int {
	l := 1
	for v := uint64(n); v >= 0x80; v >>= 7 {
		l++
	}
	return l + n
}
