package e2e

import (
	"context"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// tabTo presses Tab until the focused element is the control named name (a button's text, or a label's), and
// checks that the focus is visible. A person on a keyboard reaches it the same way.
func tabTo(name string) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, tgt *chromedp.Target) error {
		for range 40 {
			if _, err := chromedp.KeyEvent(kb.Tab)(ctx, tgt); err != nil {
				return err
			}
			found, err := chromedp.Evaluate[bool](`(() => { const e = document.activeElement; if (!e) return false;
				const label = e.labels && e.labels[0] ? e.labels[0].textContent.trim() : '';
				const named = e.textContent.trim() === `+quoteJS(name)+` || label === `+quoteJS(name)+`;
				if (!named) return false;
				const s = getComputedStyle(e);
				if (s.outlineStyle === 'none' || parseFloat(s.outlineWidth) < 2) throw new Error('no visible focus on ' + `+quoteJS(name)+`);
				return true; })()`)(ctx, tgt)
			if err != nil {
				return err
			}
			if found {
				return nil
			}
		}
		return &missingControl{name}
	})
}

type missingControl struct{ name string }

func (m *missingControl) Error() string { return "Tab never reached " + m.name }

// namesMissing lists the controls and media a screen reader would announce without a name.
const namesMissing = `[...document.querySelectorAll('button, input, select, video, [role=meter], [role=timer]')].filter(e => {
	const label = e.getAttribute('aria-label') || (e.labels && e.labels[0] && e.labels[0].textContent.trim()) ||
		(e.getAttribute('aria-labelledby') && document.getElementById(e.getAttribute('aria-labelledby'))?.textContent.trim()) ||
		(e.tagName === 'BUTTON' && e.textContent.trim());
	return !label && e.getAttribute('aria-hidden') !== 'true';
}).map(e => e.outerHTML.slice(0, 80))`

// lowContrast lists visible text below WCAG AA against its background (4.5:1, or 3:1 for large text).
const lowContrast = `(() => {
	const rgb = c => (c.match(/[\d.]+/g) || ['0', '0', '0']).map(Number);
	const lum = c => { const [r, g, b] = rgb(c).slice(0, 3).map(v => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; });
		return 0.2126 * r + 0.7152 * g + 0.0722 * b; };
	const opaque = c => { const v = rgb(c); return v.length < 4 || v[3] > 0.5; };
	const background = el => { for (let e = el; e; e = e.parentElement) { const c = getComputedStyle(e).backgroundColor; if (opaque(c)) return c; }
		return getComputedStyle(document.documentElement).backgroundColor; };
	const bad = [];
	const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
	while (walker.nextNode()) {
		const text = walker.currentNode.textContent.trim(), el = walker.currentNode.parentElement;
		if (!text || !el.getClientRects().length || el.closest('.visually-hidden')) continue;
		const cs = getComputedStyle(el);
		const fg = lum(cs.color), bg = lum(background(el));
		const ratio = (Math.max(fg, bg) + 0.05) / (Math.min(fg, bg) + 0.05);
		const large = parseFloat(cs.fontSize) >= 24 || (parseFloat(cs.fontSize) >= 18.66 && Number(cs.fontWeight) >= 700);
		if (ratio < (large ? 3 : 4.5)) bad.push(text.slice(0, 40) + ': ' + ratio.toFixed(2));
	}
	return bad;
})()`

// The whole path by keyboard alone, with visible focus, named controls, and what happens announced.
func TestCandidateByKeyboardAlone(t *testing.T) {
	t.Parallel()
	media := testMedia(t)
	it := newInterview(t, nil, questionSpec{"Tell us about yourself.", 10, 0, 0})
	ctx := newBrowserWith(t, browserOptions{media: media, lifetime: 3 * time.Minute})
	// everything the live region says, in order
	_, err := chromedp.Call(ctx, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{
		Source: `window.announced = [];
			new MutationObserver(() => document.querySelectorAll('[aria-live=polite]').forEach(r => r.textContent && window.announced.push(r.textContent)))
				.observe(document, {subtree: true, childList: true, characterData: true});`,
	})
	if err != nil {
		t.Fatal(err)
	}
	// a person who asked their system for less motion
	if _, err := chromedp.Call(ctx, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{
		Features: []*emulation.MediaFeature{{Name: "prefers-reduced-motion", Value: "reduce"}},
	}); err != nil {
		t.Fatal(err)
	}
	checkNames := func(step string) {
		t.Helper()
		missing, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](namesMissing))
		if err != nil {
			t.Fatal(err)
		}
		if len(missing) > 0 {
			t.Errorf("%s: elements without an accessible name: %v", step, missing)
		}
		low, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](lowContrast))
		if err != nil {
			t.Fatal(err)
		}
		if len(low) > 0 {
			t.Errorf("%s: text below AA contrast: %v", step, low)
		}
	}

	err = chromedp.Do(ctx,
		chromedp.Navigate(it.link),
		waitForText("What to expect"),
	)
	if err != nil {
		t.Fatal(err)
	}
	checkNames("landing")
	err = chromedp.Do(ctx,
		tabTo(consentLabel),
		chromedp.KeyEvent(" "),
		tabTo("Continue"),
		chromedp.KeyEvent(kb.Enter),
		waitForText("Your connection works."),
	)
	if err != nil {
		t.Fatalf("consent by keyboard: %v (page: %s)", err, textOf(ctx, t, "main"))
	}
	checkNames("device check")
	err = chromedp.Do(ctx,
		// the button is disabled until the camera's preview runs again after the test; a person waits for it too
		chromedp.Poll[chromedp.Void](`[...document.querySelectorAll('button')].some(b => b.textContent.trim() === 'Start the interview' && !b.disabled)`,
			chromedp.WithPollingTimeout(20*time.Second)),
		tabTo("Start the interview"),
		chromedp.KeyEvent(kb.Enter),
		waitForText("Question 1 of 1"),
		tabTo("Start recording"),
		chromedp.KeyEvent(kb.Enter),
		waitForText("Stop recording"),
	)
	if err != nil {
		t.Fatalf("starting by keyboard: %v (page: %s)", err, textOf(ctx, t, "main"))
	}
	checkNames("recording")
	if anim, err := chromedp.Run(ctx, chromedp.Evaluate[string](`getComputedStyle(document.querySelector('.dot')).animationName`)); err != nil || anim != "none" {
		t.Errorf("the recording dot moves (%q, %v) although reduced motion is asked for", anim, err)
	}
	err = chromedp.Do(ctx,
		chromedp.Sleep(2*time.Second),
		tabTo("Stop recording"),
		chromedp.KeyEvent(kb.Enter),
		waitForText("Your take 1"),
		videoPlays("Your answer", time.Second),
	)
	if err != nil {
		t.Fatalf("stopping by keyboard: %v (page: %s)", err, textOf(ctx, t, "main"))
	}
	checkNames("review")
	err = chromedp.Do(ctx,
		tabTo("Submit this answer"),
		chromedp.KeyEvent(kb.Enter),
		waitForText("Thank you!"),
	)
	if err != nil {
		t.Fatalf("submitting by keyboard: %v (page: %s)", err, textOf(ctx, t, "main"))
	}
	announced, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`window.announced`))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"Your connection works.", "Recording started.", "Saving your answer…", "Answer submitted.", "Thank you!"} {
		if !containsPrefix(announced, want) {
			t.Errorf("never announced %q; announced: %q", want, announced)
		}
	}
}

func containsPrefix(list []string, prefix string) bool {
	for _, s := range list {
		if len(s) >= len(prefix) && s[:len(prefix)] == prefix {
			return true
		}
	}
	return false
}

// A browser that cannot record, and a camera the person blocked, each get a page that says what to do.
func TestCandidateCannotRecordSaysWhatToDo(t *testing.T) {
	t.Parallel()
	it := newInterview(t, nil, questionSpec{"Why?", 30, 0, 0})

	old := newBrowser(t)
	_, err := chromedp.Call(old, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{
		// neither way of recording: no WebRTC to stream, no MediaRecorder to record and upload
		Source: `delete window.RTCPeerConnection; delete window.MediaRecorder;`,
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(old, chromedp.Navigate(it.link), waitForText("This browser cannot record your answers"), waitForText("Chrome, Edge, Firefox or Safari")); err != nil {
		t.Fatalf("no WebRTC, no MediaRecorder: %v (page: %s)", err, textOf(old, t, "main"))
	}

	blocked := newBrowserWith(t, browserOptions{denyCamera: true})
	err = chromedp.Do(blocked,
		chromedp.Navigate(it.link),
		consentOnly(),
		waitForText("Camera or microphone blocked"),
		waitForText("allow Camera and Microphone, then reload this page"),
	)
	if err != nil {
		t.Fatalf("camera blocked: %v (page: %s)", err, textOf(blocked, t, "main"))
	}
}

// consentOnly accepts the consent on the landing page.
func consentOnly() chromedp.Action[chromedp.Void] {
	return chromedp.Steps(waitForText("What to expect"), chromedp.Click(byLabel(consentLabel)), click("Continue"))
}
