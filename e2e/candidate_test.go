package e2e

import (
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/takeone/takeone/internal/mediacheck"
	"github.com/takeone/takeone/internal/testmedia"
	"github.com/takeone/takeone/internal/testtool"
)

// The candidate's interview in real headless Chromium with a fake camera and microphone playing a known clip (a
// flash and a beep every second), against the real binary. The page is driven the way a person uses it: by the
// visible names of buttons and labels.

const consentLabel = "I agree that my answers are recorded and kept as described."

// questionSpec is one question of a test interview.
type questionSpec struct {
	prompt                         string
	answerSecs, thinkSecs, retakes int
}

// interviewSetup is a running server with an open interview and one invited candidate, made by an operator.
type interviewSetup struct {
	s         *server
	api       *rest // as the operator
	dataDir   string
	interview string
	questions []string
	candidate string
	token     string
	link      string
}

// testMedia is the shared 10 s clip's folder: its camera and microphone files for Chromium, which plays them in a
// loop (a whole number of seconds, so the flash and the beep keep coming every second), and its VP8 and Opus clip.
func testMedia(t testing.TB) string {
	t.Helper()
	dir, err := testtool.Media(testmedia.Default)
	if err != nil {
		t.Fatal(err)
	}
	return dir
}

func newInterview(t testing.TB, candidate map[string]any, questions ...questionSpec) *interviewSetup {
	t.Helper()
	return newInterviewOn(t, freeAddr(t), nil, candidate, questions...)
}

// newInterviewOn is newInterview with the server on addr and more arguments for `takeone serve`.
func newInterviewOn(t testing.TB, addr string, serveArgs []string, candidate map[string]any, questions ...questionSpec) *interviewSetup {
	t.Helper()
	it := newInterviewSetup(t)
	it.s = startServer(t, nil, append([]string{"serve", "--http", addr, "--dir", it.dataDir}, serveArgs...)...)
	it.api = &rest{t: t, base: it.s.URL}
	it.create(t, candidate, questions...)
	return it
}

// newInterviewSetup makes the data dir of an interviewSetup with the operator's account in it, for a caller that
// starts the server itself and then calls create.
func newInterviewSetup(t testing.TB) *interviewSetup {
	t.Helper()
	it := &interviewSetup{dataDir: filepath.Join(t.TempDir(), "data")}
	if out, err := exec.Command(binary, "superuser", "upsert", "ops@example.com", "operator passphrase", "--dir", it.dataDir).CombinedOutput(); err != nil {
		t.Fatalf("superuser upsert: %v %s", err, out)
	}
	return it
}

// create makes, through the running server's API, a recruiter, the open interview with its questions, and the
// invited candidate with their link.
func (it *interviewSetup) create(t testing.TB, candidate map[string]any, questions ...questionSpec) {
	t.Helper()
	var auth struct{ Token string }
	it.api.call("POST", "/api/collections/_superusers/auth-with-password", map[string]string{"identity": "ops@example.com", "password": "operator passphrase"}, &auth)
	it.api.token = auth.Token

	var owner, interview, c, link record
	it.api.call("POST", "/api/collections/users/records", map[string]any{"name": "Riley Recruiter", "email": "riley@example.com",
		"role": "recruiter", "password": "a long passphrase", "passwordConfirm": "a long passphrase"}, &owner)
	it.api.call("POST", "/api/collections/interviews/records", map[string]any{"title": "Support engineer", "status": "open", "owner": owner.ID,
		"welcome_text": "Thanks for your interest in joining our support team.", "closing_text": "We will be in touch within a week.",
		"brand_color": "#0b6e4f"}, &interview)
	it.interview = interview.ID
	for i, q := range questions {
		var r record
		it.api.call("POST", "/api/collections/questions/records", map[string]any{"interview": interview.ID, "position": i + 1, "prompt": q.prompt,
			"answer_seconds": q.answerSecs, "think_seconds": q.thinkSecs, "retakes": q.retakes}, &r)
		it.questions = append(it.questions, r.ID)
	}
	fields := map[string]any{"interview": interview.ID, "name": "Ada", "email": "ada@example.com"}
	for k, v := range candidate {
		fields[k] = v
	}
	it.api.call("POST", "/api/collections/candidates/records", fields, &c)
	it.candidate = c.ID
	it.api.call("POST", "/api/takeone/candidates/"+c.ID+"/link", nil, &link)
	it.link, it.token = link.URL, link.URL[len(link.URL)-43:]
}

// answer is an answers record as the operator reads it.
type answer struct {
	ID         string `json:"id"`
	Question   string `json:"question"`
	Take       int    `json:"take"`
	Status     string `json:"status"`
	Submitted  bool   `json:"submitted"`
	Video      string `json:"video"`
	DurationMS int    `json:"duration_ms"`
	Source     string `json:"source"` // live, or upload: the page's own copy
}

func (it *interviewSetup) answers(t testing.TB) []answer {
	t.Helper()
	var list struct{ Items []answer }
	it.api.call("GET", "/api/collections/answers/records?perPage=100&sort=created&filter="+urlQuery("candidate='"+it.candidate+"'"), nil, &list)
	return list.Items
}

func (it *interviewSetup) candidateStatus(t testing.TB) string {
	t.Helper()
	var c record
	it.api.call("GET", "/api/collections/candidates/records/"+it.candidate, nil, &c)
	return c.Status
}

// probe downloads an answer's video with a file token and checks that it is a playable WebM with both tracks.
func (it *interviewSetup) probe(t testing.TB, a answer) mediacheck.Info {
	t.Helper()
	if a.Video == "" {
		t.Fatalf("answer %+v has no video", a)
	}
	var fileToken record
	it.api.call("POST", "/api/files/token", nil, &fileToken)
	path, res := download(t, it.s.URL+"/api/files/answers/"+a.ID+"/"+a.Video+"?token="+fileToken.Token)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("download of %s: %s", a.Video, res.Status)
	}
	if ct, cd := res.Header.Get("Content-Type"), res.Header.Get("Content-Disposition"); ct != "video/webm" || !strings.HasPrefix(cd, "inline") {
		t.Errorf("the team's player gets %s, %s: want video/webm, inline", ct, cd)
	}
	info, err := mediacheck.Probe(path)
	if err != nil {
		t.Fatalf("probe %s: %v", a.Video, err)
	}
	if _, ok := info.Video(); !ok {
		t.Errorf("answer %d of question %s has no video track", a.Take, a.Question)
	}
	if _, ok := info.Audio(); !ok {
		t.Errorf("answer %d of question %s has no audio track", a.Take, a.Question)
	}
	if err := mediacheck.Decode(path); err != nil {
		t.Errorf("answer %d of question %s does not decode: %v", a.Take, a.Question, err)
	}
	return info
}

func urlQuery(s string) string {
	return strings.NewReplacer(" ", "%20", "'", "%27", "=", "%3D", "&", "%26").Replace(s)
}

// click presses the button with this visible text once it is there and enabled.
func click(text string) chromedp.Action[chromedp.Void] {
	return chromedp.Poll[chromedp.Void](`(() => { const b = [...document.querySelectorAll('button')].find(b => b.textContent.trim() === `+quoteJS(text)+` && !b.disabled);
		if (b) { b.click(); return true; } return false; })()`, chromedp.WithPollingTimeout(30*time.Second))
}

// waitLong waits up to d until the main landmark shows want.
func waitLong(want string, d time.Duration) chromedp.Action[chromedp.Void] {
	return chromedp.Poll[chromedp.Void](`document.querySelector('main')?.innerText.includes(`+quoteJS(want)+`)`, chromedp.WithPollingTimeout(d))
}

// videoPlays waits until the video with this accessible name has loaded a recording of at least min.
func videoPlays(label string, min time.Duration) chromedp.Action[chromedp.Void] {
	return chromedp.Poll[chromedp.Void](`(() => { const v = document.querySelector(`+quoteJS(`video[aria-label="`+label+`"]`)+`);
		return !!v && v.readyState >= 2 && isFinite(v.duration) && v.duration >= `+fmt.Sprint(min.Seconds())+`; })()`,
		chromedp.WithPollingTimeout(20*time.Second))
}

// consentAndCheck goes from the landing page through consent and the device check.
func consentAndCheck(resuming bool) chromedp.Action[chromedp.Void] {
	steps := []chromedp.Action[chromedp.Void]{waitForText("What to expect")}
	if resuming {
		steps = append(steps, click("Continue where you left off"))
	} else {
		steps = append(steps, chromedp.Click(byLabel(consentLabel)), click("Continue"))
	}
	steps = append(steps, waitForText("Check your camera and microphone"), waitForText("Your connection works."))
	return chromedp.Steps(steps...)
}

func TestCandidateCompletesAnInterviewWithARetake(t *testing.T) {
	t.Parallel()
	media := testMedia(t)
	it := newInterview(t, nil,
		questionSpec{"Tell us about a hard problem you solved.", 10, 2, 1},
		questionSpec{"Why this role?", 10, 0, 0},
		questionSpec{"Anything you want to ask us?", 10, 0, 0},
	)
	ctx := newBrowserWith(t, browserOptions{media: media, lifetime: 4 * time.Minute})

	// landing: what to expect, and no camera before consent
	err := chromedp.Do(ctx,
		chromedp.Navigate(it.link),
		waitForText("3 questions, answered on video."),
		waitForText("Thanks for your interest in joining our support team."),
		click("Continue"),
		waitForTextIn(`[role="alert"]`, "Tick the box to agree"),
	)
	if err != nil {
		t.Fatalf("landing: %v (page: %s)", err, textOf(ctx, t, "main"))
	}
	err = chromedp.Do(ctx,
		chromedp.Click(byLabel(consentLabel)),
		click("Continue"),
		waitForText("Check your camera and microphone"),
		waitForText("Your connection works."),
		waitForText("Your microphone works."),
	)
	if err != nil {
		t.Fatalf("device check: %v (page: %s)", err, textOf(ctx, t, "main"))
	}

	// the practice question plays back from the server and is never stored as an answer
	err = chromedp.Do(ctx,
		click("Try a practice question"),
		waitForText("Practice question"),
		click("Start recording"),
		waitForText("Recording"),
		chromedp.Sleep(2500*time.Millisecond),
		click("Stop recording"),
		waitForText("Done practising"),
		videoPlays("Your answer", 1500*time.Millisecond),
	)
	if err != nil {
		t.Fatalf("practice: %v (page: %s)", err, textOf(ctx, t, "main"))
	}
	if got := it.answers(t); len(got) != 0 {
		t.Fatalf("the practice take made answers: %+v", got)
	}

	// question 1: think time runs out and recording starts by itself; a retake; the second take stops at the limit
	err = chromedp.Do(ctx,
		click("Done practising: start the interview"),
		waitForText("Question 1 of 3"),
		waitForText("Tell us about a hard problem you solved."),
		waitForText("Start recording now"),
		waitLong("Stop recording", 10*time.Second),
		chromedp.Sleep(2*time.Second),
		click("Stop recording"),
		waitForText("Your take 1"),
		click("Record again (1 left)"),
		click("Start recording now"),
		waitForText("Stop recording"),
		waitLong("Your take 2", 20*time.Second),
		videoPlays("Your answer", 9500*time.Millisecond),
		click("Submit this answer"),
	)
	if err != nil {
		t.Fatalf("question 1: %v (page: %s)", err, textOf(ctx, t, "main"))
	}
	// questions 2 and 3: no think time, no retakes, stopped by the time limit
	for i, prompt := range []string{"Why this role?", "Anything you want to ask us?"} {
		err = chromedp.Do(ctx,
			waitForText(fmt.Sprintf("Question %d of 3", i+2)),
			waitForText(prompt),
			click("Start recording"),
			waitLong("Your take 1", 20*time.Second),
			waitForText("No retakes left for this question."),
			click("Submit this answer"),
		)
		if err != nil {
			t.Fatalf("question %d: %v (page: %s)", i+2, err, textOf(ctx, t, "main"))
		}
	}
	if err := chromedp.Do(ctx, waitForText("Thank you!"), waitForText("We will be in touch within a week.")); err != nil {
		t.Fatalf("end screen: %v (page: %s)", err, textOf(ctx, t, "main"))
	}

	// what the team gets
	if got := it.candidateStatus(t); got != "completed" {
		t.Errorf("candidate status %q, want completed", got)
	}
	answers := it.answers(t)
	if len(answers) != 4 {
		t.Fatalf("%d takes on the server, want 4: %+v", len(answers), answers)
	}
	const limit = 10 * time.Second // every question's answer time
	for _, a := range answers {
		if a.Status != "complete" {
			t.Errorf("take %d of %s: status %s", a.Take, a.Question, a.Status)
		}
		info := it.probe(t, a)
		if !a.Submitted {
			if a.Question != it.questions[0] || a.Take != 1 {
				t.Errorf("take %d of %s not submitted", a.Take, a.Question)
			}
			continue
		}
		// every submitted take ran to the question's limit: its length is that time, within 5 %
		want := limit
		if diff := info.Duration - want; diff < -want/20 || diff > want/20 {
			t.Errorf("take %d of %s lasts %v, recorded for %v", a.Take, a.Question, info.Duration, want)
		}
	}
	if leftovers, _ := filepath.Glob(filepath.Join(it.dataDir, "recordings", "practice-*")); len(leftovers) > 0 {
		t.Errorf("practice recordings kept after completion: %v", leftovers)
	}

	// the link now only says it is complete
	if err := chromedp.Do(ctx, chromedp.Reload(), waitForText("Interview complete"), waitForText("We will be in touch")); err != nil {
		t.Fatalf("after completion: %v (page: %s)", err, textOf(ctx, t, "main"))
	}
	assertNoCSPViolations(ctx, t)
}

func TestCandidateLinksThatCannotRecordSaySo(t *testing.T) {
	t.Parallel()
	past := time.Now().Add(-time.Hour).UTC().Format(time.RFC3339)
	expired := newInterview(t, map[string]any{"deadline": past}, questionSpec{"Why?", 30, 0, 0})
	ctx := newBrowser(t)
	for _, c := range []struct{ url, want string }{
		{expired.link, "This link has expired"},
		{expired.s.URL + "/i/" + strings.Repeat("A", 43), "This link does not work"},
		{expired.s.URL + "/i/short", "This link does not work"},
	} {
		if err := chromedp.Do(ctx, chromedp.Navigate(c.url), waitForText(c.want)); err != nil {
			t.Errorf("%s: %v (page: %s)", c.url, err, textOf(ctx, t, "main"))
		}
	}
	expired.api.call("PATCH", "/api/collections/candidates/records/"+expired.candidate, map[string]any{"deadline": "", "status": "withdrawn"}, &record{})
	if err := chromedp.Do(ctx, chromedp.Navigate(expired.link), waitForText("This invitation was withdrawn")); err != nil {
		t.Errorf("withdrawn: %v (page: %s)", err, textOf(ctx, t, "main"))
	}
}

func TestSecondTabIsRefusedUntilTheFirstCloses(t *testing.T) {
	t.Parallel()
	it := newInterview(t, nil, questionSpec{"Why?", 30, 0, 0})
	first := newBrowser(t)
	if err := chromedp.Do(first, chromedp.Navigate(it.link), waitForText("What to expect")); err != nil {
		t.Fatal(err)
	}
	second, cancel := chromedp.NewContext(first)
	defer cancel()
	if err := chromedp.Do(second, chromedp.Navigate(it.link), waitForText("open in another tab or on another device")); err != nil {
		t.Fatalf("second tab: %v (page: %s)", err, textOf(second, t, "main"))
	}
	// closing the first tab lets the second go on by itself once the first one's hold runs out
	if err := chromedp.Do(first, chromedp.Navigate("about:blank")); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(second, waitLong("What to expect", 40*time.Second)); err != nil {
		t.Fatalf("second tab after the first closed: %v (page: %s)", err, textOf(second, t, "main"))
	}
}

func TestCandidatePageOnAPhone(t *testing.T) {
	t.Parallel()
	it := newInterview(t, nil, questionSpec{"Why?", 30, 0, 0})
	ctx := newBrowserWith(t, browserOptions{phone: true})
	if err := chromedp.Do(ctx, chromedp.Navigate(it.link), consentAndCheck(false)); err != nil {
		t.Fatalf("%v (page: %s)", err, textOf(ctx, t, "main"))
	}
	layout, err := chromedp.Run(ctx, chromedp.Evaluate[map[string]any](`({
		overflow: document.documentElement.scrollWidth - window.innerWidth,
		smallButtons: [...document.querySelectorAll('button')].filter(b => b.getBoundingClientRect().height < 44).map(b => b.textContent.trim()),
		inline: [...document.querySelectorAll('video')].every(v => v.playsInline),
	})`))
	if err != nil {
		t.Fatal(err)
	}
	if layout["overflow"].(float64) > 0 {
		t.Errorf("the page is %v px wider than the phone's screen", layout["overflow"])
	}
	if small := layout["smallButtons"].([]any); len(small) > 0 {
		t.Errorf("buttons smaller than a 44 px touch target: %v", small)
	}
	if layout["inline"] != true {
		t.Error("a video would open full screen on iOS: playsinline missing")
	}
}

// A tab killed in the middle of an answer (a crash, a dead battery): the partial answer is on the server, playable,
// and when the candidate comes back it is shown as interrupted, with a free retake.
func TestBrowserKilledMidAnswerKeepsThePartialTake(t *testing.T) {
	t.Parallel()
	media := testMedia(t)
	it := newInterview(t, nil, questionSpec{"Tell us about yourself.", 30, 0, 0})
	crashing := newBrowserWith(t, browserOptions{media: media})
	err := chromedp.Do(crashing,
		chromedp.Navigate(it.link),
		consentAndCheck(false),
		click("Start the interview"),
		click("Start recording"),
		waitForText("Stop recording"),
		chromedp.Sleep(4*time.Second),
	)
	if err != nil {
		t.Fatalf("%v (page: %s)", err, textOf(crashing, t, "main"))
	}
	chromedp.Cancel(crashing) // the whole browser goes away at once

	ctx := newBrowserWith(t, browserOptions{media: media, lifetime: 3 * time.Minute})
	err = chromedp.Do(ctx,
		chromedp.Navigate(it.link),
		// the dead tab's hold on the interview runs out by itself
		waitLong("What to expect", 40*time.Second),
		consentAndCheck(true),
		click("Start the interview"),
		waitForText("Your take 1"),
		waitForText("This take was cut short"),
		videoPlays("Your answer", 2*time.Second),
		waitForText("Record again (1 left)"),
	)
	if err != nil {
		t.Fatalf("coming back: %v (page: %s)", err, textOf(ctx, t, "main"))
	}
	answers := it.answers(t)
	if len(answers) != 1 || answers[0].Status != "interrupted" {
		t.Fatalf("takes on the server: %+v", answers)
	}
	if info := it.probe(t, answers[0]); info.Duration < 3*time.Second {
		t.Errorf("kept %v of a 4 s answer", info.Duration)
	}
}

// A reload in the middle of an answer: what was recorded is kept as interrupted and the page resumes at that question.
func TestReloadMidAnswerResumes(t *testing.T) {
	t.Parallel()
	media := testMedia(t)
	it := newInterview(t, nil, questionSpec{"First question", 30, 0, 1}, questionSpec{"Second question", 30, 0, 0})
	ctx := newBrowserWith(t, browserOptions{media: media, lifetime: 3 * time.Minute})
	err := chromedp.Do(ctx,
		chromedp.Navigate(it.link),
		consentAndCheck(false),
		click("Start the interview"),
		waitForText("Question 1 of 2"),
		click("Start recording"),
		waitForText("Stop recording"),
		chromedp.Sleep(3*time.Second),
		chromedp.Reload(),
		consentAndCheck(true),
		click("Start the interview"),
		waitForText("Question 1 of 2"),
		waitForText("This take was cut short"),
		videoPlays("Your answer", 2*time.Second),
		// the interrupted take is free: both takes of the question are still there
		waitForText("Record again (2 left)"),
		click("Submit this answer"),
		waitForText("Question 2 of 2"),
	)
	if err != nil {
		t.Fatalf("%v (page: %s)", err, textOf(ctx, t, "main"))
	}
	// (the second question's take is already connected, waiting for the candidate to start)
	answers := slices.DeleteFunc(it.answers(t), func(a answer) bool { return a.Question != it.questions[0] })
	if len(answers) != 1 || answers[0].Status != "interrupted" || !answers[0].Submitted {
		t.Fatalf("takes of the first question on the server: %+v", answers)
	}
	if info := it.probe(t, answers[0]); info.Duration < 2*time.Second {
		t.Errorf("kept %v of a 3 s answer", info.Duration)
	}
}

// newRelayedInterview is newInterview with a server whose media address is announced as 127.0.0.2, where the test
// puts relays (relay_test.go) in front of the real port; webrtc is more of the config's webrtc section.
func newRelayedInterview(t *testing.T, webrtc string, q questionSpec) (*interviewSetup, string) {
	t.Helper()
	addr := freeAddr(t)
	conf := filepath.Join(t.TempDir(), "takeone.yaml")
	if err := os.WriteFile(conf, []byte("webrtc:\n  public_ips: [\"127.0.0.2\"]\n  "+webrtc+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return newInterviewOn(t, addr, []string{"--config", conf}, nil, q), addr
}

// relayed is where a relay for the server at addr listens: the same port on 127.0.0.2.
func relayed(addr string) string {
	_, port, _ := net.SplitHostPort(addr)
	return "127.0.0.2:" + port
}

// The network drops for a few seconds in the middle of an answer: the page says so and reconnects by itself, the
// recording goes on in the same take, and the time lost is not charged to the candidate.
func TestConnectionCutMidAnswer(t *testing.T) {
	t.Parallel()
	media := testMedia(t)
	// no ICE-TCP: every media packet passes the relay
	it, addr := newRelayedInterview(t, "tcp: false", questionSpec{"Tell us about yourself.", 15, 0, 0})
	relay := newUDPRelay(t, relayed(addr), addr)
	ctx := newBrowserWith(t, browserOptions{media: media, lifetime: 3 * time.Minute})
	err := chromedp.Do(ctx,
		chromedp.Navigate(it.link),
		consentAndCheck(false),
		click("Start the interview"),
		click("Start recording"),
		waitForText("Stop recording"),
		chromedp.Sleep(3*time.Second),
	)
	if err != nil {
		t.Fatalf("%v (page: %s)", err, textOf(ctx, t, "main"))
	}
	cut := time.Now()
	go relay.cutFor(8 * time.Second)
	if err := chromedp.Do(ctx, waitLong("Connection lost. Reconnecting", 8*time.Second)); err != nil {
		t.Fatalf("the page did not say the connection was lost: %v (page: %s)", err, textOf(ctx, t, "main"))
	}
	err = chromedp.Do(ctx,
		chromedp.Poll[chromedp.Void](`!document.querySelector('main').innerText.includes('Connection lost')`, chromedp.WithPollingTimeout(30*time.Second)),
		waitForText("Stop recording"),
	)
	if err != nil {
		t.Fatalf("the page did not reconnect: %v (page: %s)", err, textOf(ctx, t, "main"))
	}
	t.Logf("connection back %v after the cut began", time.Since(cut).Round(100*time.Millisecond))
	if err := chromedp.Do(ctx, waitLong("Your take 1", 40*time.Second), videoPlays("Your answer", 15*time.Second)); err != nil {
		t.Fatalf("after the limit: %v (page: %s)", err, textOf(ctx, t, "main"))
	}
	answers := it.answers(t)
	if len(answers) != 1 || answers[0].Status != "complete" {
		t.Fatalf("one complete take expected: %+v", answers)
	}
	// the candidate got the whole 15 s of answer time besides the 8 s outage (the server alone would stop at 18 s)
	info := it.probe(t, answers[0])
	t.Logf("the take lasts %v", info.Duration)
	if info.Duration < 21*time.Second {
		t.Errorf("the take lasts %v: the outage was charged to the candidate", info.Duration)
	}
}

// On a network that blocks UDP the connection test says the answer goes another way, and recording works over
// ICE-TCP on the web port. The server announces a relay's address; the relay passes TCP and drops all UDP.
func TestCandidateOnANetworkWithoutUDP(t *testing.T) {
	t.Parallel()
	media := testMedia(t)
	it, addr := newRelayedInterview(t, "tcp: true", questionSpec{"Tell us about yourself.", 10, 0, 0})
	newUDPRelay(t, relayed(addr), addr).cut.Store(true)
	newTCPRelay(t, relayed(addr), addr)
	ctx := newBrowserWith(t, browserOptions{media: media})
	err := chromedp.Do(ctx,
		chromedp.Navigate(it.link),
		consentOnly(),
		waitLong("Your network blocks the faster route (UDP)", 30*time.Second),
		click("Try a practice question"),
		click("Start recording"),
		waitForText("Stop recording"),
		chromedp.Sleep(3*time.Second),
		click("Stop recording"),
		waitForText("Done practising"),
		videoPlays("Your answer", 2500*time.Millisecond),
	)
	if err != nil {
		t.Fatalf("%v (page: %s)", err, textOf(ctx, t, "main"))
	}
}
