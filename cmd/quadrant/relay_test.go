package main

import (
	"context"
	"io"
	"path/filepath"
	"strings"
	"testing"
	"time"

	rpchttp "github.com/cometbft/cometbft/rpc/client/http"
	ethcrypto "github.com/ethereum/go-ethereum/crypto"

	"github.com/quadrant-da/quadrant/chain"
	"github.com/quadrant-da/quadrant/internal/wait"
)

// TestRelayFlags: quadrant relay names what is wrong with its flags before
// it dials anything.
func TestRelayFlags(t *testing.T) {
	keyFile := filepath.Join(t.TempDir(), "relayer.key")
	k, err := ethcrypto.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	if err := ethcrypto.SaveECDSA(keyFile, k); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"relay"}, `required flag(s) "contract", "eth-rpc", "key" not set`},
		{[]string{"relay", "--eth-rpc", "http://127.0.0.1:1", "--contract", "0x12", "--key", keyFile}, "want a 0x-prefixed 20-byte hex address"},
		{[]string{"relay", "--eth-rpc", "http://127.0.0.1:1", "--contract", "0x" + strings.Repeat("ab", 20), "--key", keyFile + ".missing"}, "--key"},
		{[]string{"attestations", "x"}, `nonce "x": want a non-negative integer`},
	} {
		root := newRootCmd()
		root.SetArgs(tc.args)
		root.SetOut(io.Discard)
		root.SetErr(io.Discard)
		if err := root.Execute(); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v: err %v, want %q", tc.args, err, tc.want)
		}
	}
}

// checkDevnetAttestation waits for a devnet's first data commitment
// (heights 1-10) and checks the four validators' signatures completed it.
func checkDevnetAttestation(t *testing.T, c *rpchttp.HTTP) {
	t.Helper()
	waitHeight(t, c, devnetDataCommitmentWindow+3, time.Minute)
	var a chain.Attestation
	wait.For(t, time.Minute, "attestation 1 complete", func() bool {
		var got chain.Attestation
		_, err := queryApp(context.Background(), c, "/attestation/1", "attestation", &got)
		a = got
		return err == nil && got.Complete()
	})
	if a.Kind != chain.AttestationDataCommitment || a.BeginHeight != 1 || a.EndHeight != devnetDataCommitmentWindow || len(a.Signatures) == 0 {
		t.Fatalf("attestation 1: %+v", a)
	}
}
