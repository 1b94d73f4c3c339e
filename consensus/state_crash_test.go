package consensus

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"

	abci "github.com/cometbft/cometbft/abci/types"
	"github.com/quadrant-da/quadrant/chain"
)

const crashDirEnv = "QUADRANT_CONSENSUS_CRASH_DIR"

// TestHelperCommitLoop is not a test on its own: TestSurvivesSIGKILL runs it
// in a child process that commits blocks until it is killed.
func TestHelperCommitLoop(t *testing.T) {
	dir := os.Getenv(crashDirEnv)
	if dir == "" {
		t.Skip("helper process for TestSurvivesSIGKILL")
	}
	app := newTestApp(t, dir, genesisFor(chain.DefaultParams(), alice, bob))
	for h := int64(1); h <= 1000; h++ {
		_, fin := produceBlock(t, app, h, mempoolFor(t, h))
		fmt.Printf("committed %d %X\n", h, fin.AppHash)
	}
}

// TestSurvivesSIGKILL kills a process that is committing blocks to a Pebble
// store and checks that the store reopens at a whole block — its app hash,
// recomputed from the stored accounts at load, equals the reference chain's
// at that height — and that the chain continues from there.
func TestSurvivesSIGKILL(t *testing.T) {
	if testing.Short() {
		t.Skip("spawns a process")
	}
	g := genesisFor(chain.DefaultParams(), alice, bob)
	const killAfter = 6
	ref := newTestApp(t, "", g)
	refHashes := map[int64][]byte{}
	for h := int64(1); h <= killAfter+3; h++ {
		_, fin := produceBlock(t, ref, h, mempoolFor(t, h))
		refHashes[h] = fin.AppHash
	}

	dir := t.TempDir()
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperCommitLoop$", "-test.count=1")
	cmd.Env = append(os.Environ(), crashDirEnv+"="+dir)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	last := int64(0)
	sc := bufio.NewScanner(out)
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) != 3 || f[0] != "committed" {
			continue
		}
		last, _ = strconv.ParseInt(f[1], 10, 64)
		if want := fmt.Sprintf("%X", refHashes[last]); f[2] != want {
			t.Errorf("child height %d app hash %s, reference %s", last, f[2], want)
		}
		if last == killAfter {
			break
		}
	}
	if err := cmd.Process.Kill(); err != nil { // SIGKILL
		t.Fatal(err)
	}
	_ = cmd.Wait()
	if last != killAfter {
		t.Fatalf("child stopped at height %d before being killed", last)
	}

	app := reopen(t, dir) // load recomputes and checks the app hash
	info, _ := app.Info(context.Background(), &abci.RequestInfo{})
	h := info.LastBlockHeight
	if h < killAfter || h > killAfter+2 {
		t.Fatalf("after SIGKILL at height %d the store is at height %d", killAfter, h)
	}
	if !bytes.Equal(info.LastBlockAppHash, refHashes[h]) {
		t.Fatalf("height %d app hash %X, reference %X", h, info.LastBlockAppHash, refHashes[h])
	}
	// CometBFT would now replay the next block; the chain continues.
	res, err := app.FinalizeBlock(context.Background(), &abci.RequestFinalizeBlock{Txs: blockTxsFor(t, ref, h+1), Height: h + 1})
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(res.AppHash, refHashes[h+1]) {
		t.Fatalf("replayed height %d app hash %X, reference %X", h+1, res.AppHash, refHashes[h+1])
	}
}

// blockTxsFor returns the block a fresh proposer over genesis would build
// at height h from mempoolFor(h): the same txs plus their data-root tx.
func blockTxsFor(t *testing.T, app *App, h int64) [][]byte {
	t.Helper()
	app.stateMu.RLock()
	params := app.committed.Params
	app.stateMu.RUnlock()
	// The reference app is ahead; build the square from the txs alone.
	txs := mempoolFor(t, h)
	return honestBlock(t, params, txs)
}
