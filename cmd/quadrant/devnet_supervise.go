package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"sync"
	"syscall"
	"time"
)

// restartPolicy says how a devnet treats a node that died: restart after
// a backoff that doubles with each death still inside Window (from Min up
// to Max), and give up once GiveUpAt deaths fall inside Window.
type restartPolicy struct {
	Min, Max time.Duration
	Window   time.Duration
	GiveUpAt int
}

// devnetRestartPolicy restarts after 0.5 s, 1 s, 2 s, 4 s and gives up on a
// node that died 5 times within a minute.
var devnetRestartPolicy = restartPolicy{Min: 500 * time.Millisecond, Max: 10 * time.Second, Window: time.Minute, GiveUpAt: 5}

// next records a death at now after the earlier deaths and returns the
// deaths still inside the window, the wait before restarting, and whether
// to give up instead.
func (p restartPolicy) next(deaths []time.Time, now time.Time) (kept []time.Time, wait time.Duration, giveUp bool) {
	for _, d := range deaths {
		if now.Sub(d) < p.Window {
			kept = append(kept, d)
		}
	}
	kept = append(kept, now)
	if len(kept) >= p.GiveUpAt {
		return kept, 0, true
	}
	wait = p.Min
	for range len(kept) - 1 {
		wait = min(2*wait, p.Max)
	}
	return kept, wait, false
}

// devnetSpec is how to run one devnet node.
type devnetSpec struct {
	name, log string
	args      []string
}

// devnetProcs are the running node processes of a devnet.
type devnetProcs struct {
	self     string
	children []*devnetChild
	// exited receives a child each time its process ends, until quit.
	exited   chan *devnetChild
	quit     chan struct{}
	quitOnce sync.Once
}

// devnetChild is one node and its current process. cmd and done are
// replaced on each restart (by the supervising goroutine only).
type devnetChild struct {
	spec   devnetSpec
	name   string
	cmd    *exec.Cmd
	done   chan error // the process's exit, then closed
	deaths []time.Time
}

// startDevnetProcs starts every node of m: `quadrant validator` per
// validator, the full nodes and the light node, each logging to its
// node.log.
func startDevnetProcs(m *devnetManifest, af adapterFlags) (*devnetProcs, error) {
	self, err := os.Executable()
	if err != nil {
		return nil, err
	}
	var specs []devnetSpec
	for _, v := range m.Validators {
		specs = append(specs, devnetSpec{v.Name, v.Log, []string{"validator", "--home", v.Home}})
	}
	for _, f := range m.FullNodes {
		specs = append(specs, devnetSpec{f.Name, f.Log, fullNodeArgs(f, af)})
	}
	if l, ok := devnetLightNode(m); ok {
		if err := os.MkdirAll(l.home, 0o700); err != nil {
			return nil, err
		}
		specs = append(specs, devnetSpec{l.name, l.log, l.args})
	}
	d := &devnetProcs{self: self, exited: make(chan *devnetChild, len(specs)), quit: make(chan struct{})}
	for _, sp := range specs {
		c := &devnetChild{spec: sp, name: sp.name}
		if err := d.start(c); err != nil {
			d.stop()
			return nil, err
		}
		d.children = append(d.children, c)
	}
	return d, nil
}

// start runs a new process for c.
func (d *devnetProcs) start(c *devnetChild) error {
	logf, err := os.OpenFile(c.spec.log, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	cmd := exec.Command(d.self, c.spec.args...)
	cmd.Stdout, cmd.Stderr = logf, logf
	setChildAttrs(cmd)
	if err := cmd.Start(); err != nil {
		logf.Close()
		return fmt.Errorf("starting %s: %w", c.spec.name, err)
	}
	done := make(chan error, 1)
	c.cmd, c.done = cmd, done
	go func() {
		err := cmd.Wait()
		logf.Close()
		done <- err
		close(done)
		select {
		case d.exited <- c:
		case <-d.quit:
		}
	}()
	return nil
}

// stop sends SIGTERM to every running child and waits up to 20 s, then
// kills. No child is restarted after stop.
func (d *devnetProcs) stop() {
	d.quitOnce.Do(func() { close(d.quit) })
	for _, c := range d.children {
		_ = c.cmd.Process.Signal(syscall.SIGTERM)
	}
	deadline := time.After(20 * time.Second)
	for _, c := range d.children {
		select {
		case <-c.done:
		case <-deadline:
			_ = c.cmd.Process.Kill()
			<-c.done
		}
	}
}

// supervise restarts children that die, after the policy's backoff, and
// reports each death and restart on out. It returns nil when ctx ends, or
// an error when a child died too often (the caller stops the rest).
func (d *devnetProcs) supervise(ctx context.Context, out io.Writer, p restartPolicy) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	restart := make(chan *devnetChild)
	died := func(c *devnetChild, err error) error {
		kept, wait, giveUp := p.next(c.deaths, time.Now())
		c.deaths = kept
		if giveUp {
			return fmt.Errorf("%s died %d times within %s (last: %v); giving up; see %s", c.name, len(kept), p.Window, err, c.spec.log)
		}
		fmt.Fprintf(out, "%s exited unexpectedly (%v); restarting in %s (death %d of %d allowed within %s); see %s\n",
			c.name, err, wait, len(kept), p.GiveUpAt-1, p.Window, c.spec.log)
		go func() {
			select {
			case <-time.After(wait):
				select {
				case restart <- c:
				case <-ctx.Done():
				}
			case <-ctx.Done():
			}
		}()
		return nil
	}
	for {
		select {
		case <-ctx.Done():
			return nil
		case c := <-d.exited:
			if err := died(c, <-c.done); err != nil {
				return err
			}
		case c := <-restart:
			if err := d.start(c); err != nil {
				if err := died(c, err); err != nil {
					return err
				}
				continue
			}
			fmt.Fprintf(out, "%s restarted (pid %d)\n", c.name, c.cmd.Process.Pid)
		}
	}
}
