package validator

import (
	"bytes"
	"testing"
)

// FuzzParseRelayMsg: any bytes a peer sends on the relay channel parse
// into a well-formed message or an error, never a panic; keys come only
// in whole 32-byte units within the bound, and a parsed message encodes
// back to the input.
func FuzzParseRelayMsg(f *testing.F) {
	f.Add([]byte{msgHave})
	f.Add(append([]byte{msgWant}, bytes.Repeat([]byte{7}, 64)...))
	f.Add([]byte{msgTx, 1, 2, 3})
	f.Add([]byte{9, 0})
	f.Fuzz(func(t *testing.T, b []byte) {
		kind, keys, tx, err := parseRelayMsg(b)
		if err != nil {
			return
		}
		out := []byte{kind}
		switch kind {
		case msgHave, msgWant:
			if len(keys) == 0 || len(keys) > relayMaxKeys || tx != nil {
				t.Fatalf("kind %d: %d keys, tx %v", kind, len(keys), tx != nil)
			}
			for _, k := range keys {
				out = append(out, k[:]...)
			}
		case msgTx:
			if len(tx) == 0 || keys != nil {
				t.Fatalf("tx message: %d bytes, %d keys", len(tx), len(keys))
			}
			out = append(out, tx...)
		default:
			t.Fatalf("kind %d accepted", kind)
		}
		if !bytes.Equal(out, b) {
			t.Fatalf("parsed %x does not encode back to %x", out, b)
		}
	})
}
