package discovery

import (
	"testing"
	"time"

	"github.com/libp2p/go-libp2p/core/peer"
)

func TestPeerSet(t *testing.T) {
	t0 := time.Unix(1_000_000, 0)
	s := newPeerSet("self", 2, time.Minute)
	if s.admit("self", t0) {
		t.Fatal("admitted itself")
	}
	if !s.admit("a", t0) || s.admit("a", t0) {
		t.Fatal("a: want admitted once")
	}
	if !s.admit("b", t0) || s.need() != 0 {
		t.Fatal("b: want admitted and the set full")
	}
	if s.admit("c", t0) {
		t.Fatal("admitted beyond the target")
	}
	if !s.penalise("a", t0) || s.need() != 1 {
		t.Fatal("penalising a member must free a slot")
	}
	if s.admit("a", t0.Add(59*time.Second)) {
		t.Fatal("penalised peer re-admitted during its penalty")
	}
	if !s.admit("c", t0) {
		t.Fatal("c: want admitted as the replacement")
	}
	if !s.remove("c") || s.remove("c") {
		t.Fatal("remove: want true once")
	}
	if !s.admit("a", t0.Add(time.Minute)) {
		t.Fatal("a: want re-admitted after its penalty")
	}
	if got := s.list(); len(got) != 2 || got[0] != peer.ID("a") || got[1] != peer.ID("b") {
		t.Fatalf("list = %v, want [a b]", got)
	}
	if s.penalise("z", t0) {
		t.Fatal("penalising a non-member reported a member")
	}
	s.penalise("y", t0.Add(2*time.Minute))
	if len(s.penalised) != 1 {
		t.Fatalf("penalties %v, want only y's: z's expired", s.penalised)
	}
}

func TestConfigValidate(t *testing.T) {
	if err := DefaultConfig("quadrant-devnet").Validate(); err != nil {
		t.Fatalf("default: %v", err)
	}
	bad := map[string]func(*Config){
		"empty chain":       func(c *Config) { c.ChainID = "" },
		"slash in chain":    func(c *Config) { c.ChainID = "a/b" },
		"no mode":           func(c *Config) { c.Mode = 0 },
		"client advertises": func(c *Config) { c.Advertise = true },
		"zero target":       func(c *Config) { c.TargetPeers = 0 },
		"zero penalty":      func(c *Config) { c.PenaltyFor = 0 },
		"bootstrap no addr": func(c *Config) { c.Bootstrap = []peer.AddrInfo{{ID: "x"}} },
	}
	for name, mutate := range bad {
		c := DefaultConfig("quadrant-devnet")
		mutate(&c)
		if c.Validate() == nil {
			t.Errorf("%s: Validate accepted it", name)
		}
	}
}
