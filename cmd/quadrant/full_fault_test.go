package main

import (
	"strings"
	"testing"

	"github.com/spf13/pflag"
)

// TestFullFaultWithholdFlag: --fault-withhold sets fault.withhold, a bad
// spec is refused naming the flag, its help says it makes the node
// dishonest, and `full init` does not take it (a fault is never written
// to a new home).
func TestFullFaultWithholdFlag(t *testing.T) {
	parse := func(args ...string) (string, error) {
		var f fullFlags
		fs := pflag.NewFlagSet("full", pflag.ContinueOnError)
		f.register(fs)
		f.registerRun(fs)
		if err := fs.Parse(append([]string{"--home", t.TempDir()}, args...)); err != nil {
			t.Fatal(err)
		}
		cfg, _, err := f.config(fs)
		return cfg.Fault.Withhold, err
	}
	if got, err := parse("--fault-withhold", "3,10-12,%7"); err != nil || got != "3,10-12,%7" {
		t.Fatalf("--fault-withhold 3,10-12,%%7: %q, %v", got, err)
	}
	if got, err := parse(); err != nil || got != "" {
		t.Fatalf("no flag: %q, %v", got, err)
	}
	_, err := parse("--fault-withhold", "9-2")
	if err == nil || !strings.Contains(err.Error(), "--fault-withhold") || !strings.Contains(err.Error(), "range start above its end") {
		t.Fatalf("--fault-withhold 9-2: %v, want a refusal naming the flag and the fault", err)
	}

	cmd := newFullCmd()
	fl := cmd.Flags().Lookup("fault-withhold")
	if fl == nil || !strings.Contains(fl.Usage, "FAULT INJECTION for tests") || !strings.Contains(fl.Usage, "dishonest on purpose") {
		t.Fatalf("quadrant full --fault-withhold help: %+v", fl)
	}
	for _, sub := range cmd.Commands() {
		if sub.Name() == "init" && sub.Flags().Lookup("fault-withhold") != nil {
			t.Fatal("`quadrant full init` takes --fault-withhold: a fault would be written to the new home")
		}
	}
}
