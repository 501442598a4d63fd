package rtc

import (
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pion/ice/v4"
	"github.com/pion/interceptor"
	"github.com/pion/transport/v5/test"
	"github.com/pion/transport/v5/vnet"
	"github.com/pion/webrtc/v4"
)

// An engine on a virtual network (pion's vnet, what loss and cut tests put between the server and a client)
// answers with its virtual address and takes media over it.
func TestMediaOverAVirtualNetwork(t *testing.T) {
	lim := test.TimeOut(30 * time.Second)
	defer lim.Stop()
	report := test.CheckRoutines(t)
	defer report()

	router, err := vnet.NewRouter(&vnet.RouterConfig{CIDR: "192.0.2.0/24", LoggerFactory: pionLogs{log: testLogger(t)}})
	if err != nil {
		t.Fatal(err)
	}
	serverNet, err := vnet.NewNet(&vnet.NetConfig{StaticIPs: []string{"192.0.2.1"}})
	if err != nil {
		t.Fatal(err)
	}
	clientNet, err := vnet.NewNet(&vnet.NetConfig{StaticIPs: []string{"192.0.2.2"}})
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range []*vnet.Net{serverNet, clientNet} {
		if err := router.AddNet(n); err != nil {
			t.Fatal(err)
		}
	}
	var routed atomic.Int64
	router.AddChunkFilter(func(vnet.Chunk) bool { routed.Add(1); return true })
	if err := router.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = router.Stop() }()

	e, err := newEngine(Config{UDPAddr: "192.0.2.1", Net: serverNet}, testLogger(t), testOptions)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = e.Close() }()
	if addr := e.UDPAddr(); addr.IP.String() != "192.0.2.1" || addr.Port == 0 {
		t.Fatalf("UDP port bound on %s, want 192.0.2.1", addr)
	}

	server := newReceiver(t, e)
	defer func() { _ = server.pc.Close() }()
	client := newPublisher(t, newVirtualClient(t, clientNet))
	defer client.close(t)

	answer := exchange(t, client.pc, server.pc, true)
	client.start()
	server.waitMedia(t, 10*time.Second)

	for _, c := range candidates(t, answer) {
		if c.NetworkType() != ice.NetworkTypeUDP4 || c.Address() != "192.0.2.1" || c.Port() != e.UDPAddr().Port {
			t.Errorf("answer candidate %s, want UDP 192.0.2.1:%d only", c, e.UDPAddr().Port)
		}
	}
	if routed.Load() == 0 {
		t.Error("no packet went through the virtual router")
	}
}

func TestVirtualNetworkRefusesHostOnlyFeatures(t *testing.T) {
	lim := test.TimeOut(10 * time.Second)
	defer lim.Stop()
	report := test.CheckRoutines(t)
	defer report()

	n, err := vnet.NewNet(&vnet.NetConfig{StaticIPs: []string{"192.0.2.1"}})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		cfg  Config
		want string
	}{
		{"no address", Config{Net: n}, "needs UDPAddr"},
		{"unspecified address", Config{Net: n, UDPAddr: "0.0.0.0"}, "needs UDPAddr"},
		{"ICE-TCP", Config{Net: n, UDPAddr: "192.0.2.1", TCP: true}, "ICE-TCP"},
		{"STUN", Config{Net: n, UDPAddr: "192.0.2.1", STUNServers: []string{"stun:127.0.0.1:3478"}}, "STUN"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e, err := New(tc.cfg, nil)
			if err == nil {
				_ = e.Close()
				t.Fatal("New accepted it")
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q does not say %q", err, tc.want)
			}
		})
	}
}

// newVirtualClient is newClient on a virtual network.
func newVirtualClient(t *testing.T, n *vnet.Net) *webrtc.PeerConnection {
	t.Helper()
	m := &webrtc.MediaEngine{}
	if err := m.RegisterDefaultCodecs(); err != nil {
		t.Fatal(err)
	}
	registry := &interceptor.Registry{}
	if err := webrtc.RegisterDefaultInterceptors(m, registry); err != nil {
		t.Fatal(err)
	}
	s := webrtc.SettingEngine{}
	s.SetNet(n)
	s.SetNetworkTypes([]webrtc.NetworkType{webrtc.NetworkTypeUDP4})
	s.SetICEMulticastDNSMode(ice.MulticastDNSModeDisabled)
	api := webrtc.NewAPI(webrtc.WithMediaEngine(m), webrtc.WithInterceptorRegistry(registry), webrtc.WithSettingEngine(s))
	pc, err := api.NewPeerConnection(webrtc.Configuration{})
	if err != nil {
		t.Fatal(err)
	}

	return pc
}
