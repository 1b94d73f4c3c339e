package fullnode_test

import (
	"bytes"
	"context"
	"errors"
	"testing"
	"time"

	"github.com/libp2p/go-libp2p/core/peer"

	"github.com/quadrant-da/quadrant/da"
	"github.com/quadrant-da/quadrant/erasure"
	"github.com/quadrant-da/quadrant/internal/wait"
	"github.com/quadrant-da/quadrant/p2p"
)

// TestWithholdServesLikeMissingHeight: a p2p-mode full node run with
// fault.withhold = "2" follows and stores every height and serves every
// header, but answers each square-data request of height 2 (samples, half
// axis, namespace data, whole square) with the very error a height it does
// not hold gets (height 4), and serves height 3 in full. The asking
// client's scorer charges it nothing.
func TestWithholdServesLikeMissingHeight(t *testing.T) {
	const id = "withhold-serve-test"
	blocks := goodChain(t, id, 4)
	seed := servingHost(t, id, blocks[:3], nil)
	cfg := p2pConfig(id, 1, blocks[0].hdr.Hash(), seed.FullAddrs()[0])
	cfg.Fault.Withhold = "2"
	node := startNode(t, t.TempDir(), cfg, "withholder")
	wait.For(t, time.Minute, "the withholding node to store heights 1..3", func() bool { return node.Status().Head == 3 })
	if st := node.Status(); st.FaultWithhold != "2" || st.Halted {
		t.Fatalf("status %+v", st)
	}

	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	obs, err := p2p.NewHost(loopbackP2P(), t.TempDir(), discard, time.Now)
	if err != nil {
		t.Fatal(err)
	}
	defer obs.Close()
	to := node.Host().ID()
	if err := obs.Connect(ctx, peer.AddrInfo{ID: to, Addrs: node.Host().Addrs()}); err != nil {
		t.Fatal(err)
	}
	client, err := p2p.NewClient(p2p.DefaultClientConfig(), p2p.ClientOptions{Host: obs, ChainID: id, Scores: obs.Scores})
	if err != nil {
		t.Fatal(err)
	}
	// ask makes every square-data request of block b and returns each
	// one's error (nil: served and verified).
	ask := func(b signedBlock) map[string]error {
		var ns da.Namespace
		copy(ns[:], b.eds.Share(0, 0)[:da.NamespaceSize])
		out := map[string]error{}
		_, out["samples"] = client.Samples(ctx, to, b.hdr.Light(), []p2p.Coord{{Row: 0, Col: 1, Axis: erasure.Row}, {Row: 5, Col: 6, Axis: erasure.Col}})
		_, out["half axis"] = client.HalfAxis(ctx, to, b.hdr, erasure.Row, 1, 0)
		_, out["namespace data"] = client.NamespaceData(ctx, to, b.hdr, ns)
		_, _, out["square"] = client.Square(ctx, to, b.hdr.Light())
		return out
	}
	withheld, missing, held := ask(blocks[1]), ask(blocks[3]), ask(blocks[2])
	for kind, err := range withheld {
		if !errors.Is(err, p2p.ErrNotFound) {
			t.Errorf("%s of withheld height 2: %v, want NOT_FOUND", kind, err)
		}
		if m := missing[kind]; m == nil || err == nil || m.Error() != err.Error() {
			t.Errorf("%s: withheld height 2 answered %q, a height not held %q: want the same", kind, err, m)
		}
		if held[kind] != nil {
			t.Errorf("%s of height 3: %v", kind, held[kind])
		}
	}
	hs, err := client.ExtendedHeaders(ctx, to, 1, 3)
	if err != nil || len(hs) != 3 || !bytes.Equal(hs[1].Hash(), blocks[1].hdr.Hash()) {
		t.Fatalf("headers 1..3 from the withholding node: %d, %v", len(hs), err)
	}
	t.Logf("withheld height 2 and missing height 4 both answer: %v", withheld["samples"])
	if s := obs.Scores.Score(to); s != 0 {
		t.Fatalf("the client scored the withholding node %d, want 0 (not found is no misbehaviour)", s)
	}
}
