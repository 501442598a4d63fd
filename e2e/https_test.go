package e2e

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/takeone/takeone/internal/certs/pebbletest"
	"github.com/takeone/takeone/internal/web"
)

// The HTTPS tests run takeone as it runs in production: on :80 and :443 of this machine (so as root), with its
// certificate from an in-process pebble ACME CA whose validation really fetches the HTTP-01 token from takeone's :80.
// A test DNS server resolves the test domain to 127.0.0.1; clients reach it there too.

// testDomain is the name the HTTPS tests serve.
const testDomain = "takeone.test"

// With server.domains set, takeone gets a certificate over ACME at start and serves the app over HTTPS on :443 with
// HSTS and the CSP; :80 redirects to HTTPS. A restart serves the stored certificate without ordering again.
func TestServeHTTPSWithACMECertificate(t *testing.T) {
	requirePortsFree(t, 80, 443)
	ca := pebbletest.Start(t, 80, pebbletest.StartDNS(t, testDomain))
	dataDir := filepath.Join(t.TempDir(), "data")
	env := httpsEnv(ca, testDomain, dataDir)
	client := loopbackClient(t, ca.Roots)

	start := time.Now()
	s := startServerWith(t, client, env, "serve")
	t.Logf("certificate obtained and HTTPS healthy %s after start", time.Since(start).Round(time.Millisecond))
	if s.URL != "https://"+testDomain {
		t.Fatalf("serving at %s, want https://%s", s.URL, testDomain)
	}

	res, body := fetch(t, client, "https://"+testDomain+"/api/health", "")
	if res.StatusCode != http.StatusOK || !strings.Contains(body, `"code":200`) {
		t.Fatalf("health over HTTPS: %d %s", res.StatusCode, body)
	}
	leaf := res.TLS.PeerCertificates[0]
	if !slices.Equal(leaf.DNSNames, []string{testDomain}) {
		t.Errorf("certificate names %v, want [%s]", leaf.DNSNames, testDomain)
	}
	if len(res.TLS.VerifiedChains) == 0 {
		t.Errorf("no chain verified to pebble's root")
	}
	if res.ProtoMajor != 2 {
		t.Errorf("protocol %s, want HTTP/2 (ALPN h2)", res.Proto)
	}
	serial := leaf.SerialNumber.String()

	for _, path := range []string{"/api/health", "/"} {
		res, body := fetch(t, client, "https://"+testDomain+path, "")
		if res.StatusCode != http.StatusOK {
			t.Errorf("GET %s: %d", path, res.StatusCode)
		}
		if got := res.Header.Get("Strict-Transport-Security"); got != web.HSTS {
			t.Errorf("GET %s: Strict-Transport-Security %q, want %q", path, got, web.HSTS)
		}
		if got := res.Header.Get("Content-Security-Policy"); got != web.ContentSecurityPolicy {
			t.Errorf("GET %s: CSP %q", path, got)
		}
		if path == "/" && !isWebApp(body) {
			t.Errorf("GET /: not the web app:\n%.300s", body)
		}
	}

	link := s.setupLink(t)
	if !strings.HasPrefix(link, "https://"+testDomain+"/setup/") {
		t.Errorf("setup link %q, want it under https://%s/setup/", link, testDomain)
	}
	if res, body := fetch(t, client, link, ""); res.StatusCode != http.StatusOK || !isWebApp(body) {
		t.Errorf("GET %s: %d, not the web app", link, res.StatusCode)
	}

	// plain HTTP on :80, as a browser sends it for the domain, is sent to HTTPS with path and query
	res, _ = fetch(t, client, "http://127.0.0.1:80/some/path?q=1", testDomain)
	if want := "https://" + testDomain + "/some/path?q=1"; res.StatusCode != http.StatusPermanentRedirect || res.Header.Get("Location") != want {
		t.Errorf("GET http://%s/some/path?q=1: %d to %q, want 308 to %q", testDomain, res.StatusCode, res.Header.Get("Location"), want)
	}

	if n := ca.Orders(); n != 1 {
		t.Errorf("the CA got %d orders, want 1", n)
	}
	if !hasFile(filepath.Join(dataDir, "certs"), testDomain+".crt") {
		t.Errorf("no %s.crt stored under %s", testDomain, filepath.Join(dataDir, "certs"))
	}

	// a restart on the same data dir serves the stored certificate
	s.stop(t)
	// the logs are flushed at the latest at stop: every entry reached PocketBase's log store, which has no JSON form
	// for some values (a time.Duration, for one)
	if strings.Contains(s.out.String(), "Failed to write log") {
		t.Errorf("a log entry was dropped:\n%s", s.out)
	}
	restarted := time.Now()
	startServerWith(t, client, env, "serve")
	t.Logf("restarted and HTTPS healthy in %s", time.Since(restarted).Round(time.Millisecond))
	res, _ = fetch(t, client, "https://"+testDomain+"/api/health", "")
	if got := res.TLS.PeerCertificates[0].SerialNumber.String(); got != serial {
		t.Errorf("certificate serial after restart %s, want the stored %s", got, serial)
	}
	if n := ca.Orders(); n != 1 {
		t.Errorf("the restart placed %d new orders, want none", n-1)
	}
}

// When the CA cannot validate the domain, takeone stops at start, soon, naming the domain and saying to check DNS and
// port 80.
func TestServeHTTPSFailsWhenTheDomainCannotBeValidated(t *testing.T) {
	for _, test := range []struct {
		name   string
		domain string
		dns    []string               // names the test DNS server resolves to 127.0.0.1
		vaPort func(t testing.TB) int // where the CA's validation connects
		cause  string                 // the CA's reason, quoted in the message
	}{
		{"domain does not resolve", "nowhere.test", []string{testDomain}, func(testing.TB) int { return 80 }, "could not resolve"},
		{"nothing answers where the CA connects", testDomain, []string{testDomain}, closedPort, "connection refused"},
	} {
		t.Run(test.name, func(t *testing.T) {
			requirePortsFree(t, 80, 443)
			ca := pebbletest.Start(t, test.vaPort(t), pebbletest.StartDNS(t, test.dns...))

			start := time.Now()
			out := runFails(t, t.TempDir(), httpsEnv(ca, test.domain, filepath.Join(t.TempDir(), "data")), "serve")
			elapsed := time.Since(start)
			t.Logf("failed after %s", elapsed.Round(time.Millisecond))
			for _, want := range []string{
				"could not validate " + test.domain + " over HTTP-01",
				test.cause,
				"DNS A/AAAA records point to this server",
				"port 80/tcp is open",
			} {
				if !strings.Contains(out, want) {
					t.Errorf("output does not mention %q:\n%s", want, out)
				}
			}
			if strings.Contains(out, "is running at") {
				t.Errorf("takeone announced it was running:\n%s", out)
			}
			if elapsed > 30*time.Second {
				t.Errorf("took %s to fail, want under 30s", elapsed)
			}
			if n := ca.Orders(); n != 1 {
				t.Errorf("the CA got %d orders, want 1 (no retries at start)", n)
			}
		})
	}
}

// With :443 or :80 taken by another program, takeone stops before writing anything, naming the port.
func TestServeHTTPSPortInUse(t *testing.T) {
	for _, busy := range []int{443, 80} {
		t.Run(fmt.Sprintf(":%d", busy), func(t *testing.T) {
			requirePortsFree(t, 80, 443)
			l, err := net.Listen("tcp", fmt.Sprintf(":%d", busy))
			if err != nil {
				t.Fatal(err)
			}
			defer l.Close()

			dir, dataDir := t.TempDir(), filepath.Join(t.TempDir(), "data")
			env := []string{
				"TAKEONE_SERVER_DOMAINS=" + testDomain,
				// never contacted: the start must fail before
				"TAKEONE_TLS_CA=https://127.0.0.1:" + fmt.Sprint(closedPort(t)) + "/dir",
				"TAKEONE_SERVER_DATA_DIR=" + dataDir,
			}
			out := runFails(t, dir, env, "serve")
			for _, want := range []string{fmt.Sprintf("cannot listen on :%d", busy), "another program already uses this port"} {
				if !strings.Contains(out, want) {
					t.Errorf("output does not mention %q:\n%s", want, out)
				}
			}
			if _, err := os.Stat(dataDir); !os.IsNotExist(err) {
				t.Errorf("the data dir %s was created by a start that failed (%v)", dataDir, err)
			}
			if _, err := os.Stat(filepath.Join(dir, "pb_data")); !os.IsNotExist(err) {
				t.Errorf("pb_data was created in the working directory by a start that failed")
			}
		})
	}
}

// requirePortsFree fails the test, naming the port, when one of ports cannot be bound on all interfaces: these tests
// run takeone on them.
func requirePortsFree(t testing.TB, ports ...int) {
	t.Helper()
	for _, p := range ports {
		l, err := net.Listen("tcp", fmt.Sprintf(":%d", p))
		if err != nil {
			t.Fatalf("the HTTPS tests need port %d/tcp free on this machine, and root to bind it: %v. "+
				"Stop the program using it (`ss -ltnp 'sport = :%d'` shows which) and run the tests as root", p, err, p)
		}
		if err := l.Close(); err != nil {
			t.Fatal(err)
		}
	}
}

// httpsEnv configures takeone to serve domain over HTTPS with a certificate from ca.
func httpsEnv(ca *pebbletest.CA, domain, dataDir string) []string {
	return []string{
		"TAKEONE_SERVER_DOMAINS=" + domain,
		"TAKEONE_TLS_CA=" + ca.DirectoryURL,
		"TAKEONE_TLS_CA_ROOT=" + ca.RootFile,
		"TAKEONE_TLS_EMAIL=ops@" + testDomain,
		"TAKEONE_SERVER_DATA_DIR=" + dataDir,
	}
}

// loopbackClient reaches testDomain at 127.0.0.1 (keeping the port), trusts only roots for HTTPS, and does not follow
// redirects.
func loopbackClient(t testing.TB, roots *x509.CertPool) *http.Client {
	tr := &http.Transport{
		TLSClientConfig:   &tls.Config{RootCAs: roots},
		ForceAttemptHTTP2: true,
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			if host, port, err := net.SplitHostPort(addr); err == nil && host == testDomain {
				addr = net.JoinHostPort("127.0.0.1", port)
			}
			return (&net.Dialer{Timeout: 5 * time.Second}).DialContext(ctx, network, addr)
		},
		TLSHandshakeTimeout: 5 * time.Second,
	}
	t.Cleanup(tr.CloseIdleConnections)
	return &http.Client{
		Transport:     tr,
		Timeout:       10 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

// fetch GETs url through client, with the Host header set to host unless it is empty.
func fetch(t testing.TB, client *http.Client, url, host string) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	if host != "" {
		req.Host = host
	}
	res, err := client.Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatalf("GET %s: reading the body: %v", url, err)
	}
	return res, string(body)
}

func isWebApp(body string) bool {
	return strings.Contains(body, `<div id="app">`) || strings.Contains(body, `<script type="module"`)
}

// closedPort is a loopback port nothing listens on.
func closedPort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// hasFile reports whether a file called name is somewhere under dir.
func hasFile(dir, name string) bool {
	found := false
	_ = filepath.WalkDir(dir, func(_ string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && d.Name() == name {
			found = true
		}
		return nil
	})
	return found
}
