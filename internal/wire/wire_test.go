package wire

import (
	"errors"
	"testing"
)

var errBad = errors.New("bad thing")

func TestReader(t *testing.T) {
	r := &Reader{B: []byte{0x05, 'h', 'e', 'l', 'l', 'o', 0x80, 0x00}, Invalid: errBad}
	n := r.Uvarint("length")
	v := r.Bytes(int(n), "word")
	if r.Err != nil || n != 5 || string(v) != "hello" || cap(v) != 5 {
		t.Fatalf("read %d %q cap %d: %v", n, v, cap(v), r.Err)
	}
	if r.Uvarint("padded"); r.Err == nil || !errors.Is(r.Err, errBad) {
		t.Fatalf("non-minimal varint: %v", r.Err)
	}
	first := r.Err
	if r.Byte("more") != 0 || r.Err != first {
		t.Fatal("a failure does not stick")
	}
	r = &Reader{B: []byte{1, 2}, Invalid: errBad}
	c := r.Clone(2, "pair")
	c[0] = 9
	if r.Bytes(1, "past the end"); r.Err == nil {
		t.Fatal("read past the end")
	}
	r = &Reader{B: []byte{0xff}, Invalid: errBad}
	if r.Uvarint("cut"); r.Err == nil {
		t.Fatal("truncated varint accepted")
	}
}
