package validator_test

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/quadrant-da/quadrant/blobs"
	"github.com/quadrant-da/quadrant/chain"
	"github.com/quadrant-da/quadrant/da"
	"github.com/quadrant-da/quadrant/internal/wait"
	"github.com/quadrant-da/quadrant/validator"
	"github.com/quadrant-da/quadrant/validator/validatortest"
)

// relayNet starts a 4-validator network whose validator i peers with
// peers(i) (indices), once every validator has its peers.
func relayNet(t *testing.T, peers func(i int) []int) (*validatortest.Network, []*validator.Node) {
	t.Helper()
	nw := validatortest.NewNetwork(t, 4, 0, 300*time.Millisecond, 10*uint64(chain.DefaultPowerReduction), nil)
	for i, m := range nw.Members {
		var addrs []string
		for _, j := range peers(i) {
			o := nw.Members[j]
			addrs = append(addrs, o.NodeID+"@"+strings.TrimPrefix(o.Config.P2P.ListenAddress, "tcp://"))
		}
		m.Config.P2P.PersistentPeers = strings.Join(addrs, ",")
	}
	nodes := make([]*validator.Node, len(nw.Members))
	for i := range nodes {
		nodes[i] = nw.Start(t, i)
	}
	wait.For(t, time.Minute, "every validator peered", func() bool {
		for i, n := range nodes {
			ni, err := n.Client().NetInfo(context.Background())
			if err != nil || ni.NPeers < len(peers(i)) {
				return false
			}
		}
		return true
	})
	return nw, nodes
}

// submitUntil submits 200 KiB blobs at validator 0, one at a time (so they
// land in blocks of different proposers), until done says so of the
// proposer of the last one's block or max were submitted; it returns how
// many it submitted.
func submitUntil(t *testing.T, nw *validatortest.Network, nodes []*validator.Node, max int, done func(proposer []byte) bool) int {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	s := startSubmitter(t, ctx, nodes[0], nw.Members[0].Operator)
	ns, err := da.NewNamespaceV0([]byte("relay"))
	if err != nil {
		t.Fatal(err)
	}
	for i := range max {
		b, err := blobs.NewBlob(ns, bytes.Repeat([]byte{byte(i + 1)}, 200<<10), 0, nil)
		if err != nil {
			t.Fatal(err)
		}
		sub, err := s.SubmitBlobs(ctx, b)
		if err != nil {
			t.Fatalf("blob %d: %v", i, err)
		}
		st, err := sub.Wait(ctx)
		if err != nil || st.Code != chain.CodeOK {
			t.Fatalf("blob %d: %+v, %v", i, st, err)
		}
		h := st.Height
		blk, err := nodes[0].Client().Block(ctx, &h)
		if err != nil {
			t.Fatal(err)
		}
		if done(blk.Block.ProposerAddress) {
			return i + 1
		}
	}
	return max
}

// relaySends sums the relay counters of nodes, logging each.
func relaySends(t *testing.T, nodes []*validator.Node) (sent, retried float64) {
	for i, n := range nodes {
		s, r, re := validator.RelayCounts(n)
		t.Logf("validator %d: %v txs sent, %v received, %v wants asked again", i, s, r, re)
		sent, retried = sent+s, retried+re
	}
	return sent, retried
}

// TestTxRelayOncePerLink: four validators in a full mesh; blob
// transactions submitted at one of them reach the proposers among the
// others by announcement, and each crosses each link at most once: 3
// sends per transaction over the mesh's 12 directed links, where
// CometBFT's app-mempool reactor pushed it over all 12 (every node
// re-broadcast what its peers sent it). A want asked again of another
// peer after its timeout may add one send each.
func TestTxRelayOncePerLink(t *testing.T) {
	const txs = 6
	nw, nodes := relayNet(t, func(i int) []int {
		var all []int
		for j := range 4 {
			if j != i {
				all = append(all, j)
			}
		}
		return all
	})
	others := 0
	submitUntil(t, nw, nodes, txs, func(proposer []byte) bool {
		if !bytes.Equal(proposer, nw.ConsAddress(0)) {
			others++
		}
		return false
	})
	sent, retried := relaySends(t, nodes)
	t.Logf("%d blob txs of 200 KiB submitted at validator 0, %d in blocks other validators proposed: %v relay sends (at most %d: 3 per tx)", txs, others, sent, 3*txs)
	if others == 0 {
		t.Fatal("validator 0 proposed every block that holds a transaction: the relay to a proposer was not exercised")
	}
	if sent > 3*txs+retried {
		t.Fatalf("%v relay sends for %d transactions in a 4-node mesh (%v retries): some crossed a link twice", sent, txs, retried)
	}
}

// TestTxRelayAcrossHops: four validators in a line (0–1–2–3); a blob
// transaction submitted at validator 0 reaches validator 3, three hops
// away, and is committed in a block it proposed — each node announces what
// it admitted, so a partial mesh strands nothing — and each transaction
// crosses each of the 3 links once.
func TestTxRelayAcrossHops(t *testing.T) {
	nw, nodes := relayNet(t, func(i int) []int {
		var ns []int
		for _, j := range []int{i - 1, i + 1} {
			if j >= 0 && j < 4 {
				ns = append(ns, j)
			}
		}
		return ns
	})
	far := false
	n := submitUntil(t, nw, nodes, 16, func(proposer []byte) bool {
		far = bytes.Equal(proposer, nw.ConsAddress(3))
		return far
	})
	sent, retried := relaySends(t, nodes)
	t.Logf("%d blob txs submitted at validator 0 until one was in a block validator 3 proposed: %v relay sends (at most %d: 3 per tx)", n, sent, 3*n)
	if !far {
		t.Fatalf("none of %d transactions in a block validator 3 proposed", n)
	}
	if sent > float64(3*n)+retried {
		t.Fatalf("%v relay sends for %d transactions over 3 links (%v retries): some crossed a link twice", sent, n, retried)
	}
}
