package rtc

import (
	"encoding/binary"
	"net"
	"time"
)

// An ICE-TCP connection (RFC 6544) starts with a STUN binding request framed
// as RFC 4571 describes:
//
//	bytes 0-1    frame length (= 20 + STUN message length)
//	bytes 2-3    STUN message type, first two bits 0
//	bytes 4-5    STUN message length, a multiple of 4
//	bytes 6-9    magic cookie 0x2112A442
//	bytes 10-21  transaction ID, then attributes
//
// A TLS record starts 0x16 0x03 and an HTTP request with an ASCII method, so
// the very first byte (a frame length's high byte, at most 0x02) tells most
// of them apart; the rest fail on the lengths or the cookie.
const (
	stunHeaderLen = 20
	// maxFirstFrame is the largest first frame pion's ICE-TCP mux reads (into
	// 512 bytes); a longer one is not for it. Binding requests are ~100-200.
	maxFirstFrame = 512
)

var stunMagicCookie = [4]byte{0x21, 0x12, 0xA4, 0x42}

type verdict int

const (
	needMore verdict = iota
	isSTUN
	notSTUN
)

// classify looks at the first bytes of a connection. It says isSTUN only for
// a complete first frame, so pion's mux never waits on the network for it.
func classify(b []byte) verdict {
	if len(b) >= 1 && b[0] > maxFirstFrame>>8 {
		return notSTUN
	}
	if len(b) < 2 {
		return needMore
	}
	frameLen := int(binary.BigEndian.Uint16(b[0:2]))
	if frameLen < stunHeaderLen || frameLen > maxFirstFrame {
		return notSTUN
	}
	if len(b) >= 3 && b[2]&0xC0 != 0 {
		return notSTUN
	}
	if len(b) >= 6 {
		msgLen := int(binary.BigEndian.Uint16(b[4:6]))
		if msgLen%4 != 0 || msgLen+stunHeaderLen != frameLen {
			return notSTUN
		}
	}
	for i := 6; i < 10 && i < len(b); i++ {
		if b[i] != stunMagicCookie[i-6] {
			return notSTUN
		}
	}
	if len(b) < 2+frameLen {
		return needMore
	}

	return isSTUN
}

// peek reads from c until classify decides, the deadline passes or c fails,
// and returns what it read. Only a complete STUN frame counts as STUN; a
// timeout, EOF or reset leaves the connection to the web server, which
// answers or closes it.
func peek(c net.Conn, timeout time.Duration) ([]byte, bool) {
	_ = c.SetReadDeadline(time.Now().Add(timeout))
	defer func() { _ = c.SetReadDeadline(time.Time{}) }()

	buf := make([]byte, 2+maxFirstFrame)
	n := 0
	for {
		m, err := c.Read(buf[n:])
		n += m
		switch classify(buf[:n]) {
		case isSTUN:
			return buf[:n], true
		case notSTUN:
			return buf[:n], false
		case needMore:
		}
		if err != nil {
			return buf[:n], false
		}
	}
}
