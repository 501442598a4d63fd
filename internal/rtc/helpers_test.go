package rtc

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"log/slog"
	"math/big"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pion/ice/v4"
	"github.com/pion/interceptor"
	"github.com/pion/webrtc/v4"
	"github.com/pion/webrtc/v4/pkg/media"
)

// testOptions keep waits short; everything else is as in production.
var testOptions = options{
	sniffTimeout: 300 * time.Millisecond,
	maxSniffers:  64,
	stunTimeout:  300 * time.Millisecond,
}

// newTestEngine starts an Engine on 127.0.0.1 with a free UDP port.
func newTestEngine(t *testing.T, cfg Config) *Engine {
	t.Helper()
	if cfg.UDPAddr == "" {
		cfg.UDPAddr = "127.0.0.1"
	}
	e, err := newEngine(cfg, testLogger(t), testOptions)
	if err != nil {
		t.Fatalf("new engine: %v", err)
	}

	return e
}

// testLogger writes to the test log until the test ends, so a late pion log
// line cannot fail the run.
func testLogger(t *testing.T) *slog.Logger {
	w := &testLogWriter{t: t}
	t.Cleanup(func() {
		w.mu.Lock()
		w.done = true
		w.mu.Unlock()
	})

	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: slog.LevelInfo}))
}

type testLogWriter struct {
	mu   sync.Mutex
	t    *testing.T
	done bool
}

func (w *testLogWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if !w.done {
		w.t.Log(strings.TrimSpace(string(p)))
	}

	return len(p), nil
}

// newClient is a browser stand-in: pion with its stock codecs and
// interceptors, talking on loopback only.
func newClient(t *testing.T, networks ...webrtc.NetworkType) *webrtc.PeerConnection {
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
	s.SetNetworkTypes(networks)
	s.SetIncludeLoopbackCandidate(true)
	s.SetIPFilter(func(ip net.IP) bool { return ip.IsLoopback() })
	s.SetICEMulticastDNSMode(ice.MulticastDNSModeDisabled)
	api := webrtc.NewAPI(webrtc.WithMediaEngine(m), webrtc.WithInterceptorRegistry(registry), webrtc.WithSettingEngine(s))
	pc, err := api.NewPeerConnection(webrtc.Configuration{})
	if err != nil {
		t.Fatal(err)
	}

	return pc
}

// publisher sends VP8 and Opus from a client, as a candidate's browser does.
type publisher struct {
	pc           *webrtc.PeerConnection
	video, audio *webrtc.TrackLocalStaticSample
	stop         chan struct{}
	wg           sync.WaitGroup
}

func newPublisher(t *testing.T, pc *webrtc.PeerConnection) *publisher {
	t.Helper()
	p := &publisher{pc: pc, stop: make(chan struct{})}
	var err error
	p.video, err = webrtc.NewTrackLocalStaticSample(webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeVP8}, "video", "take")
	if err != nil {
		t.Fatal(err)
	}
	p.audio, err = webrtc.NewTrackLocalStaticSample(webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeOpus}, "audio", "take")
	if err != nil {
		t.Fatal(err)
	}
	for _, track := range []webrtc.TrackLocal{p.video, p.audio} {
		tr, err := pc.AddTransceiverFromTrack(track, webrtc.RTPTransceiverInit{Direction: webrtc.RTPTransceiverDirectionSendonly})
		if err != nil {
			t.Fatal(err)
		}
		// Read RTCP so the interceptors (NACK responder, TWCC) see the
		// server's feedback; ends when the PeerConnection closes.
		p.wg.Go(func() {
			for {
				if _, _, err := tr.Sender().ReadRTCP(); err != nil {
					return
				}
			}
		})
	}

	return p
}

// start writes a sample on each track every 20 ms until close.
func (p *publisher) start() {
	p.wg.Go(func() {
		ticker := time.NewTicker(20 * time.Millisecond)
		defer ticker.Stop()
		frame := make([]byte, 1200)
		frame[0] = 0x10 // VP8 payload descriptor bits are the payloader's; any bytes do
		for {
			select {
			case <-p.stop:
				return
			case <-ticker.C:
			}
			_ = p.video.WriteSample(media.Sample{Data: frame, Duration: 20 * time.Millisecond})
			_ = p.audio.WriteSample(media.Sample{Data: frame[:80], Duration: 20 * time.Millisecond})
		}
	})
}

func (p *publisher) close(t *testing.T) {
	t.Helper()
	close(p.stop)
	if err := p.pc.Close(); err != nil {
		t.Errorf("close client: %v", err)
	}
	p.wg.Wait()
}

// receiver is the server side of a take: it reads RTP on every track and
// reports the first packet of each kind.
type receiver struct {
	pc    *webrtc.PeerConnection
	video chan struct{}
	audio chan struct{}
}

func newReceiver(t *testing.T, e *Engine) *receiver {
	t.Helper()
	pc, err := e.API().NewPeerConnection(e.Configuration())
	if err != nil {
		t.Fatal(err)
	}
	r := &receiver{pc: pc, video: make(chan struct{}), audio: make(chan struct{})}
	pc.OnTrack(func(track *webrtc.TrackRemote, _ *webrtc.RTPReceiver) {
		got := r.audio
		if track.Kind() == webrtc.RTPCodecTypeVideo {
			got = r.video
		}
		var once sync.Once
		for {
			if _, _, err := track.ReadRTP(); err != nil {
				return // the PeerConnection closed
			}
			once.Do(func() { close(got) })
		}
	})

	return r
}

// waitMedia waits for RTP of both kinds.
func (r *receiver) waitMedia(t *testing.T, within time.Duration) {
	t.Helper()
	timeout := time.After(within)
	for kind, got := range map[string]chan struct{}{"video": r.video, "audio": r.audio} {
		select {
		case <-got:
		case <-timeout:
			t.Fatalf("no %s RTP reached the server within %s", kind, within)
		}
	}
}

// exchange runs offer/answer in process, without trickle as WHIP does, and
// returns the server's answer SDP.
func exchange(t *testing.T, client, server *webrtc.PeerConnection, applyAnswer bool) string {
	t.Helper()
	offer, err := client.CreateOffer(nil)
	if err != nil {
		t.Fatal(err)
	}
	gathered := webrtc.GatheringCompletePromise(client)
	if err := client.SetLocalDescription(offer); err != nil {
		t.Fatal(err)
	}
	waitClosed(t, gathered, "client gathering")

	if err := server.SetRemoteDescription(*client.LocalDescription()); err != nil {
		t.Fatal(err)
	}
	answer, err := server.CreateAnswer(nil)
	if err != nil {
		t.Fatal(err)
	}
	gathered = webrtc.GatheringCompletePromise(server)
	if err := server.SetLocalDescription(answer); err != nil {
		t.Fatal(err)
	}
	waitClosed(t, gathered, "server gathering")

	if applyAnswer {
		if err := client.SetRemoteDescription(*server.LocalDescription()); err != nil {
			t.Fatal(err)
		}
	}

	return server.LocalDescription().SDP
}

func waitClosed(t *testing.T, c <-chan struct{}, what string) {
	t.Helper()
	select {
	case <-c:
	case <-time.After(10 * time.Second):
		t.Fatalf("%s did not finish", what)
	}
}

// candidates parses the a=candidate lines of an SDP, once each.
func candidates(t *testing.T, sdp string) []ice.Candidate {
	t.Helper()
	var out []ice.Candidate
	seen := map[string]bool{}
	for line := range strings.Lines(sdp) {
		line = strings.TrimSpace(line)
		if !strings.HasPrefix(line, "a=candidate:") || seen[line] {
			continue
		}
		seen[line] = true // BUNDLE repeats them per m-line in some answers
		c, err := ice.UnmarshalCandidate(strings.TrimPrefix(line, "a="))
		if err != nil {
			t.Fatalf("parse %q: %v", line, err)
		}
		if c.Component() != ice.ComponentRTP {
			continue // pion repeats each as component 2; RTCP is muxed anyway
		}
		out = append(out, c)
	}
	if len(out) == 0 {
		t.Fatalf("no candidates in SDP:\n%s", sdp)
	}

	return out
}

// selectedPair returns the ICE pair the server's media flows on.
func selectedPair(t *testing.T, pc *webrtc.PeerConnection) *webrtc.ICECandidatePair {
	t.Helper()
	for _, tr := range pc.GetTransceivers() {
		pair, err := tr.Receiver().Transport().ICETransport().GetSelectedCandidatePair()
		if err == nil && pair != nil {
			return pair
		}
	}
	t.Fatal("no selected candidate pair")

	return nil
}

// selfSigned makes a certificate for 127.0.0.1 and a pool that trusts it.
func selfSigned(t *testing.T) (tls.Certificate, *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	template := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "takeone test"},
		IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1)},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, template, template, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(cert)

	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: cert}, pool
}
