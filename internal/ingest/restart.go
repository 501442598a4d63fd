package ingest

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/pion/webrtc/v4"
)

var errNotPublished = errors.New("this take has no connection yet: POST the SDP offer first")

// maxTrickled bounds the candidates a take accepts by PATCH over its life. A browser gathers a handful per network,
// and a few restarts of a moving phone stay far below it; more only makes the server check paths for nobody.
const maxTrickled = 100

// errTooManyCandidates is a PATCH beyond maxTrickled.
var errTooManyCandidates = fmt.Errorf("this take has taken the %d ICE candidates it accepts; a browser gathers far "+
	"fewer. Trickle each candidate once, and restart ICE only when the network changed", maxTrickled)

// patch applies a trickle-ICE fragment (RFC 8840, RFC 9725 section 4.3). A fragment with the session's current
// credentials (or none) trickles candidates: they are added and the answer is empty. New credentials, both of
// them, restart ICE: the answer is a fragment with our new credentials and candidates. A fragment with the
// current ufrag and another password, or a new ufrag with the current password, is refused. A fragment of an
// earlier generation (the credentials a restart replaced, in a PATCH that arrived late) changes nothing: its
// candidates are of no use any more (RFC 8838 section 11).
func (t *take) patch(f sdpFrag) (string, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.ended {
		return "", errEnded
	}
	if t.pc == nil {
		return "", errNotPublished
	}
	if t.trickled+len(f.candidates) > maxTrickled {
		return "", errTooManyCandidates
	}
	ufrag, pwd := iceCredentials(t.pc.RemoteDescription().SDP)
	restart := false
	switch {
	case slices.Contains(t.retired, f.ufrag):
		return "", nil
	case f.ufrag == "", f.ufrag == ufrag && f.pwd == pwd: // candidates of the current session
	case f.ufrag == ufrag:
		return "", errors.New("the a=ice-pwd differs from the session's, a=ice-ufrag does not: send the current " +
			"ufrag and password with trickled candidates, or a new ufrag and a new password to restart ICE")
	case f.pwd == pwd:
		return "", errors.New("an ICE restart needs a new a=ice-pwd as well as a new a=ice-ufrag (RFC 8839); to " +
			"trickle candidates, send the current ufrag and password")
	default:
		restart = true
	}
	var answer string
	if restart {
		remote := t.pc.RemoteDescription()
		offer := webrtc.SessionDescription{Type: webrtc.SDPTypeOffer, SDP: withICECredentials(remote.SDP, f.ufrag, f.pwd)}
		full, err := negotiate(t.pc, offer)
		if err != nil {
			return "", fmt.Errorf("ICE restart: %w", err)
		}
		answer = fragmentOf(full)
		t.retired = append(t.retired, ufrag)
	}
	for _, c := range f.candidates {
		mid := f.mid
		t.trickled++
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
