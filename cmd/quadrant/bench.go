package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	rpchttp "github.com/cometbft/cometbft/rpc/client/http"
	"github.com/spf13/cobra"

	"github.com/quadrant-da/quadrant/blobs"
	"github.com/quadrant-da/quadrant/coreapi"
	"github.com/quadrant-da/quadrant/da"
	"github.com/quadrant-da/quadrant/internal/pause"
	"github.com/quadrant-da/quadrant/validator"
	"github.com/quadrant-da/quadrant/wallet"
)

func newBenchCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "bench", Short: "Benchmarks that run real networks"}
	var o chainBenchOptions
	var squares, loads string
	chain := &cobra.Command{
		Use:   "chain",
		Short: "Run a local devnet and measure finalized blob throughput, block interval and inclusion latency",
		Long: `bench chain creates a fresh devnet per max square size (in a temporary
directory unless --home is given), funds --accounts accounts, and for each load
(a fraction of the square's blob capacity per block) offers blobs at that rate
for --duration, then reports MiB/s of blob data finalized, the mean block
interval, submit-to-inclusion latency p50/p99 and the validators' CPU use.

Each load is offered for a warm-up (a quarter of --duration) before the
window opens; the window opens and closes at observed block commits, so a
stalled chain counts against throughput. Only the validators run unless
--full-nodes also starts the devnet's bridge and light node (they share the
machine's CPU and bind the rollup adapter's fixed ports). --profile writes
each validator's CPU profile over the window to
<home>/k<k>/validator-N/cpu-<load>.pprof (needs --home).`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			for _, s := range strings.Split(squares, ",") {
				k, err := strconv.Atoi(strings.TrimSpace(s))
				if err != nil {
					return fmt.Errorf("--squares: %w", err)
				}
				o.Squares = append(o.Squares, k)
			}
			for _, s := range strings.Split(loads, ",") {
				l, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
				if err != nil || l <= 0 || l > 2 {
					return fmt.Errorf("--loads: %q, want fractions in (0, 2]", s)
				}
				o.Loads = append(o.Loads, l)
			}
			if o.Profile && o.Home == "" {
				return errors.New("--profile needs --home (the profiles are written there)")
			}
			return benchChain(cmd.Context(), cmd.OutOrStdout(), o)
		},
	}
	f := chain.Flags()
	f.StringVar(&o.Home, "home", "", "directory for the devnets (default: a temporary directory, removed afterwards)")
	f.IntVar(&o.Validators, "validators", 4, "validators")
	f.DurationVar(&o.BlockTime, "block-time", time.Second, "block time")
	f.IntVar(&o.BasePort, "base-port", 46656, "first port of the devnet")
	f.IntVar(&o.Accounts, "accounts", 8, "submitting accounts (one queue each)")
	f.DurationVar(&o.Duration, "duration", 40*time.Second, "measurement window per load")
	f.StringVar(&o.Mempool, "mempool", "", "validators' mempool.type: flood (CometBFT's) or app (the application's own); empty: the node default")
	f.DurationVar(&o.TimeoutPropose, "timeout-propose", 30*time.Second, "validators' propose timeout (a 30 MiB proposal takes seconds to build and gossip on 2 cores, and tens of seconds when they are shared)")
	f.BoolVar(&o.FullNodes, "full-nodes", false, "also run the devnet's bridge full node and light node")
	f.BoolVar(&o.Profile, "profile", false, "write each validator's CPU profile over every window under --home")
	f.StringVar(&squares, "squares", "128,256", "max square sizes k to run")
	f.StringVar(&loads, "loads", "0.1,0.5,0.9", "offered loads as fractions of a k×k square's blob capacity per block")
	cmd.AddCommand(chain, newBenchSoakCmd())
	return cmd
}

type chainBenchOptions struct {
	Home       string
	Validators int
	BlockTime  time.Duration
	BasePort   int
	Accounts   int
	Duration   time.Duration
	Squares    []int
	Loads      []float64
	// TimeoutPropose of the devnet's validators.
	TimeoutPropose time.Duration
	// Mempool is the validators' mempool.type: "flood" or "app".
	Mempool string
	// FullNodes runs the devnet's bridge and light node too.
	FullNodes bool
	// Profile collects the validators' CPU profiles over each window.
	Profile bool
}

// benchPprofPort is validator i's pprof port in a bench devnet (base+10i+7,
// an offset devnetPorts leaves free).
func benchPprofPort(base, i int) int { return base + 10*i + 7 }

type benchResult struct {
	K            int
	Load         float64
	BlobSize     int
	OfferedMiBs  float64
	MiBs         float64
	Blocks       int64
	Interval     time.Duration
	P50, P99     time.Duration
	Submitted    int
	Included     int
	MaxSquare    int
	CPUCores     float64 // validators
	OtherCores   float64 // bridge and light node, with --full-nodes
	BenchCores   float64 // this process (submitters, RPC clients)
	Backlogged   int
	FailedSubmit int
}

// CPUPerMiB is the validators' CPU seconds (all of them together) per MiB
// of blob data finalized in the window; 0 when nothing was finalized.
func (r benchResult) CPUPerMiB() float64 {
	if r.MiBs <= 0 {
		return 0
	}
	return r.CPUCores / r.MiBs
}

// resultLine is the machine-readable summary of one load, e.g.
//
//	result k=256 load=0.90 mib_per_s=8.12 cpu_s_per_mib=0.140 interval_s=3.210 p50_s=4.100 p99_s=9.800
func (r benchResult) resultLine() string {
	return fmt.Sprintf("result k=%d load=%.2f mib_per_s=%.2f cpu_s_per_mib=%.3f interval_s=%.3f p50_s=%.3f p99_s=%.3f",
		r.K, r.Load, r.MiBs, r.CPUPerMiB(), r.Interval.Seconds(), r.P50.Seconds(), r.P99.Seconds())
}

func benchChain(ctx context.Context, out io.Writer, o chainBenchOptions) error {
	root := o.Home
	if root == "" {
		dir, err := os.MkdirTemp("", "quadrant-bench-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(dir)
		root = dir
	}
	fmt.Fprintf(out, "bench chain: %d validators, block time %v, %d accounts, %v per load\n", o.Validators, o.BlockTime, o.Accounts, o.Duration)
	fmt.Fprintf(out, "%5s %5s %9s %9s %9s %9s %8s %8s %9s %6s %7s %8s %6s %6s %6s %6s\n",
		"k", "load", "blob", "offered", "MiB/s", "interval", "p50", "p99", "incl", "maxk", "cores", "cpu-s/MiB", "other", "bench", "fail", "shed")
	for _, k := range o.Squares {
		home := filepath.Join(root, fmt.Sprintf("k%d", k))
		m, err := createDevnet(devnetOptions{Home: home, Validators: o.Validators, BlockTime: o.BlockTime,
			BasePort: o.BasePort, ChainID: fmt.Sprintf("quadrant-bench-%d", k), MaxSquareSize: k, TimeoutPropose: o.TimeoutPropose, Mempool: o.Mempool})
		if err != nil {
			return err
		}
		if o.Profile {
			for i, v := range m.Validators {
				cfg, err := validator.LoadNodeConfig(v.Home)
				if err != nil {
					return err
				}
				cfg.RPC.PprofListenAddress = fmt.Sprintf("127.0.0.1:%d", benchPprofPort(o.BasePort, i))
				if err := validator.SaveNodeConfig(v.Home, cfg); err != nil {
					return err
				}
			}
		}
		run := *m
		if !o.FullNodes {
			run.FullNodes = nil // no bridge, and so no light node
		}
		procs, err := startDevnetProcs(&run, defaultAdapterFlags())
		if err != nil {
			return err
		}
		results, err := benchNetwork(ctx, home, m, procs, k, o)
		procs.stop()
		for _, r := range results {
			fmt.Fprintf(out, "%5d %4.0f%% %8dK %9.2f %9.2f %9v %8v %8v %4d/%-4d %6d %7.2f %8.3f %6.2f %6.2f %6d %6d\n",
				r.K, 100*r.Load, r.BlobSize>>10, r.OfferedMiBs, r.MiBs, r.Interval.Round(time.Millisecond),
				r.P50.Round(time.Millisecond), r.P99.Round(time.Millisecond), r.Included, r.Submitted, r.MaxSquare,
				r.CPUCores, r.CPUPerMiB(), r.OtherCores, r.BenchCores, r.FailedSubmit, r.Backlogged)
		}
		for _, r := range results {
			fmt.Fprintln(out, r.resultLine())
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// squareBlobCapacity is the blob payload a k×k square holds in practice:
// every row but the first (left for transaction shares), at 482 bytes per
// continuation share.
func squareBlobCapacity(k int) int { return (k*k - k) * da.ContinuationSparseShareContentSize }

func benchNetwork(ctx context.Context, home string, m *devnetManifest, procs *devnetProcs, k int, o chainBenchOptions) ([]benchResult, error) {
	clients := make([]*rpchttp.HTTP, len(m.Validators))
	mempools := make([]*coreapi.Client, len(m.Validators))
	for i, v := range m.Validators {
		c, err := rpchttp.New(v.RPC, "/websocket")
		if err != nil {
			return nil, err
		}
		clients[i] = c
		if mempools[i], err = coreapi.Dial(v.GRPC); err != nil {
			return nil, err
		}
		defer mempools[i].Close()
	}
	deadline := time.Now().Add(60 * time.Second)
	for _, c := range clients {
		for {
			st, err := c.Status(ctx)
			if err == nil && st.SyncInfo.LatestBlockHeight >= 2 {
				break
			}
			if time.Now().After(deadline) || ctx.Err() != nil {
				return nil, fmt.Errorf("devnet did not start (see %s/validator-*/node.log)", home)
			}
			pause.For(ctx, 100*time.Millisecond)
		}
	}
	// Fund the bench accounts from the faucet, through one queue.
	faucetKey, err := wallet.NewKeyring(home).Load("faucet")
	if err != nil {
		return nil, err
	}
	faucet, err := wallet.NewSubmitter(wallet.SubmitterConfig{Client: clients[0], Mempool: mempools[0], Key: faucetKey, PollInterval: 50 * time.Millisecond})
	if err != nil {
		return nil, err
	}
	faucet.Start(ctx)
	defer faucet.Stop()
	subs := make([]*wallet.Submitter, o.Accounts)
	var fund []*wallet.Submission
	for i := range subs {
		key, err := wallet.GenerateKey(fmt.Sprintf("bench%d", i), wallet.KeyTypeSecp256k1)
		if err != nil {
			return nil, err
		}
		s, err := faucet.Transfer(ctx, key.Address(), 1<<55)
		if err != nil {
			return nil, err
		}
		fund = append(fund, s)
		subs[i], err = wallet.NewSubmitter(wallet.SubmitterConfig{Client: clients[i%len(clients)], Mempool: mempools[i%len(clients)], Key: key, PollInterval: 50 * time.Millisecond,
			// Rebroadcasting re-sends MiB-sized txs the mempool still holds (a
			// bench mempool evicts nothing): on a stalled chain that multiplied
			// the RPC and hashing load of the validators.
			RebroadcastAfter: 10 * time.Minute})
		if err != nil {
			return nil, err
		}
		subs[i].Start(ctx)
		defer subs[i].Stop()
	}
	for _, s := range fund {
		if _, err := s.Wait(ctx); err != nil {
			return nil, fmt.Errorf("funding bench accounts: %w", err)
		}
	}
	var results []benchResult
	for _, load := range o.Loads {
		r, err := benchLoad(ctx, home, clients, mempools[0], subs, procs, k, load, o)
		if err != nil {
			return results, err
		}
		results = append(results, r)
	}
	return results, nil
}

func benchLoad(ctx context.Context, home string, clients []*rpchttp.HTTP, core *coreapi.Client, subs []*wallet.Submitter, procs *devnetProcs, k int, load float64, o chainBenchOptions) (benchResult, error) {
	perBlock := int(load * float64(squareBlobCapacity(k)))
	// Blobs of at most 2 MiB, at least 8 per block so load spreads over accounts.
	size := max(4<<10, min(2<<20, perBlock/8))
	perSecond := float64(perBlock) / o.BlockTime.Seconds()
	interval := time.Duration(float64(time.Second) * float64(size) / perSecond)
	r := benchResult{K: k, Load: load, BlobSize: size, OfferedMiBs: perSecond / (1 << 20)}

	offer := startLoadOffer(ctx, subs, size, interval)
	// The window opens at the first commit after the warm-up and closes at
	// the first commit after --duration more.
	if !pause.For(ctx, o.Duration/4) {
		offer.stop()
		return r, ctx.Err()
	}
	h0, w0, err := waitCommit(ctx, clients[0], 2*time.Minute)
	if err != nil {
		offer.stop()
		return r, err
	}
	cpu0, self0 := procs.cpuSeconds(), selfCPUSeconds()
	var profiles sync.WaitGroup
	if o.Profile {
		profileValidators(ctx, &profiles, home, len(clients), load, o)
	}
	pause.For(ctx, time.Until(w0.Add(o.Duration))) // a cancelled ctx ends waitCommit too
	h1, w1, err := waitCommit(ctx, clients[0], 2*time.Minute)
	cpu1, self1 := procs.cpuSeconds(), selfCPUSeconds()
	if serr := offer.stop(); err == nil {
		err = serr
	}
	profiles.Wait()
	if err != nil {
		return r, err
	}
	bytes, err := windowBlobBytes(ctx, core, h0, h1, &r)
	if err != nil {
		return r, err
	}
	r.Blocks = h1 - h0
	span := w1.Sub(w0)
	if r.Blocks > 0 && span > 0 {
		r.Interval = span / time.Duration(r.Blocks)
		r.MiBs = float64(bytes) / (1 << 20) / span.Seconds()
		r.CPUCores = (cpu1.validators - cpu0.validators) / span.Seconds()
		r.OtherCores = (cpu1.others - cpu0.others) / span.Seconds()
		r.BenchCores = (self1 - self0) / span.Seconds()
	}
	offer.summarize(w0, w1, &r)
	return r, nil
}

// loadSample is one blob offered by a loadOffer.
type loadSample struct {
	start   time.Time
	latency time.Duration // 0: not included
	shed    bool
}

// loadOffer submits a blob of size bytes every interval, round-robin over
// subs, until stop; a blob that finds 16 per submitter outstanding is shed
// (the chain is not keeping up; do not pile on).
type loadOffer struct {
	stopOffer chan struct{}
	done      chan error
	wg        sync.WaitGroup

	mu      sync.Mutex
	samples []loadSample
}

func startLoadOffer(ctx context.Context, subs []*wallet.Submitter, size int, interval time.Duration) *loadOffer {
	ns, _ := da.NewNamespaceV0([]byte("bench"))
	payload := make([]byte, size)
	for i := range payload {
		payload[i] = byte(i * 7)
	}
	l := &loadOffer{stopOffer: make(chan struct{}), done: make(chan error, 1)}
	go func() {
		next := time.Now()
		outstanding := make(chan struct{}, 16*len(subs))
		for i := 0; ; i++ {
			select {
			case <-l.stopOffer:
				l.done <- nil
				return
			case <-ctx.Done():
				l.done <- ctx.Err()
				return
			case <-time.After(time.Until(next)):
			}
			next = next.Add(interval)
			start := time.Now()
			select {
			case outstanding <- struct{}{}:
			default:
				l.add(loadSample{start: start, shed: true})
				continue
			}
			data := append([]byte(nil), payload...)
			data[0], data[1], data[2] = byte(i), byte(i>>8), byte(i>>16)
			b, err := blobs.NewBlob(ns, data, 0, nil)
			if err != nil {
				l.done <- err
				return
			}
			l.wg.Add(1)
			go func() {
				defer l.wg.Done()
				defer func() { <-outstanding }()
				l.add(submitOne(ctx, subs[i%len(subs)], b, start))
			}()
		}
	}()
	return l
}

// submitOne submits b and waits for its inclusion.
func submitOne(ctx context.Context, s *wallet.Submitter, b *blobs.Blob, start time.Time) loadSample {
	sub, err := s.SubmitBlobs(ctx, b)
	if err == nil {
		_, err = sub.Wait(ctx)
	}
	sm := loadSample{start: start}
	if err == nil {
		sm.latency = max(time.Since(start), time.Nanosecond)
	}
	return sm
}

func (l *loadOffer) add(s loadSample) {
	l.mu.Lock()
	l.samples = append(l.samples, s)
	l.mu.Unlock()
}

// stop ends the offer and waits for every submission in flight.
func (l *loadOffer) stop() error {
	close(l.stopOffer)
	err := <-l.done
	l.wg.Wait()
	return err
}

// summarize fills r's latency and counts from what was offered inside the
// window [w0, w1]; call it after stop.
func (l *loadOffer) summarize(w0, w1 time.Time, r *benchResult) {
	var latencies []time.Duration
	for _, sm := range l.samples {
		if sm.start.Before(w0) || sm.start.After(w1) {
			continue
		}
		switch {
		case sm.shed:
			r.Backlogged++
		case sm.latency > 0:
			r.Submitted++
			latencies = append(latencies, sm.latency)
		default:
			r.Submitted++
			r.FailedSubmit++
		}
	}
	sort.Slice(latencies, func(i, j int) bool { return latencies[i] < latencies[j] })
	r.Included = len(latencies)
	if n := len(latencies); n > 0 {
		r.P50 = latencies[n/2]
		r.P99 = latencies[min(n-1, n*99/100)]
	}
}

// profileValidators fetches a CPU profile of the window from each of the
// n validators into its home, in the background (wg).
func profileValidators(ctx context.Context, wg *sync.WaitGroup, home string, n int, load float64, o chainBenchOptions) {
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			path := filepath.Join(home, fmt.Sprintf("validator-%d", i), fmt.Sprintf("cpu-%.0f.pprof", 100*load))
			url := fmt.Sprintf("http://127.0.0.1:%d/debug/pprof/profile?seconds=%d", benchPprofPort(o.BasePort, i), int(o.Duration.Seconds()))
			if err := fetchToFile(ctx, url, path); err != nil {
				fmt.Fprintf(os.Stderr, "bench: profile of validator %d: %v\n", i, err)
			}
		}()
	}
}

// waitCommit polls c until its latest height moves and returns the new
// height and when it was first seen (within the 20 ms polling period).
func waitCommit(ctx context.Context, c *rpchttp.HTTP, timeout time.Duration) (int64, time.Time, error) {
	st, err := c.Status(ctx)
	if err != nil {
		return 0, time.Time{}, err
	}
	from := st.SyncInfo.LatestBlockHeight
	deadline := time.Now().Add(timeout)
	for {
		st, err := c.Status(ctx)
		if err != nil {
			return 0, time.Time{}, err
		}
		if h := st.SyncInfo.LatestBlockHeight; h > from {
			return h, time.Now(), nil
		}
		if time.Now().After(deadline) {
			return 0, time.Time{}, fmt.Errorf("no block committed after height %d for %v", from, timeout)
		}
		select {
		case <-ctx.Done():
			return 0, time.Time{}, ctx.Err()
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// fetchToFile writes the body of an HTTP GET of url to path.
func fetchToFile(ctx context.Context, url, path string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: %s", url, resp.Status)
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if _, err := io.Copy(f, resp.Body); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// cpuSplit is CPU seconds used by the validator processes and by the other
// devnet processes.
type cpuSplit struct{ validators, others float64 }

// cpuSeconds returns the user+system CPU time the validator processes and
// the other devnet processes have used so far, read from /proc (0 where
// /proc is not available).
func (d *devnetProcs) cpuSeconds() cpuSplit {
	var c cpuSplit
	for _, ch := range d.children {
		secs := procCPUSeconds(fmt.Sprintf("/proc/%d/stat", ch.cmd.Process.Pid))
		if strings.HasPrefix(ch.name, "validator-") {
			c.validators += secs
		} else {
			c.others += secs
		}
	}
	return c
}

// selfCPUSeconds is this process's user+system CPU time so far.
func selfCPUSeconds() float64 { return procCPUSeconds("/proc/self/stat") }

// procCPUSeconds reads utime+stime from a /proc/<pid>/stat file.
func procCPUSeconds(path string) float64 {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0
	}
	// Fields after the parenthesised command name; utime and stime are
	// fields 14 and 15 of the whole line, in clock ticks (100 Hz).
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return 0
	}
	f := strings.Fields(s[i+1:])
	if len(f) < 13 {
		return 0
	}
	u, _ := strconv.ParseFloat(f[11], 64)
	st, _ := strconv.ParseFloat(f[12], 64)
	return (u + st) / 100
}
