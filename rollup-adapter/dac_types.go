package rollupadapter

import (
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"
)

// ArgBytes is cdk-data-availability's ArgBytes: 0x-prefixed hex in JSON
// (decoding accepts an odd digit count, as cdk does). It is not
// chain.HexBytes, whose JSON is bare lower-case hex, nor CometBFT's
// HexBytes (upper-case, Celestia's JSON): each is a wire format of its own.
type ArgBytes []byte

// MarshalText encodes b as 0x-prefixed hex.
func (b ArgBytes) MarshalText() ([]byte, error) {
	return []byte("0x" + hex.EncodeToString(b)), nil
}

// UnmarshalText decodes 0x-prefixed (or bare) hex; an odd digit count is
// left-padded with 0, as cdk's decoder does.
func (b *ArgBytes) UnmarshalText(t []byte) error {
	s := strings.TrimPrefix(strings.TrimPrefix(string(t), "0x"), "0X")
	if len(s)%2 == 1 {
		s = "0" + s
	}
	v, err := hex.DecodeString(s)
	if err != nil {
		return fmt.Errorf("rollupadapter: hex bytes: %w", err)
	}
	*b = v
	return nil
}

// HexUint64 is cdk's ArgUint64: 0x-prefixed hex in JSON.
//
// Exported for Go clients of the DAC member: a wire type of cdk's DAC API.
type HexUint64 uint64

// MarshalText encodes u as 0x-prefixed hex.
func (u HexUint64) MarshalText() ([]byte, error) {
	return []byte("0x" + strconv.FormatUint(uint64(u), 16)), nil
}

// UnmarshalText decodes 0x-prefixed hex.
func (u *HexUint64) UnmarshalText(t []byte) error {
	v, err := strconv.ParseUint(strings.TrimPrefix(string(t), "0x"), 16, 64)
	if err != nil {
		return fmt.Errorf("rollupadapter: hex uint64: %w", err)
	}
	*u = HexUint64(v)
	return nil
}

// Hash32 is a 32-byte hash in 0x-hex JSON (go-ethereum's common.Hash).
//
// Exported for Go clients of the DAC member: a wire type of cdk's DAC API.
type Hash32 [32]byte

// MarshalText encodes h as 0x-prefixed hex.
func (h Hash32) MarshalText() ([]byte, error) { return ArgBytes(h[:]).MarshalText() }

// UnmarshalText decodes up to 32 bytes of hex, left-padded (common.HexToHash).
func (h *Hash32) UnmarshalText(t []byte) error {
	var b ArgBytes
	if err := b.UnmarshalText(t); err != nil {
		return err
	}
	if len(b) > 32 {
		b = b[len(b)-32:]
	}
	*h = Hash32{}
	copy(h[32-len(b):], b)
	return nil
}

// Address20 is an Ethereum address in 0x-hex JSON.
//
// Exported for Go clients of the DAC member: a wire type of cdk's DAC API.
type Address20 [20]byte

// MarshalText encodes a as 0x-prefixed hex.
func (a Address20) MarshalText() ([]byte, error) { return ArgBytes(a[:]).MarshalText() }

// UnmarshalText decodes a 20-byte hex address.
func (a *Address20) UnmarshalText(t []byte) error {
	var b ArgBytes
	if err := b.UnmarshalText(t); err != nil {
		return err
	}
	if len(b) != 20 {
		return fmt.Errorf("rollupadapter: address must be 20 bytes, got %d", len(b))
	}
	copy(a[:], b)
	return nil
}

// SignedSequence is cdk-data-availability v0.0.13's types.SignedSequence:
// the batches' L2 data, signed by the trusted sequencer.
type SignedSequence struct {
	Sequence  []ArgBytes `json:"sequence"`
	Signature ArgBytes   `json:"signature"`
}

// HashToSign is the hash the committee signs: starting from 32 zero bytes,
// h = keccak256(h ‖ keccak256(batch)) for each batch (solidity sha3 of two
// bytes32).
func (s *SignedSequence) HashToSign() []byte {
	cur := make([]byte, 32)
	for _, b := range s.Sequence {
		cur = Keccak256(cur, Keccak256(b))
	}
	return cur
}

func (s *SignedSequence) batches() [][]byte {
	out := make([][]byte, len(s.Sequence))
	for i, b := range s.Sequence {
		out[i] = b
	}
	return out
}

// Batch is cdk's types.Batch (Banana).
//
// Exported for Go clients of the DAC member: a wire type of cdk's DAC API.
type Batch struct {
	L2Data            ArgBytes  `json:"L2Data"`
	ForcedGER         Hash32    `json:"forcedGlobalExitRoot"`
	ForcedTimestamp   HexUint64 `json:"forcedTimestamp"`
	Coinbase          Address20 `json:"coinbase"`
	ForcedBlockHashL1 Hash32    `json:"forcedBlockHashL1"`
}

// SequenceBanana is cdk's types.SequenceBanana.
//
// Exported for Go clients of the DAC member: a wire type of cdk's DAC API.
type SequenceBanana struct {
	Batches              []Batch   `json:"batches"`
	OldAccInputHash      Hash32    `json:"oldAccInputhash"`
	L1InfoRoot           Hash32    `json:"l1InfoRoot"`
	MaxSequenceTimestamp HexUint64 `json:"maxSequenceTimestamp"`
}

// SignedSequenceBanana is cdk's types.SignedSequenceBanana.
//
// Exported for Go clients of the DAC member: a wire type of cdk's DAC API.
type SignedSequenceBanana struct {
	Sequence  SequenceBanana `json:"sequence"`
	Signature ArgBytes       `json:"signature"`
}

// HashToSign is the accumulated input hash of the sequence (aggkit's
// CalculateAccInputHash over every batch): acc = keccak256(acc ‖
// keccak256(L2Data) ‖ l1InfoRoot ‖ be64(maxSequenceTimestamp) ‖ coinbase ‖
// forcedBlockHashL1).
func (s *SignedSequenceBanana) HashToSign() []byte {
	acc := s.Sequence.OldAccInputHash[:]
	ts := binary.BigEndian.AppendUint64(nil, uint64(s.Sequence.MaxSequenceTimestamp))
	for _, b := range s.Sequence.Batches {
		acc = Keccak256(acc, Keccak256(b.L2Data), s.Sequence.L1InfoRoot[:], ts, b.Coinbase[:], b.ForcedBlockHashL1[:])
	}
	return acc
}

func (s *SignedSequenceBanana) batches() [][]byte {
	out := make([][]byte, len(s.Sequence.Batches))
	for i, b := range s.Sequence.Batches {
		out[i] = b.L2Data
	}
	return out
}

// DACStatus is cdk's types.DACStatus.
type DACStatus struct {
	Uptime                string `json:"uptime"`
	Version               string `json:"version"`
	KeyCount              uint64 `json:"key_count"`
	LastSynchronizedBlock uint64 `json:"last_synchronized_block"`
}
