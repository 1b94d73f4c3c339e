package main

import (
	"context"
	crand "crypto/rand"
	"errors"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
	"sync"
	"time"

	rpchttp "github.com/cometbft/cometbft/rpc/client/http"
	"github.com/spf13/cobra"

	"github.com/quadrant-da/quadrant/chain"
	"github.com/quadrant-da/quadrant/coreapi"
	"github.com/quadrant-da/quadrant/validator"
)

// soakOptions are the flags of `quadrant bench soak`.
type soakOptions struct {
	Home        string
	Duration    time.Duration
	KillEvery   time.Duration
	SampleEvery time.Duration
	Seed        uint64
	Validators  int
	BlockTime   time.Duration
	BasePort    int
	MaxBlob     int
	FullNodes   int
	Withhold    string
}

func newBenchSoakCmd() *cobra.Command {
	var o soakOptions
	cmd := &cobra.Command{
		Use:   "soak",
		Short: "Run a devnet under load from every rollup front-end while killing nodes at random; check nothing acknowledged is lost",
		Long: `bench soak creates a fresh devnet (in a temporary directory unless --home is
given) with its bridge full node, rollup adapter (JSON-RPC, Alt-DA and DAC
member) and light node, and for --duration submits blobs through all four
rollup front-ends (blob.Submit, go-da da.Submit, Alt-DA PUT /put, DAC
datacom_signSequence), one submission in flight each. Every --kill-every it
SIGKILLs a node drawn at random (--seed) — a validator, a full node or the
light node — which the devnet's supervisor restarts. With --full-nodes N,
N-1 p2p-mode full nodes follow the bridge; with --withhold one of them
withholds data on purpose (fault injection). Every --sample-every it
reads each process's resident memory (/proc) and goroutines (go_goroutines
from the node's /metrics where it exports them).

At the end it checks that every acknowledged blob reads back through the
blob API with the acknowledged commitment and a commitment proof valid
against the data root the validators committed, and through the front-end
that acknowledged it; that no node's log shows a panic; and that the light
node sampled every height, or marked it failed or unavailable. It prints a
summary ending in a line

  result soak duration=… acked=… lost=… kills=… panics=… light_unaccounted=…

and exits non-zero when anything was lost, panicked or left unaccounted.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if o.KillEvery < 15*time.Second {
				// The supervisor gives up on a node that dies 5 times in a
				// minute; one kill per 15 s can never reach that.
				return fmt.Errorf("--kill-every %v: want ≥ 15s (the devnet gives up on a node killed 5 times within a minute)", o.KillEvery)
			}
			if o.Duration <= 0 || o.SampleEvery <= 0 || o.MaxBlob < 512 {
				return errors.New("--duration and --sample-every must be positive and --max-blob ≥ 512")
			}
			if !cmd.Flags().Changed("seed") {
				var b [8]byte
				_, _ = crand.Read(b[:])
				for _, x := range b {
					o.Seed = o.Seed<<8 | uint64(x)
				}
			}
			return benchSoak(cmd.Context(), cmd.OutOrStdout(), o)
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.Home, "home", "", "directory for the devnet, kept afterwards (default: a temporary directory, removed)")
	f.DurationVar(&o.Duration, "duration", 30*time.Minute, "how long to load the devnet and kill its nodes")
	f.DurationVar(&o.KillEvery, "kill-every", 2*time.Minute, "period of the SIGKILLs (≥ 15s)")
	f.DurationVar(&o.SampleEvery, "sample-every", 10*time.Second, "period of the RSS and goroutine readings")
	f.Uint64Var(&o.Seed, "seed", 0, "seed of the kills and the blob data (default: random, printed)")
	f.IntVar(&o.Validators, "validators", 4, "validators (4 keep more than 2/3 of the power while one is down)")
	f.DurationVar(&o.BlockTime, "block-time", time.Second, "block time")
	f.IntVar(&o.BasePort, "base-port", 36656, "first port of the devnet; the adapter takes base+2 (JSON-RPC), base+4 (Alt-DA), base+6 (DAC)")
	f.IntVar(&o.MaxBlob, "max-blob", 16<<10, "largest blob in bytes (sizes are drawn from 512 up to it)")
	f.IntVar(&o.FullNodes, "full-nodes", 1, "full nodes: the bridge and N-1 p2p-mode full nodes following it (as quadrant devnet --full-nodes)")
	f.StringVar(&o.Withhold, "withhold", "", "fault injection: the last p2p-mode full node withholds the square data of these heights on purpose "+
		"(a --fault-withhold spec: H, A-B or %N, comma-separated; needs --full-nodes ≥ 2); the light node must still judge every height available through the honest ones")
	return cmd
}

// soakLog serializes the soak's and the supervisor's writes to one writer.
type soakLog struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *soakLog) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

func (l *soakLog) printf(format string, args ...any) { fmt.Fprintf(l, format, args...) }

// soakResult is what a soak found.
type soakResult struct {
	duration time.Duration
	acks     []soakAck
	fails    map[string]int
	lastFail map[string]string
	kills    []soakKill
	lost     []soakLoss
	panics   map[string][]string
	light    soakLight
	samples  []soakSample
	nodes    []soakNode
	// sampleEvery is the period of the samples.
	sampleEvery time.Duration
}

func benchSoak(ctx context.Context, stdout io.Writer, o soakOptions) error {
	out := &soakLog{w: stdout}
	home := o.Home
	if home == "" {
		dir, err := os.MkdirTemp("", "quadrant-soak-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(dir)
		home = dir
	}
	m, err := createDevnet(devnetOptions{Home: home, Validators: o.Validators, BlockTime: o.BlockTime,
		BasePort: o.BasePort, ChainID: "quadrant-soak", MaxSquareSize: chain.DefaultMaxSquareSize, FullNodes: o.FullNodes, Withhold: o.Withhold})
	if err != nil {
		return err
	}
	for _, v := range m.Validators { // export go_goroutines
		cfg, err := validator.LoadNodeConfig(v.Home)
		if err != nil {
			return err
		}
		cfg.Metrics.Prometheus = true
		if err := validator.SaveNodeConfig(v.Home, cfg); err != nil {
			return err
		}
	}
	af := defaultAdapterFlags()
	af.rpcAddr = fmt.Sprintf("127.0.0.1:%d", o.BasePort+2)
	af.altda = fmt.Sprintf("127.0.0.1:%d", o.BasePort+4)
	af.dac = fmt.Sprintf("127.0.0.1:%d", o.BasePort+6)
	out.printf("bench soak: %d validators, %d full nodes, light node; block time %v; %v with a SIGKILL every %v; seed %d; home %s\n",
		o.Validators, len(m.FullNodes), o.BlockTime, o.Duration, o.KillEvery, o.Seed, home)
	for _, f := range m.FullNodes {
		if f.FaultWithhold != "" {
			out.printf("bench soak: %s withholds the square data of heights %s on purpose\n", f.Name, f.FaultWithhold)
		}
	}
	procs, err := startDevnetProcs(m, af)
	if err != nil {
		return err
	}
	defer procs.stop()
	sctx, cancel := context.WithCancel(ctx)
	defer cancel()
	supErr := make(chan error, 1)
	go func() { supErr <- procs.supervise(sctx, out, devnetRestartPolicy) }()
	r, err := runSoak(sctx, out, home, m, procs, af, o, supErr)
	if err != nil {
		return err
	}
	printSoak(out, r)
	if len(r.lost) > 0 || len(r.panics) > 0 || len(r.light.unaccounted) > 0 {
		return fmt.Errorf("bench soak: %d acknowledged blobs lost, %d nodes panicked, %d heights neither sampled nor marked by the light node",
			len(r.lost), len(r.panics), len(r.light.unaccounted))
	}
	return nil
}

// runSoak drives the load and the faults for o.Duration on the running
// devnet, then checks what the devnet acknowledged.
func runSoak(ctx context.Context, out *soakLog, home string, m *devnetManifest, procs *devnetProcs, af adapterFlags, o soakOptions, supErr <-chan error) (*soakResult, error) {
	self, err := os.Executable()
	if err != nil {
		return nil, err
	}
	clients, err := dialSoakClients(ctx, home, af)
	if err != nil {
		return nil, err
	}
	defer clients.close()
	var cores []*coreapi.Client
	for _, v := range m.Validators {
		c, err := coreapi.Dial(v.GRPC)
		if err != nil {
			return nil, err
		}
		defer c.Close()
		cores = append(cores, c)
	}
	chain0, err := rpchttp.New(m.Validators[0].RPC, "/websocket")
	if err != nil {
		return nil, err
	}
	nodes := soakNodes(m, procs, o.BasePort)
	t0 := time.Now()
	sampler := startSoakSampler(ctx, self, nodes, o.SampleEvery, t0)
	load := startSoakLoad(ctx, clients.fronts, o.MaxBlob, o.Seed)
	// The faults start once the devnet has acknowledged a first blob: a
	// kill before then would test start-up, not recovery.
	if err := soakWaitFor(ctx, supErr, 3*time.Minute, func() bool { return load.count() > 0 }); err != nil {
		load.stop()
		sampler.stop()
		return nil, fmt.Errorf("no submission acknowledged: %w (see %s/*/node.log)", err, home)
	}
	out.printf("soak: first blob acknowledged after %v; faults start\n", time.Since(t0).Round(time.Second))
	t1 := time.Now()
	killer := startSoakKiller(self, nodes, o.KillEvery, o.Seed, t1, out)
	var gaveUp error
	select {
	case <-time.After(o.Duration): // the soak's length is time under test
	case gaveUp = <-supErr:
	case <-ctx.Done():
		gaveUp = ctx.Err()
	}
	r := &soakResult{duration: time.Since(t1), nodes: nodes, sampleEvery: o.SampleEvery}
	r.kills = killer.stop()
	load.stop()
	if gaveUp != nil {
		sampler.stop()
		return nil, fmt.Errorf("bench soak: the devnet gave up: %w", gaveUp)
	}
	r.acks, r.fails, r.lastFail = load.acks, load.fails, load.last
	out.printf("soak: load stopped after %v; %d submissions acknowledged; verifying\n", r.duration.Round(time.Second), len(r.acks))
	var endHeight uint64
	if err := soakWaitFor(ctx, supErr, 3*time.Minute, func() bool {
		st, err := chain0.Status(ctx)
		if err == nil {
			endHeight = uint64(st.SyncInfo.LatestBlockHeight)
		}
		return err == nil
	}); err != nil {
		sampler.stop()
		return nil, fmt.Errorf("validator-0 does not answer after the soak: %w", err)
	}
	r.lost = verifySoakAcks(ctx, out, clients, cores, r.acks, 2*time.Minute)
	if l, ok := devnetLightNode(m); ok {
		r.light = checkSoakLight(ctx, l.home, "http://"+l.rpcAddr, endHeight, time.Now().Add(3*time.Minute))
	}
	r.samples = sampler.stop()
	r.panics = soakPanics(nodes)
	return r, nil
}

// soakWaitFor polls cond every 200 ms until it holds, the devnet gives up
// or within passes.
func soakWaitFor(ctx context.Context, supErr <-chan error, within time.Duration, cond func() bool) error {
	deadline := time.After(within)
	for !cond() {
		select {
		case err := <-supErr:
			return fmt.Errorf("the devnet gave up: %w", err)
		case <-deadline:
			return fmt.Errorf("not within %v", within)
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(200 * time.Millisecond):
		}
	}
	return nil
}

// printSoak writes the summary: load per front-end, kills, losses,
// panics, the light node's account, then each process's RSS and
// goroutines over time and their peaks, and the result line.
func printSoak(out io.Writer, r *soakResult) {
	perFront := map[string]int{}
	bytes := map[string]int{}
	for _, a := range r.acks {
		perFront[a.front]++
		bytes[a.front] += len(a.data)
	}
	fmt.Fprintf(out, "\nload over %v (one submission in flight per front-end):\n", r.duration.Round(time.Second))
	for _, f := range []string{"blob", "go-da", "alt-da", "dac"} {
		fmt.Fprintf(out, "  %-7s acknowledged %5d (%7.1f KiB)  failed %4d", f, perFront[f], float64(bytes[f])/1024, r.fails[f])
		if s := r.lastFail[f]; s != "" {
			fmt.Fprintf(out, "  last failure: %.120s", s)
		}
		fmt.Fprintln(out)
	}
	killed := map[string]int{}
	for _, k := range r.kills {
		killed[k.node]++
	}
	fmt.Fprintf(out, "kills: %d (", len(r.kills))
	for i, n := range r.nodes {
		if i > 0 {
			fmt.Fprint(out, ", ")
		}
		fmt.Fprintf(out, "%s %d", n.name, killed[n.name])
	}
	fmt.Fprintln(out, ")")
	lostBy, readOnly := map[string]int{}, map[string]int{}
	for _, l := range r.lost {
		lostBy[l.ack.front]++
		if strings.HasPrefix(l.reason, l.ack.front+" read:") { // on chain with a valid proof; the front-end cannot serve it
			readOnly[l.ack.front]++
		}
	}
	fmt.Fprintf(out, "lost: %d of %d acknowledged", len(r.lost), len(r.acks))
	for _, f := range []string{"blob", "go-da", "alt-da", "dac"} {
		fmt.Fprintf(out, "; %s %d (%d only unreadable through %s)", f, lostBy[f], readOnly[f], f)
	}
	fmt.Fprintln(out)
	for i, l := range r.lost {
		if i == 20 {
			fmt.Fprintf(out, "  ... and %d more\n", len(r.lost)-i)
			break
		}
		fmt.Fprintf(out, "  LOST %s blob at height %d commitment %x: %s\n", l.ack.front, l.ack.height, l.ack.commitment, l.reason)
	}
	fmt.Fprintf(out, "panics: %d nodes\n", len(r.panics))
	for n, lines := range r.panics {
		fmt.Fprintf(out, "  %s: %d lines, first: %.200s\n", n, len(lines), lines[0])
	}
	lt := r.light
	fmt.Fprintf(out, "light node: heights 1..%d: sampled through %d, %d marked failed, %d unavailable, %d unaccounted %v",
		lt.upTo, lt.sampledHead, len(lt.failed), len(lt.unavailable), len(lt.unaccounted), lt.unaccounted)
	if lt.err != "" {
		fmt.Fprintf(out, " (%s)", lt.err)
	}
	fmt.Fprintln(out)
	for _, n := range r.nodes {
		if n.withhold != "" {
			fmt.Fprintf(out, "withholding: %s (heights %s) answered %d square-data requests NOT_FOUND on purpose (as sampled every %v)\n",
				n.name, n.withhold, soakWithheld(r.samples, n.name), r.sampleEvery)
		}
	}
	printSoakResources(out, r)
	fmt.Fprintf(out, "result soak duration=%s acked=%d lost=%d kills=%d panics=%d light_unaccounted=%d\n",
		r.duration.Round(time.Second), len(r.acks), len(r.lost), len(r.kills), len(r.panics), len(r.light.unaccounted))
}

// printSoakResources prints each process's peak RSS (MiB) and goroutines
// ("-": not exported) in up to 12 equal windows of the run, then overall.
func printSoakResources(out io.Writer, r *soakResult) {
	if len(r.samples) == 0 {
		return
	}
	last := r.samples[len(r.samples)-1].at
	const windows = 12
	width := max(r.sampleEvery, (last+windows*time.Second-1)/windows).Round(time.Second)
	type peak struct {
		rss int64
		gor int
	}
	peaks := map[string]map[int]peak{}
	overall := map[string]peak{}
	for _, s := range r.samples {
		w := int(s.at / width)
		if peaks[s.node] == nil {
			peaks[s.node] = map[int]peak{}
		}
		p, ok := peaks[s.node][w]
		if !ok {
			p.gor = -1
		}
		p.rss, p.gor = max(p.rss, s.rssKiB), max(p.gor, s.goroutines)
		peaks[s.node][w] = p
		o, ok := overall[s.node]
		if !ok {
			o.gor = -1
		}
		o.rss, o.gor = max(o.rss, s.rssKiB), max(o.gor, s.goroutines)
		overall[s.node] = o
	}
	cell := func(p peak, ok bool) string {
		if !ok {
			return "-"
		}
		g := "-"
		if p.gor >= 0 {
			g = fmt.Sprint(p.gor)
		}
		return fmt.Sprintf("%.0f/%s", float64(p.rss)/1024, g)
	}
	fmt.Fprintf(out, "peak RSS MiB / goroutines per process, per %v window (from the first load):\n%-8s", width, "window")
	for _, n := range r.nodes {
		fmt.Fprintf(out, " %12s", n.name)
	}
	fmt.Fprintln(out)
	ws := make([]int, 0, windows+1)
	for w := 0; time.Duration(w)*width <= last; w++ {
		ws = append(ws, w)
	}
	sort.Ints(ws)
	for _, w := range ws {
		fmt.Fprintf(out, "%-8s", "+"+(time.Duration(w)*width).String())
		for _, n := range r.nodes {
			p, ok := peaks[n.name][w]
			fmt.Fprintf(out, " %12s", cell(p, ok))
		}
		fmt.Fprintln(out)
	}
	fmt.Fprintf(out, "%-8s", "peak")
	for _, n := range r.nodes {
		p, ok := overall[n.name]
		fmt.Fprintf(out, " %12s", cell(p, ok))
	}
	fmt.Fprintln(out)
}
