package e2e

import (
	"cmp"
	_ "embed"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"github.com/takeone/takeone/internal/mediacheck"
	"github.com/takeone/takeone/internal/netfault"
)

// Answers recorded by the browsers candidates use, Chromium and Firefox ESR, on a clean network and on a bad one
// (5 % of UDP packets lost, 20 ms added to each), measured as a viewer of the stored files would notice: is it
// as long as what was recorded, does it hold the frames the camera sent, at the camera's size, undamaged, with
// sound in sync, and does it decode and seek.
//
// Each case runs in a network namespace of its own (internal/netfault): the server (`ip netns exec NS takeone
// serve`, on the namespace's veth address) and the browser (Chromium through a wrapper script that enters the
// namespace, driven over its DevTools pipe; Firefox through a Node script, e2e/firefox/candidate.mjs, that drives
// it over WebDriver BiDi on the namespace's loopback) both run inside, and the test reaches the server's API
// through sockets opened inside it. Running processes inside a namespace keeps every existing helper (server
// output, health check, REST calls) as it is; only the address differs. The faults then apply to the browser's
// and the server's real traffic and to nothing else on the machine.
//
// Both browsers record a camera and a microphone drawn on one clock (oneclock.js, which replaces getUserMedia
// before the page's scripts run): a canvas with testmedia's pattern (a white flash at the start of every second,
// the frame number along the top) and a WebAudio beep issued with each flash. Chromium's file-backed fake camera
// and microphone cannot measure A/V sync: they start a new distance apart (60 to 300 ms) each time they are
// opened. Headless Firefox keeps its AudioContext suspended on a machine without an audio output device, so it
// gets one that goes nowhere (soundServer: PulseAudio with a null sink).
//
// Some targets are not met yet; the tests assert floors that hold today and print the figures; docs/BENCHMARKS.md
// ("Answers recorded by real browsers") has the medians and the targets. For those medians:
//
//	go test -run 'TestChromiumAnswers|TestFirefoxAnswers' -v ./e2e/ -args -takes 3

var takesFlag = flag.Int("takes", 1, "interviews per case in TestChromiumAnswers and TestFirefoxAnswers (2 answers each)")

// network is a condition the answers are recorded on.
type network struct {
	name  string
	loss  int // % of UDP packets
	delay time.Duration
}

// namespace makes a network namespace with this network's faults.
func (n network) namespace(t *testing.T) *netfault.Namespace {
	ns := netfault.New(t)
	if n.loss > 0 || n.delay > 0 {
		if err := ns.Impair(n.loss, n.delay); err != nil {
			t.Fatal(err)
		}
	}
	return ns
}

var networks = []network{{name: "clean"}, {name: "lossy", loss: 5, delay: 20 * time.Millisecond}}

const (
	answerSeconds = 8  // each answer is recorded for this long
	questionCount = 2  // answers per interview
	cameraFPS     = 30 // what the page asks for, and what oneclock.js draws
	cameraWidth   = 1280
	cameraHeight  = 720
)

// oneClockSource replaces getUserMedia with a canvas and a WebAudio track drawn on one clock (see the file).
//
//go:embed oneclock.js
var oneClockSource string

// inNamespace starts a fresh `takeone serve` inside ns and makes the interview, as newInterview does.
func inNamespace(t *testing.T, ns *netfault.Namespace, questions ...questionSpec) (*interviewSetup, *http.Client) {
	t.Helper()
	client := ns.HTTPClient()
	it := newInterviewSetup(t)
	// the namespace is the server's alone, so any port is free
	cmd := ns.Command(binary, "serve", "--http", ns.ServerIP+":8090", "--dir", it.dataDir)
	it.s = startServerCommand(t, client, cmd, nil)
	it.api = &rest{t: t, base: it.s.URL, client: client}
	it.create(t, nil, questions...)
	return it, client
}

func answerQuestions() []questionSpec {
	var qs []questionSpec
	for i := range questionCount {
		qs = append(qs, questionSpec{fmt.Sprintf("Question number %d", i+1), 30, 0, 0})
	}
	return qs
}

// figures is what one stored answer shows.
type figures struct {
	Recorded, Stored   time.Duration
	Frames             int     // decoded video frames
	FramesPct          float64 // of cameraFPS × recorded
	FPS                float64 // frames / stored length
	Sent               int     // frames the browser sent while recording
	Drawn              int     // frames the one-clock source drew while recording
	LongestGap         float64 // ms, the longest gap between two readings of the source's clock (all interview long)
	LivePct            float64 // frames stored of those sent
	FullSizePct        float64 // frames at the camera's size
	Sizes              map[string]int
	CleanPct           float64 // frames whose pattern number reads
	AVOffset           time.Duration
	AVMeasured         bool
	AVErr              error // from a one-clock source, whose flashes and beeps should all be there
	DecodeErr, SeekErr error
	ConnectionLost     bool
	Source             string        // of the stored video: live, or upload (the page's own copy)
	Playable           time.Duration // from Stop until the answer plays on the page (negative: it did not)
}

func (f figures) String() string {
	s := fmt.Sprintf("recorded %.2fs stored %.2fs (%.1f%%), %d frames (%.1f%% of %d fps, %.1f fps stored; ",
		f.Recorded.Seconds(), f.Stored.Seconds(), 100*f.Stored.Seconds()/f.Recorded.Seconds(), f.Frames, f.FramesPct, cameraFPS, f.FPS)
	if f.Drawn > 0 {
		s += fmt.Sprintf("%.1f fps drawn, its clock read up to %.0f ms apart; ", float64(f.Drawn)/f.Recorded.Seconds(), f.LongestGap)
	}
	s += fmt.Sprintf("%d sent, %.1f%% of them stored)", f.Sent, f.LivePct)
	if f.CleanPct >= 0 {
		s += fmt.Sprintf(", full size %.1f%% %v, clean %.1f%%", f.FullSizePct, f.Sizes, f.CleanPct)
	}
	if f.AVMeasured {
		s += fmt.Sprintf(", A/V %+dms", f.AVOffset.Milliseconds())
	} else if f.AVErr != nil {
		s += ", A/V not measurable"
	}
	return s + fmt.Sprintf(", connection lost shown: %v, %s copy, playable %d ms after Stop", f.ConnectionLost, f.Source,
		f.Playable.Milliseconds())
}

// fetch downloads an answer's video through client.
func (it *interviewSetup) fetch(t *testing.T, client *http.Client, a answer) string {
	t.Helper()
	if a.Video == "" {
		t.Fatalf("answer %+v has no video", a)
	}
	var fileToken record
	it.api.call("POST", "/api/files/token", nil, &fileToken)
	res, err := client.Get(it.s.URL + "/api/files/answers/" + a.ID + "/" + a.Video + "?token=" + fileToken.Token)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		t.Fatalf("download of %s: %s", a.Video, res.Status)
	}
	path := filepath.Join(t.TempDir(), a.Video)
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := io.Copy(f, res.Body); err != nil {
		t.Fatal(err)
	}
	return path
}

// measure reads a stored answer; oneClock says it was recorded from oneclock.js (its pattern at cameraWidth x
// cameraHeight, its flash and beep): without it, the frames' sizes are reported and nothing else of the picture.
func measure(t *testing.T, path string, recorded time.Duration, oneClock bool) figures {
	t.Helper()
	f := figures{Recorded: recorded, CleanPct: -1, Sizes: map[string]int{}}
	info, err := mediacheck.Probe(path)
	if err != nil {
		t.Fatalf("probe: %v", err)
	}
	if _, ok := info.Audio(); !ok {
		t.Errorf("%s has no sound", filepath.Base(path))
	}
	f.Stored = info.Duration
	f.DecodeErr = mediacheck.Decode(path)
	f.SeekErr = mediacheck.SeekFrame(path, info.Duration/2)
	frames, err := mediacheck.Frames(path)
	if err != nil {
		t.Fatalf("frames: %v", err)
	}
	f.Frames = len(frames)
	f.FramesPct = 100 * float64(len(frames)) / (cameraFPS * recorded.Seconds())
	if info.Duration > 0 {
		f.FPS = float64(len(frames)) / info.Duration.Seconds()
	}
	full := 0
	for _, fr := range frames {
		f.Sizes[fmt.Sprintf("%dx%d", fr.Width, fr.Height)]++
		if fr.Width == cameraWidth && fr.Height == cameraHeight {
			full++
		}
	}
	if len(frames) > 0 {
		f.FullSizePct = 100 * float64(full) / float64(len(frames))
	}
	if !oneClock {
		return f
	}
	numbers, err := mediacheck.PatternNumbers(path)
	if err != nil {
		t.Fatalf("pattern numbers: %v", err)
	}
	clean := 0
	for _, n := range numbers {
		if n == mediacheck.Flash || n >= 0 && n < 2*cameraFPS { // oneclock.js numbers its frames modulo 60
			clean++
		}
	}
	if len(numbers) > 0 {
		f.CleanPct = 100 * float64(clean) / float64(len(numbers))
	}
	if off, err := mediacheck.AVOffset(path); err == nil {
		f.AVOffset, f.AVMeasured = off, true
	} else {
		// fewer than two flashes with a beep within 400 ms of each other, from a source that draws both on one
		// clock: the file is that far out of sync, or it lost its flashes or its sound (checkFloors judges it)
		f.AVErr = fmt.Errorf("A/V offset of %s not measurable: %w", filepath.Base(path), err)
	}
	return f
}

// results collects figures per case for the summary a parent test prints.
type results struct {
	mu    sync.Mutex
	cases map[string][]figures
}

func (r *results) add(name string, f figures) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.cases == nil {
		r.cases = map[string][]figures{}
	}
	r.cases[name] = append(r.cases[name], f)
}

// summary prints, per case, the median of each figure over its answers.
func (r *results) summary(t *testing.T, browser string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, n := range networks {
		fs := r.cases[n.name]
		if len(fs) == 0 {
			continue
		}
		med := func(get func(figures) float64) float64 {
			v := make([]float64, len(fs))
			for i, f := range fs {
				v[i] = get(f)
			}
			slices.Sort(v)
			if len(v)%2 == 0 {
				return (v[len(v)/2-1] + v[len(v)/2]) / 2
			}
			return v[len(v)/2]
		}
		low := func(get func(figures) float64) float64 {
			v := slices.Min(func() []float64 {
				out := make([]float64, len(fs))
				for i, f := range fs {
					out[i] = get(f)
				}
				return out
			}())
			return v
		}
		lost := 0
		for _, f := range fs {
			if f.ConnectionLost {
				lost++
			}
		}
		line := fmt.Sprintf("SUMMARY %s %s: %d answers; median (worst): stored/recorded %.1f%% (%.1f%%), frames/%dfps %.1f%% (%.1f%%), stored fps %.1f",
			browser, n.name, len(fs), med(func(f figures) float64 { return 100 * f.Stored.Seconds() / f.Recorded.Seconds() }),
			low(func(f figures) float64 { return 100 * f.Stored.Seconds() / f.Recorded.Seconds() }),
			cameraFPS, med(func(f figures) float64 { return f.FramesPct }), low(func(f figures) float64 { return f.FramesPct }),
			med(func(f figures) float64 { return f.FPS }))
		if fs[0].Drawn > 0 {
			line += fmt.Sprintf(", drawn fps %.1f (%.1f)", med(func(f figures) float64 { return float64(f.Drawn) / f.Recorded.Seconds() }),
				low(func(f figures) float64 { return float64(f.Drawn) / f.Recorded.Seconds() }))
		}
		line += fmt.Sprintf(", stored/sent frames %.1f%% (%.1f%%)", med(func(f figures) float64 { return f.LivePct }), low(func(f figures) float64 { return f.LivePct }))
		if fs[0].CleanPct >= 0 {
			line += fmt.Sprintf(", full size %.1f%% (%.1f%%), clean %.1f%% (%.1f%%)",
				med(func(f figures) float64 { return f.FullSizePct }), low(func(f figures) float64 { return f.FullSizePct }),
				med(func(f figures) float64 { return f.CleanPct }), low(func(f figures) float64 { return f.CleanPct }))
		}
		var offsets []time.Duration
		for _, f := range fs {
			if f.AVMeasured {
				offsets = append(offsets, f.AVOffset)
			}
		}
		if len(offsets) > 0 {
			slices.Sort(offsets)
			worst := slices.MaxFunc(offsets, func(a, b time.Duration) int { return cmp.Compare(a.Abs(), b.Abs()) })
			median := offsets[len(offsets)/2]
			if len(offsets)%2 == 0 {
				median = (offsets[len(offsets)/2-1] + median) / 2
			}
			line += fmt.Sprintf(", A/V of %d answers: median %+dms, worst %+dms", len(offsets), median.Milliseconds(), worst.Milliseconds())
		} else {
			line += ", A/V not measured (the browser's own camera and microphone)"
		}
		t.Log(line + fmt.Sprintf(", connection lost shown in %d of %d answers' interviews", lost, len(fs)))
	}
}

// watchConnectionLost notes in window.connectionLost whether the page ever says the connection is lost.
const watchConnectionLost = `window.connectionLost = false; setInterval(() => {
	if (document.querySelector('main')?.innerText.includes('Connection lost')) window.connectionLost = true; }, 50);`

// trackPeerConnections keeps every RTCPeerConnection the page makes in window.pcs, to read its send statistics.
const trackPeerConnections = `window.pcs = []; const Orig = window.RTCPeerConnection;
	window.RTCPeerConnection = function(...a) { const pc = new Orig(...a); window.pcs.push(pc); return pc; };
	window.RTCPeerConnection.prototype = Orig.prototype; Object.assign(window.RTCPeerConnection, Orig);`

// recordFor presses "Start recording", waits until the page shows it records, and presses "Stop recording" after
// the given seconds. It returns the milliseconds in between, on the page's clock, the video frames the browser
// sent meanwhile (outbound-rtp framesSent of its connected peer connections, at the stop minus at the start), the
// frames oneclock.js drew meanwhile, the longest gap between two of its clock's readings so far (ms), 1 when the
// page's camera and microphone were oneclock.js's (0: the browser's own), and the milliseconds from the press of
// Stop until the stored answer plays on the page (-1: not within 20 s).
func recordFor(seconds int) string {
	return fmt.Sprintf(`(async () => {
		const find = t => [...document.querySelectorAll('button')].find(b => b.textContent.trim() === t && !b.disabled);
		const wait = async (t) => { const deadline = performance.now() + 30000;
			while (!find(t)) { if (performance.now() > deadline) throw new Error('no ' + t + ' button'); await new Promise(r => setTimeout(r, 5)); } };
		const sent = async () => { let n = 0;
			for (const pc of window.pcs ?? []) { if (pc.connectionState !== 'connected') continue;
				(await pc.getStats()).forEach(s => { if (s.type === 'outbound-rtp' && s.kind === 'video') n += s.framesSent ?? 0; }); }
			return n; };
		await wait('Start recording'); find('Start recording').click();
		const drawn = () => window.oneClock?.frames ?? 0;
		await wait('Stop recording'); const began = performance.now(); const drawn0 = drawn(); const sent0 = await sent();
		await new Promise(r => setTimeout(r, %d - (performance.now() - began)));
		const sent1 = await sent(); const drawn1 = drawn();
		find('Stop recording').click(); const stopped = performance.now();
		// the stored answer is on the page with its length known (Firefox loads no more than that by itself)
		const playable = () => [...document.querySelectorAll('video')].some(v => v.getAttribute('aria-label') === 'Your answer' &&
			v.readyState >= 1 && isFinite(v.duration) && v.duration > 0);
		while (!playable() && performance.now() - stopped < 20000) await new Promise(r => setTimeout(r, 5));
		return [stopped - began, sent1 - sent0, drawn1 - drawn0, window.oneClock?.longestGap ?? 0,
			window.oneClock?.clock === 'audio' ? 1 : 0, playable() ? performance.now() - stopped : -1]; })()`, seconds*1000)
}

// take is what the page's side knows of one answer: recordFor's result.
type take struct {
	Recorded   time.Duration
	Sent       int
	Drawn      int
	LongestGap float64
	OneClock   bool          // the camera and microphone were oneclock.js's: its pattern, and A/V sync can be measured
	Playable   time.Duration // from Stop until the stored answer plays on the page; negative: it did not
}

func takeOf(r []float64) take {
	return take{Recorded: time.Duration(r[0] * float64(time.Millisecond)), Sent: int(r[1]), Drawn: int(r[2]), LongestGap: r[3],
		OneClock: r[4] == 1, Playable: time.Duration(r[5] * float64(time.Millisecond))}
}

func TestChromiumAnswersOnRealNetworks(t *testing.T) {
	t.Parallel()
	onEachNetwork(t, "chromium", chromiumInterview)
}

// onEachNetwork runs -takes interviews of a browser on each network, in parallel, checks each answer's floors and
// prints the figures.
func onEachNetwork(t *testing.T, browser string, interview func(*testing.T, network) []figures) {
	var all results
	t.Cleanup(func() { all.summary(t, browser) })
	for _, n := range networks {
		t.Run(n.name, func(t *testing.T) {
			t.Parallel()
			for range *takesFlag {
				for _, f := range interview(t, n) {
					all.add(n.name, f)
					checkFloors(t, browser, n, f)
				}
			}
		})
	}
}

// chromiumInterview runs one interview in Chromium inside a namespace with the network n and measures its answers.
func chromiumInterview(t *testing.T, n network) []figures {
	ns := n.namespace(t)
	it, client := inNamespace(t, ns, answerQuestions()...)
	ctx := newBrowserWith(t, browserOptions{netns: ns, secureOrigin: it.s.URL, lifetime: 3 * time.Minute})
	for _, script := range []string{trackPeerConnections, oneClockSource} {
		if _, err := chromedp.Call(ctx, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{Source: script}); err != nil {
			t.Fatal(err)
		}
	}
	err := chromedp.Do(ctx, chromedp.Navigate(it.link), waitForText("What to expect"),
		chromedp.Evaluate[chromedp.Void](watchConnectionLost), consentAndCheck(false), click("Start the interview"))
	if err != nil {
		t.Fatalf("%v (page: %s)", err, textOf(ctx, t, "main"))
	}
	var takes []take
	for q := 1; q <= questionCount; q++ {
		if err := chromedp.Do(ctx, waitForText(fmt.Sprintf("Question %d of %d", q, questionCount))); err != nil {
			t.Fatalf("%v (page: %s)", err, textOf(ctx, t, "main"))
		}
		r, err := chromedp.Run(ctx, chromedp.Evaluate[[]float64](recordFor(answerSeconds), chromedp.EvalAwaitPromise))
		if err != nil {
			t.Fatalf("question %d: %v (page: %s)", q, err, textOf(ctx, t, "main"))
		}
		takes = append(takes, takeOf(r))
		if err := chromedp.Do(ctx, waitLong("Your take 1", 30*time.Second), click("Submit this answer")); err != nil {
			t.Fatalf("question %d: %v (page: %s)", q, err, textOf(ctx, t, "main"))
		}
	}
	if err := chromedp.Do(ctx, waitLong("Thank you!", 30*time.Second)); err != nil {
		t.Fatalf("end: %v (page: %s)", err, textOf(ctx, t, "main"))
	}
	// the end screen waits for the page's own copies of answers whose live recording was not whole
	err = chromedp.Do(ctx, chromedp.Poll[chromedp.Void](`!document.querySelector('main').innerText.includes('still uploading')`,
		chromedp.WithPollingTimeout(2*time.Minute)))
	if err != nil {
		t.Fatalf("uploads: %v (page: %s)", err, textOf(ctx, t, "main"))
	}
	lost, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`window.connectionLost`))
	if err != nil {
		t.Fatal(err)
	}
	return measureAnswers(t, it, client, takes, lost)
}

// measureAnswers measures the interview's stored answers, one per question, in order.
func measureAnswers(t *testing.T, it *interviewSetup, client *http.Client, takes []take, lost bool) []figures {
	t.Helper()
	answers := it.answers(t)
	if len(answers) != len(takes) {
		t.Fatalf("%d answers stored for %d recorded: %+v", len(answers), len(takes), answers)
	}
	var out []figures
	for i, a := range answers {
		if a.Status != "complete" || !a.Submitted {
			t.Errorf("answer %d: status %s, submitted %v", i+1, a.Status, a.Submitted)
		}
		f := measure(t, it.fetch(t, client, a), takes[i].Recorded, takes[i].OneClock)
		f.ConnectionLost, f.Source = lost, a.Source
		f.Drawn, f.LongestGap, f.Playable = takes[i].Drawn, takes[i].LongestGap, takes[i].Playable
		if f.Sent = takes[i].Sent; f.Sent > 0 {
			f.LivePct = 100 * float64(f.Frames) / float64(f.Sent)
		}
		t.Logf("answer %d: %v", i+1, f)
		out = append(out, f)
	}
	return out
}

var targetsFlag = flag.Bool("targets", false, "TestChromiumAnswers and TestFirefoxAnswers also assert the targets that are not met yet")

// checkFloors asserts what holds today on every network: the file decodes and seeks, it keeps at least 90 % of
// the time recorded, at least 90 % of the frames the browser sent on a clean network and 50 % on the lossy one,
// at least 90 % of the frames are undamaged, the sound is within 40 ms of the picture on a clean network and
// 200 ms on the lossy one (plus one stored frame, the measurement's resolution), and on a clean network Chromium's page never says the connection was lost. With
// -targets it also asserts the targets (docs/BENCHMARKS.md tells which are met): Chromium stores every frame at
// the camera's full size, 99 % of them undamaged, and 97 % of the frames sent at 5 % loss, with sound within
// 80 ms; Firefox stores 95 % of the time recorded and never says the connection was lost on a clean network.
func checkFloors(t *testing.T, browser string, n network, f figures) {
	t.Helper()
	clean := n.loss == 0 && n.delay == 0
	if f.DecodeErr != nil {
		t.Errorf("%s, %s: the answer does not decode: %v", browser, n.name, f.DecodeErr)
	}
	if f.SeekErr != nil {
		t.Errorf("%s, %s: the answer does not seek: %v", browser, n.name, f.SeekErr)
	}
	if f.Playable < 0 {
		t.Errorf("%s, %s: the answer did not play on the page within 20 s of Stop", browser, n.name)
	} else if *targetsFlag && f.Playable > time.Second {
		t.Errorf("target: %s, %s: the answer played %v after Stop, want within 1 s", browser, n.name, f.Playable)
	}
	if f.Stored < f.Recorded*9/10 {
		t.Errorf("%s, %s: %v stored of %v recorded", browser, n.name, f.Stored, f.Recorded)
	}
	// at 5 % loss answers keep 100 % of the frames sent since the recorder passes over lost padding; before, 63 to
	// 100 % (docs/BENCHMARKS.md)
	livePct := 90.0
	if !clean {
		livePct = 85
	}
	if f.Sent == 0 {
		t.Errorf("%s, %s: the browser's statistics show no video frame sent while recording", browser, n.name)
	} else if f.LivePct < livePct {
		t.Errorf("%s, %s: %d frames stored of %d sent (%.1f%%, want %.0f%%)", browser, n.name, f.Frames, f.Sent, f.LivePct, livePct)
	}
	avFloor := 40 * time.Millisecond
	if !clean {
		avFloor = 200 * time.Millisecond
	}
	// A flash is seen only on the next frame the canvas gives: on a busy machine that draws at 16 fps, that alone is
	// up to 60 ms. The measurement's resolution is one stored frame.
	if f.FPS > 0 {
		avFloor += time.Duration(float64(time.Second) / f.FPS)
	}
	// Firefox's A/V is printed, not floored: its answers are usually the page's own copy (its MediaRecorder keeps
	// frames its WebRTC encoder drops), whose sound Firefox places from 274 ms early to 292 ms late of the picture,
	// run to run, and which on a busy machine loses flashes (docs/BENCHMARKS.md). -targets asserts it.
	if f.AVErr != nil && (browser != "firefox" || *targetsFlag) {
		t.Errorf("%s, %s: %v", browser, n.name, f.AVErr)
	}
	if f.AVMeasured && browser != "firefox" && f.AVOffset.Abs() > avFloor {
		t.Errorf("%s, %s: sound %v off the picture, want within %v", browser, n.name, f.AVOffset, avFloor)
	}
	if f.CleanPct >= 0 && f.CleanPct < 90 {
		t.Errorf("%s, %s: only %.1f%% of the frames are undamaged", browser, n.name, f.CleanPct)
	}
	if browser == "chromium" && clean && f.ConnectionLost {
		t.Errorf("%s, %s: the page said the connection was lost on a clean network", browser, n.name)
	}
	if !*targetsFlag {
		return
	}
	switch browser {
	case "chromium":
		if f.FullSizePct < 100 {
			t.Errorf("target: %s, %s: %.1f%% of the frames at the camera's size: %v", browser, n.name, f.FullSizePct, f.Sizes)
		}
		if f.CleanPct < 99 {
			t.Errorf("target: %s, %s: %.1f%% of the frames undamaged, want 99%%", browser, n.name, f.CleanPct)
		}
		if f.AVMeasured && f.AVOffset.Abs() > 80*time.Millisecond {
			t.Errorf("target: %s, %s: sound %v off the picture, want within 80 ms", browser, n.name, f.AVOffset)
		}
		if f.LivePct < 97 {
			t.Errorf("target: %s, %s: %.1f%% of the frames sent stored, want 97%%", browser, n.name, f.LivePct)
		}
	case "firefox":
		if f.AVMeasured && f.AVOffset.Abs() > 40*time.Millisecond {
			t.Errorf("target: %s, %s: sound %v off the picture, want within 40 ms", browser, n.name, f.AVOffset)
		}
		if f.Stored < f.Recorded*95/100 {
			t.Errorf("target: %s, %s: %v stored of %v recorded, want 95%%", browser, n.name, f.Stored, f.Recorded)
		}
		if clean && f.ConnectionLost {
			t.Errorf("target: %s, %s: the page said the connection was lost on a clean network", browser, n.name)
		}
	}
}

// firefoxScript is the Node script that drives Firefox; `make deps` runs npm ci beside it.
const firefoxScript = "firefox/candidate.mjs"

func TestFirefoxAnswersOnRealNetworks(t *testing.T) {
	t.Parallel()
	for _, need := range []string{"/usr/bin/firefox-esr", "firefox/node_modules/puppeteer-core"} {
		if _, err := os.Stat(need); err != nil {
			t.Fatalf("%s is needed: run make deps (it installs firefox-esr and runs npm ci in e2e/firefox): %v", need, err)
		}
	}
	onEachNetwork(t, "firefox", firefoxInterview)
}

// firefoxInterview runs one interview in Firefox inside a namespace with the network n and measures its answers.
func firefoxInterview(t *testing.T, n network) []figures {
	ns := n.namespace(t)
	it, client := inNamespace(t, ns, answerQuestions()...)
	args, _ := json.Marshal(map[string]any{"url": it.link, "questions": questionCount, "record": recordFor(answerSeconds),
		"preload": []string{trackPeerConnections, oneClockSource}})
	cmd := ns.Command("node", firefoxScript, string(args))
	// an audio output, so that the page's AudioContext runs and oneclock.js gives flash and beep on one clock
	cmd.Env = append(os.Environ(), "HOME="+t.TempDir(), "TMPDIR="+t.TempDir(), "PULSE_SERVER="+soundServer(t))
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := runFor(cmd, 3*time.Minute)
	if err != nil {
		t.Fatalf("the Firefox script: %v\n%s\n%s", err, out, stderr.String())
	}
	var res struct {
		Takes          [][]float64 `json:"takes"`
		ConnectionLost bool        `json:"connectionLost"`
		Error, Page    string
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	if err := json.Unmarshal([]byte(lines[len(lines)-1]), &res); err != nil {
		t.Fatalf("the Firefox script printed %q: %v\n%s", out, err, stderr.String())
	}
	if res.Error != "" {
		t.Fatalf("Firefox: %s (page: %s)\n%s", res.Error, res.Page, stderr.String())
	}
	var takes []take
	for _, r := range res.Takes {
		takes = append(takes, takeOf(r))
	}
	return measureAnswers(t, it, client, takes, res.ConnectionLost)
}

// runFor runs cmd, killing it (by its own id) if it is still running after d, and returns its standard output.
func runFor(cmd *exec.Cmd, d time.Duration) ([]byte, error) {
	var stdout strings.Builder
	cmd.Stdout = &stdout
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	timer := time.AfterFunc(d, func() { _ = cmd.Process.Kill() })
	defer timer.Stop()
	err := cmd.Wait()
	return []byte(stdout.String()), err
}
