package p2p

import (
	"cmp"
	"slices"
	"strings"

	pubsub "github.com/libp2p/go-libp2p-pubsub"
	"github.com/libp2p/go-libp2p/core/metrics"
	"github.com/libp2p/go-libp2p/core/protocol"
	"github.com/prometheus/client_golang/prometheus"
)

// Protocol labels of the bandwidth counter that are not protocol IDs.
const (
	// protocolNegotiation labels the bytes of a stream before its
	// protocol is agreed (multistream-select), which go-libp2p's
	// reporter records with an empty protocol ID.
	protocolNegotiation = "negotiation"
	// protocolOther labels every protocol ID outside the host's known set.
	protocolOther = "other"
)

// wellKnownProtocols are the libp2p protocols a Quadrant host may speak
// besides its own: identify, ping, gossipsub versions, AutoNAT, relay and
// hole punching.
var wellKnownProtocols = []protocol.ID{
	"/ipfs/id/1.0.0", "/ipfs/id/push/1.0.0", "/ipfs/ping/1.0.0", "/ipfs/kad/1.0.0",
	pubsub.GossipSubID_v10, pubsub.GossipSubID_v11, pubsub.GossipSubID_v12, pubsub.GossipSubID_v13, pubsub.FloodSubID,
	"/libp2p/autonat/1.0.0", "/libp2p/autonat/2/dial-request", "/libp2p/autonat/2/dial-back",
	"/libp2p/circuit/relay/0.2.0/hop", "/libp2p/circuit/relay/0.2.0/stop", "/libp2p/dcutr",
}

// knownProtocols is the closed set of protocol IDs the bandwidth counter
// labels by name on chainID: Quadrant's request/response protocols, its
// chain-scoped Kademlia DHT, and wellKnownProtocols.
func knownProtocols(chainID string) map[protocol.ID]bool {
	known := make(map[protocol.ID]bool)
	for _, p := range wellKnownProtocols {
		known[p] = true
	}
	if chainID != "" {
		for _, name := range []string{protoHeader, ProtoSample, protoAxis, ProtoNamespace, ProtoSquare, protoBEFP} {
			known[ProtocolID(chainID, name)] = true
		}
		known[protocol.ID("/quadrant/"+chainID+"/kad/1.0.0")] = true
	}
	return known
}

// bandwidthCollector exports go-libp2p's per-protocol byte counts as a
// Prometheus counter with labels protocol and direction (in, out). The
// protocol label is bounded: IDs outside the known set are summed as
// protocolOther. Counts are stream payload bytes (what protocols read and
// write, multistream-select included); transport framing — TCP/IP, Noise
// or TLS, yamux, QUIC — is not in them.
type bandwidthCollector struct {
	bwc   *metrics.BandwidthCounter
	known map[protocol.ID]bool
	desc  *prometheus.Desc
}

func newBandwidthCollector(bwc *metrics.BandwidthCounter, chainID, subsystem string) *bandwidthCollector {
	return &bandwidthCollector{
		bwc:   bwc,
		known: knownProtocols(chainID),
		desc: prometheus.NewDesc(prometheus.BuildFQName("quadrant", subsystem, "p2p_bytes_total"),
			"libp2p stream bytes by protocol ID (\"negotiation\": multistream-select before a protocol is agreed; \"other\": IDs outside the known set) and direction (in, out); transport framing not included.",
			[]string{"protocol", "direction"}, nil),
	}
}

// label maps a protocol ID into the bounded label set.
func (c *bandwidthCollector) label(p protocol.ID) string {
	switch {
	case p == "":
		return protocolNegotiation
	case c.known[p]:
		return string(p)
	default:
		return protocolOther
	}
}

// byLabel sums the reporter's per-protocol totals into label → [in, out].
func (c *bandwidthCollector) byLabel() map[string][2]float64 {
	out := make(map[string][2]float64)
	for p, st := range c.bwc.GetBandwidthByProtocol() {
		l := c.label(p)
		v := out[l]
		v[0] += float64(st.TotalIn)
		v[1] += float64(st.TotalOut)
		out[l] = v
	}
	return out
}

// Describe implements prometheus.Collector.
func (c *bandwidthCollector) Describe(ch chan<- *prometheus.Desc) { ch <- c.desc }

// Collect implements prometheus.Collector.
func (c *bandwidthCollector) Collect(ch chan<- prometheus.Metric) {
	for l, v := range c.byLabel() {
		ch <- prometheus.MustNewConstMetric(c.desc, prometheus.CounterValue, v[0], l, "in")
		ch <- prometheus.MustNewConstMetric(c.desc, prometheus.CounterValue, v[1], l, "out")
	}
}

// ProtocolTraffic is one protocol label's byte counts.
type ProtocolTraffic struct {
	Protocol string
	In, Out  int64
}

// Traffic returns the host's stream bytes per protocol label (as the
// Prometheus counter has them), largest total first. go-libp2p folds new
// bytes into these totals once a second.
func (h *Host) Traffic() []ProtocolTraffic {
	var out []ProtocolTraffic
	for l, v := range h.bw.byLabel() {
		out = append(out, ProtocolTraffic{Protocol: l, In: int64(v[0]), Out: int64(v[1])})
	}
	slices.SortFunc(out, func(a, b ProtocolTraffic) int {
		if c := cmp.Compare(b.In+b.Out, a.In+a.Out); c != 0 {
			return c
		}
		return strings.Compare(a.Protocol, b.Protocol)
	})
	return out
}
