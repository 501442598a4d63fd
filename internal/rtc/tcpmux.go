package rtc

import (
	"net"
	"sync"
	"sync/atomic"
)

// muxListener is the listener pion's ICE-TCP mux accepts from: its
// connections are the ones SplitListener diverted from the web port, and its
// address is the web listener's, which pion announces in TCP candidates.
type muxListener struct {
	conns     chan net.Conn
	done      chan struct{}
	closeOnce sync.Once
	addr      atomic.Pointer[net.TCPAddr] // the first attached web listener
}

func newMuxListener() *muxListener {
	return &muxListener{conns: make(chan net.Conn), done: make(chan struct{})}
}

// attach records the web listener's address; the first one wins, since a
// candidate names one port.
func (m *muxListener) attach(addr *net.TCPAddr) bool {
	return m.addr.CompareAndSwap(nil, addr)
}

// servesIP is pion's IP filter: it keeps the local addresses a passive TCP
// candidate can be reached on, and none until a web listener is attached (so
// no candidate announces a port nobody listens on).
func (m *muxListener) servesIP(ip net.IP) bool {
	addr := m.addr.Load()
	switch {
	case addr == nil:
		return false
	case addr.IP.IsUnspecified():
		// "0.0.0.0" takes IPv4 only; "::" takes both on a dual-stack host.
		return ip.To4() != nil || addr.IP.To4() == nil
	default:
		return addr.IP.Equal(ip)
	}
}

// deliver hands c to the ICE-TCP mux. It reports false once the mux is closed
// or stop is, and then the caller still owns c.
func (m *muxListener) deliver(c net.Conn, stop <-chan struct{}) bool {
	select {
	case <-m.done:
		return false
	default:
	}
	select {
	case m.conns <- c:
		return true
	case <-m.done:
		return false
	case <-stop:
		return false
	}
}

// Accept implements net.Listener for pion's mux.
func (m *muxListener) Accept() (net.Conn, error) {
	select {
	case c := <-m.conns:
		return c, nil
	case <-m.done:
		return nil, net.ErrClosed
	}
}

// Close implements net.Listener; pion's mux calls it when it closes.
func (m *muxListener) Close() error {
	m.closeOnce.Do(func() { close(m.done) })

	return nil
}

// Addr implements net.Listener.
func (m *muxListener) Addr() net.Addr {
	if addr := m.addr.Load(); addr != nil {
		return addr
	}

	return &net.TCPAddr{} // pion logs it; servesIP keeps it out of candidates
}
