package consensus

import (
	"errors"

	"github.com/quadrant-da/quadrant/chain"
)

// errNoPool is returned by the relay methods when the app mempool is off.
var errNoPool = errors.New("consensus: a peer transaction, but the app mempool is off (mempool.type is not \"app\")")

// The methods below are the app mempool's side of the validator's
// transaction relay (validator/txrelay.go), which announces transactions
// by key and sends each only to peers that ask for it, instead of CometBFT
// pushing every transaction to every peer. They do nothing useful with
// CometBFT's own mempool (MempoolFlood): there CometBFT relays.

// NewPoolKeys returns the keys (SHA-256 of the transaction) of the pooled
// transactions not returned before, in arrival order, and marks them
// returned.
func (a *App) NewPoolKeys() [][32]byte {
	if a.pool == nil {
		return nil
	}
	return a.pool.keys(true)
}

// PoolKeys returns the keys of every pooled transaction, in arrival order.
func (a *App) PoolKeys() [][32]byte {
	if a.pool == nil {
		return nil
	}
	return a.pool.keys(false)
}

// PoolTx returns the pooled transaction with key k, or nil when the pool
// does not hold it (never did, or it was committed or dropped since).
func (a *App) PoolTx(k [32]byte) []byte {
	if a.pool == nil {
		return nil
	}
	return a.pool.get(k)
}

// PoolAdded is signalled when a transaction enters the pool (nil without
// the app mempool).
func (a *App) PoolAdded() <-chan struct{} {
	if a.pool == nil {
		return nil
	}
	return a.pool.added
}

// InsertRelayedTx checks a transaction a peer relayed into the pool, as
// InsertTx does; key is its SHA-256, which the relay computed to match it
// to its request. It returns the result code and, when refused, why.
func (a *App) InsertRelayedTx(raw []byte, key [32]byte) (uint32, error) {
	if a.pool == nil {
		return 0, errNoPool
	}
	return a.insertPeerTx(raw, &key)
}

// insertPeerTx checks a transaction from a peer into the pool (key: its
// SHA-256 if known).
func (a *App) insertPeerTx(raw []byte, key *[32]byte) (uint32, error) {
	code, _, log, _ := a.checkTx(raw, key, false)
	if code != chain.CodeOK {
		a.log.Debug("consensus: peer tx refused", "code", code, "reason", log)
		return code, errors.New(log)
	}
	return code, nil
}
