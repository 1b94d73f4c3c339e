package main

import (
	"os/exec"
	"syscall"
)

// setChildAttrs makes a devnet validator receive SIGTERM if the devnet
// process dies without stopping it.
func setChildAttrs(c *exec.Cmd) {
	c.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGTERM}
}
