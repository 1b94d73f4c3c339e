package rpc

import (
	"errors"
	"fmt"

	"github.com/prometheus/client_golang/prometheus"
)

type metrics struct {
	calls      *prometheus.CounterVec
	duration   *prometheus.HistogramVec
	rejections *prometheus.CounterVec
	websockets prometheus.Gauge
}

func newMetrics(reg prometheus.Registerer) (*metrics, error) {
	m := &metrics{
		calls: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: "quadrant", Subsystem: "rpc", Name: "calls_total",
			Help: "JSON-RPC method calls by method and result (ok, error, denied, rate_limited).",
		}, []string{"method", "result"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Namespace: "quadrant", Subsystem: "rpc", Name: "call_duration_seconds",
			Help:    "Duration of permitted JSON-RPC method calls (for subscriptions, until the channel is returned).",
			Buckets: prometheus.ExponentialBuckets(0.0005, 4, 10),
		}, []string{"method"}),
		rejections: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: "quadrant", Subsystem: "rpc", Name: "http_rejections_total",
			Help: "HTTP requests refused before reaching a method, by reason (unauthorized, rate_limited, too_large, origin).",
		}, []string{"reason"}),
		websockets: prometheus.NewGauge(prometheus.GaugeOpts{
			Namespace: "quadrant", Subsystem: "rpc", Name: "websocket_connections",
			Help: "Open JSON-RPC WebSocket connections.",
		}),
	}
	if reg == nil {
		return m, nil
	}
	for _, c := range []prometheus.Collector{m.calls, m.duration, m.rejections, m.websockets} {
		if err := reg.Register(c); err != nil {
			var are prometheus.AlreadyRegisteredError
			if errors.As(err, &are) {
				return nil, fmt.Errorf("rpc: metrics already registered in this registry (one rpc.Server per registry): %w", err)
			}
			return nil, fmt.Errorf("rpc: register metrics: %w", err)
		}
	}
	return m, nil
}
