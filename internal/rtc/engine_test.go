package rtc

import (
	"net"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/pion/transport/v5/test"
)

func TestNewRejectsAPortInUse(t *testing.T) {
	lim := test.TimeOut(10 * time.Second)
	defer lim.Stop()
	report := test.CheckRoutines(t)
	defer report()

	taken, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = taken.Close() }()
	port := taken.LocalAddr().(*net.UDPAddr).Port

	e, err := New(Config{UDPPort: port, UDPAddr: "127.0.0.1", TCP: true}, nil)
	if err == nil {
		_ = e.Close()
		t.Fatal("New bound a UDP port that is in use")
	}
	for _, want := range []string{"webrtc.udp_port", strconv.Itoa(port), "already in use", "free port"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not say %q", err, want)
		}
	}
}

func TestNewRejectsBadConfig(t *testing.T) {
	lim := test.TimeOut(10 * time.Second)
	defer lim.Stop()
	report := test.CheckRoutines(t)
	defer report()

	for _, tc := range []struct {
		name string
		cfg  Config
		want string
	}{
		{"negative port", Config{UDPPort: -1}, "webrtc.udp_port -1 is not a port number"},
		{"port too large", Config{UDPPort: 70000}, "webrtc.udp_port 70000 is not a port number"},
		{"UDP address not an IP", Config{UDPAddr: "localhost"}, `"localhost" is not an IP address`},
		{"public IP not an IP", Config{PublicIPs: []string{"example.com"}}, `webrtc.public_ips: "example.com"`},
		{"public/private pair with a bad side", Config{PublicIPs: []string{"203.0.113.7/lan"}}, `webrtc.public_ips: "203.0.113.7/lan"`},
		{"STUN URL unparsable", Config{STUNServers: []string{"stun.example.com"}}, `webrtc.stun_servers: "stun.example.com"`},
		{"TURN in the STUN list", Config{STUNServers: []string{"turn:turn.example.com"}}, "only stun: URLs over UDP"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e, err := New(tc.cfg, nil)
			if err == nil {
				_ = e.Close()
				t.Fatalf("New accepted %+v", tc.cfg)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q, want it to say %q", err, tc.want)
			}
		})
	}
}

func TestEngineCloseTwice(t *testing.T) {
	lim := test.TimeOut(10 * time.Second)
	defer lim.Stop()
	report := test.CheckRoutines(t)
	defer report()

	e := newTestEngine(t, Config{TCP: true, PublicIPs: []string{"203.0.113.7", "198.51.100.1/127.0.0.1"}})
	addr := e.UDPAddr()
	if !addr.IP.Equal(net.IPv4(127, 0, 0, 1)) || addr.Port == 0 {
		t.Errorf("UDPAddr() = %s, want 127.0.0.1 and the port picked", addr)
	}
	if err := e.Close(); err != nil {
		t.Errorf("close: %v", err)
	}
	if err := e.Close(); err != nil {
		t.Errorf("second close: %v", err)
	}
	// The port is free again.
	again, err := net.ListenUDP("udp4", addr)
	if err != nil {
		t.Fatalf("UDP port still bound after Close: %v", err)
	}
	_ = again.Close()
}
