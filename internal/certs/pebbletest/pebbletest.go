// Package pebbletest is test support only: it runs an in-process pebble
// ACME CA and a tiny DNS server on loopback, so tests can obtain real
// certificates over HTTP-01 without any network. Production code must not
// import it.
//
// Typical use, with the HTTP-01 answers served on port 80:
//
//	dnsAddr := pebbletest.StartDNS(t, "takeone.test")
//	ca := pebbletest.Start(t, 80, dnsAddr)
//	// point the ACME client at ca.DirectoryURL, trusting ca.RootFile;
//	// verify the issued certificates against ca.Roots.
package pebbletest

import (
	"bytes"
	"crypto/x509"
	"encoding/pem"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/letsencrypt/pebble/v2/ca"
	"github.com/letsencrypt/pebble/v2/db"
	"github.com/letsencrypt/pebble/v2/va"
	"github.com/letsencrypt/pebble/v2/wfe"
	"github.com/miekg/dns"
)

// CA is an in-process pebble ACME server. It is stopped when the test
// that started it ends.
type CA struct {
	// DirectoryURL is the ACME directory URL, served over HTTPS on
	// 127.0.0.1 (certs.Config.CA, the tls.ca setting).
	DirectoryURL string
	// RootFile is a PEM file with the certificate of the directory's
	// HTTPS server, for the ACME client to trust (certs.Config.CARoot,
	// the tls.ca_root setting).
	RootFile string
	// Roots holds only pebble's issuing root: verify certificates the CA
	// issued against it.
	Roots *x509.CertPool

	orders atomic.Int64
}

// Orders returns how many new-order requests the CA has received, e.g. to
// check that a restart reuses stored certificates instead of ordering.
func (c *CA) Orders() int64 { return c.orders.Load() }

// Start assembles pebble the way cmd/pebble does. Its VA validates HTTP-01
// by connecting to vaHTTPPort on the address the name resolves to, asking
// the DNS server at dnsAddr (see [StartDNS]) over TCP.
//
// Validation is real, but without pebble's random 0-5 s sleeps,
// deliberately bad nonces or reuse of earlier authorizations; Start sets
// the PEBBLE_* environment variables for that with t.Setenv, so it cannot
// be used from parallel tests. Pebble's log is shown only if t fails.
func Start(t testing.TB, vaHTTPPort int, dnsAddr string) *CA {
	t.Helper()
	t.Setenv("PEBBLE_VA_NOSLEEP", "1")
	t.Setenv("PEBBLE_WFE_NONCEREJECT", "0")
	t.Setenv("PEBBLE_AUTHZREUSE", "0")

	logBuf := &LogBuffer{}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("pebble log:\n%s", logBuf.String())
		}
	})
	logger := log.New(logBuf, "pebble ", log.Lmicroseconds)

	store := db.NewMemoryStore()
	// ECDSA keeps CA start-up fast; chain length 1 = root + intermediate.
	authority := ca.New(logger, store, "", "ecdsa", 0, 1, map[string]ca.Profile{
		"default": {Description: "default profile"},
	})
	validator := va.New(logger, vaHTTPPort, 0, false, dnsAddr, store)
	frontEnd := wfe.New(logger, store, validator, authority, []string{"pebble.letsencrypt.org"}, false, false, 0, 0)

	c := &CA{}
	acmeHandler := frontEnd.Handler()
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost && r.URL.Path == "/order-plz" {
			c.orders.Add(1)
		}
		acmeHandler.ServeHTTP(w, r)
	}))
	srv.Config.ErrorLog = log.New(logBuf, "pebble-http ", log.Lmicroseconds)
	srv.Config.ReadHeaderTimeout = 10 * time.Second
	srv.StartTLS()
	t.Cleanup(srv.Close)

	c.DirectoryURL = srv.URL + wfe.DirectoryPath
	c.RootFile = filepath.Join(t.TempDir(), "ca-root.pem")
	rootPEM := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw})
	if err := os.WriteFile(c.RootFile, rootPEM, 0o600); err != nil {
		t.Fatal(err)
	}
	c.Roots = x509.NewCertPool()
	c.Roots.AddCert(authority.GetRootCert(0).Cert)
	return c
}

// StartDNS serves, on 127.0.0.1 over TCP (what pebble's VA uses with a
// custom resolver), A records pointing each of names at 127.0.0.1; any
// other name gets NXDOMAIN. It returns the server's address for [Start]
// and stops the server when the test ends.
func StartDNS(t testing.TB, names ...string) string {
	t.Helper()
	known := map[string]bool{}
	for _, n := range names {
		known[strings.ToLower(dns.Fqdn(n))] = true
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &dns.Server{Listener: ln, Handler: dns.HandlerFunc(func(w dns.ResponseWriter, req *dns.Msg) {
		resp := new(dns.Msg)
		resp.SetReply(req)
		for _, q := range req.Question {
			switch {
			case !known[strings.ToLower(q.Name)]:
				resp.Rcode = dns.RcodeNameError
			case q.Qtype == dns.TypeA:
				resp.Answer = append(resp.Answer, &dns.A{
					Hdr: dns.RR_Header{Name: q.Name, Rrtype: dns.TypeA, Class: dns.ClassINET, Ttl: 60},
					A:   net.IPv4(127, 0, 0, 1),
				})
			}
		}
		_ = w.WriteMsg(resp)
	})}
	started := make(chan struct{})
	srv.NotifyStartedFunc = func() { close(started) }
	done := make(chan error, 1)
	go func() { done <- srv.ActivateAndServe() }()
	select {
	case <-started:
	case err := <-done:
		t.Fatalf("pebbletest: DNS server did not start: %v", err)
	case <-time.After(10 * time.Second):
		_ = ln.Close()
		t.Fatal("pebbletest: DNS server did not start within 10s")
	}
	t.Cleanup(func() {
		_ = srv.Shutdown()
		<-done
	})
	return ln.Addr().String()
}

// LogBuffer collects log output from many goroutines; tests print it only
// when they fail.
type LogBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *LogBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *LogBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
