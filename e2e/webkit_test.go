package e2e

import (
	"net/url"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// The candidate's page in a real WebKit without WebRTC: Debian's WebKitGTK (MiniBrowser, driven through
// WebKitWebDriver on an Xvfb display) has getUserMedia, with mock camera and microphone, but no RTCPeerConnection.
// It stands for an iPhone in Lockdown Mode, which takes WebRTC away from Safari while the camera stays, so it runs
// with an iPhone's user agent (the page words its advice by the browser's family).
//
// The page then records in recorded mode (MediaRecorder, VP8/Opus WebM, uploaded over tus while it records) when
// the engine can record that, and says it cannot record otherwise. Which of the two this engine does depends on
// its GStreamer: WebKit's MediaRecorderPrivateGStreamer::isTypeSupported refuses WebM before GStreamer 1.24.9
// (it needs a fix of that release), and Debian 12 has 1.22, so there the page says it cannot record.
// The test probes the engine first, logs what it has, and asserts whichever page it must show.

// iPhoneUserAgent is Safari's on an iPhone.
const iPhoneUserAgent = "Mozilla/5.0 (iPhone; CPU iPhone OS 18_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.5 Mobile/15E148 Safari/604.1"

// miniBrowserPath is WebKitGTK's MiniBrowser, in the multiarch folder of libwebkit2gtk-4.1-0 (which
// webkit2gtk-driver pulls in).
func miniBrowserPath(t testing.TB) string {
	t.Helper()
	found, _ := filepath.Glob("/usr/lib/*-linux-gnu/webkit2gtk-4.1/MiniBrowser")
	if len(found) == 0 {
		t.Fatal("WebKitGTK's MiniBrowser is needed for the WebKit test: run `make deps` (apt-get install webkit2gtk-driver, which pulls libwebkit2gtk-4.1-0)")
	}
	return found[0]
}

// gstreamerVersion is the GStreamer the browser links, as MiniBrowser prints it (e.g. "1.22.0"), for the log.
func gstreamerVersion(miniBrowser, display string) string {
	cmd := exec.Command(miniBrowser, "--gst-version")
	cmd.Env = append(cmd.Environ(), "DISPLAY="+display, "NO_AT_BRIDGE=1")
	out, err := runFor(cmd, 20*time.Second)
	if err != nil {
		return "unknown (" + err.Error() + ")"
	}
	for line := range strings.Lines(string(out)) {
		if v, ok := strings.CutPrefix(strings.TrimSpace(line), "GStreamer Core Library version "); ok {
			return v
		}
	}
	return "unknown"
}

// webkitCapabilities open MiniBrowser with the mock camera and microphone granted without a prompt, and WebRTC off
// whatever the build has.
func webkitCapabilities(miniBrowser, userAgent string) map[string]any {
	return map[string]any{
		"browserName": "MiniBrowser",
		"webkitgtk:browserOptions": map[string]any{
			"binary": miniBrowser,
			"args": []string{
				"--automation",
				"--enable-media-stream=true",
				"--enable-mock-capture-devices=true",
				// mock devices are granted without asking (an automation session has no one to click Allow)
				"--features=-MockCaptureDevicesPrompt",
				"--enable-webrtc=false",
				"--autoplay-policy=allow",
				"--user-agent=" + userAgent,
			},
		},
	}
}

// engine is what the probe finds in the browser.
type engine struct {
	UserAgent      string   `json:"userAgent"`
	SecureContext  bool     `json:"secureContext"`
	PeerConnection string   `json:"peerConnection"` // typeof RTCPeerConnection
	MediaRecorder  string   `json:"mediaRecorder"`  // typeof MediaRecorder
	WebM           bool     `json:"webm"`           // MediaRecorder.isTypeSupported('video/webm;codecs=vp8,opus')
	MP4            bool     `json:"mp4"`            // MediaRecorder.isTypeSupported('video/mp4'), for the log
	Tracks         []string `json:"tracks"`         // kind: label of each track getUserMedia gives
	CameraError    string   `json:"cameraError"`
}

// probeEngine asks the page what it has, opening and closing the camera and microphone once.
const probeEngine = `const done = arguments[arguments.length - 1];
(async () => {
	const r = { userAgent: navigator.userAgent, secureContext: window.isSecureContext, peerConnection: typeof RTCPeerConnection,
		mediaRecorder: typeof MediaRecorder, webm: false, mp4: false, tracks: [], cameraError: '' };
	if (typeof MediaRecorder !== 'undefined') {
		r.webm = MediaRecorder.isTypeSupported('video/webm;codecs=vp8,opus');
		r.mp4 = MediaRecorder.isTypeSupported('video/mp4');
	}
	try {
		const stream = await navigator.mediaDevices.getUserMedia({ video: true, audio: true });
		r.tracks = stream.getTracks().map(t => t.kind + ': ' + t.label);
		stream.getTracks().forEach(t => t.stop());
	} catch (e) {
		r.cameraError = e.name + ': ' + e.message;
	}
	return r;
})().then(done, e => done({ cameraError: 'probe failed: ' + e }));`

func TestWebKitWithoutWebRTC(t *testing.T) {
	t.Parallel()
	miniBrowser := miniBrowserPath(t)
	display := startXvfb(t)
	driver := startWebKitDriver(t, display)
	it := newInterview(t, nil, questionSpec{"Tell us about a project you are proud of.", 30, 0, 0})

	began := time.Now()
	s := driver.newSession(t, webkitCapabilities(miniBrowser, iPhoneUserAgent))
	if err := s.do("POST", s.path("/timeouts"), map[string]int{"pageLoad": 30000, "script": 30000}, nil); err != nil {
		t.Fatalf("setting timeouts: %v", err)
	}

	// the engine, probed on a page of the server's origin that is not the app (loopback HTTP is a secure context)
	if err := s.navigate(it.s.URL + "/api/health"); err != nil {
		t.Fatalf("loading the server: %v\n%s", err, driver.out)
	}
	var e engine
	if err := s.executeAsync(&e, probeEngine); err != nil {
		t.Fatalf("probing the engine: %v", err)
	}
	gst := gstreamerVersion(miniBrowser, display)
	t.Logf("engine: GStreamer %s; user agent %q; secure context %v; typeof RTCPeerConnection = %s; typeof MediaRecorder = %s; "+
		"MediaRecorder.isTypeSupported('video/webm;codecs=vp8,opus') = %v (video/mp4: %v); getUserMedia: %v %s",
		gst, e.UserAgent, e.SecureContext, e.PeerConnection, e.MediaRecorder, e.WebM, e.MP4, e.Tracks, e.CameraError)
	if e.UserAgent != iPhoneUserAgent {
		t.Errorf("the browser says it is %q, want an iPhone's user agent", e.UserAgent)
	}
	if !e.SecureContext {
		t.Fatal("the server's loopback origin is not a secure context: the page cannot have a camera there")
	}
	if e.PeerConnection != "undefined" {
		t.Fatalf("typeof RTCPeerConnection = %s: this browser has WebRTC and no longer stands for one without it", e.PeerConnection)
	}
	if !kinds(e.Tracks, "audio", "video") {
		t.Fatalf("getUserMedia gave %v %s, want a video and an audio track from the mock devices", e.Tracks, e.CameraError)
	}

	if e.MediaRecorder == "function" && e.WebM {
		recordedInterview(t, s, it)
	} else {
		t.Logf("this WebKitGTK cannot record VP8/Opus WebM with MediaRecorder (GStreamer %s; WebKitGTK needs 1.24.9 or later): "+
			"the page must say it cannot record", gst)
		cannotRecord(t, s, it)
	}
	t.Logf("in the browser for %.1f s", time.Since(began).Seconds())
}

// kinds reports whether tracks ("kind: label") hold each of these kinds.
func kinds(tracks []string, want ...string) bool {
	for _, k := range want {
		found := false
		for _, track := range tracks {
			found = found || strings.HasPrefix(track, k+":")
		}
		if !found {
			return false
		}
	}
	return true
}

// cannotRecord: the link opens on the page that says this browser cannot record, with the advice for an iPhone in
// Lockdown Mode, and the page neither claims the interview nor records anything.
func cannotRecord(t *testing.T, s *wdSession, it *interviewSetup) {
	if err := s.navigate(it.link); err != nil {
		t.Fatalf("opening the link: %v", err)
	}
	for _, want := range []string{
		"This browser cannot record your answers",
		"On iPhone and iPad this usually means Lockdown Mode is on.",
		"turn off Lockdown Mode for this site, then reload this page",
		"Your link stays valid.",
	} {
		if err := s.waitForText(want, 20*time.Second); err != nil {
			t.Fatalf("%v (page: %s)", err, s.text())
		}
	}
	if _, err := s.findElement("//button[normalize-space(.)='Copy this link']"); err != nil {
		t.Errorf("no button to copy the link: %v (page: %s)", err, s.text())
	}
	if text := s.text(); strings.Contains(text, "What to expect") || strings.Contains(text, "I agree") {
		t.Errorf("the page goes on to the interview as well: %s", text)
	}
	if got := it.answers(t); len(got) != 0 {
		t.Errorf("answers on the server: %+v", got)
	}
	// what the page asked the server: its view of the link (once the log has it), and no claim, take or media
	it.awaitRequests(t, "/api/takeone/session/"+it.token, 20*time.Second)
	for _, part := range []string{"/claim", "/consent", "/takes", "/practice", "/api/takeone/whip/", "/api/takeone/uploads/"} {
		if got := it.requests(t, part); len(got) > 0 {
			t.Errorf("the page asked the server %v", got)
		}
	}
	if got := it.candidateStatus(t); got != "invited" {
		t.Errorf("candidate status %q, want invited (a browser that cannot record starts nothing)", got)
	}
}

// recordedInterview walks the candidate through the one-question interview in recorded mode and checks what the
// server stored: the answer recorded on the page and uploaded, whole, and nothing over WebRTC.
func recordedInterview(t *testing.T, s *wdSession, it *interviewSetup) {
	const recordFor = 5 * time.Second
	fail := func(step string, err error) {
		t.Helper()
		t.Fatalf("%s: %v (page: %s)", step, err, s.text())
	}
	if err := s.navigate(it.link); err != nil {
		fail("opening the link", err)
	}
	if err := s.waitForText("What to expect", 20*time.Second); err != nil {
		fail("landing", err)
	}
	if err := s.clickLabelled(consentLabel, 10*time.Second); err != nil {
		fail("consent", err)
	}
	if err := s.clickButton("Continue", 10*time.Second); err != nil {
		fail("consent", err)
	}

	// the device check: the page says it records here and uploads, and a test recording plays back
	for _, want := range []string{"Check your camera and microphone", "each answer is uploaded while you record instead"} {
		if err := s.waitForText(want, 20*time.Second); err != nil {
			fail("device check", err)
		}
	}
	if err := s.clickButton("Record a 5-second test", 20*time.Second); err != nil {
		fail("device check", err)
	}
	if err := s.videoPlays("Your test recording", 4*time.Second, 30*time.Second); err != nil {
		fail("test recording", err)
	}

	// the question: record about five seconds, see the take play, submit it
	if err := s.clickButton("Start the interview", 20*time.Second); err != nil {
		fail("start", err)
	}
	for _, want := range []string{"Question 1 of 1", "Tell us about a project you are proud of."} {
		if err := s.waitForText(want, 20*time.Second); err != nil {
			fail("question", err)
		}
	}
	if err := s.clickButton("Start recording", 20*time.Second); err != nil {
		fail("question", err)
	}
	if err := s.waitForText("Stop recording", 20*time.Second); err != nil {
		fail("recording", err)
	}
	started := time.Now()
	time.Sleep(recordFor)
	if err := s.clickButton("Stop recording", 10*time.Second); err != nil {
		fail("recording", err)
	}
	recorded := time.Since(started)
	if err := s.waitForText("Your take 1", 30*time.Second); err != nil {
		fail("after recording", err)
	}
	if err := s.videoPlays("Your answer", recordFor-time.Second, 30*time.Second); err != nil {
		fail("the take", err)
	}
	if err := s.clickButton("Submit this answer", 30*time.Second); err != nil {
		fail("submit", err)
	}
	if err := s.waitForText("Thank you!", 60*time.Second); err != nil {
		fail("end screen", err)
	}

	// what the team gets: one answer, recorded on the page and uploaded, whole
	if got := it.candidateStatus(t); got != "completed" {
		t.Errorf("candidate status %q, want completed", got)
	}
	answers := it.answers(t)
	if len(answers) != 1 {
		t.Fatalf("%d takes on the server, want 1: %+v", len(answers), answers)
	}
	a := answers[0]
	if a.Status != "complete" || !a.Submitted || a.Source != "upload" {
		t.Errorf("answer: status %s, submitted %v, source %q; want complete, submitted, upload", a.Status, a.Submitted, a.Source)
	}
	info := it.probe(t, a)
	if !info.Seekable {
		t.Errorf("the stored answer does not seek (%d cue points)", info.CuePoints)
	}
	// the stored length is what was recorded, give or take the time a click takes to reach the page and a second
	if diff := info.Duration - recorded; diff < -1500*time.Millisecond || diff > time.Second {
		t.Errorf("the stored answer lasts %v, recorded for about %v", info.Duration, recorded.Round(100*time.Millisecond))
	}
	t.Logf("stored answer: %v, %dx%d, %d frames, recorded for about %v", info.Duration, info.Width, info.Height, info.VideoFrames,
		recorded.Round(100*time.Millisecond))
	// it went over tus, and nothing went over WebRTC: no WHIP request reached the server
	t.Logf("uploaded in %d requests", len(it.awaitRequests(t, "/api/takeone/uploads/", 20*time.Second)))
	if got := it.requests(t, "/api/takeone/whip/"); len(got) > 0 {
		t.Errorf("the page used WebRTC: %v", got)
	}
}

// requests are the requests the server logged whose path contains part, as "METHOD path".
func (it *interviewSetup) requests(t testing.TB, part string) []string {
	t.Helper()
	var list struct {
		Items []struct {
			Data struct {
				Method string `json:"method"`
				URL    string `json:"url"`
			} `json:"data"`
		} `json:"items"`
	}
	filter := "data.type='request' && data.url~" + quoteFilter(part)
	it.api.call("GET", "/api/logs?perPage=500&sort=created&filter="+url.QueryEscape(filter), nil, &list)
	var got []string
	for _, l := range list.Items {
		got = append(got, l.Data.Method+" "+l.Data.URL)
	}
	return got
}

// awaitRequests waits up to d for requests whose path contains part: the server writes its request log in
// batches, a few seconds late.
func (it *interviewSetup) awaitRequests(t testing.TB, part string, d time.Duration) []string {
	t.Helper()
	for deadline := time.Now().Add(d); ; time.Sleep(250 * time.Millisecond) {
		if got := it.requests(t, part); len(got) > 0 {
			return got
		}
		if time.Now().After(deadline) {
			t.Fatalf("no request to %s in the server's log within %v", part, d)
		}
	}
}

// quoteFilter quotes s as a string of a PocketBase filter.
func quoteFilter(s string) string { return "'" + strings.ReplaceAll(s, "'", `\'`) + "'" }

// videoPlays waits up to d until the video with this accessible name has loaded a recording of at least min. A
// recording straight from MediaRecorder may not say its length (duration Infinity) until the player has been to its
// end: such a video is sought to its end once, which makes the browser find the length, and back to its start.
func (s *wdSession) videoPlays(label string, min, d time.Duration) error {
	return s.waitUntil("the video "+label+" to load "+min.String(), d, `const v = document.querySelector('video[aria-label="' + arguments[0] + '"]');
		if (!v || v.readyState < 1) return false;
		const sought = window.e2eSought ??= new WeakSet();
		if (v.duration === Infinity) {
			if (!sought.has(v)) { sought.add(v); v.currentTime = 1e9; }
			return false;
		}
		if (sought.has(v) && v.currentTime > 0) v.currentTime = 0;
		return v.readyState >= 2 && isFinite(v.duration) && v.duration >= arguments[1];`, label, min.Seconds())
}
