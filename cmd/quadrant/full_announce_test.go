package main

import (
	"strings"
	"testing"

	"github.com/spf13/pflag"
)

// TestFullAnnounceAddrFlag: --announce-addr (repeatable) sets
// p2p.announce_addrs and becomes the printed peer address; without it the
// config keeps none and the peer address is the listen address; a bad one
// is refused naming the key.
func TestFullAnnounceAddrFlag(t *testing.T) {
	parse := func(args ...string) ([]string, []string, error) {
		var f fullFlags
		fs := pflag.NewFlagSet("full", pflag.ContinueOnError)
		f.register(fs)
		home := t.TempDir()
		if err := fs.Parse(append([]string{"--home", home}, args...)); err != nil {
			t.Fatal(err)
		}
		cfg, _, err := f.config(fs)
		if err != nil {
			return nil, nil, err
		}
		addrs, _, err := peerAddrs(home, cfg)
		return cfg.P2P.AnnounceAddrs, addrs, err
	}
	const tcp, quic = "/ip4/203.0.113.7/tcp/2121", "/ip4/203.0.113.7/udp/2121/quic-v1"
	got, peers, err := parse("--announce-addr", tcp, "--announce-addr", quic)
	if err != nil || strings.Join(got, " ") != tcp+" "+quic {
		t.Fatalf("two --announce-addr: announce_addrs %v, %v", got, err)
	}
	if len(peers) != 2 || !strings.HasPrefix(peers[0], tcp+"/p2p/") || !strings.HasPrefix(peers[1], quic+"/p2p/") {
		t.Fatalf("peer addresses %v, want the announce addresses with /p2p/<id>", peers)
	}
	got, peers, err = parse("--p2p-listen", "/ip4/127.0.0.1/tcp/2121")
	if err != nil || len(got) != 0 || len(peers) != 1 || !strings.HasPrefix(peers[0], "/ip4/127.0.0.1/tcp/2121/p2p/") {
		t.Fatalf("no --announce-addr: announce_addrs %v, peer addresses %v, %v", got, peers, err)
	}
	if _, _, err := parse("--announce-addr", "/ip4/0.0.0.0/tcp/2121"); err == nil || !strings.Contains(err.Error(), "announce_addrs") {
		t.Fatalf("--announce-addr 0.0.0.0: %v, want a refusal naming announce_addrs", err)
	}
}
