package rollupadapter

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/ipfs/go-datastore"
	dssync "github.com/ipfs/go-datastore/sync"
)

func altdaServer(t *testing.T) (*httptest.Server, *AltDAServer) {
	t.Helper()
	tn := network(t)
	s, err := NewAltDAServer(tn.adapter, dssync.MutexWrap(datastore.NewMapDatastore()), nil)
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(s.Handler())
	t.Cleanup(hs.Close)
	return hs, s
}

func do(t *testing.T, method, url string, body []byte) (int, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, url, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

func TestAltDA(t *testing.T) {
	hs, _ := altdaServer(t)
	tn := network(t)
	data := []byte("op batch " + t.Name())

	code, comm := do(t, http.MethodPost, hs.URL+"/put", data)
	if code != 200 || len(comm) != 42 || comm[0] != AltDAGenericType || comm[1] != AltDALayerByte {
		t.Fatalf("put: %d %x", code, comm)
	}
	// idempotent: the same data again is the same commitment (not posted twice)
	if code, again := do(t, http.MethodPut, hs.URL+"/put", data); code != 200 || !bytes.Equal(again, comm) {
		t.Fatalf("second put: %d %x, want %x", code, again, comm)
	}
	if code, got := do(t, http.MethodGet, fmt.Sprintf("%s/get/0x%x", hs.URL, comm), nil); code != 200 || !bytes.Equal(got, data) {
		t.Fatalf("get: %d %q", code, got)
	}
	// readable through the go-da front-end too, under the default namespace
	got, err := godaModule{tn.adapter}.Get(context.Background(), [][]byte{comm[2:]}, nil)
	if err != nil || !bytes.Equal(got[0], data) {
		t.Fatalf("go-da Get of an Alt-DA put: %q, %v", got, err)
	}

	// keccak-keyed put, as batchers that precompute commitments do
	kdata := []byte("keccak batch " + t.Name())
	key := append([]byte{AltDAKeccakType}, Keccak256(kdata)...)
	if code, body := do(t, http.MethodPost, fmt.Sprintf("%s/put/0x%x", hs.URL, key), kdata); code != 200 {
		t.Fatalf("keccak put: %d %s", code, body)
	}
	if code, got := do(t, http.MethodGet, fmt.Sprintf("%s/get/0x%x", hs.URL, key), nil); code != 200 || !bytes.Equal(got, kdata) {
		t.Fatalf("keccak get: %d %q", code, got)
	}
	wrong := append([]byte{AltDAKeccakType}, Keccak256([]byte("other"))...)
	if code, _ := do(t, http.MethodPost, fmt.Sprintf("%s/put/0x%x", hs.URL, wrong), kdata); code != 400 {
		t.Fatalf("keccak put with a wrong hash: %d, want 400", code)
	}

	// absent data is 404; malformed commitments 400; oversized bodies 413
	if code, _ := do(t, http.MethodGet, fmt.Sprintf("%s/get/0x%x", hs.URL, wrong), nil); code != 404 {
		t.Fatalf("unknown keccak: %d, want 404", code)
	}
	absent := AltDACommitment(1, make([]byte, 32))
	if code, _ := do(t, http.MethodGet, fmt.Sprintf("%s/get/0x%x", hs.URL, absent), nil); code != 404 {
		t.Fatalf("unknown commitment: %d, want 404", code)
	}
	future := AltDACommitment(1<<40, make([]byte, 32))
	if code, _ := do(t, http.MethodGet, fmt.Sprintf("%s/get/0x%x", hs.URL, future), nil); code != 404 {
		t.Fatalf("future height: %d, want 404", code)
	}
	if code, _ := do(t, http.MethodGet, hs.URL+"/get/0x02ab", nil); code != 400 {
		t.Fatalf("malformed commitment: %d, want 400", code)
	}
	if code, _ := do(t, http.MethodPost, hs.URL+"/put", make([]byte, tn.adapter.MaxBlobSize()+1)); code != 413 {
		t.Fatalf("oversized put: %d, want 413", code)
	}
	if code, _ := do(t, http.MethodPost, hs.URL+"/put", nil); code != 400 {
		t.Fatalf("empty put: %d, want 400", code)
	}
	if code, body := do(t, http.MethodGet, hs.URL+"/health", nil); code != 200 {
		t.Fatalf("health: %d %s", code, body)
	}
}

func TestAltDAStartStop(t *testing.T) {
	tn := network(t)
	s, err := NewAltDAServer(tn.adapter, dssync.MutexWrap(datastore.NewMapDatastore()), nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Start(context.Background(), "127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	if code, _ := do(t, http.MethodGet, "http://"+s.Addr()+"/health", nil); code != 200 {
		t.Fatalf("health: %d", code)
	}
	if err := s.Stop(context.Background()); err != nil {
		t.Fatal(err)
	}
}
