package certs

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"io"
	"log"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
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

// syncBuffer collects log output from many goroutines; it is printed only
// when a test fails.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// testLogger returns a debug-level logger whose output is shown only if
// the test fails, so passing runs stay quiet.
func testLogger(t *testing.T) *slog.Logger {
	t.Helper()
	buf := &syncBuffer{}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("certs log:\n%s", buf.String())
		}
	})
	return slog.New(slog.NewTextHandler(buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

// testCA is an in-process pebble ACME server.
type testCA struct {
	dirURL   string         // ACME directory, served over HTTPS on 127.0.0.1
	rootFile string         // PEM of the directory server's TLS certificate (Config.CARoot)
	roots    *x509.CertPool // pebble's issuing root, to verify certificates it issued
	orders   atomic.Int64   // new-order requests received
}

// startPebble assembles pebble the way cmd/pebble does, with its VA
// validating HTTP-01 on vaPort and resolving names through dnsAddr.
func startPebble(t *testing.T, vaPort int, dnsAddr string) *testCA {
	t.Helper()
	// Real validation, but no random 0-5 s sleeps, no deliberately bad
	// nonces and no reuse of earlier authorizations.
	t.Setenv("PEBBLE_VA_NOSLEEP", "1")
	t.Setenv("PEBBLE_WFE_NONCEREJECT", "0")
	t.Setenv("PEBBLE_AUTHZREUSE", "0")

	logBuf := &syncBuffer{}
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
	validator := va.New(logger, vaPort, 0, false, dnsAddr, store)
	frontEnd := wfe.New(logger, store, validator, authority, []string{"pebble.letsencrypt.org"}, false, false, 0, 0)

	tc := &testCA{}
	acmeHandler := frontEnd.Handler()
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost && r.URL.Path == "/order-plz" {
			tc.orders.Add(1)
		}
		acmeHandler.ServeHTTP(w, r)
	}))
	srv.Config.ErrorLog = log.New(logBuf, "pebble-http ", log.Lmicroseconds)
	srv.StartTLS()
	t.Cleanup(srv.Close)

	tc.dirURL = srv.URL + wfe.DirectoryPath
	tc.rootFile = filepath.Join(t.TempDir(), "ca-root.pem")
	writePEM(t, tc.rootFile, "CERTIFICATE", srv.Certificate().Raw)
	tc.roots = x509.NewCertPool()
	tc.roots.AddCert(authority.GetRootCert(0).Cert)
	return tc
}

// startDNS serves A records pointing names at 127.0.0.1 (TCP, which is
// what pebble's VA uses with a custom resolver); other names get NXDOMAIN.
func startDNS(t *testing.T, names ...string) string {
	t.Helper()
	known := map[string]bool{}
	for _, n := range names {
		known[dns.Fqdn(n)] = true
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
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = srv.ActivateAndServe()
	}()
	<-started
	t.Cleanup(func() {
		_ = srv.Shutdown()
		<-done
	})
	return ln.Addr().String()
}

// listenLocal opens a TCP listener on 127.0.0.1 and returns it with its port.
func listenLocal(t *testing.T) (net.Listener, int) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	return ln, ln.Addr().(*net.TCPAddr).Port
}

// closedPort returns a port on 127.0.0.1 where nothing listens.
func closedPort(t *testing.T) int {
	t.Helper()
	ln, port := listenLocal(t)
	if err := ln.Close(); err != nil {
		t.Fatal(err)
	}
	return port
}

// serve runs h on ln (over TLS if cfg is set) until the test ends.
func serve(t *testing.T, ln net.Listener, h http.Handler, cfg *tls.Config) {
	t.Helper()
	srv := &http.Server{
		Handler:           h,
		TLSConfig:         cfg,
		ReadHeaderTimeout: 5 * time.Second,
		ErrorLog:          log.New(io.Discard, "", 0),
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		var err error
		if cfg != nil {
			err = srv.ServeTLS(ln, "", "")
		} else {
			err = srv.Serve(ln)
		}
		if err != nil && !errors.Is(err, http.ErrServerClosed) {
			t.Errorf("serve: %v", err)
		}
	}()
	t.Cleanup(func() {
		_ = srv.Close()
		<-done
	})
}

// httpsGet fetches https://serverName/path from addr, verifying the server
// against roots, and returns the response (body read) and the body.
func httpsGet(t *testing.T, ctx context.Context, addr, serverName, path string, roots *x509.CertPool) (*http.Response, string) {
	t.Helper()
	tr := &http.Transport{
		TLSClientConfig:   &tls.Config{RootCAs: roots},
		ForceAttemptHTTP2: true,
		DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
			return (&net.Dialer{}).DialContext(ctx, network, addr)
		},
	}
	defer tr.CloseIdleConnections()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "https://"+serverName+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := (&http.Client{Transport: tr}).Do(req)
	if err != nil {
		t.Fatalf("GET https://%s%s via %s: %v", serverName, path, addr, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("reading body: %v", err)
	}
	return resp, string(body)
}

func writePEM(t *testing.T, path, typ string, der []byte) {
	t.Helper()
	if err := os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
}

func portString(p int) string { return strconv.Itoa(p) }

func discardLog() *log.Logger { return log.New(io.Discard, "", 0) }
