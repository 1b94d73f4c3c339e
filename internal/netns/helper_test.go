package netns_test

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"os"
	"slices"
	"strconv"
	"sync/atomic"
	"time"
)

// The test binary doubles as the helper program the tests run inside the
// namespaces: with NETNS_HELPER set, TestMain runs that mode instead of
// the tests, with the command-line arguments as its parameters.
//
//	serve                        TCP and UDP echo on :7000; prints "ready"
//	udp <addr> <n> <interval>    n numbered datagrams; prints a probeResult
//	tcp <addr> <timeout>         one dial and echo; prints a probeResult
//	bulk <addr> <bytes>          sends bytes over TCP and reads them back
func runHelper(mode string, args []string) int {
	var err error
	switch mode {
	case "serve":
		err = serve()
	case "udp", "tcp", "bulk":
		var r probeResult
		r, err = probe(mode, args)
		if err == nil {
			err = json.NewEncoder(os.Stdout).Encode(r)
		}
	default:
		err = fmt.Errorf("unknown helper mode %q", mode)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "helper:", err)
		return 1
	}
	return 0
}

type probeResult struct {
	Sent, Received int
	RTTs           []time.Duration `json:",omitempty"`
}

func (r probeResult) medianRTT() time.Duration {
	if len(r.RTTs) == 0 {
		return 0
	}
	s := slices.Clone(r.RTTs)
	slices.Sort(s)
	return s[len(s)/2]
}

func serve() error {
	ln, err := net.Listen("tcp", ":7000")
	if err != nil {
		return err
	}
	pc, err := net.ListenPacket("udp", ":7000")
	if err != nil {
		return err
	}
	go func() {
		buf := make([]byte, 2048)
		for {
			n, from, err := pc.ReadFrom(buf)
			if err != nil {
				return
			}
			_, _ = pc.WriteTo(buf[:n], from)
		}
	}()
	fmt.Println("ready")
	for {
		c, err := ln.Accept()
		if err != nil {
			return err
		}
		go func() {
			defer c.Close()
			_, _ = io.Copy(c, c)
		}()
	}
}

func probe(mode string, args []string) (probeResult, error) {
	if want := map[string]int{"udp": 3, "tcp": 2, "bulk": 2}[mode]; len(args) != want {
		return probeResult{}, fmt.Errorf("%s: want %d arguments, got %q", mode, want, args)
	}
	switch mode {
	case "udp":
		n, err := strconv.Atoi(args[1])
		if err != nil {
			return probeResult{}, err
		}
		every, err := time.ParseDuration(args[2])
		if err != nil {
			return probeResult{}, err
		}
		return probeUDP(args[0], n, every)
	case "tcp":
		timeout, err := time.ParseDuration(args[1])
		if err != nil {
			return probeResult{}, err
		}
		return probeTCP(args[0], timeout, 1)
	default:
		size, err := strconv.Atoi(args[1])
		if err != nil {
			return probeResult{}, err
		}
		return probeTCP(args[0], 10*time.Second, size)
	}
}

func probeUDP(addr string, n int, every time.Duration) (probeResult, error) {
	c, err := net.Dial("udp", addr)
	if err != nil {
		return probeResult{}, err
	}
	defer c.Close()
	start := time.Now()
	sent := make([]atomic.Int64, n) // unix nanoseconds; shared with the sender
	go func() {
		for i := range n {
			var b [8]byte
			binary.BigEndian.PutUint64(b[:], uint64(i))
			sent[i].Store(time.Now().UnixNano())
			_, _ = c.Write(b[:])
			time.Sleep(every) // the probe's pacing
		}
	}()
	r := probeResult{Sent: n}
	seen := make([]bool, n)
	_ = c.SetReadDeadline(start.Add(time.Duration(n)*every + 2*time.Second))
	buf := make([]byte, 64)
	for r.Received < n {
		m, err := c.Read(buf)
		if err != nil {
			break // the deadline: whatever has not come back is lost
		}
		now := time.Now()
		if i := binary.BigEndian.Uint64(buf[:8]); m == 8 && i < uint64(n) && !seen[i] {
			seen[i] = true
			r.Received++
			r.RTTs = append(r.RTTs, now.Sub(time.Unix(0, sent[i].Load())))
		}
	}
	return r, nil
}

func probeTCP(addr string, timeout time.Duration, size int) (probeResult, error) {
	start := time.Now()
	c, err := net.DialTimeout("tcp", addr, timeout)
	if err != nil {
		return probeResult{}, err
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(timeout))
	data := make([]byte, size)
	for i := range data {
		data[i] = byte(i * 7)
	}
	go func() { _, _ = c.Write(data) }()
	back := make([]byte, size)
	if _, err := io.ReadFull(c, back); err != nil {
		return probeResult{}, fmt.Errorf("echo: %w", err)
	}
	if !slices.Equal(back, data) {
		return probeResult{}, fmt.Errorf("echo of %d bytes came back different", size)
	}
	return probeResult{Sent: 1, Received: 1, RTTs: []time.Duration{time.Since(start)}}, nil
}
