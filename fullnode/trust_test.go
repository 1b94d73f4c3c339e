package fullnode_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/quadrant-da/quadrant/da/headertest"
	"github.com/quadrant-da/quadrant/fullnode"
	"github.com/quadrant-da/quadrant/internal/wait"
)

// goodChain returns n correctly encoded heights (k=4) of a headertest chain.
func goodChain(t testing.TB, chainID string, n int) []signedBlock {
	t.Helper()
	c := headertest.NewChain(chainID, 4, "trust")
	out := make([]signedBlock, n)
	for i := range out {
		eds := headertest.ExtendedSquare(4, byte(i+1))
		h, err := c.NextSquare(eds)
		if err != nil {
			t.Fatal(err)
		}
		out[i] = signedBlock{hdr: h, eds: eds}
	}
	return out
}

// TestP2PTrustedHashRequired: p2p mode refuses to start without a trusted
// hash unless trust_first_peer says to trust the first peer, and the error
// says what to set.
func TestP2PTrustedHashRequired(t *testing.T) {
	cfg := p2pConfig("c", 1, nil)
	cfg.Sync.TrustedHash = ""
	err := cfg.Validate()
	if !errors.Is(err, fullnode.ErrConfig) || !strings.Contains(err.Error(), "sync.trusted_hash is required") || !strings.Contains(err.Error(), "trust_first_peer = true") {
		t.Fatalf("p2p without a trusted hash: Validate = %v, want ErrConfig naming sync.trusted_hash and trust_first_peer", err)
	}
	if _, err := fullnode.New(cfg, fullnode.Options{Home: t.TempDir()}); !errors.Is(err, fullnode.ErrConfig) {
		t.Fatalf("New without a trusted hash: %v", err)
	}
	cfg.TrustFirstPeer = true
	if err := cfg.Validate(); err != nil {
		t.Fatalf("trust_first_peer without a hash: %v", err)
	}
	c, err := fullnode.ParseConfig([]byte("mode = \"p2p\"\nchain_id = \"c\"\ntrust_first_peer = true\n"))
	if err != nil || !c.TrustFirstPeer || c.Validate() != nil {
		t.Fatalf("trust_first_peer from TOML: %+v, %v", c, err)
	}
}

// TestTrustedHashAgainstStoredChain: a configured trusted hash is never
// silently ignored once the store holds a chain: at a stored height it
// must match (else Start refuses), below the stored chain a warning says
// it cannot be checked, above it sync halts if the chain followed has
// another hash there.
func TestTrustedHashAgainstStoredChain(t *testing.T) {
	const id = "trust-test"
	blocks := goodChain(t, id, 4)
	hash := func(h int) []byte { return blocks[h-1].hdr.Hash() }
	server := servingHost(t, id, blocks[:3], nil)
	home := t.TempDir()
	n := startNode(t, home, p2pConfig(id, 2, hash(2), server.FullAddrs()[0]), "first")
	wait.For(t, 40*time.Second, "heights 2..3 stored", func() bool { return n.Status().Head == 3 })
	if err := n.Close(); err != nil {
		t.Fatal(err)
	}

	// Below the stored chain (tail 2): started, with a warning.
	n = startNode(t, home, p2pConfig(id, 1, hash(1), server.FullAddrs()[0]), "below")
	if err := n.Close(); err != nil {
		t.Fatal(err)
	}
	log, _ := os.ReadFile(filepath.Join(home, "below.log"))
	if !strings.Contains(string(log), "below the stored chain, so its hash cannot be checked") {
		t.Fatalf("no warning about the unchecked trusted hash below the stored chain:\n%s", log)
	}

	// At a stored height with another hash: refused.
	wrong := p2pConfig(id, 3, hash(2), server.FullAddrs()[0])
	w, err := fullnode.New(wrong, fullnode.Options{Home: home, Logger: discard})
	if err != nil {
		t.Fatal(err)
	}
	err = w.Start(context.Background())
	_ = w.Close()
	if !errors.Is(err, fullnode.ErrConfig) || !strings.Contains(err.Error(), "stored chain has") {
		t.Fatalf("trusted hash at a stored height differing from the store: Start = %v, want ErrConfig", err)
	}

	// Above the stored chain: checked when sync gets there.
	ahead := servingHost(t, id, blocks, nil)
	n = startNode(t, home, p2pConfig(id, 4, hash(3), ahead.FullAddrs()[0]), "ahead")
	wait.For(t, 40*time.Second, "the node halted at the trusted height", func() bool { return n.Status().Halted })
	if st := n.Status(); st.Head != 3 || !strings.HasPrefix(st.Alert, "trust: height 4") {
		t.Fatalf("status %+v, want halted at head 3 with a trust alert for height 4", st)
	}
}
