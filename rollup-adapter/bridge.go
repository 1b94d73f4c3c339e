package rollupadapter

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/quadrant-da/quadrant/chain"
	"github.com/quadrant-da/quadrant/da"
	"github.com/quadrant-da/quadrant/erasure"
	"github.com/quadrant-da/quadrant/p2p"
	"github.com/quadrant-da/quadrant/wallet"
)

// SquareStore is the read side of a bridge full node; *fullnode.Store
// satisfies it.
type SquareStore interface {
	HeadHeight() uint64
	Head(ctx context.Context) (*da.ExtendedHeader, error)
	HeaderByHeight(ctx context.Context, height uint64) (*da.ExtendedHeader, error)
	NamespaceData(ctx context.Context, height uint64, ns da.Namespace) (*p2p.NamespaceData, error)
	Square(ctx context.Context, height uint64) (*erasure.ExtendedSquare, error)
}

// BridgeNodeConfig is what a BridgeNode is built from.
type BridgeNodeConfig struct {
	// Store is the bridge full node's store (required).
	Store SquareStore
	// Chain is the consensus node's RPC client, for the network height
	// (required; the same client the Submitters use).
	Chain wallet.ChainClient
	// Submitters hands out the one ordered queue per account of this
	// process (required). Share it with every other signer in the process.
	Submitters *wallet.Submitters
	// Keys is the keyring keys are loaded from by name or address
	// (required).
	Keys *wallet.Keyring
	// DefaultKey is the key name used when a request names none (required).
	DefaultKey string
}

// BridgeNode is the Node of a bridge full node running beside (or talking to)
// a consensus node: reads come from the full node's store, submissions go
// through the process's per-account queues. A request's gas price is not
// honoured per transaction: each account's queue signs at its own configured
// price (the chain minimum by default), which keeps every account's
// transactions in one strict sequence.
type BridgeNode struct {
	SquareStore
	cfg BridgeNodeConfig

	mu   sync.Mutex
	keys map[string]*wallet.Key // by name and by lower-case hex address
}

// NewBridgeNode returns the Node of a bridge full node.
func NewBridgeNode(cfg BridgeNodeConfig) (*BridgeNode, error) {
	if cfg.Store == nil || cfg.Chain == nil || cfg.Submitters == nil || cfg.Keys == nil || cfg.DefaultKey == "" {
		return nil, fmt.Errorf("%w: bridge node needs a store, a chain client, submitters, a keyring and a default key", errInvalidConfig)
	}
	return &BridgeNode{SquareStore: cfg.Store, cfg: cfg, keys: map[string]*wallet.Key{}}, nil
}

// NetworkHeight implements Node: the consensus node's latest block height.
func (b *BridgeNode) NetworkHeight(ctx context.Context) (uint64, error) {
	st, err := b.cfg.Chain.Status(ctx)
	if err != nil {
		return 0, fmt.Errorf("rollupadapter: consensus node status: %w", err)
	}
	return uint64(max(st.SyncInfo.LatestBlockHeight, 0)), nil
}

// SubmitBlobs implements Node through the account's queue of the requested
// key (by signer address, else by name, else the default key).
func (b *BridgeNode) SubmitBlobs(ctx context.Context, req submitRequest) (Submission, error) {
	key, err := b.key(req)
	if err != nil {
		return nil, err
	}
	q, err := b.cfg.Submitters.For(key)
	if err != nil {
		return nil, fmt.Errorf("rollupadapter: submission queue of %s: %w", key.Name, err)
	}
	return q.SubmitBlobs(ctx, req.Blobs...)
}

// HeadChanged implements headNotifier when the store does (*fullnode.Store
// does); otherwise it returns nil and waiters poll.
func (b *BridgeNode) HeadChanged() <-chan struct{} {
	if hn, ok := b.SquareStore.(headNotifier); ok {
		return hn.HeadChanged()
	}
	return nil
}

func (b *BridgeNode) key(req submitRequest) (*wallet.Key, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if req.SignerAddress != "" {
		addr, err := chain.ParseAddress(req.SignerAddress)
		if err != nil {
			return nil, fmt.Errorf("rollupadapter: signer address %q: %w", req.SignerAddress, err)
		}
		if k, ok := b.keys[addr.String()]; ok {
			return k, nil
		}
		infos, err := b.cfg.Keys.List()
		if err != nil {
			return nil, fmt.Errorf("rollupadapter: listing keys: %w", err)
		}
		for _, in := range infos {
			if a, err := chain.ParseAddress(in.Address); err == nil && a == addr {
				return b.loadLocked(in.Name)
			}
		}
		return nil, fmt.Errorf("rollupadapter: no key of this node signs for %s: %w", addr, wallet.ErrKeyNotFound)
	}
	name := req.KeyName
	if name == "" {
		name = b.cfg.DefaultKey
	}
	if k, ok := b.keys[name]; ok {
		return k, nil
	}
	return b.loadLocked(name)
}

func (b *BridgeNode) loadLocked(name string) (*wallet.Key, error) {
	k, err := b.cfg.Keys.Load(name)
	if err != nil {
		if errors.Is(err, wallet.ErrKeyNotFound) {
			return nil, fmt.Errorf("rollupadapter: key %q: %w", name, err)
		}
		return nil, fmt.Errorf("rollupadapter: loading key %q: %w", name, err)
	}
	b.keys[name] = k
	b.keys[k.Address().String()] = k
	return k, nil
}

var _ Node = (*BridgeNode)(nil)
