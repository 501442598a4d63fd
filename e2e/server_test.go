// Package e2e drives the real takeone binary from the outside: its command line, its HTTP server, and the web app
// in headless Chromium.
package e2e

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/takeone/takeone/internal/testtool"
)

// binary is the takeone executable built once for all tests of this package.
var binary string

func TestMain(m *testing.M) { testtool.MainWithTakeone(m, &binary) }

// output collects what a process prints, safe to read while it runs.
type output struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (o *output) Write(p []byte) (int, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.buf.Write(p)
}

func (o *output) String() string {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.buf.String()
}

// server is a running `takeone serve`.
type server struct {
	URL  string // base URL, e.g. http://127.0.0.1:40123
	Dir  string // its working directory
	out  *output
	cmd  *exec.Cmd
	done chan error
}

// startServer runs takeone with args in a fresh working directory and waits until /api/health answers.
func startServer(t testing.TB, env []string, args ...string) *server {
	t.Helper()
	return startServerWith(t, &http.Client{Timeout: 10 * time.Second}, env, args...)
}

// startServerWith is startServer asking for /api/health through client, e.g. one that reaches an HTTPS domain on
// loopback and trusts a test CA.
func startServerWith(t testing.TB, client *http.Client, env []string, args ...string) *server {
	t.Helper()
	return startServerCommand(t, client, exec.Command(binary, args...), env)
}

// startServerCommand is startServerWith for a command that runs takeone, e.g. inside a network namespace.
func startServerCommand(t testing.TB, client *http.Client, cmd *exec.Cmd, env []string) *server {
	t.Helper()
	s := &server{Dir: t.TempDir(), out: &output{}, done: make(chan error, 1)}
	s.cmd = cmd
	s.cmd.Dir = s.Dir
	s.cmd.Env = append(os.Environ(), env...)
	s.cmd.Stdout, s.cmd.Stderr = s.out, s.out
	if err := s.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { s.done <- s.cmd.Wait() }()
	t.Cleanup(func() { s.stop(t) })

	var lastErr error // why /api/health did not answer yet
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case err := <-s.done:
			t.Fatalf("takeone exited early (%v):\n%s", err, s.out)
		default:
		}
		if m := regexp.MustCompile(`is running at (\S+)`).FindStringSubmatch(s.out.String()); m != nil {
			s.URL = m[1]
			res, err := client.Get(s.URL + "/api/health")
			if err == nil {
				res.Body.Close()
				if res.StatusCode == http.StatusOK {
					return s
				}
				err = fmt.Errorf("status %s", res.Status)
			}
			lastErr = err
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("takeone did not become healthy within 60s (/api/health: %v):\n%s", lastErr, s.out)
	return nil
}

func (s *server) stop(t testing.TB) {
	if s.cmd.ProcessState != nil {
		return
	}
	_ = s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.done:
	case <-time.After(15 * time.Second):
		_ = s.cmd.Process.Kill()
		<-s.done
		t.Errorf("takeone did not stop within 15s of SIGTERM")
	}
}

// setupLink is the first-admin link the server printed (after its banner, which may come first).
func (s *server) setupLink(t testing.TB) string {
	t.Helper()
	link := regexp.MustCompile(`(https?://\S+/setup/\S+)`)
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if m := link.FindStringSubmatch(s.out.String()); m != nil {
			return m[1]
		}
	}
	t.Fatalf("no setup link printed within 10 s:\n%s", s.out)
	return ""
}

// runFails runs takeone, expects a non-zero exit, and returns what it printed.
func runFails(t testing.TB, dir string, env []string, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, binary, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	out, err := cmd.CombinedOutput()
	if err == nil {
		t.Fatalf("takeone %s succeeded, want a failure:\n%s", strings.Join(args, " "), out)
	}
	if ctx.Err() != nil {
		t.Fatalf("takeone %s did not stop by itself:\n%s", strings.Join(args, " "), out)
	}
	return string(out)
}

func freeAddr(t testing.TB) string { return testtool.FreeLoopbackAddr(t) }

func get(t testing.TB, url string) (*http.Response, string) {
	t.Helper()
	res, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	return res, string(body)
}
