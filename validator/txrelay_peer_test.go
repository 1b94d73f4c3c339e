package validator

import (
	"crypto/sha256"
	"fmt"
	"sync"
	"testing"
	"time"

	cmtcfg "github.com/cometbft/cometbft/config"
	"github.com/cometbft/cometbft/p2p"
	gogotypes "github.com/cosmos/gogoproto/types"

	"github.com/quadrant-da/quadrant/internal/wait"
)

// relayTestPool is a transaction pool for relay tests: what it holds, and
// whether it answers for it (a silent pool announces its transactions but
// never hands them out, as a peer whose pool lost them would).
type relayTestPool struct {
	mu     sync.Mutex
	txs    map[[32]byte][]byte
	fresh  [][32]byte
	added  chan struct{}
	silent bool
}

func newRelayTestPool(silent bool, txs ...[]byte) *relayTestPool {
	p := &relayTestPool{txs: map[[32]byte][]byte{}, added: make(chan struct{}, 1), silent: silent}
	for _, tx := range txs {
		p.txs[sha256.Sum256(tx)] = tx
	}
	return p
}

func (p *relayTestPool) NewPoolKeys() [][32]byte {
	p.mu.Lock()
	defer p.mu.Unlock()
	k := p.fresh
	p.fresh = nil
	return k
}

func (p *relayTestPool) PoolKeys() [][32]byte {
	p.mu.Lock()
	defer p.mu.Unlock()
	var ks [][32]byte
	for k := range p.txs {
		ks = append(ks, k)
	}
	return ks
}

func (p *relayTestPool) PoolTx(k [32]byte) []byte {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.silent {
		return nil
	}
	return p.txs[k]
}

func (p *relayTestPool) PoolAdded() <-chan struct{} { return p.added }

func (p *relayTestPool) InsertRelayedTx(raw []byte, key [32]byte) (uint32, error) {
	if sha256.Sum256(raw) != key {
		return 1, fmt.Errorf("key does not match the transaction")
	}
	p.mu.Lock()
	p.txs[key] = raw
	p.fresh = append(p.fresh, key)
	p.mu.Unlock()
	select {
	case p.added <- struct{}{}:
	default:
	}
	return 0, nil
}

func (p *relayTestPool) holds(k [32]byte) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.txs[k] != nil
}

// relaySwitches starts one CometBFT switch per pool, each running a relay
// over its pool (want timeout wantTimeout), unconnected: connect them with
// p2p.Connect2Switches (in-memory connections through CometBFT's real
// multiplexed, encrypted peer connections).
func relaySwitches(t *testing.T, wantTimeout time.Duration, pools ...*relayTestPool) ([]*p2p.Switch, []*txRelay) {
	t.Helper()
	relays := make([]*txRelay, len(pools))
	switches := make([]*p2p.Switch, len(pools))
	for i, pool := range pools {
		relays[i] = newTxRelay(pool, 1<<20, nil)
		relays[i].wantTimeout = wantTimeout
		switches[i] = p2p.MakeSwitch(cmtcfg.DefaultP2PConfig(), i, func(_ int, sw *p2p.Switch) *p2p.Switch {
			sw.AddReactor("QUADRANT_TXRELAY", relays[i])
			return sw
		})
	}
	if err := p2p.StartSwitches(switches); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		for _, sw := range switches {
			_ = sw.Stop()
		}
	})
	return switches, relays
}

// TestTxRelayAsksAnotherAnnouncer: a transaction asked of a peer that
// announced it and never sends it is asked, after the want timeout, of the
// next peer that announced it, and arrives from there.
func TestTxRelayAsksAnotherAnnouncer(t *testing.T) {
	tx := []byte("a transaction two peers announce")
	key := sha256.Sum256(tx)
	pools := []*relayTestPool{newRelayTestPool(false), newRelayTestPool(true, tx), newRelayTestPool(false, tx)}
	switches, relays := relaySwitches(t, 2*time.Second, pools...)

	// The silent peer is connected first, so it is asked first.
	p2p.Connect2Switches(switches, 0, 1)
	wait.For(t, 10*time.Second, "the transaction asked of the silent peer", func() bool {
		relays[0].mu.Lock()
		defer relays[0].mu.Unlock()
		w := relays[0].wants[key]
		return w != nil && w.from == switches[1].NodeInfo().ID()
	})
	p2p.Connect2Switches(switches, 0, 2)
	start := time.Now()
	wait.For(t, 20*time.Second, "the transaction relayed by the other announcer", func() bool { return pools[0].holds(key) })
	if d := time.Since(start); d < time.Second {
		t.Fatalf("received %v after the second announcer connected: before the want timed out", d)
	}
	if got := value(relays[0].metrics.retried); got != 1 {
		t.Fatalf("%v wants retried, want 1", got)
	}
	if got := value(relays[2].metrics.sent); got != 1 {
		t.Fatalf("the second announcer sent %v transactions, want 1", got)
	}
}

// TestTxRelayDisconnectsMalformedPeer: a peer sending a relay message that
// does not parse is disconnected; well-formed traffic before it is not.
func TestTxRelayDisconnectsMalformedPeer(t *testing.T) {
	for name, msg := range map[string][]byte{
		"unknown kind":  {9, 1, 2, 3},
		"partial key":   append([]byte{msgHave}, make([]byte, 31)...),
		"empty tx":      {msgTx},
		"empty message": {},
	} {
		t.Run(name, func(t *testing.T) {
			switches, _ := relaySwitches(t, relayWantTimeout, newRelayTestPool(false), newRelayTestPool(false))
			p2p.Connect2Switches(switches, 0, 1)
			peer := switches[1].Peers().Get(switches[0].NodeInfo().ID())
			if peer == nil {
				t.Fatal("switches not connected")
			}
			k := sha256.Sum256([]byte("unknown"))
			if !peer.Send(p2p.Envelope{ChannelID: txRelayChannel, Message: &gogotypes.BytesValue{Value: append([]byte{msgWant}, k[:]...)}}) {
				t.Fatal("sending a well-formed want failed")
			}
			if !peer.Send(p2p.Envelope{ChannelID: txRelayChannel, Message: &gogotypes.BytesValue{Value: msg}}) {
				t.Fatal("sending the malformed message failed")
			}
			wait.For(t, 10*time.Second, "the malformed peer to be disconnected", func() bool { return switches[0].Peers().Size() == 0 })
		})
	}
}
