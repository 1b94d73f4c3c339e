package lightnode

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/quadrant-da/quadrant/internal/promx"
)

// metrics are the light node's Prometheus metrics.
type metrics struct {
	localHead, networkHead, sampledHead prometheus.Gauge
	failedHeights, unavailableHeights   prometheus.Gauge
	confidence, fraud                   prometheus.Gauge
	discoveredPeers                     prometheus.Gauge
	invalidHeaders, sampleRequests      prometheus.Counter
	slowSampleRequests                  prometheus.Counter
	samples, verdicts                   *prometheus.CounterVec
	headerSeconds                       prometheus.Histogram
}

func newMetrics(reg *prometheus.Registry) *metrics {
	g := func(name, help string) prometheus.Gauge {
		return prometheus.NewGauge(prometheus.GaugeOpts{Namespace: "quadrant", Subsystem: "light", Name: name, Help: help})
	}
	c := promx.Counters("light")
	m := &metrics{
		localHead:          g("local_head", "Highest header verified contiguously from the trusted height."),
		networkHead:        g("network_head", "Highest verified header."),
		sampledHead:        g("sampled_chain_head", "Every header up to this height is decided (available or out of window)."),
		failedHeights:      g("failed_heights", "Heights whose last sampling attempt did not end available."),
		unavailableHeights: g("unavailable_heights", "Heights whose last verdict is unavailable."),
		confidence:         g("last_confidence", "Confidence reached by the last header found available."),
		discoveredPeers:    g("discovered_full_peers", "Full-node peers currently found by discovery."),
		fraud:              g("fraud_height", "Height of an accepted bad-encoding fraud proof (0: none)."),
		invalidHeaders:     c("invalid_headers_total", "Headers from peers that failed verification."),
		sampleRequests:     c("sample_requests_total", "Sample requests sent to peers."),
		slowSampleRequests: c("slow_sample_requests_total", "Sample requests unanswered after a quarter of request_timeout, whose coordinates were then asked of another peer too."),
		samples: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: "quadrant", Subsystem: "light", Name: "samples_total",
			Help: "Coordinates requested, by result (verified, not_found, error)."}, []string{"result"}),
		verdicts: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: "quadrant", Subsystem: "light", Name: "verdicts_total",
			Help: "Sampling verdicts, by status (available, unavailable, out_of_window)."}, []string{"status"}),
		headerSeconds: prometheus.NewHistogram(prometheus.HistogramOpts{Namespace: "quadrant", Subsystem: "light", Name: "header_sampling_seconds",
			Help: "Time to sample one header.", Buckets: prometheus.ExponentialBuckets(0.001, 2, 16)}),
	}
	reg.MustRegister(m.localHead, m.networkHead, m.sampledHead, m.failedHeights, m.unavailableHeights, m.confidence,
		m.fraud, m.invalidHeaders, m.sampleRequests, m.slowSampleRequests, m.samples, m.verdicts, m.headerSeconds, m.discoveredPeers)
	return m
}
