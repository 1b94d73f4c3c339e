package consensus

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/cockroachdb/pebble/v2"
	ds "github.com/ipfs/go-datastore"
	"github.com/ipfs/go-datastore/query"
	pebbleds "github.com/ipfs/go-ds-pebble"

	"github.com/quadrant-da/quadrant/chain"
	"github.com/quadrant-da/quadrant/da"
)

// stateMeta is the JSON stored under keyMeta.
type stateMeta struct {
	ChainID       string         `json:"chain_id"`
	Height        int64          `json:"height"`
	InitialHeight int64          `json:"initial_height"`
	AppHash       chain.HexBytes `json:"app_hash"`
	Params        chain.Params   `json:"params"`
	LastBlockTime int64          `json:"last_block_time"`
}

// stateStore persists consensus state and the blob index in one datastore.
// Every write of consensus state is one atomic batch, so the store always
// holds the state after some whole block.
type stateStore struct {
	ds     ds.Batching
	closer func() error
}

// openPebbleStore opens (or creates) a Pebble datastore under dir. Writes are
// synced: a returned Commit survives a crash of the process or the machine.
func openPebbleStore(dir string) (*stateStore, error) {
	d, err := pebbleds.NewDatastore(dir, pebbleds.WithPebbleWriteOptions(pebble.Sync))
	if err != nil {
		return nil, fmt.Errorf("consensus: opening state store in %s: %w", dir, err)
	}
	return &stateStore{ds: d, closer: d.Close}, nil
}

func (s *stateStore) close() error {
	if s.closer == nil {
		return nil
	}
	return s.closer()
}

// load reads the committed state. found is false for an empty store.
func (s *stateStore) load(ctx context.Context) (st *state, found bool, err error) {
	raw, err := s.ds.Get(ctx, ds.NewKey(keyMeta))
	if errors.Is(err, ds.ErrNotFound) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("consensus: reading state meta: %w", err)
	}
	var meta stateMeta
	if err := json.Unmarshal(raw, &meta); err != nil {
		return nil, false, fmt.Errorf("consensus: decoding state meta: %w", err)
	}
	st = &state{
		ChainID:       meta.ChainID,
		Height:        meta.Height,
		InitialHeight: meta.InitialHeight,
		AppHash:       meta.AppHash,
		Params:        meta.Params,
		Accounts:      Accounts{},
		LastBlockTime: meta.LastBlockTime,
	}
	rawStaking, err := s.ds.Get(ctx, ds.NewKey(keyStaking))
	if errors.Is(err, ds.ErrNotFound) {
		return nil, false, fmt.Errorf("consensus: the state store at height %d has no staking state: it was written before the open validator set; start this node from a fresh home", meta.Height)
	}
	if err != nil {
		return nil, false, fmt.Errorf("consensus: reading staking state: %w", err)
	}
	if st.Staking, err = unmarshalStaking(rawStaking); err != nil {
		return nil, false, fmt.Errorf("consensus: decoding staking state: %w", err)
	}
	res, err := s.ds.Query(ctx, query.Query{Prefix: prefixAccount})
	if err != nil {
		return nil, false, fmt.Errorf("consensus: listing accounts: %w", err)
	}
	defer res.Close()
	for r := range res.Next() {
		if r.Error != nil {
			return nil, false, fmt.Errorf("consensus: listing accounts: %w", r.Error)
		}
		addr, err := chain.ParseAddress(strings.TrimPrefix(r.Key, prefixAccount+"/"))
		if err != nil {
			return nil, false, fmt.Errorf("consensus: account key %q: %w", r.Key, err)
		}
		acc, err := unmarshalAccount(r.Value)
		if err != nil {
			return nil, false, fmt.Errorf("consensus: account %s: %w", addr, err)
		}
		st.Accounts[addr] = acc
	}
	// The app hash is recomputed rather than trusted, so a store that was
	// tampered with or half-written is caught at start.
	if rawAttest, err := s.ds.Get(ctx, ds.NewKey(keyAttest)); err == nil {
		if st.Attest, err = unmarshalAttestations(rawAttest); err != nil {
			return nil, false, err
		}
	} else if !errors.Is(err, ds.ErrNotFound) {
		return nil, false, fmt.Errorf("consensus: reading attestation state: %w", err)
	}
	if got := stateHash(st.Params, st.Accounts, nil, st.Staking, st.Attest); string(got) != string(st.AppHash) {
		return nil, false, fmt.Errorf("consensus: stored state at height %d does not match its app hash %X (recomputed %X)",
			st.Height, st.AppHash, got)
	}
	return st, true, nil
}

// commitBatch is everything one Commit writes.
type commitBatch struct {
	meta stateMeta
	// changes are the accounts changed since the previous commit; zero
	// accounts are deleted.
	changes map[chain.Address]Account
	// staking, when not nil, is the new staking state.
	staking *Staking
	// attest, when not nil, is the new attestation state.
	attest *attestations
	// all, when true, means changes hold the complete account set and every
	// stored account not in it must be deleted (InitChain).
	all bool
	// records are the blob index entries of meta.Height.
	records []BlobRecord
	// pruneBelow deletes blob index entries of heights < pruneBelow (0: none).
	pruneBelow int64
}

// commit writes b atomically.
func (s *stateStore) commit(ctx context.Context, b commitBatch) error {
	batch, err := s.ds.Batch(ctx)
	if err != nil {
		return fmt.Errorf("consensus: starting batch: %w", err)
	}
	if b.all {
		keys, err := s.keys(ctx, prefixAccount)
		if err != nil {
			return err
		}
		for _, k := range keys {
			if err := batch.Delete(ctx, ds.NewKey(k)); err != nil {
				return fmt.Errorf("consensus: deleting %s: %w", k, err)
			}
		}
	}
	for addr, acc := range b.changes {
		key := ds.NewKey(accountKey(addr))
		if acc.IsZero() {
			err = batch.Delete(ctx, key)
		} else {
			err = batch.Put(ctx, key, acc.marshal())
		}
		if err != nil {
			return fmt.Errorf("consensus: writing account %s: %w", addr, err)
		}
	}
	if b.staking != nil {
		if err := batch.Put(ctx, ds.NewKey(keyStaking), b.staking.marshal()); err != nil {
			return fmt.Errorf("consensus: writing staking state: %w", err)
		}
	}
	if b.attest != nil {
		if err := batch.Put(ctx, ds.NewKey(keyAttest), b.attest.marshal()); err != nil {
			return fmt.Errorf("consensus: writing attestation state: %w", err)
		}
	}
	ordinals := make(map[string]int)
	for _, r := range b.records {
		ns, err := da.NamespaceFromBytes(r.Namespace)
		if err != nil {
			return fmt.Errorf("consensus: blob record namespace: %w", err)
		}
		v, err := json.Marshal(r)
		if err != nil {
			return fmt.Errorf("consensus: encoding blob record: %w", err)
		}
		n := ordinals[ns.String()]
		ordinals[ns.String()] = n + 1
		if err := batch.Put(ctx, ds.NewKey(blobRecordKey(r.Height, ns, n)), v); err != nil {
			return fmt.Errorf("consensus: writing blob record: %w", err)
		}
	}
	if b.pruneBelow > 0 {
		if err := s.pruneIndexLocked(ctx, batch, b.pruneBelow); err != nil {
			return err
		}
	}
	meta, err := json.Marshal(b.meta)
	if err != nil {
		return fmt.Errorf("consensus: encoding state meta: %w", err)
	}
	if err := batch.Put(ctx, ds.NewKey(keyMeta), meta); err != nil {
		return fmt.Errorf("consensus: writing state meta: %w", err)
	}
	if err := batch.Commit(ctx); err != nil {
		return fmt.Errorf("consensus: committing height %d: %w", b.meta.Height, err)
	}
	return nil
}

// pruneIndexLocked adds deletes of blob index entries below height to batch.
func (s *stateStore) pruneIndexLocked(ctx context.Context, batch ds.Batch, below int64) error {
	res, err := s.ds.Query(ctx, query.Query{Prefix: prefixBlobIndex, KeysOnly: true})
	if err != nil {
		return fmt.Errorf("consensus: listing blob index: %w", err)
	}
	defer res.Close()
	for r := range res.Next() {
		if r.Error != nil {
			return fmt.Errorf("consensus: listing blob index: %w", r.Error)
		}
		h, err := heightFromBlobKey(r.Key)
		if err != nil {
			return err
		}
		if h >= below {
			break // keys are in height order
		}
		if err := batch.Delete(ctx, ds.NewKey(r.Key)); err != nil {
			return fmt.Errorf("consensus: pruning %s: %w", r.Key, err)
		}
	}
	return nil
}

func (s *stateStore) keys(ctx context.Context, prefix string) ([]string, error) {
	res, err := s.ds.Query(ctx, query.Query{Prefix: prefix, KeysOnly: true})
	if err != nil {
		return nil, fmt.Errorf("consensus: listing %s: %w", prefix, err)
	}
	defer res.Close()
	var keys []string
	for r := range res.Next() {
		if r.Error != nil {
			return nil, fmt.Errorf("consensus: listing %s: %w", prefix, r.Error)
		}
		keys = append(keys, r.Key)
	}
	return keys, nil
}

// blobRecords returns the index entries of one height and namespace, in
// block order.
func (s *stateStore) blobRecords(ctx context.Context, height int64, ns da.Namespace) ([]BlobRecord, error) {
	res, err := s.ds.Query(ctx, query.Query{Prefix: blobNamespacePrefix(height, ns)})
	if err != nil {
		return nil, fmt.Errorf("consensus: reading blob index: %w", err)
	}
	defer res.Close()
	out := []BlobRecord{}
	for r := range res.Next() {
		if r.Error != nil {
			return nil, fmt.Errorf("consensus: reading blob index: %w", r.Error)
		}
		var rec BlobRecord
		if err := json.Unmarshal(r.Value, &rec); err != nil {
			return nil, fmt.Errorf("consensus: decoding blob record %s: %w", r.Key, err)
		}
		out = append(out, rec)
	}
	return out, nil
}
