package rollupadapter

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/ipfs/go-datastore"
	"golang.org/x/crypto/sha3"

	"github.com/quadrant-da/quadrant/blobs"
	"github.com/quadrant-da/quadrant/rpc"
)

// Alt-DA commitment bytes (OP Stack's generic commitment format).
const (
	// AltDAGenericType is OP Stack's generic commitment type byte.
	AltDAGenericType = 0x01
	// AltDAKeccakType is OP Stack's keccak256 commitment type byte.
	//
	// Exported for OP Stack tooling that builds or parses Alt-DA commitments.
	AltDAKeccakType = 0x00
	// AltDALayerByte is Quadrant's DA-layer byte inside a generic
	// commitment: 0x01 ‖ 0x51 ‖ 8-byte LE height ‖ 32-byte share commitment.
	AltDALayerByte = 0x51
	// defaultAltDAAddr is where the Alt-DA server listens by default.
	defaultAltDAAddr = "127.0.0.1:3100"
)

// KV is where the Alt-DA server and the DAC member keep their
// keccak → (height, commitment) index; any go-datastore Datastore satisfies
// it (and must return datastore.ErrNotFound for a missing key).
type KV interface {
	Get(ctx context.Context, key datastore.Key) ([]byte, error)
	Put(ctx context.Context, key datastore.Key, value []byte) error
}

// Keccak256 returns the Ethereum keccak-256 hash of data.
func Keccak256(data ...[]byte) []byte {
	h := sha3.NewLegacyKeccak256()
	for _, d := range data {
		h.Write(d)
	}
	return h.Sum(nil)
}

// AltDACommitment returns the generic commitment Quadrant's Alt-DA server
// answers a put with.
//
// Exported for OP Stack tooling that builds or parses Quadrant Alt-DA commitments.
func AltDACommitment(height uint64, commitment []byte) []byte {
	out := []byte{AltDAGenericType, AltDALayerByte, 0, 0, 0, 0, 0, 0, 0, 0}
	binary.LittleEndian.PutUint64(out[2:], height)
	return append(out, commitment...)
}

// location is where a blob lives: its height and share commitment.
type location struct {
	height     uint64
	commitment []byte
}

func (l location) marshal() []byte {
	b := binary.BigEndian.AppendUint64(nil, l.height)
	return append(b, l.commitment...)
}

func unmarshalLocation(b []byte) (location, error) {
	if len(b) != 8+32 {
		return location{}, fmt.Errorf("rollupadapter: corrupt index entry of %d bytes", len(b))
	}
	return location{binary.BigEndian.Uint64(b), append([]byte(nil), b[8:]...)}, nil
}

// keccakIndex maps keccak256(data) to where data was posted.
type keccakIndex struct {
	kv     KV
	prefix string
}

func (x keccakIndex) key(k []byte) datastore.Key {
	return datastore.NewKey(x.prefix + "/" + hex.EncodeToString(k))
}

func (x keccakIndex) get(ctx context.Context, k []byte) (location, bool, error) {
	v, err := x.kv.Get(ctx, x.key(k))
	if errors.Is(err, datastore.ErrNotFound) {
		return location{}, false, nil
	}
	if err != nil {
		return location{}, false, fmt.Errorf("rollupadapter: index: %w", err)
	}
	l, err := unmarshalLocation(v)
	return l, err == nil, err
}

func (x keccakIndex) put(ctx context.Context, k []byte, l location) error {
	if err := x.kv.Put(ctx, x.key(k), l.marshal()); err != nil {
		return fmt.Errorf("rollupadapter: index: %w", err)
	}
	return nil
}

// AltDAServer is the OP Stack Alt-DA HTTP server (op-alt-da's DAClient
// protocol) over an Adapter: POST/PUT /put, POST/PUT /put/0x00<keccak>,
// GET /get/0x<commitment>, GET /health. Every put posts to the adapter's
// default namespace; the same data put twice is posted once, concurrent
// puts of the same data sharing one posting while puts of different data
// proceed in parallel. Config.AltDA guards it (see guard): requests from
// web pages are refused, a token may be required, puts are rate-limited per
// client and charged to a spending budget.
type AltDAServer struct {
	a       *Adapter
	cfg     AltDAConfig
	idx     keccakIndex
	log     *slog.Logger
	limiter *rpc.RateLimiter // puts per client IP
	budget  *budget          // nil: no budget

	life    context.Context // ends at Stop or the end of Start's context
	endLife context.CancelFunc

	mu      sync.Mutex
	flights map[string]*flight // keyed by keccak256 of the data

	server httpService
}

// flight is one posting of some data; puts of the same data wait for it.
type flight struct {
	done    chan struct{} // closed when loc and err are set
	loc     location
	err     error
	waiters int // puts waiting on it, guarded by AltDAServer.mu
}

// NewAltDAServer returns the Alt-DA server, configured by the adapter's
// Config.AltDA; index persists the keccak index (back it with the node's
// datastore). Start it with Start.
func NewAltDAServer(a *Adapter, index KV, logger *slog.Logger) (*AltDAServer, error) {
	if a == nil || index == nil {
		return nil, fmt.Errorf("%w: Alt-DA server needs an adapter and an index store", errInvalidConfig)
	}
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	cfg := a.cfg.AltDA
	life, endLife := context.WithCancel(context.Background())
	return &AltDAServer{
		a: a, cfg: cfg, idx: keccakIndex{index, "/rollupadapter/altda/keccak"}, log: logger,
		limiter: rpc.NewRateLimiter(cfg.RateLimit, cfg.RateBurst, nil), budget: newBudget(cfg),
		life: life, endLife: endLife, flights: map[string]*flight{},
	}, nil
}

// Handler returns the server's HTTP handler, guarded; the Host names it
// accepts are AltDAConfig.AllowedHosts (Start adds the listen address's).
func (s *AltDAServer) Handler() http.Handler { return s.handler("") }

func (s *AltDAServer) handler(listenHost string) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/put", s.handlePut)
	mux.HandleFunc("/put/", s.handlePut)
	mux.HandleFunc("GET /get/", s.handleGet)
	mux.HandleFunc("GET /health", s.handleHealth)
	return s.guard(mux, listenHost)
}

// Start listens on addr ("" means defaultAltDAAddr) and serves until Stop or
// the end of ctx. It refuses a non-loopback addr without AltDAConfig.Token
// unless AltDAConfig.AllowAnonymous is set.
func (s *AltDAServer) Start(ctx context.Context, addr string) error {
	if addr == "" {
		addr = defaultAltDAAddr
	}
	if !isLoopback(addr) && s.cfg.Token == "" && !s.cfg.AllowAnonymous {
		return fmt.Errorf("%w: Alt-DA server on %s (not loopback) without a token: anyone who reaches it spends the adapter's key; "+
			"set the Alt-DA token (clients then use http://:<token>@host:port) or allow anonymous access explicitly", errInvalidConfig, addr)
	}
	host, _, _ := net.SplitHostPort(addr)
	if err := s.server.start(ctx, "Alt-DA server", addr, s.handler(host), s.cfg.Timeouts, s.log); err != nil {
		return err
	}
	context.AfterFunc(ctx, s.endLife)
	return nil
}

// Addr returns the listening address after Start.
func (s *AltDAServer) Addr() string { return s.server.addr() }

// Stop ends postings in flight, shuts the server down and waits for it.
func (s *AltDAServer) Stop(ctx context.Context) error {
	s.endLife()
	return s.server.stop(ctx)
}

func (s *AltDAServer) handlePut(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost && r.Method != http.MethodPut {
		http.Error(w, "use POST or PUT", http.StatusMethodNotAllowed)
		return
	}
	max := s.a.MaxBlobSize()
	data, err := io.ReadAll(io.LimitReader(r.Body, int64(max)+1))
	if err != nil {
		http.Error(w, "reading body: "+err.Error(), http.StatusBadRequest)
		return
	}
	if len(data) > max {
		http.Error(w, fmt.Sprintf("blob: over size limit: the most that fits is %d bytes", max), http.StatusRequestEntityTooLarge)
		return
	}
	if len(data) == 0 {
		http.Error(w, "empty body", http.StatusBadRequest)
		return
	}
	digest := Keccak256(data)
	keyed := strings.TrimPrefix(r.URL.Path, "/put")
	if keyed != "" {
		key, err := decodeHexKey(strings.TrimPrefix(keyed, "/"))
		if err != nil || len(key) != 33 || key[0] != AltDAKeccakType {
			http.Error(w, "want /put/0x00<32-byte keccak256 of the body>", http.StatusBadRequest)
			return
		}
		if !bytes.Equal(key[1:], digest) {
			http.Error(w, fmt.Sprintf("keccak256 of the body is %x, not %x", digest, key[1:]), http.StatusBadRequest)
			return
		}
	}
	loc, err := s.post(r.Context(), digest, data)
	if err != nil {
		s.log.Warn("rollupadapter: Alt-DA put", "err", err)
		http.Error(w, err.Error(), statusFor(err))
		return
	}
	w.Header().Set("Content-Type", "application/octet-stream")
	if keyed == "" {
		w.Write(AltDACommitment(loc.height, loc.commitment))
	}
}

// post returns where data is posted, posting it unless this node holds it
// readable already. Concurrent puts of the same data share one flight: the
// first runs it, the others wait for its outcome, so the same data is
// never posted twice at once, while puts of different data do not wait for
// each other. A flight belongs to no client: it goes on if the client that
// started it leaves (so a retry finds it, not a second posting), bounded by
// the write timeout and the server's life.
func (s *AltDAServer) post(ctx context.Context, digest, data []byte) (location, error) {
	key := string(digest)
	s.mu.Lock()
	if f := s.flights[key]; f != nil {
		f.waiters++
		s.mu.Unlock()
		select {
		case <-f.done:
			return f.loc, f.err
		case <-ctx.Done():
			return location{}, ctx.Err()
		}
	}
	f := &flight{done: make(chan struct{})}
	s.flights[key] = f
	s.mu.Unlock()
	fctx, cancel := context.WithTimeout(s.life, s.cfg.Timeouts.Write)
	f.loc, f.err = s.postOnce(fctx, digest, data)
	cancel()
	s.mu.Lock()
	delete(s.flights, key)
	s.mu.Unlock()
	close(f.done)
	return f.loc, f.err
}

// postOnce posts data unless the index says where it is and it is still
// readable there; a posting is charged to the budget first (and refunded
// if it fails).
func (s *AltDAServer) postOnce(ctx context.Context, digest, data []byte) (location, error) {
	if loc, ok, err := s.idx.get(ctx, digest); err != nil {
		return location{}, err
	} else if ok {
		if _, err := s.a.Blob(ctx, loc.height, s.a.cfg.DefaultNamespace, loc.commitment); err == nil {
			return loc, nil
		}
	}
	refund, err := s.budget.spend(len(data), time.Now())
	if err != nil {
		return location{}, err
	}
	res, err := s.a.Submit(ctx, submitRequest{Blobs: []*blobs.Blob{{Namespace: s.a.cfg.DefaultNamespace, Data: data}}})
	if err != nil {
		refund()
		return location{}, err
	}
	loc := location{res.Height, res.Commitments[0]}
	return loc, s.idx.put(ctx, digest, loc)
}

func (s *AltDAServer) handleGet(w http.ResponseWriter, r *http.Request) {
	key, err := decodeHexKey(strings.TrimPrefix(r.URL.Path, "/get/"))
	if err != nil || len(key) == 0 {
		http.Error(w, "want /get/0x<commitment hex>", http.StatusBadRequest)
		return
	}
	var loc location
	var digest []byte
	switch {
	case key[0] == AltDAKeccakType && len(key) == 33:
		digest = key[1:]
		var ok bool
		if loc, ok, err = s.idx.get(r.Context(), digest); err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		} else if !ok {
			http.Error(w, "not found", http.StatusNotFound)
			return
		}
	case key[0] == AltDAGenericType && len(key) == 2+8+32 && key[1] == AltDALayerByte:
		loc = location{binary.LittleEndian.Uint64(key[2:10]), key[10:]}
	default:
		http.Error(w, "unknown commitment: want 0x00<keccak256> or 0x0151<8-byte LE height><32-byte commitment>", http.StatusBadRequest)
		return
	}
	b, err := s.a.Blob(r.Context(), loc.height, s.a.cfg.DefaultNamespace, loc.commitment)
	if err != nil {
		http.Error(w, err.Error(), statusFor(err))
		return
	}
	// Blob recomputed the commitment from the data it read; a keccak
	// commitment is checked too before anything is served.
	if digest != nil && !bytes.Equal(Keccak256(b.Blob.Data), digest) {
		http.Error(w, "stored data does not match its keccak256 commitment", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/octet-stream")
	w.Write(b.Blob.Data)
}

func (s *AltDAServer) handleHealth(w http.ResponseWriter, r *http.Request) {
	if _, err := s.a.LocalHead(r.Context()); err != nil {
		http.Error(w, err.Error(), http.StatusServiceUnavailable)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	io.WriteString(w, `{"status":"ok"}`)
}

// statusFor maps adapter errors to HTTP statuses: absent data is 404, a blob
// that can never fit 413, a bad request 400, an exhausted budget 429,
// anything else (transient) 503.
func statusFor(err error) int {
	switch {
	case errors.Is(err, errBlobNotFound), errors.Is(err, errFutureHeight), errors.Is(err, errInvalidHeight):
		return http.StatusNotFound
	case errors.Is(err, errBlobTooLarge), errors.Is(err, errTxTooLarge):
		return http.StatusRequestEntityTooLarge
	case errors.Is(err, errInvalidBlob), errors.Is(err, errInvalidNamespace):
		return http.StatusBadRequest
	case errors.Is(err, errBudgetExhausted):
		return http.StatusTooManyRequests
	}
	return http.StatusServiceUnavailable
}

func decodeHexKey(s string) ([]byte, error) {
	s = strings.TrimPrefix(strings.TrimPrefix(s, "0x"), "0X")
	if len(s) > 2*(2+8+64) {
		return nil, errors.New("key too long")
	}
	return hex.DecodeString(s)
}
