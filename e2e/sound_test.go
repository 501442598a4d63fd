package e2e

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

// soundServer starts a PulseAudio server with one null sink, for the test alone, and returns the PULSE_SERVER
// value that reaches it. Headless Firefox on a machine without an audio output device keeps every AudioContext
// suspended, so oneclock.js would have no clock and no sound to give; an output that goes nowhere is enough. The
// socket is a file, so a browser inside a network namespace reaches it too.
func soundServer(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	socket := filepath.Join(dir, "native")
	cmd := exec.Command("pulseaudio", "--daemonize=no", "-n", "--exit-idle-time=-1", "--use-pid-file=no",
		"--disallow-exit", "-L", "module-null-sink sink_name=nowhere",
		"-L", "module-native-protocol-unix auth-anonymous=1 socket="+socket)
	cmd.Env = append(os.Environ(), "XDG_RUNTIME_DIR="+dir, "HOME="+dir)
	out := &output{}
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		t.Fatalf("start pulseaudio (make deps installs it): %v", err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if _, err := os.Stat(socket); err == nil {
			return "unix:" + socket
		}
	}
	t.Fatalf("pulseaudio did not open %s within 10 s:\n%s", socket, out)
	return ""
}
