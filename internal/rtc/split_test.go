package rtc

import (
	"bytes"
	"crypto/tls"
	"encoding/binary"
	"errors"
	"io"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pion/ice/v4"
	"github.com/pion/stun/v4"
	"github.com/pion/transport/v5/test"
	"github.com/pion/webrtc/v4"
)

func TestClassify(t *testing.T) {
	lim := test.TimeOut(10 * time.Second)
	defer lim.Stop()
	report := test.CheckRoutines(t)
	defer report()

	binding := framedSTUN(t, stun.NewUsername("abcd:efgh"))
	for _, tc := range []struct {
		name string
		in   []byte
		want verdict
	}{
		{"nothing yet", nil, needMore},
		{"one zero byte", []byte{0x00}, needMore},
		{"TLS record", []byte{0x16, 0x03, 0x01}, notSTUN},
		{"HTTP method", []byte("G"), notSTUN},
		{"frame shorter than a STUN header", []byte{0x00, 0x05}, notSTUN},
		{"frame longer than pion's first read", []byte{0x02, 0x58}, notSTUN},
		{"plausible length", []byte{0x00, 0x1c}, needMore},
		{"message type with high bits", []byte{0x00, 0x1c, 0x40}, notSTUN},
		{"STUN length disagrees with frame", []byte{0x00, 0x1c, 0x00, 0x01, 0x00, 0x0c}, notSTUN},
		{"STUN length not a multiple of 4", []byte{0x00, 0x1a, 0x00, 0x01, 0x00, 0x06}, notSTUN},
		{"wrong magic cookie", []byte{0x00, 0x1c, 0x00, 0x01, 0x00, 0x08, 0x21, 0x12, 0xA4, 0x43}, notSTUN},
		{"header of a binding request", binding[:10], needMore},
		{"binding request but one byte", binding[:len(binding)-1], needMore},
		{"binding request", binding, isSTUN},
		{"binding request and more", append(append([]byte(nil), binding...), 0x00, 0x10), isSTUN},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := classify(tc.in); got != tc.want {
				t.Errorf("classify(% x) = %v, want %v", tc.in, got, tc.want)
			}
		})
	}
}

// TestSplitListener drives real connections into a SplitListener and checks
// where each one comes out.
func TestSplitListener(t *testing.T) {
	lim := test.TimeOut(30 * time.Second)
	defer lim.Stop()
	report := test.CheckRoutines(t)
	defer report()

	e := newTestEngine(t, Config{TCP: true})
	engineClosed := false
	defer func() {
		if !engineClosed {
			_ = e.Close()
		}
	}()
	ln, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	web := startWeb(t, e.SplitListener(ln))
	defer web.close(t)

	// A take waiting for its candidate: a real binding request for it must
	// reach pion's ICE agent through the web port and be answered.
	server := newReceiver(t, e)
	defer func() { _ = server.pc.Close() }()
	client := newPublisher(t, newClient(t, webrtc.NetworkTypeUDP4))
	defer client.close(t)
	answer := exchange(t, client.pc, server.pc, false)
	iceBinding := framedSTUN(t,
		stun.NewUsername(sdpValue(t, answer, "ice-ufrag")+":"+sdpValue(t, client.pc.LocalDescription().SDP, "ice-ufrag")),
		ice.PriorityAttr(1), ice.AttrControlling(1),
		stun.NewShortTermIntegrity(sdpValue(t, answer, "ice-pwd")),
	)

	t.Run("STUN binding request goes to ICE", func(t *testing.T) {
		c := dial(t, addr)
		defer func() { _ = c.Close() }()
		write(t, c, iceBinding)
		resp := readFramedSTUN(t, c)
		if resp.Type != stun.BindingSuccess {
			t.Errorf("ICE answered %s, want a binding success", resp.Type)
		}
		web.none(t, 2*testOptions.sniffTimeout)
	})

	for _, tc := range []struct {
		name      string
		send      []byte
		thenClose bool
	}{
		{name: "TLS ClientHello", send: clientHello(t)},
		{name: "HTTP request", send: []byte("GET /api/health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")},
		{name: "garbage", send: []byte("\x00\x05hello, is this the web?")},
		{name: "STUN-like with a wrong cookie", send: []byte{0x00, 0x1c, 0x00, 0x01, 0x00, 0x08, 0xde, 0xad, 0xbe, 0xef}},
		{name: "one byte then close", send: []byte{0x00}, thenClose: true},
	} {
		t.Run(tc.name+" goes to the web server", func(t *testing.T) {
			c := dial(t, addr)
			defer func() { _ = c.Close() }()
			write(t, c, tc.send)
			if tc.thenClose {
				_ = c.Close()
			}
			got := web.next(t, c, 5*time.Second)
			defer func() { _ = got.Close() }()
			wantBytes(t, got, tc.send, tc.thenClose)
		})
	}

	t.Run("a silent client does not hold up others", func(t *testing.T) {
		silent := dial(t, addr)
		defer func() { _ = silent.Close() }()
		start := time.Now()
		talker := dial(t, addr)
		defer func() { _ = talker.Close() }()
		request := []byte("GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
		write(t, talker, request)

		got := web.next(t, talker, 5*time.Second)
		defer func() { _ = got.Close() }()
		wantBytes(t, got, request, false)

		// After the sniff deadline the silent one goes to the web server,
		// whose own timeouts deal with it.
		quiet := web.next(t, silent, 5*time.Second)
		defer func() { _ = quiet.Close() }()
		if waited := time.Since(start); waited < testOptions.sniffTimeout/2 {
			t.Errorf("silent connection handed over after %s, before the sniff deadline %s", waited, testOptions.sniffTimeout)
		}
		later := []byte("GET / HTTP/1.1\r\n")
		write(t, silent, later)
		wantBytes(t, quiet, later, false)
	})

	t.Run("after the engine closes, STUN goes to the web server", func(t *testing.T) {
		if err := e.Close(); err != nil {
			t.Fatal(err)
		}
		engineClosed = true
		c := dial(t, addr)
		defer func() { _ = c.Close() }()
		write(t, c, iceBinding)
		got := web.next(t, c, 5*time.Second)
		defer func() { _ = got.Close() }()
		wantBytes(t, got, iceBinding, false)
	})
}

func TestSplitListenerBounded(t *testing.T) {
	lim := test.TimeOut(20 * time.Second)
	defer lim.Stop()
	report := test.CheckRoutines(t)
	defer report()

	opts := testOptions
	opts.maxSniffers = 1
	opts.sniffTimeout = 5 * time.Second
	e, err := newEngine(Config{UDPAddr: "127.0.0.1", TCP: true}, testLogger(t), opts)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = e.Close() }()
	ln, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	web := startWeb(t, e.SplitListener(ln))
	defer web.close(t)

	// The only sniff slot is taken by a silent client: the next connection
	// is not sniffed, it goes straight to the web server, STUN or not.
	silent := dial(t, ln.Addr().String())
	defer func() { _ = silent.Close() }()
	time.Sleep(100 * time.Millisecond) // let the listener take the slot
	c := dial(t, ln.Addr().String())
	defer func() { _ = c.Close() }()
	binding := framedSTUN(t, stun.NewUsername("abcd:efgh"))
	write(t, c, binding)
	got := web.next(t, c, time.Second) // well before the 5 s sniff deadline
	defer func() { _ = got.Close() }()
	wantBytes(t, got, binding, false)
}

func TestSplitListenerClose(t *testing.T) {
	lim := test.TimeOut(20 * time.Second)
	defer lim.Stop()
	report := test.CheckRoutines(t)
	defer report()

	e := newTestEngine(t, Config{TCP: true})
	defer func() { _ = e.Close() }()
	ln, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	split := e.SplitListener(ln)
	if split.Addr().String() != ln.Addr().String() {
		t.Errorf("Addr() = %s, want %s", split.Addr(), ln.Addr())
	}

	// A connection still being sniffed, and an Accept waiting.
	pending := dial(t, ln.Addr().String())
	defer func() { _ = pending.Close() }()
	accepted := make(chan error, 1)
	go func() {
		c, err := split.Accept()
		if c != nil {
			_ = c.Close()
		}
		accepted <- err
	}()
	time.Sleep(50 * time.Millisecond)

	if err := split.Close(); err != nil {
		t.Errorf("close: %v", err)
	}
	select {
	case err := <-accepted:
		if !errors.Is(err, net.ErrClosed) {
			t.Errorf("waiting Accept returned %v, want net.ErrClosed", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Accept still blocked after Close")
	}
	if _, err := split.Accept(); !errors.Is(err, net.ErrClosed) {
		t.Errorf("Accept after Close returned %v, want net.ErrClosed", err)
	}
	// The sniffed connection was closed, not leaked.
	_ = pending.SetReadDeadline(time.Now().Add(5 * time.Second))
	if _, err := pending.Read(make([]byte, 1)); !errors.Is(err, io.EOF) && !isReset(err) {
		t.Errorf("connection being sniffed at Close: read returned %v, want it closed", err)
	}
	if c, err := net.DialTimeout("tcp4", ln.Addr().String(), time.Second); err == nil {
		_ = c.Close()
		t.Error("the wrapped listener still accepts after Close")
	}
}

func TestSplitListenerWithTCPOff(t *testing.T) {
	lim := test.TimeOut(10 * time.Second)
	defer lim.Stop()
	report := test.CheckRoutines(t)
	defer report()

	e := newTestEngine(t, Config{})
	defer func() { _ = e.Close() }()
	ln, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = ln.Close() }()
	if got := e.SplitListener(ln); got != ln {
		t.Errorf("SplitListener with TCP off returned %T, want the listener itself", got)
	}
}

// webSide stands in for the web server: it accepts from the split listener.
type webSide struct {
	ln       net.Listener
	accepted chan net.Conn
	done     chan error
}

func startWeb(t *testing.T, ln net.Listener) *webSide {
	t.Helper()
	w := &webSide{ln: ln, accepted: make(chan net.Conn, 16), done: make(chan error, 1)}
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				w.done <- err

				return
			}
			w.accepted <- c
		}
	}()

	return w
}

// next returns the accepted connection of client c.
func (w *webSide) next(t *testing.T, c net.Conn, within time.Duration) net.Conn {
	t.Helper()
	timeout := time.After(within)
	for {
		select {
		case got := <-w.accepted:
			if got.RemoteAddr().String() == c.LocalAddr().String() {
				return got
			}
			_ = got.Close()
			t.Errorf("web server got an unexpected connection from %s", got.RemoteAddr())
		case <-timeout:
			t.Fatalf("web server did not get the connection from %s within %s", c.LocalAddr(), within)
		}
	}
}

// none checks that nothing reaches the web server for a while.
func (w *webSide) none(t *testing.T, wait time.Duration) {
	t.Helper()
	select {
	case got := <-w.accepted:
		_ = got.Close()
		t.Errorf("web server got the connection from %s", got.RemoteAddr())
	case <-time.After(wait):
	}
}

func (w *webSide) close(t *testing.T) {
	t.Helper()
	if err := w.ln.Close(); err != nil {
		t.Errorf("close split listener: %v", err)
	}
	if err := <-w.done; !errors.Is(err, net.ErrClosed) {
		t.Errorf("Accept after Close returned %v, want net.ErrClosed", err)
	}
	for {
		select {
		case c := <-w.accepted:
			_ = c.Close()
		default:
			return
		}
	}
}

func dial(t *testing.T, addr string) net.Conn {
	t.Helper()
	c, err := net.DialTimeout("tcp4", addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}

	return c
}

func write(t *testing.T, c net.Conn, b []byte) {
	t.Helper()
	if _, err := c.Write(b); err != nil {
		t.Fatal(err)
	}
}

// wantBytes reads want from c, and then EOF when eof is set.
func wantBytes(t *testing.T, c net.Conn, want []byte, eof bool) {
	t.Helper()
	_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
	got := make([]byte, len(want))
	if _, err := io.ReadFull(c, got); err != nil {
		t.Fatalf("read %d bytes: %v", len(want), err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("web server read % x, want % x", got, want)
	}
	if eof {
		if n, err := c.Read(make([]byte, 1)); n != 0 || !errors.Is(err, io.EOF) {
			t.Errorf("after the bytes: %d, %v, want EOF", n, err)
		}
	}
}

// framedSTUN builds a binding request framed as RFC 4571 does.
func framedSTUN(t *testing.T, setters ...stun.Setter) []byte {
	t.Helper()
	msg, err := stun.Build(append([]stun.Setter{stun.TransactionID, stun.BindingRequest}, append(setters, stun.Fingerprint)...)...)
	if err != nil {
		t.Fatal(err)
	}

	return append(binary.BigEndian.AppendUint16(nil, uint16(len(msg.Raw))), msg.Raw...) //nolint:gosec // a STUN message
}

func readFramedSTUN(t *testing.T, c net.Conn) *stun.Message {
	t.Helper()
	_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
	var size [2]byte
	if _, err := io.ReadFull(c, size[:]); err != nil {
		t.Fatalf("read STUN frame: %v", err)
	}
	msg := &stun.Message{Raw: make([]byte, binary.BigEndian.Uint16(size[:]))}
	if _, err := io.ReadFull(c, msg.Raw); err != nil {
		t.Fatalf("read STUN frame: %v", err)
	}
	if err := msg.Decode(); err != nil {
		t.Fatalf("decode STUN: %v", err)
	}

	return msg
}

// clientHello returns the first bytes a TLS client sends.
func clientHello(t *testing.T) []byte {
	t.Helper()
	client, server := net.Pipe()
	var wg sync.WaitGroup
	wg.Go(func() {
		_ = tls.Client(client, &tls.Config{ServerName: "takeone.test", MinVersion: tls.VersionTLS12}).Handshake()
	})
	buf := make([]byte, 4096)
	n, err := server.Read(buf)
	_ = server.Close()
	_ = client.Close()
	wg.Wait()
	if err != nil {
		t.Fatal(err)
	}
	if n < 2 || buf[0] != 0x16 || buf[1] != 0x03 {
		t.Fatalf("not a TLS record: % x", buf[:min(n, 8)])
	}

	return buf[:n]
}

func sdpValue(t *testing.T, sdp, key string) string {
	t.Helper()
	for line := range strings.Lines(sdp) {
		if v, ok := strings.CutPrefix(strings.TrimSpace(line), "a="+key+":"); ok {
			return v
		}
	}
	t.Fatalf("no a=%s in SDP", key)

	return ""
}

func isReset(err error) bool {
	var opErr *net.OpError

	return errors.As(err, &opErr) && strings.Contains(opErr.Err.Error(), "reset")
}
