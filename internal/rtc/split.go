package rtc

import (
	"io"
	"log/slog"
	"net"
	"sync"
	"time"
)

// SplitListener wraps the raw TCP listener of the web server so that ICE-TCP
// shares the web port: a connection whose first bytes are an RFC 4571-framed
// STUN message goes to pion's ICE-TCP mux; every other connection (a TLS
// ClientHello, an HTTP request, garbage, silence) comes out of the returned
// listener with the bytes read so far replayed, so the web server sees it
// unchanged. Wrap the result with tls.NewListener for HTTPS.
//
// Sniffing happens in a goroutine per connection, bounded in number and in
// time, so a slow or silent client never holds up Accept for others. Closing
// the returned listener closes l. With ICE-TCP off it returns l itself.
//
// The first listener passed in is the one announced in TCP candidates; call
// SplitListener before the first PeerConnection gathers.
//
// Example:
//
//	ln, err := net.Listen("tcp", ":443")
//	if err != nil {
//		return err
//	}
//	err = server.Serve(tls.NewListener(engine.SplitListener(ln), tlsConfig))
func (e *Engine) SplitListener(l net.Listener) net.Listener {
	if e.tcpLn == nil {
		return l
	}
	if addr, ok := l.Addr().(*net.TCPAddr); ok && !e.tcpLn.attach(addr) {
		e.log.Info("webrtc: ICE-TCP candidates keep the first web listener's port; this one still accepts ICE-TCP",
			"addr", addr.String())
	}

	s := &splitListener{
		inner:      l,
		mux:        e.tcpLn,
		opts:       e.opts,
		log:        e.log,
		conns:      make(chan net.Conn),
		done:       make(chan struct{}),
		acceptDone: make(chan struct{}),
		slots:      make(chan struct{}, e.opts.maxSniffers),
		sniffing:   make(map[net.Conn]struct{}),
	}
	s.wg.Add(1)
	go s.acceptLoop()

	return s
}

type splitListener struct {
	inner net.Listener
	mux   *muxListener
	opts  options
	log   *slog.Logger

	conns chan net.Conn // to the web server
	done  chan struct{} // closed by Close

	acceptDone chan struct{} // closed when inner failed for good
	acceptErr  error         // set before acceptDone is closed

	slots chan struct{} // one per connection being sniffed

	mu       sync.Mutex
	sniffing map[net.Conn]struct{} // closed by Close so sniffers end at once

	closeOnce sync.Once
	closeErr  error
	wg        sync.WaitGroup
}

// Accept returns the next connection for the web server. After Close it
// returns net.ErrClosed.
func (s *splitListener) Accept() (net.Conn, error) {
	select {
	case <-s.done:
		return nil, net.ErrClosed
	default:
	}
	select {
	case c := <-s.conns:
		return c, nil
	case <-s.done:
		return nil, net.ErrClosed
	case <-s.acceptDone:
		return nil, s.acceptErr
	}
}

// Close closes the wrapped listener and the connections still being sniffed,
// and waits for the goroutines of this listener to end.
func (s *splitListener) Close() error {
	s.closeOnce.Do(func() {
		s.mu.Lock()
		close(s.done)
		for c := range s.sniffing {
			_ = c.Close()
		}
		s.mu.Unlock()
		s.closeErr = s.inner.Close()
		s.wg.Wait()
	})

	return s.closeErr
}

// Addr returns the wrapped listener's address.
func (s *splitListener) Addr() net.Addr {
	return s.inner.Addr()
}

func (s *splitListener) acceptLoop() {
	defer s.wg.Done()

	var backoff time.Duration
	for {
		c, err := s.inner.Accept()
		if err != nil {
			if s.closed() {
				return
			}
			if t, ok := err.(interface{ Temporary() bool }); ok && t.Temporary() {
				// Out of file descriptors and the like: back off as
				// net/http does, rather than spin or give up.
				backoff = min(max(2*backoff, 5*time.Millisecond), time.Second)
				s.log.Warn("webrtc: accept failed; retrying", "error", err, "in", backoff)
				select {
				case <-time.After(backoff):
					continue
				case <-s.done:
					return
				}
			}
			s.acceptErr = err
			close(s.acceptDone)

			return
		}
		backoff = 0

		select {
		case s.slots <- struct{}{}:
		default:
			// Every slot holds a silent connection (a flood): the web
			// server keeps working; this one cannot be ICE-TCP.
			s.toWeb(c)

			continue
		}
		if !s.track(c) {
			_ = c.Close()
			<-s.slots

			return
		}
		s.wg.Add(1)
		go s.sniff(c)
	}
}

func (s *splitListener) sniff(c net.Conn) {
	defer s.wg.Done()

	head, isSTUN := peek(c, s.opts.sniffTimeout)
	s.untrack(c)
	<-s.slots

	pc := &peekedConn{Conn: c, head: head}
	if isSTUN && s.mux.deliver(pc, s.done) {
		return
	}
	s.toWeb(pc)
}

// toWeb hands c to the web server's Accept, or closes it if the listener
// closes first.
func (s *splitListener) toWeb(c net.Conn) {
	select {
	case s.conns <- c:
	case <-s.done:
		_ = c.Close()
	}
}

func (s *splitListener) closed() bool {
	select {
	case <-s.done:
		return true
	default:
		return false
	}
}

func (s *splitListener) track(c net.Conn) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed() {
		return false
	}
	s.sniffing[c] = struct{}{}

	return true
}

func (s *splitListener) untrack(c net.Conn) {
	s.mu.Lock()
	delete(s.sniffing, c)
	s.mu.Unlock()
}

// peekedConn replays the bytes read while sniffing before reading on.
type peekedConn struct {
	net.Conn
	head []byte
}

func (c *peekedConn) Read(p []byte) (int, error) {
	if len(c.head) > 0 {
		n := copy(p, c.head)
		c.head = c.head[n:]

		return n, nil
	}

	return c.Conn.Read(p)
}

// ReadFrom keeps sendfile for plain-HTTP file responses (net/http looks for
// io.ReaderFrom on the connection).
func (c *peekedConn) ReadFrom(r io.Reader) (int64, error) {
	if rf, ok := c.Conn.(io.ReaderFrom); ok {
		return rf.ReadFrom(r)
	}

	return io.Copy(struct{ io.Writer }{c.Conn}, r)
}

// CloseWrite keeps net/http's graceful close (half-close, then drain).
func (c *peekedConn) CloseWrite() error {
	if cw, ok := c.Conn.(interface{ CloseWrite() error }); ok {
		return cw.CloseWrite()
	}

	return nil
}
