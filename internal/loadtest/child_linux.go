package loadtest

import (
	"os/exec"
	"syscall"
)

// setParentDeath has the kernel kill the child when the load tool dies, so no server outlives an interrupted run.
func setParentDeath(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
