package whipclient

import "strings"

// fragment is the trickle-ICE SDP fragment (RFC 8840) of an ICE restart PATCH, built from the new local
// description: the bundle group, then of the first media section (the bundled transport) its m= and mid lines,
// the new credentials and the candidates.
func fragment(sdp string) string {
	var b, candidates strings.Builder
	var mLine, mid, ufrag, pwd string
	sections := 0
	for line := range strings.Lines(sdp) {
		line = strings.TrimRight(line, "\r\n")
		switch {
		case strings.HasPrefix(line, "m="):
			sections++
			if sections == 1 {
				mLine = line
			}
		case sections == 0 && (strings.HasPrefix(line, "a=group:BUNDLE") || strings.HasPrefix(line, "a=ice-options:")):
			b.WriteString(line + "\r\n")
		case strings.HasPrefix(line, "a=ice-ufrag:") && ufrag == "":
			ufrag = line
		case strings.HasPrefix(line, "a=ice-pwd:") && pwd == "":
			pwd = line
		case sections == 1 && strings.HasPrefix(line, "a=mid:"):
			mid = line
		case sections == 1 && strings.HasPrefix(line, "a=candidate:"):
			candidates.WriteString(line + "\r\n")
		}
	}
	for _, line := range []string{mLine, mid, ufrag, pwd} {
		if line != "" {
			b.WriteString(line + "\r\n")
		}
	}
	return b.String() + candidates.String() + "a=end-of-candidates\r\n"
}

// sdpFrag is what a client needs from the server's answer to an ICE restart.
type sdpFrag struct {
	ufrag, pwd string
	mid        string   // of the first media section: the candidates belong to the bundled transport
	candidates []string // "candidate:..." lines of that section
}

// parseFragment reads the server's fragment: its new credentials and the candidates of its first media section.
func parseFragment(body string) sdpFrag {
	var f sdpFrag
	sections := 0
	for line := range strings.Lines(body) {
		line = strings.TrimRight(line, "\r\n")
		key, value, _ := strings.Cut(line, ":")
		switch {
		case strings.HasPrefix(line, "m="):
			sections++
		case key == "a=ice-ufrag" && f.ufrag == "":
			f.ufrag = value
		case key == "a=ice-pwd" && f.pwd == "":
			f.pwd = value
		case key == "a=mid" && sections <= 1 && f.mid == "":
			f.mid = value
		case key == "a=candidate" && sections <= 1:
			f.candidates = append(f.candidates, strings.TrimPrefix(line, "a="))
		}
	}
	return f
}

// withCredentials is a description with new ICE credentials and without its old candidates.
func withCredentials(sdp, ufrag, pwd string) string {
	var b strings.Builder
	for line := range strings.Lines(sdp) {
		line = strings.TrimRight(line, "\r\n")
		switch {
		case strings.HasPrefix(line, "a=ice-ufrag:"):
			b.WriteString("a=ice-ufrag:" + ufrag + "\r\n")
		case strings.HasPrefix(line, "a=ice-pwd:"):
			b.WriteString("a=ice-pwd:" + pwd + "\r\n")
		case strings.HasPrefix(line, "a=candidate:"), line == "a=end-of-candidates":
		default:
			b.WriteString(line + "\r\n")
		}
	}
	return b.String()
}
