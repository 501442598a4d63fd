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

// sdpFrag is a trickle-ICE SDP fragment (RFC 8840): new credentials for an ICE restart, and candidates.
type sdpFrag struct {
	ufrag, pwd string
	mid        string
	candidates []string
}

// parseSDPFrag reads the lines of a fragment that matter to us and ignores the rest.
func parseSDPFrag(body string) (sdpFrag, error) {
	var f sdpFrag
	for line := range strings.Lines(body) {
		line = strings.TrimRight(line, "\r\n")
		key, value, _ := strings.Cut(strings.TrimPrefix(line, "a="), ":")
		if !strings.HasPrefix(line, "a=") {
			continue
		}
		switch key {
		case "ice-ufrag":
			f.ufrag = value
		case "ice-pwd":
			f.pwd = value
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
		return f, errors.New("an ICE restart needs both a=ice-ufrag and a=ice-pwd")
	}
	if f.ufrag == "" && len(f.candidates) == 0 {
		return f, errors.New("the fragment has neither new ICE credentials nor candidates")
	}
	return f, nil
}
