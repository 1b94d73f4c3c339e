package consensus

import (
	"crypto/sha256"
	"sync"
)

// MempoolType selects which mempool holds transactions between CheckTx and a
// block: CometBFT's ("flood", the default) or the application's own
// ("app", CometBFT v0.40's app-side mempool).
type MempoolType string

// Mempool types.
const (
	MempoolFlood MempoolType = "flood"
	MempoolApp   MempoolType = "app"
)

// PoolConfig bounds the application's own mempool (MempoolApp).
type PoolConfig struct {
	// MaxTxs and MaxBytes bound how many transactions, and how many bytes of
	// them, the pool holds; a transaction that would exceed either is
	// refused with chain.CodeMempoolFull (retry later).
	MaxTxs   int
	MaxBytes int64
}

// txPool is the application's mempool when CometBFT runs with
// mempool.type = "app": CometBFT then keeps no transactions of its own, asks
// the application for new ones to gossip (ReapTxs), hands it those its peers
// send (InsertTx), and passes PrepareProposal none, so the proposer builds
// its block from this pool. Transactions are kept in arrival order, which
// for each signer is sequence order (CheckTx admits only the next
// sequence). Safe for concurrent use.
type txPool struct {
	cfg PoolConfig

	mu    sync.Mutex
	txs   []*poolTx // arrival order
	byKey map[[32]byte]*poolTx
	bytes int64
	// added is signalled (without blocking) when a transaction is added.
	added chan struct{}
}

type poolTx struct {
	key      [32]byte
	d        *decodedTx
	gossiped bool // handed to ReapTxs already
}

func newTxPool(cfg PoolConfig) *txPool {
	return &txPool{cfg: cfg, byKey: map[[32]byte]*poolTx{}, added: make(chan struct{}, 1)}
}

// has reports whether the pool holds the transaction with key k.
func (p *txPool) has(k [32]byte) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.byKey[k] != nil
}

// room reports whether a transaction of n bytes fits.
func (p *txPool) room(n int) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.roomLocked(n)
}

func (p *txPool) roomLocked(n int) bool {
	return len(p.txs) < p.cfg.MaxTxs && p.bytes+int64(n) <= p.cfg.MaxBytes
}

// add appends d under key k; it reports false when the pool is full or
// already holds k.
func (p *txPool) add(k [32]byte, d *decodedTx) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.byKey[k] != nil || !p.roomLocked(len(d.raw)) {
		return false
	}
	d.setKey(k)
	t := &poolTx{key: k, d: d}
	p.txs = append(p.txs, t)
	p.byKey[k] = t
	p.bytes += int64(len(d.raw))
	select {
	case p.added <- struct{}{}:
	default:
	}
	return true
}

// get returns the pooled transaction with key k, or nil.
func (p *txPool) get(k [32]byte) []byte {
	p.mu.Lock()
	defer p.mu.Unlock()
	if t := p.byKey[k]; t != nil {
		return t.d.raw
	}
	return nil
}

// keys returns the keys of the pooled transactions in arrival order; with
// fresh, only of those not handed out before, and marks them handed out.
func (p *txPool) keys(fresh bool) [][32]byte {
	p.mu.Lock()
	defer p.mu.Unlock()
	var out [][32]byte
	for _, t := range p.txs {
		if fresh && t.gossiped {
			continue
		}
		t.gossiped = t.gossiped || fresh
		out = append(out, t.key)
	}
	return out
}

// snapshot returns the pool's transactions in arrival order.
func (p *txPool) snapshot() [][]byte {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := make([][]byte, len(p.txs))
	for i, t := range p.txs {
		out[i] = t.d.raw
	}
	return out
}

// reap returns, in arrival order, the transactions not yet handed out for
// gossip, up to maxBytes in all (0: no bound), and marks them handed out.
func (p *txPool) reap(maxBytes uint64) [][]byte {
	p.mu.Lock()
	defer p.mu.Unlock()
	var out [][]byte
	var n uint64
	for _, t := range p.txs {
		if t.gossiped {
			continue
		}
		if maxBytes > 0 && n+uint64(len(t.d.raw)) > maxBytes && len(out) > 0 {
			break
		}
		t.gossiped = true
		n += uint64(len(t.d.raw))
		out = append(out, t.d.raw)
	}
	return out
}

// update removes the transactions of a committed block (by content), then
// keeps, in arrival order, only those keep accepts; it returns how many
// were removed as committed and as no longer valid. known[i], when not
// nil, is blockTxs[i] decoded, whose key is not computed again.
func (p *txPool) update(blockTxs [][]byte, known []*decodedTx, keep func(*decodedTx) bool) (committed, invalid int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for i, raw := range blockTxs {
		var k [32]byte
		if i < len(known) && known[i] != nil && known[i].keyed {
			k = known[i].key
		} else {
			k = sha256.Sum256(raw)
		}
		if t := p.byKey[k]; t != nil {
			delete(p.byKey, k)
			p.bytes -= int64(len(t.d.raw))
			t.d = nil
			committed++
		}
	}
	kept := p.txs[:0]
	for _, t := range p.txs {
		switch {
		case t.d == nil:
		case keep(t.d):
			kept = append(kept, t)
		default:
			delete(p.byKey, t.key)
			p.bytes -= int64(len(t.d.raw))
			invalid++
		}
	}
	clear(p.txs[len(kept):])
	p.txs = kept
	return committed, invalid
}

// size returns the number of transactions and their bytes.
func (p *txPool) size() (int, int64) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.txs), p.bytes
}
