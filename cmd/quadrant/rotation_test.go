package main

import (
	"context"
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	rpchttp "github.com/cometbft/cometbft/rpc/client/http"

	"github.com/quadrant-da/quadrant/internal/wait"
)

// TestValidatorRotation replaces a whole validator set while the chain
// runs, every node a process of the quadrant binary: 4 genesis validators
// (a `quadrant devnet --init-only` network) and its bridge full node; 3
// validators join with `quadrant tx create-validator`, then the 4 genesis
// validators each `quadrant tx undelegate` their whole self-bond, one by
// one, each leaving CometBFT's set two heights after the block that applied
// it, until the set is only the 3 new ones. Blocks keep committing
// throughout, and every validator process (those that left keep running
// as non-validator nodes; the bridge follows validator 0) has the same
// block and app hash at every height. The joiners register Ethereum
// addresses: Blobstream's attestations stay complete through the rotation
// up to a data commitment signed by the joiners' set. A light node started
// at height 1 follows to the end without bisection. Light nodes offline
// for the whole rotation catch up by skipping verification with
// bisection: one stopped before it and restarted from its store, one
// started after it trusting the height where it began; a p2p full node
// started after it with that checkpoint syncs across it header by header.
// A light node whose trusting period has expired stops with a message
// naming the expired trust.
func TestValidatorRotation(t *testing.T) {
	if testing.Short() {
		t.Skip("runs seven validator processes, two full nodes and four light nodes")
	}
	r := newRotationNet(t)
	r.startAll()
	r.startBridge()
	c0 := r.client(0)
	waitHeight(t, c0, 2, startDeadline)
	follow := r.startLight("light-follow", fmt.Sprintf("127.0.0.1:%d", r.base+2))
	paused := r.startLight("light-paused", fmt.Sprintf("127.0.0.1:%d", r.base+10*(rotationGenesis+3)+2))
	if err := paused.p.stop(t, syscall.SIGINT, 30*time.Second); err != nil {
		t.Fatalf("light node stopped before the rotation: %v", err)
	}

	// The checkpoint of the nodes that are offline for the rotation.
	from := height(c0)
	hash := blockHash(t, c0, from)
	if set := cometSet(t, c0, from); len(set) != rotationGenesis {
		t.Fatalf("CometBFT set at %d: %d validators, want %d", from, len(set), rotationGenesis)
	}
	began := time.Now()
	r.joinAll()
	r.leaveAll()
	rotated := time.Now()

	// A few more blocks signed by the new set alone.
	end := height(c0) + 5
	clients := r.validatorClients()
	for _, c := range clients {
		waitHeight(t, c, end+1, startDeadline) // the app hash of end is in end+1
	}
	final := cometSet(t, c0, end)
	for _, j := range r.joiners {
		delete(final, j.consAddr)
	}
	if len(final) != 0 || len(cometSet(t, c0, end)) != rotationJoiners {
		t.Fatalf("CometBFT set at %d: %v beyond the joiners (or a joiner missing)", end, final)
	}
	chk := checkChain(t, clients, end+1, from)
	t.Logf("rotation of %d+%d validators: heights %d..%d in %s, longest gap between blocks from %d on %s (after height %d)",
		rotationGenesis, rotationJoiners, from, end, rotated.Sub(began).Round(time.Second), from, chk.maxGap.Round(time.Millisecond), chk.gapAfter)
	if chk.maxGap > 30*time.Second {
		t.Fatalf("no block for %s after height %d: the chain stalled during the rotation", chk.maxGap, chk.gapAfter)
	}

	wait.For(t, startDeadline, fmt.Sprintf("the following light node to sample height %d", end), func() bool {
		h, ok := lightStatusOf(follow.home)
		return ok && h >= end
	})
	if log := readLog(t, follow.log); strings.Contains(log, "verified by bisection") {
		t.Fatalf("the light node that followed from height 1 needed bisection:\n%s", log)
	}
	r.checkAttestations()
	checkRestartedLight(t, paused, end)

	checkOfflineLight(t, r, from, hash, end)
	checkOfflineFull(t, r, from, hash, end)
	checkExpiredLight(t, r, from, hash)
}

// checkOfflineLight starts a light node trusting the height where the
// rotation began: no validator of that set signs the head, so it must
// bisect, and then sample up to end.
func checkOfflineLight(t *testing.T, r *rotationNet, from int64, hash string, end int64) {
	t.Helper()
	home, logPath := filepath.Join(r.home, "light-offline"), filepath.Join(r.home, "light-offline.log")
	if age := time.Since(blockTime(t, r.client(0), from)); age >= r.trusting() {
		t.Fatalf("the rotation took %s, longer than the trusting period %s of the light node that trusts its start", age, r.trusting())
	}
	started := time.Now()
	startProc(t, logPath, r.lightArgs(home, from, hash, fmt.Sprintf("127.0.0.1:%d", r.base+10*(rotationGenesis+1)+2))...)
	wait.For(t, startDeadline, fmt.Sprintf("the offline light node to sample height %d", end), func() bool {
		h, ok := lightStatusOf(home)
		return ok && h >= end
	})
	log := readLog(t, logPath)
	if !strings.Contains(log, "verified by bisection across a validator-set change") {
		t.Fatalf("the light node trusting height %d reached %d without bisection:\n%s", from, end, log)
	}
	t.Logf("light node offline from height %d: bisected and sampled up to %d in %s", from, end, time.Since(started).Round(time.Millisecond))
}

// checkExpiredLight starts a light node with the same checkpoint but a
// trusting period the checkpoint has outlived: it must stop at once,
// naming the expired trust.
func checkExpiredLight(t *testing.T, r *rotationNet, from int64, hash string) {
	t.Helper()
	const trusting = 5 * time.Second
	if age := time.Since(blockTime(t, r.client(0), from)); age <= trusting {
		t.Fatalf("checkpoint %d is only %s old: not expired under a %s trusting period", from, age, trusting)
	}
	home, logPath := filepath.Join(r.home, "light-expired"), filepath.Join(r.home, "light-expired.log")
	p := startProc(t, logPath, append(r.lightArgs(home, from, hash, ""), "--trusting-period", trusting.String())...)
	wait.For(t, startDeadline, "the light node with expired trust to exit", func() bool {
		select {
		case <-p.done:
			return true
		default:
			return false
		}
	})
	log := readLog(t, logPath)
	want := fmt.Sprintf("trusting period expired: the newest verified header (height %d", from)
	if p.err == nil || !strings.Contains(log, want) || !strings.Contains(log, "longer than the trusting period of "+trusting.String()) {
		t.Fatalf("light node with a %s trusting period exited with %v, want a message containing %q:\n%s", trusting, p.err, want, log)
	}
}

// checkRestartedLight restarts light node l, stopped before the rotation,
// from its home alone (its light.toml and store): it must bisect from its
// stored head to one the new set signed, and sample up to end.
func checkRestartedLight(t *testing.T, l *rotationLight, end int64) {
	t.Helper()
	before := len(readLog(t, l.log))
	started := time.Now()
	l.p = startProc(t, l.log, "light", "--home", l.home)
	wait.For(t, startDeadline, fmt.Sprintf("the restarted light node to sample height %d", end), func() bool {
		h, ok := lightStatusOf(l.home)
		return ok && h >= end
	})
	log := readLog(t, l.log)[before:]
	if !strings.Contains(log, "verified by bisection across a validator-set change") {
		t.Fatalf("the light node restarted after the rotation reached %d without bisection:\n%s", end, log)
	}
	t.Logf("light node restarted after the rotation: bisected and sampled up to %d in %s", end, time.Since(started).Round(time.Millisecond))
}

// checkOfflineFull starts a p2p full node trusting the height where the
// rotation began: it syncs from the bridge, verifying every header against
// its predecessor across the set changes, up to end.
func checkOfflineFull(t *testing.T, r *rotationNet, from int64, hash string, end int64) {
	t.Helper()
	home := filepath.Join(r.home, "full-offline")
	metrics := fmt.Sprintf("127.0.0.1:%d", r.base+10*(rotationGenesis+2)+2)
	started := time.Now()
	startProc(t, filepath.Join(r.home, "full-offline.log"), "full", "--home", home, "--mode", "p2p",
		"--chain-id", r.m.ChainID, "--bootstrap", r.m.FullNodes[0].PeerAddress, "--p2p-listen", "/ip4/127.0.0.1/tcp/0",
		"--trusted-height", strconv.FormatInt(from, 10), "--trusted-hash", hash, "--metrics-addr", metrics)
	wait.For(t, startDeadline, fmt.Sprintf("the offline p2p full node to store height %d", end), func() bool {
		return metricsHead("http://"+metrics+"/metrics") >= int(end)
	})
	t.Logf("p2p full node offline from height %d: synced up to %d in %s", from, end, time.Since(started).Round(time.Millisecond))
}

func blockHash(t *testing.T, c *rpchttp.HTTP, h int64) string {
	t.Helper()
	hash, _ := blockID(t, c, h)
	return hash
}

func blockTime(t *testing.T, c *rpchttp.HTTP, h int64) time.Time {
	t.Helper()
	b, err := c.Block(context.Background(), &h)
	if err != nil {
		t.Fatalf("block %d: %v", h, err)
	}
	return b.Block.Time
}
