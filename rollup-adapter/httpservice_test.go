package rollupadapter

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"testing"
	"time"

	"github.com/ipfs/go-datastore"
	dssync "github.com/ipfs/go-datastore/sync"
)

// frontEnds starts an Alt-DA server and a DAC member on loopback over a
// node that holds nothing, with the adapter configuration cfg.
func frontEnds(t *testing.T, cfg Config) (alt *AltDAServer, dac *DACMember) {
	t.Helper()
	a, err := New(cfg, nullNode{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(a.Close)
	ds := dssync.MutexWrap(datastore.NewMapDatastore())
	if alt, err = NewAltDAServer(a, ds, nil); err != nil {
		t.Fatal(err)
	}
	if dac, err = NewDACMember(a, DACConfig{Sequencer: ethKey(t, 2).Address(), Key: ethKey(t, 1)}, ds, nil); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	if err := alt.Start(ctx, "127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	if err := dac.Start(ctx, "127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { alt.Stop(context.Background()); dac.Stop(context.Background()) })
	return alt, dac
}

// closedWithin reports whether the server closes conn (after whatever it
// answers) before the deadline; it drains what the server sends.
func closedWithin(conn net.Conn, d time.Duration) error {
	conn.SetReadDeadline(time.Now().Add(d))
	_, err := io.Copy(io.Discard, conn)
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return errors.New("the server kept the connection open")
	}
	return nil
}

// TestHTTPTimeouts reproduces issue 14 item 9 (timeouts): the Alt-DA server
// and the DAC member set only a header timeout, so a client that sends a
// body slowly, or keeps an idle connection, held it (and its goroutine)
// forever. Now both close such connections after the configured timeouts.
func TestHTTPTimeouts(t *testing.T) {
	cfg := DefaultConfig()
	cfg.SubmitTimeout = time.Second
	short := HTTPTimeouts{ReadHeader: 200 * time.Millisecond, Read: 300 * time.Millisecond, Write: 2 * time.Second, Idle: 300 * time.Millisecond}
	cfg.AltDA.Timeouts, cfg.DAC.Timeouts = short, short
	alt, dac := frontEnds(t, cfg)
	for _, s := range []struct {
		name, addr, path string
		srv              *http.Server
	}{
		{"Alt-DA", alt.Addr(), "/put", alt.server.srv},
		{"DAC", dac.Addr(), "/", dac.server.srv},
	} {
		t.Run(s.name, func(t *testing.T) {
			// A body announced but never sent.
			conn, err := net.Dial("tcp", s.addr)
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			io.WriteString(conn, "POST "+s.path+" HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 1000\r\n\r\n0123456789")
			if err := closedWithin(conn, 10*time.Second); err != nil {
				t.Errorf("a body that never comes: %v", err)
			}
			// A keep-alive connection left idle after one request.
			idle, err := net.Dial("tcp", s.addr)
			if err != nil {
				t.Fatal(err)
			}
			defer idle.Close()
			io.WriteString(idle, "GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
			br := bufio.NewReader(idle)
			resp, err := http.ReadResponse(br, nil)
			if err != nil {
				t.Fatal(err)
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.Close {
				t.Fatal("the server closed after one request: the idle test needs keep-alive")
			}
			idle.SetReadDeadline(time.Now().Add(10 * time.Second))
			if _, err := br.ReadByte(); !errors.Is(err, io.EOF) {
				t.Errorf("an idle keep-alive connection: read %v, want EOF", err)
			}
			// A slow reader of answers is bounded by the write timeout.
			if s.srv.WriteTimeout != short.Write {
				t.Errorf("write timeout %v, want %v", s.srv.WriteTimeout, short.Write)
			}
		})
	}
}

func TestLimitsValidate(t *testing.T) {
	if err := DefaultConfig().Validate(); err != nil {
		t.Fatal(err)
	}
	for name, f := range map[string]func(*Config){
		"zero read timeout":           func(c *Config) { c.AltDA.Timeouts.Read = 0 },
		"write shorter than a submit": func(c *Config) { c.DAC.Timeouts.Write = c.SubmitTimeout },
		"host with a scheme":          func(c *Config) { c.AltDA.AllowedHosts = []string{"http://x"} },
		"empty host":                  func(c *Config) { c.AltDA.AllowedHosts = []string{""} },
		"token that breaks URLs":      func(c *Config) { c.AltDA.Token = "a:b" },
		"negative put rate":           func(c *Config) { c.AltDA.RateLimit = -1 },
		"put rate without burst":      func(c *Config) { c.AltDA.RateBurst = 0 },
		"negative budget":             func(c *Config) { c.AltDA.BudgetBytes = -1 },
		"budget without period":       func(c *Config) { c.AltDA.BudgetPeriod = 0 },
		"no batch calls":              func(c *Config) { c.DAC.MaxBatchCalls = 0 },
		"no response bytes":           func(c *Config) { c.DAC.MaxResponseBytes = 0 },
		"burst below a batch":         func(c *Config) { c.DAC.RateBurst = c.DAC.MaxBatchCalls - 1 },
	} {
		c := DefaultConfig()
		f(&c)
		if err := c.Validate(); !errors.Is(err, errInvalidConfig) {
			t.Errorf("%s: %v, want ErrInvalidConfig", name, err)
		}
	}
}
