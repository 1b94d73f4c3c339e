package main

import (
	"cmp"
	"fmt"
	"os"
	"slices"
	"strings"
)

// p2pBytesMetric is the light node's libp2p stream byte counter, by
// protocol and direction.
const p2pBytesMetric = "quadrant_light_p2p_bytes_total"

// protocolBytes is one protocol label's stream bytes in a window.
type protocolBytes struct {
	protocol string
	in, out  float64
}

// p2pBytes picks the p2p byte counter out of scraped metrics: protocol
// label → [in, out].
func p2pBytes(m map[string]float64) map[string][2]float64 {
	out := map[string][2]float64{}
	for k, v := range m {
		labels, ok := strings.CutPrefix(k, p2pBytesMetric+"{")
		if !ok {
			continue
		}
		var proto, dir string
		for _, kv := range strings.Split(strings.TrimSuffix(labels, "}"), ",") {
			name, val, _ := strings.Cut(kv, "=")
			val = strings.Trim(val, `"`)
			switch name {
			case "protocol":
				proto = val
			case "direction":
				dir = val
			}
		}
		e := out[proto]
		if dir == "in" {
			e[0] = v
		} else {
			e[1] = v
		}
		out[proto] = e
	}
	return out
}

// protocolDelta is the per-protocol traffic between two scrapes, largest
// first.
func protocolDelta(from, to map[string]float64) []protocolBytes {
	a, b := p2pBytes(from), p2pBytes(to)
	var out []protocolBytes
	for p, v := range b {
		d := protocolBytes{protocol: p, in: v[0] - a[p][0], out: v[1] - a[p][1]}
		if d.in > 0 || d.out > 0 {
			out = append(out, d)
		}
	}
	slices.SortFunc(out, func(x, y protocolBytes) int { return cmp.Compare(y.in+y.out, x.in+x.out) })
	return out
}

// formatPerHeader renders a window's per-protocol bytes divided by its
// header count n: "protocol in/out B, …" plus the stream total.
func formatPerHeader(d []protocolBytes, n uint64) string {
	var parts []string
	var in, out float64
	for _, p := range d {
		parts = append(parts, fmt.Sprintf("%s %.0f/%.0f", p.protocol, p.in/float64(n), p.out/float64(n)))
		in, out = in+p.in, out+p.out
	}
	return fmt.Sprintf("streams %.0f B in / %.0f B out per header: %s", in/float64(n), out/float64(n), strings.Join(parts, ", "))
}

// loadAverage is the machine's 1, 5 and 15 minute load averages, for the
// log next to each traffic figure ("?" when unreadable).
func loadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if f := strings.Fields(string(b)); err == nil && len(f) >= 3 {
		return strings.Join(f[:3], " ")
	}
	return "?"
}
