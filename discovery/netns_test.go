package discovery_test

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/libp2p/go-libp2p"
	"github.com/libp2p/go-libp2p/core/peer"
	ma "github.com/multiformats/go-multiaddr"

	"github.com/quadrant-da/quadrant/discovery"
	"github.com/quadrant-da/quadrant/internal/netns"
)

// helperEnv makes the test binary run one discovery node (runNode)
// instead of the tests: the value is "full" or "light".
const helperEnv = "QUADRANT_DISCOVERY_NODE"

func TestMain(m *testing.M) {
	if role := os.Getenv(helperEnv); role != "" {
		if err := runNode(role, os.Args[1:]); err != nil {
			fmt.Fprintln(os.Stderr, "discovery node:", err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// runNode runs a host listening on args[0] (an IPv4 address, port 4001)
// with discovery (target args[1], bootstrap args[2:]) until SIGTERM. It
// prints "id <peer id>" once, then "peers <id,id,…>" at every change.
func runNode(role string, args []string) error {
	if len(args) < 2 {
		return fmt.Errorf("want <ip> <target> [bootstrap…], got %q", args)
	}
	h, err := libp2p.New(libp2p.ListenAddrStrings("/ip4/"+args[0]+"/tcp/4001"), libp2p.DisableRelay())
	if err != nil {
		return err
	}
	defer h.Close()
	cfg := testConfig(role == "full", 0)
	if _, err := fmt.Sscan(args[1], &cfg.TargetPeers); err != nil {
		return err
	}
	for _, s := range args[2:] {
		info, err := peer.AddrInfoFromString(s)
		if err != nil {
			return err
		}
		cfg.Bootstrap = append(cfg.Bootstrap, *info)
	}
	d, err := discovery.New(h, cfg, nil)
	if err != nil {
		return err
	}
	defer d.Close()
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM)
	defer stop()
	if err := d.Start(ctx); err != nil {
		return err
	}
	fmt.Println("id", h.ID())
	for {
		changed := d.Changed()
		var ids []string
		for _, p := range d.Peers() {
			ids = append(ids, p.String())
		}
		fmt.Println("peers", strings.Join(ids, ","))
		select {
		case <-ctx.Done():
			return nil
		case <-changed:
		}
	}
}

// procNode is a discovery node running as a process on a netns host.
type procNode struct {
	id    peer.ID
	addr  string // full multiaddr with /p2p/
	cmd   *exec.Cmd
	peers chan []string // every "peers" line
}

func startProcNode(t *testing.T, h *netns.Host, role string, target int, bootstrap ...string) *procNode {
	t.Helper()
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd := h.Command(context.Background(), self, append([]string{h.IP.String(), fmt.Sprint(target)}, bootstrap...)...)
	cmd.Env = append(os.Environ(), helperEnv+"="+role)
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	n := &procNode{cmd: cmd, peers: make(chan []string, 256)}
	t.Cleanup(func() { n.kill() })
	sc := bufio.NewScanner(out)
	if !sc.Scan() || !strings.HasPrefix(sc.Text(), "id ") {
		t.Fatalf("%s node on %s: no id line (%q)", role, h.Name, sc.Text())
	}
	if n.id, err = peer.Decode(strings.TrimPrefix(sc.Text(), "id ")); err != nil {
		t.Fatal(err)
	}
	n.addr = fmt.Sprintf("/ip4/%s/tcp/4001/p2p/%s", h.IP, n.id)
	if _, err := ma.NewMultiaddr(n.addr); err != nil {
		t.Fatal(err)
	}
	go func() {
		defer close(n.peers)
		for sc.Scan() {
			if rest, ok := strings.CutPrefix(sc.Text(), "peers "); ok {
				n.peers <- strings.FieldsFunc(rest, func(r rune) bool { return r == ',' })
			}
		}
		_, _ = io.Copy(io.Discard, out)
	}()
	return n
}

func (n *procNode) kill() {
	_ = n.cmd.Process.Kill()
	_ = n.cmd.Wait()
}

// waitProcPeers waits for a "peers" line that satisfies cond.
func waitProcPeers(t *testing.T, n *procNode, timeout time.Duration, what string, cond func([]string) bool) []string {
	t.Helper()
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	var last []string
	for {
		select {
		case ps, ok := <-n.peers:
			if !ok {
				t.Fatalf("%s: the node exited; last peers %v", what, last)
			}
			if last = ps; cond(ps) {
				return ps
			}
		case <-deadline.C:
			t.Fatalf("after %v: %s; last peers %v", timeout, what, last)
		}
	}
}

// TestDiscoveryAcrossHosts runs discovery nodes as processes on separate
// network namespaces: a light node given only the bootstrap address finds
// the full nodes, and replaces one whose process dies.
func TestDiscoveryAcrossHosts(t *testing.T) {
	n := netns.New(t, 11)
	boot := startProcNode(t, n.AddHost(), "full", 8)
	full := []*procNode{boot}
	for range 3 {
		full = append(full, startProcNode(t, n.AddHost(), "full", 8, boot.addr))
	}
	lh := n.AddHost()
	before, err := lh.Counters()
	if err != nil {
		t.Fatal(err)
	}
	light := startProcNode(t, lh, "light", 3, boot.addr)
	ps := waitProcPeers(t, light, 30*time.Second, "light node did not reach 3 full-node peers", func(ps []string) bool { return len(ps) == 3 })
	after, err := lh.Counters()
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("light node reached 3 full-node peers with %d B sent, %d B received", after.SentBytes-before.SentBytes, after.ReceivedBytes-before.ReceivedBytes)

	var victim *procNode
	for _, f := range full {
		if slices.Contains(ps, f.id.String()) && f != boot {
			victim = f
			break
		}
	}
	if victim == nil {
		victim = boot
	}
	victim.kill()
	waitProcPeers(t, light, 30*time.Second, "dead full node not replaced", func(ps []string) bool {
		return len(ps) == 3 && !slices.Contains(ps, victim.id.String())
	})
}
