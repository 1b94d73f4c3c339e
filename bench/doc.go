// Package bench holds Quadrant's differential tests and benchmarks against
// the Celestia reference libraries (rsmt2d, nmt, go-square). It is a
// separate module so that github.com/celestiaorg/* never enters Quadrant's
// own module: those libraries are oracles and speed baselines only.
//
// Run the differential tests with `cd bench && go test ./...` and the
// benchmarks with `cd bench && go test -run '^$' -bench .`.
package bench
