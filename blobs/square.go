package blobs

import (
	"bytes"
	"errors"
	"fmt"
	"slices"

	"github.com/quadrant-da/quadrant/da"
)

// ErrInvalidSquare is wrapped by square construction failures: a bad
// maximum square size, transactions that do not fit (Construct), a normal
// transaction after a blob transaction (Construct), or a malformed BlobTx
// (Construct).
var ErrInvalidSquare = errors.New("blobs: cannot build square")

// worstCaseShareIndex is the share index every pay-for-blob is sized with
// before the square is laid out (go-square uses 128×128 for compatibility
// with Celestia v1; its varint is 3 bytes, as long as any index of a
// k ≤ 256 square).
const worstCaseShareIndex = 128 * 128

// Square is an original data square: k×k shares in row-major order, k a
// power of two. It is one contiguous buffer.
type Square []da.Share

// Size returns the square's width k (RoundUpPow2(ceil(sqrt(len)))).
func (s Square) Size() int { return minSquareSize(len(s)) }

// EmptySquare returns the square of a block without transactions: one
// tail-padding share.
func EmptySquare() Square { return Square{TailPaddingShare()} }

// element is one blob waiting to be placed.
type element struct {
	blob       *Blob
	pfb        int // index in builder.pfbs
	index      int // index of the blob in its pay-for-blobs
	shares     int
	maxPadding int
}

// pfbEntry is a pay-for-blob tx with the share indexes of its blobs.
type pfbEntry struct {
	tx      []byte
	indexes []uint32
}

// builder accumulates transactions while keeping go-square's worst-case
// estimate of the shares they need, and lays the square out on export.
type builder struct {
	maxK     int
	size     int // worst-case share count so far
	txBytes  int // unit bytes of ordinary txs
	pfbBytes int // unit bytes of worst-case index wrappers
	txs      [][]byte
	pfbs     []pfbEntry
	elems    []element
}

func newBuilder(maxSquareSize int) (*builder, error) {
	if err := checkSquareSize(maxSquareSize); err != nil {
		return nil, err
	}
	return &builder{maxK: maxSquareSize}, nil
}

func (b *builder) fits(extra int) bool { return b.size+extra <= b.maxK*b.maxK }

// appendTx adds an ordinary transaction if it fits.
func (b *builder) appendTx(tx []byte) bool {
	nb := b.txBytes + unitLen(len(tx))
	diff := compactSharesNeeded(nb) - compactSharesNeeded(b.txBytes)
	if !b.fits(diff) {
		return false
	}
	b.txs = append(b.txs, tx)
	b.txBytes = nb
	b.size += diff
	return true
}

// appendBlobTx adds a blob transaction (its pay-for-blob with worst-case
// share indexes and each blob with worst-case alignment padding) if it fits.
func (b *builder) appendBlobTx(btx *BlobTx) bool {
	iw := indexWrapperSize(len(btx.Tx), nil) + worstCaseIndexesSize(len(btx.Blobs))
	nb := b.pfbBytes + unitLen(iw)
	diff := compactSharesNeeded(nb) - compactSharesNeeded(b.pfbBytes)
	start := len(b.elems)
	for i, blob := range btx.Blobs {
		n := blob.SharesNeeded()
		e := element{blob: blob, pfb: len(b.pfbs), index: i, shares: n, maxPadding: SubTreeWidth(n, SubtreeRootThreshold) - 1}
		b.elems = append(b.elems, e)
		diff += n + e.maxPadding
	}
	if !b.fits(diff) {
		b.elems = b.elems[:start]
		return false
	}
	b.pfbs = append(b.pfbs, pfbEntry{tx: btx.Tx, indexes: make([]uint32, len(btx.Blobs))})
	b.pfbBytes = nb
	b.size += diff
	return true
}

// worstCaseIndexesSize is the size of the packed share_indexes field of n
// worst-case indexes (0 for n = 0, as proto3 omits an empty list).
func worstCaseIndexesSize(n int) int {
	if n == 0 {
		return 0
	}
	packed := n * uvarintLen(worstCaseShareIndex)
	return 1 + uvarintLen(uint64(packed)) + packed
}

func (b *builder) isEmpty() bool { return b.txBytes == 0 && b.pfbBytes == 0 }

// squareSize returns the width of the square the builder will export.
func (b *builder) squareSize() int {
	if b.isEmpty() {
		return 1
	}
	return minSquareSize(b.size)
}

// export lays the square out: tx shares, pay-for-blob shares, primary
// reserved padding, blobs sorted by namespace (stable) with namespace
// padding before each aligned blob, tail padding.
func (b *builder) export() (Square, error) {
	if b.isEmpty() {
		return EmptySquare(), nil
	}
	k := minSquareSize(b.size)
	total := k * k

	slices.SortStableFunc(b.elems, func(x, y element) int {
		return bytes.Compare(x.blob.Namespace[:], y.blob.Namespace[:])
	})

	txShares := compactSharesNeeded(b.txBytes)
	nonReserved := txShares + compactSharesNeeded(b.pfbBytes)
	cursor, end := nonReserved, nonReserved
	starts := make([]int, len(b.elems))
	for i := range b.elems {
		e := &b.elems[i]
		cursor = nextShareIndex(cursor, e.shares, SubtreeRootThreshold)
		if i == 0 {
			nonReserved = cursor
		}
		if pad := cursor - end; pad > e.maxPadding {
			return nil, fmt.Errorf("%w: internal: blob needs %d padding shares, at most %d were reserved", ErrInvalidSquare, pad, e.maxPadding)
		}
		starts[i] = cursor
		b.pfbs[e.pfb].indexes[e.index] = uint32(cursor)
		cursor += e.shares
		end = cursor
	}
	if end > total {
		return nil, fmt.Errorf("%w: internal: blobs end at share %d, past the %d-share square", ErrInvalidSquare, end, total)
	}

	sq := make(Square, total)
	txw := &compactWriter{ns: da.TxNamespace(), shares: sq[:0:txShares]}
	for _, tx := range b.txs {
		txw.write(tx)
	}
	txw.finish()
	if txw.count() != txShares {
		return nil, fmt.Errorf("%w: internal: %d tx shares written, %d counted", ErrInvalidSquare, txw.count(), txShares)
	}
	pfbArea := sq[txShares:nonReserved]
	pfbw := &compactWriter{ns: da.PayForBlobNamespace(), shares: pfbArea[:0:len(pfbArea)]}
	var iwBuf []byte
	for _, p := range b.pfbs {
		iwBuf = appendIndexWrapper(iwBuf[:0], p.tx, p.indexes)
		pfbw.write(iwBuf)
	}
	pfbw.finish()
	if pfbw.count() > compactSharesNeeded(b.pfbBytes) || cap(pfbw.shares) != len(pfbArea) {
		return nil, fmt.Errorf("%w: internal: pay-for-blob shares overflow their reserved area", ErrInvalidSquare)
	}
	for i := txShares + pfbw.count(); i < nonReserved; i++ {
		paddingShare(&sq[i], da.PrimaryReservedPaddingNamespace(), da.ShareVersionZero)
	}
	end = nonReserved
	for i := range b.elems {
		e := &b.elems[i]
		if i > 0 {
			prev := b.elems[i-1].blob
			for j := end; j < starts[i]; j++ {
				paddingShare(&sq[j], prev.Namespace, prev.ShareVersion)
			}
		}
		end = starts[i] + writeBlobShares(sq[starts[i]:], e.blob)
	}
	for i := end; i < total; i++ {
		paddingShare(&sq[i], da.TailPaddingNamespace(), da.ShareVersionZero)
	}
	return sq, nil
}

// Build is the proposer's square construction, like go-square's
// square.Build with subtree root threshold 64: it takes prioritised
// transactions, adds each one that still fits in a square of width at most
// maxSquareSize (ordinary transactions and blob transactions are counted
// separately, in their given order) and skips the rest. It returns the
// square and the kept transactions in square order: ordinary ones first,
// then blob transactions. Unlike go-square, a malformed BlobTx is skipped
// rather than failing the whole square.
func Build(txs [][]byte, maxSquareSize int) (Square, [][]byte, error) {
	b, err := newBuilder(maxSquareSize)
	if err != nil {
		return nil, nil, err
	}
	normal := make([][]byte, 0, len(txs))
	var blobTxs [][]byte
	for _, raw := range txs {
		btx, isBlob, err := UnmarshalBlobTx(raw)
		switch {
		case isBlob && err != nil:
			continue
		case isBlob:
			if b.appendBlobTx(btx) {
				blobTxs = append(blobTxs, raw)
			}
		default:
			if b.appendTx(raw) {
				normal = append(normal, raw)
			}
		}
	}
	sq, err := b.export()
	if err != nil {
		return nil, nil, err
	}
	return sq, append(normal, blobTxs...), nil
}

// newConstructBuilder adds txs in order like go-square's NewBuilder,
// failing if one does not fit, is a malformed BlobTx, or is an ordinary
// transaction after a blob transaction.
func newConstructBuilder(txs [][]byte, maxSquareSize int) (*builder, error) {
	b, err := newBuilder(maxSquareSize)
	if err != nil {
		return nil, err
	}
	seenBlob := false
	for i, raw := range txs {
		btx, isBlob, err := UnmarshalBlobTx(raw)
		switch {
		case isBlob && err != nil:
			return nil, fmt.Errorf("%w: tx %d: %w", ErrInvalidSquare, i, err)
		case isBlob:
			seenBlob = true
			if !b.appendBlobTx(btx) {
				return nil, fmt.Errorf("%w: tx %d: blob tx does not fit a %d×%d square", ErrInvalidSquare, i, maxSquareSize, maxSquareSize)
			}
		default:
			if seenBlob {
				return nil, fmt.Errorf("%w: tx %d: ordinary tx after a blob tx (blob txs must come last)", ErrInvalidSquare, i)
			}
			if !b.appendTx(raw) {
				return nil, fmt.Errorf("%w: tx %d: tx does not fit a %d×%d square", ErrInvalidSquare, i, maxSquareSize, maxSquareSize)
			}
		}
	}
	return b, nil
}

// Construct is the validator's square construction, like go-square's
// square.Construct with subtree root threshold 64: it lays out exactly txs
// (ordinary transactions first, then blob transactions) and fails if any
// does not fit a square of width maxSquareSize, if a BlobTx is malformed,
// or if an ordinary transaction follows a blob transaction.
func Construct(txs [][]byte, maxSquareSize int) (Square, error) {
	b, err := newConstructBuilder(txs, maxSquareSize)
	if err != nil {
		return nil, err
	}
	return b.export()
}

// SquareSize returns the width k of the square Construct(txs,
// maxSquareSize) would build, without building it (no share is written).
func SquareSize(txs [][]byte, maxSquareSize int) (int, error) {
	b, err := newConstructBuilder(txs, maxSquareSize)
	if err != nil {
		return 0, err
	}
	return b.squareSize(), nil
}
