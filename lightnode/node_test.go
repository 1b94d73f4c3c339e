package lightnode_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"path/filepath"
	"testing"
	"time"

	"github.com/quadrant-da/quadrant/internal/wait"
	"github.com/quadrant-da/quadrant/lightnode"
	"github.com/quadrant-da/quadrant/rpc"
	"github.com/quadrant-da/quadrant/sampling"
)

// TestLightNodesSampleEveryHeight: two full nodes serve a 12-height chain;
// three light nodes started from height 1 sync, verify and sample every
// height, all available, with the exact confidence of 16 samples at k=4.
func TestLightNodesSampleEveryHeight(t *testing.T) {
	const id, heights, k = "light-test", 12, 4
	_, blocks := chain(t, id, heights, k)
	f1, _ := serve(t, id, blocks)
	f2, _ := serve(t, id, blocks)
	var nodes []*lightnode.Node
	var homes []string
	for i := 0; i < 3; i++ {
		homes = append(homes, t.TempDir())
		nodes = append(nodes, startLight(t, lightConfig(homes[i], id, blocks[0].hdr, f1, f2)))
	}
	want := sampling.Confidence(k, 16)
	for i, n := range nodes {
		wait.For(t, 2*time.Minute, "every height sampled", func() bool {
			st := n.SamplingStats()
			return st.SampledChainHead == heights && st.CatchUpDone
		})
		if u := n.Unavailable(); len(u) != 0 {
			t.Fatalf("node %d: unavailable heights %v", i, u)
		}
		seen := map[uint64]bool{}
		for _, v := range n.Verdicts() {
			if v.Status != sampling.StatusAvailable || v.Samples != 16 || v.Verified != 16 || v.Confidence != want {
				t.Fatalf("node %d: verdict %+v, want available with 16 verified samples and confidence %v", i, v, want)
			}
			seen[v.Height] = true
		}
		for h := uint64(1); h <= heights; h++ {
			if !seen[h] {
				t.Fatalf("node %d: no verdict for height %d", i, h)
			}
		}
		if got := n.LocalHead().Height(); got != heights {
			t.Fatalf("node %d: local head %d, want %d", i, got, heights)
		}
	}

	// das.SamplingStats over JSON-RPC, celestia-node's shape.
	body := []byte(`{"jsonrpc":"2.0","id":1,"method":"das.SamplingStats","params":[]}`)
	resp, err := http.Post("http://"+nodes[0].RPCAddr(), "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var out struct {
		Result map[string]any `json:"result"`
		Error  any            `json:"error"`
	}
	if err := json.Unmarshal(raw, &out); err != nil {
		t.Fatalf("%v: %s", err, raw)
	}
	// No token: public only, das.SamplingStats needs read.
	if out.Error == nil {
		t.Fatalf("das.SamplingStats answered without a token: %s", raw)
	}
	secret, err := rpc.LoadOrCreateSecret(filepath.Join(homes[0], rpc.SecretFile))
	if err != nil {
		t.Fatal(err)
	}
	read, err := rpc.PermsForLevel("read")
	if err != nil {
		t.Fatal(err)
	}
	token, err := rpc.NewToken(secret, read, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest("POST", "http://"+nodes[0].RPCAddr(), bytes.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	resp2, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp2.Body.Close()
	raw, _ = io.ReadAll(resp2.Body)
	out.Result, out.Error = nil, nil
	if err := json.Unmarshal(raw, &out); err != nil || out.Error != nil {
		t.Fatalf("%v: %s", err, raw)
	}
	if out.Result["head_of_sampled_chain"] != float64(heights) || out.Result["catch_up_done"] != true || out.Result["network_head_height"] != float64(heights) {
		t.Fatalf("das.SamplingStats = %s", raw)
	}
}
