package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/filecoin-project/go-jsonrpc"

	"github.com/quadrant-da/quadrant/blobs"
	"github.com/quadrant-da/quadrant/da"
	rollupadapter "github.com/quadrant-da/quadrant/rollup-adapter"
)

// The soak's load: one closed loop per rollup front-end of the devnet's
// bridge (one submission in flight each), recording every acknowledged
// submission so that it can be read back at the end.

// soakAck is one acknowledged submission: where the front-end said the blob
// landed, the data sent, and the front-end's own handle for it (go-da ID,
// Alt-DA commitment, DAC keccak256; nil for blob.Submit).
type soakAck struct {
	front      string
	height     uint64
	ns         da.Namespace
	commitment []byte
	data       []byte
	ref        []byte
}

// soakFront is one rollup front-end: submit posts data and returns the
// acknowledgement; read fetches an acknowledged blob back through the same
// front-end.
type soakFront interface {
	name() string
	submit(ctx context.Context, data []byte) (soakAck, error)
	read(ctx context.Context, a soakAck) ([]byte, error)
}

// soakClients are the devnet adapter's clients, one per front-end, plus
// the Celestia-style blob API used to verify every acknowledged blob.
type soakClients struct {
	blob   rollupadapter.BlobAPI
	goda   rollupadapter.DAAPI
	fronts []soakFront
	close  func()
}

// dialSoakClients connects to the adapter of the devnet in home whose
// JSON-RPC, Alt-DA and DAC member listen on af's addresses.
func dialSoakClients(ctx context.Context, home string, af adapterFlags) (*soakClients, error) {
	tok, err := os.ReadFile(filepath.Join(home, "tokens", "write"))
	if err != nil {
		return nil, err
	}
	hdr := http.Header{}
	hdr.Set("Authorization", "Bearer "+strings.TrimSpace(string(tok)))
	c := &soakClients{}
	url := "http://" + af.rpcAddr
	closeBlob, err := jsonrpc.NewMergeClient(ctx, url, "blob", []any{&c.blob.Internal}, hdr, jsonrpc.WithTimeout(time.Minute))
	if err != nil {
		return nil, err
	}
	closeDA, err := jsonrpc.NewMergeClient(ctx, url, "da", []any{&c.goda.Internal}, hdr, jsonrpc.WithTimeout(time.Minute))
	if err != nil {
		closeBlob()
		return nil, err
	}
	c.close = func() { closeBlob(); closeDA() }
	seqKey, err := os.ReadFile(filepath.Join(home, dacSequencerFile))
	if err != nil {
		c.close()
		return nil, err
	}
	seq, err := rollupadapter.ParseEthKey(string(seqKey))
	if err != nil {
		c.close()
		return nil, err
	}
	godaNS, _ := da.NewNamespaceV0([]byte("soak-goda"))
	blobNS, _ := da.NewNamespaceV0([]byte("soak-blob"))
	def := rollupadapter.DefaultConfig().DefaultNamespace
	c.fronts = []soakFront{
		&soakBlobFront{api: &c.blob, ns: blobNS},
		&soakGodaFront{api: &c.goda, ns: godaNS},
		&soakAltDAFront{url: "http://" + af.altda, ns: def},
		&soakDACFront{url: "http://" + af.dac, seq: seq, ns: def},
	}
	return c, nil
}

// soakBlobFront is the Celestia-style blob.Submit.
type soakBlobFront struct {
	api *rollupadapter.BlobAPI
	ns  da.Namespace
}

func (f *soakBlobFront) name() string { return "blob" }

func (f *soakBlobFront) submit(ctx context.Context, data []byte) (soakAck, error) {
	c, err := soakCommitment(f.ns, data)
	if err != nil {
		return soakAck{}, err
	}
	h, err := f.api.Submit(ctx, []*rollupadapter.Blob{{Namespace: f.ns[:], Data: data, Commitment: c}}, &rollupadapter.SubmitOptions{})
	return soakAck{front: f.name(), height: h, ns: f.ns, commitment: c, data: data}, err
}

func (f *soakBlobFront) read(ctx context.Context, a soakAck) ([]byte, error) {
	b, err := f.api.Get(ctx, a.height, a.ns[:], a.commitment)
	if err != nil {
		return nil, err
	}
	return b.Data, nil
}

// soakGodaFront is go-da's da.Submit; its IDs are height ‖ commitment.
type soakGodaFront struct {
	api *rollupadapter.DAAPI
	ns  da.Namespace
}

func (f *soakGodaFront) name() string { return "go-da" }

func (f *soakGodaFront) submit(ctx context.Context, data []byte) (soakAck, error) {
	ids, err := f.api.Submit(ctx, [][]byte{data}, -1, f.ns[:])
	if err != nil {
		return soakAck{}, err
	}
	if len(ids) != 1 {
		return soakAck{}, fmt.Errorf("go-da Submit of 1 blob returned %d ids", len(ids))
	}
	h, c, err := rollupadapter.SplitID(ids[0])
	return soakAck{front: f.name(), height: h, ns: f.ns, commitment: c, data: data, ref: ids[0]}, err
}

func (f *soakGodaFront) read(ctx context.Context, a soakAck) ([]byte, error) {
	out, err := f.api.Get(ctx, [][]byte{a.ref}, a.ns[:])
	if err != nil {
		return nil, err
	}
	if len(out) != 1 {
		return nil, fmt.Errorf("go-da Get of 1 id returned %d blobs", len(out))
	}
	return out[0], nil
}

// soakAltDAFront is the OP Stack Alt-DA server's PUT /put, whose answer is
// a generic commitment 0x01 0x51 ‖ go-da ID.
type soakAltDAFront struct {
	url string
	ns  da.Namespace
}

func (f *soakAltDAFront) name() string { return "alt-da" }

func (f *soakAltDAFront) submit(ctx context.Context, data []byte) (soakAck, error) {
	comm, err := soakHTTP(ctx, http.MethodPut, f.url+"/put", data)
	if err != nil {
		return soakAck{}, err
	}
	if len(comm) != 2+8+32 || comm[0] != rollupadapter.AltDAGenericType || comm[1] != rollupadapter.AltDALayerByte {
		return soakAck{}, fmt.Errorf("alt-da: PUT /put answered %x, want a generic commitment 0x0151 ‖ height ‖ commitment", comm)
	}
	h, c, err := rollupadapter.SplitID(comm[2:])
	return soakAck{front: f.name(), height: h, ns: f.ns, commitment: c, data: data, ref: comm}, err
}

func (f *soakAltDAFront) read(ctx context.Context, a soakAck) ([]byte, error) {
	return soakHTTP(ctx, http.MethodGet, fmt.Sprintf("%s/get/0x%x", f.url, a.ref), nil)
}

// soakDACFront is a validium's path through the DAC member: the sequencer
// signs a one-batch sequence, datacom_signSequence makes the batch
// available on Quadrant and signs; quadrant_getCertificate says where it
// landed and sync_getOffChainData reads it back by keccak256.
type soakDACFront struct {
	url string
	seq *rollupadapter.EthKey
	ns  da.Namespace
}

func (f *soakDACFront) name() string { return "dac" }

func (f *soakDACFront) submit(ctx context.Context, data []byte) (soakAck, error) {
	s := rollupadapter.SignedSequence{Sequence: []rollupadapter.ArgBytes{data}}
	sig, err := f.seq.Sign(s.HashToSign())
	if err != nil {
		return soakAck{}, err
	}
	s.Signature = sig
	var memberSig rollupadapter.ArgBytes
	if err := soakDACCall(ctx, f.url, "datacom_signSequence", s, &memberSig); err != nil {
		return soakAck{}, err
	}
	digest := rollupadapter.Keccak256(data)
	var cert rollupadapter.Certificate
	if err := soakDACCall(ctx, f.url, "quadrant_getCertificate", rollupadapter.ArgBytes(digest), &cert); err != nil {
		return soakAck{}, fmt.Errorf("signed, but no certificate: %w", err)
	}
	return soakAck{front: f.name(), height: cert.Height, ns: f.ns, commitment: cert.Commitment, data: data, ref: digest}, nil
}

func (f *soakDACFront) read(ctx context.Context, a soakAck) ([]byte, error) {
	var data rollupadapter.ArgBytes
	err := soakDACCall(ctx, f.url, "sync_getOffChainData", rollupadapter.ArgBytes(a.ref), &data)
	return data, err
}

// soakDACCall makes one JSON-RPC call to the DAC member.
func soakDACCall(ctx context.Context, url, method string, param, out any) error {
	req, err := json.Marshal(map[string]any{"jsonrpc": "2.0", "id": 1, "method": method, "params": []any{param}})
	if err != nil {
		return err
	}
	body, err := soakHTTP(ctx, http.MethodPost, url, req)
	if err != nil {
		return err
	}
	var reply struct {
		Result json.RawMessage `json:"result"`
		Error  *struct {
			Message string `json:"message"`
		} `json:"error"`
	}
	if err := json.Unmarshal(body, &reply); err != nil {
		return fmt.Errorf("%s: %w", method, err)
	}
	if reply.Error != nil {
		return fmt.Errorf("%s: %s", method, reply.Error.Message)
	}
	return json.Unmarshal(reply.Result, out)
}

// soakHTTP sends body with method to url and returns the answer's body; a
// status other than 200 is an error.
func soakHTTP(ctx context.Context, method, url string, body []byte) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, method, url, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	if method == http.MethodPost {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("%s %s: %s: %s", method, url, resp.Status, strings.TrimSpace(string(b)))
	}
	return b, nil
}

// soakCommitment is the share commitment of data under ns.
func soakCommitment(ns da.Namespace, data []byte) ([]byte, error) {
	b, err := blobs.NewBlob(ns, data, 0, nil)
	if err != nil {
		return nil, err
	}
	return blobs.CreateCommitment(b)
}

// soakLoad runs one closed submission loop per front-end until stop.
type soakLoad struct {
	quit chan struct{}
	wg   sync.WaitGroup

	mu    sync.Mutex
	acks  []soakAck
	fails map[string]int
	last  map[string]string // the last failure of each front-end
}

// startSoakLoad starts the loops; blobs are 512 B to maxSize B of data
// drawn from seed, unique per submission (Alt-DA and the DAC member post
// the same data once).
func startSoakLoad(ctx context.Context, fronts []soakFront, maxSize int, seed uint64) *soakLoad {
	l := &soakLoad{quit: make(chan struct{}), fails: map[string]int{}, last: map[string]string{}}
	for fi, f := range fronts {
		l.wg.Add(1)
		go func() {
			defer l.wg.Done()
			rng := rand.New(rand.NewPCG(seed, uint64(fi)))
			for i := 0; ; i++ {
				select {
				case <-l.quit:
					return
				case <-ctx.Done():
					return
				default:
				}
				data := make([]byte, 512+rng.IntN(max(1, maxSize-511)))
				for j := range data {
					data[j] = byte(rng.Uint32())
				}
				copy(data, fmt.Sprintf("soak %s %d ", f.name(), i))
				cctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
				a, err := f.submit(cctx, data)
				cancel()
				if !l.record(f.name(), a, err) {
					// A front-end whose node is down fails at once: wait
					// before the next try rather than spin (time under test,
					// not a synchronisation).
					select {
					case <-l.quit:
						return
					case <-time.After(time.Second):
					}
				}
			}
		}()
	}
	return l
}

// record keeps an acknowledged submission, or counts a failure; it reports
// whether the submission was acknowledged.
func (l *soakLoad) record(front string, a soakAck, err error) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if err != nil {
		l.fails[front]++
		l.last[front] = err.Error()
		return false
	}
	l.acks = append(l.acks, a)
	return true
}

// count returns the acknowledged submissions so far.
func (l *soakLoad) count() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.acks)
}

// stop ends the loops and waits for the submissions in flight; acks and
// fails are final afterwards.
func (l *soakLoad) stop() {
	close(l.quit)
	l.wg.Wait()
}
