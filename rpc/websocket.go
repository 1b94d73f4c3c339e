package rpc

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"net"
	"net/http"
)

// errMessageTooLarge is returned by a WebSocket connection's reads once the
// client has announced a message over Config.MaxBodyBytes; the connection
// is then closed.
var errMessageTooLarge = errors.New("rpc: websocket message too large")

// go-jsonrpc v0.10.0 upgrades with a package-level gorilla Upgrader that has
// no read limit and reads every message whole (io.ReadAll) before decoding
// it. It offers no hook to bound that, but it upgrades through the
// ResponseWriter's http.Hijacker: wsLimitWriter hands it a connection whose
// reads watch the client's frame headers (RFC 6455 §5.2) and fail as soon
// as one message's announced length passes the limit — before its payload
// is read, so the bytes buffered for any message stay within the limit.

// wsLimitWriter is the ResponseWriter given to go-jsonrpc for a WebSocket
// upgrade: its Hijack returns the connection wrapped in a wsLimitConn.
type wsLimitWriter struct {
	http.ResponseWriter
	limit   int64
	refused func(error) // called once, from the reading goroutine
}

// Hijack hijacks the underlying connection and wraps it. The returned
// bufio.ReadWriter is the server's; gorilla re-points its reader at the
// returned connection (and refuses to upgrade if it holds buffered bytes),
// so every byte of every frame goes through the wrapper.
func (w *wsLimitWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	h, ok := w.ResponseWriter.(http.Hijacker)
	if !ok {
		return nil, nil, errors.New("rpc: the HTTP connection cannot be hijacked for a WebSocket")
	}
	conn, brw, err := h.Hijack()
	if err != nil {
		return nil, nil, err
	}
	return &wsLimitConn{Conn: conn, frames: wsFrames{limit: w.limit}, refused: w.refused}, brw, nil
}

// Unwrap lets http.ResponseController reach the underlying writer.
func (w *wsLimitWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// wsLimitConn is a server-side WebSocket connection whose reads fail with
// errMessageTooLarge once the client announces an oversized message. Reads
// must come from one goroutine at a time (gorilla's contract); writes and
// deadlines pass through.
type wsLimitConn struct {
	net.Conn
	frames  wsFrames
	err     error
	refused func(error)
}

// Read reads from the connection and checks the frame headers in what it
// read; on an oversized message it returns no bytes and the error, now and
// on every later call.
func (c *wsLimitConn) Read(p []byte) (int, error) {
	if c.err != nil {
		return 0, c.err
	}
	n, err := c.Conn.Read(p)
	if ferr := c.frames.observe(p[:n]); ferr != nil {
		c.err = ferr
		if c.refused != nil {
			c.refused(ferr)
		}
		return 0, ferr
	}
	return n, err
}

// wsFrames follows the frames a WebSocket client sends, from their headers
// alone, and tracks the payload bytes of the current data message
// (fragments included; control frames do not count). It is fed the raw
// byte stream in pieces of any size. Its zero value with a limit is ready.
type wsFrames struct {
	limit int64

	hdr     [14]byte // header bytes of the frame being parsed
	hdrLen  int      // how many of hdr are filled
	payload uint64   // payload bytes of the current frame still to skip
	message int64    // payload bytes of the current data message so far
}

// headerSize returns the size of a client frame header from its first two
// bytes: 2, plus 2 or 8 for an extended length, plus 4 for a masking key.
func headerSize(b1 byte) int {
	n := 2
	switch b1 & 0x7f {
	case 126:
		n += 2
	case 127:
		n += 8
	}
	if b1&0x80 != 0 {
		n += 4
	}
	return n
}

// observe consumes the next bytes of the stream and returns an error
// wrapping errMessageTooLarge when a header announces a data message over
// the limit; after an error the state is undefined.
func (f *wsFrames) observe(p []byte) error {
	for len(p) > 0 {
		if f.payload > 0 {
			skip := min(f.payload, uint64(len(p)))
			f.payload -= skip
			p = p[skip:]
			continue
		}
		need := 2
		if f.hdrLen >= 2 {
			need = headerSize(f.hdr[1])
		}
		k := copy(f.hdr[f.hdrLen:need], p)
		f.hdrLen += k
		p = p[k:]
		if f.hdrLen < need {
			continue // need more bytes (the rest of the header, or its size)
		}
		if need == 2 && headerSize(f.hdr[1]) > 2 {
			continue // the size is known now; read the rest
		}
		if err := f.frame(); err != nil {
			return err
		}
	}
	return nil
}

// frame accounts for the complete header in f.hdr.
func (f *wsFrames) frame() error {
	opcode, n := f.hdr[0]&0x0f, uint64(f.hdr[1]&0x7f)
	switch n {
	case 126:
		n = uint64(binary.BigEndian.Uint16(f.hdr[2:4]))
	case 127:
		n = binary.BigEndian.Uint64(f.hdr[2:10])
	}
	f.hdrLen, f.payload = 0, n
	if opcode&0x8 != 0 {
		return nil // control frame (close, ping, pong): not part of a message
	}
	if opcode != 0 {
		f.message = 0 // first frame of a new message; 0 continues one
	}
	if n > uint64(f.limit-f.message) {
		return fmt.Errorf("%w: a frame of %d bytes takes its message (%d bytes so far) over the limit of %d bytes (max_body_bytes)",
			errMessageTooLarge, n, f.message, f.limit)
	}
	f.message += int64(n)
	return nil
}
