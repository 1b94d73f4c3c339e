package blobs

import (
	"fmt"

	"github.com/quadrant-da/quadrant/da"
)

// ParsedSquare is the content of an original data square.
type ParsedSquare struct {
	// Txs are the ordinary transactions, in square order.
	Txs [][]byte
	// PFBs are the pay-for-blob transactions with the share index of each
	// of their blobs, in square order.
	PFBs []IndexWrapper
	// Blobs are all blobs in square order (sorted by namespace, stable in
	// block order).
	Blobs []PlacedBlob
}

// PlacedBlob is a blob with its position in the square.
type PlacedBlob struct {
	Blob *Blob
	// Index is the share index (row-major) of the blob's first share.
	Index int
	// PFB is the index in ParsedSquare.PFBs of the pay-for-blob that paid
	// for the blob, and BlobIndex the blob's position in it.
	PFB, BlobIndex int
}

// Shares returns the number of shares the blob occupies.
func (p PlacedBlob) Shares() int { return p.Blob.SharesNeeded() }

// BlobsIn returns the blobs of namespace ns in square order (nil if none).
func (p *ParsedSquare) BlobsIn(ns da.Namespace) []PlacedBlob {
	var out []PlacedBlob
	for _, b := range p.Blobs {
		if b.Blob.Namespace == ns {
			out = append(out, b)
		}
	}
	return out
}

// ParseSquare parses an original data square back into its ordinary
// transactions, its pay-for-blob transactions (IndexWrappers) and its blobs
// with their share indexes. It checks the layout Construct produces: a
// k×k square (k a power of two ≤ MaxSquareSizeUpperBound), tx shares, then
// pay-for-blob shares, then primary reserved padding, then blobs in
// non-decreasing namespace order separated only by namespace padding of the
// preceding blob, then tail padding; every blob is referenced by exactly
// one pay-for-blob share index and every share index points at a blob.
// Malformed input returns an error wrapping ErrInvalidShares, never panics.
func ParseSquare(sq Square) (*ParsedSquare, error) {
	k := sq.Size()
	if len(sq) == 0 || k*k != len(sq) || k > MaxSquareSizeUpperBound {
		return nil, fmt.Errorf("%w: %d shares is not a k×k square with k a power of two ≤ %d", ErrInvalidShares, len(sq), MaxSquareSizeUpperBound)
	}
	out := &ParsedSquare{}
	i := 0
	run := func(ns da.Namespace) []da.Share {
		start := i
		for i < len(sq) && sq[i].Namespace() == ns {
			i++
		}
		return sq[start:i]
	}
	var err error
	if out.Txs, err = ParseCompactShares(run(da.TxNamespace())); err != nil {
		return nil, fmt.Errorf("tx shares: %w", err)
	}
	wrapped, err := ParseCompactShares(run(da.PayForBlobNamespace()))
	if err != nil {
		return nil, fmt.Errorf("pay-for-blob shares: %w", err)
	}
	out.PFBs = make([]IndexWrapper, len(wrapped))
	for j, w := range wrapped {
		iw, err := UnmarshalIndexWrapper(w)
		if err != nil {
			return nil, fmt.Errorf("%w: pay-for-blob %d: %w", ErrInvalidShares, j, err)
		}
		if len(iw.ShareIndexes) == 0 {
			return nil, fmt.Errorf("%w: pay-for-blob %d has no share indexes", ErrInvalidShares, j)
		}
		out.PFBs[j] = *iw
	}
	for _, s := range run(da.PrimaryReservedPaddingNamespace()) {
		if !isPaddingShare(&s) {
			return nil, fmt.Errorf("%w: primary reserved padding share that is not padding", ErrInvalidShares)
		}
		if err := checkPadding(&s, da.PrimaryReservedPaddingNamespace()); err != nil {
			return nil, err
		}
	}

	// blobs and namespace padding, then tail padding.
	var prev *Blob
	for i < len(sq) {
		s := &sq[i]
		ns := s.Namespace()
		if ns == da.TailPaddingNamespace() {
			break
		}
		if prev != nil && ns.Compare(prev.Namespace) < 0 {
			return nil, fmt.Errorf("%w: share %d: namespace %s after %s (out of order)", ErrInvalidShares, i, ns, prev.Namespace)
		}
		if !s.IsSequenceStart() {
			return nil, fmt.Errorf("%w: share %d: continuation share without a blob start", ErrInvalidShares, i)
		}
		if isPaddingShare(s) {
			if prev == nil {
				return nil, fmt.Errorf("%w: share %d: namespace padding before any blob", ErrInvalidShares, i)
			}
			if err := checkPadding(s, prev.Namespace); err != nil {
				return nil, fmt.Errorf("share %d: %w", i, err)
			}
			if s.Version() != prev.ShareVersion {
				return nil, fmt.Errorf("%w: share %d: namespace padding has share version %d, the blob before it %d", ErrInvalidShares, i, s.Version(), prev.ShareVersion)
			}
			i++
			continue
		}
		b, n, err := parseBlobAt(sq[i:])
		if err != nil {
			return nil, fmt.Errorf("blob at share %d: %w", i, err)
		}
		out.Blobs = append(out.Blobs, PlacedBlob{Blob: b, Index: i, PFB: -1, BlobIndex: -1})
		prev = b
		i += n
	}
	for ; i < len(sq); i++ {
		if err := checkPadding(&sq[i], da.TailPaddingNamespace()); err != nil || !isPaddingShare(&sq[i]) || sq[i].Version() != 0 {
			return nil, fmt.Errorf("%w: share %d: expected tail padding", ErrInvalidShares, i)
		}
	}
	if err := linkBlobs(out); err != nil {
		return nil, err
	}
	return out, nil
}

// linkBlobs records which pay-for-blob paid for each blob, checking that
// share indexes and blobs correspond one to one.
func linkBlobs(p *ParsedSquare) error {
	at := make(map[int]int, len(p.Blobs))
	for j, b := range p.Blobs {
		at[b.Index] = j
	}
	for j, iw := range p.PFBs {
		for m, idx := range iw.ShareIndexes {
			bi, ok := at[int(idx)]
			if !ok {
				return fmt.Errorf("%w: pay-for-blob %d blob %d: share index %d is not the start of a blob", ErrInvalidShares, j, m, idx)
			}
			if p.Blobs[bi].PFB >= 0 {
				return fmt.Errorf("%w: blob at share %d is paid for twice", ErrInvalidShares, idx)
			}
			p.Blobs[bi].PFB, p.Blobs[bi].BlobIndex = j, m
		}
	}
	for _, b := range p.Blobs {
		if b.PFB < 0 {
			return fmt.Errorf("%w: blob at share %d is not paid for by any pay-for-blob", ErrInvalidShares, b.Index)
		}
	}
	return nil
}
