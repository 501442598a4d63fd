package e2e

import (
	"context"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
)

// chromiumPath is Debian's Chromium; `make deps` installs it.
const chromiumPath = "/usr/bin/chromium"

// newBrowser starts headless Chromium with a fake camera and microphone, and a page that records any
// Content-Security-Policy violation in window.cspViolations. The browser lives at most two minutes.
func newBrowser(t *testing.T) context.Context {
	t.Helper()
	if _, err := exec.LookPath(chromiumPath); err != nil {
		t.Fatalf("Chromium is needed for browser tests: run `make deps` (apt-get install chromium): %v", err)
	}
	ctx, cancelTimeout := context.WithTimeout(t.Context(), 2*time.Minute)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(ctx,
		chromedp.ExecPath(chromiumPath),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("use-fake-ui-for-media-stream", true),
		chromedp.Flag("use-fake-device-for-media-stream", true),
		chromedp.WindowSize(1280, 900),
	)
	ctx, cancelCtx := chromedp.NewContext(allocCtx)
	t.Cleanup(func() { cancelCtx(); cancelAlloc(); cancelTimeout() })
	_, err := chromedp.Call(ctx, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{
		Source: `window.cspViolations = [];
			document.addEventListener('securitypolicyviolation', e => window.cspViolations.push(e.violatedDirective + ' ' + e.blockedURI));`,
	})
	if err != nil {
		t.Fatal(err)
	}
	return ctx
}

// byLabel selects the form control a person finds by its visible label.
func byLabel(label string) chromedp.JSPath {
	return chromedp.JSPath(`[...document.querySelectorAll('label')].filter(l => l.textContent.trim() === ` + quoteJS(label) + `).map(l => l.control)`)
}

// button selects a button by its visible text.
func button(text string) chromedp.JSPath {
	return chromedp.JSPath(`[...document.querySelectorAll('button')].filter(b => b.textContent.trim() === ` + quoteJS(text) + `)`)
}

// typeInto types text into the field labelled label, as a keyboard would.
func typeInto(label, text string) chromedp.Action[chromedp.Void] {
	return chromedp.SendKeys(byLabel(label), text)
}

func quoteJS(s string) string { return "'" + strings.ReplaceAll(s, "'", `\'`) + "'" }

// waitForText waits until the page's main landmark shows want.
func waitForText(want string) chromedp.Action[chromedp.Void] { return waitForTextIn("main", want) }

// waitForTextIn waits until an element matching css shows want.
func waitForTextIn(css, want string) chromedp.Action[chromedp.Void] {
	return chromedp.Poll[chromedp.Void](`[...document.querySelectorAll(`+quoteJS(css)+`)].some(e => e.innerText.includes(`+quoteJS(want)+`))`,
		chromedp.WithPollingTimeout(20*time.Second))
}

// textOf reads the visible text of the first element matching a CSS selector.
func textOf(ctx context.Context, t *testing.T, css string) string {
	t.Helper()
	text, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(css)))
	if err != nil {
		t.Fatalf("reading %s: %v", css, err)
	}
	return text
}

func assertNoCSPViolations(ctx context.Context, t *testing.T) {
	t.Helper()
	violations, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`window.cspViolations`))
	if err != nil {
		t.Fatal(err)
	}
	if len(violations) > 0 {
		t.Errorf("Content-Security-Policy violations: %v", violations)
	}
}
