package fullnode

import (
	"fmt"
	"strconv"
	"strings"
)

// Withhold is a set of heights a full node withholds on purpose (fault
// injection for tests and soaks; see FaultConfig): it parses from a spec of
// comma-separated items, each a height "H", an inclusive range "A-B" or
// "%N" (every height divisible by N). The zero value withholds nothing.
type Withhold struct {
	ranges []heightRange // in spec order
	every  []uint64      // moduli
}

type heightRange struct{ from, to uint64 }

// maxWithholdSpec bounds a spec's length (a config value, not a data file).
const maxWithholdSpec = 4096

// ParseWithhold parses a withhold spec ("" is the empty set). Heights start
// at 1; a range needs A ≤ B; a modulus needs N ≥ 1; an item may have spaces
// around it but none inside.
func ParseWithhold(spec string) (Withhold, error) {
	var w Withhold
	if strings.TrimSpace(spec) == "" {
		return w, nil
	}
	if len(spec) > maxWithholdSpec {
		return w, fmt.Errorf("withhold spec of %d bytes: at most %d", len(spec), maxWithholdSpec)
	}
	for i, item := range strings.Split(spec, ",") {
		item = strings.TrimSpace(item)
		bad := func(why string) (Withhold, error) {
			return Withhold{}, fmt.Errorf("withhold spec %q: item %d %q: %s (want a height H, a range A-B or %%N for every height divisible by N, comma-separated)", spec, i+1, item, why)
		}
		switch {
		case item == "":
			return bad("empty")
		case strings.HasPrefix(item, "%"):
			n, err := parseHeight(item[1:])
			if err != nil {
				return bad("modulus " + err.Error())
			}
			w.every = append(w.every, n)
		case strings.Contains(item, "-"):
			a, b, _ := strings.Cut(item, "-")
			from, err := parseHeight(a)
			if err != nil {
				return bad("range start " + err.Error())
			}
			to, err := parseHeight(b)
			if err != nil {
				return bad("range end " + err.Error())
			}
			if from > to {
				return bad("range start above its end")
			}
			w.ranges = append(w.ranges, heightRange{from, to})
		default:
			h, err := parseHeight(item)
			if err != nil {
				return bad("height " + err.Error())
			}
			w.ranges = append(w.ranges, heightRange{h, h})
		}
	}
	return w, nil
}

// parseHeight parses a decimal number ≥ 1 (digits only: no sign, no
// spaces, no base prefix).
func parseHeight(s string) (uint64, error) {
	if s == "" {
		return 0, fmt.Errorf("is missing")
	}
	for _, c := range s {
		if c < '0' || c > '9' {
			return 0, fmt.Errorf("%q is not a decimal number", s)
		}
	}
	n, err := strconv.ParseUint(s, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("%q is out of range", s)
	}
	if n == 0 {
		return 0, fmt.Errorf("must be at least 1")
	}
	return n, nil
}

// Empty reports whether w withholds nothing.
func (w Withhold) Empty() bool { return len(w.ranges) == 0 && len(w.every) == 0 }

// Has reports whether height is withheld.
func (w Withhold) Has(height uint64) bool {
	for _, r := range w.ranges {
		if height >= r.from && height <= r.to {
			return true
		}
	}
	for _, n := range w.every {
		if height%n == 0 {
			return true
		}
	}
	return false
}

// String returns the canonical spec of w (heights and ranges in spec
// order, then the moduli; no spaces): ParseWithhold(w.String()) withholds
// the same heights.
func (w Withhold) String() string {
	items := make([]string, 0, len(w.ranges)+len(w.every))
	for _, r := range w.ranges {
		if r.from == r.to {
			items = append(items, strconv.FormatUint(r.from, 10))
		} else {
			items = append(items, fmt.Sprintf("%d-%d", r.from, r.to))
		}
	}
	for _, n := range w.every {
		items = append(items, "%"+strconv.FormatUint(n, 10))
	}
	return strings.Join(items, ",")
}
