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
	ProtoHeader    = "header"
	ProtoSample    = "sample"
	ProtoAxis      = "axis"
	ProtoNamespace = "nsdata"
	ProtoSquare    = "square"
)

// Gossip topic names; the full topic is /quadrant/<chain-id>/<name>/v1.
const (
	TopicHeaders = "headers"
	TopicBEFP    = "befp"
)

// ProtocolID returns the libp2p protocol ID of a request/response protocol
// on a chain.
func ProtocolID(chainID, name string) protocol.ID {
	return protocol.ID("/quadrant/" + chainID + "/" + name + "/v1")
}

// Topic returns the gossipsub topic name for a chain.
func Topic(chainID, name string) string { return "/quadrant/" + chainID + "/" + name + "/v1" }

// Status is the first byte of every response: whether a payload follows.
type Status uint8

// Response statuses (as celestia-node's share exchange).
const (
	StatusOK       Status = 1
	StatusNotFound Status = 2
	StatusInvalid  Status = 3
	StatusInternal Status = 4
)

func (s Status) String() string {
	switch s {
	case StatusOK:
		return "OK"
	case StatusNotFound:
		return "NOT_FOUND"
	case StatusInvalid:
		return "INVALID"
	case StatusInternal:
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
	// ErrRemoteInternal is returned by clients when the peer answered
	// INTERNAL.
	ErrRemoteInternal = errors.New("p2p: peer failed to serve the request")
	// ErrBadResponse is wrapped when a peer's response is malformed, too
	// large or does not verify; the peer is scored down.
	ErrBadResponse = errors.New("p2p: bad response")
	// ErrSquareMismatch is returned by Client.Square when the extended
	// original square does not hash to the header's data root.
	ErrSquareMismatch = errors.New("p2p: square does not match the data root")
	// ErrFrameTooLarge is wrapped when a length prefix exceeds the limit.
	ErrFrameTooLarge = errors.New("p2p: frame over the size limit")
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
		return nil, fmt.Errorf("%w: %d bytes announced, limit %d", ErrFrameTooLarge, n, limit)
	}
	b := make([]byte, n)
	if _, err := io.ReadFull(r, b); err != nil {
		return nil, err
	}
	return b, nil
}

func readStatus(r io.Reader) (Status, error) {
	var b [1]byte
	if _, err := io.ReadFull(r, b[:]); err != nil {
		return 0, err
	}
	s := Status(b[0])
	if s < StatusOK || s > StatusInternal {
		return 0, fmt.Errorf("%w: unknown status byte %d", ErrBadResponse, b[0])
	}
	return s, nil
}

// statusError maps a non-OK status to the client-side error.
func statusError(s Status) error {
	switch s {
	case StatusNotFound:
		return ErrNotFound
	case StatusInvalid:
		return ErrInvalidRequest
	default:
		return ErrRemoteInternal
	}
}
