package ingest

import (
	"errors"
	"fmt"
	"strings"

	"github.com/pion/webrtc/v4"
)

var errNotPublished = errors.New("this take has no connection yet: POST the SDP offer first")

// patch applies a trickle-ICE fragment: candidates are added; new credentials restart ICE, and the answer is a
// fragment with our new credentials and candidates.
func (t *take) patch(f sdpFrag) (string, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.ended {
		return "", errEnded
	}
	if t.pc == nil {
		return "", errNotPublished
	}
	var answer string
	if f.ufrag != "" {
		remote := t.pc.RemoteDescription()
		offer := webrtc.SessionDescription{Type: webrtc.SDPTypeOffer, SDP: withICECredentials(remote.SDP, f.ufrag, f.pwd)}
		full, err := negotiate(t.pc, offer)
		if err != nil {
			return "", fmt.Errorf("ICE restart: %w", err)
		}
		answer = fragmentOf(full)
	}
	for _, c := range f.candidates {
		mid := f.mid
		if err := t.pc.AddICECandidate(webrtc.ICECandidateInit{Candidate: c, SDPMid: &mid}); err != nil {
			return "", fmt.Errorf("add candidate %q: %w", c, err)
		}
	}
	return answer, nil
}

// withICECredentials is an earlier offer with new ICE credentials and without its old candidates.
func withICECredentials(sdp, ufrag, pwd string) string {
	var b strings.Builder
	for line := range strings.Lines(sdp) {
		trimmed := strings.TrimRight(line, "\r\n")
		switch {
		case strings.HasPrefix(trimmed, "a=ice-ufrag:"):
			b.WriteString("a=ice-ufrag:" + ufrag + "\r\n")
		case strings.HasPrefix(trimmed, "a=ice-pwd:"):
			b.WriteString("a=ice-pwd:" + pwd + "\r\n")
		case strings.HasPrefix(trimmed, "a=candidate:"), trimmed == "a=end-of-candidates":
		default:
			b.WriteString(trimmed + "\r\n")
		}
	}
	return b.String()
}

// fragmentOf extracts from a full SDP what an RFC 8840 fragment carries: credentials, media sections and
// candidates.
func fragmentOf(sdp string) string {
	var ufrag, pwd string
	var media strings.Builder
	for line := range strings.Lines(sdp) {
		trimmed := strings.TrimRight(line, "\r\n")
		switch {
		case strings.HasPrefix(trimmed, "a=ice-ufrag:") && ufrag == "":
			ufrag = trimmed
		case strings.HasPrefix(trimmed, "a=ice-pwd:") && pwd == "":
			pwd = trimmed
		case strings.HasPrefix(trimmed, "m="), strings.HasPrefix(trimmed, "a=mid:"),
			strings.HasPrefix(trimmed, "a=candidate:"), trimmed == "a=end-of-candidates":
			media.WriteString(trimmed + "\r\n")
		}
	}
	return ufrag + "\r\n" + pwd + "\r\n" + media.String()
}
