package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	rpchttp "github.com/cometbft/cometbft/rpc/client/http"

	"github.com/quadrant-da/quadrant/blobs"
	"github.com/quadrant-da/quadrant/chain"
	"github.com/quadrant-da/quadrant/da"
	"github.com/quadrant-da/quadrant/internal/wait"
	"github.com/quadrant-da/quadrant/wallet"
)

// landed is one blob the test submitted and where it landed.
type landed struct {
	height     int64
	ns         string
	commitment string
	data       []byte
}

// TestDevnetFourValidators runs four validator processes, submits blobs from
// several accounts at once (CLI processes, one per account) and 32 at once
// through one key (one in-process submission queue), then checks that every
// validator committed the same blocks, that each block's data root matches
// its transactions and that every blob is retrievable with its commitment.
func TestDevnetFourValidators(t *testing.T) {
	n := newTestNet(t, 4)
	n.startAll()
	clients := make([]*rpchttp.HTTP, 4)
	for i := range clients {
		clients[i] = n.client(i)
		waitHeight(t, clients[i], 2, startDeadline)
	}

	// Three more accounts, funded from the faucet through the CLI.
	kr := wallet.NewKeyring(n.home)
	var names []string
	for i := range 3 {
		name := fmt.Sprintf("user%d", i)
		k, err := kr.Add(name, []string{wallet.KeyTypeSecp256k1, wallet.KeyTypeEd25519}[i%2])
		if err != nil {
			t.Fatal(err)
		}
		runCLI(t, "tx", "send", "--home", n.home, "--node", n.m.Validators[i].RPC, "--to", k.Address().String(), "--amount", "1000000000000")
		if got := accountBalance(t, n.m.Validators[3].RPC, k.Address().String()).Balance; got != 1000000000000 {
			t.Fatalf("%s balance %d after transfer", name, got)
		}
		names = append(names, name)
	}

	var (
		mu     sync.Mutex
		blobsL []landed
		wg     sync.WaitGroup
		errs   = make(chan error, 64)
	)
	record := func(l landed) { mu.Lock(); blobsL = append(blobsL, l); mu.Unlock() }

	// Each user submits two blobs through CLI processes, each to a
	// different validator.
	for i, name := range names {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range 2 {
				data := []byte(strings.Repeat(fmt.Sprintf("%s-blob-%d;", name, j), 50*(j+1)))
				node := n.m.Validators[(i+j)%4].RPC
				out, err := runCLIErr("blob", "submit", "--home", n.home, "--key", name, "--node", node,
					"--namespace", "rollup"+fmt.Sprint(i), "--data", string(data), "-o", "json")
				if err != nil {
					errs <- fmt.Errorf("%s blob %d: %w", name, j, err)
					return
				}
				var res submitResult
				if err := json.Unmarshal(out, &res); err != nil {
					errs <- fmt.Errorf("%s: output %q: %w", name, out, err)
					return
				}
				record(landed{res.Height, res.Namespace, res.Commitment, data})
			}
		}()
	}

	// 32 concurrent submissions through the faucet's one queue.
	faucet, err := kr.Load("faucet")
	if err != nil {
		t.Fatal(err)
	}
	sub, err := wallet.NewSubmitter(wallet.SubmitterConfig{Client: clients[0], Mempool: coreAPI(t, n.m.Validators[0].GRPC), Key: faucet, PollInterval: 50 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	sub.Start(ctx)
	defer sub.Stop()
	for i := range 32 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ns, _ := da.NewNamespaceV0([]byte{0xfa, byte(i % 5)})
			data := bytes.Repeat([]byte{byte(i), byte(i >> 8), 0x5a}, 300+i*700)
			b, err := blobs.NewBlob(ns, data, 0, nil)
			if err != nil {
				errs <- err
				return
			}
			c, _ := blobs.CreateCommitment(b)
			s, err := sub.SubmitBlobs(ctx, b)
			if err != nil {
				errs <- fmt.Errorf("queue submission %d: %w", i, err)
				return
			}
			st, err := s.Wait(ctx)
			if err != nil || st.Code != 0 {
				errs <- fmt.Errorf("queue submission %d: %+v %v", i, st, err)
				return
			}
			record(landed{st.Height, ns.String(), fmt.Sprintf("%x", c), data})
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	if len(blobsL) != 6+32 {
		t.Fatalf("%d blobs landed, want 38", len(blobsL))
	}

	var top int64
	for _, l := range blobsL {
		top = max(top, l.height)
	}
	for _, c := range clients {
		waitHeight(t, c, top+1, startDeadline)
	}
	checkAgreement(t, clients, top+1)
	checkDataRoots(t, clients[1], top+1, n.m.Params.MaxSquareSize)

	for i, l := range blobsL {
		got := getBlobsCLI(t, n.m.Validators[i%4].RPC, l.height, l.ns)
		found := false
		for _, b := range got {
			if b.Commitment == l.commitment {
				if !bytes.Equal(b.Data, l.data) {
					t.Fatalf("blob %s at %d: data differs", l.commitment, l.height)
				}
				found = true
			}
		}
		if !found {
			t.Fatalf("blob %s not found at height %d namespace %s (got %d blobs)", l.commitment, l.height, l.ns, len(got))
		}
	}
	checkDevnetAttestation(t, clients[2])
}

// TestDevnetBadDataRootProposer starts one validator that proposes wrong data
// roots: its proposals are rejected by the others, the chain keeps going and
// no committed block has it as proposer.
func TestDevnetBadDataRootProposer(t *testing.T) {
	n := newTestNet(t, 4)
	for i := range 3 {
		n.start(i)
	}
	n.start(3, "--bad-data-root-for-testing")
	c0, c3 := n.client(0), n.client(3)
	waitHeight(t, c0, 2, startDeadline)
	st, err := c3.Status(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	bad := st.ValidatorInfo.Address.String()

	// Keep going until the bad validator had its turns and was rejected.
	log0 := filepath.Join(n.m.Validators[0].Home, "node.log")
	wait.For(t, 90*time.Second, "a rejected proposal from the bad validator", func() bool {
		b, _ := os.ReadFile(log0)
		return bytes.Contains(b, []byte("rejecting proposal"))
	})
	h0 := height(c0)
	waitHeight(t, c0, h0+8, startDeadline)
	top := height(c0)
	rounds := 0
	for h := int64(1); h <= top; h++ {
		b, err := c0.Block(context.Background(), &h)
		if err != nil {
			t.Fatal(err)
		}
		if b.Block.ProposerAddress.String() == bad {
			t.Fatalf("block %d was proposed by the bad-data-root validator", h)
		}
		if b.Block.LastCommit != nil && b.Block.LastCommit.Round > 0 {
			rounds++
		}
	}
	if rounds == 0 {
		t.Fatal("no height needed a second round: the bad proposer was never rejected")
	}
	b3, _ := os.ReadFile(filepath.Join(n.m.Validators[3].Home, "node.log"))
	if !bytes.Contains(b3, []byte("TEST HOOK")) {
		t.Fatal("the bad validator never proposed")
	}
	// The bad validator still follows the honest chain.
	waitHeight(t, c3, top, startDeadline)
	checkAgreement(t, []*rpchttp.HTTP{c0, c3, n.client(1)}, top)
	t.Logf("%d blocks, %d needed more than one round", top, rounds)
}

// TestDevnetKillAndRestart kills one validator with SIGKILL while blobs are
// being submitted: the other three keep producing blocks; restarted, it
// catches up, agrees with the others, and reports exactly the app hashes it
// had reported before it was killed.
func TestDevnetKillAndRestart(t *testing.T) {
	n := newTestNet(t, 4)
	n.startAll()
	clients := make([]*rpchttp.HTTP, 4)
	for i := range clients {
		clients[i] = n.client(i)
		waitHeight(t, clients[i], 3, startDeadline)
	}
	faucet, err := wallet.NewKeyring(n.home).Load("faucet")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	sub, err := wallet.NewSubmitter(wallet.SubmitterConfig{Client: clients[0], Mempool: coreAPI(t, n.m.Validators[0].GRPC), Key: faucet, PollInterval: 50 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	sub.Start(ctx)
	defer sub.Stop()
	// Background load for the whole test.
	loadCtx, stopLoad := context.WithCancel(ctx)
	loadDone := make(chan error, 1)
	go func() {
		ns, _ := da.NewNamespaceV0([]byte("killtest"))
		for i := 0; loadCtx.Err() == nil; i++ {
			b, _ := blobs.NewBlob(ns, bytes.Repeat([]byte{byte(i)}, 20_000), 0, nil)
			s, err := sub.SubmitBlobs(loadCtx, b)
			if err != nil {
				if loadCtx.Err() == nil {
					loadDone <- err
				}
				break
			}
			if _, err := s.Wait(loadCtx); err != nil && loadCtx.Err() == nil {
				loadDone <- err
				break
			}
		}
		close(loadDone)
	}()

	waitHeight(t, clients[3], height(clients[3])+5, startDeadline)
	before := height(clients[3])
	history := map[int64][2]string{}
	for h := int64(1); h <= before; h++ {
		bh, ah := blockID(t, clients[3], h)
		history[h] = [2]string{bh, ah}
	}
	_ = n.procs[3].stop(t, syscall.SIGKILL, 10*time.Second)

	// The other three keep going.
	h0 := height(clients[0])
	waitHeight(t, clients[0], h0+10, startDeadline)
	checkAgreement(t, clients[:3], h0+10)

	// Restart the killed validator: it catches up and agrees.
	n.start(3)
	target := height(clients[0])
	waitHeight(t, clients[3], target, startDeadline)
	stopLoad()
	if err := <-loadDone; err != nil {
		t.Fatalf("background submissions: %v", err)
	}
	for h, want := range history {
		bh, ah := blockID(t, clients[3], h)
		if bh != want[0] || ah != want[1] {
			t.Fatalf("after SIGKILL and restart, height %d is %s/%s, was %s/%s", h, bh, ah, want[0], want[1])
		}
	}
	checkAgreement(t, clients, target)
}

// TestDevnetCommand runs `quadrant devnet` itself: it creates a network,
// starts its validators as child processes, and stops them all on SIGINT.
func TestDevnetCommand(t *testing.T) {
	home, outDir := t.TempDir(), t.TempDir()
	base := pickBasePort(t, 2)
	p := startProc(t, filepath.Join(outDir, "devnet.out"), "devnet", "--home", home, "--validators", "2",
		"--block-time", testBlockTime.String(), "--base-port", fmt.Sprint(base))
	m := func() *devnetManifest {
		var m *devnetManifest
		wait.For(t, startDeadline, "devnet manifest", func() bool {
			var err error
			m, err = loadManifest(home)
			return err == nil
		})
		return m
	}()
	if m.Validators[0].RPC != fmt.Sprintf("http://127.0.0.1:%d", base+1) || m.Validators[1].RPC != fmt.Sprintf("http://127.0.0.1:%d", base+11) {
		t.Fatalf("RPC endpoints %s, %s do not follow --base-port %d", m.Validators[0].RPC, m.Validators[1].RPC, base)
	}
	for _, v := range m.Validators {
		c, err := rpchttp.New(v.RPC, "/websocket")
		if err != nil {
			t.Fatal(err)
		}
		waitHeight(t, c, 3, startDeadline)
	}
	// The light node serves its JSON-RPC on base+12 (127.0.0.1:26668 with
	// the default ports).
	lightHealth := fmt.Sprintf("http://127.0.0.1:%d/health", base+12)
	wait.For(t, startDeadline, "the light node's JSON-RPC on base+12", func() bool {
		resp, err := http.Get(lightHealth)
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	})
	if st, err := os.Stat(filepath.Join(home, "keys", "faucet.json")); err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("faucet key: %v %v", st, err)
	}
	// The terminal is not silent: a progress line every few seconds.
	wait.For(t, startDeadline, "a progress line in the devnet's output", func() bool {
		b, _ := os.ReadFile(filepath.Join(outDir, "devnet.out"))
		for _, line := range strings.Split(string(b), "\n") {
			if strings.HasPrefix(line, "height ") && strings.Contains(line, "last block:") && strings.Contains(line, "light sampled") {
				return true
			}
		}
		return false
	})
	checkDevnetNetwork(t, home, filepath.Join(outDir, "devnet.out"), m)
	// quadrant status --json: one object per node, every height within 2 of
	// validator 0's once the devnet has settled.
	var nodes []nodeStatus
	wait.For(t, startDeadline, "every node's status to be ok and within 2 heights of validator 0", func() bool {
		out, err := runCLIErr("status", "--json", "--home", home)
		nodes = nil
		if jerr := json.Unmarshal(out, &nodes); jerr != nil || err != nil || len(nodes) != 4 {
			return false
		}
		for _, n := range nodes {
			if !n.OK || nodes[0].Height-n.Height > 2 || n.Height-nodes[0].Height > 2 {
				return false
			}
		}
		return true
	})
	roles := map[string]int{}
	for _, n := range nodes {
		roles[n.Role]++
	}
	if roles["validator"] != 2 || roles["full"] != 1 || roles["light"] != 1 || nodes[0].Name != "validator-0" {
		t.Fatalf("status lists %+v, want 2 validators, a full node and a light node", nodes)
	}
	for _, n := range nodes {
		// The light node samples from the bridge; validators see each other.
		if (n.Role == "light" || n.Role == "validator") && n.Peers < 1 {
			t.Fatalf("status shows %s with %d peers: %+v", n.Name, n.Peers, nodes)
		}
	}
	checkCLIStumbles(t, home, m)
	if err := p.stop(t, syscall.SIGINT, 30*time.Second); err != nil {
		t.Fatalf("devnet exit: %v", err)
	}
	checkCleanShutdownLogs(t, m)
	// With every node down, status says so and exits non-zero.
	if out, err := runCLIErr("status", "--home", home); err == nil || !strings.Contains(string(out), "down") {
		t.Fatalf("status of a stopped devnet: %v\n%s", err, out)
	}
	for _, v := range m.Validators {
		c, _ := rpchttp.New(v.RPC, "/websocket")
		if h := height(c); h >= 0 {
			t.Fatalf("%s still answers after the devnet stopped", v.Name)
		}
	}
}

// TestInitKeysAndSingleValidator covers `quadrant init`, `keys` and running
// a one-validator chain from the written home.
func TestInitKeysAndSingleValidator(t *testing.T) {
	home := t.TempDir()
	base := pickBasePort(t, 1)
	runCLI(t, "init", "--home", home, "--chain-id", "solo-1", "--moniker", "solo",
		"--p2p-laddr", fmt.Sprintf("tcp://127.0.0.1:%d", base), "--rpc-laddr", fmt.Sprintf("tcp://127.0.0.1:%d", base+1),
		"--block-time", testBlockTime.String())
	for _, f := range []string{"cometbft/config/priv_validator_key.json", "cometbft/config/node_key.json", "keys/validator.json"} {
		st, err := os.Stat(filepath.Join(home, f))
		if err != nil || st.Mode().Perm() != 0o600 {
			t.Fatalf("%s: %v, mode %v, want 0600", f, err, st.Mode().Perm())
		}
	}
	if _, err := runCLIErr("init", "--home", home); err == nil {
		t.Fatal("init over an existing home succeeded")
	}
	var k wallet.KeyInfo
	if err := json.Unmarshal(runCLI(t, "keys", "add", "alice", "--type", "ed25519", "--home", home, "-o", "json"), &k); err != nil || k.Type != "ed25519" {
		t.Fatalf("keys add: %+v %v", k, err)
	}
	if out := string(runCLI(t, "keys", "list", "--home", home)); !strings.Contains(out, "alice") || !strings.Contains(out, "validator") {
		t.Fatalf("keys list: %q", out)
	}
	if out := string(runCLI(t, "keys", "show", "alice", "--home", home)); !strings.Contains(out, k.Address) {
		t.Fatalf("keys show: %q", out)
	}

	p := startProc(t, filepath.Join(home, "node.log"), "validator", "--home", home)
	c, err := rpchttp.New(fmt.Sprintf("http://127.0.0.1:%d", base+1), "/websocket")
	if err != nil {
		t.Fatal(err)
	}
	waitHeight(t, c, 2, startDeadline)
	// The client commands find the node through the home's config.toml.
	out := runCLI(t, "tx", "send", "--home", home, "--key", "validator", "--to", k.Address, "--amount", "1000000", "-o", "json")
	if !bytes.Contains(out, []byte(`"height"`)) {
		t.Fatalf("tx send: %q", out)
	}
	var info chain.AccountInfo
	if err := json.Unmarshal(runCLI(t, "account", "balance", "--home", home, "--key", "alice", "-o", "json"), &info); err != nil || info.Balance != 1000000 {
		t.Fatalf("alice: %+v %v", info, err)
	}
	var res submitResult
	if err := json.Unmarshal(runCLI(t, "blob", "submit", "--home", home, "--key", "alice", "--namespace", "0x0a0b", "--data", "x", "-o", "json"), &res); err != nil || res.Height < 1 {
		t.Fatalf("blob submit: %+v %v", res, err)
	}
	if got := getBlobsCLI(t, fmt.Sprintf("http://127.0.0.1:%d", base+1), res.Height, "0x0a0b"); len(got) != 1 || string(got[0].Data) != "x" || got[0].Commitment != res.Commitment {
		t.Fatalf("blob get: %+v", got)
	}
	big := filepath.Join(t.TempDir(), "big")
	if err := os.WriteFile(big, bytes.Repeat([]byte("y"), 300_000), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := runCLIErr("blob", "submit", "--home", home, "--key", "alice", "--namespace", "0x0a0b", "--file", big); err == nil || !strings.Contains(err.Error(), "insufficient funds") {
		t.Fatalf("unaffordable blob submit: %v, want an insufficient-funds rejection", err)
	}
	if err := p.stop(t, syscall.SIGTERM, 20*time.Second); err != nil {
		t.Fatalf("validator exit on SIGTERM: %v", err)
	}
}
