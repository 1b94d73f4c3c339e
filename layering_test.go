// Package quadrant_test keeps Quadrant's import graph honest:
// imports only point down the layering, pure packages stay pure, and the
// light node never links the consensus engine.
package quadrant_test

import (
	"context"
	"encoding/json"
	"go/ast"
	"go/parser"
	"go/token"
	"io"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/quadrant-da/quadrant/fullnode"
	"github.com/quadrant-da/quadrant/lightnode"
	"github.com/quadrant-da/quadrant/p2p"
)

const module = "github.com/quadrant-da/quadrant"

// layers lists Quadrant's packages from the top down; a package may import
// only packages that come after it, minus its explicit exclusions.
var layers = []string{
	"cmd/quadrant",
	"relay",
	"rollup-adapter",
	"lightnode",
	"fullnode",
	"rpc",
	"validator",
	"wallet",
	"consensus",
	"contracts",
	"coreapi",
	"chain",
	"discovery",
	"manifest",
	"p2p",
	"sampling",
	"blobs",
	"da",
	"erasure",
	"internal/pebblex",
	"internal/promx",
	"internal/pause",
	"internal/wire",
}

// forbidden maps a package to Quadrant packages it must not import even
// though they sit below it.
var forbidden = map[string][]string{
	"rollup-adapter": {"consensus", "validator"},
	"lightnode":      {"fullnode", "consensus", "validator", "wallet"},
	"fullnode":       {"lightnode", "consensus", "validator", "wallet"},
	"rpc":            {"consensus", "validator", "wallet"},
	"wallet":         {"consensus"},
	"consensus":      {"coreapi", "p2p", "sampling"},
	"blobs":          {"sampling"},
	"contracts":      {"p2p", "sampling"},
	"relay":          {"consensus", "validator", "lightnode", "fullnode", "wallet"},
}

// clients are the packages that submit to or read from a validator without
// being one: they must not link the consensus engine (clientEngine), so a
// rollup's adapter or a wallet stays small and has none of the engine's
// state to corrupt.
var clients = []string{"rollup-adapter", "wallet", "coreapi", "chain"}

// clientEngine is what "linking the engine" means for a client.
var clientEngine = []string{
	"github.com/cometbft/cometbft/node",
	"github.com/cometbft/cometbft/state",
	"github.com/cometbft/cometbft/mempool",
	"github.com/cometbft/cometbft/consensus",
	"github.com/cometbft/cometbft/internal/consensus",
}

// pure packages (and their sub-packages) take no network, disk, engine or
// global-state dependencies.
var pure = []string{"erasure", "da", "blobs", "sampling", "chain", "contracts/blobstream", "internal/wire"}

// impureImports are standard packages a pure package must not import
// directly: network, disk, processes, randomness from the OS, global loggers.
var impureImports = []string{"net", "net/http", "os", "os/exec", "crypto/rand", "log", "log/slog"}

// impureDeps are import path prefixes a pure package must not depend on at
// all, even indirectly.
var impureDeps = []string{
	"github.com/libp2p/",
	"github.com/ipfs/go-datastore",
	"github.com/cockroachdb/pebble",
	"github.com/cometbft/cometbft/node",
	"github.com/cometbft/cometbft/consensus",
	"github.com/cometbft/cometbft/internal/consensus",
	"github.com/cometbft/cometbft/mempool",
	"github.com/cometbft/cometbft/p2p",
	"github.com/cometbft/cometbft/rpc",
	"github.com/cometbft/cometbft/state",
	"github.com/cometbft/cometbft/store",
}

// ethereumUsers are the only packages that may link go-ethereum: the
// generated contract bindings and the relay that submits through them,
// and the validator side — consensus signs and recovers attestation
// signatures with go-ethereum's crypto, so validator and cmd/quadrant
// link it too. Everything else — the light node, the full node and the
// rollup adapter first — stays free of it, which also keeps it out of the
// conformance module, where go-ethereum is replaced by op-geth.
var ethereumUsers = []string{"contracts/bindings", "relay", "consensus", "validator", "cmd/quadrant"}

// engine is what "linking the consensus engine" means for the light node.
var engine = []string{
	"github.com/cometbft/cometbft/node",
	"github.com/cometbft/cometbft/consensus",
	"github.com/cometbft/cometbft/internal/consensus",
	"github.com/cometbft/cometbft/mempool",
	"github.com/cometbft/cometbft/state",
	"github.com/cometbft/cometbft/store",
}

type listedPackage struct {
	ImportPath     string
	Dir            string
	Imports        []string
	Deps           []string
	GoFiles        []string
	CgoFiles       []string
	IgnoredGoFiles []string // other platforms' files: hand-written all the same
}

func listPackages(t *testing.T) map[string]listedPackage {
	t.Helper()
	cmd := exec.Command("go", "list", "-json", "./...")
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	dec := json.NewDecoder(strings.NewReader(string(out)))
	pkgs := map[string]listedPackage{}
	for {
		var p listedPackage
		if err := dec.Decode(&p); err == io.EOF {
			break
		} else if err != nil {
			t.Fatalf("decode go list output: %v", err)
		}
		pkgs[strings.TrimPrefix(strings.TrimPrefix(p.ImportPath, module), "/")] = p
	}
	return pkgs
}

// layerOf returns the layer index of a Quadrant package (sub-packages
// belong to their top-level package's layer), or -1.
func layerOf(rel string) int {
	for i, l := range layers {
		if rel == l || strings.HasPrefix(rel, l+"/") {
			return i
		}
	}
	return -1
}

func hasPrefixAny(path string, prefixes []string) bool {
	for _, p := range prefixes {
		if path == p || strings.HasPrefix(path, strings.TrimSuffix(p, "/")+"/") {
			return true
		}
	}
	return false
}

func TestImportsPointDown(t *testing.T) {
	pkgs := listPackages(t)
	for rel, p := range pkgs {
		li := layerOf(rel)
		if li < 0 {
			continue
		}
		for _, imp := range p.Imports {
			if strings.HasPrefix(imp, "github.com/celestiaorg/") {
				t.Errorf("%s imports %s: the Celestia libraries are test oracles, allowed only in bench/ and conformance/", rel, imp)
			}
			if !strings.HasPrefix(imp, module+"/") {
				continue
			}
			dep := strings.TrimPrefix(imp, module+"/")
			di := layerOf(dep)
			switch {
			case di < 0:
				t.Errorf("%s imports %s, which is not in the layering (layers above)", rel, dep)
			case di < li:
				t.Errorf("%s imports %s: imports must point down the layering", rel, dep)
			case di == li && !strings.HasPrefix(rel, dep+"/") && !strings.HasPrefix(dep, layers[li]+"/"):
				t.Errorf("%s imports %s, a package beside it", rel, dep)
			case hasPrefixAny(dep, forbidden[layers[li]]):
				t.Errorf("%s must not import %s (forbidden above)", rel, dep)
			}
		}
	}
}

func TestPurePackagesStayPure(t *testing.T) {
	pkgs := listPackages(t)
	for rel, p := range pkgs {
		li := layerOf(rel)
		if li < 0 || !hasPrefixAny(rel, pure) {
			continue
		}
		for _, d := range p.Deps {
			if hasPrefixAny(d, impureDeps) {
				t.Errorf("pure package %s depends on %s", rel, d)
			}
		}
		for _, imp := range p.Imports {
			for _, bad := range impureImports {
				if imp == bad {
					t.Errorf("pure package %s imports %s", rel, imp)
				}
			}
		}
	}
}

func TestLightNodeDoesNotLinkConsensusEngine(t *testing.T) {
	pkgs := listPackages(t)
	for rel, p := range pkgs {
		if layerOf(rel) != layerOf("lightnode") {
			continue
		}
		for _, d := range p.Deps {
			if hasPrefixAny(d, engine) {
				t.Errorf("light node package %s links the consensus engine through %s", rel, d)
			}
		}
	}
}

func TestNoCelestiaInMainModule(t *testing.T) {
	pkgs := listPackages(t)
	for rel, p := range pkgs {
		for _, d := range p.Deps {
			if strings.HasPrefix(d, "github.com/celestiaorg/") {
				t.Errorf("%s depends on %s; github.com/celestiaorg/* belongs only in bench/ and conformance/", rel, d)
			}
		}
	}
}

func TestClientsDoNotLinkConsensusEngine(t *testing.T) {
	pkgs := listPackages(t)
	seen := map[string]bool{}
	for rel, p := range pkgs {
		if !hasPrefixAny(rel, clients) {
			continue
		}
		seen[strings.SplitN(rel, "/", 2)[0]] = true
		for _, d := range p.Deps {
			if hasPrefixAny(d, clientEngine) {
				t.Errorf("client package %s links the consensus engine through %s", rel, d)
			}
		}
	}
	for _, c := range clients {
		if !seen[c] {
			t.Errorf("client package %s not found: update the clients list", c)
		}
	}
}

func TestGoEthereumStaysInBindings(t *testing.T) {
	pkgs := listPackages(t)
	for rel, p := range pkgs {
		if hasPrefixAny(rel, ethereumUsers) {
			continue
		}
		for _, d := range p.Deps {
			if hasPrefixAny(d, []string{"github.com/ethereum/go-ethereum"}) {
				t.Errorf("%s links %s; only %v may link go-ethereum (the light node must not)", rel, d, ethereumUsers)
				break
			}
		}
	}
}

// lifecycle is the one contract of every node part that runs in the
// background ("one lifecycle idiom"): built by New(cfg, opts)
// from a Config that passed Validate and injected parts (logger, clock,
// metrics registry), Start(ctx) starts it and returns — ctx bounds only the
// start — and Close stops everything Start started and waits for it. No
// setter exists after construction.
type lifecycle interface {
	Start(ctx context.Context) error
	Close() error
}

// The node parts share the lifecycle contract: a compile-time proof.
var (
	_ lifecycle = (*fullnode.Node)(nil)
	_ lifecycle = (*lightnode.Node)(nil)
	_ lifecycle = (*p2p.Server)(nil)
)

// Hand-written code stays readable (one of the style habits): no file over
// maxFileLines lines and no function over maxFuncLines lines, tests
// excepted; generated files ("Code generated … DO NOT EDIT.") are exempt.
const (
	maxFileLines = 600
	maxFuncLines = 100
)

func TestFileAndFunctionLength(t *testing.T) {
	fset := token.NewFileSet()
	checked := 0
	for _, p := range listPackages(t) {
		for _, name := range append(append(append([]string{}, p.GoFiles...), p.CgoFiles...), p.IgnoredGoFiles...) {
			if strings.HasSuffix(name, "_test.go") || !strings.HasSuffix(name, ".go") {
				continue
			}
			path := filepath.Join(p.Dir, name)
			f, err := parser.ParseFile(fset, path, nil, parser.ParseComments|parser.SkipObjectResolution)
			if err != nil {
				t.Errorf("parse %s: %v", path, err)
				continue
			}
			if ast.IsGenerated(f) {
				continue
			}
			checked++
			rel := strings.TrimPrefix(p.ImportPath, module+"/") + "/" + name
			if n := fset.File(f.Pos()).LineCount(); n > maxFileLines {
				t.Errorf("%s has %d lines, more than %d: split it by responsibility", rel, n, maxFileLines)
			}
			for _, d := range f.Decls {
				fd, ok := d.(*ast.FuncDecl)
				if !ok || fd.Body == nil {
					continue
				}
				n := fset.Position(fd.End()).Line - fset.Position(fd.Pos()).Line + 1
				if n > maxFuncLines {
					t.Errorf("%s: %s has %d lines, more than %d: split it", rel, funcName(fd), n, maxFuncLines)
				}
			}
		}
	}
	if checked == 0 {
		t.Fatal("no Go file checked")
	}
}

// funcName returns "F" or "(*T).M".
func funcName(fd *ast.FuncDecl) string {
	if fd.Recv == nil || len(fd.Recv.List) == 0 {
		return fd.Name.Name
	}
	typ := fd.Recv.List[0].Type
	star := ""
	if s, ok := typ.(*ast.StarExpr); ok {
		star, typ = "*", s.X
	}
	if ix, ok := typ.(*ast.IndexExpr); ok {
		typ = ix.X
	}
	if ix, ok := typ.(*ast.IndexListExpr); ok {
		typ = ix.X
	}
	if id, ok := typ.(*ast.Ident); ok {
		return "(" + star + id.Name + ")." + fd.Name.Name
	}
	return fd.Name.Name
}

func TestLightNodeDoesNotLinkGoEthereum(t *testing.T) {
	pkgs := listPackages(t)
	found := false
	for rel, p := range pkgs {
		if layerOf(rel) != layerOf("lightnode") {
			continue
		}
		found = true
		for _, d := range p.Deps {
			if strings.HasPrefix(d, "github.com/ethereum/go-ethereum") {
				t.Errorf("light node package %s links %s: Ethereum belongs to the validators and the relay", rel, d)
				break
			}
		}
	}
	if !found {
		t.Error("no light node package found")
	}
}
