package e2e

import (
	"io"
	"net"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// udpRelay stands between the browser and the server's media port, on loopback, so a test can cut the network
// for a while: the server announces the relay's address (webrtc.public_ips) and the relay passes datagrams both
// ways, or drops them all while cut.
type udpRelay struct {
	front    *net.UDPConn // what the browser talks to
	upstream *net.UDPAddr // the server's media port
	cut      atomic.Bool

	mu    sync.Mutex
	peers map[string]*net.UDPConn // one upstream socket per browser address
	wg    sync.WaitGroup
}

// newUDPRelay listens on listen (IP:port) and relays to upstream.
func newUDPRelay(t testing.TB, listen, upstream string) *udpRelay {
	t.Helper()
	la, err := net.ResolveUDPAddr("udp", listen)
	if err != nil {
		t.Fatal(err)
	}
	ua, err := net.ResolveUDPAddr("udp", upstream)
	if err != nil {
		t.Fatal(err)
	}
	front, err := net.ListenUDP("udp", la)
	if err != nil {
		t.Fatal(err)
	}
	r := &udpRelay{front: front, upstream: ua, peers: map[string]*net.UDPConn{}}
	r.wg.Add(1)
	go r.forward()
	t.Cleanup(r.close)
	return r
}

func (r *udpRelay) forward() {
	defer r.wg.Done()
	buf := make([]byte, 1500)
	for {
		n, from, err := r.front.ReadFromUDP(buf)
		if err != nil {
			return
		}
		if r.cut.Load() {
			continue
		}
		if up := r.peer(from); up != nil {
			_, _ = up.Write(buf[:n])
		}
	}
}

// peer is the upstream socket of one browser address; its replies go back to that address.
func (r *udpRelay) peer(from *net.UDPAddr) *net.UDPConn {
	r.mu.Lock()
	defer r.mu.Unlock()
	if up, ok := r.peers[from.String()]; ok {
		return up
	}
	up, err := net.DialUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)}, r.upstream)
	if err != nil {
		return nil
	}
	r.peers[from.String()] = up
	r.wg.Add(1)
	go func() {
		defer r.wg.Done()
		buf := make([]byte, 1500)
		for {
			n, err := up.Read(buf)
			if err != nil {
				return
			}
			if !r.cut.Load() {
				_, _ = r.front.WriteToUDP(buf[:n], from)
			}
		}
	}()
	return up
}

// cutFor drops every datagram for d.
func (r *udpRelay) cutFor(d time.Duration) {
	r.cut.Store(true)
	time.Sleep(d)
	r.cut.Store(false)
}

func (r *udpRelay) close() {
	r.front.Close()
	r.mu.Lock()
	for _, up := range r.peers {
		up.Close()
	}
	r.mu.Unlock()
	r.wg.Wait()
}

// newTCPRelay passes TCP connections from listen to upstream, so the relay's address can stand for the server's
// web port (where ICE-TCP arrives too).
func newTCPRelay(t testing.TB, listen, upstream string) {
	t.Helper()
	l, err := net.Listen("tcp", listen)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	var conns []net.Conn
	track := func(c net.Conn) {
		mu.Lock()
		conns = append(conns, c)
		mu.Unlock()
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			in, err := l.Accept()
			if err != nil {
				return
			}
			out, err := net.Dial("tcp", upstream)
			if err != nil {
				in.Close()
				continue
			}
			track(in)
			track(out)
			wg.Add(2)
			go func() { defer wg.Done(); _, _ = io.Copy(out, in); out.Close() }()
			go func() { defer wg.Done(); _, _ = io.Copy(in, out); in.Close() }()
		}
	}()
	t.Cleanup(func() {
		l.Close()
		mu.Lock()
		for _, c := range conns {
			c.Close()
		}
		mu.Unlock()
		wg.Wait()
	})
}
