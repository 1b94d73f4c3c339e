package fullnode_test

import (
	"bytes"
	"context"
	"iter"
	"strings"
	"testing"
	"time"

	"github.com/libp2p/go-libp2p/core/peer"

	"github.com/quadrant-da/quadrant/da"
	"github.com/quadrant-da/quadrant/erasure"
	"github.com/quadrant-da/quadrant/fullnode"
	"github.com/quadrant-da/quadrant/internal/wait"
	"github.com/quadrant-da/quadrant/p2p"
)

// heightWithheld serves a store except any share data of one height: a
// node syncing from it learns that height's header but cannot fetch its
// square (so cannot build the fraud proof itself).
type heightWithheld struct {
	*fullnode.Store
	height uint64
}

func (w heightWithheld) Samples(ctx context.Context, height uint64, coords []p2p.Coord) ([]*da.Sample, error) {
	if height == w.height {
		return nil, p2p.ErrNotFound
	}
	return w.Store.Samples(ctx, height, coords)
}

func (w heightWithheld) HalfAxis(ctx context.Context, height uint64, axis erasure.Axis, index, half int) ([][]byte, error) {
	if height == w.height {
		return nil, p2p.ErrNotFound
	}
	return w.Store.HalfAxis(ctx, height, axis, index, half)
}

func (w heightWithheld) OriginalRows(ctx context.Context, height uint64) (int, iter.Seq2[[]byte, error], error) {
	if height == w.height {
		return 0, nil, p2p.ErrNotFound
	}
	return w.Store.OriginalRows(ctx, height)
}

// TestFraudProofSync: a p2p full node that built a fraud proof serves it
// over the befp protocol (also after a restart, from disk); a second p2p
// full node that could never fetch the bad height's square, and connects
// after the proof was gossiped, learns it from the first on connect,
// verifies it and halts as recordFraud does, with the proof kept.
func TestFraudProofSync(t *testing.T) {
	c, blocks := badChain(t)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	server := servingHost(t, c.ChainID, blocks, nil)
	good := blocks[0]

	homeA := t.TempDir()
	a := startNode(t, homeA, p2pConfig(c.ChainID, 1, good.hdr.Hash(), server.FullAddrs()[0]), "builder")
	wait.For(t, 2*time.Minute, "a fraud proof for height 2", func() bool { return len(a.Status().FraudHeights) > 0 })
	enc, ok := a.FraudProof(2)
	if !ok {
		t.Fatal("no fraud proof kept")
	}

	cl, err := p2p.NewHost(loopbackP2P(), t.TempDir(), discard, time.Now)
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	client, err := p2p.NewClient(p2p.DefaultClientConfig(), p2p.ClientOptions{Host: cl, ChainID: c.ChainID, Scores: cl.Scores})
	if err != nil {
		t.Fatal(err)
	}
	fetch := func(n *fullnode.Node) [][]byte {
		t.Helper()
		if err := cl.Connect(ctx, peer.AddrInfo{ID: n.Host().ID(), Addrs: n.Host().Addrs()}); err != nil {
			t.Fatal(err)
		}
		got, err := client.FetchBEFPs(ctx, n.Host().ID())
		if err != nil {
			t.Fatal(err)
		}
		return got
	}
	if got := fetch(a); len(got) != 1 || !bytes.Equal(got[0], enc) {
		t.Fatalf("builder served %d proofs, want its own", len(got))
	}

	// B syncs headers from a peer that withholds height 2's data; it
	// connects to A only afterwards.
	partial := servingHost(t, c.ChainID, blocks, func(s *fullnode.Store) p2p.SquareSource { return heightWithheld{s, 2} })
	b := startNode(t, t.TempDir(), p2pConfig(c.ChainID, 1, good.hdr.Hash(), partial.FullAddrs()[0]), "late")
	wait.For(t, 80*time.Second, "the late node stuck at height 1", func() bool {
		return b.Status().Head == 1 && strings.Contains(b.Status().LastError, "2")
	})
	if st := b.Status(); st.Halted || len(st.FraudHeights) != 0 {
		t.Fatalf("late node status before connecting to the builder: %+v", st)
	}
	if err := b.Host().Connect(ctx, peer.AddrInfo{ID: a.Host().ID(), Addrs: a.Host().Addrs()}); err != nil {
		t.Fatal(err)
	}
	wait.For(t, 2*time.Minute, "the late node halted by the synced proof", func() bool { return b.Status().Halted })
	st := b.Status()
	if len(st.FraudHeights) != 1 || st.FraudHeights[0] != 2 || !strings.Contains(st.Alert, "synced from peer "+a.Host().ID().String()) {
		t.Fatalf("late node status %+v", st)
	}
	if got, ok := b.FraudProof(2); !ok || !bytes.Equal(got, enc) {
		t.Fatal("late node did not keep the proof")
	}
	if s := b.Host().Scores.Score(a.Host().ID()); s < 0 {
		t.Fatalf("the builder was scored %d", s)
	}

	// A restarted builder serves the proof from disk.
	if err := a.Close(); err != nil {
		t.Fatal(err)
	}
	a2 := startNode(t, homeA, p2pConfig(c.ChainID, 1, good.hdr.Hash(), server.FullAddrs()[0]), "builder-restarted")
	if got := fetch(a2); len(got) != 1 || !bytes.Equal(got[0], enc) {
		t.Fatalf("restarted builder served %d proofs, want the kept one", len(got))
	}
}
