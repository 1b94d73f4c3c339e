package main

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/quadrant-da/quadrant/internal/wait"
)

// readmeSnippet is a shell block of README.md marked `<!-- test: devnet -->`,
// with the strings its output must contain (`<!-- expect: … -->` lines
// right after it).
type readmeSnippet struct {
	line   int
	script string
	expect []string
}

// readmeSnippets returns the marked blocks of the README at path.
func readmeSnippets(t *testing.T, path string) []readmeSnippet {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(string(b), "\n")
	var out []readmeSnippet
	for i := 0; i < len(lines); i++ {
		if strings.TrimSpace(lines[i]) != "<!-- test: devnet -->" {
			continue
		}
		if i+1 >= len(lines) || strings.TrimSpace(lines[i+1]) != "```sh" {
			t.Fatalf("README.md:%d: a test marker must come right before a ```sh block", i+1)
		}
		s := readmeSnippet{line: i + 3}
		j := i + 2
		for ; j < len(lines) && strings.TrimSpace(lines[j]) != "```"; j++ {
			s.script += lines[j] + "\n"
		}
		for j++; j < len(lines); j++ {
			e, ok := strings.CutPrefix(strings.TrimSpace(lines[j]), "<!-- expect: ")
			if !ok {
				break
			}
			s.expect = append(s.expect, strings.TrimSuffix(e, " -->"))
		}
		out = append(out, s)
		i = j - 1
	}
	return out
}

// readmePorts are the devnet's default ports that README.md names.
var readmePorts = []int{26656, 26657, 26658, 26659, 26666, 26667, 26668, 26669, 26676, 26677, 26679, 26686, 26687, 26689, 26696, 26701, 3100}

// TestREADMESnippets starts `quadrant devnet` as README.md says (default
// flags and ports, home under a temporary $HOME), then runs each shell block
// marked `<!-- test: devnet -->`, as written, with bash -euo pipefail in a
// directory holding ./quadrant (the binary TestMain built with the README's
// `go build` step, which the first block must start with) and with quadrant
// on PATH; each block must succeed and print what its expect lines say.
func TestREADMESnippets(t *testing.T) {
	snippets := readmeSnippets(t, filepath.Join("..", "..", "README.md"))
	if len(snippets) < 2 {
		t.Fatalf("README.md has %d blocks marked <!-- test: devnet -->, want the devnet walkthrough and monitoring", len(snippets))
	}
	first, rest, _ := strings.Cut(snippets[0].script, "\n")
	if first != "go build -o quadrant ./cmd/quadrant" {
		t.Fatalf("README.md:%d: the first tested block starts with %q, want the build step", snippets[0].line, first)
	}
	snippets[0].script = rest
	for _, p := range readmePorts {
		l, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", p))
		if err != nil {
			if ci := os.Getenv("CI"); ci != "" && ci != "false" && ci != "0" {
				t.Fatalf("port %d, a default devnet port that README.md names, is in use", p)
			}
			t.Skipf("port %d, a default devnet port that README.md names, is in use (a devnet is running?)", p)
		}
		l.Close()
	}
	home, work, bin := t.TempDir(), t.TempDir(), t.TempDir()
	for _, dir := range []string{work, bin} {
		if err := os.Symlink(binary, filepath.Join(dir, "quadrant")); err != nil {
			t.Fatal(err)
		}
	}
	env := append(os.Environ(), "HOME="+home, "QUADRANT_HOME=", "PATH="+bin+":"+os.Getenv("PATH"))
	devnet := exec.Command(binary, "devnet")
	devnet.Env = env
	logf, err := os.Create(filepath.Join(home, "devnet.out"))
	if err != nil {
		t.Fatal(err)
	}
	defer logf.Close()
	devnet.Stdout, devnet.Stderr = logf, logf
	if err := devnet.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- devnet.Wait() }()
	t.Cleanup(func() {
		_ = devnet.Process.Signal(syscall.SIGINT)
		select {
		case <-exited:
		case <-time.After(30 * time.Second):
			_ = devnet.Process.Kill()
			<-exited
		}
	})
	run := func(script string) (string, error) {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		cmd := exec.CommandContext(ctx, "bash", "-euo", "pipefail", "-c", script)
		cmd.Dir, cmd.Env = work, env
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
	wait.For(t, startDeadline, "quadrant status to report every node ok", func() bool {
		_, err := run("./quadrant status")
		return err == nil
	})
	for _, s := range snippets {
		out, err := run(s.script)
		t.Logf("README.md:%d:\n%s\n--- output:\n%s", s.line, s.script, out)
		if err != nil {
			t.Fatalf("README.md:%d: the block fails as written: %v", s.line, err)
		}
		for _, e := range s.expect {
			if !strings.Contains(out, e) {
				t.Errorf("README.md:%d: output lacks %q", s.line, e)
			}
		}
	}
}
