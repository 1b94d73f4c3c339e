package consensus

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/quadrant-da/quadrant/chain"
	"github.com/quadrant-da/quadrant/da"
)

// BlobRecord says where one blob landed. Records form the blob index, which
// lives next to consensus state in the same datastore but is not committed
// to by the app hash: it only grows, and it is pruned with the blocks below
// the retain height.
type BlobRecord struct {
	Height     int64          `json:"height"`
	Namespace  chain.HexBytes `json:"namespace"`
	Commitment chain.HexBytes `json:"commitment"`
	// Signer is the 20-byte address of the account that paid for the blob.
	Signer chain.HexBytes `json:"signer"`
	// Index is the blob's first share in the original k×k square, row-major:
	// the share index the pay-for-blob carries in its index wrapper.
	Index int `json:"index"`
	// ExtendedIndex is the same share's row-major index in the extended
	// 2k×2k square: (Index/k)·2k + Index%k.
	ExtendedIndex int `json:"extended_index"`
	// Shares is the number of shares the blob occupies.
	Shares int `json:"shares"`
	// Size is the blob's data length in bytes.
	Size         int   `json:"size"`
	ShareVersion uint8 `json:"share_version"`
	// SquareSize is k, the original square width of the block.
	SquareSize int `json:"square_size"`
	// TxIndex is the index of the blob transaction in the block.
	TxIndex int `json:"tx_index"`
}

// Datastore key layout. Consensus state:
//
//	/quadrant/meta            JSON stateMeta (chain id, height, app hash, params)
//	/quadrant/acct/<hex addr> 16 bytes: balance, sequence (big-endian)
//
// Blob index (outside consensus state):
//
//	/quadrant/blobidx/<height, 20 digits>/<namespace hex>/<ordinal, 8 digits>  JSON BlobRecord
const (
	keyMeta          = "/quadrant/meta"
	keyStaking       = "/quadrant/staking"
	keyAttest        = "/quadrant/attestations"
	prefixAccount    = "/quadrant/acct"
	prefixBlobIndex  = "/quadrant/blobidx"
	heightKeyDigits  = 20
	ordinalKeyDigits = 8
)

func accountKey(addr chain.Address) string { return prefixAccount + "/" + addr.String() }

func blobHeightPrefix(height int64) string {
	return fmt.Sprintf("%s/%0*d", prefixBlobIndex, heightKeyDigits, height)
}

func blobNamespacePrefix(height int64, ns da.Namespace) string {
	return blobHeightPrefix(height) + "/" + ns.String()
}

func blobRecordKey(height int64, ns da.Namespace, ordinal int) string {
	return fmt.Sprintf("%s/%0*d", blobNamespacePrefix(height, ns), ordinalKeyDigits, ordinal)
}

// heightFromBlobKey extracts the height from a blob index key.
func heightFromBlobKey(key string) (int64, error) {
	rest, ok := strings.CutPrefix(key, prefixBlobIndex+"/")
	if !ok || len(rest) < heightKeyDigits {
		return 0, fmt.Errorf("consensus: malformed blob index key %q", key)
	}
	return strconv.ParseInt(rest[:heightKeyDigits], 10, 64)
}

// extendedIndex maps a row-major index in the k×k original square to its
// row-major index in the 2k×2k extended square.
func extendedIndex(index, k int) int {
	if k <= 0 {
		return index
	}
	return (index/k)*2*k + index%k
}
