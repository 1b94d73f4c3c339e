package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	rpchttp "github.com/cometbft/cometbft/rpc/client/http"
	"github.com/spf13/cobra"

	"github.com/quadrant-da/quadrant/fullnode"
	"github.com/quadrant-da/quadrant/lightnode"
	"github.com/quadrant-da/quadrant/rpc"
	"github.com/quadrant-da/quadrant/validator"
)

// nodeStatus is one node's line of `quadrant status`. Height is the chain
// height a validator or full node has, and the sampled head for a light
// node. OK is false when the node does not answer, has halted, or lags the
// first validator by more than maxLag heights.
type nodeStatus struct {
	Name     string `json:"name"`
	Role     string `json:"role"`
	Endpoint string `json:"endpoint"`
	Height   int64  `json:"height"`
	Peers    int    `json:"peers,omitempty"`
	State    string `json:"state"`
	OK       bool   `json:"ok"`
	Error    string `json:"error,omitempty"`
	// CatchUp is a light node's header sync and sampling progress
	// (percent, heights per second, ETA).
	CatchUp *lightnode.CatchUpProgress `json:"catch_up,omitempty"`
	// Dashboard is a light node's dashboard page (it asks for a read
	// token: `quadrant auth read --home <light home>`).
	Dashboard string `json:"dashboard,omitempty"`
}

// maxLag is how many heights behind the first validator a node may be and
// still count as keeping up.
const maxLag = 10

// statusTimeout bounds each node's answer.
const statusTimeout = 3 * time.Second

func newStatusCmd() *cobra.Command {
	var (
		home   string
		asJSON bool
	)
	cmd := &cobra.Command{
		Use:   "status",
		Short: "Show every node of a devnet home (or the one node of a node home): role, height, peers, state",
		Long: `status asks each node of a devnet home (validators, the bridge full node,
the light node), or the one node of a validator, full or light node home,
for its height and state, and prints one line per node (--json: an array of
objects with name, role, endpoint, height, peers, state, ok, error). A light
node's height is its sampled head. Peers are a validator's consensus peers,
and the full-node peers a light node samples from or a full node found by
discovery. While a light node catches up its state shows the
percent, rate and ETA, and --json adds catch_up (headers and sampling:
from, done, target, percent, rate, eta_seconds, caught_up) and the URL of
its dashboard. It exits non-zero when a node is down,
halted, or more than 10 heights behind the first validator.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			nodes, err := statusOf(cmd.Context(), home)
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			if asJSON {
				if err := json.NewEncoder(out).Encode(nodes); err != nil {
					return err
				}
			} else {
				printStatus(out, nodes)
			}
			bad := 0
			for _, n := range nodes {
				if !n.OK {
					bad++
				}
			}
			if bad > 0 {
				return fmt.Errorf("%d of %d nodes down, halted or behind", bad, len(nodes))
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&home, "home", clientHome(), "a devnet home, or a validator, full or light node home ($QUADRANT_HOME)")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print a JSON array, one object per node")
	return cmd
}

// statusOf asks every node found in home.
func statusOf(ctx context.Context, home string) ([]nodeStatus, error) {
	var nodes []nodeStatus
	if m, err := loadManifest(home); err == nil {
		for _, v := range m.Validators {
			nodes = append(nodes, validatorStatus(ctx, v.Name, v.RPC))
		}
		for _, f := range m.FullNodes {
			nodes = append(nodes, fullStatus(ctx, f.Name, f.Metrics))
		}
		if l, ok := devnetLightNode(m); ok {
			nodes = append(nodes, lightStatus(ctx, l.name, l.home, "http://"+l.rpcAddr))
		}
	} else if cfg, err := validator.LoadNodeConfig(home); err == nil {
		nodes = append(nodes, validatorStatus(ctx, cfg.Moniker, "http://"+stripScheme(cfg.RPC.ListenAddress)))
	} else if cfg, err := fullnode.LoadConfig(home); err == nil && fileExists(fullnode.ConfigPath(home)) {
		nodes = append(nodes, fullStatus(ctx, filepath.Base(home), "http://"+cfg.Metrics.ListenAddress+"/metrics"))
	} else if cfg, err := lightnode.LoadConfig(home); err == nil && fileExists(filepath.Join(home, lightnode.ConfigFileName)) {
		nodes = append(nodes, lightStatus(ctx, filepath.Base(home), home, "http://"+cfg.RPC.ListenAddr))
	} else {
		return nil, fmt.Errorf("%s holds no devnet (devnet.json) and no node configuration (config.toml, %s or %s)", home, fullnode.ConfigFileName, lightnode.ConfigFileName)
	}
	// A node far behind the first validator is not keeping up.
	if len(nodes) > 1 && nodes[0].Role == "validator" && nodes[0].OK {
		for i := range nodes[1:] {
			n := &nodes[i+1]
			if n.OK && nodes[0].Height-n.Height > maxLag {
				n.OK = false
				n.Error = fmt.Sprintf("%d heights behind %s", nodes[0].Height-n.Height, nodes[0].Name)
			}
		}
	}
	return nodes, nil
}

func validatorStatus(ctx context.Context, name, url string) nodeStatus {
	s := nodeStatus{Name: name, Role: "validator", Endpoint: url}
	ctx, cancel := context.WithTimeout(ctx, statusTimeout)
	defer cancel()
	c, err := rpchttp.New(url, "/websocket")
	if err == nil {
		res, serr := c.Status(ctx)
		if err = serr; err == nil {
			s.Height = res.SyncInfo.LatestBlockHeight
			s.State = "synced"
			if res.SyncInfo.CatchingUp {
				s.State = "catching up"
			}
			if ni, nerr := c.NetInfo(ctx); nerr == nil {
				s.Peers = ni.NPeers
			}
			s.OK = true
			return s
		}
	}
	s.State, s.Error = "down", err.Error()
	return s
}

// fullStatus reads a full node's Prometheus metrics: its stored head and
// whether ingestion halted.
func fullStatus(ctx context.Context, name, metricsURL string) nodeStatus {
	s := nodeStatus{Name: name, Role: "full", Endpoint: metricsURL}
	body, err := httpGet(ctx, metricsURL)
	if err != nil {
		s.State, s.Error = "down", err.Error()
		return s
	}
	s.Height = int64(metricValue(body, "quadrant_full_head_height"))
	s.Peers = int(metricValue(body, "quadrant_full_discovered_full_peers"))
	s.State, s.OK = "ingesting", true
	if metricValue(body, "quadrant_full_ingestion_halted") > 0 {
		s.State, s.OK, s.Error = "halted", false, "ingestion halted: see the node's log for the alert"
	}
	return s
}

// lightStatus asks a light node's das.SamplingStats with a read token
// minted from the secret in its home.
func lightStatus(ctx context.Context, name, home, url string) nodeStatus {
	s := nodeStatus{Name: name, Role: "light", Endpoint: url}
	var stats struct {
		SampledHead uint64 `json:"head_of_sampled_chain"`
		NetworkHead uint64 `json:"network_head_height"`
		CatchUpDone bool   `json:"catch_up_done"`
		IsRunning   bool   `json:"is_running"`
	}
	err := lightCall(ctx, home, url, "das.SamplingStats", &stats)
	if err != nil {
		s.State, s.Error = "down", err.Error()
		return s
	}
	s.Height = int64(stats.SampledHead)
	s.Dashboard = url + "/"
	var dash struct {
		FullPeers int `json:"full_peers"`
	}
	if err := lightGet(ctx, home, url+lightnode.DashboardStatePath, &dash); err == nil {
		s.Peers = dash.FullPeers
	}
	var cu lightnode.CatchUpProgress
	if err := lightCall(ctx, home, url, "catchup.Progress", &cu); err == nil {
		s.CatchUp = &cu
	}
	switch {
	case !stats.IsRunning:
		s.State, s.Error = "stopped", "sampling is not running (fraud proof, or stopping)"
	case stats.CatchUpDone:
		s.State, s.OK = fmt.Sprintf("sampling (network head %d)", stats.NetworkHead), true
	default:
		s.State, s.OK = fmt.Sprintf("catching up to %d%s", stats.NetworkHead, catchUpText(s.CatchUp)), true
	}
	return s
}

// readToken mints a read token from the secret in a light node's home.
func readToken(home string) (string, error) {
	secret, err := rpc.LoadOrCreateSecret(filepath.Join(home, rpc.SecretFile))
	if err != nil {
		return "", err
	}
	return authToken(secret, "read")
}

// lightGet reads the JSON a light node serves at url (its dashboard state)
// with a read token.
func lightGet(ctx context.Context, home, url string, out any) error {
	token, err := readToken(home)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, statusTimeout)
	defer cancel()
	hr, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	hr.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(hr)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: %s", url, resp.Status)
	}
	return json.NewDecoder(io.LimitReader(resp.Body, 4<<20)).Decode(out)
}

func lightCall(ctx context.Context, home, url, method string, out any) error {
	token, err := readToken(home)
	if err != nil {
		return err
	}
	req, _ := json.Marshal(map[string]any{"jsonrpc": "2.0", "id": 1, "method": method, "params": []any{}})
	ctx, cancel := context.WithTimeout(ctx, statusTimeout)
	defer cancel()
	hr, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(req))
	if err != nil {
		return err
	}
	hr.Header.Set("Content-Type", "application/json")
	hr.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(hr)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	var reply struct {
		Result json.RawMessage `json:"result"`
		Error  *struct {
			Message string `json:"message"`
		} `json:"error"`
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(&reply); err != nil {
		return fmt.Errorf("%s: %s: %w", method, resp.Status, err)
	}
	if reply.Error != nil {
		return fmt.Errorf("%s: %s", method, reply.Error.Message)
	}
	return json.Unmarshal(reply.Result, out)
}

func httpGet(ctx context.Context, url string) ([]byte, error) {
	ctx, cancel := context.WithTimeout(ctx, statusTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, errors.New(resp.Status)
	}
	return io.ReadAll(io.LimitReader(resp.Body, 4<<20))
}

// metricValue returns the value of an unlabelled metric in Prometheus's
// text format, or 0.
func metricValue(body []byte, name string) float64 {
	for _, line := range strings.Split(string(body), "\n") {
		if rest, ok := strings.CutPrefix(line, name+" "); ok {
			v, err := strconv.ParseFloat(strings.TrimSpace(rest), 64)
			if err == nil {
				return v
			}
		}
	}
	return 0
}

func printStatus(w io.Writer, nodes []nodeStatus) {
	fmt.Fprintf(w, "%-12s %-9s %8s %5s  %-4s %s\n", "NODE", "ROLE", "HEIGHT", "PEERS", "OK", "STATE")
	for _, n := range nodes {
		ok := "yes"
		if !n.OK {
			ok = "NO"
		}
		state := n.State
		if n.Error != "" {
			state += ": " + n.Error
		}
		fmt.Fprintf(w, "%-12s %-9s %8d %5d  %-4s %s\n", n.Name, n.Role, n.Height, n.Peers, ok, state)
	}
}

// catchUpText is the progress part of a catching-up light node's state:
// sampling's percent, rate and ETA, and header sync's while it is behind.
func catchUpText(cu *lightnode.CatchUpProgress) string {
	if cu == nil {
		return ""
	}
	one := func(what string, p lightnode.Progress) string {
		eta := "unknown"
		if p.ETASeconds >= 0 {
			eta = (time.Duration(p.ETASeconds) * time.Second).String()
		}
		return fmt.Sprintf("%s %.1f%%, %.1f/s, ETA %s", what, p.Percent, p.Rate, eta)
	}
	out := ": " + one("sampled", cu.Sampling)
	if !cu.Headers.CaughtUp && cu.Headers.Target > 0 {
		out += "; " + one("headers", cu.Headers)
	}
	return out
}

func fileExists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}
