// Package netfault gives a test a network of its own, in a Linux network namespace, and makes it as bad as a
// candidate's can be: random loss, a delay on every packet, a cut of a few seconds.
//
// The namespace holds a veth pair with both ends inside it (ServerIP on one, ClientIP on the other), loopback, and
// a default route over the veth, so browsers find a real interface and gather host candidates on it (Firefox never
// offers loopback candidates). Since both addresses are the namespace's own, the kernel delivers packets between
// them locally instead of through the pair; the faults therefore match on what the packets are (UDP, or anything
// between the two addresses). Every packet sent inside the namespace passes its OUTPUT chain once and then, on
// delivery, its INPUT chain once. Packets are dropped in INPUT: a DROP in OUTPUT refuses the sender's own
// sendto(2) with EPERM, which no network does (a lost packet is silent), and which a browser may take for a
// broken path (Firefox marks its ICE component disconnected at the first such error). The delay holds packets in
// OUTPUT, through NFQUEUE, where the sender's call has returned already. Nothing leaves the namespace: it has no
// link to any other.
//
// Processes run inside with Command (ip netns exec); the test process reaches them through DialContext, which
// opens its sockets from a thread that has entered the namespace. Faults use iptables (the kernel's nft_compat
// runs its statistic match and NFQUEUE target; nftables' own queue expression is not in every kernel) and, for the
// delay, an NFQUEUE reader in this process (see delayer). Everything needs root, ip(8) and iptables(8).
package netfault

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// Namespace is a network namespace that lives as long as the test that made it.
type Namespace struct {
	Name     string
	ServerIP string // for the server: 10.77.0.1
	ClientIP string // for the browser: 10.77.0.2

	t        testing.TB
	mu       sync.Mutex
	delayers []*delayer
	cut      atomic.Bool
}

const prefix = "takeone-test-"

var seq atomic.Int64

// Available says why this machine cannot make namespaces for tests, or nil.
func Available() error {
	if os.Geteuid() != 0 {
		return errors.New("network namespaces need root")
	}
	for _, tool := range []string{"ip", "iptables"} {
		if _, err := exec.LookPath(tool); err != nil {
			return fmt.Errorf("%s is needed (make deps installs iproute2 and iptables): %w", tool, err)
		}
	}
	return nil
}

// New makes a namespace with a unique name and removes it when the test ends, after ending any process still
// inside it (every one of them was started by this test).
func New(t testing.TB) *Namespace {
	t.Helper()
	if err := Available(); err != nil {
		t.Fatal(err)
	}
	removeStale()
	n := &Namespace{Name: fmt.Sprintf("%s%d-%d", prefix, os.Getpid(), seq.Add(1)), ServerIP: "10.77.0.1", ClientIP: "10.77.0.2", t: t}
	if err := ip("netns", "add", n.Name); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(n.remove)
	steps := [][]string{
		{"link", "set", "lo", "up"},
		{"link", "add", "veth-server", "type", "veth", "peer", "name", "veth-client"},
		{"addr", "add", n.ServerIP + "/24", "dev", "veth-server"},
		{"addr", "add", n.ClientIP + "/24", "dev", "veth-client"},
		{"link", "set", "veth-server", "up"},
		{"link", "set", "veth-client", "up"},
		// browsers look for the interface of the default route before they gather candidates
		{"route", "add", "default", "dev", "veth-client"},
	}
	for _, s := range steps {
		if err := ip(append([]string{"-n", n.Name}, s...)...); err != nil {
			t.Fatal(err)
		}
	}
	return n
}

func ip(args ...string) error {
	if out, err := exec.Command("ip", args...).CombinedOutput(); err != nil {
		return fmt.Errorf("netfault: ip %s: %w: %s", strings.Join(args, " "), err, strings.TrimSpace(string(out)))
	}
	return nil
}

// removeStale deletes the namespaces of test processes that are gone (a run that was killed).
func removeStale() {
	entries, _ := os.ReadDir("/run/netns")
	for _, e := range entries {
		rest, ok := strings.CutPrefix(e.Name(), prefix)
		if !ok {
			continue
		}
		pid, err := strconv.Atoi(strings.Split(rest, "-")[0])
		if err != nil {
			continue
		}
		if _, err := os.Stat(filepath.Join("/proc", strconv.Itoa(pid))); errors.Is(err, os.ErrNotExist) {
			_ = ip("netns", "del", e.Name())
		}
	}
}

func (n *Namespace) remove() {
	n.mu.Lock()
	delayers := n.delayers
	n.delayers = nil
	n.mu.Unlock()
	for _, d := range delayers {
		if err := d.close(); err != nil {
			n.t.Errorf("delay in %s: %v", n.Name, err)
		}
	}
	// whatever the test started inside and did not stop (it failed half-way): end it, by its id
	if out, err := exec.Command("ip", "netns", "pids", n.Name).Output(); err == nil {
		for f := range strings.FieldsSeq(string(out)) {
			if pid, err := strconv.Atoi(f); err == nil && pid != os.Getpid() {
				_ = syscall.Kill(pid, syscall.SIGKILL)
			}
		}
	}
	if err := ip("netns", "del", n.Name); err != nil {
		n.t.Errorf("removing the test's network namespace: %v", err)
	}
}

// Command is a command that runs inside the namespace.
func (n *Namespace) Command(name string, args ...string) *exec.Cmd {
	return exec.Command("ip", append([]string{"netns", "exec", n.Name, name}, args...)...)
}

// WrapperScript writes an executable script into dir that runs program inside the namespace with the script's
// arguments, for a tool that takes the path of the program to start (a browser automation library).
func (n *Namespace) WrapperScript(dir, program string) (string, error) {
	path := filepath.Join(dir, "in-"+n.Name+"-"+filepath.Base(program))
	script := "#!/bin/sh\nexec ip netns exec " + n.Name + " " + program + " \"$@\"\n"
	if err := os.WriteFile(path, []byte(script), 0o700); err != nil {
		return "", fmt.Errorf("netfault: %w", err)
	}
	return path, nil
}

// inside runs fn on a thread that has entered the namespace; sockets fn opens belong to it for good. The thread
// goes back to the test's own namespace afterwards; if it cannot, its goroutine ends still locked to it, so the Go
// runtime never runs anything else on it.
func (n *Namespace) inside(fn func()) error {
	errc := make(chan error, 1)
	go func() {
		runtime.LockOSThread()
		home, err := os.Open("/proc/thread-self/ns/net")
		if err != nil {
			errc <- fmt.Errorf("netfault: %w", err)
			return
		}
		defer home.Close()
		f, err := os.Open(filepath.Join("/run/netns", n.Name))
		if err != nil {
			errc <- fmt.Errorf("netfault: %w", err)
			return
		}
		defer f.Close()
		if err := unix.Setns(int(f.Fd()), unix.CLONE_NEWNET); err != nil {
			errc <- fmt.Errorf("netfault: setns %s: %w", n.Name, err)
			return
		}
		fn()
		if unix.Setns(int(home.Fd()), unix.CLONE_NEWNET) == nil {
			runtime.UnlockOSThread()
		}
		errc <- nil
	}()
	return <-errc
}

// DialContext connects to addr inside the namespace.
func (n *Namespace) DialContext(ctx context.Context, network, addr string) (net.Conn, error) {
	var conn net.Conn
	var dialErr error
	if err := n.inside(func() { conn, dialErr = (&net.Dialer{}).DialContext(ctx, network, addr) }); err != nil {
		return nil, err
	}
	return conn, dialErr
}

// HTTPClient is a client whose connections are made inside the namespace.
func (n *Namespace) HTTPClient() *http.Client {
	return &http.Client{Timeout: 60 * time.Second, Transport: &http.Transport{DialContext: n.DialContext, MaxIdleConnsPerHost: 4}}
}

func (n *Namespace) iptables(args ...string) error {
	cmd := n.Command("iptables", append([]string{"-w", "5"}, args...)...)
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("netfault: iptables %s: %w: %s", strings.Join(args, " "), err, strings.TrimSpace(string(out)))
	}
	return nil
}

// Impair makes every UDP packet sent inside the namespace (WebRTC's media, and nothing else uses UDP there) go
// missing with a probability of lossPercent %, and arrive delay late. As on a real network, the sender never
// learns of a loss: its send succeeds, the packet is dropped on delivery. Call it once, before the traffic starts.
func (n *Namespace) Impair(lossPercent int, delay time.Duration) error {
	if lossPercent > 0 {
		p := strconv.FormatFloat(float64(lossPercent)/100, 'f', 4, 64)
		if err := n.iptables("-A", "INPUT", "-p", "udp", "-m", "statistic", "--mode", "random", "--probability", p, "-j", "DROP"); err != nil {
			return err
		}
	}
	if delay <= 0 {
		return nil
	}
	var d *delayer
	var startErr error
	err := n.inside(func() {
		fd, err := unix.Socket(unix.AF_NETLINK, unix.SOCK_RAW|unix.SOCK_CLOEXEC, unix.NETLINK_NETFILTER)
		if err != nil {
			startErr = fmt.Errorf("netfault: netlink socket: %w", err)
			return
		}
		if d, startErr = newDelayer(fd, 0, delay); startErr != nil {
			unix.Close(fd)
		}
	})
	if err == nil {
		err = startErr
	}
	if err != nil {
		return err
	}
	n.mu.Lock()
	n.delayers = append(n.delayers, d)
	n.mu.Unlock()
	// no --queue-bypass: were the reader gone, packets would be dropped and the test would see it, rather than
	// pass on a network that is suddenly better than the one it claims to test
	return n.iptables("-A", "OUTPUT", "-p", "udp", "-j", "NFQUEUE", "--queue-num", "0")
}

// Cut drops all UDP and every packet to or from ServerIP for d, silently (on delivery, as Impair), then lets them
// pass again; it returns once the network is back. (Loopback between 127.0.0.1 and itself, where the test talks to
// a browser's driver, stays up.)
func (n *Namespace) Cut(d time.Duration) error {
	if !n.cut.CompareAndSwap(false, true) {
		return errors.New("netfault: already cut")
	}
	defer n.cut.Store(false)
	rules := [][]string{{"-p", "udp"}, {"-d", n.ServerIP}, {"-s", n.ServerIP}}
	for _, r := range rules {
		if err := n.iptables(append(append([]string{"-I", "INPUT", "1"}, r...), "-j", "DROP")...); err != nil {
			return err
		}
	}
	time.Sleep(d)
	var err error
	for _, r := range rules {
		err = errors.Join(err, n.iptables(append(append([]string{"-D", "INPUT"}, r...), "-j", "DROP")...))
	}
	return err
}
