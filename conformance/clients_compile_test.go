package conformance

import (
	"testing"

	cdkclient "github.com/0xPolygon/cdk-data-availability/client"
	altda "github.com/ethereum-optimism/optimism/op-alt-da"
	blobrpc "github.com/evstack/ev-node/pkg/da/jsonrpc"
	goda "github.com/rollkit/go-da"
	godajsonrpc "github.com/rollkit/go-da/proxy/jsonrpc"
	godatest "github.com/rollkit/go-da/test"
)

// TestClientsLink references one symbol from every pinned client so that a
// dependency conflict between them fails `go vet` and `go test` at once.
func TestClientsLink(t *testing.T) {
	var (
		_ = cdkclient.New
		_ = altda.NewDAClient
		_ = blobrpc.NewClient
		_ goda.DA
		_ = godajsonrpc.NewClient
		_ = godatest.RunDATestSuite
	)
}
