package consensus

import (
	"bytes"
	"errors"
	"testing"

	"github.com/quadrant-da/quadrant/chain"
)

// FuzzDecodeSnapshotPayload: any bytes decode to a state or an
// errBadSnapshot, without panicking; a decoded state re-encodes to a payload
// that decodes to the same app hash.
func FuzzDecodeSnapshotPayload(f *testing.F) {
	st := &state{ChainID: testChainID, InitialHeight: 1, Height: 5, Params: chain.DefaultParams(),
		Accounts: Accounts{alice.addr: {Balance: 9, Sequence: 2}, bob.addr: {Balance: 1}}, Staking: newStaking(chain.DefaultStakingParams())}
	st.AppHash = appHash(st.Params, st.Accounts, nil, st.Staking)
	good := encodeSnapshotPayload(st)
	f.Add(good)
	f.Add(good[:len(good)/2])
	f.Add([]byte{})
	f.Add([]byte{0xff, 0xff, 0xff, 0xff})
	f.Fuzz(func(t *testing.T, b []byte) {
		st, err := decodeSnapshotPayload(b)
		if err != nil {
			if !errors.Is(err, errBadSnapshot) {
				t.Fatalf("error %v is not ErrBadSnapshot", err)
			}
			return
		}
		again, err := decodeSnapshotPayload(encodeSnapshotPayload(st))
		if err != nil {
			t.Fatalf("re-encoded payload does not decode: %v", err)
		}
		if !bytes.Equal(stateHash(st.Params, st.Accounts, nil, st.Staking, st.Attest), stateHash(again.Params, again.Accounts, nil, again.Staking, again.Attest)) {
			t.Fatal("re-encoding changed the state")
		}
	})
}

// FuzzDecodeSnapshotMeta: any metadata decodes within bounds or fails with
// errBadSnapshot; decoded metadata re-encodes to the same bytes.
func FuzzDecodeSnapshotMeta(f *testing.F) {
	_, m := chunkPayload(bytes.Repeat([]byte{1}, 200), 64)
	f.Add(m.encode(), uint32(len(m.hashes)))
	f.Add([]byte{0, 0, 0, 0, 0, 0, 0, 1}, uint32(0))
	f.Add(make([]byte, 40), uint32(1))
	f.Fuzz(func(t *testing.T, b []byte, chunks uint32) {
		m, err := decodeSnapshotMeta(b, chunks)
		if err != nil {
			if !errors.Is(err, errBadSnapshot) {
				t.Fatalf("error %v is not ErrBadSnapshot", err)
			}
			return
		}
		if len(m.hashes) != int(chunks) || len(m.hashes) > maxSnapshotChunks || m.size > maxSnapshotBytes {
			t.Fatalf("decoded %d hashes, size %d: out of bounds", len(m.hashes), m.size)
		}
		if !bytes.Equal(m.encode(), b) {
			t.Fatal("re-encoding changed the metadata")
		}
	})
}
