package lightnode_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// browserDeadline bounds each wait for the page to show a state.
const browserDeadline = 60 * time.Second

// chromiumPath finds a Chromium or Chrome binary ($QUADRANT_CHROMIUM
// first). Without one the test skips, unless CI is set: CI must run it.
func chromiumPath(t *testing.T) string {
	t.Helper()
	names := []string{os.Getenv("QUADRANT_CHROMIUM"), "chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "headless_shell"}
	for _, n := range names {
		if n == "" {
			continue
		}
		if p, err := exec.LookPath(n); err == nil {
			return p
		}
	}
	if ci := os.Getenv("CI"); ci != "" && ci != "false" && ci != "0" {
		t.Fatal("no chromium binary found (looked for $QUADRANT_CHROMIUM, chromium, chromium-browser, google-chrome, headless_shell) and CI is set: install the Debian package chromium")
	}
	t.Skip("no chromium binary found: install the Debian package chromium (apt-get install -y chromium) to run the dashboard's browser test")
	return ""
}

// newBrowser starts a headless Chromium for the test and returns a tab.
func newBrowser(t *testing.T) context.Context {
	t.Helper()
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromiumPath(t)),
		chromedp.NoSandbox, // tests run as root in CI containers
		chromedp.DisableGPU,
		chromedp.WindowSize(1280, 1000),
	)
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(actx)
	t.Cleanup(func() { cancel(); cancelAlloc() })
	if err := chromedp.Do(ctx); err != nil { // starts the browser
		t.Fatalf("start chromium: %v", err)
	}
	return ctx
}

// pollPage waits until the JavaScript expression is truthy.
func pollPage(t *testing.T, ctx context.Context, what, expr string) {
	t.Helper()
	if _, err := chromedp.Run(ctx, chromedp.Poll[chromedp.Void](expr,
		chromedp.WithPollingInterval(100*time.Millisecond), chromedp.WithPollingTimeout(browserDeadline))); err != nil {
		t.Fatalf("waiting for %s (%s): %v", what, expr, err)
	}
}

// pageView is what the dashboard shows, read back from its DOM.
type pageView struct {
	NetworkHead, LocalHead, SampledHead, FullPeers, Fraud, CatchUp string
	Strip                                                          []struct {
		Height, Status, Confidence, Bytes, Peers string
	}
	SquareHeight, SquareWidth string
	Samples                   []struct{ Row, Col, Status, Peer string }
	Peers                     []struct{ Peer, Samples, Bytes string }
}

const readPage = `(() => {
  const t = (id) => document.getElementById(id).textContent;
  const sq = document.getElementById("square");
  return {
    NetworkHead: t("network-head"), LocalHead: t("local-head"), SampledHead: t("sampled-head"), FullPeers: t("full-peers"),
    Fraud: document.getElementById("fraud").dataset.fraudulent, CatchUp: t("catchup"),
    Strip: [...document.querySelectorAll("#strip .cell")].map(c => ({Height: c.dataset.height, Status: c.dataset.status,
      Confidence: c.dataset.confidence, Bytes: c.dataset.bytes, Peers: c.dataset.peers})),
    SquareHeight: sq.dataset.height || "", SquareWidth: sq.dataset.width || "",
    Samples: [...sq.querySelectorAll("rect.sample")].map(r => ({Row: r.dataset.row, Col: r.dataset.col,
      Status: r.dataset.status, Peer: r.dataset.peer})),
    Peers: [...document.querySelectorAll("#peers tbody tr")].map(r => ({Peer: r.dataset.peer,
      Samples: r.dataset.samples, Bytes: r.dataset.bytes})),
  };
})()`

func readView(t *testing.T, ctx context.Context) pageView {
	t.Helper()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[pageView](readPage))
	if err != nil {
		t.Fatalf("read the page: %v", err)
	}
	return v
}

// screenshot saves the page as a PNG under $QUADRANT_SCREENSHOT_DIR (a
// temporary directory by default) and logs the path.
func screenshot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	dir := os.Getenv("QUADRANT_SCREENSHOT_DIR")
	if dir == "" {
		dir = t.TempDir()
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatalf("screenshot: %v", err)
	}
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, png, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("dashboard screenshot: %s", path)
}

func itoa[T ~int | ~int64 | ~uint64](v T) string { return fmt.Sprint(v) }

func jsonNumber(f float64) string {
	b, _ := json.Marshal(f)
	return strings.TrimSpace(string(b))
}

func chromedpNavigate(ctx context.Context, url string) error {
	if err := chromedp.Do(ctx, chromedp.Navigate(url)); err != nil {
		return fmt.Errorf("open %s: %w", url, err)
	}
	return nil
}
