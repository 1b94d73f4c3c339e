package blobs

import (
	"encoding/binary"
	"fmt"

	"github.com/quadrant-da/quadrant/da"
)

// Offsets inside a share.
const (
	infoOffset     = da.NamespaceSize                       // info byte
	seqLenOffset   = infoOffset + da.ShareInfoBytes         // sequence length (first shares)
	firstSparseOff = seqLenOffset + da.SequenceLenBytes     // data of a first sparse share
	contSparseOff  = infoOffset + da.ShareInfoBytes         // data of a continuation sparse share
	firstCompactRB = firstSparseOff                         // reserved bytes of a first compact share
	contCompactRB  = contSparseOff                          // reserved bytes of a continuation compact share
	firstCompactOf = firstCompactRB + da.ShareReservedBytes // data of a first compact share
	contCompactOff = contCompactRB + da.ShareReservedBytes  // data of a continuation compact share
)

// SplitBlob returns the sparse shares of one blob: the first share carries
// the sequence start bit, the data length and (share version 1) the signer;
// the last share is zero padded. The blob must be valid.
func SplitBlob(b *Blob) ([]da.Share, error) {
	if err := b.Validate(); err != nil {
		return nil, err
	}
	shares := make([]da.Share, b.SharesNeeded())
	writeBlobShares(shares, b)
	return shares, nil
}

// writeBlobShares writes the sparse shares of b into dst, which must hold at
// least b.SharesNeeded() shares, and returns the number written. Every byte
// of the written shares is set (padding is zeroed explicitly).
func writeBlobShares(dst []da.Share, b *Blob) int {
	data := b.Data
	n := 0
	for first := true; first || len(data) > 0; first = false {
		s := &dst[n]
		n++
		copy(s[:da.NamespaceSize], b.Namespace[:])
		off := contSparseOff
		if first {
			s[infoOffset] = b.ShareVersion<<1 | 1
			binary.BigEndian.PutUint32(s[seqLenOffset:], uint32(len(b.Data)))
			off = firstSparseOff
			if b.ShareVersion == da.ShareVersionOne {
				off += copy(s[off:], b.Signer[:da.SignerSize])
			}
		} else {
			s[infoOffset] = b.ShareVersion << 1
		}
		c := copy(s[off:], data)
		data = data[c:]
		clear(s[off+c:])
	}
	return n
}

// paddingShare writes into s a padding share of namespace ns: sequence start
// set, sequence length 0, zero payload.
func paddingShare(s *da.Share, ns da.Namespace, shareVersion uint8) {
	copy(s[:da.NamespaceSize], ns[:])
	s[infoOffset] = shareVersion<<1 | 1
	clear(s[seqLenOffset:])
}

// NamespacePaddingShare returns a padding share of namespace ns with the
// given share version: the padding placed after a blob (taking the blob's
// namespace and share version) so that the next blob starts aligned.
func NamespacePaddingShare(ns da.Namespace, shareVersion uint8) da.Share {
	var s da.Share
	paddingShare(&s, ns, shareVersion)
	return s
}

// ReservedPaddingShare returns a primary reserved padding share, placed
// between the pay-for-blob shares and the first blob.
func ReservedPaddingShare() da.Share {
	return NamespacePaddingShare(da.PrimaryReservedPaddingNamespace(), da.ShareVersionZero)
}

// TailPaddingShare returns a tail padding share, filling the square after
// the last blob.
func TailPaddingShare() da.Share {
	return NamespacePaddingShare(da.TailPaddingNamespace(), da.ShareVersionZero)
}

// compactSharesNeeded returns the number of compact shares holding
// sequenceLen bytes of units: 474 in the first share, 478 in later ones.
func compactSharesNeeded(sequenceLen int) int {
	if sequenceLen <= 0 {
		return 0
	}
	if sequenceLen <= da.FirstCompactShareContentSize {
		return 1
	}
	rest := sequenceLen - da.FirstCompactShareContentSize
	return 1 + (rest+da.ContinuationCompactShareContentSize-1)/da.ContinuationCompactShareContentSize
}

// uvarintLen returns the length of the unsigned varint encoding of v.
func uvarintLen(v uint64) int {
	n := 1
	for v >= 0x80 {
		v >>= 7
		n++
	}
	return n
}

// unitLen returns the length of a compact unit holding a tx of txLen bytes:
// varint(txLen) ‖ tx.
func unitLen(txLen int) int { return uvarintLen(uint64(txLen)) + txLen }

// compactWriter packs units (varint length ‖ tx) of one reserved namespace
// into compact shares. The zero value is not usable; see newCompactWriter.
type compactWriter struct {
	ns     da.Namespace
	shares []da.Share
	off    int // write offset in the last share; 0 when a new share is needed
	seqLen int // total unit bytes written
}

func newCompactWriter(ns da.Namespace, sizeHint int) *compactWriter {
	return &compactWriter{ns: ns, shares: make([]da.Share, 0, compactSharesNeeded(sizeHint))}
}

// startShare appends a new compact share with its header written.
func (w *compactWriter) startShare() {
	w.shares = append(w.shares, da.Share{})
	s := &w.shares[len(w.shares)-1]
	copy(s[:da.NamespaceSize], w.ns[:])
	if len(w.shares) == 1 {
		s[infoOffset] = 1 // version 0, sequence start; length written by finish
		w.off = firstCompactOf
	} else {
		s[infoOffset] = 0
		w.off = contCompactOff
	}
}

// reservedOffset returns the offset of the reserved bytes of share i.
func reservedOffset(i int) int {
	if i == 0 {
		return firstCompactRB
	}
	return contCompactRB
}

// write appends one unit holding tx.
func (w *compactWriter) write(tx []byte) {
	var hdr [binary.MaxVarintLen64]byte
	h := binary.PutUvarint(hdr[:], uint64(len(tx)))
	if w.off == 0 {
		w.startShare()
	}
	// the reserved bytes point at the first unit that starts in the share.
	last := len(w.shares) - 1
	rb := reservedOffset(last)
	s := &w.shares[last]
	if binary.BigEndian.Uint32(s[rb:]) == 0 {
		binary.BigEndian.PutUint32(s[rb:], uint32(w.off))
	}
	w.copyIn(hdr[:h])
	w.copyIn(tx)
	w.seqLen += h + len(tx)
}

// copyIn copies b into the shares, starting new continuation shares as
// needed. A share filled exactly is closed (off = 0).
func (w *compactWriter) copyIn(b []byte) {
	for len(b) > 0 {
		if w.off == 0 {
			w.startShare()
		}
		s := &w.shares[len(w.shares)-1]
		c := copy(s[w.off:], b)
		b = b[c:]
		w.off += c
		if w.off == da.ShareSize {
			w.off = 0
		}
	}
}

// count returns the number of shares written so far.
func (w *compactWriter) count() int { return len(w.shares) }

// finish writes the sequence length into the first share and returns the
// shares (the last one zero padded, which the zero value already is).
func (w *compactWriter) finish() []da.Share {
	if len(w.shares) > 0 {
		binary.BigEndian.PutUint32(w.shares[0][seqLenOffset:], uint32(w.seqLen))
	}
	return w.shares
}

// SplitTxs returns the compact shares of ordinary transactions in the tx
// namespace.
func SplitTxs(txs [][]byte) []da.Share {
	return splitCompact(da.TxNamespace(), txs)
}

// SplitPayForBlobs returns the compact shares of IndexWrapper-encoded
// pay-for-blob transactions in the pay-for-blob namespace.
func SplitPayForBlobs(wrapped [][]byte) []da.Share {
	return splitCompact(da.PayForBlobNamespace(), wrapped)
}

func splitCompact(ns da.Namespace, txs [][]byte) []da.Share {
	size := 0
	for _, tx := range txs {
		size += unitLen(len(tx))
	}
	w := newCompactWriter(ns, size)
	for _, tx := range txs {
		w.write(tx)
	}
	return w.finish()
}

// checkSquareSize returns an error unless k is a valid maximum square width.
func checkSquareSize(k int) error {
	if k < 1 || k > MaxSquareSizeUpperBound || !isPowerOfTwo(k) {
		return fmt.Errorf("%w: max square size %d must be a power of two in [1, %d]", ErrInvalidSquare, k, MaxSquareSizeUpperBound)
	}
	return nil
}
