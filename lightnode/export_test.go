package lightnode

import (
	"context"

	"github.com/quadrant-da/quadrant/da"
	"github.com/quadrant-da/quadrant/sampling"
)

// SampleHeader exposes one sampling attempt to the benchmarks.
func (n *Node) SampleHeader(ctx context.Context, h *da.LightHeader) (sampling.Result, error) {
	return n.sampleHeader(ctx, h)
}

var DashboardHandler = dashboardHandler

var ErrConfig = errConfig

var ErrNotFound = errNotFound

var ErrTrust = errTrust

var ErrTrustExpired = errTrustExpired

const HeaderSampling = headerSampling

const SampleMissing = sampleMissing

const SampleVerified = sampleVerified
