package rollupadapter

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
)

// httpService runs one HTTP front-end (the Alt-DA server, a DAC member) on
// its own listener: start serves until stop or the end of the start context.
// The zero value is ready; start it once.
type httpService struct {
	srv  *http.Server
	ln   net.Listener
	done chan struct{}
}

// start listens on addr and serves h in the background with timeouts t;
// name labels errors and log lines ("Alt-DA server"). When ctx ends the
// service stops itself.
func (s *httpService) start(ctx context.Context, name, addr string, h http.Handler, t HTTPTimeouts, log *slog.Logger) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("rollupadapter: %s: %w", name, err)
	}
	s.ln, s.done = ln, make(chan struct{})
	s.srv = &http.Server{
		Handler:           h,
		ReadHeaderTimeout: t.ReadHeader,
		ReadTimeout:       t.Read,
		WriteTimeout:      t.Write,
		IdleTimeout:       t.Idle,
		BaseContext:       func(net.Listener) context.Context { return ctx },
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelDebug),
	}
	go func() {
		defer close(s.done)
		if err := s.srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Error("rollupadapter: "+name, "err", err)
		}
	}()
	go func() {
		select {
		case <-ctx.Done():
			s.stop(context.Background())
		case <-s.done:
		}
	}()
	return nil
}

// addr returns the listening address after start.
func (s *httpService) addr() string { return s.ln.Addr().String() }

// stop shuts the server down and waits for it; before start it does nothing.
func (s *httpService) stop(ctx context.Context) error {
	if s.srv == nil {
		return nil
	}
	err := s.srv.Shutdown(ctx)
	<-s.done
	return err
}
