package validator

import (
	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
)

// RelayCounts returns node n's transaction-relay counters: transactions
// sent to peers that asked, received as asked, and wants asked again of
// another peer.
func RelayCounts(n *Node) (sent, received, retried float64) {
	if n.relay == nil {
		return 0, 0, 0
	}
	m := n.relay.metrics
	return value(m.sent), value(m.received), value(m.retried)
}

func value(c prometheus.Counter) float64 {
	var m dto.Metric
	if err := c.Write(&m); err != nil {
		return -1
	}
	return m.GetCounter().GetValue()
}
