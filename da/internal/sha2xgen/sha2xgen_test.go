package sha2xgen

import (
	"bytes"
	"flag"
	"os"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite da/eds_sha2x_amd64.s from Generate")

const asmPath = "../../eds_sha2x_amd64.s"

// TestAssemblyIsGenerated checks that the committed kernel is exactly what
// the generator produces, so that the assembly is never edited by hand and
// the generator never rots; -update rewrites it.
func TestAssemblyIsGenerated(t *testing.T) {
	want := Generate()
	if *update {
		if err := os.WriteFile(asmPath, want, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	got, err := os.ReadFile(asmPath)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		gl, wl := strings.Split(string(got), "\n"), strings.Split(string(want), "\n")
		for i := 0; i < min(len(gl), len(wl)); i++ {
			if gl[i] != wl[i] {
				t.Fatalf("%s differs from Generate at line %d:\n have %q\n want %q\n(run go generate ./da)", asmPath, i+1, gl[i], wl[i])
			}
		}
		t.Fatalf("%s has %d lines, Generate %d (run go generate ./da)", asmPath, len(gl), len(wl))
	}
}
