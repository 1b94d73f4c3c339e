package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/quadrant-da/quadrant/coreapi"
	"github.com/quadrant-da/quadrant/da"
)

// What the soak watches while the load runs: the faults it injects (kills),
// the processes' resident memory and goroutines, and afterwards the logs,
// the light node's sampling and every acknowledged blob.

// soakNode is one devnet node as the soak sees it: its command line (to
// find its current process), its log and where its Go metrics are served
// ("" when the node exports none).
type soakNode struct {
	name, log, metrics string
	args               []string
	// withhold is the --fault-withhold spec of a full node that withholds
	// on purpose ("" for an honest node).
	withhold string
}

// soakNodes lists the nodes of procs; validators serve metrics on their
// devnetPorts metrics port, full nodes on their manifest address, the light
// node on devnetLight's.
func soakNodes(m *devnetManifest, procs *devnetProcs, base int) []soakNode {
	light, hasLight := devnetLightNode(m)
	var out []soakNode
	for i, c := range procs.children {
		n := soakNode{name: c.spec.name, log: c.spec.log, args: c.spec.args}
		switch {
		case i < len(m.Validators):
			_, _, metrics := devnetPorts(base, i)
			n.metrics = fmt.Sprintf("http://127.0.0.1:%d/metrics", metrics)
		case i-len(m.Validators) < len(m.FullNodes):
			n.metrics = m.FullNodes[i-len(m.Validators)].Metrics
			n.withhold = m.FullNodes[i-len(m.Validators)].FaultWithhold
		case hasLight && c.spec.name == light.name:
			n.metrics = "http://" + light.metricsAddr + "/metrics"
		}
		out = append(out, n)
	}
	return out
}

// soakPIDs maps each node's name to the pid of its current process, found
// among this process's children (Linux /proc) by command line; a node that
// is being restarted is missing. The supervisor owns the exec.Cmd values,
// so the soak reads /proc rather than them.
func soakPIDs(self string, nodes []soakNode) map[string]int {
	want := map[string]string{}
	for _, n := range nodes {
		want[strings.Join(append([]string{self}, n.args...), "\x00")] = n.name
	}
	out := map[string]int{}
	tasks, _ := filepath.Glob("/proc/self/task/*/children")
	for _, f := range tasks {
		b, _ := os.ReadFile(f)
		for _, s := range strings.Fields(string(b)) {
			pid, _ := strconv.Atoi(s)
			cl, _ := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
			if name, ok := want[strings.TrimSuffix(string(cl), "\x00")]; ok {
				out[name] = pid
			}
		}
	}
	return out
}

// soakKill is one injected fault.
type soakKill struct {
	at   time.Duration // since the load started
	node string
	pid  int
}

// soakKiller SIGKILLs a node drawn at random every period — first the kind
// (validator, bridge, light: each as likely, so the one bridge that
// carries every front-end is not outnumbered by the validators), then one
// node of that kind; the devnet's supervisor restarts it.
type soakKiller struct {
	quit chan struct{}
	done chan struct{}
	mu   sync.Mutex
	kill []soakKill
}

// startSoakKiller starts the kills. The period is time under test (how
// often faults arrive), not a wait for an event.
func startSoakKiller(self string, nodes []soakNode, every time.Duration, seed uint64, t0 time.Time, out *soakLog) *soakKiller {
	k := &soakKiller{quit: make(chan struct{}), done: make(chan struct{})}
	rng := rand.New(rand.NewPCG(seed, 0x6b696c6c))
	kinds := map[string][]soakNode{}
	var order []string
	for _, n := range nodes {
		kind, _, _ := strings.Cut(n.name, "-")
		if kinds[kind] == nil {
			order = append(order, kind)
		}
		kinds[kind] = append(kinds[kind], n)
	}
	go func() {
		defer close(k.done)
		tick := time.NewTicker(every)
		defer tick.Stop()
		for {
			select {
			case <-k.quit:
				return
			case <-tick.C:
			}
			of := kinds[order[rng.IntN(len(order))]]
			n := of[rng.IntN(len(of))]
			pid := soakPIDs(self, nodes)[n.name]
			if pid == 0 {
				out.printf("soak: %s is not running (restarting); no kill this round\n", n.name)
				continue
			}
			if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
				out.printf("soak: kill %s (pid %d): %v\n", n.name, pid, err)
				continue
			}
			at := time.Since(t0).Round(time.Second)
			out.printf("soak: +%v SIGKILL %s (pid %d)\n", at, n.name, pid)
			k.mu.Lock()
			k.kill = append(k.kill, soakKill{at, n.name, pid})
			k.mu.Unlock()
		}
	}()
	return k
}

// stop ends the kills; the list is final afterwards.
func (k *soakKiller) stop() []soakKill {
	close(k.quit)
	<-k.done
	return k.kill
}

// soakSample is one reading of one process.
type soakSample struct {
	at         time.Duration
	node       string
	rssKiB     int64
	goroutines int // -1: not exported
	// withheld is a full node's quadrant_full_withheld_requests_total
	// (-1: not read); it restarts from 0 with the process.
	withheld float64
}

// soakSampler reads every node's VmRSS and go_goroutines every period.
type soakSampler struct {
	quit chan struct{}
	done chan struct{}
	mu   sync.Mutex
	all  []soakSample
}

func startSoakSampler(ctx context.Context, self string, nodes []soakNode, every time.Duration, t0 time.Time) *soakSampler {
	s := &soakSampler{quit: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(s.done)
		tick := time.NewTicker(every)
		defer tick.Stop()
		for {
			pids := soakPIDs(self, nodes)
			for _, n := range nodes {
				pid := pids[n.name]
				if pid == 0 {
					continue
				}
				sm := soakSample{at: time.Since(t0), node: n.name, rssKiB: procRSSKiB(pid), goroutines: -1, withheld: -1}
				if n.metrics != "" {
					if body, err := httpGet(ctx, n.metrics); err == nil && bytes.Contains(body, []byte("go_goroutines ")) {
						sm.goroutines = int(metricValue(body, "go_goroutines"))
						if n.withhold != "" && bytes.Contains(body, []byte("quadrant_full_withheld_requests_total ")) {
							sm.withheld = metricValue(body, "quadrant_full_withheld_requests_total")
						}
					}
				}
				s.mu.Lock()
				s.all = append(s.all, sm)
				s.mu.Unlock()
			}
			select {
			case <-s.quit:
				return
			case <-tick.C:
			}
		}
	}()
	return s
}

// stop ends the sampling; the samples are final afterwards.
func (s *soakSampler) stop() []soakSample {
	close(s.quit)
	<-s.done
	return s.all
}

// procRSSKiB reads VmRSS from /proc/<pid>/status (0 when unreadable).
func procRSSKiB(pid int) int64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			f := strings.Fields(rest)
			if len(f) > 0 {
				v, _ := strconv.ParseInt(f[0], 10, 64)
				return v
			}
		}
	}
	return 0
}

// soakPanics returns, per node, the lines of its log (every run appends to
// it) that show a Go panic or fatal runtime error.
func soakPanics(nodes []soakNode) map[string][]string {
	out := map[string][]string{}
	for _, n := range nodes {
		f, err := os.Open(n.log)
		if err != nil {
			continue
		}
		sc := bufio.NewScanner(f)
		sc.Buffer(make([]byte, 1<<20), 16<<20)
		for sc.Scan() {
			if line := sc.Text(); strings.Contains(line, "panic:") || strings.HasPrefix(line, "fatal error:") {
				out[n.name] = append(out[n.name], line)
			}
		}
		f.Close()
	}
	return out
}

// soakLight is the light node's account of heights 1..upTo.
type soakLight struct {
	upTo, sampledHead uint64
	failed            map[uint64]int // height → attempts that did not end available
	unavailable       []uint64
	unaccounted       []uint64 // neither sampled nor marked
	err               string
}

// checkSoakLight waits (until deadline) for the light node in home to
// decide every height up to upTo, then reports the heights it neither
// sampled nor marked as failed or unavailable.
func checkSoakLight(ctx context.Context, home, url string, upTo uint64, deadline time.Time) soakLight {
	r := soakLight{upTo: upTo}
	var stats struct {
		SampledHead uint64         `json:"head_of_sampled_chain"`
		Failed      map[uint64]int `json:"failed"`
	}
	for {
		err := lightCall(ctx, home, url, "das.SamplingStats", &stats)
		if err == nil && stats.SampledHead >= upTo {
			break
		}
		if err != nil {
			r.err = err.Error()
		}
		if time.Now().After(deadline) || ctx.Err() != nil {
			break
		}
		select {
		case <-ctx.Done():
		case <-time.After(time.Second): // polling the node's progress
		}
	}
	r.sampledHead, r.failed = stats.SampledHead, stats.Failed
	if err := lightCall(ctx, home, url, "das.Unavailable", &r.unavailable); err != nil && r.err == "" {
		r.err = err.Error()
	}
	marked := map[uint64]bool{}
	for _, h := range r.unavailable {
		marked[h] = true
	}
	for h := r.sampledHead + 1; h <= upTo; h++ {
		if r.failed[h] == 0 && !marked[h] {
			r.unaccounted = append(r.unaccounted, h)
		}
	}
	if len(r.unaccounted) == 0 {
		r.err = ""
	}
	return r
}

// soakLoss is an acknowledged blob that could not be read back with a
// valid proof, and why.
type soakLoss struct {
	ack    soakAck
	reason string
}

// verifySoakAcks reads every acknowledged blob back through the blob API
// (data and recomputed commitment), checks its commitment proof against
// the data root a validator committed at its height, and reads it again
// through the front-end that acknowledged it. The blobs that fail a first
// pass are retried in rounds for up to retry (the bridge may be
// restarting); what still fails is lost. The first failures are reported
// on out as they are found.
func verifySoakAcks(ctx context.Context, out *soakLog, c *soakClients, cores []*coreapi.Client, acks []soakAck, retry time.Duration) []soakLoss {
	fronts := map[string]soakFront{}
	for _, f := range c.fronts {
		fronts[f.name()] = f
	}
	roots := map[uint64][]byte{}
	var failing []soakLoss
	for _, a := range acks {
		if err := verifySoakAck(ctx, c, fronts[a.front], cores, roots, a); err != nil {
			if len(failing) < 10 {
				out.printf("soak: %s blob at height %d not verified yet: %v\n", a.front, a.height, err)
			}
			failing = append(failing, soakLoss{a, err.Error()})
		}
	}
	deadline := time.Now().Add(retry)
	for len(failing) > 0 && time.Now().Before(deadline) && ctx.Err() == nil {
		select {
		case <-ctx.Done():
		case <-time.After(time.Second): // the node may be restarting
		}
		still := failing[:0]
		for _, l := range failing {
			if err := verifySoakAck(ctx, c, fronts[l.ack.front], cores, roots, l.ack); err != nil {
				still = append(still, soakLoss{l.ack, err.Error()})
			}
		}
		failing = still
	}
	return failing
}

func verifySoakAck(ctx context.Context, c *soakClients, f soakFront, cores []*coreapi.Client, roots map[uint64][]byte, a soakAck) error {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	b, err := c.blob.Get(ctx, a.height, a.ns[:], a.commitment)
	if err != nil {
		return fmt.Errorf("blob.Get: %w", err)
	}
	if !bytes.Equal(b.Data, a.data) {
		return fmt.Errorf("blob.Get returned %d bytes that differ from the %d submitted", len(b.Data), len(a.data))
	}
	if cm, err := soakCommitment(a.ns, b.Data); err != nil || !bytes.Equal(cm, a.commitment) {
		return fmt.Errorf("the data read does not have the acknowledged commitment (%v)", err)
	}
	root, err := soakDataRoot(ctx, cores, roots, a.height)
	if err != nil {
		return err
	}
	p, err := c.blob.GetCommitmentProof(ctx, a.height, a.ns[:], a.commitment)
	if err != nil {
		return fmt.Errorf("blob.GetCommitmentProof: %w", err)
	}
	if err := p.Verify(root, a.commitment); err != nil {
		return fmt.Errorf("commitment proof against the committed data root: %w", err)
	}
	data, err := f.read(ctx, a)
	if err != nil {
		return fmt.Errorf("%s read: %w", a.front, err)
	}
	if !bytes.Equal(data, a.data) {
		return fmt.Errorf("%s read returned %d bytes that differ from the %d submitted", a.front, len(data), len(a.data))
	}
	return nil
}

// soakDataRoot returns the data root committed at height, from the
// data-root transaction of the block any validator serves (cached).
func soakDataRoot(ctx context.Context, cores []*coreapi.Client, cache map[uint64][]byte, height uint64) ([]byte, error) {
	if r, ok := cache[height]; ok {
		return r, nil
	}
	var err error
	for _, c := range cores {
		_, blk, berr := c.Block(ctx, int64(height))
		if berr != nil {
			err = berr
			continue
		}
		if len(blk.Txs) == 0 {
			return nil, fmt.Errorf("block %d has no data-root transaction", height)
		}
		drt, derr := da.DecodeDataRootTx(blk.Txs[len(blk.Txs)-1])
		if derr != nil {
			return nil, fmt.Errorf("block %d: %w", height, derr)
		}
		cache[height] = drt.DataRoot
		return drt.DataRoot, nil
	}
	return nil, fmt.Errorf("block %d from no validator: %w", height, err)
}

// soakWithheld returns, for the node named node, the square-data requests
// it answered NOT_FOUND on purpose over all its processes, as sampled: its
// counter restarts from 0 with each process, so each run's last reading
// before a drop is added up.
func soakWithheld(samples []soakSample, node string) int {
	total, prev := 0.0, 0.0
	for _, s := range samples {
		if s.node != node || s.withheld < 0 {
			continue
		}
		if s.withheld < prev {
			total += prev
		}
		prev = s.withheld
	}
	return int(total + prev)
}
