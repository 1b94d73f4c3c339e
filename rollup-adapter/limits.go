package rollupadapter

import (
	"fmt"
	"time"
)

// HTTPTimeouts bound the connections of an HTTP front-end, so that a client
// that sends slowly, reads slowly or idles cannot hold a connection (and
// its goroutine and buffers) forever.
type HTTPTimeouts struct {
	// ReadHeader bounds reading a request's headers.
	ReadHeader time.Duration
	// Read bounds reading a whole request, body included: a put of
	// MaxBlobSize bytes must fit.
	Read time.Duration
	// Write bounds the time from the end of the request's headers to the
	// end of the response. A put or a signing waits for inclusion before
	// answering, so it must exceed Read plus Config.SubmitTimeout.
	Write time.Duration
	// Idle closes keep-alive connections idle for this long.
	Idle time.Duration
}

// DefaultHTTPTimeouts: 10 s for headers, 2 minutes for a request (8 MiB at
// 70 KiB/s), 5 minutes for an answer (2 minutes of body plus the default
// 2-minute SubmitTimeout, with room), 2 minutes idle.
func DefaultHTTPTimeouts() HTTPTimeouts {
	return HTTPTimeouts{ReadHeader: 10 * time.Second, Read: 2 * time.Minute, Write: 5 * time.Minute, Idle: 2 * time.Minute}
}

func (t HTTPTimeouts) validate(name string, submit time.Duration) error {
	if t.ReadHeader <= 0 || t.Read <= 0 || t.Write <= 0 || t.Idle <= 0 {
		return fmt.Errorf("%w: %s timeouts %+v must all be positive", ErrInvalidConfig, name, t)
	}
	if t.Write <= t.Read+submit {
		return fmt.Errorf("%w: %s write timeout %v must exceed the read timeout %v plus SubmitTimeout %v (an answer waits for inclusion)",
			ErrInvalidConfig, name, t.Write, t.Read, submit)
	}
	return nil
}

// AltDAConfig configures the OP Stack Alt-DA HTTP server (AltDAServer).
type AltDAConfig struct {
	// Timeouts bound the server's connections.
	Timeouts HTTPTimeouts
}

// DefaultAltDAConfig: DefaultHTTPTimeouts.
func DefaultAltDAConfig() AltDAConfig {
	return AltDAConfig{Timeouts: DefaultHTTPTimeouts()}
}

func (c AltDAConfig) validate(submit time.Duration) error {
	return c.Timeouts.validate("Alt-DA", submit)
}

// DACLimits bound the DAC member's JSON-RPC server (DACMember).
type DACLimits struct {
	// Timeouts bound the server's connections.
	Timeouts HTTPTimeouts
}

// DefaultDACLimits: DefaultHTTPTimeouts.
func DefaultDACLimits() DACLimits {
	return DACLimits{Timeouts: DefaultHTTPTimeouts()}
}

func (l DACLimits) validate(submit time.Duration) error {
	return l.Timeouts.validate("DAC", submit)
}
