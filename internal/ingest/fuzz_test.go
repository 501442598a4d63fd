package ingest

import (
	"strings"
	"testing"
)

// Offers come from anyone holding a take's token: no input may crash the check, and an accepted offer really
// carries VP8 video and Opus audio.
func FuzzCheckOffer(f *testing.F) {
	f.Add("v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\nm=video 9 UDP/TLS/RTP/SAVPF 96\r\na=rtpmap:96 VP8/90000\r\n" +
		"m=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=rtpmap:111 opus/48000/2\r\n")
	f.Add("v=0\r\nm=video 9 RTP/AVP 102\r\na=rtpmap:102 H264/90000\r\n")
	f.Add("")
	f.Add("a=rtpmap:\r\nm=\r\n")
	f.Fuzz(func(t *testing.T, offer string) {
		if checkOffer([]byte(offer)) == nil {
			lower := strings.ToLower(offer)
			if !strings.Contains(lower, "vp8") || !strings.Contains(lower, "opus") {
				t.Fatalf("accepted an offer without VP8 and Opus: %q", offer)
			}
		}
	})
}

// ICE fragments (PATCH bodies) are parsed by hand: no input may crash the parser, and restarts need both
// credentials.
func FuzzParseSDPFrag(f *testing.F) {
	f.Add("a=ice-ufrag:EsAw\r\na=ice-pwd:P2uYro0UCOQ4zxjKXaWCBui1\r\nm=audio 9 RTP/AVP 0\r\na=mid:0\r\na=candidate:1 1 udp 2130706431 127.0.0.1 5000 typ host\r\na=end-of-candidates\r\n")
	f.Add("a=candidate:1 1 tcp 1 ::1 9 typ host tcptype passive\n")
	f.Add("a=ice-ufrag:only")
	f.Add("\x00a=\r\n:")
	f.Fuzz(func(t *testing.T, body string) {
		frag, err := parseSDPFrag(body)
		if err == nil && (frag.ufrag == "") != (frag.pwd == "") {
			t.Fatalf("accepted half an ICE restart: %+v", frag)
		}
		_ = withICECredentials(body, "ufrag", "pwd")
		_ = fragmentOf(body)
	})
}

// Authorization headers come from anyone: a token is accepted only from a well-formed Bearer header.
func FuzzBearerToken(f *testing.F) {
	f.Add("Bearer abc")
	f.Add("bearer  abc ")
	f.Add("Basic abc")
	f.Add("Bearer")
	f.Add("Bearer a b")
	f.Fuzz(func(t *testing.T, header string) {
		token, ok := bearerToken(header)
		if ok && (token == "" || strings.ContainsAny(token, " \t") || !strings.Contains(header, token)) {
			t.Fatalf("bearerToken(%q) = %q", header, token)
		}
		tk := &take{token: "secret-token"}
		if tk.authorized(header) && !strings.Contains(header, "secret-token") {
			t.Fatalf("authorized without the token: %q", header)
		}
	})
}
