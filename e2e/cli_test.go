package e2e

import (
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/takeone/takeone/internal/web"
)

// With no config at all, `takeone serve` serves the web app and the API on 127.0.0.1:8090, keeps its data in
// ./pb_data, and prints the link that creates the first admin.
func TestServeOnEmbeddedDefaults(t *testing.T) {
	s := startServer(t, nil, "serve")
	if s.URL != "http://127.0.0.1:8090" {
		t.Fatalf("serving at %s, want http://127.0.0.1:8090", s.URL)
	}
	if _, err := os.Stat(filepath.Join(s.Dir, "pb_data", "data.db")); err != nil {
		t.Fatalf("no database in ./pb_data: %v", err)
	}
	if !strings.Contains(s.setupLink(t), "http://127.0.0.1:8090/setup/") {
		t.Fatalf("setup link %q", s.setupLink(t))
	}

	for _, path := range []string{"/", "/setup/abc", "/i/some-candidate-token"} {
		res, body := get(t, s.URL+path)
		if res.StatusCode != http.StatusOK || !strings.Contains(body, `<div id="app">`) && !strings.Contains(body, "<script type=\"module\"") {
			t.Errorf("GET %s: %d, not the web app:\n%.300s", path, res.StatusCode, body)
		}
		if got := res.Header.Get("Content-Security-Policy"); got != web.ContentSecurityPolicy {
			t.Errorf("GET %s: CSP %q", path, got)
		}
		if res.Header.Get("Referrer-Policy") != "no-referrer" || !strings.Contains(res.Header.Get("Permissions-Policy"), "camera=(self)") {
			t.Errorf("GET %s: missing privacy headers: %v", path, res.Header)
		}
		if res.Header.Get("Strict-Transport-Security") != "" {
			t.Errorf("GET %s: HSTS over plain HTTP", path)
		}
	}
	if res, body := get(t, s.URL+"/api/health"); res.StatusCode != 200 || !strings.Contains(body, `"code":200`) {
		t.Fatalf("health: %d %s", res.StatusCode, body)
	}
	if res, body := get(t, s.URL+"/api/no-such-route"); res.StatusCode != 404 || !strings.Contains(body, `"status":404`) {
		t.Fatalf("unknown API route: %d %s", res.StatusCode, body)
	}
}

// `takeone version` answers without opening or creating a data dir.
func TestVersion(t *testing.T) {
	cmd := exec.Command(binary, "version")
	cmd.Dir = t.TempDir()
	out, err := cmd.CombinedOutput()
	if err != nil || !strings.HasPrefix(string(out), "takeone ") || !strings.Contains(string(out), "PocketBase v0.40") {
		t.Fatalf("version: %v %s", err, out)
	}
	if _, err := os.Stat(filepath.Join(cmd.Dir, "pb_data")); !os.IsNotExist(err) {
		t.Fatal("`takeone version` created ./pb_data")
	}
}

// Bad starts: a clear message, a non-zero exit, and nothing written to the data dir.
func TestBadStartsSayWhatToDo(t *testing.T) {
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	file := filepath.Join(t.TempDir(), "a-file")
	if err := os.WriteFile(file, []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	badConfig := filepath.Join(t.TempDir(), "config.yaml")
	if err := os.WriteFile(badConfig, []byte("server:\n  htttp: 127.0.0.1:1\n"), 0o600); err != nil {
		t.Fatal(err)
	}

	for _, test := range []struct {
		name string
		env  []string
		args []string
		want []string
	}{
		{"port in use", nil, []string{"serve", "--http", busy.Addr().String()}, []string{busy.Addr().String(), "another program already uses this port"}},
		{"unwritable data dir", nil, []string{"serve", "--dir", filepath.Join(file, "data"), "--http", freeAddr(t)}, []string{"cannot create the data dir", "--dir"}},
		{"unknown config key", nil, []string{"serve", "--config", badConfig}, []string{"configuration error", badConfig, `"server.htttp"`, `did you mean "server.http"`}},
		{"missing config file", nil, []string{"serve", "--config", "/nonexistent/takeone.yaml"}, []string{"/nonexistent/takeone.yaml"}},
		{"bad environment value", []string{"TAKEONE_RECORDING_MAX_SESSIONS=lots"}, []string{"serve"}, []string{"TAKEONE_RECORDING_MAX_SESSIONS", "whole number"}},
		{"missing certificate file", []string{"TAKEONE_SERVER_DOMAINS=interviews.example.com", "TAKEONE_TLS_CERT_FILE=/nonexistent/cert.pem", "TAKEONE_TLS_KEY_FILE=/nonexistent/key.pem"}, []string{"serve"}, []string{"TAKEONE_TLS_CERT_FILE", "/nonexistent/cert.pem"}},
	} {
		t.Run(test.name, func(t *testing.T) {
			dir := t.TempDir()
			out := runFails(t, dir, test.env, test.args...)
			for _, want := range test.want {
				if !strings.Contains(out, want) {
					t.Errorf("output does not mention %q:\n%s", want, out)
				}
			}
			if _, err := os.Stat(filepath.Join(dir, "pb_data")); !os.IsNotExist(err) {
				t.Errorf("pb_data was created by a start that failed")
			}
		})
	}
}
