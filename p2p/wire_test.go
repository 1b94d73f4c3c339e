package p2p_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"sync/atomic"
	"testing"
	"time"

	"github.com/libp2p/go-libp2p/core/network"

	"github.com/quadrant-da/quadrant/da"
	"github.com/quadrant-da/quadrant/erasure"
	"github.com/quadrant-da/quadrant/p2p"
)

// TestClientRejectsBadResponses points a client at a peer that answers
// every protocol with garbage: every call fails with ErrBadResponse (never a
// panic) and the peer is scored down.
func TestClientRejectsBadResponses(t *testing.T) {
	_, src := newChain(t, 4)
	hdr := src.blocks[0].hdr
	sample, err := da.NewSample(hdr.DAH, erasure.Row, 0, 1, src.blocks[0].eds.Row(0))
	if err != nil {
		t.Fatal(err)
	}
	goodSample, _ := sample.Marshal()
	responses := [][]byte{
		{9},                         // unknown status
		{1},                         // OK then nothing
		{1, 0, 0, 0, 0x7f},          // truncated frame
		{1, 0x7f, 0xff, 0xff, 0xff}, // oversized frame / count
		append([]byte{1, 1, 0, 0, 0, 5}, []byte("hello")...),
	}
	// A sample for another coordinate, and one with a flipped share byte.
	wrongCoord := append([]byte{1, 1}, frame(goodSample)...)
	bad := append([]byte(nil), goodSample...)
	bad[10] ^= 1
	flipped := append([]byte{1, 1}, frame(bad)...)

	liar := newHost(t, testConfig())
	var current atomic.Pointer[[]byte]
	for _, proto := range allProtocols {
		liar.SetStreamHandler(p2p.ProtocolID(chainID, proto), func(st network.Stream) {
			_, _ = io.ReadAll(st) // the request, up to the client's CloseWrite
			_, _ = st.Write(*current.Load())
			_ = st.Close()
		})
	}
	ccfg := testConfig()
	ccfg.Score.BlockThreshold = -1 << 30 // keep talking to the liar
	client := newHost(t, ccfg)
	connect(t, client, liar)
	cl, err := p2p.NewClient(p2p.DefaultClientConfig(), p2p.ClientOptions{Host: client, ChainID: chainID, Scores: client.Scores})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	calls := map[string]func() error{
		"header": func() error { _, err := cl.ExtendedHeaders(ctx, liar.ID(), 1, 2); return err },
		"light":  func() error { _, err := cl.LightHeaders(ctx, liar.ID(), 0, 1); return err },
		"sample": func() error {
			_, err := cl.Samples(ctx, liar.ID(), hdr.Light(), []p2p.Coord{{Row: 2, Col: 3}})
			return err
		},
		"axis": func() error { _, err := cl.HalfAxis(ctx, liar.ID(), hdr, erasure.Row, 0, 0); return err },
		"nsdata": func() error {
			_, err := cl.NamespaceData(ctx, liar.ID(), hdr, da.NodeMin(hdr.DAH.RowRoots[0]))
			return err
		},
		"square": func() error { _, _, err := cl.Square(ctx, liar.ID(), hdr.Light()); return err },
	}
	for _, resp := range append(responses, wrongCoord, flipped) {
		current.Store(&resp)
		for name, call := range calls {
			err := call()
			if err == nil {
				t.Fatalf("%s accepted response %x", name, resp)
			}
			if !errors.Is(err, p2p.ErrBadResponse) {
				t.Fatalf("%s: response %x: err %v, want ErrBadResponse", name, resp, err)
			}
		}
	}
	if s := client.Scores.Score(liar.ID()); s >= 0 {
		t.Fatalf("lying peer scored %d", s)
	}
}

func frame(b []byte) []byte {
	return append([]byte{byte(len(b) >> 24), byte(len(b) >> 16), byte(len(b) >> 8), byte(len(b))}, b...)
}

func TestRequestRoundTrips(t *testing.T) {
	ns, _ := da.NewNamespaceV0([]byte{1, 2, 3})
	hr := p2p.HeaderRequest{Kind: p2p.HeaderRange, Form: p2p.FormExtended, From: 5, Count: 7}
	if got, err := p2p.DecodeHeaderRequest(hr.Marshal()); err != nil || got != hr {
		t.Fatalf("header request: %+v %v", got, err)
	}
	sr := p2p.SampleRequest{Height: 9, Coords: []p2p.Coord{{Row: 1, Col: 511, Axis: erasure.Col}, {Row: 3, Col: 4}}}
	if got, err := p2p.DecodeSampleRequest(sr.Marshal()); err != nil || got.Height != 9 || len(got.Coords) != 2 || got.Coords[0] != sr.Coords[0] {
		t.Fatalf("sample request: %+v %v", got, err)
	}
	ar := p2p.AxisRequest{Height: 3, Axis: erasure.Col, Index: 300, Half: 1}
	if got, err := p2p.DecodeAxisRequest(ar.Marshal()); err != nil || got != ar {
		t.Fatalf("axis request: %+v %v", got, err)
	}
	nr := p2p.NamespaceRequest{Height: 3, Namespace: ns}
	if got, err := p2p.DecodeNamespaceRequest(nr.Marshal()); err != nil || got != nr {
		t.Fatalf("namespace request: %+v %v", got, err)
	}
	for name, bad := range map[string]error{
		"head with height": decodeErr(p2p.DecodeHeaderRequest((p2p.HeaderRequest{Kind: p2p.HeaderHead, From: 1}).Marshal())),
		"range too long":   decodeErr(p2p.DecodeHeaderRequest((p2p.HeaderRequest{Kind: p2p.HeaderRange, From: 1, Count: 65}).Marshal())),
		"height 0":         decodeErr(p2p.DecodeHeaderRequest((p2p.HeaderRequest{Kind: p2p.HeaderByHeight, Count: 1}).Marshal())),
		"bad form":         decodeErr(p2p.DecodeHeaderRequest((p2p.HeaderRequest{Kind: p2p.HeaderHead, Form: 2}).Marshal())),
		"no coords":        decodeErr(p2p.DecodeSampleRequest((p2p.SampleRequest{Height: 1}).Marshal())),
		"coord too far":    decodeErr(p2p.DecodeSampleRequest((p2p.SampleRequest{Height: 1, Coords: []p2p.Coord{{Row: 512}}}).Marshal())),
		"bad axis":         decodeErr(p2p.DecodeSampleRequest((p2p.SampleRequest{Height: 1, Coords: []p2p.Coord{{Axis: 2}}}).Marshal())),
		"half 2":           decodeErr(p2p.DecodeAxisRequest((p2p.AxisRequest{Height: 1, Half: 2}).Marshal())),
		"square height 0":  decodeErr(p2p.DecodeSquareRequest((p2p.SquareRequest{}).Marshal())),
		"namespace short":  decodeErr(p2p.DecodeNamespaceRequest(make([]byte, 36))),
	} {
		if !errors.Is(bad, p2p.ErrInvalidRequest) {
			t.Fatalf("%s: err = %v, want ErrInvalidRequest", name, bad)
		}
	}
}

func decodeErr[T any](_ T, err error) error { return err }

func FuzzDecodeRequests(f *testing.F) {
	f.Add((p2p.HeaderRequest{Kind: p2p.HeaderRange, From: 1, Count: 3}).Marshal())
	f.Add((p2p.SampleRequest{Height: 1, Coords: []p2p.Coord{{Row: 1, Col: 2}}}).Marshal())
	f.Add((p2p.AxisRequest{Height: 1, Index: 3, Half: 1}).Marshal())
	f.Add((p2p.NamespaceRequest{Height: 1}).Marshal())
	f.Add((p2p.SquareRequest{Height: 1}).Marshal())
	f.Fuzz(func(t *testing.T, b []byte) {
		if r, err := p2p.DecodeHeaderRequest(b); err == nil && !bytes.Equal(r.Marshal(), b) {
			t.Fatal("header request re-encodes differently")
		}
		if r, err := p2p.DecodeSampleRequest(b); err == nil && !bytes.Equal(r.Marshal(), b) {
			t.Fatal("sample request re-encodes differently")
		}
		if r, err := p2p.DecodeAxisRequest(b); err == nil && !bytes.Equal(r.Marshal(), b) {
			t.Fatal("axis request re-encodes differently")
		}
		if r, err := p2p.DecodeNamespaceRequest(b); err == nil && !bytes.Equal(r.Marshal(), b) {
			t.Fatal("namespace request re-encodes differently")
		}
		if r, err := p2p.DecodeSquareRequest(b); err == nil && !bytes.Equal(r.Marshal(), b) {
			t.Fatal("square request re-encodes differently")
		}
	})
}

func FuzzDecodeNamespaceData(f *testing.F) {
	_, src := newChain(f, 4)
	b := src.blocks[0]
	for _, sub := range [][]byte{{1, 0, 1}, {1, 0, 9}} {
		ns, _ := da.NewNamespaceV0(sub)
		d, _ := src.NamespaceData(context.Background(), 1, ns)
		enc, err := d.Marshal()
		if err != nil {
			f.Fatal(err)
		}
		f.Add(enc)
	}
	f.Add([]byte{0, 0})
	ns, _ := da.NewNamespaceV0([]byte{1, 0, 1})
	f.Fuzz(func(t *testing.T, in []byte) {
		d, err := p2p.DecodeNamespaceData(in)
		if err != nil {
			return
		}
		re, err := d.Marshal()
		if err != nil || !bytes.Equal(re, in) {
			t.Fatalf("re-encoding differs (err %v)", err)
		}
		_ = p2p.VerifyNamespaceData(b.hdr.DAH, ns, d)
	})
}
