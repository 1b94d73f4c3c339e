package p2p

import (
	"bytes"
	"encoding/binary"
	"fmt"

	"github.com/quadrant-da/quadrant/da"
	"github.com/quadrant-da/quadrant/erasure"
	"github.com/quadrant-da/quadrant/sampling"
)

// Request limits and sizes. Every request is small and of bounded size; a
// peer announcing a larger frame is cut off before anything is allocated.
const (
	// MaxHeaderRange is the most headers one range request may ask for.
	MaxHeaderRange = 64
	// MaxSampleCoords is the most coordinates one sample request may carry.
	MaxSampleCoords = 256
	// maxOriginalWidth is the largest original square width k.
	maxOriginalWidth = da.MaxSquareWidth / 2

	headerRequestSize    = 1 + 1 + 8 + 2
	sampleRequestMaxSize = 8 + 2 + MaxSampleCoords*coordSize
	axisRequestSize      = 8 + 1 + 2 + 1
	namespaceRequestSize = 8 + da.NamespaceSize
	squareRequestSize    = 8
	coordSize            = 2 + 2 + 1

	// maxRequestSize bounds the request frame of every protocol.
	maxRequestSize = sampleRequestMaxSize

	// maxNamespaceDataSize bounds an encoded NamespaceData.
	maxNamespaceDataSize = 2 + maxOriginalWidth*(2+2+4+da.MaxProofSize) + maxOriginalWidth*maxOriginalWidth*da.ShareSize
	// maxSquareSize bounds a whole original square response.
	maxSquareSize = 2 + maxOriginalWidth*maxOriginalWidth*da.ShareSize
)

// HeaderRequestKind selects what a header request asks for.
type HeaderRequestKind uint8

// Header request kinds.
const (
	headerHead     HeaderRequestKind = 0
	HeaderByHeight HeaderRequestKind = 1
	headerRange    HeaderRequestKind = 2
)

// headerForm selects the light (no DA header) or full extended form.
type headerForm uint8

// Header forms.
const (
	formLight    headerForm = 0
	formExtended headerForm = 1
)

// headerRequest asks for the head, one height, or Count heights from From.
// Encoding (12 bytes): kind u8 | form u8 | from u64 | count u16.
type headerRequest struct {
	Kind  HeaderRequestKind
	Form  headerForm
	From  uint64
	Count uint16
}

// Marshal returns the encoding of r.
func (r headerRequest) Marshal() []byte {
	b := make([]byte, headerRequestSize)
	b[0], b[1] = byte(r.Kind), byte(r.Form)
	binary.BigEndian.PutUint64(b[2:], r.From)
	binary.BigEndian.PutUint16(b[10:], r.Count)
	return b
}

// decodeHeaderRequest decodes and validates a header request: a known kind
// and form; for headerHead from = count = 0; for HeaderByHeight from ≥ 1
// and count = 1; for headerRange from ≥ 1 and 1 ≤ count ≤ MaxHeaderRange.
func decodeHeaderRequest(b []byte) (headerRequest, error) {
	if len(b) != headerRequestSize {
		return headerRequest{}, fmt.Errorf("%w: header request of %d bytes, want %d", ErrInvalidRequest, len(b), headerRequestSize)
	}
	r := headerRequest{Kind: HeaderRequestKind(b[0]), Form: headerForm(b[1]), From: binary.BigEndian.Uint64(b[2:]), Count: binary.BigEndian.Uint16(b[10:])}
	if r.Form > formExtended {
		return r, fmt.Errorf("%w: header form %d, want 0 (light) or 1 (extended)", ErrInvalidRequest, r.Form)
	}
	switch r.Kind {
	case headerHead:
		if r.From != 0 || r.Count != 0 {
			return r, fmt.Errorf("%w: head request with from %d count %d, want zeros", ErrInvalidRequest, r.From, r.Count)
		}
	case HeaderByHeight:
		if r.From == 0 || r.Count != 1 {
			return r, fmt.Errorf("%w: by-height request for height %d count %d, want height ≥ 1 and count 1", ErrInvalidRequest, r.From, r.Count)
		}
	case headerRange:
		if r.From == 0 || r.Count == 0 || r.Count > MaxHeaderRange || r.From+uint64(r.Count) < r.From {
			return r, fmt.Errorf("%w: range from %d count %d, want from ≥ 1 and 1 ≤ count ≤ %d", ErrInvalidRequest, r.From, r.Count, MaxHeaderRange)
		}
	default:
		return r, fmt.Errorf("%w: header request kind %d unknown", ErrInvalidRequest, r.Kind)
	}
	return r, nil
}

// Coord is one share of the extended square and the axis whose root its
// proof should lead to; it is sampling's, defined once.
type Coord = sampling.Coord

// sampleRequest asks for the samples of Coords at Height.
// Encoding: height u64 | count u16 | count × (row u16 | col u16 | axis u8).
type sampleRequest struct {
	Height uint64
	Coords []Coord
}

// Marshal returns the encoding of r; coordinates must fit in u16 (see
// decodeSampleRequest for the accepted ranges).
func (r sampleRequest) Marshal() []byte {
	b := make([]byte, 10, 10+len(r.Coords)*coordSize)
	binary.BigEndian.PutUint64(b, r.Height)
	binary.BigEndian.PutUint16(b[8:], uint16(len(r.Coords)))
	for _, c := range r.Coords {
		b = binary.BigEndian.AppendUint16(b, uint16(c.Row))
		b = binary.BigEndian.AppendUint16(b, uint16(c.Col))
		b = append(b, byte(c.Axis))
	}
	return b
}

// decodeSampleRequest decodes and validates a sample request: height ≥ 1,
// 1..MaxSampleCoords coordinates, each row and column < da.MaxSquareWidth
// and axis Row or Col. Whether a coordinate lies inside the square of that
// height is checked by the server against its header.
func decodeSampleRequest(b []byte) (sampleRequest, error) {
	if len(b) < 10 || len(b) > sampleRequestMaxSize {
		return sampleRequest{}, fmt.Errorf("%w: sample request of %d bytes, want 10..%d", ErrInvalidRequest, len(b), sampleRequestMaxSize)
	}
	r := sampleRequest{Height: binary.BigEndian.Uint64(b)}
	n := int(binary.BigEndian.Uint16(b[8:]))
	if r.Height == 0 || n == 0 || n > MaxSampleCoords || len(b) != 10+n*coordSize {
		return sampleRequest{}, fmt.Errorf("%w: sample request for height %d with %d coordinates in %d bytes, want height ≥ 1 and 1..%d coordinates",
			ErrInvalidRequest, r.Height, n, len(b), MaxSampleCoords)
	}
	r.Coords = make([]Coord, n)
	for i := range r.Coords {
		o := 10 + i*coordSize
		c := Coord{Row: int(binary.BigEndian.Uint16(b[o:])), Col: int(binary.BigEndian.Uint16(b[o+2:])), Axis: erasure.Axis(b[o+4])}
		if c.Row >= da.MaxSquareWidth || c.Col >= da.MaxSquareWidth || c.Axis > erasure.Col {
			return sampleRequest{}, fmt.Errorf("%w: coordinate %d is (%d, %d) axis %d, want row, col < %d and axis 0 or 1",
				ErrInvalidRequest, i, c.Row, c.Col, c.Axis, da.MaxSquareWidth)
		}
		r.Coords[i] = c
	}
	return r, nil
}

// axisRequest asks for one half of a row or column: Half 0 is the first k
// shares (the original data for rows and columns < k), Half 1 the last k.
// Encoding (12 bytes): height u64 | axis u8 | index u16 | half u8.
type axisRequest struct {
	Height uint64
	Axis   erasure.Axis
	Index  int
	Half   int
}

// Marshal returns the encoding of r.
func (r axisRequest) Marshal() []byte {
	b := make([]byte, axisRequestSize)
	binary.BigEndian.PutUint64(b, r.Height)
	b[8] = byte(r.Axis)
	binary.BigEndian.PutUint16(b[9:], uint16(r.Index))
	b[11] = byte(r.Half)
	return b
}

// decodeAxisRequest decodes and validates an axis request.
func decodeAxisRequest(b []byte) (axisRequest, error) {
	if len(b) != axisRequestSize {
		return axisRequest{}, fmt.Errorf("%w: axis request of %d bytes, want %d", ErrInvalidRequest, len(b), axisRequestSize)
	}
	r := axisRequest{Height: binary.BigEndian.Uint64(b), Axis: erasure.Axis(b[8]), Index: int(binary.BigEndian.Uint16(b[9:])), Half: int(b[11])}
	if r.Height == 0 || r.Axis > erasure.Col || r.Index >= da.MaxSquareWidth || r.Half > 1 {
		return axisRequest{}, fmt.Errorf("%w: axis request height %d axis %d index %d half %d, want height ≥ 1, axis 0/1, index < %d, half 0/1",
			ErrInvalidRequest, r.Height, r.Axis, r.Index, r.Half, da.MaxSquareWidth)
	}
	return r, nil
}

// NamespaceRequest asks for all shares of a namespace at a height.
// Encoding (37 bytes): height u64 | namespace (29).
type NamespaceRequest struct {
	Height    uint64
	Namespace da.Namespace
}

// Marshal returns the encoding of r.
func (r NamespaceRequest) Marshal() []byte {
	b := make([]byte, namespaceRequestSize)
	binary.BigEndian.PutUint64(b, r.Height)
	copy(b[8:], r.Namespace[:])
	return b
}

// decodeNamespaceRequest decodes and validates a namespace request (height
// ≥ 1; any namespace may be asked for).
func decodeNamespaceRequest(b []byte) (NamespaceRequest, error) {
	if len(b) != namespaceRequestSize {
		return NamespaceRequest{}, fmt.Errorf("%w: namespace request of %d bytes, want %d", ErrInvalidRequest, len(b), namespaceRequestSize)
	}
	r := NamespaceRequest{Height: binary.BigEndian.Uint64(b)}
	copy(r.Namespace[:], b[8:])
	if r.Height == 0 {
		return NamespaceRequest{}, fmt.Errorf("%w: namespace request for height 0", ErrInvalidRequest)
	}
	return r, nil
}

// SquareRequest asks for the whole original square at a height.
// Encoding (8 bytes): height u64.
type SquareRequest struct{ Height uint64 }

// Marshal returns the encoding of r.
func (r SquareRequest) Marshal() []byte { return binary.BigEndian.AppendUint64(nil, r.Height) }

// decodeSquareRequest decodes and validates a square request.
func decodeSquareRequest(b []byte) (SquareRequest, error) {
	if len(b) != squareRequestSize {
		return SquareRequest{}, fmt.Errorf("%w: square request of %d bytes, want %d", ErrInvalidRequest, len(b), squareRequestSize)
	}
	r := SquareRequest{Height: binary.BigEndian.Uint64(b)}
	if r.Height == 0 {
		return SquareRequest{}, fmt.Errorf("%w: square request for height 0", ErrInvalidRequest)
	}
	return r, nil
}

// NamespaceRow is the part of one row of the original square that holds a
// namespace: its shares (possibly none) and the NMT namespace proof (of
// inclusion or absence) against the row root.
type NamespaceRow struct {
	Row    int
	Shares [][]byte
	Proof  da.Proof
}

// NamespaceData is all the data of a namespace at a height: one entry per
// row of the original square whose root's namespace range contains the
// namespace, in increasing row order.
type NamespaceData struct {
	Rows []NamespaceRow
}

// Marshal encodes d: u16 row count, then per row: row u16 | share count
// u16 | shares | u32 proof length | proof (da.Proof.MarshalBinary).
func (d *NamespaceData) Marshal() ([]byte, error) {
	if len(d.Rows) > maxOriginalWidth {
		return nil, fmt.Errorf("p2p: namespace data with %d rows, at most %d", len(d.Rows), maxOriginalWidth)
	}
	out := binary.BigEndian.AppendUint16(nil, uint16(len(d.Rows)))
	for _, r := range d.Rows {
		if r.Row < 0 || r.Row >= maxOriginalWidth || len(r.Shares) > maxOriginalWidth {
			return nil, fmt.Errorf("p2p: namespace row %d with %d shares out of range", r.Row, len(r.Shares))
		}
		p, err := r.Proof.MarshalBinary()
		if err != nil {
			return nil, fmt.Errorf("p2p: namespace row %d proof: %w", r.Row, err)
		}
		out = binary.BigEndian.AppendUint16(out, uint16(r.Row))
		out = binary.BigEndian.AppendUint16(out, uint16(len(r.Shares)))
		for _, s := range r.Shares {
			if len(s) != da.ShareSize {
				return nil, fmt.Errorf("p2p: namespace row %d has a share of %d bytes", r.Row, len(s))
			}
			out = append(out, s...)
		}
		out = binary.BigEndian.AppendUint32(out, uint32(len(p)))
		out = append(out, p...)
	}
	return out, nil
}

// decodeNamespaceData decodes namespace data encoded by Marshal, rejecting
// anything else: rows must be strictly increasing and < maxOriginalWidth,
// proofs must decode, no trailing bytes. Shares are copied. The result is
// not verified (see Client.NamespaceData).
func decodeNamespaceData(b []byte) (*NamespaceData, error) {
	bad := func(format string, args ...any) (*NamespaceData, error) {
		return nil, fmt.Errorf("%w: namespace data: "+format, append([]any{errBadResponse}, args...)...)
	}
	if len(b) > maxNamespaceDataSize {
		return bad("%d bytes, over the limit of %d", len(b), maxNamespaceDataSize)
	}
	if len(b) < 2 {
		return bad("%d bytes, want at least 2", len(b))
	}
	n := int(binary.BigEndian.Uint16(b))
	if n > maxOriginalWidth {
		return bad("%d rows, at most %d", n, maxOriginalWidth)
	}
	b = b[2:]
	d := &NamespaceData{Rows: make([]NamespaceRow, 0, n)}
	prev := -1
	for i := 0; i < n; i++ {
		if len(b) < 4 {
			return bad("row %d truncated", i)
		}
		row, cnt := int(binary.BigEndian.Uint16(b)), int(binary.BigEndian.Uint16(b[2:]))
		b = b[4:]
		if row <= prev || row >= maxOriginalWidth || cnt > maxOriginalWidth {
			return bad("row %d (after %d) with %d shares, want increasing rows < %d and at most %d shares", row, prev, cnt, maxOriginalWidth, maxOriginalWidth)
		}
		prev = row
		if len(b) < cnt*da.ShareSize+4 {
			return bad("row %d truncated", row)
		}
		r := NamespaceRow{Row: row, Shares: make([][]byte, cnt)}
		buf := append([]byte(nil), b[:cnt*da.ShareSize]...)
		for j := range r.Shares {
			r.Shares[j] = buf[j*da.ShareSize : (j+1)*da.ShareSize : (j+1)*da.ShareSize]
		}
		b = b[cnt*da.ShareSize:]
		pl := binary.BigEndian.Uint32(b)
		b = b[4:]
		if uint64(pl) > uint64(len(b)) || pl > da.MaxProofSize {
			return bad("row %d proof of %d bytes, %d left (limit %d)", row, pl, len(b), da.MaxProofSize)
		}
		p, err := da.UnmarshalProof(b[:pl])
		if err != nil {
			return bad("row %d proof: %w", row, err)
		}
		r.Proof = p
		b = b[pl:]
		d.Rows = append(d.Rows, r)
	}
	if len(b) != 0 {
		return bad("%d trailing bytes", len(b))
	}
	return d, nil
}

// NamespaceRows returns the rows of the original square (row < k) whose row
// root's namespace range contains ns: the rows a complete NamespaceData
// must cover.
func NamespaceRows(dah *da.DAHeader, ns da.Namespace) []int {
	var rows []int
	for i := 0; i < dah.SquareWidth()/2; i++ {
		r := dah.RowRoots[i]
		if bytes.Compare(ns[:], r[:da.NamespaceSize]) >= 0 && bytes.Compare(ns[:], r[da.NamespaceSize:2*da.NamespaceSize]) <= 0 {
			rows = append(rows, i)
		}
	}
	return rows
}

// BuildNamespaceRow returns the NamespaceRow of ns in row `row` of an
// extended square, given the row's 2k shares and their NMT leaf nodes (see
// da.AxisLeafNodes; leafNodes may be nil to compute them). Its Shares alias
// shares.
func BuildNamespaceRow(row int, shares, leafNodes [][]byte, ns da.Namespace) (NamespaceRow, error) {
	h, err := BuildNamespaceRowHead(row, shares, leafNodes, ns)
	if err != nil {
		return NamespaceRow{}, err
	}
	end := h.Start + h.Count
	return NamespaceRow{Row: row, Shares: shares[h.Start:end:end], Proof: h.Proof}, nil
}

// NamespaceRowHead is a NamespaceRow without its shares: where they are in
// the row (Count shares from index Start) and their proof. A server sizes
// a namespace reply from the heads of its rows before it reads any share
// (SquareSource.NamespaceRows).
type NamespaceRowHead struct {
	Row, Start, Count int
	Proof             da.Proof
}

// BuildNamespaceRowHead is BuildNamespaceRow without the shares: it
// retains nothing of shares or leafNodes. Servers use it to answer
// namespace requests.
func BuildNamespaceRowHead(row int, shares, leafNodes [][]byte, ns da.Namespace) (NamespaceRowHead, error) {
	if leafNodes == nil {
		var err error
		if leafNodes, err = da.AxisLeafNodes(erasure.Row, row, shares); err != nil {
			return NamespaceRowHead{}, err
		}
	}
	t, err := da.TreeFromLeafNodes(leafNodes)
	if err != nil {
		return NamespaceRowHead{}, err
	}
	p, err := t.ProveNamespace(ns)
	if err != nil {
		return NamespaceRowHead{}, err
	}
	start, end := t.NamespaceRange(ns)
	return NamespaceRowHead{Row: row, Start: start, Count: end - start, Proof: p}, nil
}
