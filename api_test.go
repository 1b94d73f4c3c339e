package quadrant_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
)

// The API surface of a one-binary project is what other programs import
// (issue 15): a package-level name is exported only if another package of
// the repository uses it, or if its doc says why it is exported anyway.
//
// What counts:
//   - declarations: every exported package-level func, type, var and const
//     in the non-test, non-generated files of the main module, outside any
//     internal/ directory (internal/ is not API by construction);
//   - users: a selector pkg.Name in any Go file of another package in the
//     repository — other packages' tests and test-helper packages included,
//     the bench and conformance modules too (they import the libraries) —
//     but not the package's own external _test package, which sits in the
//     same directory;
//   - reachability: an exported type (or other name) that appears in the
//     signature or type of a used exported name is used too, since a caller
//     of that name sees it (a constructor's result, a field's type, a
//     method's parameter). The signatures of exported methods of a used type
//     count as part of that type.
//
// Exported methods and struct fields are not checked one by one: without
// type information a use x.Method() or a JSON field cannot be told from an
// unrelated name, and methods often exist to satisfy an interface. An
// unexported type's methods and fields are unreachable by name anyway.
//
// The two ways to keep an unused name exported:
//   - a doc-comment line beginning with apiReasonMarker, saying for whom;
//   - a package doc containing apiLibraryMarker: the whole package is a
//     library meant for other programs (a rollup, another implementation).
const (
	apiReasonMarker  = "Exported for "
	apiLibraryMarker = "is a library for other programs"
)

// apiUserModules are the other Go modules of the repository: they are
// users of the main module's packages but declare nothing checked here.
var apiUserModules = []string{"bench", "conformance"}

type apiFile struct {
	dir  string // slash-separated, relative to the repository root
	path string
	f    *ast.File
	test bool
}

type apiName struct {
	dir, name string
}

type apiDecl struct {
	pos    token.Position
	reason bool
	refs   []string // exported names of the same package in its signature or type
}

func TestExportedNamesHaveOutsideUsers(t *testing.T) {
	offenders := apiOffenders(t, ".", module)
	for _, o := range offenders {
		t.Errorf("%s is exported but no other package uses it: unexport it, move it under internal/, or say why in its doc (%q)", o, apiReasonMarker)
	}
}

// apiOffenders returns "file:line: dir.Name" for every exported name of the
// module at root (import path mod) that breaks the rule.
func apiOffenders(t *testing.T, root, mod string) []string {
	t.Helper()
	fset := token.NewFileSet()
	files := parseRepo(t, fset, root)
	pkgName := map[string]string{} // dir -> package name (not the _test one)
	library := map[string]bool{}
	for _, af := range files {
		if !strings.HasSuffix(af.f.Name.Name, "_test") {
			pkgName[af.dir] = af.f.Name.Name
		}
		if af.f.Doc != nil && strings.Contains(strings.Join(strings.Fields(af.f.Doc.Text()), " "), apiLibraryMarker) {
			library[af.dir] = true
		}
	}

	decls := map[apiName]*apiDecl{}
	for _, af := range files {
		if af.test || isUserModule(af.dir) || isInternal(af.dir) || ast.IsGenerated(af.f) {
			continue
		}
		collectDecls(fset, af, decls)
	}
	if len(decls) == 0 {
		t.Fatal("no exported declaration found")
	}

	used := outsideUses(files, pkgName, mod)
	markReachable(used, decls)

	var offenders []string
	for n, d := range decls {
		if used[n] || d.reason || library[n.dir] || !d.pos.IsValid() {
			continue
		}
		offenders = append(offenders, d.pos.String()+": "+n.dir+"."+n.name)
	}
	sort.Strings(offenders)
	return offenders
}

// parseRepo parses every Go file of the repository outside testdata.
func parseRepo(t *testing.T, fset *token.FileSet, root string) []apiFile {
	t.Helper()
	var files []apiFile
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			base := d.Name()
			if path != root && (strings.HasPrefix(base, ".") || strings.HasPrefix(base, "_") || base == "testdata" || base == "node_modules") {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") {
			return nil
		}
		f, err := parser.ParseFile(fset, path, nil, parser.ParseComments|parser.SkipObjectResolution)
		if err != nil {
			return err
		}
		if hasIgnoreTag(f) {
			return nil
		}
		rel, err := filepath.Rel(root, filepath.Dir(path))
		if err != nil {
			return err
		}
		files = append(files, apiFile{
			dir:  filepath.ToSlash(rel),
			path: path,
			f:    f,
			test: strings.HasSuffix(path, "_test.go"),
		})
		return nil
	})
	if err != nil {
		t.Fatalf("walk repository: %v", err)
	}
	return files
}

// hasIgnoreTag reports a "//go:build ignore" file (a generator run by go
// run, not part of its directory's package).
func hasIgnoreTag(f *ast.File) bool {
	for _, cg := range f.Comments {
		if cg.Pos() >= f.Package {
			break
		}
		for _, c := range cg.List {
			if strings.HasPrefix(c.Text, "//go:build") && strings.Contains(c.Text, "ignore") {
				return true
			}
		}
	}
	return false
}

func isUserModule(dir string) bool {
	return hasPrefixAny(dir, apiUserModules)
}

func isInternal(dir string) bool {
	for _, part := range strings.Split(dir, "/") {
		if part == "internal" {
			return true
		}
	}
	return false
}

func hasReason(groups ...*ast.CommentGroup) bool {
	for _, g := range groups {
		if g == nil {
			continue
		}
		for _, line := range strings.Split(g.Text(), "\n") {
			if strings.HasPrefix(strings.TrimSpace(line), apiReasonMarker) {
				return true
			}
		}
	}
	return false
}

// collectDecls records the exported package-level names of one file, and
// folds the signatures of exported methods into their receiver type's refs.
func collectDecls(fset *token.FileSet, af apiFile, decls map[apiName]*apiDecl) {
	add := func(id *ast.Ident, reason bool, exprs ...ast.Node) {
		if !id.IsExported() {
			return
		}
		n := apiName{af.dir, id.Name}
		d := decls[n]
		if d == nil {
			d = &apiDecl{}
			decls[n] = d
		}
		d.pos = fset.Position(id.Pos())
		d.reason = d.reason || reason
		d.refs = append(d.refs, exportedIdents(exprs...)...)
	}
	for _, decl := range af.f.Decls {
		switch decl := decl.(type) {
		case *ast.FuncDecl:
			if decl.Recv == nil {
				add(decl.Name, hasReason(decl.Doc), decl.Type)
				continue
			}
			if !decl.Name.IsExported() {
				continue
			}
			if recv := receiverName(decl); ast.IsExported(recv) {
				n := apiName{af.dir, recv}
				if decls[n] == nil {
					decls[n] = &apiDecl{}
				}
				decls[n].refs = append(decls[n].refs, exportedIdents(decl.Type)...)
			}
		case *ast.GenDecl:
			for _, spec := range decl.Specs {
				switch s := spec.(type) {
				case *ast.TypeSpec:
					add(s.Name, hasReason(s.Doc, decl.Doc), s.Type)
				case *ast.ValueSpec:
					for _, id := range s.Names {
						if s.Type != nil {
							add(id, hasReason(s.Doc, decl.Doc), s.Type)
						} else {
							add(id, hasReason(s.Doc, decl.Doc))
						}
					}
				}
			}
		}
	}
}

// receiverName returns the name of a method's receiver type.
func receiverName(fd *ast.FuncDecl) string {
	name := funcName(fd)
	if !strings.HasPrefix(name, "(") {
		return ""
	}
	return strings.TrimPrefix(strings.SplitN(name[1:], ")", 2)[0], "*")
}

// exportedIdents lists the exported bare identifiers (names of the same
// package) in type expressions, skipping unexported struct fields.
func exportedIdents(nodes ...ast.Node) []string {
	var out []string
	for _, n := range nodes {
		ast.Inspect(n, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.SelectorExpr:
				return false // another package's name
			case *ast.Field:
				if len(n.Names) > 0 && !n.Names[0].IsExported() {
					return false
				}
			case *ast.Ident:
				if n.IsExported() {
					out = append(out, n.Name)
				}
			}
			return true
		})
	}
	return out
}

// outsideUses finds every pkg.Name selector whose package is another
// directory of the repository than the file's own.
func outsideUses(files []apiFile, pkgName map[string]string, mod string) map[apiName]bool {
	dirOf := map[string]string{} // import path -> dir
	for dir := range pkgName {
		if dir == "." {
			dirOf[mod] = dir
		} else {
			dirOf[mod+"/"+dir] = dir
		}
	}
	used := map[apiName]bool{}
	for _, af := range files {
		local := map[string]string{} // local import name -> dir
		for _, imp := range af.f.Imports {
			path, err := strconv.Unquote(imp.Path.Value)
			if err != nil {
				continue
			}
			dir, ok := dirOf[path]
			if !ok || dir == af.dir {
				continue
			}
			name := pkgName[dir]
			if imp.Name != nil {
				name = imp.Name.Name
			}
			local[name] = dir
		}
		if len(local) == 0 {
			continue
		}
		ast.Inspect(af.f, func(n ast.Node) bool {
			sel, ok := n.(*ast.SelectorExpr)
			if !ok {
				return true
			}
			if x, ok := sel.X.(*ast.Ident); ok {
				if dir, ok := local[x.Name]; ok {
					used[apiName{dir, sel.Sel.Name}] = true
				}
			}
			return true
		})
	}
	return used
}

// markReachable adds to used every exported name reachable from a used
// name through signatures and types.
func markReachable(used map[apiName]bool, decls map[apiName]*apiDecl) {
	queue := make([]apiName, 0, len(used))
	for n := range used {
		queue = append(queue, n)
	}
	for len(queue) > 0 {
		n := queue[len(queue)-1]
		queue = queue[:len(queue)-1]
		d := decls[n]
		if d == nil {
			continue
		}
		for _, ref := range d.refs {
			r := apiName{n.dir, ref}
			if !used[r] {
				used[r] = true
				queue = append(queue, r)
			}
		}
	}
}

// TestAPICheckFindsOffenders runs the check on a small module: it must
// flag exactly the exported names nobody outside uses and that give no
// reason, and accept a library package as a whole.
func TestAPICheckFindsOffenders(t *testing.T) {
	root := t.TempDir()
	write := func(path, src string) {
		t.Helper()
		if err := os.MkdirAll(filepath.Join(root, filepath.Dir(path)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(root, path), []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("a/a.go", `package a

// New is used by b; its result type is reachable through it.
func New() *Thing { return nil }

// Thing is reachable through New.
type Thing struct{ Opt Option }

// Option is reachable through Thing's exported field.
type Option int

// Do takes a Param, which makes Param reachable from Thing.
func (*Thing) Do(Param) {}

// Param is reachable through Thing.Do.
type Param int

// Unused has no user outside.
func Unused() {}

// OnlyOwnTest is used only by a's external test package.
var OnlyOwnTest = 1

// Reasoned has none either, and says why.
//
// Exported for the tools module.
const Reasoned = 2

type hidden struct{ Field int }

// Generic is used by b.
var Generic hidden
`)
	write("a/a_test.go", "package a_test\n\nimport \"example.com/m/a\"\n\nvar _ = a.OnlyOwnTest\n")
	write("b/b.go", "package b\n\nimport x \"example.com/m/a\"\n\nvar _ = x.New()\nvar _ = x.Generic\n")
	write("lib/lib.go", "// Package lib is a library for other programs.\npackage lib\n\n// Free needs no user.\nfunc Free() {}\n")
	write("internal/in/in.go", "package in\n\n// Free needs no user.\nfunc Free() {}\n")

	got := apiOffenders(t, root, "example.com/m")
	var names []string
	for _, o := range got {
		names = append(names, o[strings.LastIndex(o, " ")+1:])
	}
	sort.Strings(names)
	want := []string{"a.OnlyOwnTest", "a.Unused"}
	if strings.Join(names, ",") != strings.Join(want, ",") {
		t.Fatalf("offenders = %v, want %v", got, want)
	}
	if !strings.Contains(got[0], "a.go:") {
		t.Errorf("offender %q does not name its file:line", got[0])
	}
}
