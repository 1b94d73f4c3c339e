package rollupadapter

import (
	"bytes"
	"context"
	"fmt"
	"slices"

	"github.com/quadrant-da/quadrant/blobs"
	"github.com/quadrant-da/quadrant/da"
)

// BlobAPI is the "blob" module: celestia-node's methods, parameter order and
// JSON shapes, plus Quadrant's SubscribeFrom, SubmitAsync and
// SubmissionStatus. The same struct, unfilled, is a go-jsonrpc client.
type BlobAPI struct {
	Internal struct {
		Submit             func(context.Context, []*Blob, *SubmitOptions) (uint64, error)              `perm:"write"`
		Get                func(context.Context, uint64, []byte, []byte) (*Blob, error)                `perm:"read"`
		GetAll             func(context.Context, uint64, [][]byte) ([]*Blob, error)                    `perm:"read"`
		GetProof           func(context.Context, uint64, []byte, []byte) (*Proof, error)               `perm:"read"`
		Included           func(context.Context, uint64, []byte, *Proof, []byte) (bool, error)         `perm:"read"`
		GetCommitmentProof func(context.Context, uint64, []byte, []byte) (*CommitmentProof, error)     `perm:"read"`
		Subscribe          func(context.Context, []byte) (<-chan *SubscriptionResponse, error)         `perm:"read"`
		SubscribeFrom      func(context.Context, []byte, uint64) (<-chan *SubscriptionResponse, error) `perm:"read"`
		SubmitAsync        func(context.Context, []*Blob, *SubmitOptions) (string, error)              `perm:"write"`
		SubmissionStatus   func(context.Context, string) (*SubmissionStatus, error)                    `perm:"read"`
	}
}

func (a *BlobAPI) Submit(ctx context.Context, b []*Blob, o *SubmitOptions) (uint64, error) {
	return a.Internal.Submit(ctx, b, o)
}
func (a *BlobAPI) Get(ctx context.Context, h uint64, ns, c []byte) (*Blob, error) {
	return a.Internal.Get(ctx, h, ns, c)
}
func (a *BlobAPI) GetAll(ctx context.Context, h uint64, ns [][]byte) ([]*Blob, error) {
	return a.Internal.GetAll(ctx, h, ns)
}
func (a *BlobAPI) GetProof(ctx context.Context, h uint64, ns, c []byte) (*Proof, error) {
	return a.Internal.GetProof(ctx, h, ns, c)
}
func (a *BlobAPI) Included(ctx context.Context, h uint64, ns []byte, p *Proof, c []byte) (bool, error) {
	return a.Internal.Included(ctx, h, ns, p, c)
}
func (a *BlobAPI) GetCommitmentProof(ctx context.Context, h uint64, ns, c []byte) (*CommitmentProof, error) {
	return a.Internal.GetCommitmentProof(ctx, h, ns, c)
}
func (a *BlobAPI) Subscribe(ctx context.Context, ns []byte) (<-chan *SubscriptionResponse, error) {
	return a.Internal.Subscribe(ctx, ns)
}
func (a *BlobAPI) SubscribeFrom(ctx context.Context, ns []byte, from uint64) (<-chan *SubscriptionResponse, error) {
	return a.Internal.SubscribeFrom(ctx, ns, from)
}
func (a *BlobAPI) SubmitAsync(ctx context.Context, b []*Blob, o *SubmitOptions) (string, error) {
	return a.Internal.SubmitAsync(ctx, b, o)
}
func (a *BlobAPI) SubmissionStatus(ctx context.Context, hash string) (*SubmissionStatus, error) {
	return a.Internal.SubmissionStatus(ctx, hash)
}

// blobModule implements BlobAPI over an Adapter.
type blobModule struct{ a *Adapter }

func (m blobModule) request(bs []*Blob, o *SubmitOptions) (submitRequest, error) {
	req := submitRequest{Blobs: make([]*blobs.Blob, len(bs))}
	for i, b := range bs {
		if b == nil {
			return req, fmt.Errorf("%w: blob %d is null", errInvalidBlob, i)
		}
		bl, err := b.toBlob()
		if err != nil {
			return req, fmt.Errorf("blob %d: %w", i, err)
		}
		req.Blobs[i] = bl
	}
	// Commitments the caller sent must match its data; the submission
	// needs every commitment anyway (and reuses these), so compute them
	// here only when there is something to check.
	if slices.ContainsFunc(bs, func(b *Blob) bool { return len(b.Commitment) > 0 }) {
		commits, err := m.a.Commit(req.Blobs)
		if err != nil {
			return req, err
		}
		for i, b := range bs {
			if len(b.Commitment) > 0 && !bytes.Equal(b.Commitment, commits[i]) {
				return req, fmt.Errorf("%w: blob %d carries commitment %X, its data commits to %X", errInvalidBlob, i, b.Commitment, commits[i])
			}
		}
		req.commitments = commits
	}
	if o != nil {
		req.KeyName, req.SignerAddress, req.GasPrice = o.KeyName, o.SignerAddress, gasPrice(o.GasPrice)
	}
	return req, nil
}

func (m blobModule) Submit(ctx context.Context, bs []*Blob, o *SubmitOptions) (uint64, error) {
	req, err := m.request(bs, o)
	if err != nil {
		return 0, err
	}
	res, err := m.a.Submit(ctx, req)
	if err != nil {
		return 0, err
	}
	return res.Height, nil
}

func (m blobModule) SubmitAsync(ctx context.Context, bs []*Blob, o *SubmitOptions) (string, error) {
	req, err := m.request(bs, o)
	if err != nil {
		return "", err
	}
	hash, _, err := m.a.SubmitAsync(ctx, req)
	return hash, err
}

func (m blobModule) SubmissionStatus(_ context.Context, hash string) (*SubmissionStatus, error) {
	st, err := m.a.Status(hash)
	if err != nil {
		return nil, err
	}
	return &st, nil
}

func (m blobModule) Get(ctx context.Context, height uint64, nsb, commitment []byte) (*Blob, error) {
	ns, err := parseNamespace(nsb)
	if err != nil {
		return nil, err
	}
	b, err := m.a.Blob(ctx, height, ns, commitment)
	if err != nil {
		return nil, err
	}
	return wireBlob(b), nil
}

func (m blobModule) GetAll(ctx context.Context, height uint64, nss [][]byte) ([]*Blob, error) {
	out := []*Blob{}
	for _, nsb := range nss {
		ns, err := parseNamespace(nsb)
		if err != nil {
			return nil, err
		}
		bs, err := m.a.Blobs(ctx, height, ns)
		if err != nil {
			return nil, err
		}
		for _, b := range bs {
			out = append(out, wireBlob(b))
		}
	}
	return out, nil
}

func (m blobModule) GetProof(ctx context.Context, height uint64, nsb, commitment []byte) (*Proof, error) {
	ns, err := parseNamespace(nsb)
	if err != nil {
		return nil, err
	}
	_, p, _, err := m.a.Proof(ctx, height, ns, commitment)
	if err != nil {
		return nil, err
	}
	out := make(Proof, len(p.Rows))
	for i := range p.Rows {
		out[i] = &p.Rows[i].Proof
	}
	return &out, nil
}

// Included reports whether proof (as GetProof returns it) proves the blob
// with commitment at height against the height's row roots. A proof that does
// not verify is false, not an error; an unknown blob is "blob: not found".
func (m blobModule) Included(ctx context.Context, height uint64, nsb []byte, proof *Proof, commitment []byte) (bool, error) {
	ns, err := parseNamespace(nsb)
	if err != nil {
		return false, err
	}
	if proof == nil || len(*proof) == 0 {
		return false, fmt.Errorf("%w: empty proof", errInvalidProof)
	}
	b, err := m.a.Blob(ctx, height, ns, commitment)
	if err != nil {
		return false, err
	}
	hdr, err := m.a.Header(ctx, height)
	if err != nil {
		return false, err
	}
	return verifyRowProofs(hdr.DAH, b, *proof) == nil, nil
}

// verifyRowProofs checks that proofs cover exactly b's shares, row after row
// from b's first share, against the DA header's row roots.
func verifyRowProofs(dah *da.DAHeader, b PlacedBlob, proofs Proof) error {
	shares, err := blobs.SplitBlob(b.Blob)
	if err != nil {
		return err
	}
	k := b.SquareSize
	row, col := b.Index/k, b.Index%k
	off := 0
	for i, p := range proofs {
		if p == nil || p.End <= p.Start || p.Start != col || p.End > k || row+i >= k {
			return fmt.Errorf("%w: proof %d does not cover row %d from column %d", errInvalidProof, i, row+i, col)
		}
		n := p.End - p.Start
		if off+n > len(shares) {
			return fmt.Errorf("%w: proofs cover more shares than the blob has", errInvalidProof)
		}
		leaves := make([][]byte, n)
		for j := range leaves {
			s := shares[off+j]
			leaves[j] = append(append(make([]byte, 0, da.NamespaceSize+da.ShareSize), s[:da.NamespaceSize]...), s[:]...)
		}
		if err := p.VerifyLeaves(dah.RowRoots[row+i], leaves); err != nil {
			return fmt.Errorf("%w: row %d: %w", errInvalidProof, row+i, err)
		}
		off += n
		col = 0
	}
	if off != len(shares) {
		return fmt.Errorf("%w: proofs cover %d of the blob's %d shares", errInvalidProof, off, len(shares))
	}
	return nil
}

func (m blobModule) GetCommitmentProof(ctx context.Context, height uint64, nsb, commitment []byte) (*CommitmentProof, error) {
	ns, err := parseNamespace(nsb)
	if err != nil {
		return nil, err
	}
	_, p, _, err := m.a.Proof(ctx, height, ns, commitment)
	if err != nil {
		return nil, err
	}
	cp, err := p.CommitmentProof(ns)
	if err != nil {
		return nil, fmt.Errorf("rollupadapter: commitment proof at height %d: %w", height, err)
	}
	return newCommitmentProof(cp, p), nil
}

func (m blobModule) Subscribe(ctx context.Context, nsb []byte) (<-chan *SubscriptionResponse, error) {
	return m.SubscribeFrom(ctx, nsb, 0)
}

// SubscribeFrom is Subscribe resuming at height from (0: the next height), so
// a rollup that reconnects misses nothing.
func (m blobModule) SubscribeFrom(ctx context.Context, nsb []byte, from uint64) (<-chan *SubscriptionResponse, error) {
	ns, err := parseNamespace(nsb)
	if err != nil {
		return nil, err
	}
	in, err := m.a.SubscribeBlobs(ctx, ns, from)
	if err != nil {
		return nil, err
	}
	return relay(ctx, in, func(v BlobsAtHeight) *SubscriptionResponse {
		r := &SubscriptionResponse{Height: v.Height, Blobs: []*Blob{}}
		for _, b := range v.Blobs {
			r.Blobs = append(r.Blobs, wireBlob(b))
		}
		return r
	}), nil
}

// relay converts a subscription's items; it ends when in closes or ctx ends.
func relay[T, U any](ctx context.Context, in <-chan T, f func(T) U) <-chan U {
	out := make(chan U, cap(in))
	go func() {
		defer close(out)
		for v := range in {
			select {
			case out <- f(v):
			case <-ctx.Done():
				return
			}
		}
	}()
	return out
}
