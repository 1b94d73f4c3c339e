package fullnode

import (
	"fmt"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/quadrant-da/quadrant/internal/promx"
)

// metrics are the full node's Prometheus metrics, in the registry the node
// was given or one of its own (no global state).
type metrics struct {
	reg *prometheus.Registry

	heightsIngested prometheus.Counter
	headHeight      prometheus.Gauge
	tailHeight      prometheus.Gauge
	ingestSeconds   prometheus.Histogram
	blockToStored   prometheus.Histogram
	served          *prometheus.CounterVec
	servedSample    prometheus.Counter
	servedAxis      prometheus.Counter
	servedNS        prometheus.Counter
	servedSquare    prometheus.Counter
	alerts          *prometheus.CounterVec
	halted          prometheus.Gauge
	fraudProofs     prometheus.Counter
	pruned          prometheus.Counter
	discoveredPeers prometheus.Gauge
	faultWithhold   prometheus.Gauge
	withheld        prometheus.Counter
}

func newMetrics(reg *prometheus.Registry) (*metrics, error) {
	m := &metrics{
		reg: reg,
		heightsIngested: prometheus.NewCounter(prometheus.CounterOpts{
			Namespace: "quadrant", Subsystem: "full", Name: "heights_ingested_total",
			Help: "Heights whose extended square was verified and stored.",
		}),
		headHeight: prometheus.NewGauge(prometheus.GaugeOpts{
			Namespace: "quadrant", Subsystem: "full", Name: "head_height",
			Help: "Highest height stored.",
		}),
		tailHeight: prometheus.NewGauge(prometheus.GaugeOpts{
			Namespace: "quadrant", Subsystem: "full", Name: "tail_height",
			Help: "Lowest height kept (retention).",
		}),
		ingestSeconds: prometheus.NewHistogram(prometheus.HistogramOpts{
			Namespace: "quadrant", Subsystem: "full", Name: "ingest_seconds",
			Help:    "Time to ingest one height: fetch, rebuild or repair, verify, store.",
			Buckets: prometheus.ExponentialBuckets(0.001, 2, 16),
		}),
		blockToStored: prometheus.NewHistogram(prometheus.HistogramOpts{
			Namespace: "quadrant", Subsystem: "full", Name: "block_to_stored_seconds",
			Help:    "Time from a block's header time to its square being stored and servable.",
			Buckets: prometheus.ExponentialBuckets(0.01, 2, 14),
		}),
		served: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: "quadrant", Subsystem: "full", Name: "served_total",
			Help: "Items served to peers, by kind (sample, half_axis, namespace, square).",
		}, []string{"kind"}),
		alerts: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: "quadrant", Subsystem: "full", Name: "alerts_total",
			Help: "Alerts raised, by kind (block_data: txs and square disagree; fraud: a valid bad-encoding proof).",
		}, []string{"kind"}),
		halted: prometheus.NewGauge(prometheus.GaugeOpts{
			Namespace: "quadrant", Subsystem: "full", Name: "ingestion_halted",
			Help: "1 when ingestion stopped on an alert.",
		}),
		fraudProofs: prometheus.NewCounter(prometheus.CounterOpts{
			Namespace: "quadrant", Subsystem: "full", Name: "fraud_proofs_total",
			Help: "Valid bad-encoding fraud proofs built or received.",
		}),
		pruned: prometheus.NewCounter(prometheus.CounterOpts{
			Namespace: "quadrant", Subsystem: "full", Name: "heights_pruned_total",
			Help: "Heights removed by retention pruning.",
		}),
		discoveredPeers: prometheus.NewGauge(prometheus.GaugeOpts{
			Namespace: "quadrant", Subsystem: "full", Name: "discovered_full_peers",
			Help: "Full-node peers currently found by discovery.",
		}),
		faultWithhold: prometheus.NewGauge(prometheus.GaugeOpts{
			Namespace: "quadrant", Subsystem: "full", Name: "fault_withhold",
			Help: "1 when the node withholds square data on purpose (fault injection, fault.withhold): it is dishonest by configuration.",
		}),
		withheld: prometheus.NewCounter(prometheus.CounterOpts{
			Namespace: "quadrant", Subsystem: "full", Name: "withheld_requests_total",
			Help: "Square-data requests answered NOT_FOUND because fault.withhold names their height.",
		}),
	}
	for _, c := range []prometheus.Collector{m.heightsIngested, m.headHeight, m.tailHeight, m.ingestSeconds, m.blockToStored,
		m.served, m.alerts, m.halted, m.fraudProofs, m.pruned, m.discoveredPeers, m.faultWithhold, m.withheld} {
		if err := reg.Register(c); err != nil {
			return nil, fmt.Errorf("fullnode: metrics: %w", err)
		}
	}
	if err := promx.RegisterRuntime(reg); err != nil {
		return nil, fmt.Errorf("fullnode: metrics: %w", err)
	}
	m.servedSample = m.served.WithLabelValues("sample")
	m.servedAxis = m.served.WithLabelValues("half_axis")
	m.servedNS = m.served.WithLabelValues("namespace")
	m.servedSquare = m.served.WithLabelValues("square")
	for _, k := range []string{"block_data", "fraud"} {
		m.alerts.WithLabelValues(k)
	}
	return m, nil
}

// Registry returns the registry the node's metrics are in (Options.Registry
// or the node's own).
func (n *Node) Registry() *prometheus.Registry { return n.metrics.reg }
