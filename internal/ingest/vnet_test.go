package ingest_test

import (
	"encoding/binary"
	"math/rand/v2"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pion/ice/v4"
	"github.com/pion/logging"
	"github.com/pion/transport/v5/vnet"
	"github.com/pion/webrtc/v4"

	"github.com/takeone/takeone/internal/ingest"
	"github.com/takeone/takeone/internal/rtc"
	"github.com/takeone/takeone/internal/whipclient"
)

// Addresses on the virtual network (TEST-NET-1: nothing real answers there, and nothing leaves the process).
const (
	virtualCIDR   = "192.0.2.0/24"
	virtualServer = "192.0.2.1"
	virtualClient = "192.0.2.2"
)

// network is a pion vnet between the server's media port and one client: every packet between them goes
// through its router, which can lose, delay or cut them as a bad mobile network does. HTTP stays on loopback.
type network struct {
	router *vnet.Router
	server *vnet.Net
	client *vnet.Net
	delay  time.Duration // one way, at most

	lossPercent atomic.Int32 // chance that a packet is dropped
	cut         atomic.Bool  // drop everything

	mu       sync.Mutex
	rng      *rand.Rand
	seenSSRC map[uint32]bool
	passed   int64 // packets delivered
	dropped  int64 // packets lost on purpose
}

// vnetMu serializes making virtual networks: vnet numbers their MAC addresses with a counter it does not lock, so
// tests in parallel would race on it.
var vnetMu sync.Mutex

// newNetwork starts a virtual network whose router delays every packet by delay plus up to jitter.
func newNetwork(t *testing.T, delay, jitter time.Duration) *network {
	t.Helper()
	vnetMu.Lock()
	defer vnetMu.Unlock()
	router, err := vnet.NewRouter(&vnet.RouterConfig{
		CIDR:          virtualCIDR,
		MinDelay:      delay,
		MaxJitter:     jitter,
		LoggerFactory: logging.NewDefaultLoggerFactory(),
	})
	if err != nil {
		t.Fatal(err)
	}
	n := &network{router: router, delay: delay + jitter, rng: rand.New(rand.NewPCG(rand.Uint64(), rand.Uint64())),
		seenSSRC: map[uint32]bool{}}
	if n.server, err = vnet.NewNet(&vnet.NetConfig{StaticIPs: []string{virtualServer}}); err != nil {
		t.Fatal(err)
	}
	if n.client, err = vnet.NewNet(&vnet.NetConfig{StaticIPs: []string{virtualClient}}); err != nil {
		t.Fatal(err)
	}
	for _, nic := range []*vnet.Net{n.server, n.client} {
		if err := router.AddNet(nic); err != nil {
			t.Fatal(err)
		}
	}
	router.AddChunkFilter(n.filter)
	if err := router.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = router.Stop() })
	return n
}

// filter decides the fate of one packet.
func (n *network) filter(c vnet.Chunk) bool {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.cut.Load() {
		n.dropped++
		return false
	}
	// The first RTP packet of a stream is never lost: the receiver cannot ask for a packet it has not heard of,
	// and a browser would answer the keyframe request that follows with a fresh keyframe, which the test clip
	// (encoded ahead of time) cannot. Losing it would cost a second of the clip for a reason no browser has.
	if ssrc, ok := rtpSSRC(c.UserData()); ok && !n.seenSSRC[ssrc] {
		n.seenSSRC[ssrc] = true
	} else if n.rng.IntN(100) < int(n.lossPercent.Load()) {
		n.dropped++
		return false
	}
	n.passed++
	return true
}

// counts returns how many packets were delivered and dropped so far.
func (n *network) counts() (passed, dropped int64) {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.passed, n.dropped
}

// rtpSSRC returns the SSRC of an (S)RTP packet; RTCP, STUN and DTLS are not RTP (RFC 7983, RFC 5761).
func rtpSSRC(b []byte) (uint32, bool) {
	if len(b) < 12 || b[0] < 128 || b[0] > 191 || (b[1] >= 192 && b[1] <= 223) {
		return 0, false
	}
	return binary.BigEndian.Uint32(b[8:12]), true
}

// serverConfig is the media engine on the server's virtual address.
func (n *network) serverConfig() rtc.Config {
	return rtc.Config{UDPAddr: virtualServer, Net: n.server}
}

// newServer starts a test server whose media port is on this network.
func (n *network) newServer(t *testing.T, tune func(*ingest.Config)) *server {
	t.Helper()
	return newServerWith(t, n.serverConfig(), tune)
}

// clientOptions are whipclient options for a publisher on the client's virtual address. Its WHIP requests are
// delayed as its media is: they would cross the same network.
func (n *network) clientOptions(t *testing.T) whipclient.Options {
	t.Helper()
	var se webrtc.SettingEngine
	se.SetNet(n.client)
	se.SetNetworkTypes([]webrtc.NetworkType{webrtc.NetworkTypeUDP4})
	se.SetICEMulticastDNSMode(ice.MulticastDNSModeDisabled)
	api, err := whipclient.NewAPI(se)
	if err != nil {
		t.Fatal(err)
	}
	return whipclient.Options{API: api, HTTP: &http.Client{Transport: delayed{n.delay}}}
}

// delayed sends each HTTP request after a network's one-way delay.
type delayed struct{ delay time.Duration }

func (d delayed) RoundTrip(req *http.Request) (*http.Response, error) {
	timer := time.NewTimer(d.delay)
	defer timer.Stop()
	select {
	case <-timer.C:
	case <-req.Context().Done():
		return nil, req.Context().Err()
	}
	return http.DefaultTransport.RoundTrip(req)
}
