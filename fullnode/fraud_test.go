package fullnode_test

import (
	"bytes"
	"context"
	"errors"
	"iter"
	"testing"
	"time"

	"github.com/libp2p/go-libp2p/core/peer"

	"github.com/quadrant-da/quadrant/da"
	"github.com/quadrant-da/quadrant/da/headertest"
	"github.com/quadrant-da/quadrant/erasure"
	"github.com/quadrant-da/quadrant/fullnode"
	"github.com/quadrant-da/quadrant/internal/wait"
	"github.com/quadrant-da/quadrant/p2p"
)

// sortedSquare is headertest.Square under the name bench_test.go uses.
func sortedSquare(_ testing.TB, k int, seed byte) []byte { return headertest.Square(k, seed) }

// signedBlock is one height of a headertest chain and its square.
type signedBlock struct {
	hdr *da.ExtendedHeader
	eds *erasure.ExtendedSquare
}

// badChain returns three heights signed by the test's own validator keys;
// the square of height 2 has a wrongly extended row: one parity share of
// row 1 was changed after extension and the DA header was computed over
// the changed square, as a malicious proposer would publish it.
func badChain(t testing.TB) (*headertest.Chain, []signedBlock) {
	t.Helper()
	c := headertest.NewChain("befp-test", 4, "befp")
	var out []signedBlock
	for i, k := range []int{4, 8, 4} {
		eds := headertest.ExtendedSquare(k, byte(i+1))
		if i == 1 {
			eds.Share(1, k+2)[300] ^= 0x5A
		}
		h, err := c.NextSquare(eds)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, signedBlock{hdr: h, eds: eds})
	}
	return c, out
}

// servingHost serves blocks from a real store over a libp2p host; squares
// wraps the store to answer square requests (nil: the store itself).
func servingHost(t testing.TB, chainID string, blocks []signedBlock, squares func(*fullnode.Store) p2p.SquareSource) *p2p.Host {
	t.Helper()
	ctx := context.Background()
	st, err := fullnode.OpenStore(t.TempDir(), fullnode.DefaultStoreConfig(), discard)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	for _, b := range blocks {
		if err := st.Put(ctx, b.hdr, b.eds); err != nil {
			t.Fatal(err)
		}
	}
	h, err := p2p.NewHost(loopbackP2P(), t.TempDir(), discard, time.Now)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { h.Close() })
	var sq p2p.SquareSource = st
	if squares != nil {
		sq = squares(st)
	}
	srv, err := p2p.NewServer(p2p.DefaultServerConfig(), p2p.ServerOptions{Host: h, ChainID: chainID, Headers: st, Squares: sq, Scores: h.Scores, Logger: discard})
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Close() })
	return h
}

// TestFraudProofFromBadlyEncodedBlock: a p2p full node syncing a chain whose
// height 2 has a wrongly extended row detects it, builds a fraud proof that
// verifies, gossips it, refuses to store or serve height 2 and halts. A
// forged fraud proof (against the correctly encoded height 1) does not
// verify, and the peer that gossips it is scored down.
func TestFraudProofFromBadlyEncodedBlock(t *testing.T) {
	c, blocks := badChain(t)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	server := servingHost(t, c.ChainID, blocks, nil)

	// An observer that listens to fraud-proof gossip.
	obs, err := p2p.NewHost(loopbackP2P(), t.TempDir(), discard, time.Now)
	if err != nil {
		t.Fatal(err)
	}
	defer obs.Close()
	accept := func(context.Context, peer.ID, []byte) error { return nil }
	ignoreHeaders := func(context.Context, peer.ID, *da.LightHeader) error { return p2p.ErrIgnore }
	og, err := p2p.NewGossip(ctx, obs, c.ChainID, obs.Scores, ignoreHeaders, accept)
	if err != nil {
		t.Fatal(err)
	}
	defer og.Close()
	sub, err := og.SubscribeBEFP()
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Cancel()

	good, bad := blocks[0], blocks[1]
	home := t.TempDir()
	n := startNode(t, home, p2pConfig(c.ChainID, 1, good.hdr.Hash(), server.FullAddrs()[0], obs.FullAddrs()[0]), "p2p")
	wait.For(t, 2*time.Minute, "a fraud proof for height 2", func() bool { return len(n.Status().FraudHeights) > 0 })

	st := n.Status()
	if len(st.FraudHeights) != 1 || st.FraudHeights[0] != 2 || !st.Halted || st.Head != 1 {
		t.Fatalf("status after fraud: %+v", st)
	}
	enc, ok := n.FraudProof(2)
	if !ok {
		t.Fatal("no fraud proof kept for height 2")
	}
	proof, err := da.UnmarshalBadEncodingProof(enc)
	if err != nil {
		t.Fatal(err)
	}
	if err := proof.Verify(bad.hdr.DataRoot()); err != nil {
		t.Fatalf("the node's fraud proof does not verify: %v", err)
	}
	if proof.Height != 2 || !(proof.Axis == erasure.Row && proof.Index == 1 || proof.Axis == erasure.Col && proof.Index == 8+2) {
		t.Fatalf("proof accuses height %d %s %d, want row 1 or column 10 of height 2", proof.Height, proof.Axis, proof.Index)
	}
	if ok, _ := n.Store().Has(ctx, 2); ok {
		t.Fatal("the badly encoded height was stored")
	}

	// The proof was gossiped.
	gctx, gcancel := context.WithTimeout(ctx, 10*time.Second)
	got, from, err := sub.Next(gctx)
	gcancel()
	if err != nil {
		t.Fatalf("no fraud proof gossiped: %v", err)
	}
	if !bytes.Equal(got, enc) || from != n.Host().ID() {
		t.Fatalf("gossiped proof from %s differs from the node's", from)
	}

	// A forged proof against the correct height 1 does not verify...
	byz := &erasure.ErrByzantineData{Axis: erasure.Row, Index: 0, Shares: good.eds.Row(0)}
	forged, err := da.NewBadEncodingProof(1, good.hdr.DAH, good.eds, nil, byz)
	if err != nil {
		t.Fatal(err)
	}
	if err := forged.Verify(good.hdr.DataRoot()); !errors.Is(err, da.ErrBEFPHonestAxis) {
		t.Fatalf("forged proof: Verify = %v, want ErrBEFPHonestAxis", err)
	}
	fenc, err := forged.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	// ...and its sender is scored down by the node, which keeps it out.
	if err := og.PublishBEFP(ctx, fenc); err != nil {
		t.Fatal(err)
	}
	wait.For(t, 40*time.Second, "the forger to be scored down", func() bool { return n.Host().Scores.Score(obs.ID()) < 0 })
	if _, ok := n.FraudProof(1); ok {
		t.Fatal("the node recorded the forged proof")
	}

	// A restarted node remembers the fraud proof: still halted, height 2
	// still condemned.
	if err := n.Close(); err != nil {
		t.Fatal(err)
	}
	n2 := startNode(t, home, p2pConfig(c.ChainID, 1, good.hdr.Hash(), server.FullAddrs()[0]), "p2p-restarted")
	if st := n2.Status(); !st.Halted || len(st.FraudHeights) != 1 || st.FraudHeights[0] != 2 || st.Head != 1 {
		t.Fatalf("restarted node status %+v", st)
	}
}

// lyingSource serves a store but corrupts every original square and half
// axis it hands out.
type lyingSource struct{ *fullnode.Store }

func (l lyingSource) OriginalRows(ctx context.Context, height uint64) (int, iter.Seq2[[]byte, error], error) {
	k, rows, err := l.Store.OriginalRows(ctx, height)
	if err != nil {
		return 0, nil, err
	}
	return k, func(yield func([]byte, error) bool) {
		r := 0
		for row, err := range rows {
			if r++; r == k && err == nil {
				row = append([]byte(nil), row...)
				row[len(row)-100] ^= 1
			}
			if !yield(row, err) {
				return
			}
		}
	}, nil
}

func (l lyingSource) HalfAxis(ctx context.Context, height uint64, axis erasure.Axis, index, half int) ([][]byte, error) {
	out, err := l.Store.HalfAxis(ctx, height, axis, index, half)
	if err == nil {
		out[0] = append([]byte(nil), out[0]...)
		out[0][200] ^= 1
	}
	return out, err
}

// wholeSquareWithheld serves a store except whole original squares.
type wholeSquareWithheld struct{ *fullnode.Store }

func (w wholeSquareWithheld) OriginalRows(context.Context, uint64) (int, iter.Seq2[[]byte, error], error) {
	return 0, nil, p2p.ErrNotFound
}

// TestLyingPeerDoesNotFoolRepair: the only peer that serves whole squares
// lies (its original square does not extend to the data root, its rows are
// corrupted); an honest peer serves rows. The p2p node must repair the
// committed square from verified rows, raise no fraud alarm, and score the
// liar down.
func TestLyingPeerDoesNotFoolRepair(t *testing.T) {
	ctx := context.Background()
	c := headertest.NewChain("liar-test", 4, "liar")
	var blocks []signedBlock
	for i, k := range []int{4, 8} {
		eds := headertest.ExtendedSquare(k, byte(i+1))
		h, err := c.NextSquare(eds)
		if err != nil {
			t.Fatal(err)
		}
		blocks = append(blocks, signedBlock{hdr: h, eds: eds})
	}
	liar := servingHost(t, c.ChainID, blocks, func(s *fullnode.Store) p2p.SquareSource { return lyingSource{s} })
	honest := servingHost(t, c.ChainID, blocks, func(s *fullnode.Store) p2p.SquareSource { return wholeSquareWithheld{s} })

	n := startNode(t, t.TempDir(), p2pConfig(c.ChainID, 1, blocks[0].hdr.Hash(), liar.FullAddrs()[0], honest.FullAddrs()[0]), "p2p")
	wait.For(t, 2*time.Minute, "both heights stored", func() bool { return n.Store().HeadHeight() >= 2 })
	for i, b := range blocks {
		got, err := n.Store().Square(ctx, uint64(i+1))
		if err != nil || !got.Equal(b.eds) {
			t.Fatalf("height %d: stored square differs from the committed one (%v)", i+1, err)
		}
	}
	if st := n.Status(); st.Halted || len(st.FraudHeights) > 0 {
		t.Fatalf("status %+v: a lying peer raised an alarm", st)
	}
	if s := n.Host().Scores.Score(liar.ID()); s >= 0 {
		t.Fatalf("liar's score %d, want negative", s)
	}
	if s := n.Host().Scores.Score(honest.ID()); s < 0 {
		t.Fatalf("honest peer's score %d, want ≥ 0", s)
	}
}
