//go:build unix

package main

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"
)

// lockDevnet takes the devnet home's lock, <home>.lock beside the home (so
// --reset, which deletes the home, cannot delete a running devnet's): an
// exclusive flock held until release, holding this process's pid. A home
// already in use is refused at once with the running devnet's pid.
func lockDevnet(home string) (release func(), err error) {
	path := strings.TrimRight(home, "/") + ".lock"
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("devnet lock %s: %w", path, err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		b, _ := os.ReadFile(path)
		f.Close()
		pid := strings.TrimSpace(string(b))
		if _, perr := strconv.Atoi(pid); perr != nil {
			pid = "unknown"
		}
		return nil, fmt.Errorf("devnet home %s is in use by a running quadrant devnet (pid %s); stop it first (Ctrl-C in its terminal, or kill %s), or use another --home", home, pid, pid)
	}
	if err := f.Truncate(0); err == nil {
		_, _ = f.WriteAt([]byte(strconv.Itoa(os.Getpid())+"\n"), 0)
	}
	return func() {
		_ = f.Truncate(0)
		_ = syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
		f.Close()
	}, nil
}
