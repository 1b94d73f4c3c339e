package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestSystemdUnits: each unit in deploy/ runs its node as the quadrant user,
// hardened (ProtectSystem=strict, no new privileges, no capabilities) and
// restarted on failure, and passes `systemd-analyze verify` without a
// warning (with ExecStart pointing at the test's binary, since verify
// checks it is executable). Skipped where systemd-analyze is not installed.
func TestSystemdUnits(t *testing.T) {
	analyze, err := exec.LookPath("systemd-analyze")
	if err != nil {
		t.Skip("systemd-analyze not installed")
	}
	for _, role := range []string{"light", "full", "validator"} {
		t.Run(role, func(t *testing.T) {
			b, err := os.ReadFile(filepath.Join("..", "..", "deploy", "quadrant-"+role+".service"))
			if err != nil {
				t.Fatal(err)
			}
			unit := string(b)
			for _, want := range []string{"User=quadrant", "ProtectSystem=strict", "Restart=on-failure", "NoNewPrivileges=yes",
				"CapabilityBoundingSet=\n", "StateDirectory=quadrant/" + role, "ExecStart=/usr/local/bin/quadrant " + role + " --home /var/lib/quadrant/" + role} {
				if !strings.Contains(unit, want) {
					t.Errorf("quadrant-%s.service lacks %q", role, strings.TrimSpace(want))
				}
			}
			path := filepath.Join(t.TempDir(), "quadrant-"+role+".service")
			if err := os.WriteFile(path, []byte(strings.ReplaceAll(unit, "/usr/local/bin/quadrant", binary)), 0o644); err != nil {
				t.Fatal(err)
			}
			out, err := exec.Command(analyze, "verify", "--man=no", path).CombinedOutput()
			if err != nil || strings.Contains(string(out), filepath.Base(path)) {
				t.Fatalf("systemd-analyze verify: %v\n%s", err, out)
			}
		})
	}
}
