package lightnode_test

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/quadrant-da/quadrant/da"
	"github.com/quadrant-da/quadrant/fullnode"
	"github.com/quadrant-da/quadrant/internal/wait"
	"github.com/quadrant-da/quadrant/lightnode"
	"github.com/quadrant-da/quadrant/p2p"
)

// logBuffer collects a node's log lines.
type logBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// startFraudBuilder starts a real p2p full node syncing blocks from f; it
// finds height 2 badly encoded, builds the fraud proof, gossips it to
// nobody that matters and halts. It returns the node and its proof.
func startFraudBuilder(t *testing.T, id string, f *p2p.Host, trustedHash []byte) (*fullnode.Node, []byte) {
	t.Helper()
	cfg := fullnode.DefaultConfig()
	cfg.Mode = fullnode.ModeP2P
	cfg.ChainID = id
	cfg.Sync.TrustedHeight = 1
	cfg.Sync.TrustedHash = fmt.Sprintf("%x", trustedHash)
	cfg.Sync.HeadPollInterval = 200 * time.Millisecond
	cfg.Sync.RetryAfter = 100 * time.Millisecond
	cfg.Sync.RequestTimeout = 5 * time.Second
	cfg.P2P = loopback(f.FullAddrs()[0])
	cfg.Metrics.ListenAddress = ""
	fn, err := fullnode.New(cfg, fullnode.Options{Home: t.TempDir(), Logger: discard})
	if err != nil {
		t.Fatal(err)
	}
	if err := fn.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = fn.Close() })
	wait.For(t, 2*time.Minute, "the full node to build a fraud proof", func() bool { return len(fn.Status().FraudHeights) > 0 })
	enc, ok := fn.FraudProof(2)
	if !ok {
		t.Fatalf("full node status %+v: no proof for height 2", fn.Status())
	}
	return fn, enc
}

// TestLateLightNodeLearnsFraudProof: a full node built and gossiped a
// fraud proof before the light node existed; the light node, started
// afterwards with it as a bootstrap peer, fetches the proof over the befp
// protocol, keeps it until it has verified the header of height 2, then
// halts exactly as for a gossiped proof (and stays halted on restart).
func TestLateLightNodeLearnsFraudProof(t *testing.T) {
	const id = "befp-sync-light"
	blocks, _, _ := badBlocks(t, id)
	f, _ := serve(t, id, blocks)
	fn, enc := startFraudBuilder(t, id, f, blocks[0].hdr.Hash())

	var logs logBuffer
	log := slog.New(slog.NewTextHandler(&logs, nil))
	home := t.TempDir()
	n, err := lightnode.New(lightConfig(home, id, blocks[0].hdr, f, fn.Host()), lightnode.Options{Logger: log, Now: testClock})
	if err != nil {
		t.Fatal(err)
	}
	startNode(t, n)
	wait.For(t, 2*time.Minute, "the light node halted by the synced proof", func() bool { return n.Fraud().Fraudulent })
	fs := n.Fraud()
	if fs.Height != 2 || !bytes.Equal(fs.Proof, enc) || !strings.Contains(fs.Message, "FRAUDULENT from height 2") {
		t.Fatalf("fraud status %+v", fs)
	}
	wait.For(t, 40*time.Second, "sampling stopped", func() bool { return !n.SamplingStats().IsRunning })
	if want := "synced from peer " + fn.Host().ID().String(); !strings.Contains(logs.String(), want) {
		t.Fatalf("no fraud recorded from %q in the log:\n%s", want, logs.String())
	}
	if s := n.Host().Scores.Score(fn.Host().ID()); s < 0 {
		t.Fatalf("the honest full node was scored %d", s)
	}
	if err := n.Close(); err != nil {
		t.Fatal(err)
	}
	n2 := startLight(t, lightConfig(home, id, blocks[0].hdr, f))
	if fs := n2.Fraud(); !fs.Fraudulent || fs.Height != 2 {
		t.Fatalf("restarted light node forgot the synced fraud: %+v", fs)
	}
}

// forgedProofs is a p2p.BEFPSource serving fixed proofs.
type forgedProofs [][]byte

func (f forgedProofs) BEFPs(context.Context) ([][]byte, error) { return f, nil }

// TestForgedSyncedProofDoesNotHalt: a peer serving a forged proof (the
// real one moved to the correctly encoded height 1) over the befp protocol
// does not halt the light node and is scored down.
func TestForgedSyncedProofDoesNotHalt(t *testing.T) {
	const id = "befp-sync-forged"
	blocks, _, fenc := badBlocks(t, id)
	f, _ := serve(t, id, blocks[:1])
	forger, err := p2p.NewHost(loopback(), t.TempDir(), discard, time.Now)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { forger.Close() })
	srv, err := p2p.NewServer(p2p.DefaultServerConfig(), p2p.ServerOptions{Host: forger, ChainID: id, BEFPs: forgedProofs{fenc}, Scores: forger.Scores, Logger: discard})
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Close() })

	n := startLight(t, lightConfig(t.TempDir(), id, blocks[0].hdr, f, forger))
	wait.For(t, 80*time.Second, "the forger scored down", func() bool {
		return n.Host().Scores.Score(forger.ID()) <= -p2p.PenaltyInvalid
	})
	if fs := n.Fraud(); fs.Fraudulent || !n.SamplingStats().IsRunning {
		t.Fatalf("a forged synced proof halted the node: %+v", fs)
	}
}

// TestProofsBelowAnchorJudgedAtOnce: a light node anchored after the
// badly encoded height never holds its header, so proofs for it are judged
// at once against the data root they claim instead of waiting (for ever)
// in a pending slot: the honest proof verifies there and is dropped
// without blame or halt (the node cannot tell it is this chain's), a
// tampered one does not and scores its server down.
func TestProofsBelowAnchorJudgedAtOnce(t *testing.T) {
	const id = "befp-below-anchor"
	blocks, enc, _ := badBlocks(t, id)
	f, _ := serve(t, id, blocks)
	p, err := da.UnmarshalBadEncodingProof(enc)
	if err != nil {
		t.Fatal(err)
	}
	p.Shares[0].Share[100] ^= 1
	tampered, err := p.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	server, err := p2p.NewHost(loopback(), t.TempDir(), discard, time.Now)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { server.Close() })
	srv, err := p2p.NewServer(p2p.DefaultServerConfig(), p2p.ServerOptions{Host: server, ChainID: id, BEFPs: forgedProofs{enc, tampered}, Scores: server.Scores, Logger: discard})
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Close() })

	n := startLight(t, lightConfig(t.TempDir(), id, blocks[2].hdr, f, server))
	wait.For(t, 80*time.Second, "the tampered proof's server scored down", func() bool {
		return n.Host().Scores.Score(server.ID()) < 0
	})
	if s := n.Host().Scores.Score(server.ID()); s != -p2p.PenaltyInvalid {
		t.Fatalf("server scored %d, want %d (the tampered proof only)", s, -p2p.PenaltyInvalid)
	}
	if fs := n.Fraud(); fs.Fraudulent {
		t.Fatalf("a proof below the anchor halted the node: %+v", fs)
	}
}
