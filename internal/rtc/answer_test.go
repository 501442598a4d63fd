package rtc

import (
	"strings"
	"testing"
	"time"

	"github.com/pion/sdp/v3"
	"github.com/pion/transport/v5/test"
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

// The answer to a browser's offer keeps VP8 without its RTX repair format (see newAPI) and tells the browser's
// encoder where to start its bitrate; Opus stays as it was.
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
			wantFormats(t, m, "96")
			wantValues(t, "video rtpmap", attrs["rtpmap"], "96 VP8/90000")
			wantValues(t, "video fmtp", attrs["fmtp"], "96 "+vp8Bitrates)
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
