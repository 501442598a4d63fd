// Package testtool holds what tests share: real servers they talk to (an S3 gateway, an SMTP server), built from
// the Go module proxy once into the repository's cache and run on loopback for the length of one test; the test
// clips; the takeone binary for tests that run it as a process.
package testtool

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// Install returns the executable of module ("path@version"), built with `go install` once into the repository's
// cache (see CacheDir) and shared by every test package and run that asks for the same version.
func Install(t testing.TB, module string, timeout time.Duration) string {
	t.Helper()
	name, _, _ := strings.Cut(path.Base(module), "@")
	dir, err := cached(CacheDir("bin", strings.ReplaceAll(module, "/", "_")), func(tmp string) error {
		ctx, cancel := context.WithTimeout(t.Context(), timeout)
		defer cancel()
		build := exec.CommandContext(ctx, "go", "install", module)
		build.Env = append(os.Environ(), "GOBIN="+tmp, "GOFLAGS=")
		began := time.Now()
		if out, err := build.CombinedOutput(); err != nil {
			return fmt.Errorf("go install %s: %w\n%s", module, err, out)
		}
		t.Logf("%s built in %s", name, time.Since(began).Round(time.Millisecond))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return filepath.Join(dir, name)
}

// Serve runs exe with the arguments argsFor gives for n free loopback addresses (host:port), in dir, until the
// test ends, and returns the addresses once each of them accepts connections. A port taken by someone else
// between choosing and binding it is retried with other ports.
func Serve(t testing.TB, exe, dir string, n int, argsFor func(addrs []string) []string) []string {
	t.Helper()
	name := filepath.Base(exe)
	for attempt := 1; ; attempt++ {
		addrs := make([]string, n)
		for i := range addrs {
			addrs[i] = FreeLoopbackAddr(t)
		}
		var out bytes.Buffer // read only once the process has exited
		cmd := exec.Command(exe, argsFor(addrs)...)
		cmd.Dir = dir
		cmd.Stdout, cmd.Stderr = &out, &out
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		var waitErr error // set before exited closes
		exited := make(chan struct{})
		go func() { waitErr = cmd.Wait(); close(exited) }()
		// stop asks for a shutdown (SIGTERM) and kills the process if it is still there 10 s later
		stop := func() error {
			_ = cmd.Process.Signal(syscall.SIGTERM)
			select {
			case <-exited:
				return nil
			case <-time.After(10 * time.Second):
				_ = cmd.Process.Kill()
				<-exited
				return errors.New("still running 10 s after SIGTERM: killed")
			}
		}
		var err error
		for _, a := range addrs {
			if err = AwaitListening(a, exited, 30*time.Second); err != nil {
				break
			}
		}
		if err != nil {
			_ = stop()
			if attempt < 3 && strings.Contains(out.String(), "address already in use") {
				continue
			}
			t.Fatalf("%s did not start: %v (exit: %v)\n%s", name, err, waitErr, out.String())
		}
		t.Cleanup(func() {
			if err := stop(); err != nil {
				t.Errorf("stopping %s: %v\n%s", name, err, out.String())
			}
		})
		return addrs
	}
}

// FreeLoopbackAddr is a TCP address on 127.0.0.1 that was free a moment ago.
func FreeLoopbackAddr(t testing.TB) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// AwaitListening waits until addr accepts connections, the process exits, or d passes.
func AwaitListening(addr string, exited <-chan struct{}, d time.Duration) error {
	deadline := time.Now().Add(d)
	for {
		if c, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
			c.Close()
			return nil
		}
		select {
		case <-exited:
			return errors.New("it exited")
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			return errors.New("not listening after " + d.String())
		}
	}
}
