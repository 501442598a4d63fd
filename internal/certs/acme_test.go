package certs

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/mholt/acmez/v3/acme"

	"github.com/takeone/takeone/internal/certs/pebbletest"
)

// TestObtainWithPebble runs the whole ACME flow against an in-process
// pebble whose VA really fetches the HTTP-01 token from HTTPHandler, then
// serves HTTPS with the issued certificates and checks a client accepts
// them. A second Manager on the same storage must not order again.
func TestObtainWithPebble(t *testing.T) {
	ctx, cancel := context.WithTimeout(t.Context(), 60*time.Second)
	defer cancel()

	domains := []string{"takeone.test", "www.takeone.test"}
	dnsAddr := pebbletest.StartDNS(t, domains...)
	httpLn, httpPort := listenLocal(t)
	pebble := pebbletest.Start(t, httpPort, dnsAddr)

	storage := filepath.Join(t.TempDir(), "certs")
	cfg := Config{
		Domains:           domains,
		Email:             "ops@takeone.test",
		CA:                pebble.DirectoryURL,
		CARoot:            pebble.RootFile,
		StorageDir:        storage,
		HTTPChallengePort: httpPort,
	}
	m, err := New(cfg, testLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(m.Stop)

	// The app's :80 listener: count the challenge requests it answers, to
	// prove the CA reached this handler and not a listener of certmagic's.
	var challenges atomic.Int64
	fallback := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "not a challenge", http.StatusTeapot)
	})
	h := m.HTTPHandler(fallback)
	serve(t, httpLn, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, "/.well-known/acme-challenge/") {
			challenges.Add(1)
		}
		h.ServeHTTP(w, r)
	}), nil)

	start := time.Now()
	if err := m.Obtain(ctx); err != nil {
		t.Fatalf("Obtain: %v", err)
	}
	t.Logf("obtained %d certificates in %s", len(domains), time.Since(start).Round(time.Millisecond))
	if got := pebble.Orders(); got != int64(len(domains)) {
		t.Errorf("orders = %d, want %d (one per domain)", got, len(domains))
	}
	if challenges.Load() == 0 {
		t.Error("the CA never fetched a challenge from HTTPHandler")
	}

	httpsLn, _ := listenLocal(t)
	serve(t, httpsLn, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "hello %s", r.Host)
	}), m.TLSConfig())

	serials := map[string]string{}
	for _, d := range domains {
		resp, body := httpsGet(t, ctx, httpsLn.Addr().String(), d, "/", pebble.Roots)
		leaf := resp.TLS.PeerCertificates[0]
		if !slices.Equal(leaf.DNSNames, []string{d}) {
			t.Errorf("%s: leaf DNS names = %v, want [%s]", d, leaf.DNSNames, d)
		}
		if len(resp.TLS.VerifiedChains) == 0 {
			t.Errorf("%s: no verified chain to pebble's root", d)
		}
		if resp.ProtoMajor != 2 {
			t.Errorf("%s: protocol = %s, want HTTP/2 (ALPN h2)", d, resp.Proto)
		}
		if body != "hello "+d {
			t.Errorf("%s: body = %q", d, body)
		}
		serials[d] = leaf.SerialNumber.String()
	}

	// A restart: same storage, fresh Manager. Everything comes from disk.
	m.Stop()
	m2, err := New(cfg, testLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(m2.Stop)
	ordersBefore := pebble.Orders()
	if err := m2.Obtain(ctx); err != nil {
		t.Fatalf("second Obtain: %v", err)
	}
	if got := pebble.Orders(); got != ordersBefore {
		t.Errorf("second Obtain placed %d new orders, want 0 (certificates are in %s)", got-ordersBefore, storage)
	}
	httpsLn2, _ := listenLocal(t)
	serve(t, httpsLn2, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, "restarted")
	}), m2.TLSConfig())
	for _, d := range domains {
		resp, body := httpsGet(t, ctx, httpsLn2.Addr().String(), d, "/", pebble.Roots)
		if got := resp.TLS.PeerCertificates[0].SerialNumber.String(); got != serials[d] {
			t.Errorf("%s: serial after restart = %s, want the stored %s", d, got, serials[d])
		}
		if body != "restarted" {
			t.Errorf("%s: body = %q", d, body)
		}
	}
}

// TestObtainValidationFails makes the CA's HTTP-01 validation fail for
// real (pebble's VA gets no or a wrong answer) and checks the error tells
// the operator to look at DNS and port 80, quickly.
func TestObtainValidationFails(t *testing.T) {
	tests := []struct {
		name   string
		domain string
		// vaPort returns the port pebble's VA connects to; the app's
		// handler always runs on its own port.
		vaPort func(t *testing.T, appPort int) int
		cause  string
	}{
		{
			name:   "nothing listens where the CA connects",
			domain: "closed.takeone.test",
			vaPort: func(t *testing.T, _ int) int { return closedPort(t) },
			cause:  "connection refused",
		},
		{
			name:   "another web server answers",
			domain: "other.takeone.test",
			vaPort: func(t *testing.T, _ int) int {
				ln, port := listenLocal(t)
				serve(t, ln, http.NotFoundHandler(), nil)
				return port
			},
			cause: "404",
		},
		{
			name:   "domain does not resolve",
			domain: "nxdomain.takeone.test",
			vaPort: func(_ *testing.T, appPort int) int { return appPort },
			cause:  "resolve",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
			defer cancel()

			resolvable := []string{tt.domain}
			if tt.domain == "nxdomain.takeone.test" {
				resolvable = nil
			}
			dnsAddr := pebbletest.StartDNS(t, resolvable...)
			appLn, appPort := listenLocal(t)
			pebble := pebbletest.Start(t, tt.vaPort(t, appPort), dnsAddr)

			m, err := New(Config{
				Domains:           []string{tt.domain},
				CA:                pebble.DirectoryURL,
				CARoot:            pebble.RootFile,
				StorageDir:        t.TempDir(),
				HTTPChallengePort: appPort,
			}, testLogger(t))
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(m.Stop)
			serve(t, appLn, m.HTTPHandler(nil), nil)

			start := time.Now()
			err = m.Obtain(ctx)
			elapsed := time.Since(start)
			if err == nil {
				t.Fatal("Obtain succeeded, want a validation error")
			}
			t.Logf("error after %s: %v", elapsed.Round(time.Millisecond), err)
			msg := err.Error()
			for _, want := range []string{
				"could not validate " + tt.domain + " over HTTP-01",
				tt.cause,
				"DNS A/AAAA records point to this server",
				"port 80/tcp is open",
			} {
				if !strings.Contains(msg, want) {
					t.Errorf("error %q does not contain %q", msg, want)
				}
			}
			var prob acme.Problem
			if !errors.As(err, &prob) {
				t.Errorf("the CA's problem document is not wrapped in %v", err)
			}
			if elapsed > 15*time.Second {
				t.Errorf("Obtain took %s to fail", elapsed)
			}
		})
	}
}

// TestObtainNeedsHTTPListener checks Obtain refuses to start an order when
// nothing serves HTTPHandler, instead of letting certmagic open its own
// listener on the challenge port.
func TestObtainNeedsHTTPListener(t *testing.T) {
	var orders atomic.Int64
	ca := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		orders.Add(1)
		http.NotFound(w, r)
	}))
	t.Cleanup(ca.Close)

	port := closedPort(t)
	m, err := New(Config{
		Domains:           []string{"takeone.test"},
		CA:                "https://" + ca.Listener.Addr().String() + "/dir",
		StorageDir:        t.TempDir(),
		HTTPChallengePort: port,
	}, testLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(m.Stop)

	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	err = m.Obtain(ctx)
	if err == nil {
		t.Fatal("Obtain succeeded without an HTTP listener")
	}
	for _, want := range []string{"nothing is listening on port " + portString(port), "HTTPHandler"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not contain %q", err, want)
		}
	}
	if orders.Load() != 0 {
		t.Errorf("the CA was contacted %d times", orders.Load())
	}
	// The probe must not leave the port bound.
	ln, err := net.Listen("tcp", "127.0.0.1:"+portString(port))
	if err != nil {
		t.Fatalf("port %d still taken after Obtain: %v", port, err)
	}
	ln.Close()
}

// TestObtainCAUnreachable checks that failing to talk to the CA at all
// gives the "cannot reach the ACME CA" advice within a bounded time.
func TestObtainCAUnreachable(t *testing.T) {
	untrusted := httptest.NewUnstartedServer(http.NotFoundHandler())
	untrusted.Config.ErrorLog = discardLog()
	untrusted.StartTLS()
	t.Cleanup(untrusted.Close)

	tests := []struct {
		name  string
		ca    string
		cause string
	}{
		{"closed port", "https://127.0.0.1:" + portString(closedPort(t)) + "/dir", "connection refused"},
		{"CA certificate not trusted", untrusted.URL + "/dir", "certificate signed by unknown authority"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
			defer cancel()
			appLn, appPort := listenLocal(t)
			m, err := New(Config{
				Domains:           []string{"takeone.test"},
				CA:                tt.ca,
				StorageDir:        t.TempDir(),
				HTTPChallengePort: appPort,
			}, testLogger(t))
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(m.Stop)
			serve(t, appLn, m.HTTPHandler(nil), nil)

			start := time.Now()
			err = m.Obtain(ctx)
			elapsed := time.Since(start)
			if err == nil {
				t.Fatal("Obtain succeeded")
			}
			t.Logf("error after %s: %v", elapsed.Round(time.Millisecond), err)
			for _, want := range []string{
				"cannot reach the ACME CA at " + tt.ca,
				tt.cause,
				"Check tls.ca, the server's outbound network and firewall, and tls.ca_root",
			} {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error %q does not contain %q", err, want)
				}
			}
			if elapsed > 10*time.Second {
				t.Errorf("Obtain took %s to fail", elapsed)
			}
		})
	}
}

// TestObtainRespectsContext checks a caller's deadline stops Obtain even
// when the CA accepts connections but never answers.
func TestObtainRespectsContext(t *testing.T) {
	ln, port := listenLocal(t)
	// Accept connections and hold them silently, like a blackholed proxy.
	var (
		mu   sync.Mutex
		held []net.Conn
	)
	acceptDone := make(chan struct{})
	go func() {
		defer close(acceptDone)
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			held = append(held, c)
			mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		<-acceptDone
		mu.Lock()
		defer mu.Unlock()
		for _, c := range held {
			c.Close()
		}
	})

	appLn, appPort := listenLocal(t)
	m, err := New(Config{
		Domains:           []string{"takeone.test"},
		CA:                "https://127.0.0.1:" + portString(port) + "/dir",
		StorageDir:        t.TempDir(),
		HTTPChallengePort: appPort,
	}, testLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(m.Stop)
	serve(t, appLn, m.HTTPHandler(nil), nil)

	ctx, cancel := context.WithTimeout(t.Context(), 500*time.Millisecond)
	defer cancel()
	start := time.Now()
	err = m.Obtain(ctx)
	elapsed := time.Since(start)
	if err == nil {
		t.Fatal("Obtain succeeded")
	}
	t.Logf("error after %s: %v", elapsed.Round(time.Millisecond), err)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("error does not wrap context.DeadlineExceeded: %v", err)
	}
	if !strings.Contains(err.Error(), "cannot reach the ACME CA") {
		t.Errorf("error %q lacks the CA advice", err)
	}
	if elapsed > 5*time.Second {
		t.Errorf("Obtain took %s despite a 500ms deadline", elapsed)
	}
}

// TestNoEmailPrompt checks that without an email certmagic does not print
// its interactive prompt and read stdin (a server started from a terminal
// would hang there). certmagic remembers emails process-wide, so the flow
// runs in a fresh child process.
func TestNoEmailPrompt(t *testing.T) {
	if os.Getenv("CERTS_TEST_PROMPT_CHILD") == "1" {
		ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
		defer cancel()
		dnsAddr := pebbletest.StartDNS(t, "takeone.test")
		appLn, appPort := listenLocal(t)
		pebble := pebbletest.Start(t, closedPort(t), dnsAddr)
		m, err := New(Config{
			Domains:           []string{"takeone.test"},
			CA:                pebble.DirectoryURL,
			CARoot:            pebble.RootFile,
			StorageDir:        t.TempDir(),
			HTTPChallengePort: appPort,
		}, testLogger(t))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(m.Stop)
		serve(t, appLn, m.HTTPHandler(nil), nil)
		if err := m.Obtain(ctx); err == nil || !strings.Contains(err.Error(), "could not validate") {
			t.Fatalf("Obtain: %v, want a validation error", err)
		}
		return
	}

	ctx, cancel := context.WithTimeout(t.Context(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^TestNoEmailPrompt$", "-test.count=1", "-test.v")
	cmd.Env = append(os.Environ(), "CERTS_TEST_PROMPT_CHILD=1")
	cmd.Stdin = strings.NewReader("typed@takeone.test\n")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("child: %v\n%s", err, out)
	}
	if strings.Contains(string(out), "Email address:") {
		t.Errorf("certmagic prompted for an email:\n%s", out)
	}
}
