package motoserver

import (
	"os/exec"
	"syscall"
)

// stopWithParent has the kernel kill the server when the test binary dies
// without stopping it (a test timeout panics past TestMain's Stop).
func stopWithParent(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
