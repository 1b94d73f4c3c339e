package netns

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
)

// prefix starts every name this package creates; the PID follows it.
const prefix = "qn"

// maxHosts bounds a Net (host numbers fit interface names and /24).
const maxHosts = 64

// Net is a test network: a bridge and the hosts attached to it.
type Net struct {
	t      testing.TB
	base   string // "qn" + PID (6 hex) + net sequence (2 hex)
	bridge string
	subnet [3]byte
	seed   int64

	mu        sync.Mutex
	hosts     []*Host
	partition map[[2][4]byte]bool // blocked (src, dst)
}

// Host is one network namespace attached to a Net.
type Host struct {
	Name string // the namespace's name
	IP   net.IP // its address on the test network
	net  *Net
	veth string // root-side end of its veth, whose counters Counters reads
	up   string // root-side uplink, whose peer is the bridge port
	link *link
}

var netSeq atomic.Uint32

// New creates an empty test network on 10.77.<n>.0/24 (n from the
// process's count of Nets, so Nets of one test binary do not collide in
// name; they are separate bridges anyway). It skips t without root or
// iproute2, sweeps stale objects of dead processes, and removes everything
// it creates in t.Cleanup. seed drives loss decisions.
func New(t testing.TB, seed int64) *Net {
	t.Helper()
	requireRoot(t)
	sweepStale(t)
	seq := netSeq.Add(1)
	n := &Net{
		t:         t,
		base:      fmt.Sprintf("%s%06x%02x", prefix, os.Getpid(), seq%256),
		subnet:    [3]byte{10, 77, byte(seq % 256)},
		seed:      seed,
		partition: map[[2][4]byte]bool{},
	}
	n.bridge = n.base + "br"
	t.Cleanup(n.close)
	n.must("link", "add", n.bridge, "type", "bridge")
	n.must("link", "set", n.bridge, "addrgenmode", "none")
	n.must("link", "set", n.bridge, "up")
	return n
}

// requireRoot skips t when the harness cannot run here.
func requireRoot(t testing.TB) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("netns: needs root (network namespaces, veth, bridge, AF_PACKET)")
	}
	if _, err := exec.LookPath("ip"); err != nil {
		t.Skip("netns: needs the ip command (Debian package iproute2)")
	}
	probe := fmt.Sprintf("%s%06xff-probe", prefix, os.Getpid())
	if out, err := exec.Command("ip", "netns", "add", probe).CombinedOutput(); err != nil {
		t.Skipf("netns: cannot create network namespaces here: %v: %s", err, bytes.TrimSpace(out))
	}
	_ = exec.Command("ip", "netns", "del", probe).Run()
}

// ip runs the ip command.
func ip(args ...string) error {
	out, err := exec.Command("ip", args...).CombinedOutput()
	if err != nil {
		return fmt.Errorf("ip %s: %v: %s", strings.Join(args, " "), err, bytes.TrimSpace(out))
	}
	return nil
}

func (n *Net) must(args ...string) {
	n.t.Helper()
	if err := ip(args...); err != nil {
		n.t.Fatal(err)
	}
}

// AddHost creates a namespace with eth0 on the network, its link and its
// forwarder, and returns it.
func (n *Net) AddHost() *Host {
	n.t.Helper()
	n.mu.Lock()
	i := len(n.hosts)
	n.mu.Unlock()
	if i >= maxHosts {
		n.t.Fatalf("netns: at most %d hosts per Net", maxHosts)
	}
	h := &Host{
		Name: fmt.Sprintf("%s-%d", n.base, i),
		IP:   net.IPv4(n.subnet[0], n.subnet[1], n.subnet[2], byte(10+i)).To4(),
		net:  n,
		veth: fmt.Sprintf("%sh%d", n.base, i),
		up:   fmt.Sprintf("%su%d", n.base, i),
	}
	bport := fmt.Sprintf("%sb%d", n.base, i)
	n.mu.Lock()
	n.hosts = append(n.hosts, h) // registered first, so close removes a half-built host
	n.mu.Unlock()
	n.must("netns", "add", h.Name)
	n.must("link", "add", h.veth, "type", "veth", "peer", "name", "eth0", "netns", h.Name)
	n.must("link", "add", h.up, "type", "veth", "peer", "name", bport)
	for _, dev := range []string{h.veth, h.up, bport} {
		n.must("link", "set", dev, "addrgenmode", "none")
	}
	n.must("link", "set", bport, "master", n.bridge)
	for _, dev := range []string{h.veth, h.up, bport} {
		n.must("link", "set", dev, "up")
	}
	n.must("-n", h.Name, "link", "set", "eth0", "addrgenmode", "none")
	n.must("-n", h.Name, "addr", "add", h.IP.String()+"/24", "dev", "eth0")
	n.must("-n", h.Name, "link", "set", "eth0", "up")
	n.must("-n", h.Name, "link", "set", "lo", "up")
	l, err := startLink(h.veth, h.up, n.seed+int64(i), n.blocked)
	if err != nil {
		n.t.Fatal(err)
	}
	n.mu.Lock()
	h.link = l
	n.mu.Unlock()
	return h
}

// close stops the forwarders and deletes every object of n.
func (n *Net) close() {
	n.mu.Lock()
	hosts := n.hosts
	n.mu.Unlock()
	for _, h := range hosts {
		if h.link != nil {
			h.link.close()
		}
		for _, err := range []error{ip("netns", "del", h.Name), ip("link", "del", h.up)} {
			if err != nil && !strings.Contains(err.Error(), "annot find") && !strings.Contains(err.Error(), "No such") {
				n.t.Errorf("netns cleanup: %v", err)
			}
		}
	}
	if err := ip("link", "del", n.bridge); err != nil {
		n.t.Errorf("netns cleanup: %v", err)
	}
}

// Command returns a command that runs name with args inside h's
// namespace (through `ip netns exec`, which execs it, so the process is
// the command itself). The caller starts, waits for and kills it.
func (h *Host) Command(ctx context.Context, name string, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, "ip", append([]string{"netns", "exec", h.Name, name}, args...)...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	return cmd
}

// Impair sets what h's link does to the frames h sends from now on.
func (h *Host) Impair(imp Impairment) {
	if imp.Loss < 0 || imp.Loss > 1 || imp.Delay < 0 {
		h.net.t.Fatalf("netns: impairment %+v: want delay ≥ 0 and loss in [0, 1]", imp)
	}
	h.link.set(imp)
}

// Counters are a host's traffic as its veth saw it.
type Counters struct {
	SentBytes, ReceivedBytes     uint64
	SentPackets, ReceivedPackets uint64
}

// Counters reads h's counters: what h sent is what its root-side veth
// received, and the other way round.
func (h *Host) Counters() (Counters, error) {
	read := func(name string) (uint64, error) {
		b, err := os.ReadFile("/sys/class/net/" + h.veth + "/statistics/" + name)
		if err != nil {
			return 0, fmt.Errorf("netns: counters of %s: %w", h.Name, err)
		}
		return strconv.ParseUint(strings.TrimSpace(string(b)), 10, 64)
	}
	var c Counters
	var err error
	for _, f := range []struct {
		dst  *uint64
		name string
	}{{&c.SentBytes, "rx_bytes"}, {&c.ReceivedBytes, "tx_bytes"}, {&c.SentPackets, "rx_packets"}, {&c.ReceivedPackets, "tx_packets"}} {
		if *f.dst, err = read(f.name); err != nil {
			return Counters{}, err
		}
	}
	return c, nil
}
