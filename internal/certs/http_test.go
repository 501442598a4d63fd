package certs

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"testing"

	"github.com/mholt/acmez/v3/acme"
)

func TestRedirectToHTTPS(t *testing.T) {
	tests := []struct {
		method, target, host string
		wantCode             int
		wantLocation         string
	}{
		{"GET", "/", "takeone.test", 308, "https://takeone.test/"},
		{"GET", "/join/abc?c=1&d=two", "takeone.test:80", 308, "https://takeone.test/join/abc?c=1&d=two"},
		{"POST", "/api/upload", "takeone.test:8080", 308, "https://takeone.test/api/upload"},
		{"GET", "/a%2Fb/c%20d", "takeone.test", 308, "https://takeone.test/a%2Fb/c%20d"},
		{"GET", "/x", "[2001:db8::1]:80", 308, "https://[2001:db8::1]/x"},
		{"GET", "/x", "192.0.2.7:80", 308, "https://192.0.2.7/x"},
		{"GET", "/x", "", 400, ""},
	}
	for _, tt := range tests {
		t.Run(tt.method+" "+tt.host+tt.target, func(t *testing.T) {
			r := httptest.NewRequest(tt.method, tt.target, nil)
			r.Host = tt.host
			w := httptest.NewRecorder()
			RedirectToHTTPS(w, r)
			if w.Code != tt.wantCode {
				t.Errorf("status = %d, want %d", w.Code, tt.wantCode)
			}
			if got := w.Header().Get("Location"); got != tt.wantLocation {
				t.Errorf("Location = %q, want %q", got, tt.wantLocation)
			}
		})
	}
}

func TestHTTPHandlerFallback(t *testing.T) {
	dir := t.TempDir()
	certFile, keyFile, _ := selfSigned(t, dir, "", "takeone.test")
	filesM, err := New(Config{Domains: []string{"takeone.test"}, CertFile: certFile, KeyFile: keyFile}, testLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	acmeM, err := New(Config{Domains: []string{"takeone.test"}, CA: "https://127.0.0.1:14000/dir", StorageDir: t.TempDir()}, testLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(acmeM.Stop)

	app := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusTeapot)
		fmt.Fprint(w, "app ", r.URL.Path)
	})
	tests := []struct {
		name     string
		m        *Manager
		fallback http.Handler
		method   string
		path     string
		wantCode int
		wantBody string
	}{
		{"acme: ordinary request", acmeM, app, "GET", "/join", 418, "app /join"},
		{"acme: unknown challenge token", acmeM, app, "GET", "/.well-known/acme-challenge/abc", 418, "app /.well-known/acme-challenge/abc"},
		{"acme: POST to challenge path", acmeM, app, "POST", "/.well-known/acme-challenge/abc", 418, "app /.well-known/acme-challenge/abc"},
		{"acme: nil fallback redirects", acmeM, nil, "GET", "/join", 308, ""},
		{"files: challenge path", filesM, app, "GET", "/.well-known/acme-challenge/abc", 418, "app /.well-known/acme-challenge/abc"},
		{"files: nil fallback redirects", filesM, nil, "GET", "/join", 308, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest(tt.method, tt.path, nil)
			r.Host = "takeone.test"
			w := httptest.NewRecorder()
			tt.m.HTTPHandler(tt.fallback).ServeHTTP(w, r)
			if w.Code != tt.wantCode {
				t.Errorf("status = %d, want %d", w.Code, tt.wantCode)
			}
			if tt.wantBody != "" && w.Body.String() != tt.wantBody {
				t.Errorf("body = %q, want %q", w.Body.String(), tt.wantBody)
			}
			if tt.wantCode == 308 && w.Header().Get("Location") != "https://takeone.test"+tt.path {
				t.Errorf("Location = %q", w.Header().Get("Location"))
			}
		})
	}
}

func TestExplain(t *testing.T) {
	const ca = "https://ca.example/dir"
	answered := &caTrace{}
	answered.answered.Store(true)
	silent := &caTrace{}
	silent.failed(errors.New("dial tcp 192.0.2.1:443: i/o timeout"))

	validation := acme.Problem{
		Type:     acme.ProblemTypeUnauthorized,
		Detail:   "Invalid response from http://www.takeone.test/.well-known/acme-challenge/x: 404",
		Resource: acme.Authorization{Identifier: acme.Identifier{Type: "dns", Value: "www.takeone.test"}},
	}
	tests := []struct {
		name  string
		err   error
		tr    *caTrace
		wants []string
	}{
		{"validation problem names the authz domain", fmt.Errorf("takeone.test: obtaining certificate: %w", validation), nil,
			[]string{"could not validate www.takeone.test over HTTP-01", "404", adviceHTTP01}},
		{"dns problem", acme.Problem{Type: acme.ProblemTypeDNS, Detail: "NXDOMAIN looking up A for takeone.test"}, nil,
			[]string{"could not validate takeone.test over HTTP-01", "NXDOMAIN", adviceHTTP01}},
		{"unauthorized without an authorization is not about validation", acme.Problem{Type: acme.ProblemTypeUnauthorized, Detail: "account is deactivated"}, nil,
			[]string{"did not issue a certificate for takeone.test", "account is deactivated", adviceCA}},
		{"rate limited", acme.Problem{Type: acme.ProblemTypeRateLimited, Detail: "too many certificates"}, nil,
			[]string{"rate-limiting", "too many certificates"}},
		{"rejected identifier", acme.Problem{Type: acme.ProblemTypeRejectedIdentifier, Detail: "blocked"}, nil,
			[]string{"refuses to issue", "server.domains"}},
		{"DNS failure for the CA", &url.Error{Op: "Get", URL: ca, Err: &net.DNSError{Err: "no such host", Name: "ca.example", IsNotFound: true}}, nil,
			[]string{"cannot reach the ACME CA at " + ca, "no such host", adviceCA}},
		{"unknown authority", fmt.Errorf("wrapped: %w", x509.UnknownAuthorityError{}), nil,
			[]string{"cannot reach the ACME CA at " + ca, adviceCA}},
		{"deadline, CA never answered", fmt.Errorf("provisioning client: %w", context.DeadlineExceeded), silent,
			[]string{"cannot reach the ACME CA at " + ca, "i/o timeout", adviceCA}},
		{"deadline while validating", fmt.Errorf("polling: %w", context.DeadlineExceeded), answered,
			[]string{"did not finish validating takeone.test", adviceHTTP01}},
		{"canceled", fmt.Errorf("x: %w", context.Canceled), answered, []string{"canceled"}},
		{"other", os.ErrPermission, nil, []string{"obtaining a certificate for takeone.test from the ACME CA at " + ca + " failed"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := explain(tt.err, "takeone.test", ca, tt.tr)
			// Problem is not comparable, so compare what Unwrap returns by text.
			if u := errors.Unwrap(got); u == nil || u.Error() != tt.err.Error() {
				t.Errorf("explained error does not wrap the original: %v", u)
			}
			for _, want := range tt.wants {
				if !strings.Contains(got.Error(), want) {
					t.Errorf("%q does not contain %q", got, want)
				}
			}
		})
	}
}
