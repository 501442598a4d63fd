package e2e

import (
	"context"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"github.com/takeone/takeone/internal/netfault"
)

// chromiumPath is Debian's Chromium; `make deps` installs it.
const chromiumPath = "/usr/bin/chromium"

// newBrowser starts headless Chromium with a fake camera and microphone, and a page that records any
// Content-Security-Policy violation in window.cspViolations. The browser lives at most two minutes.
func newBrowser(t testing.TB) context.Context {
	t.Helper()
	return newBrowserWith(t, browserOptions{})
}

// browserOptions change what newBrowserWith starts.
type browserOptions struct {
	media    string        // a testmedia dir: the camera and microphone play its camera.y4m and mic.wav
	phone    bool          // a phone held upright: 390x844, touch, mobile viewport
	lifetime time.Duration // default two minutes
	// denyCamera: the person blocks the camera and microphone when asked (a real camera prompt, denied)
	denyCamera bool
	// netns: Chromium runs inside this network namespace (the test still drives it, through a pipe)
	netns *netfault.Namespace
	// secureOrigin: an http:// origin that Chromium treats as secure, as it does loopback (a camera needs it)
	secureOrigin string
}

// newBrowserWith is newBrowser with options.
func newBrowserWith(t testing.TB, opts browserOptions) context.Context {
	t.Helper()
	if _, err := exec.LookPath(chromiumPath); err != nil {
		t.Fatalf("Chromium is needed for browser tests: run `make deps` (apt-get install chromium): %v", err)
	}
	if opts.lifetime == 0 {
		opts.lifetime = 2 * time.Minute
	}
	ctx, cancelTimeout := context.WithTimeout(t.Context(), opts.lifetime)
	execPath := chromiumPath
	if opts.netns != nil {
		var err error
		if execPath, err = opts.netns.WrapperScript(t.TempDir(), chromiumPath); err != nil {
			t.Fatal(err)
		}
	}
	flags := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(execPath),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("use-fake-device-for-media-stream", true),
		// the server is on loopback: let WebRTC use loopback candidates too
		chromedp.Flag("allow-loopback-in-peer-connection", true),
		// videos and the microphone meter run without a click first, as after a person's gesture
		chromedp.Flag("autoplay-policy", "no-user-gesture-required"),
		chromedp.WindowSize(1280, 900),
	}
	if opts.secureOrigin != "" {
		flags = append(flags, chromedp.Flag("unsafely-treat-insecure-origin-as-secure", opts.secureOrigin))
	}
	if opts.denyCamera {
		flags = append(flags, chromedp.Flag("deny-permission-prompts", true))
	} else {
		flags = append(flags, chromedp.Flag("use-fake-ui-for-media-stream", true))
	}
	if opts.media != "" {
		flags = append(flags,
			chromedp.Flag("use-file-for-fake-video-capture", filepath.Join(opts.media, "camera.y4m")),
			chromedp.Flag("use-file-for-fake-audio-capture", filepath.Join(opts.media, "mic.wav")))
	}
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(ctx, flags...)
	ctx, cancelCtx := chromedp.NewContext(allocCtx)
	t.Cleanup(func() { cancelCtx(); cancelAlloc(); cancelTimeout() })
	_, err := chromedp.Call(ctx, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{
		Source: `window.cspViolations = [];
			document.addEventListener('securitypolicyviolation', e => window.cspViolations.push(e.violatedDirective + ' ' + e.blockedURI));`,
	})
	if err != nil {
		t.Fatal(err)
	}
	if opts.phone {
		_, err = chromedp.Call(ctx, emulation.SetDeviceMetricsOverride, emulation.SetDeviceMetricsOverrideParams{
			Width: 390, Height: 844, DeviceScaleFactor: 3, Mobile: true,
			ScreenOrientation: &emulation.ScreenOrientation{Type: emulation.ScreenOrientationTypePortraitPrimary, Angle: 0},
		})
		if err == nil {
			_, err = chromedp.Call(ctx, emulation.SetTouchEmulationEnabled, emulation.SetTouchEmulationEnabledParams{Enabled: true, MaxTouchPoints: 5})
		}
		if err != nil {
			t.Fatal(err)
		}
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
func textOf(ctx context.Context, t testing.TB, css string) string {
	t.Helper()
	text, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(css)))
	if err != nil {
		t.Fatalf("reading %s: %v", css, err)
	}
	return text
}

func assertNoCSPViolations(ctx context.Context, t testing.TB) {
	t.Helper()
	violations, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`window.cspViolations`))
	if err != nil {
		t.Fatal(err)
	}
	if len(violations) > 0 {
		t.Errorf("Content-Security-Policy violations: %v", violations)
	}
}
