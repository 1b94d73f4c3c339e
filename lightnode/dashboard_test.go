package lightnode_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/quadrant-da/quadrant/lightnode"
	"github.com/quadrant-da/quadrant/rpc"
)

type frozenSource struct{ st lightnode.DashboardState }

func (f frozenSource) DashboardState() lightnode.DashboardState { return f.st }

// frozenState is a light node caught up to height 40 with an unavailable
// height, one being sampled, and a 16×16 square at height 40 whose samples
// came from two peers (one coordinate still missing).
func frozenState() lightnode.DashboardState {
	st := lightnode.DashboardState{
		Time: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC), ChainID: "frozen",
		NetworkHead: 40, LocalHead: 39, SampledHead: 37, FullPeers: 3,
		Fraud:   lightnode.FraudStatus{Message: "no fraud proof received"},
		CatchUp: lightnode.CatchUpProgress{Sampling: lightnode.Progress{From: 1, Done: 37, Target: 40, Percent: 92.3, Rate: 2.5, ETASeconds: 2}},
	}
	for h := uint64(31); h <= 40; h++ {
		hr := lightnode.HeaderRecord{Height: h, Status: "available", Confidence: 0.9375, Samples: 16, Verified: 16, Bytes: 16 * 1000, Peers: 2}
		switch h {
		case 38:
			hr.Status, hr.Confidence, hr.Verified, hr.Bytes = "unavailable", 0.5, 12, 12000
		case 39:
			hr.Status, hr.Confidence, hr.Verified = lightnode.HeaderSampling, 0, 0
		}
		st.Headers = append(st.Headers, hr)
	}
	sq := &lightnode.SquareRecord{Height: 40, Width: 16, Bytes: 15 * 1100}
	for i := range 16 {
		s := lightnode.SampleRecord{Row: (i * 5) % 16, Col: (i*11 + 3) % 16, Status: lightnode.SampleVerified, Bytes: 1100, Peer: "12D3KooWAlpha"}
		if i%3 == 0 {
			s.Peer = "12D3KooWBeta"
		}
		if i == 7 {
			s.Status, s.Peer, s.Bytes = lightnode.SampleMissing, "", 0
		}
		sq.Samples = append(sq.Samples, s)
	}
	st.Square = sq
	st.Peers = []lightnode.PeerRecord{{Peer: "12D3KooWAlpha", Samples: 10, Bytes: 11000}, {Peer: "12D3KooWBeta", Samples: 5, Bytes: 5500}}
	return st
}

// TestDashboardShowsFrozenState: in a real headless Chromium, the
// dashboard's numbers equal a frozen state's and its square draws exactly
// the sampled coordinates, each with its status and peer.
func TestDashboardShowsFrozenState(t *testing.T) {
	ctx := newBrowser(t)
	st := frozenState()
	srv := httptest.NewServer(lightnode.DashboardHandler(frozenSource{st}))
	defer srv.Close()
	if err := chromedpNavigate(ctx, srv.URL+"/"); err != nil {
		t.Fatal(err)
	}
	pollPage(t, ctx, "the first render", `document.body.dataset.renders >= 1`)
	v := readView(t, ctx)
	if v.NetworkHead != "40" || v.LocalHead != "39" || v.SampledHead != "37" || v.FullPeers != "3" || v.Fraud != "false" || v.CatchUp != "92.3% · 2.5/s · ETA 2s" {
		t.Fatalf("heads on the page: %+v", v)
	}
	if len(v.Strip) != len(st.Headers) {
		t.Fatalf("strip has %d cells, want %d", len(v.Strip), len(st.Headers))
	}
	for i, c := range v.Strip {
		h := st.Headers[i]
		if c.Height != itoa(h.Height) || c.Status != h.Status || c.Confidence != jsonNumber(h.Confidence) || c.Bytes != itoa(h.Bytes) || c.Peers != itoa(h.Peers) {
			t.Errorf("strip cell %d = %+v, want %+v", i, c, h)
		}
	}
	if v.SquareHeight != "40" || v.SquareWidth != "16" {
		t.Fatalf("square of height %q width %q, want 40 and 16", v.SquareHeight, v.SquareWidth)
	}
	var got, want []string
	for _, s := range v.Samples {
		got = append(got, fmt.Sprintf("%s,%s %s %s", s.Row, s.Col, s.Status, s.Peer))
	}
	for _, s := range st.Square.Samples {
		want = append(want, fmt.Sprintf("%d,%d %s %s", s.Row, s.Col, s.Status, s.Peer))
	}
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Fatalf("square draws\n%v\nwant the sampled coordinates\n%v", got, want)
	}
	if len(v.Peers) != 2 || v.Peers[0].Peer != "12D3KooWAlpha" || v.Peers[0].Samples != "10" || v.Peers[0].Bytes != "11000" ||
		v.Peers[1].Peer != "12D3KooWBeta" || v.Peers[1].Samples != "5" {
		t.Fatalf("peers table %+v, want %+v", v.Peers, st.Peers)
	}
	screenshot(t, ctx, "dashboard-frozen.png")

	// A node that accepted a fraud proof says so.
	st.Fraud = lightnode.FraudStatus{Fraudulent: true, Height: 38, Message: "bad encoding at height 38"}
	fraud := httptest.NewServer(lightnode.DashboardHandler(frozenSource{st}))
	defer fraud.Close()
	if err := chromedpNavigate(ctx, fraud.URL+"/"); err != nil {
		t.Fatal(err)
	}
	pollPage(t, ctx, "the fraud status", `document.getElementById("fraud").dataset.fraudulent == "true" &&
		document.getElementById("fraud-text").textContent == "FRAUD at 38"`)
}

// TestDashboardFollowsLiveNode: a light node syncing from a full node
// serves the dashboard on its RPC address; the state needs a read token
// (the page does not); the page, opened with the token in its fragment,
// follows the network head as new heights arrive and draws the newest
// square's samples, all verified, with the peer that served each.
func TestDashboardFollowsLiveNode(t *testing.T) {
	ctx := newBrowser(t)
	const id, k = "dashboard-live", 4
	_, blocks := chain(t, id, 12, k)
	f, src := serve(t, id, blocks[:6])
	home := t.TempDir()
	n := startLight(t, lightConfig(home, id, blocks[0].hdr, f))
	base := "http://" + n.RPCAddr()

	if code := httpStatus(t, base+lightnode.DashboardStatePath, ""); code != http.StatusUnauthorized {
		t.Fatalf("state without a token: %d, want 401", code)
	}
	if code := httpStatus(t, base+"/", ""); code != http.StatusOK {
		t.Fatalf("page without a token: %d, want 200", code)
	}
	secret, err := rpc.LoadOrCreateSecret(filepath.Join(home, rpc.SecretFile))
	if err != nil {
		t.Fatal(err)
	}
	perms, err := rpc.PermsForLevel("read")
	if err != nil {
		t.Fatal(err)
	}
	token, err := rpc.NewToken(secret, perms, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	if code := httpStatus(t, base+lightnode.DashboardStatePath, token); code != http.StatusOK {
		t.Fatalf("state with a read token: %d, want 200", code)
	}
	if err := chromedpNavigate(ctx, base+"/#token="+token); err != nil {
		t.Fatal(err)
	}
	pollPage(t, ctx, "network head 6 and its square sampled",
		`document.body.dataset.networkHead == "6" && document.getElementById("square").dataset.height == "6"`)
	for _, b := range blocks[6:] {
		if err := src.Store.Put(context.Background(), b.hdr, b.eds); err != nil {
			t.Fatal(err)
		}
	}
	pollPage(t, ctx, "network head 12 with every sample of its square verified",
		`document.body.dataset.networkHead == "12" && document.getElementById("square").dataset.height == "12" &&
		 [...document.querySelectorAll("#square rect.sample")].every(r => r.dataset.status == "verified") &&
		 document.getElementById("sampled-head").textContent == "12"`)
	v := readView(t, ctx)
	st := n.DashboardState()
	if st.Square == nil || st.Square.Height != 12 || len(v.Samples) != len(st.Square.Samples) {
		t.Fatalf("page draws %d samples of height %s; the node sampled %+v", len(v.Samples), v.SquareHeight, st.Square)
	}
	for _, hr := range st.Headers {
		if hr.Height == 12 && hr.Width != st.Square.Width {
			t.Errorf("strip says height 12 is %d wide, its square record %d", hr.Width, st.Square.Width)
		}
	}
	for i, s := range v.Samples {
		w := st.Square.Samples[i]
		if s.Row != strconv.Itoa(w.Row) || s.Col != strconv.Itoa(w.Col) || s.Peer != f.ID().String() {
			t.Errorf("sample %d on the page %+v, the node's %+v (served by %s)", i, s, w, f.ID())
		}
	}
	if len(v.Peers) != 1 || v.Peers[0].Peer != f.ID().String() {
		t.Errorf("peers table %+v, want the one full node %s", v.Peers, f.ID())
	}
	screenshot(t, ctx, "dashboard-live.png")
}

func httpStatus(t *testing.T, url, token string) int {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, url, nil)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode
}
