package lightnode

import (
	"slices"
	"sync"
	"time"

	"github.com/libp2p/go-libp2p/core/peer"

	"github.com/quadrant-da/quadrant/da"
	"github.com/quadrant-da/quadrant/sampling"
)

// sampleLogHeights is how many sampled heights the sample log keeps.
const sampleLogHeights = 64

// Sample statuses in a SampleRecord.
const (
	samplePending  = "pending"  // not obtained yet
	sampleVerified = "verified" // obtained and verified down to the data root
	sampleMissing  = "missing"  // a peer was asked and did not serve it
)

// SampleRecord is one sampled coordinate of a header: its place in the
// 2k×2k square, the peer that served it (empty until one did) and its state.
type SampleRecord struct {
	Row    int    `json:"row"`
	Col    int    `json:"col"`
	Peer   string `json:"peer,omitempty"`
	Status string `json:"status"`
	// Bytes is the size of the encoded sample received (0 until then).
	Bytes int `json:"bytes,omitempty"`
}

// SquareRecord is what the light node sampled of one header's square.
type SquareRecord struct {
	Height uint64 `json:"height"`
	// Width is the extended square's width 2k.
	Width   int            `json:"width"`
	Samples []SampleRecord `json:"samples"`
	// Bytes counts the encoded samples received and verified for this
	// height, over every attempt.
	Bytes   int64     `json:"bytes"`
	Started time.Time `json:"started"`
}

// sampleLog records, per sampled height, which coordinates were asked,
// which peer served each and how many bytes came back; it keeps the last
// sampleLogHeights heights. Its zero value is ready; it is safe for
// concurrent use.
type sampleLog struct {
	mu      sync.Mutex
	heights map[uint64]*SquareRecord // guarded by mu
}

// begin records a sampling attempt of height over coords (the same
// coordinates on every attempt of a height: they are derived from the
// node's seed and the header).
func (l *sampleLog) begin(height uint64, width int, coords []sampling.Coord, now time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.heights == nil {
		l.heights = map[uint64]*SquareRecord{}
	}
	r := l.heights[height]
	if r == nil || len(r.Samples) != len(coords) {
		r = &SquareRecord{Height: height, Width: width, Samples: make([]SampleRecord, len(coords))}
		l.heights[height] = r
	}
	r.Started = now
	for i, c := range coords {
		if r.Samples[i].Status != sampleVerified {
			r.Samples[i] = SampleRecord{Row: c.Row, Col: c.Col, Status: samplePending}
		}
	}
	for len(l.heights) > sampleLogHeights {
		delete(l.heights, slices.Min(mapKeys(l.heights)))
	}
}

// served records one answer of p for the coordinate indices idx of height:
// samples[j] answers idx[j] (nil: not served); a failed request (err)
// marks them all missing.
func (l *sampleLog) served(height uint64, p peer.ID, idx []int, samples []*da.Sample, err error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	r := l.heights[height]
	if r == nil {
		return
	}
	for j, i := range idx {
		if i < 0 || i >= len(r.Samples) || r.Samples[i].Status == sampleVerified {
			continue
		}
		if err != nil || j >= len(samples) || samples[j] == nil {
			r.Samples[i].Status = sampleMissing
			continue
		}
		r.Samples[i].Status, r.Samples[i].Peer = sampleVerified, p.String()
		if b, merr := samples[j].Marshal(); merr == nil {
			r.Samples[i].Bytes = len(b)
			r.Bytes += int64(len(b))
		}
	}
}

// records returns copies of the kept records, by increasing height.
func (l *sampleLog) records() []SquareRecord {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := make([]SquareRecord, 0, len(l.heights))
	for _, r := range l.heights {
		c := *r
		c.Samples = slices.Clone(r.Samples)
		out = append(out, c)
	}
	slices.SortFunc(out, func(a, b SquareRecord) int { return cmpU64(a.Height, b.Height) })
	return out
}

func mapKeys[V any](m map[uint64]V) []uint64 {
	out := make([]uint64, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}

func cmpU64(a, b uint64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// SampleLog returns what the node sampled of its last sampled heights (at
// most 64), by increasing height: per coordinate, the peer that served it.
func (n *Node) SampleLog() []SquareRecord { return n.samplelog.records() }
