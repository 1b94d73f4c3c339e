package p2p_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/libp2p/go-libp2p/core/network"
	"github.com/libp2p/go-libp2p/core/peer"
	"github.com/libp2p/go-libp2p/p2p/protocol/circuitv2/proto"
	ma "github.com/multiformats/go-multiaddr"

	"github.com/quadrant-da/quadrant/internal/wait"
	"github.com/quadrant-da/quadrant/p2p"
)

func addrs(t *testing.T, ss ...string) []ma.Multiaddr {
	t.Helper()
	out := make([]ma.Multiaddr, 0, len(ss))
	for _, s := range ss {
		out = append(out, ma.StringCast(s))
	}
	return out
}

func addrStrings(as []ma.Multiaddr) []string {
	out := make([]string, 0, len(as))
	for _, a := range as {
		out = append(out, a.String())
	}
	slices.Sort(out)
	return out
}

// TestAnnounceFilter checks what a node advertises for each combination
// of announce_addrs and no_announce_private.
func TestAnnounceFilter(t *testing.T) {
	const (
		loop    = "/ip4/127.0.0.1/tcp/2121"
		lan     = "/ip4/192.168.1.20/udp/2121/quic-v1"
		public  = "/ip4/8.8.4.4/tcp/2121"
		dns     = "/dns4/full.example.org/tcp/2121"
		relayID = "12D3KooWDpJ7As7BWAwRMfu1VU2WCqNjvq387JEYKDBj4kx6nXTN"
		pubCirc = "/ip4/8.8.8.8/tcp/2121/p2p/" + relayID + "/p2p-circuit"
		lanCirc = "/ip4/10.0.0.1/tcp/2121/p2p/" + relayID + "/p2p-circuit"
	)
	in := []string{loop, lan, public, pubCirc, lanCirc}
	for _, tc := range []struct {
		name      string
		announce  []string
		noPrivate bool
		want      []string
	}{
		{"defaults pass everything", nil, false, in},
		{"no private keeps public and public relays", nil, true, []string{public, pubCirc}},
		{"announce replaces listen addrs, keeps relays", []string{dns}, false, []string{dns, pubCirc, lanCirc}},
		{"announce and no private", []string{dns, loop}, true, []string{dns, pubCirc}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := p2p.AnnounceFilter(addrs(t, tc.announce...), tc.noPrivate)
			got := addrStrings(f(addrs(t, in...)))
			want := slices.Clone(tc.want)
			slices.Sort(want)
			if !slices.Equal(got, want) {
				t.Fatalf("advertised %v, want %v", got, want)
			}
		})
	}
}

// TestHostAnnounces checks that a real host advertises announce_addrs, and
// nothing at all when it listens only on loopback with no_announce_private.
func TestHostAnnounces(t *testing.T) {
	cfg := testConfig()
	cfg.AnnounceAddrs = []string{"/dns4/full.example.org/tcp/2121", "/dns4/full.example.org/udp/2121/quic-v1"}
	h := newHost(t, cfg)
	got := addrStrings(h.Addrs())
	want := slices.Clone(cfg.AnnounceAddrs)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Fatalf("host advertises %v, want announce_addrs %v", got, want)
	}

	cfg = testConfig()
	cfg.NoAnnouncePrivate = true
	if got := newHost(t, cfg).Addrs(); len(got) != 0 {
		t.Fatalf("loopback host with no_announce_private advertises %v, want nothing", got)
	}
	if got := newHost(t, testConfig()).Addrs(); len(got) == 0 {
		t.Fatal("loopback host with default config advertises nothing, want its listen addrs")
	}
}

func TestConfigValidateNAT(t *testing.T) {
	for _, tc := range []struct {
		name    string
		edit    func(*p2p.Config)
		wantErr string // empty: valid
	}{
		{"defaults", func(*p2p.Config) {}, ""},
		{"empty reachability is auto", func(c *p2p.Config) { c.Reachability = "" }, ""},
		{"dns announce", func(c *p2p.Config) { c.AnnounceAddrs = []string{"/dns4/full.example.org/tcp/2121"} }, ""},
		{"private without relay service", func(c *p2p.Config) { c.Reachability, c.RelayService = "private", false }, ""},
		{"announce not a multiaddr", func(c *p2p.Config) { c.AnnounceAddrs = []string{"203.0.113.7:2121"} }, "announce_addrs"},
		{"announce unspecified", func(c *p2p.Config) { c.AnnounceAddrs = []string{"/ip4/0.0.0.0/tcp/2121"} }, "unspecified"},
		{"announce with peer id", func(c *p2p.Config) {
			c.AnnounceAddrs = []string{"/ip4/203.0.113.7/tcp/2121/p2p/12D3KooWDpJ7As7BWAwRMfu1VU2WCqNjvq387JEYKDBj4kx6nXTN"}
		}, "without a peer id"},
		{"unknown reachability", func(c *p2p.Config) { c.Reachability = "nat" }, "reachability \"nat\""},
		{"relay service while private", func(c *p2p.Config) { c.Reachability = "private" }, "relay_service"},
		{"auto relay while public", func(c *p2p.Config) { c.Reachability = "public" }, "auto_relay"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := p2p.DefaultConfig()
			tc.edit(&c)
			err := c.Validate()
			switch {
			case tc.wantErr == "" && err != nil:
				t.Fatalf("valid config refused: %v", err)
			case tc.wantErr != "" && err == nil:
				t.Fatalf("config accepted, want an error naming %q", tc.wantErr)
			case tc.wantErr != "" && !strings.Contains(err.Error(), tc.wantErr):
				t.Fatalf("error %q does not name %q", err, tc.wantErr)
			}
		})
	}
}

// TestRelayReservation runs three real hosts on 127.0.0.1: a public relay
// (relay_service, reachability forced public), a home node forced private
// with the relay as its bootstrap peer (auto_relay), and a third host that
// is given only the home node's relay address.
func TestRelayReservation(t *testing.T) {
	relay := newRelay(t)
	hc := testConfig()
	hc.Reachability, hc.RelayService = "private", false
	hc.Bootstrap = relay.FullAddrs()
	home := newHost(t, hc)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	home.Start(ctx)
	const echo = "/quadrant-test/nat-echo/1"
	home.SetStreamHandler(echo, func(s network.Stream) { _ = s.Close() })

	wait.For(t, 60*time.Second, "the home node to hold a relay reservation (autorelay protects the relay)", func() bool {
		return home.ConnManager().IsProtected(relay.ID(), "autorelay")
	})

	var relayTCP ma.Multiaddr
	for _, a := range relay.Addrs() {
		if _, err := a.ValueForProtocol(ma.P_TCP); err == nil {
			relayTCP = a
		}
	}
	circuit := relayTCP.Encapsulate(ma.StringCast("/p2p/" + relay.ID().String() + "/p2p-circuit"))
	other := newHost(t, testConfig())
	wait.For(t, 30*time.Second, "the third host to connect through the relay", func() bool {
		cctx, ccancel := context.WithTimeout(ctx, 5*time.Second)
		defer ccancel()
		return other.Connect(cctx, peer.AddrInfo{ID: home.ID(), Addrs: []ma.Multiaddr{circuit}}) == nil
	})
	conns := other.Network().ConnsToPeer(home.ID())
	if len(conns) != 1 || !conns[0].Stat().Limited || !isCircuitAddr(conns[0].RemoteMultiaddr()) {
		t.Fatalf("connections to the home node %v, want one limited relayed connection", describeConns(conns))
	}

	// A stream that accepts a limited connection goes through the relay.
	sctx, scancel := context.WithTimeout(network.WithAllowLimitedConn(ctx, "test"), 30*time.Second)
	defer scancel()
	s, err := other.NewStream(sctx, home.ID(), echo)
	if err != nil {
		t.Fatalf("stream over the relayed connection: %v", err)
	}
	if !s.Conn().Stat().Limited {
		t.Fatalf("stream allowed on a limited connection went over %s, want the relay", s.Conn().RemoteMultiaddr())
	}
	_ = s.Reset()

	// Any other stream needs a direct connection, which libp2p opens only
	// by hole punching or by a forced direct dial of the addresses identify
	// learnt over the relay. DCUtR never starts on loopback (libp2p runs it
	// only for hosts with public addresses), so the test forces the direct
	// dial DCUtR's first step makes.
	t.Logf("home node advertises %v", home.Addrs())
	dctx, dcancel := context.WithTimeout(network.WithForceDirectDial(ctx, "test"), 30*time.Second)
	defer dcancel()
	if err := other.Connect(dctx, peer.AddrInfo{ID: home.ID()}); err != nil {
		t.Fatalf("direct dial of the addresses learnt over the relay: %v", err)
	}
	s, err = other.NewStream(dctx, home.ID(), echo)
	if err != nil {
		t.Fatalf("stream needing a direct connection: %v", err)
	}
	defer func() { _ = s.Reset() }()
	if s.Conn().Stat().Limited || isCircuitAddr(s.Conn().RemoteMultiaddr()) {
		t.Fatalf("stream went over %s (limited %v), want a direct connection", s.Conn().RemoteMultiaddr(), s.Conn().Stat().Limited)
	}
}

// newRelay starts a host forced public with relay_service, and waits
// until it serves the circuit-v2 hop protocol.
func newRelay(t *testing.T) *p2p.Host {
	t.Helper()
	rc := testConfig()
	rc.Reachability, rc.AutoRelay = "public", false
	relay := newHost(t, rc)
	wait.For(t, 30*time.Second, "the public host to serve the relay hop protocol", func() bool {
		return slices.Contains(relay.Mux().Protocols(), proto.ProtoIDv2Hop)
	})
	return relay
}

// TestRelayFromConnectedPeer: a home node with no bootstrap peers takes
// its relay from the peers it is connected to, only those that serve the
// relay protocol. AutoRelay asks for candidates again only every 30 s
// (libp2p's minimum interval), hence the long wait.
func TestRelayFromConnectedPeer(t *testing.T) {
	relay := newRelay(t)
	plain := newHost(t, testConfig()) // relay_service on, but never public on loopback
	hc := testConfig()
	hc.Reachability, hc.RelayService = "private", false
	home := newHost(t, hc)
	connect(t, home, plain)
	connect(t, home, relay)
	wait.For(t, 120*time.Second, "the home node to reserve a slot on the connected relay", func() bool {
		return home.ConnManager().IsProtected(relay.ID(), "autorelay")
	})
	if home.ConnManager().IsProtected(plain.ID(), "autorelay") {
		t.Fatal("the home node reserved a slot on a peer that does not serve the relay protocol")
	}
}

func isCircuitAddr(a ma.Multiaddr) bool {
	_, err := a.ValueForProtocol(ma.P_CIRCUIT)
	return err == nil
}

func describeConns(cs []network.Conn) []string {
	var out []string
	for _, c := range cs {
		out = append(out, c.RemoteMultiaddr().String()+" limited="+map[bool]string{true: "yes", false: "no"}[c.Stat().Limited])
	}
	return out
}
