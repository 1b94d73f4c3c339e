package netns

import (
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
)

// Partition splits the network: traffic between hosts of different groups
// is dropped silently (as a firewall DROP would), both ways; traffic
// within a group and to hosts in no group is unaffected. It adds to any
// partition already in place.
func (n *Net) Partition(groups ...[]*Host) {
	n.mu.Lock()
	defer n.mu.Unlock()
	for i, a := range groups {
		for j, b := range groups {
			if i == j {
				continue
			}
			for _, x := range a {
				for _, y := range b {
					n.partition[[2][4]byte{x.addr(), y.addr()}] = true
				}
			}
		}
	}
}

// Heal removes every partition.
func (n *Net) Heal() {
	n.mu.Lock()
	defer n.mu.Unlock()
	clear(n.partition)
}

func (n *Net) blocked(src, dst [4]byte) bool {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.partition[[2][4]byte{src, dst}]
}

func (h *Host) addr() [4]byte { return [4]byte(h.IP.To4()) }

// sweepStale deletes namespaces and links with this package's prefix
// whose creating process is gone.
func sweepStale(t testing.TB) {
	t.Helper()
	if out, err := exec.Command("ip", "netns", "list").Output(); err == nil {
		for _, line := range strings.Split(string(out), "\n") {
			if f := strings.Fields(line); len(f) > 0 && stale(f[0]) {
				if err := ip("netns", "del", f[0]); err != nil {
					t.Logf("netns: sweep: %v", err)
				}
			}
		}
	}
	out, err := exec.Command("ip", "-o", "link", "show").Output()
	if err != nil {
		return
	}
	for _, line := range strings.Split(string(out), "\n") {
		f := strings.Fields(line)
		if len(f) < 2 {
			continue
		}
		name, _, _ := strings.Cut(strings.TrimSuffix(f[1], ":"), "@")
		if stale(name) {
			if err := ip("link", "del", name); err != nil && !strings.Contains(err.Error(), "annot find") {
				t.Logf("netns: sweep: %v", err)
			}
		}
	}
}

// stale reports whether name is one of ours and its creator has exited.
func stale(name string) bool {
	if !strings.HasPrefix(name, prefix) || len(name) < len(prefix)+6 {
		return false
	}
	pid, err := strconv.ParseUint(name[len(prefix):len(prefix)+6], 16, 32)
	if err != nil || pid == 0 {
		return false
	}
	return syscall.Kill(int(pid), 0) == syscall.ESRCH
}
