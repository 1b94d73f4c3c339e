package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/libp2p/go-libp2p/core/peer"

	"github.com/quadrant-da/quadrant/internal/netns"
	"github.com/quadrant-da/quadrant/internal/wait"
	"github.com/quadrant-da/quadrant/p2p"
)

// startIn runs the quadrant binary inside h, logging to logPath, and kills
// it when the test ends.
func startIn(t *testing.T, h *netns.Host, logPath string, args ...string) {
	t.Helper()
	logf, err := os.Create(logPath)
	if err != nil {
		t.Fatal(err)
	}
	cmd := h.Command(context.Background(), binary, args...)
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		logf.Close()
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() {
		_ = cmd.Wait()
		logf.Close()
		close(done)
	}()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-done
		if t.Failed() {
			b, _ := os.ReadFile(logPath)
			lines := strings.Split(strings.TrimSpace(string(b)), "\n")
			t.Logf("last lines of %s:\n%s", logPath, strings.Join(lines[max(0, len(lines)-15):], "\n"))
		}
	})
}

// statusIn runs `quadrant status --json --home home` inside h (node RPCs
// listen on the host's loopback or test-network address) and returns the
// node's height, or -1 when it does not answer.
func statusIn(h *netns.Host, home string) int64 {
	ctx, cancel := context.WithTimeout(context.Background(), statusTimeout+5e9)
	defer cancel()
	out, err := h.Command(ctx, binary, "status", "--json", "--home", home).Output()
	var nodes []nodeStatus
	if jerr := json.Unmarshal(out, &nodes); jerr != nil || len(nodes) != 1 || (err != nil && !nodes[0].OK) {
		return -1
	}
	return nodes[0].Height
}

// netnsDeadline bounds the first wait of the netns test (three processes
// starting on a 2-core machine).
const netnsDeadline = 90 * time.Second

// TestNetnsLightNodeTraffic runs a validator, a bridge full node and a
// light node as real processes on three hosts of a netns test network,
// measures the light node's traffic per header from its veth counters,
// cuts the light node off and back (it resumes and catches up), and slows
// its link down (it keeps up).
func TestNetnsLightNodeTraffic(t *testing.T) {
	n := netns.New(t, 7)
	vh, fh, lh := n.AddHost(), n.AddHost(), n.AddHost()
	dir := t.TempDir()
	vHome, fHome, lHome := filepath.Join(dir, "validator"), filepath.Join(dir, "full"), filepath.Join(dir, "light")
	runCLI(t, "init", "--home", vHome, "--chain-id", "netns-1", "--moniker", "v0",
		"--p2p-laddr", "tcp://"+vh.IP.String()+":26656", "--rpc-laddr", "tcp://0.0.0.0:26657", "--block-time", "300ms")
	key, err := p2p.LoadOrCreateIdentity(filepath.Join(fHome, p2p.IdentityFile))
	if err != nil {
		t.Fatal(err)
	}
	fullID, err := peer.IDFromPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	coreRPC := fmt.Sprintf("http://%s:26657", vh.IP)
	startIn(t, vh, filepath.Join(dir, "validator.log"), "validator", "--home", vHome)
	wait.For(t, netnsDeadline, "the validator at height 2", func() bool { return statusIn(vh, vHome) >= 2 })
	startIn(t, fh, filepath.Join(dir, "full.log"), "full", "--home", fHome, "--core-rpc", coreRPC,
		"--p2p-listen", "/ip4/0.0.0.0/tcp/2121", "--adapter-rpc", "", "--altda", "")
	wait.For(t, netnsDeadline, "the full node at height 2", func() bool { return statusIn(fh, fHome) >= 2 })
	startIn(t, lh, filepath.Join(dir, "light.log"), "light", "--home", lHome, "--chain-id", "netns-1",
		"--bootstrap", fmt.Sprintf("/ip4/%s/tcp/2121/p2p/%s", fh.IP, fullID),
		"--trusted-height", "1", "--trusted-rpc", coreRPC,
		"--p2p-listen", "/ip4/0.0.0.0/tcp/0", "--rpc-addr", "127.0.0.1:26668")

	wait.For(t, netnsDeadline, "the light node to sample height 5", func() bool { return statusIn(lh, lHome) >= 5 })

	// Traffic per header at the head: counters over 20 sampled heights.
	h1, l1, f1 := statusIn(lh, lHome), counters(t, lh), counters(t, fh)
	wait.For(t, startDeadline, "20 more sampled heights", func() bool { return statusIn(lh, lHome) >= h1+20 })
	h2, l2, f2 := statusIn(lh, lHome), counters(t, lh), counters(t, fh)
	per := func(a, b uint64) uint64 { return (b - a) / uint64(h2-h1) }
	t.Logf("light node per header (%d headers, empty blocks): %d B sent, %d B received, %d packets sent, %d received",
		h2-h1, per(l1.SentBytes, l2.SentBytes), per(l1.ReceivedBytes, l2.ReceivedBytes), per(l1.SentPackets, l2.SentPackets), per(l1.ReceivedPackets, l2.ReceivedPackets))
	t.Logf("bridge full node per header: %d B sent, %d B received", per(f1.SentBytes, f2.SentBytes), per(f1.ReceivedBytes, f2.ReceivedBytes))
	if l2.ReceivedBytes == l1.ReceivedBytes {
		t.Fatal("the light node sampled new heights without receiving a byte on its link")
	}

	measureWithBlobs(t, dir, vh, lh, fh, vHome, lHome)

	// Cut the light node off: the chain goes on, the light node cannot.
	n.Partition([]*netns.Host{lh}, []*netns.Host{vh, fh})
	cut := statusIn(lh, lHome)
	v0 := statusIn(vh, vHome)
	wait.For(t, startDeadline, "the chain to advance 15 heights during the partition", func() bool { return statusIn(vh, vHome) >= v0+15 })
	if got := statusIn(lh, lHome); got > cut+2 {
		t.Fatalf("the partitioned light node sampled up to %d (from %d): traffic got through", got, cut)
	}
	n.Heal()
	target := statusIn(vh, vHome)
	wait.For(t, startDeadline, fmt.Sprintf("the light node to catch up to %d after healing", target), func() bool { return statusIn(lh, lHome) >= target })

	// A slow, lossy home link: 50 ms more on everything the light node
	// sends and 2% of it lost; it keeps sampling the new heights.
	lh.Impair(netns.Impairment{Delay: 50 * time.Millisecond, Loss: 0.02})
	slow := statusIn(vh, vHome)
	wait.For(t, startDeadline, fmt.Sprintf("the light node to sample %d over a slow, lossy link", slow+10), func() bool { return statusIn(lh, lHome) >= slow+10 })
}

func counters(t *testing.T, h *netns.Host) netns.Counters {
	t.Helper()
	c, err := h.Counters()
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// measureWithBlobs submits 128 KiB blobs back to back from the validator's
// host (each submission waits for its block) and reports the light and
// full nodes' traffic per header meanwhile.
func measureWithBlobs(t *testing.T, dir string, vh, lh, fh *netns.Host, vHome, lHome string) {
	t.Helper()
	blob := filepath.Join(dir, "blob")
	data := make([]byte, 128<<10)
	for i := range data {
		data[i] = byte(i*31 + i>>8)
	}
	if err := os.WriteFile(blob, data, 0o644); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	var submitted atomic.Int64
	done := make(chan struct{})
	go func() {
		defer close(done)
		for ctx.Err() == nil {
			cmd := vh.Command(ctx, binary, "blob", "submit", "--home", vHome, "--key", "validator", "--namespace", "netns", "--file", blob)
			if out, err := cmd.CombinedOutput(); err != nil {
				if ctx.Err() == nil {
					t.Errorf("blob submit: %v: %s", err, out)
				}
				return
			}
			submitted.Add(1)
		}
	}()
	defer func() {
		cancel()
		<-done
	}()
	wait.For(t, startDeadline, "a first blob in a block", func() bool { return submitted.Load() > 0 })
	h1, l1, f1, b1 := statusIn(lh, lHome), counters(t, lh), counters(t, fh), submitted.Load()
	wait.For(t, startDeadline, "20 more sampled heights with blobs", func() bool { return statusIn(lh, lHome) >= h1+20 })
	h2, l2, f2, b2 := statusIn(lh, lHome), counters(t, lh), counters(t, fh), submitted.Load()
	blobs := b2 - b1
	per := func(a, b uint64) uint64 { return (b - a) / uint64(h2-h1) }
	t.Logf("with %d blobs of 128 KiB in %d headers (submitted back to back): light node per header %d B sent, %d B received; bridge full node per header %d B sent, %d B received",
		blobs, h2-h1, per(l1.SentBytes, l2.SentBytes), per(l1.ReceivedBytes, l2.ReceivedBytes), per(f1.SentBytes, f2.SentBytes), per(f1.ReceivedBytes, f2.ReceivedBytes))
}
