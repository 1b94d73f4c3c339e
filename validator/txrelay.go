package validator

import (
	"crypto/sha256"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/cometbft/cometbft/p2p"
	gogotypes "github.com/cosmos/gogoproto/types"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/quadrant-da/quadrant/internal/promx"
)

// txRelayChannel is the CometBFT p2p channel of Quadrant's transaction
// relay (CometBFT's own channels are below 0x70).
const txRelayChannel = byte(0x70)

// Relay message kinds: the first byte of every message on txRelayChannel.
const (
	msgHave byte = 1 // keys of transactions the sender holds
	msgWant byte = 2 // keys of transactions the sender asks for
	msgTx   byte = 3 // one transaction, asked for
)

const (
	// relayMaxKeys bounds the keys in one have or want message.
	relayMaxKeys = 1024
	// relayMaxWants bounds the transactions asked for and not yet received.
	relayMaxWants = 512
	// relayWantTimeout is how long a want may go unanswered before the
	// transaction is asked of another peer that announced it.
	relayWantTimeout = 10 * time.Second
	// relayForget is how long a peer is remembered to hold a key.
	relayForget = 10 * time.Minute
	// relayPeerWants bounds the wants outstanding at one peer, so a peer
	// announcing keys it never sends cannot take every want.
	relayPeerWants = relayMaxWants / 4
	// relayMaxKnown bounds the keys remembered per peer.
	relayMaxKnown = 1 << 16
	// relaySendQueue bounds the messages queued for one peer, and
	// relayQueuedBytes their bytes.
	relaySendQueue   = 1024
	relayQueuedBytes = 64 << 20
)

// txPool is what the relay needs of the application's mempool
// (consensus.App with the app mempool).
type txPool interface {
	NewPoolKeys() [][32]byte
	PoolKeys() [][32]byte
	PoolTx(k [32]byte) []byte
	PoolAdded() <-chan struct{}
	InsertRelayedTx(raw []byte, key [32]byte) (uint32, error)
}

// txRelay is a CometBFT reactor that spreads mempool transactions between
// validators by announcement: a node announces the keys (SHA-256) of the
// transactions that enter its pool to the peers not known to hold them,
// a peer asks for those it lacks from the first peer that announced them,
// and gets each once. CometBFT v0.40's app-mempool reactor, which it
// replaces for gossip (mempool.broadcast is off), pushes every
// transaction to every peer, and every peer pushes it on again: in a
// 4-validator mesh a 2 MiB blob transaction crossed 12 links where 3 do,
// and each extra copy was received, decrypted, hashed and dropped. A
// transaction still reaches nodes several hops away (each node announces
// what it admitted), and one a peer fails to send is asked of another
// announcer after relayWantTimeout.
type txRelay struct {
	p2p.BaseReactor
	pool    txPool
	maxTx   int
	metrics *relayMetrics
	// wantTimeout is relayWantTimeout (shorter in tests).
	wantTimeout time.Duration

	mu    sync.Mutex
	peers map[p2p.ID]*relayPeer
	wants map[[32]byte]*relayWant
	seen  map[[32]byte]time.Time // keys this node held or was sent, not to ask for again

	inbox chan relayed // transactions received, for the insert loop
	quit  chan struct{}
	wg    sync.WaitGroup
}

type relayPeer struct {
	peer   p2p.Peer
	known  map[[32]byte]time.Time // keys it announced, sent or was told of
	sendq  chan []byte
	queued atomic.Int64 // bytes in sendq
	done   chan struct{}
}

type relayWant struct {
	from  p2p.ID    // asked of
	at    time.Time // when
	other []p2p.ID  // other peers that announced it
	got   bool      // received, being checked into the pool
}

type relayed struct {
	from p2p.ID
	key  [32]byte
	raw  []byte
}

// newTxRelay returns the relay for pool; maxTx bounds one transaction.
func newTxRelay(pool txPool, maxTx int, reg prometheus.Registerer) *txRelay {
	r := &txRelay{
		pool: pool, maxTx: maxTx, metrics: newRelayMetrics(reg), wantTimeout: relayWantTimeout,
		peers: map[p2p.ID]*relayPeer{}, wants: map[[32]byte]*relayWant{}, seen: map[[32]byte]time.Time{},
		inbox: make(chan relayed, relayMaxWants), quit: make(chan struct{}),
	}
	r.BaseReactor = *p2p.NewBaseReactor("QuadrantTxRelay", r)
	return r
}

// GetChannels implements p2p.Reactor.
func (r *txRelay) GetChannels() []*p2p.ChannelDescriptor {
	return []*p2p.ChannelDescriptor{{
		ID: txRelayChannel, Priority: 5, SendQueueCapacity: 16,
		RecvMessageCapacity: max(r.maxTx, relayMaxKeys*32) + 64,
		MessageType:         &gogotypes.BytesValue{},
	}}
}

// OnStart implements service.Service.
func (r *txRelay) OnStart() error {
	r.wg.Add(2)
	go r.announceLoop()
	go r.insertLoop()
	return nil
}

// OnStop implements service.Service.
func (r *txRelay) OnStop() {
	close(r.quit)
	r.wg.Wait()
}

// AddPeer implements p2p.Reactor: the peer gets its send loop and is told
// of every pooled transaction.
func (r *txRelay) AddPeer(peer p2p.Peer) {
	rp := &relayPeer{peer: peer, known: map[[32]byte]time.Time{}, sendq: make(chan []byte, relaySendQueue), done: make(chan struct{})}
	r.mu.Lock()
	if old := r.peers[peer.ID()]; old != nil {
		close(old.done)
	}
	r.peers[peer.ID()] = rp
	r.mu.Unlock()
	r.wg.Add(1)
	go r.sendLoop(rp)
	r.announce(r.pool.PoolKeys())
}

// RemovePeer implements p2p.Reactor; its wants are asked of others at the
// next tick.
func (r *txRelay) RemovePeer(peer p2p.Peer, _ any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if rp := r.peers[peer.ID()]; rp != nil {
		close(rp.done)
		delete(r.peers, peer.ID())
	}
	for _, w := range r.wants {
		if w.from == peer.ID() {
			w.at = time.Time{} // timed out
		}
	}
}

// Receive implements p2p.Reactor. It never blocks on the pool: received
// transactions go to the insert loop. A malformed message disconnects the
// peer.
func (r *txRelay) Receive(e p2p.Envelope) {
	msg, ok := e.Message.(*gogotypes.BytesValue)
	if !ok {
		r.refuse(e.Src, errors.New("not a relay message"))
		return
	}
	kind, keys, tx, err := parseRelayMsg(msg.Value)
	if err != nil {
		r.refuse(e.Src, err)
		return
	}
	switch kind {
	case msgHave:
		r.onHave(e.Src.ID(), keys)
	case msgWant:
		r.onWant(e.Src.ID(), keys)
	case msgTx:
		r.onTx(e.Src.ID(), tx)
	}
}

// parseRelayMsg splits a relay message into its kind and its keys (have,
// want) or transaction (tx); keys do not alias b.
func parseRelayMsg(b []byte) (kind byte, keys [][32]byte, tx []byte, err error) {
	if len(b) == 0 {
		return 0, nil, nil, errors.New("empty message")
	}
	kind, body := b[0], b[1:]
	switch kind {
	case msgHave, msgWant:
		if len(body) == 0 || len(body)%32 != 0 || len(body)/32 > relayMaxKeys {
			return 0, nil, nil, fmt.Errorf("%d bytes of keys: want 1 to %d keys of 32 bytes", len(body), relayMaxKeys)
		}
		keys = make([][32]byte, len(body)/32)
		for i := range keys {
			copy(keys[i][:], body[32*i:])
		}
		return kind, keys, nil, nil
	case msgTx:
		if len(body) == 0 {
			return 0, nil, nil, errors.New("empty transaction")
		}
		return kind, nil, body, nil
	default:
		return 0, nil, nil, fmt.Errorf("unknown message kind %d", kind)
	}
}

// refuse drops a peer that sent a malformed relay message.
func (r *txRelay) refuse(p p2p.Peer, err error) {
	r.Logger.Info("tx relay: malformed message, disconnecting", "peer", p.ID(), "err", err)
	r.Switch.StopPeerForError(p, fmt.Errorf("tx relay: %w", err))
}

// onHave asks from for the announced transactions this node lacks and
// has not asked anyone for.
func (r *txRelay) onHave(from p2p.ID, keys [][32]byte) {
	now := time.Now()
	var want [][32]byte
	r.mu.Lock()
	rp := r.peers[from]
	if rp == nil {
		r.mu.Unlock()
		return
	}
	asked := 0
	for _, w := range r.wants {
		if w.from == from {
			asked++
		}
	}
	for _, k := range keys {
		r.know(rp, k, now)
		switch w := r.wants[k]; {
		case w != nil:
			if w.from != from && len(w.other) < 8 {
				w.other = append(w.other, from)
			}
		case r.seen[k].IsZero() && len(r.wants) < relayMaxWants && asked < relayPeerWants && r.pool.PoolTx(k) == nil:
			r.wants[k] = &relayWant{from: from, at: now}
			want = append(want, k)
			asked++
		}
	}
	r.mu.Unlock()
	r.send(from, msgWant, want)
}

// onWant sends from the asked transactions the pool holds.
func (r *txRelay) onWant(from p2p.ID, keys [][32]byte) {
	now := time.Now()
	r.mu.Lock()
	defer r.mu.Unlock()
	rp := r.peers[from]
	if rp == nil {
		return
	}
	for _, k := range keys {
		raw := r.pool.PoolTx(k)
		if raw == nil {
			continue // committed or dropped since it was announced
		}
		r.know(rp, k, now)
		if r.enqueue(rp, append([]byte{msgTx}, raw...)) {
			r.metrics.sent.Inc()
			r.metrics.sentBytes.Add(float64(len(raw)))
		}
	}
}

// onTx takes a transaction this node asked from for; one it did not ask
// for (or asked of another peer) is dropped.
func (r *txRelay) onTx(from p2p.ID, raw []byte) {
	k := sha256.Sum256(raw)
	r.mu.Lock()
	w := r.wants[k]
	ok := w != nil && !w.got && w.from == from
	if ok {
		w.got = true // until the insert loop is done with it
	}
	if rp := r.peers[from]; rp != nil {
		r.know(rp, k, time.Now())
	}
	r.mu.Unlock()
	if !ok {
		r.metrics.unasked.Inc()
		return
	}
	r.metrics.received.Inc()
	r.metrics.receivedBytes.Add(float64(len(raw)))
	select {
	case r.inbox <- relayed{from: from, key: k, raw: raw}:
	case <-r.quit:
	}
}

// insertLoop checks received transactions into the pool, one at a time.
func (r *txRelay) insertLoop() {
	defer r.wg.Done()
	for {
		select {
		case <-r.quit:
			return
		case t := <-r.inbox:
			if code, err := r.pool.InsertRelayedTx(t.raw, t.key); err != nil {
				r.Logger.Debug("tx relay: relayed tx refused", "peer", t.from, "code", code, "err", err)
			}
			r.mu.Lock()
			delete(r.wants, t.key)
			r.see(t.key, time.Now())
			r.mu.Unlock()
		}
	}
}

// announceLoop announces transactions as they enter the pool, and once a
// second asks again for wants that went unanswered and forgets old keys.
func (r *txRelay) announceLoop() {
	defer r.wg.Done()
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	for {
		select {
		case <-r.quit:
			return
		case <-r.pool.PoolAdded():
			keys := r.pool.NewPoolKeys()
			now := time.Now()
			r.mu.Lock()
			for _, k := range keys {
				r.see(k, now)
			}
			r.mu.Unlock()
			r.announce(keys)
		case <-tick.C:
			r.retryWants()
			r.forget()
		}
	}
}

// announce sends keys to every peer not known to hold them.
func (r *txRelay) announce(keys [][32]byte) {
	if len(keys) == 0 {
		return
	}
	now := time.Now()
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, rp := range r.peers {
		var tell [][32]byte
		for _, k := range keys {
			if _, ok := rp.known[k]; !ok {
				r.know(rp, k, now)
				tell = append(tell, k)
			}
		}
		r.enqueueKeys(rp, msgHave, tell)
	}
}

// retryWants asks again, of another announcer, for what went unanswered;
// a want no other peer announced is dropped (the next announcement of it
// asks again).
func (r *txRelay) retryWants() {
	now := time.Now()
	asks := map[p2p.ID][][32]byte{}
	r.mu.Lock()
	for k, w := range r.wants {
		if w.got || now.Sub(w.at) < r.wantTimeout {
			continue
		}
		for len(w.other) > 0 && r.peers[w.other[0]] == nil {
			w.other = w.other[1:]
		}
		if len(w.other) == 0 || r.pool.PoolTx(k) != nil {
			delete(r.wants, k)
			continue
		}
		w.from, w.at, w.other = w.other[0], now, w.other[1:]
		asks[w.from] = append(asks[w.from], k)
		r.metrics.retried.Inc()
	}
	r.mu.Unlock()
	for p, keys := range asks {
		r.send(p, msgWant, keys)
	}
}

// forget drops what peers are known to hold, and what this node saw,
// after relayForget.
func (r *txRelay) forget() {
	cut := time.Now().Add(-relayForget)
	r.mu.Lock()
	defer r.mu.Unlock()
	for k, at := range r.seen {
		if at.Before(cut) {
			delete(r.seen, k)
		}
	}
	for _, rp := range r.peers {
		for k, at := range rp.known {
			if at.Before(cut) {
				delete(rp.known, k)
			}
		}
	}
}

// know records that rp holds k, while it is known to hold fewer than
// relayMaxKnown keys (past that, it may be told of k again).
func (r *txRelay) know(rp *relayPeer, k [32]byte, now time.Time) {
	if _, ok := rp.known[k]; ok || len(rp.known) < relayMaxKnown {
		rp.known[k] = now
	}
}

// see records that this node held k (bounded as know is).
func (r *txRelay) see(k [32]byte, now time.Time) {
	if len(r.seen) < relayMaxKnown {
		r.seen[k] = now
	}
}

// send queues keys of kind for peer p.
func (r *txRelay) send(p p2p.ID, kind byte, keys [][32]byte) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if rp := r.peers[p]; rp != nil {
		r.enqueueKeys(rp, kind, keys)
	}
}

// enqueueKeys queues keys of kind for rp in messages of at most
// relayMaxKeys.
func (r *txRelay) enqueueKeys(rp *relayPeer, kind byte, keys [][32]byte) {
	for len(keys) > 0 {
		n := min(len(keys), relayMaxKeys)
		msg := make([]byte, 1, 1+32*n)
		msg[0] = kind
		for _, k := range keys[:n] {
			msg = append(msg, k[:]...)
		}
		r.enqueue(rp, msg)
		keys = keys[n:]
	}
}

// enqueue queues msg for rp without blocking; a full queue (by count or
// bytes) drops it: a dropped transaction is asked again of another
// announcer, a dropped announcement is made by the pool's other holders.
func (r *txRelay) enqueue(rp *relayPeer, msg []byte) bool {
	if rp.queued.Load()+int64(len(msg)) > relayQueuedBytes {
		r.metrics.dropped.Inc()
		return false
	}
	select {
	case rp.sendq <- msg:
		rp.queued.Add(int64(len(msg)))
		return true
	default:
		r.metrics.dropped.Inc()
		return false
	}
}

// sendLoop sends rp's queued messages until it is removed or the relay
// stops.
func (r *txRelay) sendLoop(rp *relayPeer) {
	defer r.wg.Done()
	for {
		select {
		case <-r.quit:
			return
		case <-rp.done:
			return
		case msg := <-rp.sendq:
			rp.peer.Send(p2p.Envelope{ChannelID: txRelayChannel, Message: &gogotypes.BytesValue{Value: msg}})
			rp.queued.Add(-int64(len(msg)))
		}
	}
}

// relayMetrics count the relay's work (namespace quadrant, subsystem
// tx_relay).
type relayMetrics struct {
	sent, sentBytes, received, receivedBytes prometheus.Counter
	unasked, retried, dropped                prometheus.Counter
}

func newRelayMetrics(reg prometheus.Registerer) *relayMetrics {
	c := promx.Counters("tx_relay")
	m := &relayMetrics{
		sent:          c("txs_sent_total", "Transactions sent to peers that asked for them."),
		sentBytes:     c("tx_bytes_sent_total", "Bytes of transactions sent to peers that asked for them."),
		received:      c("txs_received_total", "Transactions received that this node asked for."),
		receivedBytes: c("tx_bytes_received_total", "Bytes of transactions received that this node asked for."),
		unasked:       c("unasked_txs_total", "Transactions received that this node had not asked that peer for (dropped)."),
		retried:       c("retried_wants_total", "Transactions asked of another peer after relayWantTimeout without an answer."),
		dropped:       c("dropped_messages_total", "Relay messages dropped because a peer's send queue was full."),
	}
	if reg != nil {
		reg.MustRegister(m.sent, m.sentBytes, m.received, m.receivedBytes, m.unasked, m.retried, m.dropped)
	}
	return m
}
