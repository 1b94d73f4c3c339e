package p2p

import (
	"context"
	"errors"
	"fmt"

	"github.com/libp2p/go-libp2p/core/peer"

	"github.com/quadrant-da/quadrant/da"
)

// DataRootFunc returns the verified data root of a height, or an error
// wrapping ErrNotFound when the node does not know that height yet.
type DataRootFunc func(ctx context.Context, height uint64) ([]byte, error)

// VerifyBEFP returns the BEFPValidator full and light nodes use: it decodes
// a gossiped proof and verifies it against the data root of its height
// (which a light node holds from its light headers: the proof carries every
// root it needs with Merkle proofs). A proof for a height the node does not
// know yet is ignored without blame (ErrIgnore); one that does not decode
// or verify is rejected and its sender scored down.
func VerifyBEFP(dataRoot DataRootFunc) BEFPValidator {
	return func(ctx context.Context, _ peer.ID, b []byte) error {
		p, err := da.UnmarshalBadEncodingProof(b)
		if err != nil {
			return err
		}
		root, err := dataRoot(ctx, p.Height)
		if errors.Is(err, ErrNotFound) {
			return fmt.Errorf("%w: fraud proof for unknown height %d", ErrIgnore, p.Height)
		}
		if err != nil {
			return fmt.Errorf("%w: data root of height %d: %w", ErrIgnore, p.Height, err)
		}
		return p.Verify(root)
	}
}
