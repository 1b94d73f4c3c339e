package p2p

import (
	"context"
	"errors"
	"fmt"

	"github.com/libp2p/go-libp2p/core/peer"

	"github.com/quadrant-da/quadrant/da"
)

// ErrBelowAnchor is wrapped by a dataRootFunc's error (and by a
// BEFPValidator's, with ErrIgnore) for a height below every header the
// node holds or will hold — under its trusted anchor, or pruned: a fraud
// proof for that height can never be checked against its block there.
var ErrBelowAnchor = errors.New("p2p: height below the node's trusted anchor")

// dataRootFunc returns the verified data root of a height, or an error
// wrapping ErrNotFound when the node does not know that height yet, or one
// wrapping ErrBelowAnchor when it never will.
type dataRootFunc func(ctx context.Context, height uint64) ([]byte, error)

// VerifyBEFP returns the BEFPValidator full and light nodes use: it decodes
// a gossiped proof and verifies it against the data root of its height
// (which a light node holds from its light headers: the proof carries every
// root it needs with Merkle proofs). A proof for a height the node does not
// know yet is ignored without blame (ErrIgnore); one for a height below
// its anchor is judged at once by JudgeBEFPBelowAnchor; one that does not
// decode (height 0 included) or verify is rejected and its sender scored
// down.
func VerifyBEFP(dataRoot dataRootFunc) BEFPValidator {
	return func(ctx context.Context, _ peer.ID, b []byte) error {
		p, err := da.UnmarshalBadEncodingProof(b)
		if err != nil {
			return err
		}
		root, err := dataRoot(ctx, p.Height)
		if errors.Is(err, ErrBelowAnchor) {
			return JudgeBEFPBelowAnchor(p)
		}
		if errors.Is(err, ErrNotFound) {
			return fmt.Errorf("%w: fraud proof for unknown height %d", ErrIgnore, p.Height)
		}
		if err != nil {
			return fmt.Errorf("%w: data root of height %d: %w", ErrIgnore, p.Height, err)
		}
		return p.Verify(root)
	}
}

// JudgeBEFPBelowAnchor judges, as far as a node can without the block, a
// decoded proof for a height below the node's trusted anchor (whose header
// it will never hold): against the data root the proof claims
// (da.BadEncodingProof.ClaimedDataRoot). A proof that fails there is
// invalid for every block and its error is returned (the sender is to be
// blamed); one that passes may be an honest proof of a block before the
// anchor and is ignored: the error wraps ErrIgnore and ErrBelowAnchor, and
// a BEFPSync neither keeps nor blames it.
func JudgeBEFPBelowAnchor(p *da.BadEncodingProof) error {
	root, err := p.ClaimedDataRoot()
	if err != nil {
		return err
	}
	if err := p.Verify(root); err != nil {
		return fmt.Errorf("fraud proof for height %d (below the anchor) is invalid whatever the block: %w", p.Height, err)
	}
	return fmt.Errorf("%w: %w: fraud proof for height %d cannot be checked against its block here", ErrIgnore, ErrBelowAnchor, p.Height)
}
