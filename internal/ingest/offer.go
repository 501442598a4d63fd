package ingest

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/pion/sdp/v3"
)

// checkOffer accepts an SDP offer that can send VP8 video and Opus audio, and explains what is missing otherwise.
func checkOffer(raw []byte) error {
	var s sdp.SessionDescription
	if err := s.UnmarshalString(string(raw)); err != nil {
		return fmt.Errorf("the body is not a valid SDP offer: %v", err)
	}
	var video, audio bool
	var offered []string
	for _, m := range s.MediaDescriptions {
		for _, a := range m.Attributes {
			if a.Key != "rtpmap" {
				continue
			}
			_, codec, _ := strings.Cut(a.Value, " ")
			name, _, _ := strings.Cut(codec, "/")
			if !slices.Contains(offered, name) {
				offered = append(offered, name)
			}
			switch {
			case m.MediaName.Media == "video" && strings.EqualFold(name, "VP8"):
				video = true
			case m.MediaName.Media == "audio" && strings.EqualFold(name, "opus"):
				audio = true
			}
		}
	}
	if video && audio {
		return nil
	}
	have := "none"
	if len(offered) > 0 {
		have = strings.Join(offered, ", ")
	}
	return fmt.Errorf("the offer must send VP8 video and Opus audio (every current browser can); it offers: %s", have)
}

// sdpFrag is a trickle-ICE SDP fragment (RFC 8840): the ICE credentials it applies to, and candidates. The
// credentials are the session's current ones when the fragment trickles candidates, new ones for an ICE restart.
type sdpFrag struct {
	ufrag, pwd string
	mid        string
	candidates []string
}

// ICE credentials (RFC 8839 section 5.4): ice-chars (ALPHA, DIGIT, "+", "/"), 4 to 256 of them in a ufrag and 22
// to 256 in a password.
const (
	minUfrag, maxUfrag = 4, 256
	minPwd, maxPwd     = 22, 256
)

// parseSDPFrag reads the lines of a fragment that matter to us and ignores the rest. It refuses credentials that
// are not ones, and a fragment with nothing to do.
func parseSDPFrag(body string) (sdpFrag, error) {
	var f sdpFrag
	for line := range strings.Lines(body) {
		line = strings.TrimRight(line, "\r\n")
		key, value, _ := strings.Cut(strings.TrimPrefix(line, "a="), ":")
		if !strings.HasPrefix(line, "a=") {
			continue
		}
		switch key {
		case "ice-ufrag", "ice-pwd":
			field := &f.ufrag
			if key == "ice-pwd" {
				field = &f.pwd
			}
			if *field != "" && *field != value {
				return f, fmt.Errorf("the fragment has two different a=%s lines; send the one of the session", key)
			}
			*field = value
		case "mid":
			if f.mid == "" {
				f.mid = value
			}
		case "candidate":
			f.candidates = append(f.candidates, "candidate:"+value)
		case "end-of-candidates":
		}
	}
	if (f.ufrag == "") != (f.pwd == "") {
		return f, errors.New("send both a=ice-ufrag and a=ice-pwd: the session's current ones with trickled " +
			"candidates, new ones for an ICE restart")
	}
	if f.ufrag != "" {
		if !iceChars(f.ufrag, minUfrag, maxUfrag) {
			return f, fmt.Errorf("the a=ice-ufrag must be %d to %d characters of A-Z, a-z, 0-9, + and / (RFC 8839)",
				minUfrag, maxUfrag)
		}
		if !iceChars(f.pwd, minPwd, maxPwd) {
			return f, fmt.Errorf("the a=ice-pwd must be %d to %d characters of A-Z, a-z, 0-9, + and / (RFC 8839)",
				minPwd, maxPwd)
		}
	}
	if f.ufrag == "" && len(f.candidates) == 0 {
		return f, errors.New("the fragment has neither ICE credentials nor candidates: send a=ice-ufrag and " +
			"a=ice-pwd with a=candidate lines (RFC 8840)")
	}
	return f, nil
}

// iceChars reports whether s is lo to hi ice-chars.
func iceChars(s string, lo, hi int) bool {
	if len(s) < lo || len(s) > hi {
		return false
	}
	for _, c := range []byte(s) {
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '+' || c == '/') {
			return false
		}
	}
	return true
}

// iceCredentials are the first a=ice-ufrag and a=ice-pwd of an SDP.
func iceCredentials(sdp string) (ufrag, pwd string) {
	for line := range strings.Lines(sdp) {
		line = strings.TrimRight(line, "\r\n")
		if v, ok := strings.CutPrefix(line, "a=ice-ufrag:"); ok && ufrag == "" {
			ufrag = v
		}
		if v, ok := strings.CutPrefix(line, "a=ice-pwd:"); ok && pwd == "" {
			pwd = v
		}
	}
	return ufrag, pwd
}
