package e2e

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/takeone/takeone/internal/testtool"
)

// A small W3C WebDriver client (https://www.w3.org/TR/webdriver2/) over plain HTTP and JSON, for the browsers
// chromedp cannot drive: WebKitGTK's MiniBrowser through WebKitWebDriver, on a display of its own (Xvfb).

// webElementKey is the key under which WebDriver passes an element reference.
const webElementKey = "element-6066-11e4-a52e-4f735466cecf"

// wdCommandTimeout bounds each WebDriver command; a script that waits longer polls from the test instead.
const wdCommandTimeout = 45 * time.Second

// wdError is an error WebDriver answered with.
type wdError struct {
	Status  int
	Code    string `json:"error"`
	Message string `json:"message"`
}

func (e *wdError) Error() string { return fmt.Sprintf("%s (HTTP %d): %s", e.Code, e.Status, e.Message) }

// startProcessGroup starts cmd in a process group of its own, which t.Cleanup kills by the process's id (with
// whatever it started: the browser and its web and network processes), and returns a channel closed when it exits.
func startProcessGroup(t testing.TB, name string, cmd *exec.Cmd) <-chan struct{} {
	t.Helper()
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		t.Fatalf("starting %s: %v", name, err)
	}
	exited := make(chan struct{})
	go func() { _ = cmd.Wait(); close(exited) }()
	t.Cleanup(func() {
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGTERM)
		select {
		case <-exited:
		case <-time.After(5 * time.Second):
			_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
			<-exited
		}
	})
	return exited
}

// startXvfb starts a virtual X display of 1280x1024 and returns its name (e.g. ":3"). Xvfb picks a free display
// number itself and writes it to the pipe given as -displayfd.
func startXvfb(t testing.TB) string {
	t.Helper()
	path, err := exec.LookPath("Xvfb")
	if err != nil {
		t.Fatalf("Xvfb is needed for the WebKit test: run `make deps` (apt-get install xvfb): %v", err)
	}
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	out := &output{}
	cmd := exec.Command(path, "-displayfd", "3", "-screen", "0", "1280x1024x24", "-nolisten", "tcp", "-noreset")
	cmd.ExtraFiles = []*os.File{w} // fd 3
	cmd.Stdout, cmd.Stderr = out, out
	exited := startProcessGroup(t, "Xvfb", cmd)
	w.Close()

	number := make(chan string, 1)
	go func() { // Xvfb writes the number and a newline once it accepts clients
		line, _ := bufio.NewReader(r).ReadString('\n')
		number <- strings.TrimSpace(line)
	}()
	select {
	case n := <-number:
		if _, err := strconv.Atoi(n); err != nil {
			t.Fatalf("Xvfb did not say its display (%q):\n%s", n, out)
		}
		return ":" + n
	case <-exited:
		t.Fatalf("Xvfb exited before its display was ready:\n%s", out)
	case <-time.After(20 * time.Second):
		t.Fatalf("Xvfb did not start within 20 s:\n%s", out)
	}
	return ""
}

// webDriver is a running WebKitWebDriver.
type webDriver struct {
	base   string // http://127.0.0.1:port
	client *http.Client
	out    *output
}

// startWebKitDriver starts WebKitWebDriver on a free loopback port, with the browsers it starts on display. Their
// home and caches are the test's own.
func startWebKitDriver(t testing.TB, display string) *webDriver {
	t.Helper()
	path, err := exec.LookPath("WebKitWebDriver")
	if err != nil {
		t.Fatalf("WebKitWebDriver is needed for the WebKit test: run `make deps` (apt-get install webkit2gtk-driver): %v", err)
	}
	addr := freeAddr(t)
	_, port, _ := strings.Cut(addr, ":")
	home := t.TempDir()
	d := &webDriver{base: "http://" + addr, client: &http.Client{Timeout: wdCommandTimeout}, out: &output{}}
	cmd := exec.Command(path, "--port="+port, "--host=local")
	cmd.Env = append(os.Environ(), "DISPLAY="+display, "HOME="+home,
		"XDG_CONFIG_HOME="+filepath.Join(home, "config"), "XDG_DATA_HOME="+filepath.Join(home, "data"),
		"XDG_RUNTIME_DIR="+home, "NO_AT_BRIDGE=1", "GTK_A11Y=none",
		// GStreamer's plugin registry is kept between runs (scanning every plugin again costs seconds)
		"XDG_CACHE_HOME="+testtool.CacheDir("webkit"))
	cmd.Stdout, cmd.Stderr = d.out, d.out
	exited := startProcessGroup(t, "WebKitWebDriver", cmd)
	if err := testtool.AwaitListening(addr, exited, 20*time.Second); err != nil {
		t.Fatalf("WebKitWebDriver on %s: %v\n%s", addr, err, d.out)
	}
	return d
}

// wdSession is one WebDriver session: one browser window.
type wdSession struct {
	d  *webDriver
	id string
}

// newSession opens a browser with these capabilities ({"alwaysMatch": ...}); t.Cleanup closes it.
func (d *webDriver) newSession(t testing.TB, alwaysMatch map[string]any) *wdSession {
	t.Helper()
	var res struct {
		SessionID    string         `json:"sessionId"`
		Capabilities map[string]any `json:"capabilities"`
	}
	s := &wdSession{d: d}
	if err := s.do("POST", "/session", map[string]any{"capabilities": map[string]any{"alwaysMatch": alwaysMatch}}, &res); err != nil {
		t.Fatalf("new WebDriver session: %v\n%s", err, d.out)
	}
	s.id = res.SessionID
	t.Logf("browser: %v %v", res.Capabilities["browserName"], res.Capabilities["browserVersion"])
	t.Cleanup(func() {
		if err := s.do("DELETE", "/session/"+s.id, nil, nil); err != nil {
			t.Logf("closing the browser: %v", err)
		}
	})
	return s
}

// do sends one command and decodes its value into out (when not nil).
func (s *wdSession) do(method, path string, in, out any) error {
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return err
		}
		body = bytes.NewReader(b)
	}
	ctx, cancel := context.WithTimeout(context.Background(), wdCommandTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, s.d.base+path, body)
	if err != nil {
		return err
	}
	if in != nil {
		req.Header.Set("Content-Type", "application/json; charset=utf-8")
	}
	res, err := s.d.client.Do(req)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	if err != nil {
		return err
	}
	var reply struct {
		Value json.RawMessage `json:"value"`
	}
	if err := json.Unmarshal(raw, &reply); err != nil {
		return fmt.Errorf("%s %s: HTTP %d, not JSON: %.200q", method, path, res.StatusCode, raw)
	}
	if res.StatusCode != http.StatusOK {
		e := &wdError{Status: res.StatusCode}
		if err := json.Unmarshal(reply.Value, e); err != nil || e.Code == "" {
			return fmt.Errorf("%s %s: HTTP %d: %.200q", method, path, res.StatusCode, raw)
		}
		return e
	}
	if out != nil {
		return json.Unmarshal(reply.Value, out)
	}
	return nil
}

func (s *wdSession) path(p string) string { return "/session/" + s.id + p }

// navigate loads url and waits for its load event (the session's page load timeout bounds it).
func (s *wdSession) navigate(url string) error {
	return s.do("POST", s.path("/url"), map[string]string{"url": url}, nil)
}

// execute runs a function body in the page with arguments and decodes what it returns into out.
func (s *wdSession) execute(out any, script string, args ...any) error {
	if args == nil {
		args = []any{}
	}
	return s.do("POST", s.path("/execute/sync"), map[string]any{"script": script, "args": args}, out)
}

// executeAsync runs a function body whose last argument is the callback that ends it with a value.
func (s *wdSession) executeAsync(out any, script string, args ...any) error {
	if args == nil {
		args = []any{}
	}
	return s.do("POST", s.path("/execute/async"), map[string]any{"script": script, "args": args}, out)
}

// wdElement is a reference to an element of the page.
type wdElement map[string]string

// findElement finds the first element an XPath expression selects.
func (s *wdSession) findElement(xpath string) (wdElement, error) {
	var e wdElement
	if err := s.do("POST", s.path("/element"), map[string]string{"using": "xpath", "value": xpath}, &e); err != nil {
		return nil, err
	}
	if e[webElementKey] == "" {
		return nil, errors.New("no element reference in the answer")
	}
	return e, nil
}

// click clicks an element as a pointer would, in its middle, after scrolling it into view.
func (s *wdSession) click(e wdElement) error {
	return s.do("POST", s.path("/element/"+e[webElementKey]+"/click"), map[string]any{}, nil)
}

// text is the visible text of the page's main landmark (of the body when it has none).
func (s *wdSession) text() string {
	var text string
	if err := s.execute(&text, `return (document.querySelector('main') ?? document.body)?.innerText ?? '';`); err != nil {
		return "(unreadable: " + err.Error() + ")"
	}
	return text
}

// waitUntil runs a script every 100 ms until it returns true, for up to d.
func (s *wdSession) waitUntil(what string, d time.Duration, script string, args ...any) error {
	deadline := time.Now().Add(d)
	var lastErr error
	for {
		var ok bool
		err := s.execute(&ok, script, args...)
		if err == nil && ok {
			return nil
		}
		if err != nil {
			lastErr = err
		}
		if time.Now().After(deadline) {
			if lastErr != nil {
				return fmt.Errorf("%s: not within %v (last error: %v)", what, d, lastErr)
			}
			return fmt.Errorf("%s: not within %v", what, d)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// waitForText waits up to d until the main landmark shows want.
func (s *wdSession) waitForText(want string, d time.Duration) error {
	return s.waitUntil(fmt.Sprintf("the page to show %q", want), d,
		`return !!document.querySelector('main')?.innerText.includes(arguments[0]);`, want)
}

// xpathLiteral quotes s for an XPath expression (which has no escapes: a string with both quotes is a concat).
func xpathLiteral(s string) string {
	if !strings.Contains(s, "'") {
		return "'" + s + "'"
	}
	if !strings.Contains(s, `"`) {
		return `"` + s + `"`
	}
	return "concat('" + strings.ReplaceAll(s, "'", `', "'", '`) + "')"
}

// clickButton waits up to d for the enabled button with this visible text and clicks it.
func (s *wdSession) clickButton(text string, d time.Duration) error {
	xpath := "//button[normalize-space(.)=" + xpathLiteral(text) + " and not(@disabled)]"
	deadline := time.Now().Add(d)
	for {
		e, err := s.findElement(xpath)
		if err == nil {
			if err = s.click(e); err == nil {
				return nil
			}
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("clicking the button %q: %v", text, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// clickLabelled clicks the form control a person finds by its visible label.
func (s *wdSession) clickLabelled(label string, d time.Duration) error {
	deadline := time.Now().Add(d)
	for {
		var e wdElement
		err := s.execute(&e, `return [...document.querySelectorAll('label')].find(l => l.textContent.trim() === arguments[0])?.control ?? null;`, label)
		if err == nil && e[webElementKey] == "" {
			err = errors.New("no such control")
		}
		if err == nil {
			if err = s.click(e); err == nil {
				return nil
			}
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("clicking the control labelled %q: %v", label, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
