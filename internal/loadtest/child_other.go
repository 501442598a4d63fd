//go:build !linux

package loadtest

import "os/exec"

// setParentDeath does nothing here: the load tool measures through /proc and runs on Linux only.
func setParentDeath(*exec.Cmd) {}
