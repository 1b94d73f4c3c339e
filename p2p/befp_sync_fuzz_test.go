package p2p

import (
	"bytes"
	"encoding/binary"
	"testing"
)

// FuzzReadBEFPs feeds arbitrary peer bytes to the befp reply reader: it
// returns an error or proofs within every bound, never panics.
func FuzzReadBEFPs(f *testing.F) {
	f.Add([]byte{0, 0})
	f.Add([]byte{0, 1, 0, 0, 0, 3, 1, 2, 3})
	f.Add([]byte{0, 2, 0, 0, 0, 1, 9, 0, 0, 0, 0})
	f.Add([]byte{0xff, 0xff, 0x7f, 0xff, 0xff, 0xff})
	big := binary.BigEndian.AppendUint16(nil, 1)
	big = binary.BigEndian.AppendUint32(big, maxBEFPMessageSize+1)
	f.Add(big)
	f.Fuzz(func(t *testing.T, b []byte) {
		out, err := readBEFPs(bytes.NewReader(b))
		if err != nil {
			return
		}
		if len(out) > maxBEFPSyncCount {
			t.Fatalf("%d proofs over the limit", len(out))
		}
		total := 0
		for _, p := range out {
			if len(p) == 0 || len(p) > maxBEFPMessageSize {
				t.Fatalf("proof of %d bytes", len(p))
			}
			total += len(p)
		}
		if total > maxBEFPSyncBytes || total > len(b) {
			t.Fatalf("%d bytes of proofs from %d input bytes", total, len(b))
		}
	})
}
