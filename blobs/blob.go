package blobs

import (
	"errors"
	"fmt"
	"math"
	"math/bits"

	"github.com/quadrant-da/quadrant/da"
)

// Square size limits and the subtree root threshold of share commitments.
const (
	// DefaultMaxSquareSize is the default maximum original square width k.
	DefaultMaxSquareSize = 128
	// MaxSquareSizeUpperBound is the largest maximum square width Quadrant
	// accepts (k = 256, a 512×512 extended square).
	MaxSquareSizeUpperBound = 256
	// SubtreeRootThreshold bounds the number of subtree roots of a share
	// commitment (Celestia's value).
	SubtreeRootThreshold = 64
)

// Blob errors. Errors returned by this package wrap one of these sentinels.
var (
	// ErrBlobTooLarge is wrapped by every size-limit failure of a blob. Its
	// text contains "blob: over size limit", which the consensus layer
	// reports to users.
	ErrBlobTooLarge = errors.New("blobs: blob: over size limit")
	// ErrInvalidBlob is wrapped by every other blob validation failure.
	ErrInvalidBlob = errors.New("blobs: invalid blob")
)

// Blob is a rollup's binary large object: data posted under a namespace.
// Data must be non-empty. ShareVersion is 0, or 1 when the blob carries the
// 20-byte address of its signer (Signer must be nil for version 0).
//
// A Blob decoded from a BlobTx aliases the decoded buffer; callers that keep
// it beyond the buffer's lifetime must copy it.
type Blob struct {
	Namespace    da.Namespace
	Data         []byte
	ShareVersion uint8
	Signer       []byte
}

// NewBlob returns a validated blob (see Validate). data and signer are not
// copied.
func NewBlob(ns da.Namespace, data []byte, shareVersion uint8, signer []byte) (*Blob, error) {
	b := &Blob{Namespace: ns, Data: data, ShareVersion: shareVersion, Signer: signer}
	if err := b.Validate(); err != nil {
		return nil, err
	}
	return b, nil
}

// Validate checks the blob on its own: namespace valid for blobs (version 0,
// outside the reserved ranges), non-empty data, share version 0 (no signer)
// or 1 (exactly 20-byte signer), and data no larger than a blob can be in a
// square of the largest allowed size (MaxSquareSizeUpperBound). Use
// ValidateForSquare to check against a chain's actual maximum square size.
func (b *Blob) Validate() error {
	if b == nil {
		return fmt.Errorf("%w: nil blob", ErrInvalidBlob)
	}
	if err := b.Namespace.ValidateForBlob(); err != nil {
		return fmt.Errorf("%w: namespace: %w", ErrInvalidBlob, err)
	}
	if len(b.Data) == 0 {
		return fmt.Errorf("%w: data is empty (a blob needs at least one byte)", ErrInvalidBlob)
	}
	switch b.ShareVersion {
	case da.ShareVersionZero:
		if b.Signer != nil {
			return fmt.Errorf("%w: share version 0 carries no signer, got %d signer bytes", ErrInvalidBlob, len(b.Signer))
		}
	case da.ShareVersionOne:
		if len(b.Signer) != da.SignerSize {
			return fmt.Errorf("%w: share version 1 needs a %d-byte signer, got %d bytes", ErrInvalidBlob, da.SignerSize, len(b.Signer))
		}
	default:
		return fmt.Errorf("%w: share version %d is not supported (want 0 or 1)", ErrInvalidBlob, b.ShareVersion)
	}
	if max := MaxBlobSize(MaxSquareSizeUpperBound, b.ShareVersion); len(b.Data) > max {
		return fmt.Errorf("%w: %d bytes, the largest blob any square (k=%d) can hold is %d bytes",
			ErrBlobTooLarge, len(b.Data), MaxSquareSizeUpperBound, max)
	}
	return nil
}

// ValidateForSquare is Validate plus the size limit of a square whose width
// is at most maxSquareSize (see MaxBlobSize).
func (b *Blob) ValidateForSquare(maxSquareSize int) error {
	if err := b.Validate(); err != nil {
		return err
	}
	if max := MaxBlobSize(maxSquareSize, b.ShareVersion); len(b.Data) > max {
		return fmt.Errorf("%w: %d bytes, the max for a %d×%d square is %d bytes",
			ErrBlobTooLarge, len(b.Data), maxSquareSize, maxSquareSize, max)
	}
	return nil
}

// SharesNeeded returns the number of sparse shares the blob occupies.
func (b *Blob) SharesNeeded() int {
	return SparseSharesNeeded(uint32(len(b.Data)), b.ShareVersion)
}

// SparseSharesNeeded returns the number of sparse shares a blob of size bytes
// with the given share version occupies: the first share holds 478 bytes
// (458 for share version 1, which also carries the signer), later shares
// 482. Zero bytes need zero shares.
func SparseSharesNeeded(size uint32, shareVersion uint8) int {
	if size == 0 {
		return 0
	}
	first := uint32(da.FirstSparseShareContentSize)
	if shareVersion == da.ShareVersionOne {
		first = da.FirstSparseShareContentSizeV1
	}
	if size <= first {
		return 1
	}
	rest := size - first
	n := rest / da.ContinuationSparseShareContentSize
	if rest%da.ContinuationSparseShareContentSize != 0 {
		n++
	}
	return 1 + int(n)
}

// sparseCapacity returns the number of data bytes n sparse shares can hold.
func sparseCapacity(n int, shareVersion uint8) int {
	if n <= 0 {
		return 0
	}
	first := da.FirstSparseShareContentSize
	if shareVersion == da.ShareVersionOne {
		first = da.FirstSparseShareContentSizeV1
	}
	return first + (n-1)*da.ContinuationSparseShareContentSize
}

// MaxBlobSize returns the largest blob (in data bytes) that fits in a square
// of width maxSquareSize next to a one-share pay-for-blob transaction, with
// the worst-case alignment padding the square builder reserves for it. It
// returns 0 if maxSquareSize is not a power of two in [1,
// MaxSquareSizeUpperBound]. A blob at the limit may still be dropped by the
// proposer when other transactions take the space.
func MaxBlobSize(maxSquareSize int, shareVersion uint8) int {
	if maxSquareSize < 1 || maxSquareSize > MaxSquareSizeUpperBound || !isPowerOfTwo(maxSquareSize) {
		return 0
	}
	c := sparseCapacity(maxBlobShares[bits.TrailingZeros(uint(maxSquareSize))], shareVersion)
	if c > math.MaxUint32 {
		return math.MaxUint32
	}
	return c
}

// maxBlobShares[log2 k] is the largest share count n of a blob such that
// one pay-for-blob share, n blob shares and the blob's worst-case padding
// (SubTreeWidth(n)-1) fit a k×k square. It is a constant table.
var maxBlobShares = func() (t [9]int) {
	for i := range t {
		total := 1 << (2 * i)
		n := total - 1
		for n > 0 && n+SubTreeWidth(n, SubtreeRootThreshold)-1 > total-1 {
			n--
		}
		t[i] = n
	}
	return t
}()

// isPowerOfTwo reports whether n is a positive power of two.
func isPowerOfTwo(n int) bool { return n > 0 && n&(n-1) == 0 }

// roundUpPowerOfTwo returns the smallest power of two ≥ n (1 for n ≤ 1).
func roundUpPowerOfTwo(n int) int {
	r := 1
	for r < n {
		r <<= 1
	}
	return r
}

// roundDownPowerOfTwo returns the largest power of two ≤ n (n ≥ 1).
func roundDownPowerOfTwo(n int) int {
	r := roundUpPowerOfTwo(n)
	if r == n {
		return r
	}
	return r / 2
}

// minSquareSize returns the smallest square width (a power of two) holding
// shareCount shares: RoundUpPow2(ceil(sqrt(shareCount))).
func minSquareSize(shareCount int) int {
	if shareCount <= 1 {
		return 1
	}
	r := int(math.Sqrt(float64(shareCount)))
	for r*r < shareCount {
		r++
	}
	for r > 1 && (r-1)*(r-1) >= shareCount {
		r--
	}
	return roundUpPowerOfTwo(r)
}

// SubTreeWidth returns the width of the subtrees a blob of shareCount shares
// is committed to, and the alignment of its first share in the square:
// min(RoundUpPow2(ceil(shareCount/threshold)), RoundUpPow2(ceil(sqrt(shareCount)))).
// threshold must be positive.
func SubTreeWidth(shareCount, threshold int) int {
	if threshold <= 0 {
		threshold = SubtreeRootThreshold
	}
	s := shareCount / threshold
	if shareCount%threshold != 0 {
		s++
	}
	s = roundUpPowerOfTwo(s)
	return min(s, minSquareSize(shareCount))
}

// nextShareIndex rounds cursor up to the alignment of a blob of blobShares
// shares (the non-interactive default rules).
func nextShareIndex(cursor, blobShares, threshold int) int {
	w := SubTreeWidth(blobShares, threshold)
	if r := cursor % w; r != 0 {
		return cursor + w - r
	}
	return cursor
}
