package consensus

import (
	"bytes"
	"testing"
)

// FuzzDecodeVoteExtension checks the decoder never panics, stays bounded
// and re-encodes what it accepts to the same bytes.
func FuzzDecodeVoteExtension(f *testing.F) {
	f.Add([]byte{})
	f.Add(encodeVoteExtension([]extEntry{{1, bytes.Repeat([]byte{1}, 65)}, {3, bytes.Repeat([]byte{2}, 65)}}))
	f.Add(make([]byte, maxVoteExtensionSize+1))
	f.Fuzz(func(t *testing.T, b []byte) {
		entries, err := decodeVoteExtension(b)
		if err != nil {
			return
		}
		if len(b) > maxVoteExtensionSize || len(entries) > maxExtensionEntries {
			t.Fatalf("accepted %d bytes, %d entries", len(b), len(entries))
		}
		if got := encodeVoteExtension(entries); !bytes.Equal(got, b) {
			t.Fatalf("re-encoded %x, want %x", got, b)
		}
	})
}

// FuzzDecodeAttestTx checks the attestation-tx decoder likewise.
func FuzzDecodeAttestTx(f *testing.F) {
	f.Add(encodeAttestTx([]attestEntry{{extEntry: extEntry{2, bytes.Repeat([]byte{7}, 65)}}}))
	f.Add(append(attestTxMagic[:], 0xFF, 0xFF))
	f.Add([]byte("QDRT"))
	f.Fuzz(func(t *testing.T, b []byte) {
		entries, err := decodeAttestTx(b)
		if err != nil {
			return
		}
		if len(entries) == 0 || len(entries) > maxAttestTxEntries {
			t.Fatalf("accepted %d entries", len(entries))
		}
		if got := encodeAttestTx(entries); !bytes.Equal(got, b) {
			t.Fatalf("re-encoded %x, want %x", got, b)
		}
	})
}
