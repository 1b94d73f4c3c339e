package quadrant_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
)

// Documentation names only files that exist (issue 15): a package doc or a
// Markdown file that cites DESIGN-NOTES.md or relay/watch.go sends its
// reader to nothing once the file is gone or was never committed.
//
// What counts as a reference:
//   - a word ending in a source or notes extension (.md, .go, .sol, .sh),
//     globs allowed (attest*.go);
//   - a slash-separated word whose first element is a top-level directory
//     of the repository (contracts/, contracts/src/, deploy/x.toml), if it
//     ends in "/" or an extension: "da/erasure" style lists of packages are
//     prose, and rpc/client/http names a package of another module.
//
// Files a node writes at run time (<home>/fullnode.toml, network.json,
// bridge/) are not in the repository and are not references: they have
// no source extension and do not start with a repository directory.
//
// Every comment of a hand-written Go file is read, not only package docs.
// A reference resolves against the repository root, the citing file's
// directory, or any directory above it; URLs, import paths of other
// modules and words inside Go or Solidity snippets of other projects are
// not references (docRefIgnore).
var (
	docRefFile = regexp.MustCompile(`[A-Za-z0-9_.*/-]*[A-Za-z0-9_*-]\.(md|go|sol|sh)\b`)
	docRefPath = regexp.MustCompile(`[A-Za-z0-9_-]+(/[A-Za-z0-9_.*-]+)*/?`)
)

// docRefIgnore are cited names that are not files of this repository:
// files of other projects the docs compare against, and file kinds
// created at run time.
var docRefIgnore = []string{
	"go.work",
}

type docRef struct {
	at   string // file:line
	ref  string
	from string // directory of the citing file, slash-separated
}

func TestDocsNameExistingFiles(t *testing.T) {
	refs := docRefs(t, ".")
	if len(refs) == 0 {
		t.Fatal("no file reference found in the docs")
	}
	for _, r := range refs {
		if !docRefExists(".", r) {
			t.Errorf("%s cites %s, which is not in the repository", r.at, r.ref)
		}
	}
}

// TestDocsCheckFindsMissingFiles runs the check on a small tree: a missing
// file, directory and path are reported, existing ones and URLs are not.
func TestDocsCheckFindsMissingFiles(t *testing.T) {
	root := t.TempDir()
	for _, d := range []string{"pkg", "contracts/src"} {
		if err := os.MkdirAll(filepath.Join(root, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	write := func(p, s string) {
		t.Helper()
		if err := os.WriteFile(filepath.Join(root, p), []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("pkg/doc.go", "// Package pkg is described in NOTES.md and pkg.go (see attest*.go,\n// contracts/, contracts/src/, contracts/gone/ and pkg/contracts; https://x.org/a.md).\npackage pkg\n")
	write("pkg/pkg.go", "package pkg\n")
	write("pkg/attest_a.go", "package pkg\n")
	write("README.md", "See [pkg](pkg/doc.go), <home>/bridge/, `rpc/client/http`, <home>/x.md and `pkg/missing.go`.\n")

	var missing []string
	for _, r := range docRefs(t, root) {
		if !docRefExists(root, r) {
			missing = append(missing, r.ref)
		}
	}
	sort.Strings(missing)
	want := []string{"NOTES.md", "contracts/gone/", "pkg/missing.go"}
	if strings.Join(missing, ",") != strings.Join(want, ",") {
		t.Fatalf("missing = %v, want %v", missing, want)
	}
}

// docRefs collects the references of every package doc comment and every
// Markdown file under root (vendored and generated trees excluded).
func docRefs(t *testing.T, root string) []docRef {
	t.Helper()
	top := map[string]bool{}
	entries, err := os.ReadDir(root)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if e.IsDir() && !strings.HasPrefix(e.Name(), ".") {
			top[e.Name()] = true
		}
	}
	var refs []docRef
	fset := token.NewFileSet()
	err = filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			base := d.Name()
			if p != root && (strings.HasPrefix(base, ".") || base == "node_modules" || base == "lib" || base == "testdata" || base == "build") {
				return filepath.SkipDir
			}
			return nil
		}
		rel, err := filepath.Rel(root, p)
		if err != nil {
			return err
		}
		rel = filepath.ToSlash(rel)
		var text []string // lines
		firstLine := 1
		switch {
		case strings.HasSuffix(p, ".md"):
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			text = strings.Split(string(b), "\n")
		case strings.HasSuffix(p, ".go") && !strings.HasSuffix(p, "_test.go"):
			f, err := parser.ParseFile(fset, p, nil, parser.ParseComments)
			if err != nil {
				return err
			}
			if ast.IsGenerated(f) {
				return nil
			}
			for _, cg := range f.Comments {
				line := fset.Position(cg.Pos()).Line
				for _, c := range cg.List {
					for k, l := range strings.Split(c.Text, "\n") {
						refs = append(refs, docLineRefs(l, top, rel, line+k)...)
					}
					line += strings.Count(c.Text, "\n") + 1
				}
			}
			return nil
		default:
			return nil
		}
		for i, line := range text {
			refs = append(refs, docLineRefs(line, top, rel, firstLine+i)...)
		}
		return nil
	})
	if err != nil {
		t.Fatalf("walk: %v", err)
	}
	return refs
}

func docLineRefs(line string, top map[string]bool, rel string, n int) []docRef {
	var refs []docRef
	for _, ref := range lineRefs(line, top) {
		refs = append(refs, docRef{at: rel + ":" + itoa(n), ref: ref, from: path.Dir(rel)})
	}
	return refs
}

var docExt = regexp.MustCompile(`\.[a-z0-9]+$`)

var docURL = regexp.MustCompile(`[a-z]+://\S+|\b[a-z0-9.-]+\.(com|org|io|dev|net)/\S*`)

// lineRefs returns the file references of one line of documentation.
func lineRefs(line string, top map[string]bool) []string {
	line = docURL.ReplaceAllString(line, " ")
	seen := map[string]bool{}
	var out []string
	add := func(r string) {
		r = strings.TrimPrefix(strings.Trim(r, ".*"), "./")
		if r == "" || seen[r] || isIgnoredRef(r) {
			return
		}
		seen[r] = true
		out = append(out, r)
	}
	for _, loc := range docRefFile.FindAllStringIndex(line, -1) {
		if loc[0] > 0 && (line[loc[0]-1] == '/' || line[loc[0]-1] == '<' || line[loc[0]-1] == '>') {
			continue // under a run-time directory: <home>/x.md, $DIR/x.go
		}
		if r := line[loc[0]:loc[1]]; !strings.HasPrefix(r, "_") {
			add(r)
		}
	}
	for _, loc := range docRefPath.FindAllStringIndex(line, -1) {
		r := line[loc[0]:loc[1]]
		if !strings.Contains(r, "/") || loc[0] > 0 && (isPathChar(line[loc[0]-1]) || line[loc[0]-1] == '.' || line[loc[0]-1] == '>') {
			continue
		}
		parts := strings.Split(strings.TrimSuffix(r, "/"), "/")
		if !top[parts[0]] || docRefFile.MatchString(r) {
			continue
		}
		prose := len(parts) > 1 && top[parts[1]] // "da/erasure/blobs": a list
		if (strings.HasSuffix(r, "/") || docExt.MatchString(parts[len(parts)-1])) && !prose {
			add(r)
		}
	}
	return out
}

func isPathChar(c byte) bool {
	return c == '/' || c == '_' || c == '-' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}

func isIgnoredRef(r string) bool {
	for _, ig := range docRefIgnore {
		if r == ig || strings.HasSuffix(r, "/"+ig) {
			return true
		}
	}
	return false
}

// docRefExists resolves r against the citing file's directory and every
// directory above it up to root.
func docRefExists(root string, r docRef) bool {
	dir := r.from
	for {
		matches, _ := filepath.Glob(filepath.Join(root, filepath.FromSlash(dir), filepath.FromSlash(strings.TrimSuffix(r.ref, "/"))))
		if len(matches) > 0 {
			return true
		}
		if dir == "." || dir == "" {
			return false
		}
		dir = path.Dir(dir)
	}
}

func itoa(n int) string {
	b := []byte{}
	for n > 0 || len(b) == 0 {
		b = append([]byte{byte('0' + n%10)}, b...)
		n /= 10
	}
	return string(b)
}
