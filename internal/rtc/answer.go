package rtc

import "strings"

// vp8Bitrates are the x-google parameters of the VP8 format in every answer. Chromium and Safari read them from
// the answer to set up their encoder, in kbit/s (Firefox ignores them):
//   - start 1500: Chromium's own start is 300, and with it the first seconds of a take are encoded at 320x180
//     while the estimate climbs; 1500 is enough for 1280x720 from the first frame and less than most uplinks
//     carry, and the estimate comes down within a second on one that carries less.
//   - min 300: the encoder never sends less. A higher floor would overfill a weak mobile uplink for the whole
//     take, losing more packets than NACK can repair; 300 still carries a clear 640x360 picture.
//   - max 2500: what 1280x720 at 30 fps needs to look good in VP8, about Chromium's own cap for it; more would
//     only grow the files.
//
// They go into the answer's text, not into the registered codec's SDPFmtpLine: pion answers with the format
// parameters of the offer, so a registered line never reaches the browser.
const vp8Bitrates = "x-google-start-bitrate=1500;x-google-min-bitrate=300;x-google-max-bitrate=2500"

// TuneAnswer adds the bitrates a browser's VP8 encoder should start at and keep within (vp8Bitrates) to an SDP
// answer of the API: to the a=fmtp line of each VP8 payload type, or in a new one after its a=rtpmap line. The
// rest of the answer stays as it was.
func TuneAnswer(sdp string) string {
	vp8 := map[string]bool{}     // VP8 payload types
	hasFmtp := map[string]bool{} // of those, the ones with an a=fmtp line
	for line := range strings.Lines(sdp) {
		line = strings.TrimRight(line, "\r\n")
		if pt, codec, ok := strings.Cut(strings.TrimPrefix(line, "a=rtpmap:"), " "); ok && strings.HasPrefix(line, "a=rtpmap:") &&
			strings.HasPrefix(strings.ToUpper(codec), "VP8/") {
			vp8[pt] = true
		}
	}
	if len(vp8) == 0 {
		return sdp
	}
	for line := range strings.Lines(sdp) {
		if pt, _, ok := strings.Cut(strings.TrimPrefix(line, "a=fmtp:"), " "); ok && strings.HasPrefix(line, "a=fmtp:") && vp8[pt] {
			hasFmtp[pt] = true
		}
	}
	var b strings.Builder
	for line := range strings.Lines(sdp) {
		trimmed := strings.TrimRight(line, "\r\n")
		switch {
		case strings.HasPrefix(trimmed, "a=fmtp:"):
			pt, params, _ := strings.Cut(strings.TrimPrefix(trimmed, "a=fmtp:"), " ")
			if vp8[pt] && !strings.Contains(params, "x-google-") {
				trimmed += ";" + vp8Bitrates
				if strings.TrimSpace(params) == "" {
					trimmed = "a=fmtp:" + pt + " " + vp8Bitrates
				}
			}
			b.WriteString(trimmed + "\r\n")
		case strings.HasPrefix(trimmed, "a=rtpmap:"):
			b.WriteString(trimmed + "\r\n")
			pt, _, _ := strings.Cut(strings.TrimPrefix(trimmed, "a=rtpmap:"), " ")
			if vp8[pt] && !hasFmtp[pt] {
				b.WriteString("a=fmtp:" + pt + " " + vp8Bitrates + "\r\n")
			}
		default:
			b.WriteString(trimmed + "\r\n")
		}
	}
	return b.String()
}
