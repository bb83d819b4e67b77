//go:build !linux

package motoserver

import "os/exec"

// stopWithParent does nothing where the kernel cannot kill a child with its
// parent: Stop (or the test's cleanup) stops the server.
func stopWithParent(*exec.Cmd) {}
