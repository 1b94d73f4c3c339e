package main

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	rpchttp "github.com/cometbft/cometbft/rpc/client/http"

	"github.com/quadrant-da/quadrant/wallet"
)

// TestJoinAsValidator follows README's "Joining as a validator" against a
// 4-validator devnet of processes: a new home made by `quadrant init
// --genesis`, funded by the faucet, running `quadrant validator`, joins the
// set with `tx create-validator`; `validators --json` and `account balance`
// show it; `tx undelegate` takes it out again and `tx unjail` explains why
// it cannot come back without self-bond.
func TestJoinAsValidator(t *testing.T) {
	if testing.Short() {
		t.Skip("runs five validator processes")
	}
	n := newTestNet(t, 4)
	n.startAll()
	waitHeight(t, n.client(0), 2, startDeadline)

	joiner := filepath.Join(t.TempDir(), "joiner")
	base := pickBasePort(t, 1)
	v0 := n.m.Validators[0]
	runCLI(t, "init", "--home", joiner, "--moniker", "joiner",
		"--genesis", filepath.Join(v0.Home, "cometbft", "config", "genesis.json"),
		"--peers", v0.NodeID+"@"+v0.P2P,
		"--p2p-laddr", fmt.Sprintf("tcp://127.0.0.1:%d", base), "--rpc-laddr", fmt.Sprintf("tcp://127.0.0.1:%d", base+1),
		"--grpc-laddr", fmt.Sprintf("tcp://127.0.0.1:%d", base+3), "--block-time", testBlockTime.String())
	var key wallet.KeyInfo
	if err := json.Unmarshal(runCLI(t, "keys", "show", "validator", "--home", joiner, "-o", "json"), &key); err != nil {
		t.Fatal(err)
	}
	runCLI(t, "tx", "send", "--home", n.home, "--to", key.Address, "--amount", "100000000")
	startProc(t, filepath.Join(joiner, "node.log"), "validator", "--home", joiner)
	jc, err := rpchttp.New(fmt.Sprintf("http://127.0.0.1:%d", base+1), "/websocket")
	if err != nil {
		t.Fatal(err)
	}
	waitHeight(t, jc, height(n.client(0)), startDeadline) // caught up

	var res struct {
		Height int64 `json:"height"`
	}
	out := runCLI(t, "tx", "create-validator", "--home", joiner, "--key", "validator", "--moniker", "joiner", "--self-bond", "5000000", "-o", "json")
	if err := json.Unmarshal(out, &res); err != nil || res.Height < 1 {
		t.Fatalf("create-validator: %q %v", out, err)
	}
	waitHeight(t, n.client(0), res.Height+2, startDeadline)
	vals := validatorsCLI(t, joiner)
	j := findValidator(t, vals, key.Address)
	if j["power"] != float64(5) || j["jailed"] != false || j["tombstoned"] != false || j["address"] == "" {
		t.Fatalf("joiner in `validators --json`: %v", j)
	}
	h := res.Height + 2
	set, err := n.client(0).Validators(t.Context(), &h, nil, nil)
	if err != nil || len(set.Validators) != 5 {
		t.Fatalf("CometBFT set at %d: %v %v", h, set, err)
	}
	var bal struct {
		Balance, Bonded, Unbonding uint64
	}
	if err := json.Unmarshal(runCLI(t, "account", "balance", "--home", joiner, "--key", "validator", "-o", "json"), &bal); err != nil || bal.Bonded != 5000000 {
		t.Fatalf("account balance: %+v %v", bal, err)
	}

	runCLI(t, "tx", "withdraw-rewards", "--home", joiner, "--key", "validator", "--validator", key.Address)
	runCLI(t, "tx", "undelegate", "--home", joiner, "--key", "validator", "--validator", key.Address, "--amount", "5000000")
	j = findValidator(t, validatorsCLI(t, joiner), key.Address)
	if j["power"] != float64(0) || j["jailed"] != true {
		t.Fatalf("after undelegating the whole self-bond: %v, want power 0 and jailed", j)
	}
	if err := json.Unmarshal(runCLI(t, "account", "balance", "--home", joiner, "--key", "validator", "-o", "json"), &bal); err != nil || bal.Bonded != 0 || bal.Unbonding != 5000000 {
		t.Fatalf("account balance after undelegate: %+v %v", bal, err)
	}
	if _, err := runCLIErr("tx", "unjail", "--home", joiner, "--key", "validator"); err == nil || !strings.Contains(err.Error(), "self-bond below the minimum") {
		t.Fatalf("unjail without self-bond: %v", err)
	}
}

func validatorsCLI(t *testing.T, home string) []map[string]any {
	t.Helper()
	var vals []map[string]any
	out := runCLI(t, "validators", "--home", home, "--json")
	if err := json.Unmarshal(out, &vals); err != nil {
		t.Fatalf("validators --json: %q %v", out, err)
	}
	return vals
}

func findValidator(t *testing.T, vals []map[string]any, operator string) map[string]any {
	t.Helper()
	for _, v := range vals {
		if v["operator"] == operator {
			return v
		}
	}
	t.Fatalf("operator %s not among %d validators: %v", operator, len(vals), vals)
	return nil
}
