package rtc

import (
	"errors"
	"net"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pion/ice/v4"
	"github.com/pion/sdp/v3"
	"github.com/pion/stun/v4"
	"github.com/pion/transport/v5/test"
	"github.com/pion/webrtc/v4"
)

func TestMediaOverTheOneUDPPort(t *testing.T) {
	lim := test.TimeOut(30 * time.Second)
	defer lim.Stop()
	report := test.CheckRoutines(t)
	defer report()

	e := newTestEngine(t, Config{})
	defer func() {
		if err := e.Close(); err != nil {
			t.Errorf("close engine: %v", err)
		}
	}()

	server := newReceiver(t, e)
	defer func() { _ = server.pc.Close() }()
	client := newPublisher(t, newClient(t, webrtc.NetworkTypeUDP4))
	defer client.close(t)

	answer := exchange(t, client.pc, server.pc, true)
	client.start()
	server.waitMedia(t, 10*time.Second)

	for _, c := range candidates(t, answer) {
		if c.NetworkType() != ice.NetworkTypeUDP4 || c.Address() != "127.0.0.1" || c.Port() != e.UDPAddr().Port {
			t.Errorf("answer candidate %s, want UDP 127.0.0.1:%d only", c, e.UDPAddr().Port)
		}
	}
	if pair := selectedPair(t, server.pc); pair.Local.Port != uint16(e.UDPAddr().Port) { //nolint:gosec // a port
		t.Errorf("media flows on local port %d, want %d", pair.Local.Port, e.UDPAddr().Port)
	}
}

func TestAnswerNegotiatesVP8OpusWithFeedback(t *testing.T) {
	lim := test.TimeOut(20 * time.Second)
	defer lim.Stop()
	report := test.CheckRoutines(t)
	defer report()

	e := newTestEngine(t, Config{})
	defer func() { _ = e.Close() }()
	server := newReceiver(t, e)
	defer func() { _ = server.pc.Close() }()
	client := newPublisher(t, newClient(t, webrtc.NetworkTypeUDP4))
	defer client.close(t)

	// The stock pion offer lists H264, VP9, AV1, RTX, G722, PCMU... as a
	// browser does; the answer keeps VP8 and Opus only.
	answer := exchange(t, client.pc, server.pc, false)
	var parsed sdp.SessionDescription
	if err := parsed.UnmarshalString(answer); err != nil {
		t.Fatal(err)
	}
	if len(parsed.MediaDescriptions) != 2 {
		t.Fatalf("answer has %d m-lines, want 2", len(parsed.MediaDescriptions))
	}
	for _, m := range parsed.MediaDescriptions {
		attrs := map[string][]string{}
		for _, a := range m.Attributes {
			attrs[a.Key] = append(attrs[a.Key], a.Value)
		}
		if !slices.ContainsFunc(attrs["extmap"], func(v string) bool { return strings.HasSuffix(v, sdp.TransportCCURI) }) {
			t.Errorf("%s: no transport-wide-cc extmap in %v", m.MediaName.Media, attrs["extmap"])
		}
		if _, ok := attrs["recvonly"]; !ok {
			t.Errorf("%s: answer is not recvonly", m.MediaName.Media)
		}
		switch m.MediaName.Media {
		case "video":
			wantFormats(t, m, "96")
			wantValues(t, "video rtpmap", attrs["rtpmap"], "96 VP8/90000")
			wantValues(t, "video rtcp-fb", attrs["rtcp-fb"], "96 nack", "96 nack pli", "96 transport-cc")
		case "audio":
			wantFormats(t, m, "111")
			wantValues(t, "audio rtpmap", attrs["rtpmap"], "111 opus/48000/2")
			wantValues(t, "audio rtcp-fb", attrs["rtcp-fb"], "111 transport-cc")
		default:
			t.Errorf("unexpected m-line %s", m.MediaName.Media)
		}
	}
}

func wantFormats(t *testing.T, m *sdp.MediaDescription, want ...string) {
	t.Helper()
	if !slices.Equal(m.MediaName.Formats, want) {
		t.Errorf("%s payload types %v, want %v", m.MediaName.Media, m.MediaName.Formats, want)
	}
}

func wantValues(t *testing.T, what string, got []string, want ...string) {
	t.Helper()
	for _, w := range want {
		if !slices.Contains(got, w) {
			t.Errorf("%s: %q missing from %q", what, w, got)
		}
	}
}

func TestPublicIPsAreAnnounced(t *testing.T) {
	lim := test.TimeOut(20 * time.Second)
	defer lim.Stop()
	report := test.CheckRoutines(t)
	defer report()

	e := newTestEngine(t, Config{TCP: true, PublicIPs: []string{"203.0.113.7"}})
	defer func() { _ = e.Close() }()
	ln, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	split := e.SplitListener(ln)
	defer func() { _ = split.Close() }()

	server := newReceiver(t, e)
	defer func() { _ = server.pc.Close() }()
	client := newPublisher(t, newClient(t, webrtc.NetworkTypeUDP4))
	defer client.close(t)

	// The answer goes nowhere: a client would send to 203.0.113.7, off loopback.
	answer := exchange(t, client.pc, server.pc, false)
	var sawUDP, sawTCP bool
	for _, c := range candidates(t, answer) {
		if c.Address() != "203.0.113.7" {
			t.Errorf("answer candidate %s, want the public IP 203.0.113.7 only", c)
		}
		switch c.NetworkType() {
		case ice.NetworkTypeUDP4:
			sawUDP = c.Port() == e.UDPAddr().Port
		case ice.NetworkTypeTCP4:
			sawTCP = c.Port() == ln.Addr().(*net.TCPAddr).Port && c.TCPType() == ice.TCPTypePassive
		}
	}
	if !sawUDP || !sawTCP {
		t.Errorf("want a UDP candidate on the UDP port and a passive TCP one on the web port:\n%s", answer)
	}
}

func TestPublicAddressFromSTUN(t *testing.T) {
	for _, tc := range []struct {
		name       string
		answer     func(from *net.UDPAddr) *stun.XORMappedAddress // nil: stay silent
		wantPublic bool
	}{
		{
			name: "behind NAT",
			answer: func(from *net.UDPAddr) *stun.XORMappedAddress {
				return &stun.XORMappedAddress{IP: net.IPv4(198, 51, 100, 9), Port: from.Port}
			},
			wantPublic: true,
		},
		{
			name: "NAT changes the port",
			answer: func(from *net.UDPAddr) *stun.XORMappedAddress {
				return &stun.XORMappedAddress{IP: net.IPv4(198, 51, 100, 9), Port: from.Port + 1}
			},
		},
		{
			name: "no NAT",
			answer: func(from *net.UDPAddr) *stun.XORMappedAddress {
				return &stun.XORMappedAddress{IP: from.IP, Port: from.Port}
			},
		},
		{name: "STUN server silent"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			lim := test.TimeOut(20 * time.Second)
			defer lim.Stop()
			report := test.CheckRoutines(t)
			defer report()

			stunServer, stopSTUN := startSTUN(t, tc.answer)
			defer stopSTUN()

			e := newTestEngine(t, Config{STUNServers: []string{"stun:" + stunServer}})
			defer func() { _ = e.Close() }()
			if got := e.Configuration().ICEServers; len(got) != 0 {
				t.Errorf("Configuration has ICE servers %v; each PeerConnection would open its own ports", got)
			}
			server := newReceiver(t, e)
			defer func() { _ = server.pc.Close() }()
			client := newPublisher(t, newClient(t, webrtc.NetworkTypeUDP4))
			defer client.close(t)

			answer := exchange(t, client.pc, server.pc, false)
			var addrs []string
			for _, c := range candidates(t, answer) {
				if c.Port() != e.UDPAddr().Port {
					t.Errorf("candidate %s is not on the UDP port %d", c, e.UDPAddr().Port)
				}
				addrs = append(addrs, c.Address())
			}
			want := []string{"127.0.0.1"}
			if tc.wantPublic {
				want = append(want, "198.51.100.9")
			}
			slices.Sort(addrs)
			if !slices.Equal(addrs, want) {
				t.Errorf("answer announces %v, want %v\n%s", addrs, want, answer)
			}
		})
	}
}

// startSTUN runs a STUN server on loopback that answers binding requests with
// the address answer picks, as a server outside a NAT would see it.
func startSTUN(t *testing.T, answer func(from *net.UDPAddr) *stun.XORMappedAddress) (string, func()) {
	t.Helper()
	conn, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	wg.Go(func() {
		buf := make([]byte, 1500)
		for {
			n, from, err := conn.ReadFromUDP(buf)
			if errors.Is(err, net.ErrClosed) {
				return
			}
			if err != nil || answer == nil {
				continue
			}
			req := &stun.Message{Raw: append([]byte(nil), buf[:n]...)}
			if req.Decode() != nil || req.Type != stun.BindingRequest {
				continue
			}
			resp, err := stun.Build(stun.NewTransactionIDSetter(req.TransactionID), stun.BindingSuccess,
				answer(from), stun.Fingerprint)
			if err != nil {
				t.Errorf("build STUN answer: %v", err)

				continue
			}
			_, _ = conn.WriteToUDP(resp.Raw, from)
		}
	})

	return conn.LocalAddr().String(), func() {
		_ = conn.Close()
		wg.Wait()
	}
}
