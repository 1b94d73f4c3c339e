package p2p

import (
	"bufio"
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/libp2p/go-libp2p/core/host"
	"github.com/libp2p/go-libp2p/core/network"
	"github.com/libp2p/go-libp2p/core/peer"

	"github.com/quadrant-da/quadrant/da"
	"github.com/quadrant-da/quadrant/erasure"
)

// ClientConfig tunes a Client.
type ClientConfig struct {
	// RequestTimeout bounds a request whose context has no deadline.
	RequestTimeout time.Duration
}

// DefaultClientConfig returns a 30-second request timeout.
func DefaultClientConfig() ClientConfig { return ClientConfig{RequestTimeout: 30 * time.Second} }

// Validate checks that the request timeout is positive.
func (c ClientConfig) Validate() error {
	if c.RequestTimeout <= 0 {
		return fmt.Errorf("p2p: client config: request_timeout %v must be positive", c.RequestTimeout)
	}
	return nil
}

// ClientOptions are what a Client uses, besides its ClientConfig.
type ClientOptions struct {
	// Host opens the streams. Required.
	Host host.Host
	// ChainID names the protocols requested (ProtocolID). Required.
	ChainID string
	// Scores is the scorer peers with bad responses are charged to.
	// Required.
	Scores *Scorer
}

// Client makes requests to peers' Servers and verifies what comes back
// against the header the caller trusts. A peer whose response is malformed
// or does not verify is scored down on the shared Scorer. Safe for
// concurrent use; it starts no goroutine, so it has no Start or Close.
type Client struct {
	host    host.Host
	chainID string
	scores  *Scorer
	timeout time.Duration
}

// NewClient validates cfg and opts and returns a client for opts.ChainID's
// protocols.
func NewClient(cfg ClientConfig, opts ClientOptions) (*Client, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if opts.Host == nil || opts.Scores == nil || opts.ChainID == "" {
		return nil, errors.New("p2p: client: a host, a chain ID and a scorer are required")
	}
	return &Client{host: opts.Host, chainID: opts.ChainID, scores: opts.Scores, timeout: cfg.RequestTimeout}, nil
}

// response is an open stream positioned after an OK status.
type response struct {
	st network.Stream
	r  *bufio.Reader
	// unwatch stops resetting the stream when the request's context ends.
	unwatch func()
}

func (r *response) close() {
	r.unwatch()
	_ = r.st.Close()
}

// request opens a stream to p, sends req and reads the status. A non-OK
// status closes the stream and returns the matching error.
func (c *Client) request(ctx context.Context, p peer.ID, proto string, req []byte) (*response, error) {
	release := context.CancelFunc(func() {})
	if _, ok := ctx.Deadline(); !ok {
		ctx, release = context.WithTimeout(ctx, c.timeout)
	}
	deadline, _ := ctx.Deadline()
	st, err := c.host.NewStream(network.WithAllowLimitedConn(ctx, proto), p, ProtocolID(c.chainID, proto))
	if err != nil {
		release()
		return nil, fmt.Errorf("p2p: open %s stream to %s: %w", proto, p, err)
	}
	_ = st.SetDeadline(deadline)
	// The deadline bounds the exchange; cancelling ctx (the caller got its
	// answer elsewhere) ends it at once too, not at the deadline.
	stop := context.AfterFunc(ctx, func() { _ = st.Reset() })
	unwatch := func() { stop(); release() }
	if err := writeFrame(st, req); err != nil {
		unwatch()
		_ = st.Reset()
		return nil, fmt.Errorf("p2p: send %s request to %s: %w", proto, p, err)
	}
	_ = st.CloseWrite()
	r := bufio.NewReaderSize(st, 64<<10)
	s, err := readStatus(r)
	if err != nil {
		unwatch()
		_ = st.Reset()
		if ctx.Err() == context.Canceled {
			return nil, fmt.Errorf("p2p: %s request to %s: %w", proto, p, ctx.Err())
		}
		return nil, c.fail(p, proto, err)
	}
	if s != statusOK {
		unwatch()
		_ = st.Close()
		return nil, fmt.Errorf("%w: %s from %s", statusError(s), proto, p)
	}
	return &response{st: st, r: r, unwatch: unwatch}, nil
}

// fail scores a peer down for a broken or slow response and wraps err.
func (c *Client) fail(p peer.ID, proto string, err error) error {
	switch {
	case isTimeout(err):
		c.scores.Penalize(p, PenaltySlow)
	case errors.Is(err, errBadResponse) || errors.Is(err, errFrameTooLarge) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF):
		c.scores.Penalize(p, penaltyMalformed)
	}
	if errors.Is(err, errBadResponse) {
		return fmt.Errorf("p2p: %s from %s: %w", proto, p, err)
	}
	return fmt.Errorf("%w: %s from %s: %w", errBadResponse, proto, p, err)
}

// invalid scores a peer down for data that does not verify.
func (c *Client) invalid(p peer.ID, proto string, err error) error {
	c.scores.Penalize(p, PenaltyInvalid)
	return fmt.Errorf("%w: %s from %s does not verify: %w", errBadResponse, proto, p, err)
}

func (c *Client) headers(ctx context.Context, p peer.ID, req headerRequest) ([][]byte, error) {
	resp, err := c.request(ctx, p, protoHeader, req.Marshal())
	if err != nil {
		return nil, err
	}
	defer resp.close()
	out, err := readHeaders(resp.r, req)
	if err != nil {
		_ = resp.st.Reset()
		return nil, c.fail(p, protoHeader, err)
	}
	return out, nil
}

// readHeaders reads the payload of an OK header response to req: a u16
// count (1, or 1..Count for a range) and as many frames within the size
// limit of the requested form.
func readHeaders(r io.Reader, req headerRequest) ([][]byte, error) {
	var nb [2]byte
	if _, err := io.ReadFull(r, nb[:]); err != nil {
		return nil, err
	}
	n := int(binary.BigEndian.Uint16(nb[:]))
	want := 1
	if req.Kind == headerRange {
		want = int(req.Count)
	}
	if n < 1 || n > want {
		return nil, fmt.Errorf("%w: %d headers, want 1..%d", errBadResponse, n, want)
	}
	limit := da.MaxLightHeaderSize
	if req.Form == formExtended {
		limit = da.MaxExtendedHeaderSize
	}
	out := make([][]byte, n)
	for i := range out {
		var err error
		if out[i], err = readFrame(r, limit); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// checkHeights checks that decoded header i has height from+i (from = 0:
// any single height, for Head).
func checkHeights(heights []int64, from uint64) error {
	for i, h := range heights {
		if from != 0 && (h < 1 || uint64(h) != from+uint64(i)) {
			return fmt.Errorf("%w: header %d has height %d, want %d", errBadResponse, i, h, from+uint64(i))
		}
	}
	return nil
}

// ExtendedHeaders asks p for count (1..MaxHeaderRange) extended headers from
// height from; from = 0 asks for p's head. The peer may return fewer than
// count (it stops at the first height it does not hold). Headers are decoded
// and checked to have the requested heights, but NOT verified: the caller
// verifies them against its trusted header (da.ExtendedHeader.Verify).
func (c *Client) ExtendedHeaders(ctx context.Context, p peer.ID, from uint64, count int) ([]*da.ExtendedHeader, error) {
	raw, err := c.headers(ctx, p, headerRequestFor(formExtended, from, count))
	if err != nil {
		return nil, err
	}
	out := make([]*da.ExtendedHeader, len(raw))
	heights := make([]int64, len(raw))
	for i, b := range raw {
		if out[i], err = da.UnmarshalExtendedHeader(b); err != nil {
			return nil, c.fail(p, protoHeader, fmt.Errorf("%w: %w", errBadResponse, err))
		}
		heights[i] = out[i].Height()
	}
	if err := checkHeights(heights, from); err != nil {
		return nil, c.fail(p, protoHeader, err)
	}
	return out, nil
}

// LightHeaders is ExtendedHeaders for the light form.
func (c *Client) LightHeaders(ctx context.Context, p peer.ID, from uint64, count int) ([]*da.LightHeader, error) {
	raw, err := c.headers(ctx, p, headerRequestFor(formLight, from, count))
	if err != nil {
		return nil, err
	}
	out := make([]*da.LightHeader, len(raw))
	heights := make([]int64, len(raw))
	for i, b := range raw {
		if out[i], err = da.UnmarshalLightHeader(b); err != nil {
			return nil, c.fail(p, protoHeader, fmt.Errorf("%w: %w", errBadResponse, err))
		}
		heights[i] = out[i].Height()
	}
	if err := checkHeights(heights, from); err != nil {
		return nil, c.fail(p, protoHeader, err)
	}
	return out, nil
}

func headerRequestFor(form headerForm, from uint64, count int) headerRequest {
	switch {
	case from == 0:
		return headerRequest{Kind: headerHead, Form: form}
	case count <= 1:
		return headerRequest{Kind: HeaderByHeight, Form: form, From: from, Count: 1}
	default:
		return headerRequest{Kind: headerRange, Form: form, From: from, Count: uint16(min(count, MaxHeaderRange))}
	}
}

// Samples asks p for the shares at coords of the square committed by hdr
// and verifies each against hdr's data root (share → NMT proof → axis root
// → Merkle proof → data root), so hdr need not carry a DA header. Entry i
// is nil when p answered NOT_FOUND for coords[i]. Any sample that fails to
// verify or does not match its coordinate fails the whole call and scores p
// down. hdr must have been verified by the caller.
func (c *Client) Samples(ctx context.Context, p peer.ID, hdr *da.LightHeader, coords []Coord) ([]*da.Sample, error) {
	if len(coords) == 0 || len(coords) > MaxSampleCoords {
		return nil, fmt.Errorf("%w: %d coordinates, want 1..%d", ErrInvalidRequest, len(coords), MaxSampleCoords)
	}
	root, width := hdr.DataRoot(), hdr.SquareWidth()
	for _, co := range coords {
		if co.Row < 0 || co.Col < 0 || co.Row >= width || co.Col >= width || co.Axis > erasure.Col {
			return nil, fmt.Errorf("%w: coordinate (%d, %d) outside the %d-wide square", ErrInvalidRequest, co.Row, co.Col, width)
		}
	}
	req := sampleRequest{Height: uint64(hdr.Height()), Coords: coords}
	resp, err := c.request(ctx, p, ProtoSample, req.Marshal())
	if err != nil {
		return nil, err
	}
	defer resp.close()
	out, err := readSamples(resp.r, len(coords))
	if err != nil {
		_ = resp.st.Reset()
		return nil, c.fail(p, ProtoSample, err)
	}
	for i, co := range coords {
		sm := out[i]
		if sm == nil {
			continue
		}
		if sm.Row != co.Row || sm.Col != co.Col || sm.Axis != co.Axis {
			return nil, c.invalid(p, ProtoSample, fmt.Errorf("sample %d is (%d, %d) axis %d, asked (%d, %d) axis %d", i, sm.Row, sm.Col, sm.Axis, co.Row, co.Col, co.Axis))
		}
		if err := sm.Verify(root, width); err != nil {
			return nil, c.invalid(p, ProtoSample, err)
		}
	}
	return out, nil
}

// readSamples reads the n entries of an OK sample response: each a status
// (OK or NOT_FOUND) and, if OK, a frame holding a da.Sample. Entries that
// are NOT_FOUND are nil. The samples are decoded, not verified.
func readSamples(r io.Reader, n int) ([]*da.Sample, error) {
	out := make([]*da.Sample, n)
	for i := range out {
		s, err := readStatus(r)
		if err != nil {
			return nil, err
		}
		if s == statusNotFound {
			continue
		}
		if s != statusOK {
			return nil, fmt.Errorf("%w: sample %d status %s", errBadResponse, i, s)
		}
		b, err := readFrame(r, da.MaxSampleSize)
		if err != nil {
			return nil, err
		}
		if out[i], err = da.UnmarshalSample(b); err != nil {
			return nil, fmt.Errorf("%w: sample %d: %w", errBadResponse, i, err)
		}
	}
	return out, nil
}

// HalfAxis asks p for one half (0: first k shares, 1: last k) of row or
// column index of the square committed by hdr, rebuilds the whole axis
// with the erasure code and checks its NMT root against hdr's DA header.
// It returns the 2k shares of the axis.
func (c *Client) HalfAxis(ctx context.Context, p peer.ID, hdr *da.ExtendedHeader, axis erasure.Axis, index, half int) ([][]byte, error) {
	width := hdr.DAH.SquareWidth()
	k := width / 2
	if axis > erasure.Col || index < 0 || index >= width || half < 0 || half > 1 {
		return nil, fmt.Errorf("%w: axis %d index %d half %d for width %d", ErrInvalidRequest, axis, index, half, width)
	}
	shares, err := c.HalfAxisShares(ctx, p, uint64(hdr.Height()), k, axis, index, half)
	if err != nil {
		return nil, err
	}
	known := make([][]byte, width)
	copy(known[half*k:], shares)
	full, err := erasure.DecodeAxis(known)
	if err != nil {
		return nil, c.invalid(p, protoAxis, err)
	}
	root, err := da.AxisRoot(axis, index, full)
	if err != nil {
		return nil, c.invalid(p, protoAxis, err)
	}
	want := hdr.DAH.RowRoots[index]
	if axis == erasure.Col {
		want = hdr.DAH.ColumnRoots[index]
	}
	if !bytes.Equal(root, want) {
		return nil, c.invalid(p, protoAxis, fmt.Errorf("axis root %x, DA header has %x", root, want))
	}
	return full, nil
}

// NamespaceData asks p for all data of ns in the square committed by hdr
// and checks it is complete: there must be exactly one entry for each row
// of the original square whose root's namespace range contains ns, and
// each entry's shares must be, by its NMT proof, all the shares of ns in
// that row (or prove their absence). A verified result with no shares
// proves the namespace has no data at that height.
func (c *Client) NamespaceData(ctx context.Context, p peer.ID, hdr *da.ExtendedHeader, ns da.Namespace) (*NamespaceData, error) {
	req := NamespaceRequest{Height: uint64(hdr.Height()), Namespace: ns}
	resp, err := c.request(ctx, p, ProtoNamespace, req.Marshal())
	if err != nil {
		return nil, err
	}
	defer resp.close()
	b, err := readFrame(resp.r, maxNamespaceDataSize)
	if err != nil {
		_ = resp.st.Reset()
		return nil, c.fail(p, ProtoNamespace, err)
	}
	d, err := decodeNamespaceData(b)
	if err != nil {
		return nil, c.fail(p, ProtoNamespace, err)
	}
	if err := VerifyNamespaceData(hdr.DAH, ns, d); err != nil {
		return nil, c.invalid(p, ProtoNamespace, err)
	}
	return d, nil
}

// VerifyNamespaceData checks that d holds all the data of ns in the square
// of dah (see Client.NamespaceData).
func VerifyNamespaceData(dah *da.DAHeader, ns da.Namespace, d *NamespaceData) error {
	want := NamespaceRows(dah, ns)
	if len(d.Rows) != len(want) {
		return fmt.Errorf("%w: %d rows of namespace data, the DA header has %d rows whose range contains %x", errBadResponse, len(d.Rows), len(want), ns[:])
	}
	for i, r := range d.Rows {
		if r.Row != want[i] {
			return fmt.Errorf("%w: namespace row %d is row %d, want row %d", errBadResponse, i, r.Row, want[i])
		}
		leaves := make([][]byte, len(r.Shares))
		for j, s := range r.Shares {
			leaves[j] = append(append(make([]byte, 0, da.NamespaceSize+len(s)), ns[:]...), s...)
		}
		if err := r.Proof.VerifyNamespace(dah.RowRoots[r.Row], ns, leaves); err != nil {
			return fmt.Errorf("%w: row %d: %w", errBadResponse, r.Row, err)
		}
	}
	return nil
}

// Square asks p for the whole original square committed by hdr, extends it
// and checks the resulting DA header hashes to hdr's data root.
func (c *Client) Square(ctx context.Context, p peer.ID, hdr *da.LightHeader) (*erasure.ExtendedSquare, *da.DAHeader, error) {
	k := hdr.SquareWidth() / 2
	req := SquareRequest{Height: uint64(hdr.Height())}
	resp, err := c.request(ctx, p, ProtoSquare, req.Marshal())
	if err != nil {
		return nil, nil, err
	}
	defer resp.close()
	b, err := readFrame(resp.r, 2+k*k*da.ShareSize)
	if err == nil && (len(b) != 2+k*k*da.ShareSize || int(binary.BigEndian.Uint16(b)) != k) {
		err = fmt.Errorf("%w: square of %d bytes, want k=%d", errBadResponse, len(b), k)
	}
	if err != nil {
		_ = resp.st.Reset()
		return nil, nil, c.fail(p, ProtoSquare, err)
	}
	eds, err := erasure.Extend(b[2:], k)
	if err != nil {
		return nil, nil, c.invalid(p, ProtoSquare, err)
	}
	dah, err := da.ComputeDAHeader(eds)
	if err != nil {
		return nil, nil, c.invalid(p, ProtoSquare, err)
	}
	if r := dah.Hash(); !bytes.Equal(r, hdr.DataRoot()) {
		// Not scored: an honest peer serving the true original square of a
		// badly encoded block gets here too (its committed parity differs
		// from the recomputed one). The caller falls back to fetching axes
		// (HalfAxisShares) and repairing, which yields a fraud proof if the
		// block is bad and the guilty peer if not.
		return nil, nil, fmt.Errorf("%w: square from %s hashes to data root %x, header has %x", ErrSquareMismatch, p, r, hdr.DataRoot())
	}
	return eds, dah, nil
}

// HalfAxisShares asks p for one half of an axis and returns its k shares
// WITHOUT verifying them (only their count and size): for repairing a
// square that may be badly encoded, where only the repair can tell a bad
// block (a fraud proof) from a lying peer.
func (c *Client) HalfAxisShares(ctx context.Context, p peer.ID, height uint64, k int, axis erasure.Axis, index, half int) ([][]byte, error) {
	if k < 1 || k > maxOriginalWidth || axis > erasure.Col || index < 0 || index >= 2*k || half < 0 || half > 1 {
		return nil, fmt.Errorf("%w: k %d axis %d index %d half %d", ErrInvalidRequest, k, axis, index, half)
	}
	req := axisRequest{Height: height, Axis: axis, Index: index, Half: half}
	resp, err := c.request(ctx, p, protoAxis, req.Marshal())
	if err != nil {
		return nil, err
	}
	defer resp.close()
	b, err := readFrame(resp.r, k*da.ShareSize)
	if err == nil && len(b) != k*da.ShareSize {
		err = fmt.Errorf("%w: %d bytes, want %d shares", errBadResponse, len(b), k)
	}
	if err != nil {
		_ = resp.st.Reset()
		return nil, c.fail(p, protoAxis, err)
	}
	out := make([][]byte, k)
	for i := range out {
		out[i] = b[i*da.ShareSize : (i+1)*da.ShareSize : (i+1)*da.ShareSize]
	}
	return out, nil
}
