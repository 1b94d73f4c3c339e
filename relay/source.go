package relay

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"

	cmtbytes "github.com/cometbft/cometbft/libs/bytes"
	rpchttp "github.com/cometbft/cometbft/rpc/client/http"
	coretypes "github.com/cometbft/cometbft/rpc/core/types"

	"github.com/quadrant-da/quadrant/chain"
)

// abciQuerier is the part of CometBFT's RPC client the relay uses.
type abciQuerier interface {
	ABCIQuery(ctx context.Context, path string, data cmtbytes.HexBytes) (*coretypes.ResultABCIQuery, error)
}

var _ abciQuerier = (*rpchttp.HTTP)(nil)

// NodeSource reads attestations from a Quadrant node's RPC.
type NodeSource struct{ q abciQuerier }

// NewNodeSource returns a Source over q (a CometBFT rpc/client/http.HTTP).
func NewNodeSource(q abciQuerier) *NodeSource { return &NodeSource{q: q} }

// Attestation queries /attestation/latest, then /attestation/<nonce>.
func (s *NodeSource) Attestation(ctx context.Context, nonce uint64) (*chain.Attestation, error) {
	latest, err := s.query(ctx, "latest")
	if err != nil {
		return nil, err
	}
	if nonce > latest.Nonce {
		return nil, fmt.Errorf("%w: nonce %d, the chain is at %d", errNotYet, nonce, latest.Nonce)
	}
	if nonce == latest.Nonce {
		return latest, nil
	}
	return s.query(ctx, strconv.FormatUint(nonce, 10))
}

func (s *NodeSource) query(ctx context.Context, which string) (*chain.Attestation, error) {
	res, err := s.q.ABCIQuery(ctx, "/attestation/"+which, nil)
	if err != nil {
		return nil, err
	}
	if res.Response.Code != chain.CodeOK {
		return nil, fmt.Errorf("relay: query /attestation/%s: %s", which, res.Response.Log)
	}
	var a chain.Attestation
	if err := json.Unmarshal(res.Response.Value, &a); err != nil {
		return nil, fmt.Errorf("relay: decoding attestation %s: %w", which, err)
	}
	return &a, nil
}
