package p2p

import (
	"bytes"
	"testing"

	"github.com/quadrant-da/quadrant/da"
	"github.com/quadrant-da/quadrant/erasure"
)

// FuzzReadResponses feeds arbitrary peer bytes to every response reader a
// client uses: they must return an error or a result, never panic, and
// never read past a frame limit.
func FuzzReadResponses(f *testing.F) {
	f.Add([]byte{0, 1, 0, 0, 0, 3, 1, 2, 3})
	f.Add([]byte{2, 1, 0, 0, 0, 1, 9})
	f.Add([]byte{0x7f, 0xff, 0xff, 0xff})
	// A real sample entry from a 1×1 square.
	share := make([]byte, da.ShareSize)
	copy(share, da.TxNamespace().Bytes())
	if eds, err := erasure.Extend(share, 1); err == nil {
		if dah, err := da.ComputeDAHeader(eds); err == nil {
			if s, err := da.NewSample(dah, erasure.Row, 0, 1, eds.Row(0)); err == nil {
				b, _ := s.Marshal()
				var e bytes.Buffer
				e.WriteByte(byte(statusOK))
				_ = writeFrame(&e, b)
				f.Add(e.Bytes())
			}
		}
	}
	reqs := []headerRequest{
		{Kind: headerHead, Form: formLight},
		{Kind: headerRange, Form: formExtended, From: 1, Count: 4},
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		for _, req := range reqs {
			if hs, err := readHeaders(bytes.NewReader(b), req); err == nil {
				for _, h := range hs {
					_, _ = da.UnmarshalLightHeader(h)
					_, _ = da.UnmarshalExtendedHeader(h)
				}
			}
		}
		_, _ = readSamples(bytes.NewReader(b), 3)
		_, _ = readStatus(bytes.NewReader(b))
		if fr, err := readFrame(bytes.NewReader(b), 64); err == nil && len(fr) > 64 {
			t.Fatalf("frame of %d bytes over the limit", len(fr))
		}
	})
}
