package p2p

import (
	"context"
	"encoding/binary"
	"fmt"
	"io"

	"github.com/libp2p/go-libp2p/core/peer"

	"github.com/quadrant-da/quadrant/da"
)

// The bulk protocols — whole original square and namespace data — answer
// with up to k·k shares (32 MiB at k = 256). Their responses are streamed:
// the framing is written from what the source reports up front (k; the
// rows' share counts and proofs), then the shares one row at a time as the
// source reads them, so a response never holds more than a row, however
// slowly the peer reads. A source error after the framing was written
// resets the stream (the peer sees a truncated frame).

func (s *Server) serveSquare(ctx context.Context, from peer.ID, b []byte, w io.Writer) error {
	req, err := decodeSquareRequest(b)
	if err != nil {
		return s.reject(from, w, err)
	}
	k, rows, err := s.squares.OriginalRows(ctx, req.Height)
	if err == nil && (k < 1 || k > maxOriginalWidth) {
		err = fmt.Errorf("source returned k=%d", k)
	}
	if err != nil {
		return s.sourceError(w, err)
	}
	hdr := make([]byte, 1+4+2)
	hdr[0] = byte(statusOK)
	binary.BigEndian.PutUint32(hdr[1:], uint32(2+k*k*da.ShareSize))
	binary.BigEndian.PutUint16(hdr[5:], uint16(k))
	if _, err := w.Write(hdr); err != nil {
		return err
	}
	n := 0
	for row, err := range rows {
		switch {
		case err != nil:
			return fmt.Errorf("square of height %d, row %d: %w", req.Height, n, err)
		case n == k || len(row) != k*da.ShareSize:
			return fmt.Errorf("source returned row %d of %d bytes for k=%d", n, len(row), k)
		}
		if _, err := w.Write(row); err != nil {
			return err
		}
		n++
	}
	if n != k {
		return fmt.Errorf("source returned %d rows for k=%d", n, k)
	}
	return nil
}

func (s *Server) serveNamespace(ctx context.Context, from peer.ID, b []byte, w io.Writer) error {
	req, err := decodeNamespaceRequest(b)
	if err != nil {
		return s.reject(from, w, err)
	}
	heads, shares, err := s.squares.NamespaceRows(ctx, req.Height, req.Namespace)
	var proofs [][]byte
	if err == nil {
		proofs, err = namespaceProofs(heads)
	}
	if err != nil {
		return s.sourceError(w, err)
	}
	size := 2
	for i, h := range heads {
		size += 2 + 2 + h.Count*da.ShareSize + 4 + len(proofs[i])
	}
	if size > maxNamespaceDataSize {
		return s.sourceError(w, fmt.Errorf("namespace data of %d bytes, over the limit of %d", size, maxNamespaceDataSize))
	}
	hdr := []byte{byte(statusOK)}
	hdr = binary.BigEndian.AppendUint32(hdr, uint32(size))
	hdr = binary.BigEndian.AppendUint16(hdr, uint16(len(heads)))
	if _, err := w.Write(hdr); err != nil {
		return err
	}
	i := 0
	for sh, err := range shares {
		switch {
		case err != nil:
			return fmt.Errorf("namespace data of height %d, row %d: %w", req.Height, i, err)
		case i == len(heads) || len(sh) != heads[i].Count*da.ShareSize:
			return fmt.Errorf("source returned %d bytes of shares for namespace row %d of %d", len(sh), i, len(heads))
		}
		var rh [4]byte
		binary.BigEndian.PutUint16(rh[:], uint16(heads[i].Row))
		binary.BigEndian.PutUint16(rh[2:], uint16(heads[i].Count))
		if _, err := w.Write(rh[:]); err != nil {
			return err
		}
		if _, err := w.Write(sh); err != nil {
			return err
		}
		if err := writeFrame(w, proofs[i]); err != nil {
			return err
		}
		i++
	}
	if i != len(heads) {
		return fmt.Errorf("source returned the shares of %d namespace rows of %d", i, len(heads))
	}
	return nil
}

// namespaceProofs checks the heads a source returned as NamespaceData.Marshal
// checks rows (at most maxOriginalWidth, increasing rows below it, at most
// maxOriginalWidth shares each) and encodes their proofs.
func namespaceProofs(heads []NamespaceRowHead) ([][]byte, error) {
	if len(heads) > maxOriginalWidth {
		return nil, fmt.Errorf("source returned %d namespace rows, at most %d", len(heads), maxOriginalWidth)
	}
	out := make([][]byte, len(heads))
	for i, h := range heads {
		if h.Row < 0 || h.Row >= maxOriginalWidth || i > 0 && h.Row <= heads[i-1].Row || h.Count < 0 || h.Count > maxOriginalWidth {
			return nil, fmt.Errorf("source returned namespace row %d with %d shares out of range or order", h.Row, h.Count)
		}
		p, err := h.Proof.MarshalBinary()
		if err != nil {
			return nil, fmt.Errorf("namespace row %d proof: %w", h.Row, err)
		}
		out[i] = p
	}
	return out, nil
}
