package p2p_test

import (
	"context"
	"io"
	"testing"
	"time"

	"github.com/libp2p/go-libp2p/core/network"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/quadrant-da/quadrant/erasure"
	"github.com/quadrant-da/quadrant/internal/wait"
	"github.com/quadrant-da/quadrant/p2p"
)

// TestBandwidthByProtocol: real sample traffic shows up in the requesting
// host's quadrant_light_p2p_bytes_total under the sample protocol's ID, at
// least as many bytes in as the shares it received; a protocol outside the
// known set is counted as "other", not under its own ID.
func TestBandwidthByProtocol(t *testing.T) {
	_, src := newChain(t, 8)
	server := serve(t, src, p2p.DefaultServerConfig())
	reg := prometheus.NewRegistry()
	client, err := p2p.NewHostWith(testConfig(), p2p.HostOptions{Home: t.TempDir(), Log: discard, Registry: reg,
		MetricsSubsystem: "light", ChainID: chainID})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = client.Close() })
	connect(t, client, server)
	cl, err := p2p.NewClient(p2p.DefaultClientConfig(), p2p.ClientOptions{Host: client, ChainID: chainID, Scores: client.Scores})
	if err != nil {
		t.Fatal(err)
	}
	var coords []p2p.Coord
	for i := 0; i < 16; i++ {
		coords = append(coords, p2p.Coord{Row: i, Col: (i * 7) % 16, Axis: erasure.Axis(i % 2)})
	}
	got, err := cl.Samples(context.Background(), server.ID(), src.blocks[0].hdr.Light(), coords)
	if err != nil {
		t.Fatal(err)
	}
	shareBytes := 0
	for _, s := range got {
		shareBytes += len(s.Share)
	}

	// A stream of a protocol the counter does not know.
	const unknown = "/test/unknown/1.0.0"
	payload := make([]byte, 5000)
	server.SetStreamHandler(unknown, func(s network.Stream) { _, _ = io.Copy(io.Discard, s); _ = s.Close() })
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	st, err := client.NewStream(ctx, server.ID(), unknown)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.Write(payload); err != nil {
		t.Fatal(err)
	}
	_ = st.Close()

	sample := string(p2p.ProtocolID(chainID, p2p.ProtoSample))
	value := func(proto, dir string) float64 {
		return gathered(t, reg, "quadrant_light_p2p_bytes_total", proto, dir)
	}
	// go-libp2p folds bytes into its totals on a one-second sweep.
	wait.For(t, 30*time.Second, "sample and unknown-protocol bytes in the counter", func() bool {
		return value(sample, "in") >= float64(shareBytes) && value(sample, "out") > 0 &&
			value("other", "out") >= float64(len(payload))
	})
	for _, tr := range client.Traffic() {
		if tr.Protocol == unknown {
			t.Fatalf("unknown protocol counted under its own label: %+v", tr)
		}
	}
	if n := value("negotiation", "out"); n <= 0 {
		t.Fatalf("multistream-select bytes not counted: %v", n)
	}
}

// gathered returns the value of the series of counter name with the given
// protocol and direction labels in reg (0 while there is none).
func gathered(t *testing.T, reg *prometheus.Registry, name, proto, dir string) float64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
		for _, m := range mf.GetMetric() {
			labels := map[string]string{}
			for _, l := range m.GetLabel() {
				labels[l.GetName()] = l.GetValue()
			}
			if labels["protocol"] == proto && labels["direction"] == dir {
				return m.GetCounter().GetValue()
			}
		}
	}
	return 0
}
