package lightnode

import (
	"embed"
	"encoding/json"
	"io/fs"
	"net/http"
	"slices"
	"time"

	"github.com/quadrant-da/quadrant/rpc"
	"github.com/quadrant-da/quadrant/sampling"
)

// The dashboard is a read-only HTML page served on the light node's
// JSON-RPC address at "/" (loopback by default). The page itself (HTML, JS,
// CSS, embedded in the binary) needs no token: it holds nothing about the
// node. The state it polls, DashboardStatePath, needs a token with read
// permission like das.SamplingStats: it names the peers the node samples
// from and the coordinates it sampled, and a node's coordinates must stay
// private — a full node that knew them could serve exactly those shares
// and withhold the rest. The page takes the token from its URL fragment
// (#token=…, never sent to a server or logged) or query, and sends it as
// a bearer token.

// DashboardStatePath is where the dashboard's JSON state is served.
const DashboardStatePath = "/dashboard/state"

// dashboardStrip is how many recent heights the dashboard's strip shows.
const dashboardStrip = 48

//go:embed dashboard
var dashboardFiles embed.FS

// DashboardState is everything the dashboard shows, at Time.
type DashboardState struct {
	Time        time.Time `json:"time"`
	ChainID     string    `json:"chain_id"`
	NetworkHead uint64    `json:"network_head"`
	LocalHead   uint64    `json:"local_head"`
	SampledHead uint64    `json:"sampled_head"`
	CatchUpDone bool      `json:"catch_up_done"`
	// FullPeers is how many full nodes the node samples from now
	// (bootstrap peers and those found by discovery).
	FullPeers int             `json:"full_peers"`
	CatchUp   CatchUpProgress `json:"catch_up"`
	Fraud     FraudStatus     `json:"fraud"`
	// Headers are the last heights up to the network head, oldest first.
	Headers []HeaderRecord `json:"headers"`
	// Square is the newest header sampled (nil before the first).
	Square *SquareRecord `json:"square,omitempty"`
	// Peers says which peer served how many samples over Headers.
	Peers []PeerRecord `json:"peers"`
}

// Header statuses in a HeaderRecord besides sampling's verdict statuses.
const (
	headerSampling = "sampling" // an attempt is under way
	headerPending  = "pending"  // not sampled yet
	headerDecided  = "decided"  // decided earlier; its verdict is no longer kept
)

// HeaderRecord is one height of the dashboard's strip.
type HeaderRecord struct {
	Height uint64 `json:"height"`
	// Status is a sampling.Status or one of the Header… constants.
	Status     string  `json:"status"`
	Confidence float64 `json:"confidence"`
	Samples    int     `json:"samples"`
	Verified   int     `json:"verified"`
	Bytes      int64   `json:"bytes"`
	// Peers counts the distinct peers that served its samples.
	Peers int `json:"peers"`
	// Width is the extended square's width 2k (0 before it is sampled).
	Width int `json:"width,omitempty"`
}

// PeerRecord is one peer's share of the samples of the strip's heights.
type PeerRecord struct {
	Peer    string `json:"peer"`
	Samples int    `json:"samples"`
	Bytes   int64  `json:"bytes"`
}

// dashboardSource gives the dashboard its state; Node is one, a test may
// give a frozen one.
type dashboardSource interface {
	DashboardState() DashboardState
}

// dashboardHandler serves the page at "/" and src's state at
// DashboardStatePath, without any token check (the node mounts the two
// behind its JSON-RPC server's checks; see dashboardPages).
func dashboardHandler(src dashboardSource) http.Handler {
	mux := http.NewServeMux()
	mux.Handle("GET /{$}", dashboardPage())
	mux.Handle("GET "+DashboardStatePath, dashboardState(src))
	return mux
}

func dashboardPage() http.Handler {
	sub, err := fs.Sub(dashboardFiles, "dashboard")
	if err != nil {
		panic(err) // the embedded directory is part of the binary
	}
	page, err := fs.ReadFile(sub, "index.html")
	if err != nil {
		panic(err)
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("Content-Security-Policy", "default-src 'self'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src 'self' data:")
		w.Header().Set("Referrer-Policy", "no-referrer")
		w.Write(page)
	})
}

func dashboardState(src dashboardSource) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(src.DashboardState())
	})
}

// dashboardPages are the options that mount the dashboard on the node's
// JSON-RPC server: the page without a token, the state with read.
func (n *Node) dashboardPages() []rpc.Option {
	return []rpc.Option{
		rpc.WithPage("/", "", dashboardPage()),
		rpc.WithPage(DashboardStatePath, "read", dashboardState(n)),
	}
}

// DashboardState assembles the dashboard's state from the node.
func (n *Node) DashboardState() DashboardState {
	st := n.SamplingStats()
	s := DashboardState{
		Time: n.now(), ChainID: n.cfg.ChainID,
		NetworkHead: st.NetworkHead, SampledHead: st.SampledChainHead, CatchUpDone: st.CatchUpDone,
		FullPeers: len(n.fullPeers()), CatchUp: n.CatchUp(), Fraud: n.Fraud(),
	}
	s.Fraud.Proof = nil
	if l := n.LocalHead(); l != nil {
		s.LocalHead = uint64(l.Height())
	}
	recs := n.samplelog.records()
	s.Headers = headerStrip(st, n.Verdicts(), recs)
	for i := len(recs) - 1; i >= 0; i-- {
		if recs[i].Height <= st.NetworkHead {
			s.Square = &recs[i]
			break
		}
	}
	if s.Square != nil && len(s.Headers) > 0 {
		s.Peers = peerShares(recs, s.Headers[0].Height)
	}
	return s
}

// headerStrip builds the strip of the last dashboardStrip heights up to
// the network head from the verdicts and the sample log.
func headerStrip(st sampling.Stats, verdicts []sampling.Verdict, recs []SquareRecord) []HeaderRecord {
	if st.NetworkHead == 0 {
		return nil
	}
	from := uint64(1)
	if st.NetworkHead > dashboardStrip {
		from = st.NetworkHead - dashboardStrip + 1
	}
	byHeight := map[uint64]SquareRecord{}
	for _, r := range recs {
		byHeight[r.Height] = r
	}
	inFlight := map[uint64]bool{}
	for _, w := range st.Workers {
		inFlight[w.Curr] = true
	}
	var out []HeaderRecord
	for h := from; h <= st.NetworkHead; h++ {
		hr := HeaderRecord{Height: h, Status: headerPending}
		if h <= st.SampledChainHead {
			hr.Status = headerDecided
		}
		for _, v := range verdicts { // newest last: the last match wins
			if h >= v.Height && h <= v.To {
				hr.Status, hr.Confidence, hr.Samples, hr.Verified = string(v.Status), v.Confidence, v.Samples, v.Verified
			}
		}
		if inFlight[h] {
			hr.Status = headerSampling
		}
		if r, ok := byHeight[h]; ok {
			hr.Bytes, hr.Width = r.Bytes, r.Width
			peers := map[string]bool{}
			for _, sm := range r.Samples {
				if sm.Peer != "" {
					peers[sm.Peer] = true
				}
			}
			hr.Peers = len(peers)
			if hr.Samples == 0 {
				hr.Samples = len(r.Samples)
			}
		}
		out = append(out, hr)
	}
	return out
}

// peerShares counts each peer's verified samples and bytes over the
// recorded heights from `from` on, most samples first.
func peerShares(recs []SquareRecord, from uint64) []PeerRecord {
	m := map[string]*PeerRecord{}
	for _, r := range recs {
		if r.Height < from {
			continue
		}
		for _, sm := range r.Samples {
			if sm.Peer == "" {
				continue
			}
			p := m[sm.Peer]
			if p == nil {
				p = &PeerRecord{Peer: sm.Peer}
				m[sm.Peer] = p
			}
			p.Samples++
			p.Bytes += int64(sm.Bytes)
		}
	}
	out := make([]PeerRecord, 0, len(m))
	for _, p := range m {
		out = append(out, *p)
	}
	slices.SortFunc(out, func(a, b PeerRecord) int {
		if a.Samples != b.Samples {
			return b.Samples - a.Samples
		}
		if a.Peer < b.Peer {
			return -1
		}
		return 1
	})
	return out
}
