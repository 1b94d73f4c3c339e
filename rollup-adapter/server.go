package rollupadapter

import (
	"fmt"

	"github.com/quadrant-da/quadrant/rpc"
)

// Register serves the adapter's JSON-RPC modules on srv (helper rpc's server:
// JWT permissions, rate limits, health, metrics): "blob", "header", "share",
// "das", "blobstream" (celestia-node's API) and "da" (go-da's). Call before srv.Start.
func (a *Adapter) Register(srv *rpc.Server) error {
	for _, m := range []struct {
		ns        string
		impl, api any
	}{
		{"blob", blobModule{a}, &BlobAPI{}},
		{"header", headerModule{a}, &headerAPI{}},
		{"share", shareModule{a}, &shareAPI{}},
		{"das", dasModule{a}, &dasAPI{}},
		{"da", godaModule{a}, &DAAPI{}},
		{"blobstream", blobstreamModule{a}, &BlobstreamAPI{}},
	} {
		if err := srv.Register(m.ns, m.impl, m.api); err != nil {
			return fmt.Errorf("rollupadapter: registering %q: %w", m.ns, err)
		}
	}
	return nil
}
