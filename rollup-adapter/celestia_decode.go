package rollupadapter

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"reflect"
	"strconv"

	"github.com/quadrant-da/quadrant/rpc"
)

// RPCOptions returns the rpc.Server options the adapter's modules want:
// blob.Submit's and blob.SubmitAsync's blobs ([]*Blob, megabytes of
// base64) are decoded by decodeBlobs rather than by encoding/json, whose
// reflection-driven string scanning and base64 decoding was most of the
// adapter's CPU per submitted MiB. Pass them to rpc.NewServer.
func RPCOptions() []rpc.Option {
	return []rpc.Option{rpc.WithParamDecoder(new([]*Blob), func(_ context.Context, raw []byte) (reflect.Value, error) {
		bs, err := decodeBlobs(raw)
		return reflect.ValueOf(bs), err
	})}
}

// decodeBlobs decodes a JSON array of Blob objects. The common shape — an
// array of objects with Blob's own (lower-case) keys, strings without
// escapes, plain integers — is read in one pass, each base64 field decoded
// once into a buffer of its final size. Anything else (null, escapes,
// other keys or spellings, other number forms) goes to encoding/json, so
// the result is always what encoding/json gives.
func decodeBlobs(raw []byte) ([]*Blob, error) {
	if bs, ok := fastBlobs(raw); ok {
		return bs, nil
	}
	var bs []*Blob
	if err := json.Unmarshal(raw, &bs); err != nil {
		return nil, err
	}
	return bs, nil
}

// blobScanner reads the fast path's JSON; any surprise makes ok false.
type blobScanner struct {
	b  []byte
	i  int
	ok bool
}

func (s *blobScanner) ws() {
	for s.i < len(s.b) && (s.b[s.i] == ' ' || s.b[s.i] == '\t' || s.b[s.i] == '\n' || s.b[s.i] == '\r') {
		s.i++
	}
}

// next skips white space and consumes c if it comes next.
func (s *blobScanner) next(c byte) bool {
	s.ws()
	if s.i < len(s.b) && s.b[s.i] == c {
		s.i++
		return true
	}
	return false
}

// str reads a string without escapes and returns its bytes (aliasing b).
func (s *blobScanner) str() []byte {
	if !s.next('"') {
		s.ok = false
		return nil
	}
	end := bytes.IndexByte(s.b[s.i:], '"')
	if end < 0 || bytes.IndexByte(s.b[s.i:s.i+end], '\\') >= 0 {
		s.ok = false
		return nil
	}
	v := s.b[s.i : s.i+end]
	s.i += end + 1
	return v
}

// b64 reads a base64 string (encoding/json's []byte form).
func (s *blobScanner) b64() []byte {
	v := s.str()
	if !s.ok {
		return nil
	}
	out := make([]byte, base64.StdEncoding.DecodedLen(len(v)))
	n, err := base64.StdEncoding.Decode(out, v)
	if err != nil {
		s.ok = false
		return nil
	}
	return out[:n]
}

// integer reads a plain decimal integer (an optional minus sign and
// digits) that fits bits as signed or unsigned.
func (s *blobScanner) integer(signed bool, bits int) int64 {
	s.ws()
	start := s.i
	if signed && s.i < len(s.b) && s.b[s.i] == '-' {
		s.i++
	}
	for s.i < len(s.b) && s.b[s.i] >= '0' && s.b[s.i] <= '9' {
		s.i++
	}
	tok := string(s.b[start:s.i])
	if signed {
		v, err := strconv.ParseInt(tok, 10, bits)
		s.ok = s.ok && err == nil
		return v
	}
	v, err := strconv.ParseUint(tok, 10, bits)
	s.ok = s.ok && err == nil
	return int64(v)
}

func fastBlobs(raw []byte) ([]*Blob, bool) {
	s := &blobScanner{b: raw, ok: true}
	if !s.next('[') {
		return nil, false
	}
	out := []*Blob{}
	if s.next(']') {
		s.ws()
		return out, s.i == len(raw)
	}
	for s.ok {
		b := s.object()
		out = append(out, b)
		if s.next(']') {
			break
		}
		if !s.next(',') {
			return nil, false
		}
	}
	s.ws()
	return out, s.ok && s.i == len(raw)
}

// object reads one Blob object.
func (s *blobScanner) object() *Blob {
	b := &Blob{}
	if !s.next('{') {
		s.ok = false
		return b
	}
	if s.next('}') {
		return b
	}
	for s.ok {
		key := s.str()
		if !s.next(':') {
			s.ok = false
		}
		if !s.ok {
			return b
		}
		switch string(key) {
		case "namespace":
			b.Namespace = s.b64()
		case "data":
			b.Data = s.b64()
		case "commitment":
			b.Commitment = s.b64()
		case "signer":
			b.Signer = s.b64()
		case "share_version":
			b.ShareVersion = uint8(s.integer(false, 8))
		case "index":
			b.Index = int(s.integer(true, 64))
		default:
			s.ok = false
		}
		if s.next('}') {
			return b
		}
		if !s.next(',') {
			s.ok = false
		}
	}
	return b
}
