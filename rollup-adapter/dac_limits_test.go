package rollupadapter

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"testing"

	"github.com/ipfs/go-datastore"
	dssync "github.com/ipfs/go-datastore/sync"
)

// batchOf returns a JSON-RPC batch of n calls of method with params.
func batchOf(n int, method, params string) []byte {
	var b bytes.Buffer
	b.WriteByte('[')
	for i := 0; i < n; i++ {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"jsonrpc":"2.0","id":%d,"method":%q,"params":[%s]}`, i, method, params)
	}
	b.WriteByte(']')
	return b.Bytes()
}

// post sends body and returns the status, the response and the bytes the
// process allocated meanwhile (server and client).
func post(t *testing.T, url string, body []byte) (int, []byte, uint64) {
	t.Helper()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	before := ms.TotalAlloc
	resp, err := http.Post(url, "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	out, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		t.Fatal(err)
	}
	runtime.ReadMemStats(&ms)
	return resp.StatusCode, out, ms.TotalAlloc - before
}

// TestDACBatchBounded reproduces issue 14 item 2: an unauthenticated batch
// of sync_getOffChainData calls for one stored batch made the member build
// every answer in memory before writing — 1500 calls for 44 KiB of data in
// a 137 KB request were answered with 135 MB (1256 MiB allocated). Now a
// batch over MaxBatchCalls is refused whole before any call runs, and a
// batch at the cap is answered one answer at a time within
// MaxResponseBytes, the calls past it answered with an error without
// running.
func TestDACBatchBounded(t *testing.T) {
	tn := network(t)
	cfg := tn.adapter.Config()
	cfg.DAC.MaxResponseBytes = 1 << 20
	cfg.DAC.RateLimit = 0
	a, err := New(cfg, tn.bridge, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(a.Close)
	seq := ethKey(t, 21)
	m, err := NewDACMember(a, DACConfig{Sequencer: seq.Address(), Key: ethKey(t, 22)}, dssync.MutexWrap(datastore.NewMapDatastore()), nil)
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(m.Handler())
	defer hs.Close()
	data := bytes.Repeat([]byte(t.Name()), (44<<10)/len(t.Name()))
	ss := SignedSequence{Sequence: []ArgBytes{data}}
	ss.Signature, _ = seq.Sign(ss.HashToSign())
	if _, e := rpcCall(t, hs.URL, "datacom_signSequence", ss); e != nil {
		t.Fatal(e.Message)
	}
	hash, _ := json.Marshal(ArgBytes(Keccak256(data)))

	// One call: what a single answer costs.
	single := fmt.Sprintf(`{"jsonrpc":"2.0","id":1,"method":"sync_getOffChainData","params":[%s]}`, hash)
	code, one, perCall := post(t, hs.URL, []byte(single))
	if code != 200 || !bytes.Contains(one, []byte(`"result":"0x`)) {
		t.Fatalf("one call: %d %.200s", code, one)
	}

	// The attack: 1500 calls. Refused whole, in a few hundred bytes.
	attack := batchOf(1500, "sync_getOffChainData", string(hash))
	code, out, allocated := post(t, hs.URL, attack)
	t.Logf("1500-call batch of %d bytes: answered %d bytes, %d KiB allocated (one call: %d bytes answered, %d KiB allocated)",
		len(attack), len(out), allocated>>10, len(one), perCall>>10)
	if !bytes.Contains(out, []byte("batch too large: more than 100 calls")) || len(out) > 1024 {
		t.Fatalf("1500-call batch: %d, %d bytes: %.300s", code, len(out), out)
	}

	// A batch at the cap: the answers stop at MaxResponseBytes.
	full := batchOf(100, "sync_getOffChainData", string(hash))
	code, out, allocated = post(t, hs.URL, full)
	var answers []jsonResp
	if err := json.Unmarshal(out, &answers); err != nil || code != 200 || len(answers) != 100 {
		t.Fatalf("100-call batch: %d, %d answers, %v", code, len(answers), err)
	}
	served := 0
	for i, r := range answers {
		switch {
		case r.Error == nil:
			if served != i {
				t.Fatalf("answer %d has data after a refused one", i)
			}
			served++
		case !strings.Contains(r.Error.Message, "response too large"):
			t.Fatalf("answer %d: %s", i, r.Error.Message)
		}
	}
	t.Logf("100-call batch: %d answers with data, %d bytes answered, %d KiB allocated", served, len(out), allocated>>10)
	// The bounds this test states: data answers fill at most
	// MaxResponseBytes (each further call costs one error answer of under
	// 200 bytes), and the process allocates what the calls that ran cost —
	// the served ones and the one whose answer did not fit — plus one call's
	// worth for decoding the batch and the error answers: (served + 2)
	// calls, not 100.
	if max := int(cfg.DAC.MaxResponseBytes) + 100*200; served == 0 || len(out) > max {
		t.Fatalf("100-call batch answered with %d bytes (%d with data), want at most %d", len(out), served, max)
	}
	if bound := uint64(served+2) * perCall; allocated > bound {
		t.Fatalf("100-call batch allocated %d bytes, want at most (served+2) × one call = %d", allocated, bound)
	}
}

// TestDACRateLimit: every call of a batch is charged to its client's IP.
func TestDACRateLimit(t *testing.T) {
	cfg := DefaultConfig()
	cfg.DAC.RateLimit, cfg.DAC.RateBurst, cfg.DAC.MaxBatchCalls = 1e-9, 3, 3
	a, err := New(cfg, nullNode{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	m, err := NewDACMember(a, DACConfig{Sequencer: ethKey(t, 2).Address(), Key: ethKey(t, 1)}, dssync.MutexWrap(datastore.NewMapDatastore()), nil)
	if err != nil {
		t.Fatal(err)
	}
	h := m.Handler()
	send := func(from string, body []byte) (int, string) {
		r := httptest.NewRequest(http.MethodPost, "/", bytes.NewReader(body))
		r.RemoteAddr = from + ":5555"
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		return w.Code, w.Body.String()
	}
	status := `{"jsonrpc":"2.0","id":1,"method":"status_getStatus","params":[]}`
	if code, body := send("192.0.2.1", batchOf(4, "status_getStatus", "")); code != 200 || !strings.Contains(body, "batch too large: more than 3 calls") {
		t.Fatalf("4-call batch: %d %s", code, body)
	}
	// The refused batch cost one token (its first); two are left.
	if code, body := send("192.0.2.1", batchOf(2, "status_getStatus", "")); code != 200 || strings.Count(body, `"uptime"`) != 2 {
		t.Fatalf("2-call batch within the burst: %d %s", code, body)
	}
	if code, body := send("192.0.2.1", []byte(status)); code != http.StatusTooManyRequests || !strings.Contains(body, errRateLimited.Error()) {
		t.Fatalf("call over the rate: %d %s, want 429 %q", code, body, errRateLimited)
	}
	if code, _ := send("192.0.2.2", []byte(status)); code != 200 {
		t.Fatalf("another client: %d, want 200", code)
	}
	if code, body := send("192.0.2.3", batchOf(3, "status_getStatus", "")); code != 200 || strings.Count(body, `"uptime"`) != 3 {
		t.Fatalf("a full batch from a fresh client: %d %s", code, body)
	}
}
