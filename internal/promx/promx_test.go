package promx

import (
	"testing"

	"github.com/prometheus/client_golang/prometheus"
)

// TestRegisterRuntime: the runtime collectors land in the registry, and a
// second registration (a registry shared by two nodes) is not an error.
func TestRegisterRuntime(t *testing.T) {
	reg := prometheus.NewRegistry()
	for range 2 {
		if err := RegisterRuntime(reg); err != nil {
			t.Fatal(err)
		}
	}
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	names := map[string]bool{}
	for _, mf := range mfs {
		names[mf.GetName()] = true
	}
	for _, want := range []string{"go_goroutines", "process_resident_memory_bytes"} {
		if !names[want] {
			t.Errorf("%s not gathered (have %d families)", want, len(mfs))
		}
	}
}
