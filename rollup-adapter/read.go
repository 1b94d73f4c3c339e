package rollupadapter

import (
	"bytes"
	"context"
	"errors"
	"fmt"

	"github.com/quadrant-da/quadrant/blobs"
	"github.com/quadrant-da/quadrant/da"
	"github.com/quadrant-da/quadrant/p2p"
)

// PlacedBlob is a blob read from a height, with where it sits.
type PlacedBlob struct {
	Blob       *blobs.Blob
	Commitment []byte
	Height     uint64
	// Index is the blob's first share in the original k×k square,
	// row-major; ExtendedIndex the same share's row-major index in the
	// extended 2k×2k square (what celestia-node reports as "index").
	Index, ExtendedIndex int
	// SquareSize is k.
	SquareSize int
}

// Blobs returns every blob of ns at height, in square order; an empty list
// (not an error) when the namespace holds nothing there.
func (a *Adapter) Blobs(ctx context.Context, height uint64, ns da.Namespace) ([]PlacedBlob, error) {
	hdr, err := a.Header(ctx, height)
	if err != nil {
		return nil, a.blobReadError(err)
	}
	k := hdr.DAH.SquareWidth() / 2
	nd, err := a.node.NamespaceData(ctx, height, ns)
	if errors.Is(err, p2p.ErrNotFound) {
		return nil, fmt.Errorf("%w: height %d is not held by this node: %w", errBlobNotFound, height, err)
	}
	if err != nil {
		return nil, fmt.Errorf("rollupadapter: namespace data of %s at %d: %w", ns, height, err)
	}
	return parseNamespaceData(nd, ns, height, k)
}

// blobReadError turns a header read failure into the blob API's errors: a
// height that is not held means the blob is not found.
func (a *Adapter) blobReadError(err error) error {
	if errors.Is(err, errHeaderNotFound) {
		return fmt.Errorf("%w: %w", errBlobNotFound, err)
	}
	return err
}

// parseNamespaceData splits the namespace's shares back into blobs, with the
// original-square index of each blob's first share.
func parseNamespaceData(nd *p2p.NamespaceData, ns da.Namespace, height uint64, k int) ([]PlacedBlob, error) {
	var shares []da.Share
	var idx []int
	for _, row := range nd.Rows {
		for j, raw := range row.Shares {
			sh, err := da.ShareFromBytes(raw)
			if err != nil {
				return nil, fmt.Errorf("rollupadapter: namespace data of height %d row %d: %w", height, row.Row, err)
			}
			shares = append(shares, sh)
			idx = append(idx, row.Row*k+row.Proof.Start+j)
		}
	}
	out := []PlacedBlob{}
	for i := 0; i < len(shares); {
		sh := &shares[i]
		if sh.Namespace() != ns || !sh.IsSequenceStart() || sh.IsCompact() {
			return nil, fmt.Errorf("rollupadapter: height %d: share %d of namespace %s does not start a blob", height, idx[i], ns)
		}
		if sh.IsPadding() {
			i++
			continue
		}
		n := blobs.SparseSharesNeeded(sh.SequenceLen(), sh.Version())
		if n <= 0 || i+n > len(shares) || idx[i+n-1]-idx[i] != n-1 {
			return nil, fmt.Errorf("rollupadapter: height %d: blob at share %d is truncated", height, idx[i])
		}
		bs, err := blobs.ParseSparseShares(shares[i : i+n])
		if err != nil || len(bs) != 1 {
			return nil, fmt.Errorf("rollupadapter: height %d: blob at share %d: %w", height, idx[i], errors.Join(err, blobs.ErrInvalidShares))
		}
		c, err := blobs.CreateCommitment(bs[0])
		if err != nil {
			return nil, fmt.Errorf("rollupadapter: height %d: commitment of blob at share %d: %w", height, idx[i], err)
		}
		out = append(out, PlacedBlob{
			Blob: bs[0], Commitment: c, Height: height, Index: idx[i],
			ExtendedIndex: ExtendedIndex(idx[i], k), SquareSize: k,
		})
		i += n
	}
	return out, nil
}

// ExtendedIndex converts a row-major share index of the original k×k square
// into the row-major index of the same share in the extended 2k×2k square.
func ExtendedIndex(index, k int) int { return (index/k)*2*k + index%k }

// Blob returns the blob of ns with the given share commitment at height, or
// an error wrapping errBlobNotFound.
func (a *Adapter) Blob(ctx context.Context, height uint64, ns da.Namespace, commitment []byte) (PlacedBlob, error) {
	all, err := a.Blobs(ctx, height, ns)
	if err != nil {
		return PlacedBlob{}, err
	}
	for _, b := range all {
		if bytes.Equal(b.Commitment, commitment) {
			return b, nil
		}
	}
	return PlacedBlob{}, fmt.Errorf("%w: no blob of namespace %s with commitment %X at height %d", errBlobNotFound, ns, commitment, height)
}

// Proof returns the blob of ns with the given commitment at height, its
// inclusion proof against the height's data root, and the header. A node
// whose store implements blobs.RowReader proves from its stored NMT nodes
// (blobs.ProveStoredBlob); any other reads the whole square.
func (a *Adapter) Proof(ctx context.Context, height uint64, ns da.Namespace, commitment []byte) (*blobs.Blob, *blobs.BlobProof, *da.ExtendedHeader, error) {
	hdr, err := a.Header(ctx, height)
	if err != nil {
		return nil, nil, nil, a.blobReadError(err)
	}
	if rr := storedRows(a.node); rr != nil {
		b, p, err := blobs.ProveStoredBlob(ctx, rr, height, hdr.DAH, ns, commitment)
		if errors.Is(err, blobs.ErrBlobNotFound) {
			return nil, nil, nil, fmt.Errorf("%w: no blob of namespace %s with commitment %X at height %d", errBlobNotFound, ns, commitment, height)
		}
		if errors.Is(err, p2p.ErrNotFound) {
			return nil, nil, nil, fmt.Errorf("%w: square of height %d is not held by this node: %w", errBlobNotFound, height, err)
		}
		if err != nil {
			return nil, nil, nil, fmt.Errorf("rollupadapter: proving blob at height %d: %w", height, err)
		}
		return b, p, hdr, nil
	}
	eds, err := a.node.Square(ctx, height)
	if errors.Is(err, p2p.ErrNotFound) {
		return nil, nil, nil, fmt.Errorf("%w: square of height %d is not held by this node: %w", errBlobNotFound, height, err)
	}
	if err != nil {
		return nil, nil, nil, fmt.Errorf("rollupadapter: square of height %d: %w", height, err)
	}
	x, err := blobs.NewExtendedSquare(eds, hdr.DAH)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("rollupadapter: square of height %d: %w", height, err)
	}
	b, p, err := x.ProveBlob(ns, commitment)
	if errors.Is(err, blobs.ErrBlobNotFound) {
		return nil, nil, nil, fmt.Errorf("%w: no blob of namespace %s with commitment %X at height %d", errBlobNotFound, ns, commitment, height)
	}
	if err != nil {
		return nil, nil, nil, fmt.Errorf("rollupadapter: proving blob at height %d: %w", height, err)
	}
	return b, p, hdr, nil
}

// storedRows returns the node's store as a blobs.RowReader when it keeps
// the NMT inner nodes of its rows (a full node's store does), so that Proof
// reads a few rows and nodes instead of the whole extended square; nil
// otherwise.
func storedRows(n Node) blobs.RowReader {
	switch n := n.(type) {
	case *BridgeNode:
		rr, _ := n.SquareStore.(blobs.RowReader)
		return rr
	case blobs.RowReader:
		return n
	}
	return nil
}

// BlobsAtHeight is one item of a blob subscription.
type BlobsAtHeight struct {
	Height uint64
	Blobs  []PlacedBlob
}

// SubscribeBlobs delivers the blobs of ns at every height from `from` on (0:
// from the next height) in order, one item per height, until ctx ends, the
// adapter closes, or a height can no longer be read (the channel closes).
func (a *Adapter) SubscribeBlobs(ctx context.Context, ns da.Namespace, from uint64) (<-chan BlobsAtHeight, error) {
	return subscribe(a, ctx, from, func(ctx context.Context, h uint64) (BlobsAtHeight, error) {
		bs, err := a.Blobs(ctx, h, ns)
		return BlobsAtHeight{Height: h, Blobs: bs}, err
	})
}

// SubscribeHeaders delivers every header from `from` on (0: from the next
// height), like SubscribeBlobs.
func (a *Adapter) SubscribeHeaders(ctx context.Context, from uint64) (<-chan *da.ExtendedHeader, error) {
	return subscribe(a, ctx, from, a.Header)
}

func subscribe[T any](a *Adapter, ctx context.Context, from uint64, get func(context.Context, uint64) (T, error)) (<-chan T, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.closed {
		return nil, errStopped
	}
	if from == 0 {
		from = a.node.HeadHeight() + 1
	}
	ch := make(chan T, 16)
	ctx, cancel := context.WithCancel(ctx)
	a.wg.Add(2)
	go func() {
		defer a.wg.Done()
		select {
		case <-a.stop:
		case <-ctx.Done():
		}
		cancel()
	}()
	go func() {
		defer a.wg.Done()
		defer close(ch)
		defer cancel()
		for h := from; ; h++ {
			if err := a.WaitForHeight(ctx, h); err != nil {
				return
			}
			v, err := get(ctx, h)
			if err != nil {
				if ctx.Err() == nil {
					a.log.Warn("rollupadapter: subscription ended", "height", h, "err", err)
				}
				return
			}
			select {
			case ch <- v:
			case <-ctx.Done():
				return
			}
		}
	}()
	return ch, nil
}
