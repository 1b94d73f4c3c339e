// Package promx holds the Prometheus helpers the node packages share.
package promx

import (
	"errors"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
)

// RegisterRuntime registers the Go runtime (go_goroutines, go_memstats_…)
// and process (process_resident_memory_bytes, …) collectors in reg. They
// describe the whole process, so a registry shared by several nodes of one
// process may hold them already: that is not an error.
func RegisterRuntime(reg prometheus.Registerer) error {
	for _, c := range []prometheus.Collector{collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{})} {
		var dup prometheus.AlreadyRegisteredError
		if err := reg.Register(c); err != nil && !errors.As(err, &dup) {
			return err
		}
	}
	return nil
}

// Counters returns a constructor of counters named
// quadrant_<subsystem>_<name>.
func Counters(subsystem string) func(name, help string) prometheus.Counter {
	return func(name, help string) prometheus.Counter {
		return prometheus.NewCounter(prometheus.CounterOpts{Namespace: "quadrant", Subsystem: subsystem, Name: name, Help: help})
	}
}
