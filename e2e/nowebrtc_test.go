package e2e

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"github.com/takeone/takeone/internal/recorder"
	"github.com/takeone/takeone/internal/testmedia"
)

// withoutWebRTC removes RTCPeerConnection before the page's scripts run: an iPhone in Lockdown Mode has none.
const withoutWebRTC = `delete window.RTCPeerConnection; delete window.webkitRTCPeerConnection;`

// newBrowserWithoutWebRTC is a Chromium whose pages have no RTCPeerConnection, with the test's camera.
func newBrowserWithoutWebRTC(t *testing.T, lifetime time.Duration) context.Context {
	t.Helper()
	ctx := newBrowserWith(t, browserOptions{media: testMedia(t), lifetime: lifetime})
	if _, err := chromedp.Call(ctx, page.AddScriptToEvaluateOnNewDocument,
		page.AddScriptToEvaluateOnNewDocumentParams{Source: withoutWebRTC}); err != nil {
		t.Fatal(err)
	}
	return ctx
}

// recordedModeCheck passes the consent and the device check of a page that cannot stream: it says how answers
// are recorded instead, and its test recording plays back.
func recordedModeCheck() chromedp.Action[chromedp.Void] {
	return chromedp.Steps(
		waitForText("What to expect"),
		chromedp.Click(byLabel(consentLabel)),
		click("Continue"),
		waitForText("Check your camera and microphone"),
		waitForText("Your browser or network cannot stream live; each answer is uploaded while you record instead."),
		click("Record a 5-second test"),
		waitLong("Record the test again", 20*time.Second),
		// a recording made on the page has no length in its header until it has been played through
		chromedp.Poll[chromedp.Void](`(() => { const v = document.querySelector('video[aria-label="Your test recording"]');
			return !!v && v.readyState >= 2 && v.videoWidth > 0; })()`, chromedp.WithPollingTimeout(20*time.Second)),
	)
}

// A browser without WebRTC records each answer itself and uploads it while it records: the candidate goes through
// the same interview (a stop by hand, a stop by the time limit), and the team gets the same answers, whole, at the
// camera's size, as long as they were recorded.
func TestCandidateWithoutWebRTCAnswersByUpload(t *testing.T) {
	t.Parallel()
	it := newInterview(t, nil, questionSpec{"Tell us about yourself.", 30, 0, 0}, questionSpec{"Why us?", 10, 0, 0})
	ctx := newBrowserWithoutWebRTC(t, 3*time.Minute)
	err := chromedp.Do(ctx,
		chromedp.Navigate(it.link),
		recordedModeCheck(),
		click("Start the interview"),
		waitForText("Question 1 of 2"),
		click("Start recording"),
		waitForText("Stop recording"),
		chromedp.Sleep(5*time.Second),
		click("Stop recording"),
		waitLong("Your take 1", 30*time.Second),
		videoPlays("Your answer", 4*time.Second),
		click("Submit this answer"),
		waitForText("Question 2 of 2"),
		click("Start recording"),
		waitForText("Stop recording"),
		waitLong("Your take 1", 40*time.Second), // the 10 s limit stops it
		click("Submit this answer"),
		waitLong("Thank you!", 30*time.Second),
	)
	if err != nil {
		t.Fatalf("%v (page: %s)", err, textOf(ctx, t, "main"))
	}
	answers := it.answers(t)
	if len(answers) != 2 {
		t.Fatalf("%d answers on the server, want 2: %+v", len(answers), answers)
	}
	for i, want := range []time.Duration{5 * time.Second, 10 * time.Second} {
		a := answers[i]
		if a.Status != "complete" || !a.Submitted || a.Source != "upload" {
			t.Errorf("answer %d: %s, submitted %v, from %q; want complete, submitted, uploaded", i+1, a.Status, a.Submitted, a.Source)
		}
		info := it.probe(t, a)
		if v, ok := info.Video(); !ok || v.Width != testmedia.Default.Width || v.Height != testmedia.Default.Height {
			t.Errorf("answer %d: picture %+v, want the camera's %dx%d", i+1, v, testmedia.Default.Width, testmedia.Default.Height)
		}
		// a stop by hand comes a moment after the 5 s; the limit stops at its time
		if d := info.Duration - want; d < -want/20 || d > time.Second {
			t.Errorf("answer %d lasts %v, recorded for %v", i+1, info.Duration, want)
		}
		if !info.Seekable {
			t.Errorf("answer %d cannot be sought (no Cues)", i+1)
		}
	}
}

// A tab closed while an answer records by upload: what was said up to about the last second has reached the
// server already, in the answer's upload (which the server keeps as an interrupted take when no more comes).
func TestTabClosedWhileRecordingByUploadKeepsAllButTheLastSeconds(t *testing.T) {
	t.Parallel()
	it := newInterview(t, nil, questionSpec{"Tell us about yourself.", 60, 0, 0})
	ctx := newBrowserWithoutWebRTC(t, 2*time.Minute)
	err := chromedp.Do(ctx,
		chromedp.Navigate(it.link),
		recordedModeCheck(),
		click("Start the interview"),
		click("Start recording"),
		waitForText("Stop recording"),
	)
	if err != nil {
		t.Fatalf("%v (page: %s)", err, textOf(ctx, t, "main"))
	}
	began := time.Now()
	time.Sleep(8 * time.Second)
	recorded := time.Since(began)
	chromedp.Cancel(ctx) // the whole browser goes away at once

	infos, _ := filepath.Glob(filepath.Join(it.dataDir, "uploads", "*.info"))
	if len(infos) != 1 {
		t.Fatalf("uploads in progress: %v, want the answer's one", infos)
	}
	data, err := os.ReadFile(strings.TrimSuffix(infos[0], ".info"))
	if err != nil {
		t.Fatal(err)
	}
	// what the server will keep: the upload repaired, as its sweep does
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "partial.webm"), data, 0o600); err != nil {
		t.Fatal(err)
	}
	root, err := os.OpenRoot(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer root.Close()
	stats, err := recorder.Repair(root, "partial.webm")
	if err != nil {
		t.Fatalf("what reached the server cannot be repaired: %v", err)
	}
	t.Logf("recorded %v, the server has %v (%d frames)", recorded.Round(10*time.Millisecond), stats.Duration, stats.VideoFrames)
	if stats.Duration < recorded-2*time.Second {
		t.Errorf("the server has %v of an answer recorded for %v: more than the last 2 s lost", stats.Duration, recorded)
	}
}
