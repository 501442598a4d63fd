package loadtest

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"time"
)

// child is a process this run started: the server under test or the bare receiver. It ends with the run: stop
// asks it politely, and the operating system ends it if the load tool dies first (see setParentDeath).
type child struct {
	name  string
	cmd   *exec.Cmd
	out   *output
	stdin io.WriteCloser // held open: the receiver stops when it closes
	// endsOnStdin says the child ends by itself when its standard input closes (the receiver does, and writes its
	// CPU profile then), so stop gives it time before it signals.
	endsOnStdin bool
	done        chan struct{}
	err         error // the exit, once done is closed
}

// startChild runs bin with args in dir; what it prints also goes to dir/logName (kept with --keep).
func startChild(name, logName, bin, dir string, env []string, args ...string) (*child, error) {
	c := &child{name: name, out: &output{}, done: make(chan struct{})}
	log, err := os.Create(filepath.Join(dir, logName))
	if err != nil {
		return nil, err
	}
	c.cmd = exec.Command(bin, args...)
	c.cmd.Dir = dir
	c.cmd.Env = append(os.Environ(), env...)
	c.cmd.Stdout = io.MultiWriter(c.out, log)
	c.cmd.Stderr = c.cmd.Stdout
	setParentDeath(c.cmd)
	stdin, err := c.cmd.StdinPipe()
	if err != nil {
		log.Close()
		return nil, err
	}
	c.stdin = stdin
	if err := c.cmd.Start(); err != nil {
		log.Close()
		return nil, fmt.Errorf("start %s: %w", name, err)
	}
	go func() {
		c.err = c.cmd.Wait()
		log.Close()
		close(c.done)
	}()
	return c, nil
}

func (c *child) pid() int { return c.cmd.Process.Pid }

// exited says whether the process has ended, and how.
func (c *child) exited() (bool, error) {
	select {
	case <-c.done:
		return true, c.err
	default:
		return false, nil
	}
}

// stop closes the child's standard input, sends SIGTERM, waits up to grace for the process to end, then kills it.
func (c *child) stop(grace time.Duration) error {
	c.stdin.Close()
	if c.endsOnStdin {
		select {
		case <-c.done:
		case <-time.After(grace):
		}
	}
	if done, _ := c.exited(); done {
		return nil
	}
	_ = c.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-c.done:
		return nil
	case <-time.After(grace):
		_ = c.cmd.Process.Kill()
		<-c.done
		return fmt.Errorf("%s did not stop within %s of SIGTERM", c.name, grace)
	}
}

// failure wraps err with the end of what the child printed, which usually says why.
func (c *child) failure(err error) error {
	tail := strings.TrimSpace(c.out.String())
	if len(tail) > 2000 {
		tail = "…" + tail[len(tail)-2000:]
	}
	if tail == "" {
		return fmt.Errorf("%s: %w", c.name, err)
	}
	return fmt.Errorf("%s: %w; it printed:\n%s", c.name, err, tail)
}

// waitPrinted waits until the child prints a line that re matches and returns the first submatch.
func (c *child) waitPrinted(ctx context.Context, re *regexp.Regexp) (string, error) {
	for {
		if m := re.FindStringSubmatch(c.out.String()); m != nil {
			return m[1], nil
		}
		if done, err := c.exited(); done {
			return "", c.failure(fmt.Errorf("exited early (%v)", err))
		}
		select {
		case <-ctx.Done():
			return "", c.failure(fmt.Errorf("did not print %q in time: %w", re, ctx.Err()))
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// waitHealthy waits until url answers 200.
func (c *child) waitHealthy(ctx context.Context, client *http.Client, url string) error {
	var last error
	for {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		if err != nil {
			return err
		}
		res, err := client.Do(req)
		if err == nil {
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return nil
			}
			err = fmt.Errorf("status %s", res.Status)
		}
		last = err
		if done, err := c.exited(); done {
			return c.failure(fmt.Errorf("exited early (%v)", err))
		}
		select {
		case <-ctx.Done():
			return c.failure(fmt.Errorf("%s did not answer in time: %v", url, last))
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// output collects what a child prints, safe to read while it runs; past maxOutput it keeps the start and the end.
type output struct {
	mu   sync.Mutex
	head bytes.Buffer
	tail []byte
}

const maxOutput = 256 << 10

func (o *output) Write(p []byte) (int, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	written := len(p)
	if room := maxOutput - o.head.Len(); room > 0 {
		n := min(room, len(p))
		o.head.Write(p[:n])
		p = p[n:]
	}
	if len(p) > 0 {
		o.tail = append(o.tail, p...)
		if len(o.tail) > maxOutput {
			o.tail = o.tail[len(o.tail)-maxOutput:]
		}
	}
	return written, nil
}

func (o *output) String() string {
	o.mu.Lock()
	defer o.mu.Unlock()
	if len(o.tail) == 0 {
		return o.head.String()
	}
	return o.head.String() + "\n…\n" + string(o.tail)
}

// freePort finds a port free on 127.0.0.1 for both TCP and UDP: the server's web port, whose number its WebRTC
// UDP port takes too.
func freePort() (int, error) {
	for range 20 {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return 0, err
		}
		port := l.Addr().(*net.TCPAddr).Port
		u, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: port})
		l.Close()
		if err == nil {
			u.Close()
			return port, nil
		}
	}
	return 0, fmt.Errorf("no port is free for both TCP and UDP on 127.0.0.1")
}
