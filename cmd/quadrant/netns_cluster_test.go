package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/libp2p/go-libp2p/core/peer"

	"github.com/quadrant-da/quadrant/internal/netns"
	"github.com/quadrant-da/quadrant/internal/wait"
	"github.com/quadrant-da/quadrant/lightnode"
	"github.com/quadrant-da/quadrant/validator"
)

// Ports every cluster node uses inside its own namespace (no two nodes
// share a namespace, so they never clash).
const (
	nsP2PPort      = 26656
	nsRPCPort      = 26657
	nsGRPCPort     = 26659
	nsLibp2pPort   = 2121
	nsLightRPC     = "127.0.0.1:26668"
	nsLightMetrics = "127.0.0.1:26669"
)

// clusterConfig says what a netns cluster runs.
type clusterConfig struct {
	Validators, Full, Light int
	BlockTime               time.Duration
	// MaxSquare is the chain's largest original square width k.
	MaxSquare int
	// HeaderDeadline is every light node's --header-deadline.
	HeaderDeadline time.Duration
	// FullArgs, when set, returns extra flags for full node i.
	FullArgs func(i int) []string
	Seed     int64
}

// nsNode is one node of a cluster: its host, home, command line and the
// running process.
type nsNode struct {
	host  *netns.Host
	home  string
	log   string
	args  []string
	proc  *nsProc
	id    peer.ID // full nodes: libp2p identity
	token string  // light nodes: read token of the JSON-RPC server
}

// nsCluster is a network of real quadrant processes, each node on its own
// netns host: validators (one devnet genesis, peers at each other's
// test-network addresses), bridge full nodes (full node i ingests from
// validator i mod V; full node 0 is the DHT entry point of the others) and
// light nodes (light node j is given only full node j mod F's address and
// finds the rest through the DHT).
type nsCluster struct {
	t       *testing.T // the running phase: failures go there
	root    *testing.T // the test that owns the processes
	net     *netns.Net
	dir     string
	chainID string
	devnet  string // the devnet home: genesis, faucet key
	cfg     clusterConfig
	vals    []*nsNode
	fulls   []*nsNode
	lights  []*nsNode
}

// nsProc is a process running in a namespace.
type nsProc struct {
	done    chan struct{}
	stopped atomic.Bool
	pid     int
}

// startNS runs the quadrant binary with args inside h, appending its
// output to logPath; the process is killed when the test ends.
func startNS(t *testing.T, h *netns.Host, logPath string, args ...string) *nsProc {
	t.Helper()
	logf, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	cmd := h.Command(context.Background(), binary, args...)
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		logf.Close()
		t.Fatal(err)
	}
	p := &nsProc{done: make(chan struct{}), pid: cmd.Process.Pid}
	go func() {
		_ = cmd.Wait()
		logf.Close()
		close(p.done)
	}()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-p.done
		if t.Failed() {
			b, _ := os.ReadFile(logPath)
			lines := strings.Split(strings.TrimSpace(string(b)), "\n")
			t.Logf("last lines of %s:\n%s", logPath, strings.Join(lines[max(0, len(lines)-12):], "\n"))
		}
	})
	return p
}

// stop sends SIGTERM and waits for the process to exit (SIGKILL after
// 20 s).
func (p *nsProc) stop() {
	p.stopped.Store(true)
	_ = syscall.Kill(p.pid, syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(20 * time.Second):
		_ = syscall.Kill(p.pid, syscall.SIGKILL)
		<-p.done
	}
}

// newCluster builds the network and the homes, starts every node and waits
// until each light node samples.
func newCluster(t *testing.T, cfg clusterConfig) *nsCluster {
	t.Helper()
	c := &nsCluster{t: t, root: t, net: netns.New(t, cfg.Seed), dir: t.TempDir(), chainID: "netns-cluster", cfg: cfg}
	add := func(n int) []*nsNode {
		nodes := make([]*nsNode, n)
		for i := range nodes {
			nodes[i] = &nsNode{host: c.net.AddHost()}
		}
		return nodes
	}
	c.vals, c.fulls, c.lights = add(cfg.Validators), add(cfg.Full), add(cfg.Light)
	c.initValidators()
	for _, v := range c.vals {
		v.proc = startNS(t, v.host, v.log, v.args...)
	}
	wait.For(t, netnsDeadline, "every validator at height 2", func() bool {
		for i := range c.vals {
			if c.valHeight(i) < 2 {
				return false
			}
		}
		return true
	})
	for i, f := range c.fulls {
		f.home, f.log = filepath.Join(c.dir, fmt.Sprintf("full%d", i)), filepath.Join(c.dir, fmt.Sprintf("full%d.log", i))
		f.id = peerIDOf(t, f.home)
		c.startFull(i)
	}
	wait.For(t, netnsDeadline, "every full node at height 2", func() bool {
		for _, f := range c.fulls {
			if statusIn(f.host, f.home) < 2 {
				return false
			}
		}
		return true
	})
	for j := range c.lights {
		c.startLight(j)
	}
	wait.For(t, startDeadline, "every light node sampling", func() bool {
		for j := range c.lights {
			if st := c.lightState(j); st == nil || st.SampledHead < 3 {
				return false
			}
		}
		return true
	})
	return c
}

// initValidators writes a devnet's validator homes and moves each onto
// its host: P2P on the host's address, RPC and core API on every
// interface, peers at the other hosts.
func (c *nsCluster) initValidators() {
	t := c.t
	home := filepath.Join(c.dir, "devnet")
	c.devnet = home
	runCLI(t, "devnet", "--init-only", "--home", home, "--validators", strconv.Itoa(len(c.vals)),
		"--block-time", c.cfg.BlockTime.String(), "--chain-id", c.chainID, "--max-square-size", strconv.Itoa(c.cfg.MaxSquare))
	m, err := loadManifest(home)
	if err != nil {
		t.Fatal(err)
	}
	var peers []string
	for i, v := range c.vals {
		peers = append(peers, fmt.Sprintf("%s@%s:%d", m.Validators[i].NodeID, v.host.IP, nsP2PPort))
	}
	for i, v := range c.vals {
		v.home, v.log = m.Validators[i].Home, filepath.Join(c.dir, fmt.Sprintf("validator%d.log", i))
		nc, err := validator.LoadNodeConfig(v.home)
		if err != nil {
			t.Fatal(err)
		}
		nc.P2P.ListenAddress = fmt.Sprintf("tcp://%s:%d", v.host.IP, nsP2PPort)
		nc.RPC.ListenAddress = fmt.Sprintf("tcp://0.0.0.0:%d", nsRPCPort)
		nc.RPC.GRPCListenAddress = fmt.Sprintf("tcp://0.0.0.0:%d", nsGRPCPort)
		nc.Metrics.ListenAddress = "127.0.0.1:26660"
		others := append(append([]string(nil), peers[:i]...), peers[i+1:]...)
		nc.P2P.PersistentPeers = strings.Join(others, ",")
		if err := validator.SaveNodeConfig(v.home, nc); err != nil {
			t.Fatal(err)
		}
		v.args = []string{"validator", "--home", v.home}
	}
}

// coreRPC is validator i's CometBFT RPC on the test network.
func (c *nsCluster) coreRPC(i int) string {
	return fmt.Sprintf("http://%s:%d", c.vals[i%len(c.vals)].host.IP, nsRPCPort)
}

// fullAddr is full node i's libp2p address.
func (c *nsCluster) fullAddr(i int) string {
	return fmt.Sprintf("/ip4/%s/tcp/%d/p2p/%s", c.fulls[i].host.IP, nsLibp2pPort, c.fulls[i].id)
}

// startFull (re)starts full node i with its cluster flags and extra.
func (c *nsCluster) startFull(i int, extra ...string) {
	f := c.fulls[i]
	v := c.vals[i%len(c.vals)].host
	f.args = []string{"full", "--home", f.home, "--core-rpc", c.coreRPC(i),
		"--core-grpc", fmt.Sprintf("%s:%d", v.IP, nsGRPCPort),
		"--p2p-listen", fmt.Sprintf("/ip4/0.0.0.0/tcp/%d", nsLibp2pPort), "--adapter-rpc", "", "--altda", ""}
	if i > 0 {
		f.args = append(f.args, "--bootstrap", c.fullAddr(0))
	}
	if c.cfg.FullArgs != nil {
		f.args = append(f.args, c.cfg.FullArgs(i)...)
	}
	f.args = append(f.args, extra...)
	f.proc = startNS(c.root, f.host, f.log, f.args...)
}

// startLight starts light node j, given full node j mod F as its one
// bootstrap address.
func (c *nsCluster) startLight(j int) {
	l := c.lights[j]
	l.home, l.log = filepath.Join(c.dir, fmt.Sprintf("light%d", j)), filepath.Join(c.dir, fmt.Sprintf("light%d.log", j))
	l.args = []string{"light", "--home", l.home, "--chain-id", c.chainID,
		"--bootstrap", c.fullAddr(j % len(c.fulls)), "--trusted-height", "1", "--trusted-rpc", c.coreRPC(0),
		"--p2p-listen", "/ip4/0.0.0.0/tcp/0", "--rpc-addr", nsLightRPC, "--metrics-addr", nsLightMetrics,
		"--header-deadline", c.cfg.HeaderDeadline.String()}
	l.proc = startNS(c.root, l.host, l.log, l.args...)
	wait.For(c.t, netnsDeadline, fmt.Sprintf("light node %d's read token", j), func() bool {
		out, err := runCLIErr("auth", "read", "--home", l.home)
		l.token = strings.TrimSpace(string(out))
		return err == nil && l.token != ""
	})
}

// valHeight is validator i's height (-1 when it does not answer).
func (c *nsCluster) valHeight(i int) int64 { return statusIn(c.vals[i].host, c.vals[i].home) }

// maxValHeight is the highest height any validator reports.
func (c *nsCluster) maxValHeight() int64 {
	h := int64(-1)
	for i := range c.vals {
		h = max(h, c.valHeight(i))
	}
	return h
}

// lightState is light node j's dashboard state (nil when it does not
// answer).
func (c *nsCluster) lightState(j int) *lightnode.DashboardState {
	return dashboardIn(c.lights[j].host, c.lights[j].token, nsLightRPC)
}

// lightMetrics reads light node j's Prometheus metrics (nil when it does
// not answer).
func (c *nsCluster) lightMetrics(j int) map[string]float64 {
	return metricsIn(c.lights[j].host, nsLightMetrics)
}

// metricsIn reads the Prometheus metrics served at addr inside h: sample
// name with labels → value (nil when they do not answer).
func metricsIn(h *netns.Host, addr string) map[string]float64 {
	ctx, cancel := context.WithTimeout(context.Background(), statusTimeout)
	defer cancel()
	out, err := h.Command(ctx, "curl", "-sf", "http://"+addr+"/metrics").Output()
	if err != nil {
		return nil
	}
	m := map[string]float64{}
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "#") {
			continue
		}
		name, val, ok := strings.Cut(line, " ")
		if !ok {
			continue
		}
		if v, err := strconv.ParseFloat(strings.TrimSpace(val), 64); err == nil {
			m[name] = v
		}
	}
	return m
}

// unavailableVerdicts is light node j's count of unavailable verdicts
// since it started (-1 when it does not answer).
func (c *nsCluster) unavailableVerdicts(j int) float64 {
	m := c.lightMetrics(j)
	if m == nil {
		return -1
	}
	return m[`quadrant_light_verdicts_total{status="unavailable"}`]
}

// blockHashes returns validator i's block hash at each height in
// [from, to], read from its RPC /blockchain (20 heights per call).
func (c *nsCluster) blockHashes(i int, from, to int64) map[int64]string {
	c.t.Helper()
	out := map[int64]string{}
	for lo := from; lo <= to; lo += 20 {
		hi := min(lo+19, to)
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		b, err := c.vals[i].host.Command(ctx, "curl", "-sf",
			fmt.Sprintf("http://127.0.0.1:%d/blockchain?minHeight=%d&maxHeight=%d", nsRPCPort, lo, hi)).Output()
		cancel()
		if err != nil {
			c.t.Fatalf("validator %d: blocks %d..%d: %v", i, lo, hi, err)
		}
		var r struct {
			Result struct {
				BlockMetas []struct {
					BlockID struct {
						Hash string `json:"hash"`
					} `json:"block_id"`
					Header struct {
						Height string `json:"height"`
					} `json:"header"`
				} `json:"block_metas"`
			} `json:"result"`
		}
		if err := json.Unmarshal(b, &r); err != nil {
			c.t.Fatalf("validator %d: blocks %d..%d: %v: %.200s", i, lo, hi, err, b)
		}
		for _, m := range r.Result.BlockMetas {
			h, err := strconv.ParseInt(m.Header.Height, 10, 64)
			if err != nil {
				c.t.Fatalf("validator %d: block height %q: %v", i, m.Header.Height, err)
			}
			out[h] = m.BlockID.Hash
		}
	}
	return out
}

// blobLoad submits blobs of size bytes back to back until the returned
// stop is called, which returns how many landed: from the first
// submitters validators' hosts with each one's funded key, and with
// faucet also from validator 0's host with the devnet's faucet key. Each
// submission waits for its block.
func (c *nsCluster) blobLoad(size, submitters int, faucet bool) (stop func() int64) {
	t := c.t
	blob := filepath.Join(c.dir, fmt.Sprintf("blob-%d", size))
	data := make([]byte, size)
	for i := range data {
		data[i] = byte(i*31 + i>>8)
	}
	if err := os.WriteFile(blob, data, 0o644); err != nil {
		t.Fatal(err)
	}
	type submitter struct {
		host *netns.Host
		args []string
	}
	var subs []submitter
	for _, v := range c.vals[:submitters] {
		subs = append(subs, submitter{v.host, []string{"--home", v.home, "--key", "validator"}})
	}
	if faucet {
		subs = append(subs, submitter{c.vals[0].host, []string{"--home", c.devnet, "--key", "faucet",
			"--node", fmt.Sprintf("http://127.0.0.1:%d", nsRPCPort), "--grpc", fmt.Sprintf("127.0.0.1:%d", nsGRPCPort)}})
	}
	ctx, cancel := context.WithCancel(context.Background())
	var submitted atomic.Int64
	var wg sync.WaitGroup
	for _, s := range subs {
		wg.Go(func() {
			for ctx.Err() == nil {
				args := append([]string{"blob", "submit", "--namespace", "netns", "--file", blob}, s.args...)
				if out, err := s.host.Command(ctx, binary, args...).CombinedOutput(); err != nil {
					if ctx.Err() == nil {
						t.Errorf("blob submit from %s: %v: %.300s", s.host.Name, err, out)
					}
					return
				}
				submitted.Add(1)
			}
		})
	}
	var once sync.Once
	return func() int64 {
		once.Do(func() {
			cancel()
			wg.Wait()
		})
		return submitted.Load()
	}
}
