package fullnode

import (
	"log/slog"
	"sync"
)

// health is a node's ingestion health: the alert that halted ingestion
// (for good, until restart) and the last transient error. Every part
// reports to it; Status reads it.
type health struct {
	log     *slog.Logger
	metrics *metrics

	mu      sync.Mutex
	alert   string // why ingestion halted, "" while running
	lastErr string // last transient ingestion error
}

// halt stops ingestion for good (until restart) with an ERROR alert. The
// first alert is the one kept; every one is counted and logged.
func (h *health) halt(kind, reason string) {
	h.mu.Lock()
	if h.alert == "" {
		h.alert = kind + ": " + reason
	}
	h.mu.Unlock()
	h.metrics.alerts.WithLabelValues(kind).Inc()
	h.metrics.halted.Set(1)
	h.log.Error("ALERT: full node stops ingesting", "kind", kind, "reason", reason)
}

// restore sets the alert a previous run left on disk (a kept fraud proof)
// without counting it as a new alert.
func (h *health) restore(alert string) {
	h.mu.Lock()
	h.alert = alert
	h.mu.Unlock()
	h.metrics.halted.Set(1)
}

// halted reports whether ingestion stopped on an alert.
func (h *health) halted() bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.alert != ""
}

// setLastErr records the last transient error (nil clears it).
func (h *health) setLastErr(err error) {
	h.mu.Lock()
	if err == nil {
		h.lastErr = ""
	} else {
		h.lastErr = err.Error()
	}
	h.mu.Unlock()
}

// snapshot returns the alert and the last transient error.
func (h *health) snapshot() (alert, lastErr string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.alert, h.lastErr
}
