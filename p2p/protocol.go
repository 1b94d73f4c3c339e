package p2p

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"os"

	"github.com/libp2p/go-libp2p/core/protocol"
)

// Protocol names; the full ID is /quadrant/<chain-id>/<name>/v1.
const (
	protoHeader    = "header"
	ProtoSample    = "sample"
	protoAxis      = "axis"
	ProtoNamespace = "nsdata"
	ProtoSquare    = "square"
)

// Gossip topic names; the full topic is /quadrant/<chain-id>/<name>/v1.
const (
	topicHeaders = "headers"
	topicBEFP    = "befp"
)

// ProtocolID returns the libp2p protocol ID of a request/response protocol
// on a chain.
func ProtocolID(chainID, name string) protocol.ID {
	return protocol.ID("/quadrant/" + chainID + "/" + name + "/v1")
}

// topic returns the gossipsub topic name for a chain.
func topic(chainID, name string) string { return "/quadrant/" + chainID + "/" + name + "/v1" }

// status is the first byte of every response: whether a payload follows.
type status uint8

// Response statuses (as celestia-node's share exchange).
const (
	statusOK       status = 1
	statusNotFound status = 2
	statusInvalid  status = 3
	statusInternal status = 4
)

func (s status) String() string {
	switch s {
	case statusOK:
		return "OK"
	case statusNotFound:
		return "NOT_FOUND"
	case statusInvalid:
		return "INVALID"
	case statusInternal:
		return "INTERNAL"
	}
	return fmt.Sprintf("Status(%d)", uint8(s))
}

var (
	// ErrNotFound is returned by a Server's sources when they do not hold
	// what was asked for (the server answers NOT_FOUND), and by clients when
	// the peer answered NOT_FOUND.
	ErrNotFound = errors.New("p2p: not found")
	// ErrInvalidRequest is wrapped by request decoding failures (the server
	// answers INVALID and scores the peer down) and returned by clients when
	// the peer answered INVALID.
	ErrInvalidRequest = errors.New("p2p: invalid request")
	// errRemoteInternal is returned by clients when the peer answered
	// INTERNAL.
	errRemoteInternal = errors.New("p2p: peer failed to serve the request")
	// errBadResponse is wrapped when a peer's response is malformed, too
	// large or does not verify; the peer is scored down.
	errBadResponse = errors.New("p2p: bad response")
	// ErrSquareMismatch is returned by Client.Square when the extended
	// original square does not hash to the header's data root.
	ErrSquareMismatch = errors.New("p2p: square does not match the data root")
	// errFrameTooLarge is wrapped when a length prefix exceeds the limit.
	errFrameTooLarge = errors.New("p2p: frame over the size limit")
)

// isTimeout reports whether err is a deadline passing, as each transport
// reports it: QUIC wraps os.ErrDeadlineExceeded, yamux (over TCP) returns
// a net.Error whose Timeout is true.
func isTimeout(err error) bool {
	var ne net.Error
	return errors.Is(err, os.ErrDeadlineExceeded) || errors.Is(err, context.DeadlineExceeded) || errors.As(err, &ne) && ne.Timeout()
}

// writeFrame writes a big-endian u32 length and then b.
func writeFrame(w io.Writer, b []byte) error {
	var l [4]byte
	binary.BigEndian.PutUint32(l[:], uint32(len(b)))
	if _, err := w.Write(l[:]); err != nil {
		return err
	}
	if len(b) == 0 {
		// No second write: the peer may already have the whole frame,
		// answered and closed the stream, and over QUIC a write after
		// that fails (an empty befp request did, under load).
		return nil
	}
	_, err := w.Write(b)
	return err
}

// readFrame reads one length-prefixed frame of at most limit bytes. It never
// allocates more than the announced length, and only after checking it.
func readFrame(r io.Reader, limit int) ([]byte, error) {
	var l [4]byte
	if _, err := io.ReadFull(r, l[:]); err != nil {
		return nil, err
	}
	n := binary.BigEndian.Uint32(l[:])
	if uint64(n) > uint64(limit) {
		return nil, fmt.Errorf("%w: %d bytes announced, limit %d", errFrameTooLarge, n, limit)
	}
	b := make([]byte, n)
	if _, err := io.ReadFull(r, b); err != nil {
		return nil, err
	}
	return b, nil
}

func readStatus(r io.Reader) (status, error) {
	var b [1]byte
	if _, err := io.ReadFull(r, b[:]); err != nil {
		return 0, err
	}
	s := status(b[0])
	if s < statusOK || s > statusInternal {
		return 0, fmt.Errorf("%w: unknown status byte %d", errBadResponse, b[0])
	}
	return s, nil
}

// statusError maps a non-OK status to the client-side error.
func statusError(s status) error {
	switch s {
	case statusNotFound:
		return ErrNotFound
	case statusInvalid:
		return ErrInvalidRequest
	default:
		return errRemoteInternal
	}
}
