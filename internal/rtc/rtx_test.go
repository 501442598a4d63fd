package rtc

import (
	"encoding/binary"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pion/sdp/v3"
	"github.com/pion/transport/v5/test"
	"github.com/pion/transport/v5/vnet"
	"github.com/pion/webrtc/v4"
)

// chromeOffer is the shape of the offer Chromium's WHIP page sends: a send-only video and audio section, VP8 with
// its RTX repair format among other codecs, each with an ssrc-group:FID, and Opus.
const chromeOffer = "v=0\r\n" +
	"o=- 4611731400430051336 2 IN IP4 127.0.0.1\r\n" +
	"s=-\r\n" +
	"t=0 0\r\n" +
	"a=group:BUNDLE 0 1\r\n" +
	"a=extmap-allow-mixed\r\n" +
	"a=msid-semantic: WMS stream\r\n" +
	"m=video 9 UDP/TLS/RTP/SAVPF 96 97 98 99 45 46 102 103\r\n" +
	"c=IN IP4 0.0.0.0\r\n" +
	"a=rtcp:9 IN IP4 0.0.0.0\r\n" +
	"a=ice-ufrag:Hk3v\r\n" +
	"a=ice-pwd:y0ZsNVrZHqwBuJc2c2Z0uL7X\r\n" +
	"a=ice-options:trickle\r\n" +
	"a=fingerprint:sha-256 3C:4A:F5:2B:8F:52:43:0D:61:07:0A:1E:5C:0B:91:2D:E8:E4:61:7E:10:76:0C:92:2F:C1:4A:51:4F:0A:68:1B\r\n" +
	"a=setup:actpass\r\n" +
	"a=mid:0\r\n" +
	"a=extmap:1 urn:ietf:params:rtp-hdrext:toffset\r\n" +
	"a=extmap:2 http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time\r\n" +
	"a=extmap:3 urn:3gpp:video-orientation\r\n" +
	"a=extmap:4 http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01\r\n" +
	"a=extmap:9 urn:ietf:params:rtp-hdrext:sdes:mid\r\n" +
	"a=sendonly\r\n" +
	"a=msid:stream video\r\n" +
	"a=rtcp-mux\r\n" +
	"a=rtcp-rsize\r\n" +
	"a=rtpmap:96 VP8/90000\r\n" +
	"a=rtcp-fb:96 goog-remb\r\n" +
	"a=rtcp-fb:96 transport-cc\r\n" +
	"a=rtcp-fb:96 ccm fir\r\n" +
	"a=rtcp-fb:96 nack\r\n" +
	"a=rtcp-fb:96 nack pli\r\n" +
	"a=rtpmap:97 rtx/90000\r\n" +
	"a=fmtp:97 apt=96\r\n" +
	"a=rtpmap:98 VP9/90000\r\n" +
	"a=rtcp-fb:98 transport-cc\r\n" +
	"a=rtcp-fb:98 nack\r\n" +
	"a=rtcp-fb:98 nack pli\r\n" +
	"a=fmtp:98 profile-id=0\r\n" +
	"a=rtpmap:99 rtx/90000\r\n" +
	"a=fmtp:99 apt=98\r\n" +
	"a=rtpmap:45 AV1/90000\r\n" +
	"a=rtcp-fb:45 transport-cc\r\n" +
	"a=rtcp-fb:45 nack\r\n" +
	"a=rtcp-fb:45 nack pli\r\n" +
	"a=fmtp:45 level-idx=5;profile=0;tier=0\r\n" +
	"a=rtpmap:46 rtx/90000\r\n" +
	"a=fmtp:46 apt=45\r\n" +
	"a=rtpmap:102 H264/90000\r\n" +
	"a=rtcp-fb:102 transport-cc\r\n" +
	"a=rtcp-fb:102 nack\r\n" +
	"a=rtcp-fb:102 nack pli\r\n" +
	"a=fmtp:102 level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f\r\n" +
	"a=rtpmap:103 rtx/90000\r\n" +
	"a=fmtp:103 apt=102\r\n" +
	"a=ssrc-group:FID 1795402393 3271434290\r\n" +
	"a=ssrc:1795402393 cname:Ym9vZ2xlY2hyb21l\r\n" +
	"a=ssrc:1795402393 msid:stream video\r\n" +
	"a=ssrc:3271434290 cname:Ym9vZ2xlY2hyb21l\r\n" +
	"a=ssrc:3271434290 msid:stream video\r\n" +
	"m=audio 9 UDP/TLS/RTP/SAVPF 111 63 9 0 8 13 110 126\r\n" +
	"c=IN IP4 0.0.0.0\r\n" +
	"a=rtcp:9 IN IP4 0.0.0.0\r\n" +
	"a=ice-ufrag:Hk3v\r\n" +
	"a=ice-pwd:y0ZsNVrZHqwBuJc2c2Z0uL7X\r\n" +
	"a=ice-options:trickle\r\n" +
	"a=fingerprint:sha-256 3C:4A:F5:2B:8F:52:43:0D:61:07:0A:1E:5C:0B:91:2D:E8:E4:61:7E:10:76:0C:92:2F:C1:4A:51:4F:0A:68:1B\r\n" +
	"a=setup:actpass\r\n" +
	"a=mid:1\r\n" +
	"a=extmap:14 urn:ietf:params:rtp-hdrext:ssrc-audio-level\r\n" +
	"a=extmap:4 http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01\r\n" +
	"a=extmap:9 urn:ietf:params:rtp-hdrext:sdes:mid\r\n" +
	"a=sendonly\r\n" +
	"a=msid:stream audio\r\n" +
	"a=rtcp-mux\r\n" +
	"a=rtcp-rsize\r\n" +
	"a=rtpmap:111 opus/48000/2\r\n" +
	"a=rtcp-fb:111 transport-cc\r\n" +
	"a=fmtp:111 minptime=10;useinbandfec=1\r\n" +
	"a=rtpmap:63 red/48000/2\r\n" +
	"a=fmtp:63 111/111\r\n" +
	"a=rtpmap:9 G722/8000\r\n" +
	"a=rtpmap:0 PCMU/8000\r\n" +
	"a=rtpmap:8 PCMA/8000\r\n" +
	"a=rtpmap:13 CN/8000\r\n" +
	"a=rtpmap:110 telephone-event/48000\r\n" +
	"a=rtpmap:126 telephone-event/8000\r\n" +
	"a=ssrc:2286420290 cname:Ym9vZ2xlY2hyb21l\r\n" +
	"a=ssrc:2286420290 msid:stream audio\r\n"

// The answer to a browser's offer keeps VP8 with its RTX repair format and tells the browser's encoder where to
// start its bitrate; Opus stays as it was.
func TestAnswerToABrowserOffer(t *testing.T) {
	lim := test.TimeOut(20 * time.Second)
	defer lim.Stop()
	report := test.CheckRoutines(t)
	defer report()

	e := newTestEngine(t, Config{})
	defer func() { _ = e.Close() }()
	pc, err := e.API().NewPeerConnection(e.Configuration())
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = pc.Close() }()
	if err := pc.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeOffer, SDP: chromeOffer}); err != nil {
		t.Fatal(err)
	}
	answer, err := pc.CreateAnswer(nil)
	if err != nil {
		t.Fatal(err)
	}
	var parsed sdp.SessionDescription
	if err := parsed.UnmarshalString(TuneAnswer(answer.SDP)); err != nil {
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
		switch m.MediaName.Media {
		case "video":
			wantFormats(t, m, "96", "97")
			wantValues(t, "video rtpmap", attrs["rtpmap"], "96 VP8/90000", "97 rtx/90000")
			wantValues(t, "video fmtp", attrs["fmtp"], "96 "+vp8Bitrates, "97 apt=96")
			wantValues(t, "video rtcp-fb", attrs["rtcp-fb"], "96 nack", "96 nack pli", "96 transport-cc")
		case "audio":
			wantFormats(t, m, "111")
			wantValues(t, "audio fmtp", attrs["fmtp"], "111 minptime=10;useinbandfec=1")
		default:
			t.Errorf("unexpected m-line %s", m.MediaName.Media)
		}
	}
}

func TestTuneAnswer(t *testing.T) {
	for _, tc := range []struct{ name, in, want string }{
		{"VP8 without parameters gets a line",
			"m=video 9 UDP/TLS/RTP/SAVPF 96 97\r\na=rtpmap:96 VP8/90000\r\na=rtcp-fb:96 nack\r\na=rtpmap:97 rtx/90000\r\na=fmtp:97 apt=96\r\n",
			"m=video 9 UDP/TLS/RTP/SAVPF 96 97\r\na=rtpmap:96 VP8/90000\r\na=fmtp:96 " + vp8Bitrates + "\r\na=rtcp-fb:96 nack\r\na=rtpmap:97 rtx/90000\r\na=fmtp:97 apt=96\r\n"},
		{"VP8 parameters are kept",
			"a=rtpmap:120 vp8/90000\r\na=fmtp:120 max-fs=12288;max-fr=60\r\n",
			"a=rtpmap:120 vp8/90000\r\na=fmtp:120 max-fs=12288;max-fr=60;" + vp8Bitrates + "\r\n"},
		{"bitrates already set stay", "a=rtpmap:96 VP8/90000\r\na=fmtp:96 x-google-start-bitrate=800\r\n",
			"a=rtpmap:96 VP8/90000\r\na=fmtp:96 x-google-start-bitrate=800\r\n"},
		{"no VP8, no change", "a=rtpmap:111 opus/48000/2\r\na=fmtp:111 minptime=10\n", "a=rtpmap:111 opus/48000/2\r\na=fmtp:111 minptime=10\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := TuneAnswer(tc.in); got != tc.want {
				t.Errorf("got\n%q\nwant\n%q", got, tc.want)
			}
		})
	}
}

// A client that offers VP8 without RTX (or with other fmtp parameters) still gets VP8: the x-google parameters
// do not keep pion from matching the codec.
func TestVP8MatchesWithoutRTXOrWithOtherParameters(t *testing.T) {
	lim := test.TimeOut(20 * time.Second)
	defer lim.Stop()

	e := newTestEngine(t, Config{})
	defer func() { _ = e.Close() }()
	var offer strings.Builder
	for line := range strings.Lines(chromeOffer) {
		switch {
		case strings.HasPrefix(line, "a=rtpmap:97 "), strings.HasPrefix(line, "a=fmtp:97 "),
			strings.HasPrefix(line, "a=ssrc-group:"), strings.HasPrefix(line, "a=ssrc:3271434290 "):
			continue
		case strings.HasPrefix(line, "m=video "):
			line = strings.Replace(line, " 96 97 ", " 96 ", 1)
		case line == "a=rtpmap:96 VP8/90000\r\n":
			line += "a=fmtp:96 max-fs=12288;max-fr=60\r\n" // Firefox's
		}
		offer.WriteString(line)
	}
	pc, err := e.API().NewPeerConnection(e.Configuration())
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = pc.Close() }()
	if err := pc.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeOffer, SDP: offer.String()}); err != nil {
		t.Fatal(err)
	}
	answer, err := pc.CreateAnswer(nil)
	if err != nil {
		t.Fatal(err)
	}
	var parsed sdp.SessionDescription
	if err := parsed.UnmarshalString(answer.SDP); err != nil {
		t.Fatal(err)
	}
	wantFormats(t, parsed.MediaDescriptions[0], "96")
}

// A video packet lost on the way is resent on the RTX repair stream, and the server's track returns it as the
// media packet it replaces: same SSRC, payload type and sequence number, so the recorder sees no hole.
func TestLostPacketsComeBackOverRTX(t *testing.T) {
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
	// every tenth VP8 packet (payload type 96 in the clear RTP header) is lost once; its repair is RTX (97)
	var mu sync.Mutex
	var dropped []uint16
	router.AddChunkFilter(func(c vnet.Chunk) bool {
		b := c.UserData()
		if len(b) < 12 || b[0]>>6 != 2 || b[1]&0x7f != payloadTypeVP8 {
			return true
		}
		seq := binary.BigEndian.Uint16(b[2:4])
		if seq%10 != 5 {
			return true
		}
		mu.Lock()
		defer mu.Unlock()
		dropped = append(dropped, seq)
		return false
	})
	if err := router.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = router.Stop() }()

	e, err := newEngine(Config{UDPAddr: "192.0.2.1", Net: serverNet}, testLogger(t), testOptions)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = e.Close() }()
	server, err := e.API().NewPeerConnection(e.Configuration())
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = server.Close() }()
	type got struct {
		seq      uint16
		ssrc     uint32
		pt       uint8
		repaired bool
	}
	packets := make(chan got, 4096)
	var mediaSSRC uint32
	server.OnTrack(func(track *webrtc.TrackRemote, _ *webrtc.RTPReceiver) {
		if track.Kind() != webrtc.RTPCodecTypeVideo {
			return
		}
		mu.Lock()
		mediaSSRC = uint32(track.SSRC())
		mu.Unlock()
		for {
			pkt, attrs, err := track.ReadRTP()
			if err != nil {
				return
			}
			select {
			case packets <- got{pkt.SequenceNumber, pkt.SSRC, pkt.PayloadType, attrs.Get(webrtc.AttributeRtxSsrc) != nil}:
			default:
			}
		}
	})

	client := newPublisher(t, newVirtualClient(t, clientNet))
	defer client.close(t)
	answer := exchange(t, client.pc, server, true)
	if !strings.Contains(answer, "a=fmtp:97 apt=96") {
		t.Fatalf("the answer has no RTX for VP8:\n%s", answer)
	}
	client.start()

	// 50 video packets a second: within 3 s some twenty are lost and repaired
	seen := map[uint16]bool{}
	var first uint16 // the first packet the server read: the receiver knows of no packet before it
	repaired := 0
	deadline := time.After(10 * time.Second)
	for repaired < 20 {
		select {
		case p := <-packets:
			mu.Lock()
			want := mediaSSRC
			mu.Unlock()
			if p.ssrc != want || p.pt != payloadTypeVP8 {
				t.Fatalf("packet %d came as SSRC %d payload type %d, want the media's %d and %d", p.seq, p.ssrc, p.pt,
					want, payloadTypeVP8)
			}
			if len(seen) == 0 {
				first = p.seq
			}
			seen[p.seq] = true
			if p.repaired {
				repaired++
			}
		case <-deadline:
			t.Fatalf("%d repaired packets after 10 s, want 20", repaired)
		}
	}
	mu.Lock()
	lost := slices.Clone(dropped)
	mu.Unlock()
	missing, counted := 0, 0
	for _, seq := range lost[:len(lost)-3] { // the last ones may still be on their way
		if int16(seq-first) <= 0 {
			continue
		}
		counted++
		if !seen[seq] {
			missing++
		}
	}
	t.Logf("%d packets dropped, %d repaired over RTX, %d not back", len(lost), repaired, missing)
	if missing > 0 || counted < 15 {
		t.Errorf("%d of %d lost packets did not come back", missing, counted)
	}
}
