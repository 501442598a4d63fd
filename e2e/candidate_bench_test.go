package e2e

import (
	"slices"
	"testing"
	"time"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
)

// BenchmarkCandidatePageStart measures, in real Chromium against the real binary on loopback, the two moments a
// candidate waits for: the camera preview playing after they continue from the consent step (target 2 s), and
// the first video packet leaving for the server after they press record (target 500 ms; on loopback it arrives
// within a millisecond, and the first frame after a new track is a keyframe). Run:
//
//	go test -run XXX -bench CandidatePageStart -benchtime 10x ./e2e/
func BenchmarkCandidatePageStart(b *testing.B) {
	media := testMedia(b)
	it := newInterview(b, nil, questionSpec{"Why?", 30, 0, 0})
	ctx := newBrowserWith(b, browserOptions{media: media, lifetime: 10 * time.Minute})
	// every peer connection of the page, to read its send statistics
	_, err := chromedp.Call(ctx, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{
		Source: `window.pcs = []; const Orig = window.RTCPeerConnection;
			window.RTCPeerConnection = function(...a) { const pc = new Orig(...a); window.pcs.push(pc); return pc; };
			window.RTCPeerConnection.prototype = Orig.prototype; Object.assign(window.RTCPeerConnection, Orig);`,
	})
	if err != nil {
		b.Fatal(err)
	}
	var camera, firstPacket []float64
	first := true
	for b.Loop() {
		steps := []chromedp.Action[chromedp.Void]{chromedp.Navigate(it.link), waitForText("What to expect")}
		if first {
			steps = append(steps, chromedp.Click(byLabel(consentLabel)))
		}
		err := chromedp.Do(ctx, append(steps,
			chromedp.Evaluate[chromedp.Void](`window.t0 = performance.now(); [...document.querySelectorAll('button')].find(b => /^Continue/.test(b.textContent.trim())).click()`),
			chromedp.Poll[chromedp.Void](`(() => { const v = document.querySelector('video[aria-label="Your camera"]');
				if (v && v.readyState >= 2 && !v.paused) { window.camera = performance.now() - window.t0; return true; } return false; })()`,
				chromedp.WithPollingTimeout(20*time.Second), chromedp.WithPollingInterval(5*time.Millisecond)),
			waitForText("Your connection works."),
			click("Try a practice question"),
			chromedp.Poll[chromedp.Void](`[...document.querySelectorAll('button')].some(b => b.textContent.trim() === 'Start recording' && !b.disabled)`,
				chromedp.WithPollingTimeout(20*time.Second)),
			// the page connects while the candidate reads the question; give it that moment
			chromedp.Sleep(time.Second),
			chromedp.Evaluate[chromedp.Void](`window.t1 = performance.now(); [...document.querySelectorAll('button')].find(b => b.textContent.trim() === 'Start recording').click();
				window.firstPacket = new Promise(resolve => { const poll = async () => {
					for (const pc of window.pcs) { if (pc.connectionState !== 'connected') continue;
						const stats = await pc.getStats(); let sent = 0;
						stats.forEach(s => { if (s.type === 'outbound-rtp' && s.kind === 'video') sent += s.packetsSent; });
						if (sent > 0) return resolve(performance.now() - window.t1); }
					setTimeout(poll, 2); }; poll(); });`),
		)...)
		if err != nil {
			b.Fatalf("%v (page: %s)", err, textOf(ctx, b, "main"))
		}
		ms, err := chromedp.Run(ctx, chromedp.Evaluate[[]float64](`(async () => [window.camera, await window.firstPacket])()`, chromedp.EvalAwaitPromise))
		if err != nil {
			b.Fatal(err)
		}
		camera, firstPacket = append(camera, ms[0]), append(firstPacket, ms[1])
		if err := chromedp.Do(ctx, click("Stop recording"), waitForText("Done practising")); err != nil {
			b.Fatal(err)
		}
		first = false
	}
	b.ReportMetric(median(camera), "ms-camera-ready-median")
	b.ReportMetric(slices.Max(camera), "ms-camera-ready-max")
	b.ReportMetric(median(firstPacket), "ms-first-packet-median")
	b.ReportMetric(slices.Max(firstPacket), "ms-first-packet-max")
}

func median(v []float64) float64 {
	s := slices.Clone(v)
	slices.Sort(s)
	return s[len(s)/2]
}
