package consensus

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"slices"

	"github.com/quadrant-da/quadrant/chain"
)

// State-sync snapshots. A snapshot is the whole committed State at one
// height, as one payload cut into chunks:
//
//	payload  = u32 len ‖ stateMeta JSON
//	         ‖ u64 n ‖ n × (address (20) ‖ balance (8) ‖ sequence (8)), by address
//	         ‖ u32 len ‖ staking JSON (Staking's canonical encoding)
//	         ‖ u32 len ‖ attestation JSON (Attestations; length 0 when the
//	           state has none)
//	metadata = u64 payload size ‖ SHA-256 of each chunk, in order
//	hash     = SHA-256(metadata)
//
// All integers are big-endian. Every node encodes the same state to the same
// bytes, so the snapshots that validators take at one height are identical
// and a joining node may fetch chunks from any of them. The blob index is
// not part of a snapshot: it is not committed to by the app hash and covers
// blocks a state-synced node does not have.

// snapshotFormat is the format version of the snapshots this App takes and
// restores.
const snapshotFormat uint32 = 1

// Snapshot defaults and bounds.
const (
	// DefaultSnapshotInterval is how many heights apart snapshots are taken.
	DefaultSnapshotInterval = 1000
	// DefaultSnapshotKeepRecent is how many snapshots are kept.
	DefaultSnapshotKeepRecent = 2
	// MaxSnapshotChunkBytes is the largest chunk this App writes or accepts
	// (CometBFT's state-sync messages carry at most 16 MB).
	MaxSnapshotChunkBytes = 4 << 20
	// maxSnapshotChunks bounds the chunk count a restore accepts.
	maxSnapshotChunks = 4096
	// maxSnapshotBytes bounds the payload a restore holds in memory.
	maxSnapshotBytes = 1 << 30
	// maxMetaJSONBytes bounds the encoded stateMeta in a payload.
	maxMetaJSONBytes = 64 << 10
)

// Snapshot errors; every decoding error wraps errBadSnapshot.
var (
	errBadSnapshot       = errors.New("consensus: malformed snapshot")
	errSnapshotFormat    = errors.New("consensus: unsupported snapshot format")
	errSnapshotMismatch  = errors.New("consensus: restored state does not match the trusted app hash")
	errSnapshotTruncated = fmt.Errorf("%w: payload is truncated", errBadSnapshot)
)

// SnapshotConfig configures the snapshots an App takes.
type SnapshotConfig struct {
	// Dir is where snapshots are written; required when Interval > 0.
	Dir string
	// Interval takes a snapshot after every height that is a multiple of
	// it; 0 takes none (the App can still restore from peers' snapshots).
	Interval int64
	// KeepRecent is how many snapshots are kept (0: DefaultSnapshotKeepRecent).
	KeepRecent int
	// ChunkBytes is the chunk size (0: MaxSnapshotChunkBytes; at most that).
	ChunkBytes int
}

func (c SnapshotConfig) withDefaults() SnapshotConfig {
	if c.KeepRecent == 0 {
		c.KeepRecent = DefaultSnapshotKeepRecent
	}
	if c.ChunkBytes == 0 {
		c.ChunkBytes = MaxSnapshotChunkBytes
	}
	return c
}

// Validate checks c.
func (c SnapshotConfig) Validate() error {
	switch {
	case c.Interval < 0:
		return fmt.Errorf("consensus: snapshot interval %d, want ≥ 0 (0 takes none)", c.Interval)
	case c.Interval > 0 && c.Dir == "":
		return errors.New("consensus: snapshot interval set but SnapshotConfig.Dir is empty, want the snapshot directory")
	case c.KeepRecent < 0:
		return fmt.Errorf("consensus: snapshot keep_recent %d, want ≥ 1 (0: default %d)", c.KeepRecent, DefaultSnapshotKeepRecent)
	case c.ChunkBytes < 0 || c.ChunkBytes > MaxSnapshotChunkBytes:
		return fmt.Errorf("consensus: snapshot chunk size %d, want 1..%d (0: the maximum)", c.ChunkBytes, MaxSnapshotChunkBytes)
	}
	return nil
}

// encodeSnapshotPayload encodes st (see the format above).
func encodeSnapshotPayload(st *state) []byte {
	meta, err := json.Marshal(metaOf(st))
	if err != nil {
		panic("consensus: state meta does not encode: " + err.Error()) // plain types: a programmer error
	}
	staking := st.Staking
	if staking == nil {
		staking = newStaking(chain.DefaultStakingParams())
	}
	stakingJSON := staking.marshal()
	addrs := make([]chain.Address, 0, len(st.Accounts))
	for addr, acc := range st.Accounts {
		if !acc.IsZero() {
			addrs = append(addrs, addr)
		}
	}
	slices.SortFunc(addrs, func(a, b chain.Address) int { return bytes.Compare(a[:], b[:]) })

	const rec = chain.AddressSize + accountSize
	var attestJSON []byte
	if st.Attest != nil {
		attestJSON = st.Attest.marshal()
	}
	b := make([]byte, 0, 4+len(meta)+8+len(addrs)*rec+4+len(stakingJSON)+4+len(attestJSON))
	b = binary.BigEndian.AppendUint32(b, uint32(len(meta)))
	b = append(b, meta...)
	b = binary.BigEndian.AppendUint64(b, uint64(len(addrs)))
	for _, addr := range addrs {
		b = append(b, addr[:]...)
		b = append(b, st.Accounts[addr].marshal()...)
	}
	b = binary.BigEndian.AppendUint32(b, uint32(len(stakingJSON)))
	b = append(b, stakingJSON...)
	b = binary.BigEndian.AppendUint32(b, uint32(len(attestJSON)))
	return append(b, attestJSON...)
}

// decodeSnapshotPayload decodes a payload into a State whose appHash is the
// one the payload claims; callers check it against a recomputed one. It
// never reads past b and allocates at most in proportion to len(b).
func decodeSnapshotPayload(b []byte) (*state, error) {
	r := payloadReader{b: b}
	metaJSON := r.next(int(r.u32()))
	if r.err == nil && len(metaJSON) > maxMetaJSONBytes {
		return nil, fmt.Errorf("%w: state meta is %d bytes, want ≤ %d", errBadSnapshot, len(metaJSON), maxMetaJSONBytes)
	}
	n := r.u64()
	const rec = chain.AddressSize + accountSize
	if r.err == nil && n > uint64(len(r.b))/rec {
		return nil, fmt.Errorf("%w: %d accounts do not fit in %d bytes", errBadSnapshot, n, len(r.b))
	}
	accounts := make(Accounts, int(min(n, uint64(len(b)/rec))))
	var prev []byte
	for i := uint64(0); i < n && r.err == nil; i++ {
		raw := r.next(rec)
		if r.err != nil {
			break
		}
		if prev != nil && bytes.Compare(prev, raw[:chain.AddressSize]) >= 0 {
			return nil, fmt.Errorf("%w: accounts not in strictly increasing address order at %d", errBadSnapshot, i)
		}
		prev = raw[:chain.AddressSize]
		acc, _ := unmarshalAccount(raw[chain.AddressSize:])
		if acc.IsZero() {
			return nil, fmt.Errorf("%w: account %d is zero (zero accounts are not stored)", errBadSnapshot, i)
		}
		accounts[chain.Address(raw[:chain.AddressSize])] = acc
	}
	stakingJSON := r.next(int(r.u32()))
	attestJSON := r.next(int(r.u32()))
	if r.err != nil {
		return nil, r.err
	}
	if len(r.b) != 0 {
		return nil, fmt.Errorf("%w: %d bytes after the attestation state", errBadSnapshot, len(r.b))
	}
	var meta stateMeta
	if err := json.Unmarshal(metaJSON, &meta); err != nil {
		return nil, fmt.Errorf("%w: state meta: %w", errBadSnapshot, err)
	}
	staking, err := unmarshalStaking(stakingJSON)
	if err != nil {
		return nil, fmt.Errorf("%w: staking state: %w", errBadSnapshot, err)
	}
	var attest *attestations
	if len(attestJSON) > 0 {
		if attest, err = unmarshalAttestations(attestJSON); err != nil {
			return nil, fmt.Errorf("%w: attestation state: %w", errBadSnapshot, err)
		}
	}
	if meta.Height < 1 || meta.InitialHeight < 1 || meta.Height < meta.InitialHeight-1 {
		return nil, fmt.Errorf("%w: height %d, initial height %d", errBadSnapshot, meta.Height, meta.InitialHeight)
	}
	return &state{ChainID: meta.ChainID, InitialHeight: meta.InitialHeight, Height: meta.Height, AppHash: meta.AppHash,
		Params: meta.Params, Accounts: accounts, Staking: staking, Attest: attest, LastBlockTime: meta.LastBlockTime}, nil
}

// payloadReader reads a payload front to back; the first shortfall sets
// err and makes every later read return nothing.
type payloadReader struct {
	b   []byte
	err error
}

func (r *payloadReader) next(n int) []byte {
	if r.err != nil || n < 0 || n > len(r.b) {
		r.err = errSnapshotTruncated
		return nil
	}
	out := r.b[:n]
	r.b = r.b[n:]
	return out
}

func (r *payloadReader) u32() uint32 {
	if b := r.next(4); b != nil {
		return binary.BigEndian.Uint32(b)
	}
	return 0
}

func (r *payloadReader) u64() uint64 {
	if b := r.next(8); b != nil {
		return binary.BigEndian.Uint64(b)
	}
	return 0
}

// snapshotMeta is a snapshot's decoded metadata.
type snapshotMeta struct {
	size   uint64     // payload bytes
	hashes [][32]byte // SHA-256 of each chunk
}

func (m snapshotMeta) encode() []byte {
	b := binary.BigEndian.AppendUint64(nil, m.size)
	for _, h := range m.hashes {
		b = append(b, h[:]...)
	}
	return b
}

// decodeSnapshotMeta decodes metadata that must list chunks chunk hashes.
func decodeSnapshotMeta(b []byte, chunks uint32) (snapshotMeta, error) {
	if len(b) < 8 || (len(b)-8)%sha256.Size != 0 {
		return snapshotMeta{}, fmt.Errorf("%w: metadata of %d bytes, want 8 + 32 per chunk", errBadSnapshot, len(b))
	}
	n := (len(b) - 8) / sha256.Size
	if n == 0 || n > maxSnapshotChunks || n != int(chunks) {
		return snapshotMeta{}, fmt.Errorf("%w: metadata lists %d chunk hashes for %d chunks, want 1..%d and equal", errBadSnapshot, n, chunks, maxSnapshotChunks)
	}
	m := snapshotMeta{size: binary.BigEndian.Uint64(b), hashes: make([][32]byte, n)}
	if m.size == 0 || m.size > maxSnapshotBytes {
		return snapshotMeta{}, fmt.Errorf("%w: payload of %d bytes, want 1..%d", errBadSnapshot, m.size, maxSnapshotBytes)
	}
	for i := range m.hashes {
		copy(m.hashes[i][:], b[8+i*sha256.Size:])
	}
	return m, nil
}

// chunkPayload cuts payload into chunks of at most size bytes and returns
// them with their metadata.
func chunkPayload(payload []byte, size int) ([][]byte, snapshotMeta) {
	m := snapshotMeta{size: uint64(len(payload))}
	var chunks [][]byte
	for len(payload) > 0 {
		c := payload[:min(size, len(payload))]
		payload = payload[len(c):]
		chunks = append(chunks, c)
		m.hashes = append(m.hashes, sha256.Sum256(c))
	}
	return chunks, m
}
