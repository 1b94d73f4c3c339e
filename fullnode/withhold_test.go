package fullnode_test

import (
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/quadrant-da/quadrant/fullnode"
)

func TestParseWithhold(t *testing.T) {
	cases := []struct {
		spec     string
		canon    string
		held     []uint64
		notHeld  []uint64
		errMatch string // non-empty: the spec is refused with an error containing it
	}{
		{spec: "", canon: "", notHeld: []uint64{1, 2, 1 << 40}},
		{spec: "  ", canon: "", notHeld: []uint64{1}},
		{spec: "7", canon: "7", held: []uint64{7}, notHeld: []uint64{6, 8, 14}},
		{spec: "3-5", canon: "3-5", held: []uint64{3, 4, 5}, notHeld: []uint64{2, 6}},
		{spec: "%4", canon: "%4", held: []uint64{4, 8, 400}, notHeld: []uint64{1, 2, 6}},
		{spec: "%1", canon: "%1", held: []uint64{1, 2, 3, 1 << 63}},
		{spec: " 2 , 10-12,%100 ", canon: "2,10-12,%100", held: []uint64{2, 10, 12, 100, 300}, notHeld: []uint64{3, 9, 13, 150}},
		{spec: "%5,9", canon: "9,%5", held: []uint64{5, 9, 10}, notHeld: []uint64{1, 11}},
		{spec: "4-4", canon: "4", held: []uint64{4}, notHeld: []uint64{3, 5}},
		{spec: "18446744073709551615", canon: "18446744073709551615", held: []uint64{1<<64 - 1}, notHeld: []uint64{1}},
		{spec: "0", errMatch: "must be at least 1"},
		{spec: "%0", errMatch: "modulus must be at least 1"},
		{spec: "0-3", errMatch: "range start must be at least 1"},
		{spec: "5-3", errMatch: "range start above its end"},
		{spec: "1,,2", errMatch: "item 2 \"\": empty"},
		{spec: "1,", errMatch: "empty"},
		{spec: "-3", errMatch: "range start is missing"},
		{spec: "3-", errMatch: "range end is missing"},
		{spec: "1-2-3", errMatch: "range end \"2-3\" is not a decimal number"},
		{spec: "%", errMatch: "modulus is missing"},
		{spec: "%%2", errMatch: "not a decimal number"},
		{spec: "+5", errMatch: "not a decimal number"},
		{spec: "0x10", errMatch: "not a decimal number"},
		{spec: "1 2", errMatch: "not a decimal number"},
		{spec: "abc", errMatch: "height \"abc\" is not a decimal number"},
		{spec: "18446744073709551616", errMatch: "out of range"},
		{spec: strings.Repeat("1,", 3000) + "1", errMatch: "at most 4096"},
	}
	for _, c := range cases {
		w, err := fullnode.ParseWithhold(c.spec)
		if c.errMatch != "" {
			if err == nil || !strings.Contains(err.Error(), c.errMatch) {
				t.Errorf("ParseWithhold(%.40q) = %v, want an error containing %q", c.spec, err, c.errMatch)
			}
			continue
		}
		if err != nil {
			t.Errorf("ParseWithhold(%q): %v", c.spec, err)
			continue
		}
		if got := w.String(); got != c.canon {
			t.Errorf("ParseWithhold(%q).String() = %q, want %q", c.spec, got, c.canon)
		}
		if w.Empty() != (c.canon == "") {
			t.Errorf("ParseWithhold(%q).Empty() = %v", c.spec, w.Empty())
		}
		for _, h := range c.held {
			if !w.Has(h) {
				t.Errorf("%q does not withhold %d", c.spec, h)
			}
		}
		for _, h := range c.notHeld {
			if w.Has(h) {
				t.Errorf("%q withholds %d", c.spec, h)
			}
		}
	}
}

// FuzzParseWithhold: no spec panics, an accepted one's canonical form
// parses to the same set (checked on heights near every number in the
// spec), and a refused one says what a spec looks like.
func FuzzParseWithhold(f *testing.F) {
	for _, s := range []string{"", "7", "3-5", "%4", " 2 , 10-12,%100 ", "0", "5-3", "1,,2", "-", "%", "18446744073709551615-18446744073709551615"} {
		f.Add(s, uint64(4))
	}
	f.Fuzz(func(t *testing.T, spec string, h uint64) {
		w, err := fullnode.ParseWithhold(spec)
		if err != nil {
			if !strings.Contains(err.Error(), "want a height H, a range A-B or %N") && !strings.Contains(err.Error(), "at most") {
				t.Fatalf("refusal of %q does not say what a spec looks like: %v", spec, err)
			}
			return
		}
		again, err := fullnode.ParseWithhold(w.String())
		if err != nil {
			t.Fatalf("canonical %q of %q refused: %v", w.String(), spec, err)
		}
		if again.String() != w.String() {
			t.Fatalf("canonical form not stable: %q → %q", w.String(), again.String())
		}
		for _, x := range []uint64{h, h + 1, h - 1, 1, 1<<64 - 1} {
			if w.Has(x) != again.Has(x) {
				t.Fatalf("%q and its canonical %q disagree on %d", spec, w.String(), x)
			}
		}
	})
}

func TestConfigFaultWithhold(t *testing.T) {
	cfg := fullnode.DefaultConfig()
	cfg.Fault.Withhold = "5-3"
	err := cfg.Validate()
	if !errors.Is(err, fullnode.ErrConfig) || !strings.Contains(err.Error(), "fault.withhold") {
		t.Fatalf("bad fault.withhold: %v, want a config error naming the key", err)
	}

	// An honest node's config file has no [fault] table at all.
	home := t.TempDir()
	if err := fullnode.SaveConfig(home, fullnode.DefaultConfig()); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(fullnode.ConfigPath(home))
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(b), "fault") {
		t.Fatalf("default config file mentions fault injection:\n%s", b)
	}

	c, err := fullnode.ParseConfig([]byte("[fault]\nwithhold = \"4,%10\"\n"))
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Validate(); err != nil || c.Fault.Withhold != "4,%10" {
		t.Fatalf("[fault] withhold: %+v, %v", c.Fault, err)
	}
}
